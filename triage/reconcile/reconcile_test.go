package reconcile

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

const rule = "a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e"

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func decode(t *testing.T, raw, id string) *triage.Event {
	t.Helper()
	evs, err := triage.NewDecoder().Decode([]byte(raw), id)
	if err != nil || len(evs) != 1 {
		t.Fatalf("decode %s: %v (%d events)", raw, err, len(evs))
	}
	return evs[0]
}

// alert is a pulled alert of rule on source event src (its _id), by
// 10.0.0.1 with curl; the alert document copies event.id when given.
func alert(t *testing.T, ruleID, ruleType string, eventID string, ancestors ...string) *triage.Alert {
	t.Helper()
	raw := `{"@timestamp":"2026-11-27T10:00:00Z","source":{"ip":"10.0.0.1"},"user_agent":{"original":"curl/8.1"},` +
		`"url":{"path":"/login"}`
	if eventID != "" {
		raw += fmt.Sprintf(`,"event":{"id":%q}`, eventID)
	}
	raw += "}"
	return &triage.Alert{
		UUID: "uuid-1", RuleID: ruleID, RuleType: ruleType, RuleName: "POST declined",
		SourceIP: netip.MustParseAddr("10.0.0.1"), UserAgent: "curl/8.1",
		Ancestors: ancestors, Event: decode(t, raw, "alert-doc"),
	}
}

