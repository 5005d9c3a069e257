package ui

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"picket/casefile"
	"picket/triage"
	"picket/triage/reconcile"
)

const suaRule = "9a7c3f10-1111-2222-3333-444455556666" // the test collection's Elastic rule

// testAlerts are pulled alerts against testCollection: one its
// Elastic finding reproduces, one on the same group whose event was not
// pulled, one of a rule type that does not run, for an actor with no
// finding at all, and one an allowlist entry covers.
func testAlerts() []*triage.Alert {
	ip := netip.MustParseAddr
	return []*triage.Alert{
		{UUID: "u-repro", RuleID: suaRule, RuleType: "query", RuleName: "Suspicious user agent", Severity: triage.High,
			RiskScore: 73, Reason: "suspicious agent", Status: triage.StatusOpen, Timestamp: t0.Add(31 * time.Minute),
			OriginalTime: t0.Add(30 * time.Minute), Ancestors: []string{"ev-9"}, SourceIP: ip("198.51.100.23"), UserAgent: hostileUA},
		{UUID: "u-missing", RuleID: suaRule, RuleType: "query", RuleName: "Suspicious user agent", Severity: triage.High,
			RiskScore: 73, Reason: "suspicious agent again", Status: triage.StatusOpen, Timestamp: t0.Add(50 * time.Minute),
			Ancestors: []string{"gone-1"}, SourceIP: ip("198.51.100.23"), UserAgent: hostileUA},
		{UUID: "u-ml", RuleID: "ml-rare-agent", RuleType: "machine_learning", RuleName: "Rare user agent", Severity: triage.Critical,
			RiskScore: 99, Reason: "rare agent for this host", Status: triage.StatusOpen, Timestamp: t0.Add(3 * time.Hour),
			Ancestors: []string{"ml-1"}, SourceIP: ip("192.0.2.200"), UserAgent: "python-requests/2.31"},
		{UUID: "u-allowed", RuleID: suaRule, RuleType: "query", RuleName: "Suspicious user agent", Severity: triage.Low,
			RiskScore: 21, Reason: "curl again", Status: triage.StatusOpen, Timestamp: t0.Add(4 * time.Hour),
			Ancestors: []string{"ev-2"}, SourceIP: ip("2001:db8::1"), UserAgent: "curl/8.5.0"},
	}
}

// fakeES records write-backs; fail makes them fail.
type fakeES struct {
	mu    sync.Mutex
	calls []string // "status uuid,uuid"
	fail  error
}

func (f *fakeES) setStatus(_ context.Context, uuids []string, status string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, status+" "+strings.Join(uuids, ","))
	if f.fail != nil {
		return "", f.fail
	}
	return "1 updated", nil
}

func (f *fakeES) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// alertOptions is testOptions with alerts pulled from a fake cluster:
// every detector of the test collection ran.
func alertOptions(t *testing.T, store *memStore, es *fakeES, alerts []*triage.Alert) Options {
	o := testOptions(t, store)
	ran := map[string]bool{"appsensor:CIE1": true, "appsensor:RE2": true, "appsensor:AE3": true, "elastic:" + suaRule: true}
	o.Detectors = func(id string) (triage.DetectorInfo, bool) {
		return triage.DetectorInfo{ID: id, Title: "detector " + id}, ran[id]
	}
	o.Alerts = &AlertSource{
		Pull: func(ctx context.Context, fn func(*triage.Alert) error) error {
			for _, a := range alerts {
				if err := fn(a); err != nil {
					return err
				}
			}
			return nil
		},
		NotRun: map[string]string{"elastic:other": "needs configuration"},
	}
	if es != nil {
		o.Alerts.SetStatus = es.setStatus
	}
	return o
}

