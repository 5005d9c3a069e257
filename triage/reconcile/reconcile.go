// Package reconcile sets alerts Elastic Security raised beside the
// findings of Picket's local re-run and says, for each alert, whether the
// re-run reproduces it and, when it does not, why.
//
// It is pure: everything it needs (which detectors ran, why the others
// did not, the findings, the kept events, exceptions, allowlist and lints)
// comes in as data, so the console and tests can call it alike. triage
// may not import the detectors, so the caller turns the detector
// catalogue into the NotRun map.
package reconcile

import (
	"strconv"
	"strings"
	"time"

	"picket/triage"
)

// Verdict is what the local re-run says about one alert.
type Verdict int

// Verdicts, from the best news to the least explained.
const (
	// Reproduced: a local finding of the alert's rule cites one of the
	// alert's source events.
	Reproduced Verdict = iota
	// NotRun: the alert's rule type does not run locally.
	NotRun
	// EventsMissing: none of the alert's source events was pulled.
	EventsMissing
	// Excepted: an exception or allowlist entry from the case file covers
	// the alert's source event.
	Excepted
	// NoMatch: the rule ran over the events but would not match the data;
	// the rule's linter says why.
	NoMatch
	// Missed: the rule ran over the alert's events and raised nothing, and
	// no lint explains it.
	Missed
	// NotHeld: the console holds only the top of a large run
	// (triage.Held) and no held finding cites the alert's events; the
	// rest of the run may have raised it.
	NotHeld
)

var verdictNames = [...]string{
	Reproduced:    "reproduced",
	NotRun:        "rule not run locally",
	EventsMissing: "events not pulled",
	Excepted:      "exception applies",
	NoMatch:       "rule would not match the data",
	Missed:        "not reproduced",
	NotHeld:       "finding not held",
}

func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return "unknown"
	}
	return verdictNames[v]
}

// Input is what the re-run knows.
type Input struct {
	// Ran reports whether a detector ran in the local re-run.
	Ran func(detectorID string) bool
	// NotRun gives, for detectors Picket knows but did not run, why
	// ("needs configuration: ..."), from the detector catalogue.
	NotRun map[string]string
	// Findings are the local re-run's findings.
	Findings []triage.Finding
	// Event returns a kept (pulled) event by id; nil: none is kept.
	Event func(id string) (*triage.Event, bool)
	// Exceptions and Allow are the case file's; inactive ones at Now are
	// ignored.
	Exceptions []triage.Exception
	Allow      []triage.AllowEntry
	Now        time.Time
	// Lints are what the detectors reported after the run.
	Lints []triage.Lint
	// Partial says Findings are only the top of a large run: an alert
	// no finding reproduces is then NotHeld, not Missed.
	Partial bool
	// Feeds, when set, says whether an event is one a detector reads at
	// all (judged), and if not why: an alert none of whose kept source
	// events its rule reads is Missed for that reason, not explained by a
	// lint about the rule's state.
	Feeds func(detectorID string, ev *triage.Event) (why string, judged bool)
}

// Result is the verdict on one alert.
type Result struct {
	Verdict Verdict
	// Why says it in plain words, one line: the catalogue's reason, the
	// missing ids, the exception's name, the lint's message.
	Why string
	// Finding is the local finding that reproduces the alert, if any
	// (also set for Excepted when the finding exists but is hidden).
	Finding *triage.Finding
}

// Reproduced reports whether the local re-run raised the alert.
func (r Result) Reproduced() bool { return r.Finding != nil }

