package ui

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"picket/playbooks"
	"picket/triage"
)

// Sources of the action fixture.
const (
	actIP    = "203.0.113.7"
	actUA    = "sqlmap/1.7"
	actDet   = "appsensor:CIE1"
	otherDet = "appsensor:RE2"
)

// actionCollection is a small run for the playbook actions: the group
// 203.0.113.7 × sqlmap with one finding, the same address with another
// user agent, two other groups and a source without findings, all sharing
// the user name alice.
func actionCollection(tb testing.TB) *triage.Collection {
	tb.Helper()
	c := triage.NewCollection(0)
	ip := netip.MustParseAddr
	type ev struct {
		id, ip, ua, method, path, user string
		status                         int
		at                             time.Duration // after t0
	}
	for _, e := range []ev{
		{"a0", actIP, actUA, "POST", "/login", "", 403, -2 * time.Hour},
		{"a1", actIP, actUA, "POST", "/login", "alice", 403, 10 * time.Minute},
		{"a2", actIP, actUA, "POST", "/login", "", 403, 20 * time.Minute},
		{"a3", actIP, actUA, "POST", "/login", "", 200, 25 * time.Minute},
		{"a4", actIP, actUA, "GET", "/admin", "", 403, 28 * time.Minute},
		{"c1", actIP, "curl/8.5.0", "POST", "/login", "", 403, 15 * time.Minute},
		{"b1", "198.51.100.4", "python-requests/2.31", "POST", "/login", "alice", 403, 5 * time.Minute},
		{"g1", "192.0.2.9", "Go-http-client/1.1", "GET", "/cart", "alice", 200, 6 * time.Minute},
		{"d1", "192.0.2.77", "Mozilla/5.0", "GET", "/", "alice", 200, 7 * time.Minute},
	} {
		user := ""
		if e.user != "" {
			user = fmt.Sprintf(`,"user":{"name":%q}`, e.user)
		}
		at := t0.Add(e.at)
		raw := fmt.Sprintf(`{"@timestamp":%q,"source":{"ip":%q},"user_agent":{"original":%q},`+
			`"http":{"request":{"method":%q},"response":{"status_code":%d}},"url":{"path":%q}%s}`,
			at.Format(time.RFC3339), e.ip, e.ua, e.method, e.status, e.path, user)
		c.AddEvent(&triage.Event{Raw: []byte(raw), ID: e.id, Timestamp: at, SourceIP: ip(e.ip), UserAgent: e.ua,
			Method: e.method, StatusCode: e.status, URLPath: e.path, UserName: e.user})
	}
	c.AddFinding(triage.Finding{Detector: actDet, Title: "SQL injection", Severity: triage.Critical, RiskScore: 90,
		Timestamp: t0.Add(20 * time.Minute), End: t0.Add(30 * time.Minute), SourceIP: ip(actIP), UserAgent: actUA,
		Reason: "blocked SQL injection", Evidence: cite(c, "a1", "a2"), EventCount: 2})
	c.AddFinding(triage.Finding{Detector: otherDet, Title: "Unexpected method", Severity: triage.High, RiskScore: 50,
		Timestamp: t0.Add(5 * time.Minute), SourceIP: ip("198.51.100.4"), UserAgent: "python-requests/2.31",
		Reason: "odd method", Evidence: cite(c, "b1"), EventCount: 1})
	c.AddFinding(triage.Finding{Detector: otherDet, Title: "Unexpected method", Severity: triage.Medium, RiskScore: 30,
		Timestamp: t0.Add(6 * time.Minute), SourceIP: ip("192.0.2.9"), UserAgent: "Go-http-client/1.1",
		Reason: "odd method", Evidence: cite(c, "g1"), EventCount: 1})
	return c
}

// actionSteps are one step per action kind, in the order of the tests.
var actionSteps = []playbooks.Item{
	{ID: "inv-count", Text: "403 POSTs from this source", Action: action(`count query="http.request.method:POST and http.response.status_code:403" window=1h`)},
	{ID: "inv-count-ip", Text: "403 POSTs from this address", Action: action(`count query="http.request.method:POST and http.response.status_code:403" window=1h scope=ip`)},
	{ID: "inv-count-path", Text: "Requests for the path site-wide", Action: action(`count query="url.path:{{url.path}}" window=1h scope=site`)},
	{ID: "inv-values", Text: "Paths this source asked for", Action: action(`values field=url.path window=1h`)},
	{ID: "inv-pivot", Text: "Others using the account", Action: action(`pivot field=user.name window=7d`)},
	{ID: "fp-allow", Text: "Is the source allowlisted?", Action: action(`allowlist-check`)},
	{ID: "fp-except", Text: "Except this tool on this path", Action: action(`exception fields=user_agent.original,url.path,no.such.field`)},
	{ID: "resp-group", Text: "Other activity from this source", Action: action(`group`)},
	{ID: "resp-evidence", Text: "Read the evidence", Action: action(`evidence`)},
	{ID: "resp-bad", Text: "A placeholder the event lacks", Action: action(`count query="destination.port:{{destination.port}}"`)},
	{ID: "resp-user", Text: "Everything alice did", Action: action(`count query="*" scope=user`)},
	{ID: "resp-none", Text: "A step without action"},
}