// openGroup moves the queue's cursor to the group of ip and opens it.
func openGroup(t *testing.T, m *model, ip string) {
	t.Helper()
	for i, r := range m.queue.rows {
		if ipString(r.g.Key) == ip {
			m.queue.list.setCursor(i)
			keys(m, "enter")
			return
		}
	}
	t.Fatalf("no group of %s in the queue", ip)
}

func alertRows(m *model) map[string]findingRow {
	out := map[string]findingRow{}
	for _, r := range m.group.rows {
		if r.alert != nil {
			out[r.alert.a.UUID] = r
		}
	}
	return out
}

// TestAlertsBesideFindings: each alert lands in its actor's group and
// says whether the local re-run reproduces it, and if not, why.
func TestAlertsBesideFindings(t *testing.T) {
	tests := []struct {
		name    string
		uuid    string
		ip      string
		verdict reconcile.Verdict
		reason  string // in the row's reason
	}{
		{"reproduced by the local finding", "u-repro", "198.51.100.23", reconcile.Reproduced, "ALERT [open] ✓ reproduced — Suspicious user agent: suspicious agent"},
		{"its event was not pulled", "u-missing", "198.51.100.23", reconcile.EventsMissing, "✗ events not pulled: none of gone-1 was pulled"},
		{"rule type not run, in a group of its own", "u-ml", "192.0.2.200", reconcile.NotRun, "✗ rule not run locally: machine_learning rules do not run locally"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := consoleAt(t, alertOptions(t, nil, nil, testAlerts()), 160, 40)
			openGroup(t, m, tc.ip)
			r, ok := alertRows(m)[tc.uuid]
			if !ok {
				t.Fatalf("alert %s not in the group view; rows: %d", tc.uuid, len(m.group.rows))
			}
			if r.alert.pending || r.alert.res.Verdict != tc.verdict {
				t.Errorf("verdict %v (pending %v), want %v", r.alert.res.Verdict, r.alert.pending, tc.verdict)
			}
			if !strings.Contains(r.f.Reason, tc.reason) {
				t.Errorf("reason %q lacks %q", r.f.Reason, tc.reason)
			}
			if !strings.Contains(m.View(), "alerts ") {
				t.Errorf("group summary lacks the alerts count:\n%s", m.View())
			}
		})
	}
}

