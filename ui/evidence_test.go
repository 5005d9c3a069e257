package ui

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

// botnetCollection plants issue 16's botnet: "60 failed logins for
// admin" from n addresses, one event each, filed under the first; keep
// events are kept for viewing. It returns the planted addresses.
func botnetCollection(tb testing.TB, n, keep int) (*triage.Collection, []string) {
	tb.Helper()
	c := triage.NewCollection(keep)
	var addrs []string
	var refs []triage.EventRef
	for i := range n {
		ip := fmt.Sprintf("198.18.%d.%d", i/200, 10+i%200)
		addrs = append(addrs, ip)
		at := t0.Add(time.Duration(i) * time.Second)
		ev := &triage.Event{ID: fmt.Sprintf("login-%03d", i), Timestamp: at, SourceIP: netip.MustParseAddr(ip),
			UserAgent: "Mozilla/5.0", Method: "POST", StatusCode: 401, URLPath: "/login",
			Raw: fmt.Appendf(nil, `{"@timestamp":%q,"source":{"ip":%q},"user_agent":{"original":"Mozilla/5.0"},`+
				`"http":{"request":{"method":"POST"},"response":{"status_code":401}},"url":{"path":"/login"}}`, at.Format(time.RFC3339), ip)}
		c.AddEvent(ev)
		refs = append(refs, ev.Ref())
	}
	c.AddFinding(triage.Finding{Detector: "appsensor:AE2", Title: "Failed logins for one user", Severity: triage.High, RiskScore: 60,
		Timestamp: t0, End: t0.Add(time.Duration(n) * time.Second), SourceIP: netip.MustParseAddr(addrs[0]), UserAgent: "Mozilla/5.0",
		UserName: "admin", Reason: fmt.Sprintf("%d failed logins for admin", n), Evidence: refs, EventCount: n})
	return c, addrs
}

// TestEvidenceShowsWho: the evidence list shows each event's source
// address, status and method and path, and the heading how many
// addresses the finding is about, so a finding filed under one address
// shows the others.
func TestEvidenceShowsWho(t *testing.T) {
	tests := []struct {
		name     string
		n, keep  int
		head     string // in the evidence heading
		noCount  bool   // the heading has no address count
		listedIP int    // how many planted addresses the list shows
	}{
		{"botnet of 60", 60, 0, "EVIDENCE  60 events  (1/60) · from 60 source addresses", false, 60},
		{"one address", 1, 0, "EVIDENCE  1 event", true, 1},
		{"only some kept", 60, 25, "from 25 source addresses among the 25 events kept", false, 25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, addrs := botnetCollection(t, tc.n, tc.keep)
			o := testOptions(t, nil)
			o.Collection = c
			m := consoleAt(t, o, 120, 40)
			keys(m, "enter", "enter")
			if m.view != viewEvent {
				t.Fatalf("view %d", m.view)
			}
			v := m.View()
			if !strings.Contains(v, tc.head) || tc.noCount == strings.Contains(v, "source address") {
				t.Errorf("heading lacks %q:\n%s", tc.head, v)
			}
			if !strings.Contains(v, "SOURCE IP   STATUS METHOD URL") {
				t.Errorf("no column header:\n%s", v)
			}
			// Walk the list: every kept event's row names its address,
			// its status and what it asked for.
			seen := map[string]bool{}
			for range tc.n {
				for _, l := range strings.Split(m.View(), "\n") {
					for _, a := range addrs {
						if strings.Contains(l, " "+a+" ") {
							if !strings.Contains(l, " 401 POST ") || !strings.HasSuffix(strings.TrimSpace(l), "/login") {
								t.Errorf("row %q lacks status, method or path", l)
							}
							seen[a] = true
						}
					}
				}
				keys(m, "j")
			}
			if len(seen) != tc.listedIP {
				t.Errorf("the list shows %d of the planted addresses, want %d", len(seen), tc.listedIP)
			}
		})
	}
}

// TestSuppressedNamesItsEntry: with S, a suppressed finding's row and its
// finding view name the allowlist entry or exception that hides it,
// escaped.
func TestSuppressedNamesItsEntry(t *testing.T) {
	sqlmap := "sqlmap/1.7.2#stable (https://sqlmap.org)"
	exp := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		allow []triage.AllowEntry
		xs    []triage.Exception
		row   string // in the group's finding rows
		view  string // in the finding view
	}{
		{"allowlisted user agent",
			[]triage.AllowEntry{{Kind: triage.AllowUserAgent, Value: sqlmap, Reason: "our pentest", Author: "bo", Expires: exp}}, nil,
			"[allowlisted] user_agent sqlmap/1.7.",
			"suppressed by allowlist entry user_agent " + sqlmap + " · “our pentest” · by bo · expires 2024-04-01 00:00 UTC"},
		{"named exception",
			nil, []triage.Exception{{Name: "WAF blocks", Detector: "*", Reason: "blocked \x1b[2J anyway", Author: "ana",
				Entries: []triage.ExceptionEntry{{Field: "http.response.status_code", Type: triage.EntryMatch, Operator: triage.OpIncluded, Value: "403"}}}},
			"[exception] WAF blocks · blocked SQL",
			"suppressed by exception WAF blocks (every detector) · “blocked \\x1b[2J anyway” · by ana"},
		{"unnamed exception",
			nil, []triage.Exception{{Detector: "appsensor:CIE1",
				Entries: []triage.ExceptionEntry{{Field: "http.request.method", Type: triage.EntryMatch, Operator: triage.OpIncluded, Value: "GET"}}}},
			"[exception] http.request.method",
			"suppressed by exception http.request.method"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := newMemStore()
			store.allow, store.xs = tc.allow, tc.xs
			m := consoleAt(t, testOptions(t, store), 160, 40)
			keys(m, "S", "enter")
			v := m.View()
			if !strings.Contains(v, tc.row) {
				t.Errorf("group rows lack %q:\n%s", tc.row, v)
			}
			if strings.ContainsRune(v, 0x1b) {
				t.Errorf("raw ESC in the view")
			}
			keys(m, "enter")
			if v := m.View(); m.view != viewEvent || !strings.Contains(v, tc.view) {
				t.Errorf("finding view lacks %q:\n%s", tc.view, v)
			}
			// A finding nothing hides says nothing.
			store2 := newMemStore()
			m2 := consoleAt(t, testOptions(t, store2), 160, 40)
			keys(m2, "enter", "enter")
			if strings.Contains(m2.View(), "suppressed by") {
				t.Errorf("unsuppressed finding says it is suppressed")
			}
		})
	}
}
