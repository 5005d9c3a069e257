package ui

import (
	"context"
	"strings"
	"testing"

	"picket/detectors"
	"picket/playbooks"
	"picket/triage"
	"picket/triage/demo"
)

// TestPlaybookActionsOnDemo runs every computed action of the shipped
// playbooks on the findings of the demo data, with the KQL engine: each
// query parses and runs, and an action either answers or says what the
// finding lacks (no user name, no session).
func TestPlaybookActionsOnDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the detectors over the demo data")
	}
	c := triage.NewCollection(0)
	eng := &triage.Engine{Detectors: detectors.Runnable(detectors.Options{})}
	c.Wire(eng)
	if _, err := eng.Run(context.Background(), demo.New(demo.DefaultSeed)); err != nil {
		t.Fatal(err)
	}
	// Answers a finding may legitimately give instead of a result.
	lacks := []string{"names no user", "has no session id", "has no source address", "evidence events kept have no", "first evidence event has no"}
	groups := c.Groups()
	ran := map[playbooks.ActionKind]int{}
	seen := map[string]bool{} // detector|item: one finding per detector is enough
	for _, f := range c.Findings() {
		pb, ok := playbooks.For(f.Detector)
		if !ok {
			continue
		}
		for _, it := range pb.Items() {
			if it.Action == nil || seen[f.Detector+"|"+it.ID] {
				continue
			}
			switch it.Action.Kind {
			case playbooks.ActCount, playbooks.ActValues, playbooks.ActPivot, playbooks.ActAllowlistCheck:
			default:
				continue
			}
			seen[f.Detector+"|"+it.ID] = true
			// How long an answer takes is measured by BenchmarkActions, not here.
			res := runAction(actionInput{act: *it.Action, finding: f, coll: c, filter: kqlFilterForTest, groups: groups, now: fixedNow})
			ran[it.Action.Kind]++
			if testing.Verbose() {
				t.Logf("%s %s: %s%s", shortDetector(f.Detector), it.Action, res.text, res.err)
			}
			if res.err == "" {
				if !strings.HasPrefix(res.text, "= ") {
					t.Errorf("%s %s: answer %q", f.Detector, it.ID, res.text)
				}
				continue
			}
			ok = false
			for _, l := range lacks {
				ok = ok || strings.Contains(res.err, l)
			}
			if !ok {
				t.Errorf("%s %s (%s): %s", f.Detector, it.ID, it.Action, res.err)
			}
		}
	}
	for _, k := range []playbooks.ActionKind{playbooks.ActCount, playbooks.ActValues, playbooks.ActPivot, playbooks.ActAllowlistCheck} {
		if ran[k] == 0 {
			t.Errorf("no %s action ran", k)
		}
	}
	t.Logf("ran %v", ran)
}

// BenchmarkActions answers every computed playbook step once per
// iteration on the demo's findings (one finding per detector).
func BenchmarkActions(b *testing.B) {
	c := triage.NewCollection(0)
	eng := &triage.Engine{Detectors: detectors.Runnable(detectors.Options{})}
	c.Wire(eng)
	if _, err := eng.Run(context.Background(), demo.New(demo.DefaultSeed)); err != nil {
		b.Fatal(err)
	}
	groups := c.Groups()
	type job struct {
		act playbooks.Action
		f   triage.Finding
	}
	var jobs []job
	seen := map[string]bool{}
	for _, f := range c.Findings() {
		pb, ok := playbooks.For(f.Detector)
		if !ok {
			continue
		}
		for _, it := range pb.Items() {
			if it.Action == nil || seen[f.Detector+"|"+it.ID] {
				continue
			}
			switch it.Action.Kind {
			case playbooks.ActCount, playbooks.ActValues, playbooks.ActPivot, playbooks.ActAllowlistCheck:
				seen[f.Detector+"|"+it.ID] = true
				jobs = append(jobs, job{*it.Action, f})
			}
		}
	}
	b.ResetTimer()
	for range b.N {
		for _, j := range jobs {
			runAction(actionInput{act: j.act, finding: j.f, coll: c, filter: kqlFilterForTest, groups: groups, now: fixedNow})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(jobs))/1e6, "ms/answer")
}
