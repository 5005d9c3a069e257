package run

import (
	"picket/playbooks"
	"picket/triage"
	"picket/triage/kqldoc"
)

// newEventDoc shows events to a step's KQL query through triage/kqldoc's
// one adapter, with the fields Picket computes (picket.login.outcome, …)
// answered first. Reset it to each event in turn.
func newEventDoc() *kqldoc.Doc {
	return &kqldoc.Doc{Computed: func(ev *triage.Event, path string) ([]triage.Value, bool) {
		if !playbooks.IsDerived(path) {
			return nil, false
		}
		return fieldValues(ev, path), true
	}}
}
