package ui

import (
	"net/netip"
	"strings"
	"testing"

	"picket/triage"
)

// TestGroupHeaderSaysWhyItRanks: a group ranked by what its worst finding
// means says so in its header; an ordinary one does not.
func TestGroupHeaderSaysWhyItRanks(t *testing.T) {
	c := triage.NewCollection(0)
	ev, _ := triage.ParseEvent([]byte(`{"event":{"id":"s1"},"source":{"ip":"203.0.113.210"}}`), "t")
	c.AddEvent(ev)
	ip := netip.MustParseAddr("203.0.113.210")
	c.AddFinding(triage.Finding{Detector: "appsensor:CIE2", Title: "Abnormal records", Severity: triage.High, RiskScore: 73,
		Impact: triage.ImpactExfiltration, Timestamp: t0, SourceIP: ip, UserAgent: "Firefox",
		Reason: "61382 rows from SELECT FROM orders", Evidence: []triage.EventRef{ev.Ref()}, EventCount: 1})
	c.AddFinding(triage.Finding{Detector: "appsensor:RE2", Title: "Odd method", Severity: triage.High, RiskScore: 73,
		Timestamp: t0, SourceIP: netip.MustParseAddr("198.51.100.1"), UserAgent: "Nikto",
		Reason: "PROPFIND", Evidence: []triage.EventRef{{ID: "x"}}, EventCount: 1})
	o := testOptions(t, newMemStore())
	o.Collection = c
	m := consoleAt(t, o, 140, 30)
	keys(m, "enter")
	if v := m.View(); !strings.Contains(v, "ranked by data exfiltration (CIE2)") {
		t.Errorf("the breach's group does not say why it ranks first:\n%s", v)
	}
	keys(m, "esc", "down", "enter")
	if v := m.View(); strings.Contains(v, "ranked by") {
		t.Errorf("an ordinary group claims a rank reason:\n%s", v)
	}
}
