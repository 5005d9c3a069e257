package run

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"picket/playbooks"
	"picket/triage"
)

// MaxPivotValues caps how many of the evidence's values a pivot looks for.
const MaxPivotValues = 20

// Shared is a source (source address × user agent) whose events share a
// value with the finding's evidence, and how many of them do.
type Shared struct {
	Key    triage.GroupKey `json:"-"`
	Events int             `json:"events"`
}

// MarshalJSON writes the group by its key as the case file refers to
// groups (triage.GroupKey.String).
func (s Shared) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Group  string `json:"group"`
		Events int    `json:"events"`
	}{s.Key.String(), s.Events})
}

// Pivoted is the answer of a pivot action.
type Pivoted struct {
	Field string `json:"field"`
	// Values are the evidence's values of Field looked for, in the order
	// found (at most MaxPivotValues).
	Values []string `json:"values"`
	// Sources counts the other sources whose events in the window hold
	// one of Values; Events counts those events.
	Sources int `json:"sources"`
	Events  int `json:"events"`
	// Queued are the sources among them that are groups of the queue,
	// those with most shared events first.
	Queued   []Shared `json:"queued"`
	Coverage Coverage `json:"coverage"`
}

// Pivot finds the other sources whose events share a value of the
// action's field with the finding's kept evidence, in the action's
// window, and which of them are queued (groups of the console's queue).
// A session id is also matched in cookies, as the detectors find it.
func Pivot(act playbooks.Action, f triage.Finding, evs Events, queued []triage.GroupKey) (Pivoted, error) {
	field := act.Field
	out := Pivoted{Field: field, Coverage: coverage(act, &f, evs)}
	out.Coverage.Scope = playbooks.ScopeSite
	want := pivotValues(field, &f, evs)
	out.Values = want.order
	if len(out.Values) == 0 {
		return Pivoted{}, fmt.Errorf("the evidence events kept have no %s", field)
	}
	needles := want.needles()
	if playbooks.IsDerived(field) {
		needles = nil // computed values need not appear in the document as they are
	}
	self := triage.GroupKey{SourceIP: f.SourceIP, UserAgent: f.UserAgent}
	shared := map[triage.GroupKey]int{}
	out.Coverage.each(evs, func(ev *triage.Event) bool {
		if !out.Coverage.inWindow(ev) {
			return true
		}
		k := triage.GroupKey{SourceIP: ev.SourceIP, UserAgent: ev.UserAgent}
		if k == self {
			return true
		}
		if needles != nil && !slices.ContainsFunc(needles, func(n []byte) bool { return bytes.Contains(ev.Raw, n) }) {
			return true
		}
		if want.heldBy(ev, field) {
			shared[k]++
		}
		return true
	})
	out.Sources = len(shared)
	inQueue := make(map[triage.GroupKey]bool, len(queued))
	for _, k := range queued {
		inQueue[k] = true
	}
	for k, n := range shared {
		out.Events += n
		if inQueue[k] {
			out.Queued = append(out.Queued, Shared{Key: k, Events: n})
		}
	}
	slices.SortFunc(out.Queued, func(a, b Shared) int {
		if c := cmp.Compare(b.Events, a.Events); c != 0 {
			return c
		}
		return strings.Compare(a.Key.String(), b.Key.String())
	})
	return out, nil
}

// valueSet is the values a pivot looks for, in the order found.
type valueSet struct {
	set   map[string]bool
	order []string
}

func (s *valueSet) add(v string) {
	if !s.set[v] && len(s.order) < MaxPivotValues {
		s.set[v] = true
		s.order = append(s.order, v)
	}
}

// pivotValues reads the values to look for from the kept evidence; when
// none has the field, the user or session the finding names (detectors
// may read them from elsewhere, a session cookie).
func pivotValues(field string, f *triage.Finding, evs Events) *valueSet {
	s := &valueSet{set: map[string]bool{}}
	for _, r := range f.Evidence {
		ev, ok := evs.Event(r)
		if !ok {
			continue
		}
		vs := fieldStrings(ev, field)
		if sid := SessionOf(ev); field == "session.id" && len(vs) == 0 && sid != "" {
			vs = []string{sid}
		}
		for _, v := range vs {
			s.add(v)
		}
	}
	if len(s.order) == 0 {
		switch field {
		case "user.name", playbooks.FieldLoginUser:
			if f.UserName != "" {
				s.add(f.UserName)
			}
		case "session.id":
			if f.SessionID != "" {
				s.add(f.SessionID)
			}
		}
	}
	return s
}

// needles are the values as they appear in raw JSON, when every one is
// written without escapes: looking for them in the bytes first spares
// parsing most events. nil when some value needs escapes.
func (s *valueSet) needles() [][]byte {
	var out [][]byte
	for _, v := range s.order {
		if !plainJSON(v) {
			return nil
		}
		out = append(out, []byte(v))
	}
	return out
}

// heldBy reports whether ev holds one of the values at field (a session
// id also in a cookie).
func (s *valueSet) heldBy(ev *triage.Event, field string) bool {
	for _, v := range fieldStrings(ev, field) {
		if s.set[v] {
			return true
		}
	}
	if field == "session.id" {
		for _, c := range ev.Cookies {
			if s.set[c.Value] {
				return true
			}
		}
	}
	return false
}

// plainJSON reports whether JSON writes s as it is (no escapes), so its
// bytes can be searched for in a raw document.
func plainJSON(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e || strings.ContainsRune(`"\/<>&`, r) {
			return false
		}
	}
	return true
}
