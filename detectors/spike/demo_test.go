package spike

import (
	"context"
	"slices"
	"testing"

	"picket/triage"
	"picket/triage/demo"
)

// TestDemoStream runs the detector over Picket's demo data: every planted
// scenario meant for this rule is found, and outside them at most a few
// buckets are anomalous over the fortnight.
func TestDemoStream(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 14 days of demo data")
	}
	d := New(Options{})
	var fs []triage.Finding
	emit := func(f triage.Finding) { fs = append(fs, f) }
	err := demo.New(demo.DefaultSeed).Events(context.Background(), func(ev *triage.Event) error {
		d.Observe(ev, emit)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Flush(emit)
	for _, f := range fs {
		t.Logf("%v: %s", f.Timestamp.Format("Mon 2006-01-02 15:04"), f.Reason)
	}
	for _, l := range d.Lints() {
		t.Logf("lint (%d): %s", l.Count, l.Message)
	}
	mine := func(sc demo.Scenario) bool {
		return slices.Contains(sc.Detectors, ID) || slices.Contains(sc.Also, ID)
	}
	for _, sc := range demo.Scenarios {
		if !slices.Contains(sc.Detectors, ID) {
			continue
		}
		if !slices.ContainsFunc(fs, func(f triage.Finding) bool { return f.Timestamp.Before(sc.End) && sc.Start.Before(f.End) }) {
			t.Errorf("scenario %s (%v-%v) not found", sc.Name, sc.Start, sc.End)
		}
	}
	falseBuckets := 0
	for _, b := range d.Buckets() {
		if b.Anomalous && !slices.ContainsFunc(demo.Scenarios, func(sc demo.Scenario) bool {
			return mine(sc) && b.Start.Before(sc.End) && sc.Start.Before(b.End)
		}) {
			falseBuckets++
			t.Logf("anomalous bucket outside the scenarios: %v count %d expected %.1f score %.0f", b.Start, b.Count, b.Expected, b.Score)
		}
	}
	if falseBuckets > 3 {
		t.Errorf("%d anomalous buckets outside the planted scenarios", falseBuckets)
	}
}
