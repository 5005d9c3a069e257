package spike

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"picket/triage"
)

// BenchmarkScore14Days scores 14 days of 15-minute buckets (1344), the
// whole of Flush's model work for the demo's fortnight.
func BenchmarkScore14Days(b *testing.B) {
	c := series(1, busy, 14, 0.1)
	if len(c) != 1344 {
		b.Fatalf("%d buckets", len(c))
	}
	p := newParams(quarter, DefaultThreshold)
	b.ReportAllocs()
	for b.Loop() {
		run(p, c)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/op")
}

// BenchmarkFlush14Days adds what Flush does around the model: the dense
// series, the Buckets for the histogram with their influencers, and the
// findings.
func BenchmarkFlush14Days(b *testing.B) {
	counts := series(2, season{night: 1, day: 6, weekend: 0.8}, 14, 0.1)
	counts[at(10, 3, 0)] += 200
	evs := eventsFor(b, t0, quarter, counts, 3)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		d := New(Options{})
		for _, ev := range evs {
			d.Observe(ev, func(triage.Finding) {})
		}
		b.StartTimer()
		d.Flush(func(triage.Finding) {})
	}
}

// mixedEvents is a firewall stream of denies, allowed traffic and drops
// only the action marks, plus APM transactions the detector must pass over
// cheaply.
func mixedEvents(b *testing.B) []*triage.Event {
	r := rand.New(rand.NewPCG(1, 2))
	var evs []*triage.Event
	for i := range 4000 {
		ts := t0.Add(time.Duration(i) * 3 * time.Second)
		id := fmt.Sprint("e", i)
		switch i % 4 {
		case 0, 1:
			evs = append(evs, parse(b, deny(ts, id, fmt.Sprintf("198.18.%d.%d", r.IntN(200), 1+r.IntN(250)), r.IntN(1024))))
		case 2:
			evs = append(evs, parse(b, allowed(ts, id)))
		default:
			evs = append(evs, parse(b, doc{
				"@timestamp": ts.Format(time.RFC3339Nano), "event.id": id,
				"processor.event": "transaction", "transaction.name": "GET /products/:id",
				"http.request.method": "GET", "http.response.status_code": 200, "event.outcome": "success",
				"url.original": "/products/42?ref=home", "user_agent.original": "Mozilla/5.0 (X11; Linux x86_64)",
			}))
		}
	}
	return evs
}

// BenchmarkObserve is the per-event cost of the counting pass: half the
// events are denies (counted, influencers tallied), a quarter allowed
// traffic, a quarter application events.
func BenchmarkObserve(b *testing.B) {
	evs := mixedEvents(b)
	emit := func(triage.Finding) {}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		d := New(Options{})
		for _, ev := range evs {
			d.Observe(ev, emit)
		}
		n += len(evs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
