package run

import (
	"cmp"
	"slices"
	"strings"

	"picket/playbooks"
	"picket/triage"
)

// ValueCount is one distinct value and how many events hold it.
type ValueCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// ValueCounts is the answer of a values action.
type ValueCounts struct {
	Field string `json:"field"`
	// Values are every distinct value of Field among the matching
	// events, most frequent first, then in value order. The action's Top
	// is how many of them are worth showing.
	Values []ValueCount `json:"values"`
	// Matched counts the events of the scope and window that match the
	// query; With those of them that hold Field.
	Matched  int      `json:"matched"`
	With     int      `json:"with"`
	Coverage Coverage `json:"coverage"`
}

// Values counts the values of the action's field among the events of its
// scope and window that match its query; members, when given, are the
// campaign the finding is asked about as (With.Members).
func Values(act playbooks.Action, f triage.Finding, evs Events, members ...triage.GroupKey) (ValueCounts, error) {
	counts := map[string]int{}
	out := ValueCounts{Field: act.Field}
	cov, _, err := walk(act, &f, evs, members, func(ev *triage.Event) {
		out.Matched++
		vs := fieldStrings(ev, act.Field)
		if len(vs) > 0 {
			out.With++
		}
		for _, v := range vs {
			counts[v]++
		}
	})
	if err != nil {
		return ValueCounts{}, err
	}
	out.Coverage = cov
	out.Values = sortedCounts(counts)
	return out, nil
}

// sortedCounts orders values most frequent first, then by value.
func sortedCounts(m map[string]int) []ValueCount {
	out := make([]ValueCount, 0, len(m))
	for v, n := range m {
		out = append(out, ValueCount{v, n})
	}
	slices.SortFunc(out, func(a, b ValueCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out
}

// MaxExceptionValues caps a match_any entry made from the evidence.
const MaxExceptionValues = 50

// ExceptionEntries makes exception conditions from the finding's kept
// evidence events' values of fields: match when every event agrees,
// match_any otherwise. missing lists the fields no kept evidence event
// has.
func ExceptionEntries(fields []string, f triage.Finding, evs Events) (entries []triage.ExceptionEntry, missing []string) {
	var kept []*triage.Event
	for _, r := range f.Evidence {
		if ev, ok := evs.Event(r); ok {
			kept = append(kept, ev)
		}
	}
	for _, field := range fields {
		seen := map[string]bool{}
		var vals []string
		for _, ev := range kept {
			for _, v := range ev.Strings(field) {
				if !seen[v] && len(vals) < MaxExceptionValues {
					seen[v] = true
					vals = append(vals, v)
				}
			}
		}
		switch len(vals) {
		case 0:
			missing = append(missing, field)
		case 1:
			entries = append(entries, triage.ExceptionEntry{Field: field, Operator: triage.OpIncluded, Type: triage.EntryMatch, Value: vals[0]})
		default:
			entries = append(entries, triage.ExceptionEntry{Field: field, Operator: triage.OpIncluded, Type: triage.EntryMatchAny, Values: vals})
		}
	}
	return entries, missing
}
