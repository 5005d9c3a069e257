package rules

import (
	"context"
	"errors"
	"sync"
	"testing"

	"picket/triage"
)

var (
	benchOnce   sync.Once
	benchEvents []*triage.Event
)

// demoEvents returns the first n events of the demo data (APM
// transactions and firewall logs, already decoded: the hot fields are
// extracted).
func demoEvents(b *testing.B, n int) []*triage.Event {
	benchOnce.Do(func() {
		stop := errors.New("enough")
		err := demoSource().Events(context.Background(), func(ev *triage.Event) error {
			benchEvents = append(benchEvents, ev)
			if len(benchEvents) == n {
				return stop
			}
			return nil
		})
		if err != nil && err != stop {
			b.Fatal(err)
		}
	})
	return benchEvents
}

// BenchmarkSeedRule measures the seed query rule, with its linter, over
// extracted demo events: go test -bench . -cpu 1 ./detectors/rules/
func BenchmarkSeedRule(b *testing.B) {
	evs := demoEvents(b, 200000)
	d := seedDetector(b)
	emit := func(triage.Finding) {}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		d.Observe(evs[n%len(evs)], emit)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSeedRuleAPM is BenchmarkSeedRule over the APM transactions
// only (the rule's own data).
func BenchmarkSeedRuleAPM(b *testing.B) {
	var evs []*triage.Event
	for _, ev := range demoEvents(b, 200000) {
		if ev.Processor == "transaction" {
			evs = append(evs, ev)
		}
	}
	d := seedDetector(b)
	emit := func(triage.Finding) {}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		d.Observe(evs[n%len(evs)], emit)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkLineFilter measures an ad hoc query's line filter (the KQL
// prefilter plus what the linter needs) over the raw lines of the demo
// data: the test every line of picket detect --only query pays before any
// decoding.
func BenchmarkLineFilter(b *testing.B) {
	var lines [][]byte
	for _, ev := range demoEvents(b, 200000) {
		lines = append(lines, ev.Raw)
	}
	d, err := NewQuery("http.response.status_code:403 and http.request.method:POST", Options{})
	if err != nil {
		b.Fatal(err)
	}
	d.allSeen.Store(true) // as after the first events
	keep, ok := d.LineFilter()
	if !ok {
		b.Fatal("no line filter")
	}
	var size int64
	for _, l := range lines {
		size += int64(len(l))
	}
	b.SetBytes(size / int64(len(lines)))
	b.ResetTimer()
	n, kept := 0, 0
	for b.Loop() {
		if keep(lines[n%len(lines)]) {
			kept++
		}
		n++
	}
	b.ReportMetric(100*float64(kept)/float64(n), "%kept")
}
