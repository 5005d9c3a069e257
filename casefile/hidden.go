package casefile

import (
	"time"

	"picket/triage"
)

// markHidden says, for each finding of a report, which exception or
// allowlist entry in force now hides it, with the one triage.Suppressor
// that picket detect and the console use, so the exports agree with them.
// A finding's exceptions are judged on the events the case kept of it: all
// of them must be there, or only its actor is judged (a prefix never hides
// a finding).
func markHidden(r *Report, xs []triage.Exception, allow []triage.AllowEntry, now time.Time) {
	sup := triage.NewSuppressor(xs, allow, now)
	if sup == nil {
		return
	}
	byID := map[string]*triage.Event{}
	for _, e := range r.Events {
		if ev, err := triage.ParseEvent(e.Document, e.ID); err == nil {
			ev.ID = e.ID
			byID[e.ID] = ev
		}
	}
	for i := range r.Findings {
		f := &r.Findings[i].Finding
		var evs []*triage.Event
		for _, ref := range f.Evidence {
			if ev, ok := byID[ref.ID]; ok {
				evs = append(evs, ev)
			}
		}
		if len(evs) < max(f.EventCount, len(f.Evidence)) {
			evs = nil // not every event kept: judge the actor only
		}
		if h, hidden := sup.JudgeEvents(f, evs); hidden {
			r.Findings[i].HiddenBy = h.String()
		}
	}
}
