package detectors

import (
	"context"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"

	"picket/triage"
	"picket/triage/demo"
)

// TestDemoQuality runs every detector Picket ships over the demo data:
// each planted scenario must be found by each detector it names (with the
// scenario's own events as evidence), and at most 1% of benign clients
// may get any finding at all.
func TestDemoQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every detector over 14 days of demo data")
	}
	dets := Runnable(Options{})
	running := map[string]bool{}
	for _, d := range dets {
		running[d.Info().ID] = true
	}

	// evidence[scenario] holds the ids of the events it planted.
	evidence := make([]map[string]bool, len(demo.Scenarios))
	for i := range evidence {
		evidence[i] = map[string]bool{}
	}
	benign := map[netip.Addr]bool{}
	var findings []triage.Finding
	eng := &triage.Engine{Detectors: dets, OnFinding: func(f triage.Finding) { findings = append(findings, f) }}
	src := observed{demo.New(demo.DefaultSeed), func(ev *triage.Event) {
		for i, sc := range demo.Scenarios {
			if sc.Evidence(ev) {
				evidence[i][ev.ID] = true
			}
		}
		if ev.SourceIP.IsValid() && !demo.IsAttacker(ev.SourceIP) && ev.Processor == "transaction" {
			benign[ev.SourceIP] = true
		}
	}}
	st, err := eng.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if st.Unproven > 0 {
		t.Errorf("%d findings cited no event", st.Unproven)
	}

	for i, sc := range demo.Scenarios {
		for _, id := range sc.Detectors {
			if !running[id] {
				t.Logf("scenario %s: %s does not run locally yet, not checked", sc.Name, id)
				continue
			}
			found := slices.ContainsFunc(findings, func(f triage.Finding) bool {
				return f.Detector == id && slices.ContainsFunc(f.EventIDs, func(e string) bool { return evidence[i][e] })
			})
			if !found {
				t.Errorf("scenario %s: no %s finding cites its events", sc.Name, id)
			}
		}
	}

	flagged := map[netip.Addr][]string{}
	siteWide := 0
	for _, f := range findings {
		switch {
		case !f.SourceIP.IsValid():
			siteWide++
		case !demo.IsAttacker(f.SourceIP):
			flagged[f.SourceIP] = append(flagged[f.SourceIP], f.Detector+": "+f.Reason)
		}
	}
	var ips []string
	for ip, rs := range flagged {
		ips = append(ips, ip.String())
		t.Logf("benign %s: %s", ip, strings.Join(rs, " | "))
	}
	sort.Strings(ips)
	share := float64(len(flagged)) / float64(len(benign))
	t.Logf("%d events, %d findings (%d site-wide, without a source); %d of %d benign clients flagged (%.2f%%)",
		st.Events, len(findings), siteWide, len(flagged), len(benign), 100*share)
	if share > 0.01 {
		t.Errorf("%.2f%% of benign clients got a finding, want at most 1%%: %s", 100*share, strings.Join(ips, ", "))
	}
}

// observed passes every event to see before the engine gets it.
type observed struct {
	triage.Source
	see func(*triage.Event)
}

func (o observed) Events(ctx context.Context, fn func(*triage.Event) error) error {
	return o.Source.Events(ctx, func(ev *triage.Event) error {
		o.see(ev)
		return fn(ev)
	})
}
