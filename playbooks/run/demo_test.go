package run_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/detectors"
	"picket/playbooks"
	"picket/playbooks/run"
	"picket/triage"
	"picket/triage/demo"
)

// TestShippedActionsOnDemo runs every computed action of the shipped
// playbooks on the findings of the demo data: each query parses and runs,
// and an action either answers or says what the finding lacks (no user
// name, no session).
func TestShippedActionsOnDemo(t *testing.T) {
	if testing.Short() || raceEnabled {
		// It runs one goroutine; under the race detector it takes minutes.
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
	var queued []triage.GroupKey
	for _, g := range c.Groups() {
		queued = append(queued, g.Key)
	}
	now := time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
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
			act := *it.Action
			// How long answers take is BenchmarkShippedActions' business.
			err, ok := answer(act, f, c, queued, now)
			if !ok {
				continue
			}
			seen[f.Detector+"|"+it.ID] = true
			ran[act.Kind]++
			if err == nil {
				continue
			}
			if !slices.ContainsFunc(lacks, func(l string) bool { return strings.Contains(err.Error(), l) }) {
				t.Errorf("%s %s (%s): %v", f.Detector, it.ID, act, err)
			}
			if errors.Unwrap(err) != nil && strings.HasPrefix(err.Error(), "query ") {
				t.Errorf("%s %s: a shipped query does not parse: %v", f.Detector, it.ID, err)
			}
		}
	}
	for _, k := range playbooks.ActionKinds() {
		if !run.Computed(k) {
			continue
		}
		if ran[k] == 0 {
			t.Errorf("no %s action ran", k)
		}
	}
	t.Logf("ran %v", ran)
}

// answer runs one computed action; ok is false for other kinds.
func answer(act playbooks.Action, f triage.Finding, c *triage.Collection, queued []triage.GroupKey, now time.Time) (err error, ok bool) {
	if !run.Computed(act.Kind) {
		return nil, false
	}
	_, err = run.Run(act, f, c, run.With{Queued: queued, Now: now})
	return err, true
}

// BenchmarkShippedActions answers every computed step of the shipped
// playbooks once per iteration, on one demo finding per detector.
func BenchmarkShippedActions(b *testing.B) {
	c := triage.NewCollection(0)
	eng := &triage.Engine{Detectors: detectors.Runnable(detectors.Options{})}
	c.Wire(eng)
	if _, err := eng.Run(context.Background(), demo.New(demo.DefaultSeed)); err != nil {
		b.Fatal(err)
	}
	var queued []triage.GroupKey
	for _, g := range c.Groups() {
		queued = append(queued, g.Key)
	}
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
			if it.Action != nil && !seen[f.Detector+"|"+it.ID] {
				seen[f.Detector+"|"+it.ID] = true
				jobs = append(jobs, job{*it.Action, f})
			}
		}
	}
	now := time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for range b.N {
		for _, j := range jobs {
			answer(j.act, j.f, c, queued, now)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(jobs))/1e6, "ms/answer")
}
