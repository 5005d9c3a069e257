package detectors

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"

	"picket/detectors/appsensor"
	"picket/triage"
	"picket/triage/demo"
)

// demoOptions configures the detectors the way the demo shop's operators
// would: its honey paths, decoy field, honeytoken account and Tor exit
// list, so the points that need configuration (HT1-HT3, RP1) run too.
func demoOptions() Options {
	var o Options
	o.AppSensor.HoneyPaths = demo.HoneyPaths
	for _, hp := range demo.HoneyParams {
		o.AppSensor.HoneyParams = append(o.AppSensor.HoneyParams, appsensor.HoneyParam{Name: hp.Name, Value: hp.Value})
	}
	o.AppSensor.HoneyUsers = demo.HoneyUsers
	o.AppSensor.Reputation = []appsensor.Reputation{{Name: demo.ReputationListName, Prefixes: demo.ReputationList}}
	return o
}

// TestDemoQuality runs every detector Picket ships over the demo data:
// each planted scenario must be found by each detector it names (with the
// scenario's own events as evidence), and at most 1% of benign clients
// may get any finding at all.
func TestDemoQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every detector over 14 days of demo data")
	}
	dets := Runnable(demoOptions())
	running := map[string]bool{}
	for _, d := range dets {
		running[d.Info().ID] = true
	}
	// Everything the catalogue says runs (with this configuration) must
	// run, and every such detector must have a scenario to find.
	planted := map[string]bool{}
	for _, sc := range demo.Scenarios {
		for _, id := range sc.Detectors {
			planted[id] = true
		}
	}
	for _, info := range Catalogue(demoOptions()) {
		if info.Readiness == triage.RunsLocally && !planted[info.ID] {
			t.Errorf("%s runs, but no demo scenario plants an attack for it", info.ID)
		}
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

	// Which scenario's events each finding cites, for the summary.
	owner := map[string]string{}
	for i, sc := range demo.Scenarios {
		for id := range evidence[i] {
			owner[id] = sc.Name
		}
	}
	for i, sc := range demo.Scenarios {
		for _, id := range sc.Detectors {
			if !running[id] {
				t.Logf("scenario %s: %s does not run locally yet, not checked", sc.Name, id)
				continue
			}
			found := slices.ContainsFunc(findings, func(f triage.Finding) bool {
				return f.Detector == id && slices.ContainsFunc(f.EventIDs(), func(e string) bool { return evidence[i][e] })
			})
			if found {
				continue
			}
			// A faithful re-run of a rule that cannot match the data (an
			// Elastic query written for lower-case methods) misses by
			// design; it must then say so in a lint covering the
			// scenario's events.
			if i := slices.IndexFunc(st.Lints, func(l triage.Lint) bool {
				return l.Detector == id && l.Count >= len(evidence[i])
			}); i >= 0 {
				t.Logf("scenario %s: %s misses it and says why: %s", sc.Name, id, st.Lints[i].Message)
				continue
			}
			t.Errorf("scenario %s: no %s finding cites its events", sc.Name, id)
		}
	}

	flagged := map[netip.Addr][]string{}
	siteWide := 0
	perDetector := map[string]int{}
	for _, f := range findings {
		perDetector[f.Detector]++
		switch {
		case !f.SourceIP.IsValid():
			siteWide++
		case !demo.IsAttacker(f.SourceIP):
			flagged[f.SourceIP] = append(flagged[f.SourceIP], f.Detector+": "+f.Reason)
		}
	}
	// A finding about a scenario (from its address, or citing its events
	// when it names no address) by a detector the scenario neither names
	// nor allows is suspect: logged, for whoever tunes the next detector.
	for _, f := range findings {
		k := slices.IndexFunc(demo.Scenarios, func(sc demo.Scenario) bool { return f.SourceIP.IsValid() && sc.SourceIP == f.SourceIP })
		if k < 0 && !f.SourceIP.IsValid() {
			for _, id := range f.EventIDs() {
				if name, ok := owner[id]; ok {
					k = slices.IndexFunc(demo.Scenarios, func(sc demo.Scenario) bool { return sc.Name == name })
					break
				}
			}
		}
		if k < 0 {
			continue
		}
		if sc := demo.Scenarios[k]; !slices.Contains(sc.Detectors, f.Detector) && !slices.Contains(sc.Also, f.Detector) {
			t.Logf("unexpected: %s on scenario %s: %s", f.Detector, sc.Name, f.Reason)
		}
	}
	ids := make([]string, 0, len(perDetector))
	for id := range perDetector {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var summary []string
	for _, id := range ids {
		summary = append(summary, fmt.Sprintf("%s %d", strings.TrimPrefix(id, "appsensor:"), perDetector[id]))
	}
	t.Logf("findings per detector: %s", strings.Join(summary, ", "))

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
