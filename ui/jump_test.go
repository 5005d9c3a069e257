package ui

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

// queueKeys are the groups the queue shows, sorted.
func queueKeys(m *model) []string {
	var out []string
	for _, r := range m.queue.rows {
		out = append(out, r.g.Key.String())
	}
	slices.Sort(out)
	return out
}

// groupsOf computes from the collection's findings the groups whose
// findings satisfy in.
func groupsOf(c *triage.Collection, in func(f triage.Finding) bool) []string {
	seen := map[string]bool{}
	for _, f := range c.Findings() {
		if in(f) {
			seen[triage.GroupKey{SourceIP: f.SourceIP, UserAgent: f.UserAgent}.String()] = true
		}
	}
	return sortedKeys(seen)
}

// TestRuleJumpsToGroups: in a rule's detail, enter filters the queue to
// the groups with the rule's findings; a rule without findings says so
// and stays.
func TestRuleJumpsToGroups(t *testing.T) {
	tests := []struct {
		det   string
		stays bool
	}{
		{"appsensor:CIE1", false},
		{"appsensor:RE2", false},
		{"elastic:9a7c3f10-1111-2222-3333-444455556666", false},
		{"appsensor:UT9", true}, // described, no finding
	}
	for _, tc := range tests {
		t.Run(tc.det, func(t *testing.T) {
			o := testOptions(t, nil)
			o.Rules = []RuleInfo{{Info: triage.DetectorInfo{ID: "appsensor:UT9", Title: "quiet"}, InRun: true}}
			m := consoleAt(t, o, 120, 30)
			keys(m, "R")
			i := slices.IndexFunc(m.rules.rows, func(r ruleLine) bool { return r.Info.ID == tc.det })
			if i < 0 {
				t.Fatalf("no rule %s", tc.det)
			}
			m.rules.list.setCursor(i)
			keys(m, "enter")
			if !m.rules.detail {
				t.Fatal("enter in the list did not show the rule")
			}
			keys(m, "enter")
			want := groupsOf(o.Collection, func(f triage.Finding) bool { return f.Detector == tc.det })
			if tc.stays {
				if m.view != viewRules || m.queue.filter != "" || !strings.Contains(m.View(), "no group in the queue with findings of UT9") {
					t.Errorf("view %d, filter %q:\n%s", m.view, m.queue.filter, m.View())
				}
				return
			}
			if m.view != viewQueue || m.queue.filter != detectorQuery(tc.det) {
				t.Fatalf("view %d, filter %q", m.view, m.queue.filter)
			}
			if got := queueKeys(m); len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("queue shows %q, want the groups with %s findings %q", got, tc.det, want)
			}
			if w := "queue filtered to the " + plural(len(want), "group") + " with findings of " + shortDetector(tc.det); m.info != w {
				t.Errorf("status line says %q, want %q", m.info, w)
			}
		})
	}
}

const spikeID = "elastic:eaa77d63-9679-4ce3-be25-3ba8b795e5fa"

// spikeCollection has groups for testSeries' anomalous buckets: two from
// the dominant deny source 10.20.0.77, the spike's own finding filed
// without an address, and unrelated groups.
func spikeCollection(tb testing.TB) *triage.Collection {
	c := triage.NewCollection(0)
	ip := netip.MustParseAddr
	ev := &triage.Event{ID: "d1", Timestamp: t0, Raw: []byte(`{}`)}
	c.AddEvent(ev)
	add := func(det, title string, addr netip.Addr, ua string) {
		c.AddFinding(triage.Finding{Detector: det, Title: title, Severity: triage.Medium, RiskScore: 40, Timestamp: t0.Add(150 * time.Minute),
			SourceIP: addr, UserAgent: ua, Reason: "planted", Evidence: cite(c, "d1"), EventCount: 1})
	}
	add("appsensor:RE2", "odd", ip("10.20.0.77"), "curl/8")
	add("appsensor:CIE1", "sqli", ip("10.20.0.77"), "sqlmap")
	add(spikeID, "Spike in Firewall Denies", netip.Addr{}, "")
	add("appsensor:RE2", "odd", ip("192.0.2.1"), "curl/8")
	add("appsensor:AE3", "logins", netip.Addr{}, "Mozilla/5.0")
	return c
}

// TestHistogramJumpsToGroups: enter on a bucket filters the queue to the
// groups of its sources (and its own spike finding's); ↑/↓ pick one
// source first. Hostile influencer values are escaped in what is said.
func TestHistogramJumpsToGroups(t *testing.T) {
	spikeGroup := triage.GroupKey{}.String()
	dominant := func(f triage.Finding) bool { return f.SourceIP == netip.MustParseAddr("10.20.0.77") }
	tests := []struct {
		name  string
		keys  []string // in the histogram, opened on bucket 10
		want  func(f triage.Finding) bool
		extra []string // groups besides those of want
		info  string
	}{
		{"the bucket's sources and its spike", nil, dominant, []string{spikeGroup}, "queue filtered to the 3 groups of the Mar 14 11:30 bucket's sources"},
		{"one source picked", []string{"j"}, dominant, nil, "queue filtered to the 2 groups of 10.20.0.77"},
		{"a source with no group", []string{"j", "j"}, nil, nil, `no group in the queue of \x1b[31m10.0.0.1`},
		{"back to all", []string{"j", "j", "j", "k", "k", "k"}, dominant, []string{spikeGroup}, "3 groups"},
		{"a bucket without sources", []string{"l"}, nil, nil, "no source addresses in this bucket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(t, nil)
			o.Collection = spikeCollection(t)
			o.Spike = func() *SpikeSeries { return testSeries() }
			o.Detectors = func(id string) (triage.DetectorInfo, bool) {
				if id == spikeID {
					return triage.DetectorInfo{ID: id, Title: "Spike in Firewall Denies"}, true
				}
				return triage.DetectorInfo{}, false
			}
			m := consoleAt(t, o, 120, 40)
			keys(m, "H")
			keys(m, tc.keys...)
			keys(m, "enter")
			v := m.View()
			if strings.ContainsRune(v, 0x1b) || !strings.Contains(m.info, tc.info) {
				t.Errorf("status line says %q, want %q:\n%s", m.info, tc.info, v)
			}
			if tc.want == nil {
				if m.view != viewSpike || m.queue.filter != "" {
					t.Errorf("view %d, filter %q: want to stay", m.view, m.queue.filter)
				}
				return
			}
			want := append(groupsOf(o.Collection, tc.want), tc.extra...)
			slices.Sort(want)
			if got := queueKeys(m); m.view != viewQueue || !slices.Equal(got, want) {
				t.Errorf("view %d, queue %q (filter %q), want %q", m.view, got, m.queue.filter, want)
			}
		})
	}
}