type actionPlaybooks struct{}

func (actionPlaybooks) For(id string) (playbooks.Playbook, bool) {
	if id != actDet {
		return playbooks.Playbook{}, false
	}
	return testPlaybook(id, "Injection", playbooks.Section{Kind: playbooks.Investigation, Items: actionSteps}), true
}

func actionOptions(tb testing.TB, store *memStore) Options {
	o := testOptions(tb, store)
	o.Collection = actionCollection(tb)
	o.Playbooks = actionPlaybooks{}
	return o
}

// toStep opens the first group's checklist and moves to the step with id.
func toStep(t *testing.T, m *model, id string) {
	t.Helper()
	keys(m, "c")
	for range len(actionSteps) + 2 {
		if _, s, ok := m.group.check.selected(); ok && s.ID == id {
			return
		}
		keys(m, "j")
	}
	t.Fatalf("no step %s in the checklist", id)
}

func TestRunStepActions(t *testing.T) {
	tests := []struct {
		name  string
		step  string
		want  string // in the result line under the step
		isErr bool
	}{
		{"count in the source", "inv-count", "= 2 events from this source in the 1h before the finding", false},
		{"count for the address", "inv-count-ip", "= 3 events from 203.0.113.7 in the 1h before the finding", false},
		{"placeholder filled from the evidence", "inv-count-path", "= 5 events site-wide in the 1h before the finding", false},
		{"top values", "inv-values", "= /login (3) · /admin (1) — 4 events from this source in the 1h before the finding", false},
		{"pivot", "inv-pivot", "= 3 other sources share user.name alice in the 7d before the finding; 2 are in the queue", false},
		{"allowlist entry for another detector", "fp-allow", "= allowlisted: cidr 203.0.113.0/24 (for RE2 only) “our scanner” by ana, expires 2024-04-01 00:00 UTC", false},
		{"missing placeholder value", "resp-bad", "the first evidence event has no destination.port for {{destination.port}}", true},
		{"user scope from the evidence", "resp-user", "= 4 events by user alice in this run", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := newMemStore()
			store.allow = []triage.AllowEntry{{Kind: triage.AllowCIDR, Value: "203.0.113.0/24", Detector: otherDet,
				Reason: "our scanner", Author: "ana", Expires: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)}}
			m := consoleAt(t, actionOptions(t, store), 120, 40)
			toStep(t, m, tc.step)
			det, _, _ := m.group.check.selected()
			keys(m, "enter")
			res, ok := m.group.check.results[stepKey{det, tc.step}]
			if !ok {
				t.Fatal("no result recorded")
			}
			got := res.text
			if tc.isErr {
				got = res.err
			}
			if res.pending || !strings.Contains(got, tc.want) {
				t.Errorf("result %+v, want %q", res, tc.want)
			}
			// The answer is drawn under the step, and the cursor stays on it.
			if _, s, _ := m.group.check.selected(); s.ID != tc.step {
				t.Errorf("cursor moved to %s", s.ID)
			}
			first := tc.want
			if len(first) > 30 {
				first = first[:30]
			}
			if !strings.Contains(m.View(), first) {
				t.Errorf("view lacks %q:\n%s", first, m.View())
			}
		})
	}
}

func TestRunStepNotAllowlisted(t *testing.T) {
	m := consoleAt(t, actionOptions(t, newMemStore()), 120, 40)
	toStep(t, m, "fp-allow")
	keys(m, "enter")
	res := m.group.check.results[stepKey{actDet, "fp-allow"}]
	if want := "= not allowlisted: ip 203.0.113.7, user agent sqlmap/1.7, user alice"; res.text != want {
		t.Errorf("got %q, want %q", res.text, want)
	}
}

