package spike

import (
	"context"
	"slices"
	"testing"
	"time"

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
	// Counted independently of the detector: the datafeed's selection per
	// bucket, and the allowed (pass) events per bucket.
	denies, passes := map[int64]int{}, map[int64]int{}
	beacon := map[int64]int{}
	night := demo.Scenarios[slices.IndexFunc(demo.Scenarios, func(sc demo.Scenario) bool { return sc.Name == "night-beacon" })]
	err := demo.New(demo.DefaultSeed).Events(context.Background(), func(ev *triage.Event) error {
		d.Observe(ev, emit)
		b := ev.Timestamp.Truncate(DefaultBucketSpan).Unix()
		switch {
		case triage.Has(ev.Category, "network") && (ev.Outcome == "deny" || triage.Has(ev.Type, "denied")):
			denies[b]++
			if night.Evidence(ev) {
				beacon[b]++
			}
		case triage.Has(ev.Category, "network") && triage.Has(ev.Type, "allowed"):
			passes[b]++
		}
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
	// A sustained attack is one finding over all of it: the beacon's
	// later buckets score lower as the model gets used to its surprise,
	// yet it went on until its end (the finding stopped 15 minutes short).
	var nightFinding *triage.Finding
	for i, f := range fs {
		if f.Timestamp.Before(night.End) && night.Start.Before(f.End) {
			nightFinding = &fs[i]
		}
	}
	switch {
	case nightFinding == nil:
		t.Error("no finding on the night beacon")
	case nightFinding.Timestamp.After(night.Start) || nightFinding.End.Before(night.End):
		t.Errorf("the night beacon's finding covers %v-%v, not all of %v-%v", nightFinding.Timestamp, nightFinding.End, night.Start, night.End)
	case nightFinding.EventCount < sumValues(beacon):
		t.Errorf("the night beacon's finding counts %d denies, its %d buckets hold %d of the beacon's", nightFinding.EventCount, len(beacon), sumValues(beacon))
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

	// A surge of allowed traffic never counts: every bucket holds exactly
	// the datafeed's denies, though the sale day brings many passes.
	totalPasses := 0
	for _, b := range d.Buckets() {
		if want := denies[b.Start.Unix()]; b.Count != want {
			t.Errorf("bucket %v counted %d, the datafeed selects %d", b.Start, b.Count, want)
		}
		totalPasses += passes[b.Start.Unix()]
	}
	if totalPasses == 0 {
		t.Error("the demo has no allowed traffic to test against")
	}

	// The night spike is below the daytime normal: only a seasonal model
	// can see it.
	var daytime []int
	for _, b := range d.Buckets() {
		if wd := b.Start.Weekday(); wd >= time.Monday && wd <= time.Thursday && b.Start.Hour() >= 10 && b.Start.Hour() < 16 {
			daytime = append(daytime, b.Count)
		}
	}
	slices.Sort(daytime)
	median := daytime[len(daytime)/2]
	for start, n := range beacon {
		if n >= median {
			t.Errorf("night-beacon bucket %v holds %d of its denies, not below the weekday daytime median %d", time.Unix(start, 0).UTC(), n, median)
		}
	}
	t.Logf("night-beacon: at most %d denies per bucket; weekday daytime median %d", slices.Max(mapValues(beacon)), median)
}

func sumValues(m map[int64]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func mapValues(m map[int64]int) []int {
	out := make([]int, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
