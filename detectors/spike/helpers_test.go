package spike

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"picket/triage"
)

// doc builds an ECS document from dotted keys; nested objects and dotted
// keys both reach the detector the same way, so tests use whichever reads
// best.
type doc map[string]any

func parse(tb testing.TB, d doc) *triage.Event {
	tb.Helper()
	raw, err := json.Marshal(map[string]any(d))
	if err != nil {
		tb.Fatal(err)
	}
	ev, err := triage.ParseEvent(raw, "test")
	if err != nil {
		tb.Fatal(err)
	}
	return ev
}

// deny is a firewall deny as Elastic's integrations write it.
func deny(ts time.Time, id, src string, port int) doc {
	return doc{
		"@timestamp": ts.Format(time.RFC3339Nano),
		"event": map[string]any{
			"id":       id,
			"category": []string{"network"},
			"type":     []string{"connection", "denied"},
			"outcome":  "failure",
			"action":   "block",
		},
		"source":      map[string]any{"ip": src, "geo": map[string]any{"country_name": "Netherlands"}},
		"destination": map[string]any{"port": port, "geo": map[string]any{"country_name": "Germany"}, "as": map[string]any{"organization": map[string]any{"name": "Example Hosting GmbH"}}},
	}
}

// allowed is a logged pass of the same firewall.
func allowed(ts time.Time, id string) doc {
	return doc{
		"@timestamp": ts.Format(time.RFC3339Nano),
		"event.id":   id,
		"event": map[string]any{
			"category": []string{"network"},
			"type":     []string{"connection", "allowed"},
			"outcome":  "success",
			"action":   "pass",
		},
		"source.ip":        "192.0.2.44",
		"destination.port": 443,
	}
}

// collect runs the detector over evs and returns its findings.
func collect(d *Detector, evs []*triage.Event) []triage.Finding {
	var fs []triage.Finding
	emit := func(f triage.Finding) { fs = append(fs, f) }
	for _, ev := range evs {
		d.Observe(ev, emit)
	}
	d.Flush(emit)
	return fs
}

// eventsFor turns a series of bucket counts into deny events spread over
// each bucket, from background sources and ports.
func eventsFor(tb testing.TB, start time.Time, span time.Duration, counts []float64, seed uint64) []*triage.Event {
	tb.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	var evs []*triage.Event
	for i, c := range counts {
		bs := start.Add(time.Duration(i) * span)
		for k := range int(c) {
			ts := bs.Add(time.Duration(r.Int64N(int64(span))))
			src := fmt.Sprintf("198.18.%d.%d", r.IntN(200), 1+r.IntN(250))
			evs = append(evs, parse(tb, deny(ts, fmt.Sprintf("b%d-%d", i, k), src, 20+r.IntN(30))))
		}
	}
	return evs
}