func TestRunStepOpens(t *testing.T) {
	tests := []struct {
		name  string
		step  string
		check func(t *testing.T, m *model)
	}{
		{"group focuses the findings", "resp-group", func(t *testing.T, m *model) {
			if m.view != viewGroup || m.group.focus != paneFindings || m.group.filter != "" {
				t.Errorf("view %d focus %d filter %q", m.view, m.group.focus, m.group.filter)
			}
		}},
		{"evidence opens the finding", "resp-evidence", func(t *testing.T, m *model) {
			if m.view != viewEvent || m.event.finding.Detector != actDet || len(m.event.finding.Evidence) != 2 {
				t.Errorf("view %d finding %+v", m.view, m.event.finding)
			}
			keys(m, "esc")
			if m.view != viewGroup || m.group.focus != paneChecklist {
				t.Errorf("esc: view %d focus %d, want back in the checklist", m.view, m.group.focus)
			}
		}},
		{"exception prefilled from the evidence", "fp-except", func(t *testing.T, m *model) {
			if m.modal != modalDialog || len(m.dialog.entries) != 2 {
				t.Fatalf("modal %d entries %+v", m.modal, m.dialog.entries)
			}
			s, err := m.dialog.draft("ana", fixedNow)
			if err != nil {
				t.Fatal(err)
			}
			got := triage.ExceptionSummary(s.x.Entries)
			if want := "user_agent.original: sqlmap/1.7 AND url.path: /login"; got != want {
				t.Errorf("entries %q, want %q", got, want)
			}
			if s.x.Detector != actDet {
				t.Errorf("detector %q", s.x.Detector)
			}
			if !strings.Contains(m.info, "no.such.field") {
				t.Errorf("the missing field is not named: %q", m.info)
			}
			if v := m.View(); !strings.Contains(v, "when") || !strings.Contains(v, "would suppress 1 finding") {
				t.Errorf("dialog:\n%s", v)
			}
			typeText(m, "our own scanner")
			keys(m, "ctrl+s")
			if m.modal != modalNone || len(m.xs) != 1 || len(m.xs[0].Entries) != 2 || m.xs[0].Reason != "our own scanner" {
				t.Errorf("saved %+v (modal %d)", m.xs, m.modal)
			}
		}},
		{"a step without action says so", "resp-none", func(t *testing.T, m *model) {
			if m.view != viewGroup || !strings.Contains(m.info, "no action") {
				t.Errorf("view %d info %q", m.view, m.info)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := consoleAt(t, actionOptions(t, newMemStore()), 120, 40)
			toStep(t, m, tc.step)
			keys(m, "enter")
			tc.check(t, m)
		})
	}
}

// TestPivotFollow: a second enter on a pivot's answer filters the queue
// to the groups it found.
func TestPivotFollow(t *testing.T) {
	m := consoleAt(t, actionOptions(t, newMemStore()), 120, 40)
	toStep(t, m, "inv-pivot")
	keys(m, "enter")
	if res := m.group.check.results[stepKey{actDet, "inv-pivot"}]; len(res.pivot) != 2 {
		t.Fatalf("pivot %+v", res)
	}
	keys(m, "enter")
	if m.view != viewQueue || len(m.queue.rows) != 2 {
		t.Fatalf("view %d, %d rows", m.view, len(m.queue.rows))
	}
	got := []string{ipString(m.queue.rows[0].g.Key), ipString(m.queue.rows[1].g.Key)}
	if got[0] != "198.51.100.4" || got[1] != "192.0.2.9" {
		t.Errorf("rows %v", got)
	}
	if !strings.Contains(m.View(), "filter: (source.ip:") {
		t.Errorf("status line lacks the filter:\n%s", m.View())
	}
}

// TestPivotOpensSingleGroup: when one other group shares the value, the
// second enter opens it.
func TestPivotOpensSingleGroup(t *testing.T) {
	c := actionCollection(t)
	// Without the third group's finding only one other group is queued.
	only := triage.NewCollection(0)
	c.EachEvent(func(ev *triage.Event) bool { only.AddEvent(ev); return true })
	for _, f := range c.Findings() {
		if f.SourceIP.String() != "192.0.2.9" {
			only.AddFinding(f)
		}
	}
	o := actionOptions(t, newMemStore())
	o.Collection = only
	m := consoleAt(t, o, 120, 40)
	toStep(t, m, "inv-pivot")
	keys(m, "enter")
	if res := m.group.check.results[stepKey{actDet, "inv-pivot"}]; !strings.Contains(res.text, "enter opens the one in the queue: 198.51.100.4") {
		t.Fatalf("pivot %q", res.text)
	}
	keys(m, "enter")
	if m.view != viewGroup || ipString(m.group.group.Key) != "198.51.100.4" {
		t.Errorf("view %d group %v", m.view, m.group.group.Key)
	}
}

// TestActionResultStale: an answer for a group no longer open, or for an
// older run of the step, is dropped.
func TestActionResultStale(t *testing.T) {
	m := consoleAt(t, actionOptions(t, newMemStore()), 120, 40)
	toStep(t, m, "inv-count")
	k := stepKey{actDet, "inv-count"}
	cmd := m.group.runStep()
	if cmd == nil || !m.group.check.results[k].pending {
		t.Fatal("count did not start in a command")
	}
	msg := cmd().(reply)
	tests := []struct {
		name   string
		mutate func(reply) reply
		keep   bool
	}{
		{"other group", func(r reply) reply { r.to = answerAddr(triage.GroupKey{UserAgent: "x"}, k); return r }, false},
		{"older run", func(r reply) reply { r.gen--; return r }, false},
		{"current", func(r reply) reply { return r }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m.Update(tc.mutate(msg))
			if got := !m.group.check.results[k].pending; got != tc.keep {
				t.Errorf("applied = %v, want %v", got, tc.keep)
			}
		})
	}
}