func TestAlerts(t *testing.T) {
	det := "elastic:" + rule
	srcEvent := `{"@timestamp":"2026-11-27T09:59:00Z","source":{"ip":"10.0.0.1"},"url":{"path":"/login"},"user_agent":{"original":"curl/8.1"}}`
	finding := func(detector string, ids ...string) triage.Finding {
		return triage.Finding{Detector: detector, Reason: "POST declined with 403", Evidence: triage.RefsFromIDs(ids), EventCount: len(ids)}
	}
	pathException := triage.Exception{Name: "health checks", Detector: det,
		Entries: []triage.ExceptionEntry{{Field: "url.path", Operator: triage.OpIncluded, Type: triage.EntryMatch, Value: "/login"}}}
	expired := pathException
	expired.Expires = now.Add(-time.Hour)
	otherRule := pathException
	otherRule.Detector = "elastic:other"

	tests := []struct {
		name    string
		alert   *triage.Alert
		ran     bool
		notRun  map[string]string
		fs      []triage.Finding
		kept    []string // ids of kept events (all copies of srcEvent)
		xs      []triage.Exception
		allow   []triage.AllowEntry
		lints   []triage.Lint
		partial bool
		feeds   func(string, *triage.Event) (string, bool)
		want    Verdict
		why     string // in Result.Why
	}{
		{name: "reproduced by ancestor id", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			fs: []triage.Finding{finding("appsensor:RE2", "src-1"), finding(det, "src-0", "src-1")}, kept: []string{"src-1"},
			want: Reproduced, why: "POST declined with 403"},
		{name: "reproduced by the copied event.id", alert: alert(t, rule, "query", "ev-42", "hit-id"), ran: true,
			fs: []triage.Finding{finding(det, "ev-42")}, kept: []string{"ev-42"}, want: Reproduced},
		{name: "another detector citing the event does not count", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			fs: []triage.Finding{finding("appsensor:RE2", "src-1")}, kept: []string{"src-1"}, want: Missed, why: "no lint"},
		{name: "rule not run: catalogue says why", alert: alert(t, rule, "query", "", "src-1"),
			notRun: map[string]string{det: "needs configuration: set rules.index"},
			fs:     []triage.Finding{finding(det, "src-1")}, want: NotRun, why: "needs configuration: set rules.index"},
		{name: "rule not run: machine learning type", alert: alert(t, "ml-1", "machine_learning", "", "src-1"),
			want: NotRun, why: "machine_learning rules do not run locally"},
		{name: "rule not run: unknown rule", alert: alert(t, "custom-9", "query", "", "src-1"),
			want: NotRun, why: "picket rules import"},
		{name: "events not pulled", alert: alert(t, rule, "query", "", "src-1", "src-2"), ran: true,
			kept: []string{"src-3"}, want: EventsMissing, why: "src-1, src-2"},
		{name: "no ancestors", alert: alert(t, rule, "threshold", ""), ran: true, want: EventsMissing, why: "ancestors is empty"},
		{name: "exception matches the source event", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			kept: []string{"src-1"}, xs: []triage.Exception{pathException}, want: Excepted, why: "exception health checks"},
		{name: "exception hides the reproducing finding", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			fs: []triage.Finding{finding(det, "src-1")}, kept: []string{"src-1"}, xs: []triage.Exception{pathException},
			want: Excepted, why: "reproduced, but exception health checks"},
		{name: "expired exception is ignored", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			fs: []triage.Finding{finding(det, "src-1")}, kept: []string{"src-1"}, xs: []triage.Exception{expired},
			want: Reproduced},
		{name: "exception of another rule is ignored", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			kept: []string{"src-1"}, xs: []triage.Exception{otherRule}, want: Missed},
		{name: "allowlisted source ip", alert: alert(t, rule, "query", "", "src-1"), ran: true, kept: []string{"src-1"},
			allow: []triage.AllowEntry{{Kind: triage.AllowCIDR, Value: "10.0.0.0/8"}}, want: Excepted, why: "allowlist entry"},
		{name: "allowlisted path judged on the source event", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			kept: []string{"src-1"}, allow: []triage.AllowEntry{{Kind: triage.AllowPath, Value: "/login"}}, want: Excepted},
		{name: "not pulled wins over an exception", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			xs: []triage.Exception{pathException}, want: EventsMissing},
		{name: "lint explains the miss", alert: alert(t, rule, "query", "", "src-1"), ran: true, kept: []string{"src-1"},
			lints: []triage.Lint{{Detector: "elastic:other", Message: "not this one"},
				{Detector: det, Message: "http.request.method:post never matches; the data holds POST"}},
			want: NoMatch, why: "the data holds POST"},
		{name: "a rule that reads none of its source events: that, not a lint", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			kept: []string{"src-1"}, lints: []triage.Lint{{Detector: det, Message: "model learned 13.8 days of history"}},
			feeds: func(string, *triage.Event) (string, bool) {
				return "its source events are no denied network events", true
			},
			want: Missed, why: "no denied network events"},
		{name: "a rule that reads its source event: the lint explains", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			kept: []string{"src-1"}, lints: []triage.Lint{{Detector: det, Message: "the data holds POST"}},
			feeds: func(string, *triage.Event) (string, bool) { return "", true }, want: NoMatch, why: "the data holds POST"},
		{name: "feeds that cannot tell change nothing", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			kept: []string{"src-1"}, lints: []triage.Lint{{Detector: det, Message: "the data holds POST"}},
			feeds: func(string, *triage.Event) (string, bool) { return "", false }, want: NoMatch},
		{name: "a large run's held findings reproduce it", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			fs: []triage.Finding{finding(det, "src-1")}, kept: []string{"src-1"}, partial: true, want: Reproduced},
		{name: "a large run may hold none of its findings", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			kept: []string{"src-1"}, partial: true, lints: []triage.Lint{{Detector: det, Message: "never matches"}},
			want: NotHeld, why: "holds only the top"},
		{name: "an exception still answers in a large run", alert: alert(t, rule, "query", "", "src-1"), ran: true,
			kept: []string{"src-1"}, partial: true, xs: []triage.Exception{pathException}, want: Excepted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kept := map[string]*triage.Event{}
			for _, id := range tc.kept {
				kept[id] = decode(t, srcEvent, id)
			}
			in := Input{
				Ran:        func(id string) bool { return tc.ran && id == det },
				NotRun:     tc.notRun,
				Findings:   tc.fs,
				Event:      func(id string) (*triage.Event, bool) { ev, ok := kept[id]; return ev, ok },
				Exceptions: tc.xs, Allow: tc.allow, Lints: tc.lints, Now: now, Partial: tc.partial,
				Feeds: tc.feeds,
			}
			res := Alerts([]*triage.Alert{tc.alert}, in)
			if len(res) != 1 {
				t.Fatalf("%d results", len(res))
			}
			r := res[0]
			if r.Verdict != tc.want {
				t.Errorf("verdict %v (%s), want %v", r.Verdict, r.Why, tc.want)
			}
			if !strings.Contains(r.Why, tc.why) {
				t.Errorf("why %q lacks %q", r.Why, tc.why)
			}
			if r.Why == "" {
				t.Errorf("no reason given")
			}
			if got := r.Reproduced(); got != (tc.want == Reproduced || strings.HasPrefix(r.Why, "reproduced, but")) {
				t.Errorf("Reproduced() = %v", got)
			}
		})
	}
}

func TestSourceIDs(t *testing.T) {
	tests := []struct {
		name  string
		alert *triage.Alert
		want  string
	}{
		{"ancestors only", alert(t, rule, "query", "", "a", "b"), "a,b"},
		{"event.id added", alert(t, rule, "query", "ev-1", "a"), "a,ev-1"},
		{"event.id already an ancestor", alert(t, rule, "query", "a", "a"), "a"},
		{"no event", &triage.Alert{Ancestors: []string{"x"}}, "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(SourceIDs(tc.alert), ","); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestVerdictString(t *testing.T) {
	for v, want := range map[Verdict]string{Reproduced: "reproduced", NotRun: "rule not run locally",
		EventsMissing: "events not pulled", Excepted: "exception applies", NoMatch: "rule would not match the data",
		Missed: "not reproduced", Verdict(99): "unknown"} {
		if got := v.String(); got != want {
			t.Errorf("%d: %q, want %q", v, got, want)
		}
	}
}
