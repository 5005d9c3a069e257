package rules

import (
	"fmt"
	"strconv"
	"strings"
)

// DuplicateError names a rule_id that more than one rule file (or export
// line) holds: every copy, and the copy that runs.
//
// Elastic keeps one rule per rule_id and raises its version on every
// change, so the copy with the highest version runs; between equal
// versions, the one updated last (detection-rules updated_date, Kibana's
// updated_at); between copies that say neither, the one loaded last, as
// a later import replaces an earlier one.
type DuplicateError struct {
	RuleID string
	Copies []*Rule // in load order
	Winner *Rule
	Why    string // "highest version", "latest updated date", ...
}

func (e *DuplicateError) Error() string {
	parts := make([]string, len(e.Copies))
	for i, r := range e.Copies {
		parts[i] = r.Source + " (" + copyTag(r) + ")"
	}
	list := strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	return fmt.Sprintf("rule_id %s appears %d times: %s; %s runs (%s), the other%s ignored",
		e.RuleID, len(e.Copies), list, e.Winner.Source, e.Why, pick(len(e.Copies) == 2, " is", "s are"))
}

// copyTag describes what decides between copies: "v5, updated 2026-03-01".
func copyTag(r *Rule) string {
	var tags []string
	if r.Version > 0 {
		tags = append(tags, "v"+strconv.Itoa(r.Version))
	} else {
		tags = append(tags, "no version")
	}
	if !r.Updated.IsZero() {
		tags = append(tags, "updated "+r.Updated.Format("2006-01-02"))
	}
	return strings.Join(tags, ", ")
}

// Dedupe keeps one rule per rule_id (see DuplicateError for which) in the
// place of the first copy, and returns a *DuplicateError for each rule_id
// held more than once.
func Dedupe(rs []*Rule) ([]*Rule, []error) {
	first := map[string]int{}
	copies := map[string][]*Rule{}
	var out []*Rule
	for _, r := range rs {
		if _, ok := first[r.RuleID]; !ok {
			first[r.RuleID] = len(out)
			out = append(out, r)
		}
		copies[r.RuleID] = append(copies[r.RuleID], r)
	}
	var errs []error
	for _, r := range out {
		cs := copies[r.RuleID]
		if len(cs) < 2 {
			continue
		}
		win := cs[0]
		for _, c := range cs[1:] {
			if !newer(win, c) { // ties go to the later copy
				win = c
			}
		}
		out[first[r.RuleID]] = win
		errs = append(errs, &DuplicateError{RuleID: r.RuleID, Copies: cs, Winner: win, Why: why(win, cs)})
	}
	return out, errs
}

// newer reports whether a is strictly newer than b.
func newer(a, b *Rule) bool {
	if a.Version != b.Version {
		return a.Version > b.Version
	}
	return a.Updated.After(b.Updated)
}

// why says what made win run.
func why(win *Rule, cs []*Rule) string {
	byVersion, byDate := true, true
	for _, c := range cs {
		if c == win {
			continue
		}
		if c.Version >= win.Version {
			byVersion = false
		}
		if c.Version == win.Version && !win.Updated.After(c.Updated) {
			byDate = false
		}
	}
	switch {
	case byVersion:
		return "highest version"
	case byDate:
		return "latest updated date"
	}
	return "same version and date: the last loaded"
}
