package ui

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

// rankCollection: a quiet data breach (one medium finding with the
// exfiltration impact), a loud scanner (many high findings), and a
// third client that an allowlist entry hides.
func rankCollection() *triage.Collection {
	c := triage.NewCollection(0)
	add := func(ip, det string, sev triage.Severity, risk int, imp triage.Impact, n int) {
		for i := range n {
			c.AddFinding(triage.Finding{
				Detector: det, Severity: sev, RiskScore: risk, Impact: imp, UserName: "u-" + ip,
				Timestamp: t0.Add(time.Duration(i) * time.Minute), SourceIP: netip.MustParseAddr(ip), UserAgent: "ua",
				Reason: det, EventCount: 1,
			})
		}
	}
	add("203.0.113.210", "appsensor:CIE2", triage.Medium, 47, triage.ImpactExfiltration, 1)
	add("203.0.113.99", "appsensor:CIE1", triage.High, 73, triage.ImpactNone, 40)
	add("198.51.100.7", "appsensor:RE2", triage.High, 73, triage.ImpactNone, 60)
	c.Seal()
	return c
}

// rankConsole opens rankCollection with an allowlist entry hiding the
// third client (198.51.100.7).
func rankConsole(t *testing.T) *model {
	t.Helper()
	store := newMemStore()
	store.allow = []triage.AllowEntry{{ID: 1, Kind: triage.AllowIP, Value: "198.51.100.7"}}
	o := testOptions(t, store)
	o.Collection = rankCollection()
	return consoleAt(t, o, 160, 30)
}

// TestQueueOrderIsTheRank: the queue ranks the breach above the scanner
// whether suppressed rows are shown (S) or not, and a level above others
// (another grouping) ranks by the worst group under it.
func TestQueueOrderIsTheRank(t *testing.T) {
	m := rankConsole(t)
	order := func() []string {
		var out []string
		for _, r := range m.queue.rows {
			if r.depth == 0 {
				out = append(out, keyLabel(r.g.Key))
			}
		}
		return out
	}
	first := func(when string) {
		t.Helper()
		got := order()
		if len(got) == 0 || got[0] != keyLabel(triage.GroupKey{SourceIP: netip.MustParseAddr("203.0.113.210"), UserAgent: "ua"}) {
			t.Errorf("%s: order %q, want the breach first", when, got)
		}
	}
	first("default")
	keys(m, "S")
	if !m.showSupp || len(order()) != 3 {
		t.Fatalf("S: %d rows shown", len(order()))
	}
	first("suppressed shown")
	// Grouped by user.name then source.ip: the breach's user leads.
	m.gp = grouping{by: triage.GroupBy{"user.name", "source.ip"}}
	runCmd(m, m.refresh(), 0)
	got := order()
	if len(got) == 0 || got[0] != "user.name u-203.0.113.210" {
		t.Errorf("by user.name: order %q, want the breach's user first", got)
	}
}

// TestSelectedSuppressedRowKeepsItsMark: under the cursor, a row both
// selected and suppressed still shows that it is suppressed.
func TestSelectedSuppressedRowKeepsItsMark(t *testing.T) {
	m := rankConsole(t)
	keys(m, "S")
	rowAt(t, m, func(g *triage.Group) bool { return g.Key.SourceIP == netip.MustParseAddr("198.51.100.7") })
	keys(m, " ", "k")
	if r, _ := m.queue.row(); !r.suppressed || !m.queue.picked[r.g.Key] {
		t.Fatalf("cursor on %v (suppressed %v, picked %v)", r.g.Key, r.suppressed, m.queue.picked[r.g.Key])
	}
	for _, l := range strings.Split(m.View(), "\n") {
		if strings.Contains(l, "198.51.100.7") && !strings.HasPrefix(l, "✓~") {
			t.Errorf("row %q lacks its marks", l)
		}
	}
}

// TestSiteWideRowReadsWhole: a site-wide group alone in the queue shows
// "(site-wide)" whole, not cut to the address column's header width.
func TestSiteWideRowReadsWhole(t *testing.T) {
	c := triage.NewCollection(0)
	c.AddFinding(triage.Finding{Detector: "appsensor:STE3", Severity: triage.Medium, RiskScore: 47, Timestamp: t0,
		Subject: triage.Attr{Field: triage.SubjectSite}, Reason: "site surge", EventCount: 1})
	c.Seal()
	o := testOptions(t, nil)
	o.Collection = c
	m := consoleAt(t, o, 160, 20)
	if len(m.queue.rows) != 1 || !strings.Contains(m.View(), "(site-wide)") {
		t.Errorf("%d rows:\n%s", len(m.queue.rows), m.View())
	}
}