// SourceIDs returns the ids a local finding may cite for the alert: its
// ancestors (the _id of each source document) and the source event's
// event.id, which the alert document copies and which the local decoder
// prefers as an event's id.
func SourceIDs(a *triage.Alert) []string {
	ids := append([]string(nil), a.Ancestors...)
	if a.Event != nil {
		if id := a.Event.GetString("event.id"); id != "" && !has(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Alerts judges each alert; the results are in the alerts' order.
func Alerts(alerts []*triage.Alert, in Input) []Result {
	idx := index(alerts, in.Findings)
	lints := map[string]string{}
	for _, l := range in.Lints {
		if _, seen := lints[l.Detector]; !seen {
			lints[l.Detector] = l.Message
		}
	}
	sup := triage.NewSuppressor(in.Exceptions, in.Allow, in.Now)
	out := make([]Result, len(alerts))
	for i, a := range alerts {
		out[i] = judge(a, in, idx, lints, sup)
	}
	return out
}

// index maps "detector\x00event id" to the first finding citing that
// event, for the detectors the alerts name only: a million findings of
// other detectors cost one map lookup each.
func index(alerts []*triage.Alert, fs []triage.Finding) map[string]*triage.Finding {
	want := map[string]bool{}
	for _, a := range alerts {
		want[a.Detector()] = true
	}
	idx := map[string]*triage.Finding{}
	for i := range fs {
		f := &fs[i]
		if !want[f.Detector] {
			continue
		}
		for _, id := range f.EventIDs() {
			k := f.Detector + "\x00" + id
			if _, ok := idx[k]; !ok {
				idx[k] = f
			}
		}
	}
	return idx
}

func judge(a *triage.Alert, in Input, idx map[string]*triage.Finding, lints map[string]string, sup *triage.Suppressor) Result {
	det := a.Detector()
	if in.Ran == nil || !in.Ran(det) {
		return Result{Verdict: NotRun, Why: whyNotRun(a, in.NotRun)}
	}
	ids := SourceIDs(a)
	var found *triage.Finding
	for _, id := range ids {
		if f := idx[det+"\x00"+id]; f != nil {
			found = f
			break
		}
	}
	// The source events the re-run kept; when none is, exceptions are
	// judged on the alert document, which copies the source's fields.
	var kept []*triage.Event
	var missing []string
	for _, id := range ids {
		if in.Event != nil {
			if ev, ok := in.Event(id); ok {
				kept = append(kept, ev)
				continue
			}
		}
		missing = append(missing, id)
	}
	judged := kept
	if len(judged) == 0 && a.Event != nil {
		judged = []*triage.Event{a.Event}
	}
	exc := excepted(a, det, judged, sup)
	switch {
	case found != nil && exc != "":
		return Result{Verdict: Excepted, Why: "reproduced, but " + exc + " hides the local finding", Finding: found}
	case found != nil:
		return Result{Verdict: Reproduced, Why: "the local re-run raised it (" + clip(found.Reason, 80) + ")", Finding: found}
	case len(ids) == 0:
		return Result{Verdict: EventsMissing, Why: "the alert names no source event (kibana.alert.ancestors is empty)"}
	case len(kept) == 0:
		return Result{Verdict: EventsMissing, Why: "none of " + list(missing, 3) +
			" was pulled (outside the time range or index patterns, or beyond --keep)"}
	case exc != "":
		return Result{Verdict: Excepted, Why: exc + " matches its source event"}
	case in.Partial:
		return Result{Verdict: NotHeld, Why: "the console holds only the top of this large run, and none of its findings cites the alert's events (picket detect --group lists every group)"}
	}
	if why, ok := unread(det, kept, in.Feeds); ok {
		return Result{Verdict: Missed, Why: why}
	}
	if msg, ok := lints[det]; ok {
		return Result{Verdict: NoMatch, Why: msg}
	}
	return Result{Verdict: Missed, Why: "the rule ran over its source events and did not match; no lint explains why"}
}

// whyNotRun explains a rule that did not run: the catalogue's reason,
// else its type, else that Picket does not have the rule.
func whyNotRun(a *triage.Alert, notRun map[string]string) string {
	if why, ok := notRun[a.Detector()]; ok && why != "" {
		return why
	}
	if a.RuleType != "" && a.RuleType != "query" {
		return a.RuleType + " rules do not run locally"
	}
	return "Picket does not have rule " + a.RuleID + " (import it with picket rules import)"
}

// excepted names the exception or allowlist entry covering the alert, or
// returns "". An exception must match every judged event, as in the
// engine.
// excepted names the entry that hides the alert's re-run, judged by the
// one Suppressor on the alert's actor and the given events; "" when none.
func excepted(a *triage.Alert, det string, evs []*triage.Event, sup *triage.Suppressor) string {
	actor := &triage.Finding{Detector: det, SourceIP: a.SourceIP, UserAgent: a.UserAgent, UserName: a.UserName}
	h, hidden := sup.JudgeEvents(actor, evs)
	if !hidden {
		return ""
	}
	return h.String()
}

func list(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + " and " + strconv.Itoa(len(ids)-n) + " more"
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// unread reports why the rule reads none of the kept source events, when
// feeds can tell for every one of them.
func unread(det string, kept []*triage.Event, feeds func(string, *triage.Event) (string, bool)) (string, bool) {
	if feeds == nil || len(kept) == 0 {
		return "", false
	}
	why := ""
	for _, ev := range kept {
		w, judged := feeds(det, ev)
		if !judged || w == "" {
			return "", false // unknown, or the rule reads it
		}
		why = w
	}
	return why, true
}