func TestAlertsInQueue(t *testing.T) {
	m := consoleAt(t, alertOptions(t, nil, nil, testAlerts()), 160, 40)
	v := m.View()
	// The allowlisted curl alert is judged once the allowlist is known.
	for _, want := range []string{"4 alerts (1 reproduced)", "192.0.2.200", "python-requests/2.31", "4 alerts pulled from Elasticsearch"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if len(m.queue.rows) != 5 {
		t.Errorf("%d groups, want the 4 of the findings and 1 of an alert alone", len(m.queue.rows))
	}
	// The alert-only group is critical with less risk than sqlmap's: it
	// ranks second, before the high ones.
	if g := m.queue.rows[1].g; ipString(g.Key) != "192.0.2.200" || g.MaxSeverity != triage.Critical || g.Findings != 0 ||
		g.Risk != 99 || !slices.Contains(g.Detectors, "elastic:ml-rare-agent") {
		t.Errorf("second group %+v, want the alert-only critical group", g)
	}
	// A reproduced alert adds no risk (its finding is counted); an
	// unreproduced one does.
	for _, r := range m.queue.rows {
		if ipString(r.g.Key) == "198.51.100.23" && r.g.Risk != 73+73 {
			t.Errorf("risk %d, want the finding's 73 plus the unreproduced alert's 73", r.g.Risk)
		}
	}
}

// An allowlisted actor's alert counts as excepted: it is hidden with the
// suppressed findings and shows, marked, on S.
func TestAlertExcepted(t *testing.T) {
	store := newMemStore()
	store.allow = []triage.AllowEntry{{Kind: triage.AllowUserAgent, Value: "curl/8.5.0", Reason: "our monitoring"}}
	m := consoleAt(t, alertOptions(t, store, nil, testAlerts()), 160, 40)
	keys(m, "S")
	openGroup(t, m, "2001:db8::1")
	r, ok := alertRows(m)["u-allowed"]
	if !ok {
		t.Fatalf("excepted alert not shown with S")
	}
	if r.alert.res.Verdict != reconcile.Excepted || !r.suppressed || !strings.Contains(r.f.Reason, "allowlist entry user_agent curl/8.5.0") {
		t.Errorf("row %+v, reason %q: want excepted, marked suppressed", r.alert.res, r.f.Reason)
	}
	keys(m, "S")
	if _, ok := alertRows(m)["u-allowed"]; ok {
		t.Errorf("excepted alert shown without S")
	}
}

// While the local run loads, alerts say they are being checked; the
// verdicts come when it is done.
func TestAlertsWaitForTheRun(t *testing.T) {
	o := alertOptions(t, nil, nil, testAlerts())
	release := make(chan struct{})
	o.Start = func(ctx context.Context) error { <-release; return nil }
	m := newModel(context.Background(), o)
	m.Update(teaSize(160, 40))
	runCmd(m, m.pullAlerts(), 0)
	if len(m.al.items) != 4 || !m.al.items[0].pending || !strings.Contains(m.al.items[0].row.Reason, "checking") {
		t.Fatalf("before the run: %d items, first %+v", len(m.al.items), m.al.items[0])
	}
	close(release)
	drive(m, runReply(m, startDoneMsg{}))
	if it := m.al.items[0]; it.pending || it.res.Verdict != reconcile.Reproduced {
		t.Errorf("after the run: %+v", it.res)
	}
}

func TestAlertsPullError(t *testing.T) {
	o := alertOptions(t, nil, nil, nil)
	o.Alerts.Pull = func(context.Context, func(*triage.Alert) error) error {
		return errors.New("elasticsearch: search .alerts-security.alerts-default: 403 forbidden:\x1b[2J missing read")
	}
	m := consoleAt(t, o, 120, 30)
	v := m.View()
	if !strings.Contains(v, `! elasticsearch: search .alerts-security.alerts-default: 403 forbidden:\x1b[2J`) || strings.ContainsRune(v, 0x1b) {
		t.Errorf("status line lacks the escaped error:\n%s", v)
	}
	if len(m.queue.rows) != 4 {
		t.Errorf("the console does not go on with the findings: %d groups", len(m.queue.rows))
	}
	// The header does not read as an empty alerts index.
	if strings.Contains(v, "0 alerts") || !strings.Contains(v, "alerts not read") {
		t.Errorf("header after a failed pull:\n%s", v)
	}
}

// s on a group with alerts writes the group's status to the case file and
// to its alerts; s on an alert writes that alert only.
func TestAlertStatusWriteBack(t *testing.T) {
	tests := []struct {
		name      string
		ip        string
		open      bool   // open the group and put the cursor on an alert
		uuid      string // that alert
		fail      error
		wantCalls []string
		wantCase  string // case-file id written
		wantInfo  string
		wantErr   string
	}{
		{name: "group from the queue", ip: "198.51.100.23", wantCalls: []string{"acknowledged u-repro,u-missing"},
			wantCase: "group:198.51.100.23 " + hostileUA, wantInfo: "elasticsearch: 2 alerts set to acknowledged (1 updated)"},
		{name: "alert in the group view", ip: "198.51.100.23", open: true, uuid: "u-missing",
			wantCalls: []string{"acknowledged u-missing"}, wantCase: "u-missing", wantInfo: "set to acknowledged"},
		{name: "group without alerts writes the case file only", ip: "192.0.2.55", wantCase: "group:192.0.2.55 Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"},
		{name: "write-back error in the status line, case file still written", ip: "192.0.2.200",
			fail:      errors.New("elasticsearch: update alerts in .alerts-security.alerts-default: 403 forbidden: missing the write privilege"),
			wantCalls: []string{"acknowledged u-ml"}, wantCase: "group:192.0.2.200 python-requests/2.31", wantErr: "missing the write privilege"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store, es := newMemStore(), &fakeES{fail: tc.fail}
			m := consoleAt(t, alertOptions(t, store, es, testAlerts()), 160, 40)
			if tc.open {
				openGroup(t, m, tc.ip)
				for i, r := range m.group.rows {
					if r.alert != nil && r.alert.a.UUID == tc.uuid {
						m.group.list.setCursor(i)
					}
				}
			} else {
				for i, r := range m.queue.rows {
					if ipString(r.g.Key) == tc.ip {
						m.queue.list.setCursor(i)
					}
				}
			}
			keys(m, "s")
			if got := es.got(); !slices.Equal(got, tc.wantCalls) {
				t.Errorf("write-backs %q, want %q", got, tc.wantCalls)
			}
			if a, ok := store.status[tc.wantCase]; !ok || a.Status != casefile.StatusAcknowledged {
				t.Errorf("case file: %q not acknowledged (have %v)", tc.wantCase, store.status)
			}
			if tc.wantInfo != "" && !strings.Contains(m.info, tc.wantInfo) {
				t.Errorf("info %q lacks %q", m.info, tc.wantInfo)
			}
			if tc.wantErr != "" && !strings.Contains(m.lastErr, tc.wantErr) {
				t.Errorf("last error %q lacks %q", m.lastErr, tc.wantErr)
			}
			if tc.uuid != "" {
				for _, it := range m.al.items {
					want := casefile.StatusOpen
					if it.a.UUID == tc.uuid {
						want = casefile.StatusAcknowledged
					}
					if it.status != want {
						t.Errorf("alert %s is %s, want %s", it.a.UUID, it.status, want)
					}
				}
			}
		})
	}
}

