package appsensor

import (
	"context"
	"testing"

	"picket/triage"
	"picket/triage/demo"
)

func demoEvents(tb testing.TB) []*triage.Event {
	tb.Helper()
	var evs []*triage.Event
	err := demo.New(demo.DefaultSeed).Events(context.Background(), func(ev *triage.Event) error {
		evs = append(evs, ev)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return evs
}

// BenchmarkAllPoints runs every AppSensor detector over the demo's 14 days
// (APM transactions and firewall events, attacks included), after
// extraction: the per-event cost of the whole AppSensor family on one core.
func BenchmarkAllPoints(b *testing.B) {
	evs := demoEvents(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		ds := Detectors(Options{})
		emit := func(triage.Finding) {}
		for _, ev := range evs {
			for _, d := range ds {
				d.Observe(ev, emit)
			}
		}
		for _, d := range ds {
			d.Flush(emit)
		}
		n += len(evs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