func TestWindowPhrase(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "in this run"},
		{time.Hour, "in the 1h before the finding"},
		{24 * time.Hour, "in the 24h before the finding"},
		{7 * 24 * time.Hour, "in the 7d before the finding"},
		{6 * time.Hour, "in the 6h before the finding"},
		{30 * time.Minute, "in the 30m before the finding"},
		{90 * time.Second, "in the 1m30s before the finding"},
	}
	for _, tc := range tests {
		if got := windowPhrase(tc.d); got != tc.want {
			t.Errorf("windowPhrase(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestChecklistResultsGolden renders the checklist with answers under
// their steps.
func TestChecklistResultsGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			store := newMemStore()
			store.allow = []triage.AllowEntry{{Kind: triage.AllowCIDR, Value: "203.0.113.0/24", Detector: otherDet,
				Reason: "our scanner", Author: "ana"}}
			m := consoleAt(t, actionOptions(t, store), size[0], size[1])
			toStep(t, m, "inv-count")
			keys(m, "enter", "j", "enter", "j", "enter", "j", "enter", "j", "enter", "j", "enter")
			v := m.View()
			if n := strings.Count(v, "\n") + 1; n != size[1] {
				t.Errorf("%d lines, want %d", n, size[1])
			}
			for i, l := range strings.Split(v, "\n") {
				if w := lipglossWidth(l); w > size[0] {
					t.Errorf("line %d is %d wide", i, w)
				}
			}
			if !strings.Contains(v, "= allowlisted: cidr 203.0.113.0/24") || !strings.Contains(v, "= /login (3)") {
				t.Errorf("view lacks the answers:\n%s", v)
			}
			teatest.RequireEqualOutput(t, []byte(v))
		})
	}
}

// TestAnswersMarkedAfterRun: a finished run (a re-run) keeps the
// answers computed on the previous run's events, marked as such, and
// those computed while the run was loading, marked as over part of it.
func TestAnswersMarkedAfterRun(t *testing.T) {
	tests := []struct {
		loading bool
		mark    string
	}{
		{false, "(earlier run, 03-15 12:00)"},
		{true, "(answered while the run was loading)"},
	}
	for _, tc := range tests {
		t.Run(tc.mark, func(t *testing.T) {
			m := consoleAt(t, actionOptions(t, newMemStore()), 120, 40)
			toStep(t, m, "inv-count")
			m.loading = tc.loading
			keys(m, "enter")
			k := stepKey{actDet, "inv-count"}
			if len(m.group.check.results) != 1 || m.group.check.results[k].earlier != "" {
				t.Fatalf("results %v", m.group.check.results)
			}
			rows := len(m.group.check.rows)
			drive(m, runReply(m, startDoneMsg{}))
			r := m.group.check.results[k]
			if len(m.group.check.results) != 1 || len(m.group.check.rows) != rows || r.earlier != tc.mark {
				t.Errorf("after the run: %d results (%+v), %d rows (was %d)", len(m.group.check.results), r, len(m.group.check.rows), rows)
			}
			if _, s, _ := m.group.check.selected(); s == nil || s.ID != "inv-count" {
				t.Errorf("cursor left the step: %v", s)
			}
			if v := m.View(); !strings.Contains(v, tc.mark+" = 2 events") {
				t.Errorf("the view does not mark the answer:\n%s", v)
			}
		})
	}
}