// TestAlertsGolden renders the group view of a group with a finding and
// two alerts (regenerate with -update).
func TestAlertsGolden(t *testing.T) {
	m := consoleAt(t, alertOptions(t, nil, nil, testAlerts()), 120, 30)
	openGroup(t, m, "198.51.100.23")
	v := m.View()
	if strings.ContainsRune(v, 0x1b) {
		t.Errorf("raw ESC in the view")
	}
	for _, want := range []string{"alerts 2", "ALERT [open] ✓ reproduced", "ALERT [open] ✗ events not pulled"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	teatest.RequireEqualOutput(t, []byte(v))
}

// Once the run is sealed, snapshots share the collection's groups; an
// alert that lands on one must change a copy, never the group itself,
// or every later snapshot would count it again.
func TestAlertsLeaveSealedGroupsAlone(t *testing.T) {
	c := triage.NewCollection(0)
	ip := netip.MustParseAddr("198.51.100.23")
	c.AddFinding(triage.Finding{Detector: "appsensor:RE2", Severity: triage.Low, RiskScore: 21, Timestamp: t0,
		SourceIP: ip, UserAgent: "curl/8", Evidence: triage.RefsFromIDs([]string{"e1"}), EventCount: 1})
	c.Seal()
	items := []*alertItem{{a: &triage.Alert{SourceIP: ip, UserAgent: "curl/8"}, pending: true,
		row: triage.Finding{Detector: "elastic:x", Severity: triage.High, RiskScore: 73, Timestamp: t0.Add(time.Hour)}}}
	for range 2 {
		s := takeSnapshot(c, nil, nil, nil, items, grouping{})
		if len(s.groups) != 1 || s.groups[0].Risk != 21+73 || len(s.groups[0].Detectors) != 2 {
			t.Fatalf("snapshot group %+v, want risk 94 and two detectors", s.groups)
		}
	}
	g := c.Groups()[0]
	if g.Risk != 21 || len(g.Detectors) != 1 || g.MaxSeverity != triage.Low {
		t.Errorf("the collection's group changed: %+v", g)
	}
}
