package elastic

import (
	"bytes"
	"context"
	"syscall"
	"testing"
	"time"

	"picket/triage/elastic/internal/esreq"

	"picket/triage"
)

// BenchmarkPull pulls 50,000 ~1 KB APM documents from the in-process fake
// server in pages of 5,000 through the real client: search, page decode
// with triage's Decoder, hand-off to a consumer. The fake server shares
// the machine's cores, so this is a floor for a real cluster's client side.
//
//	go test -run '^$' -bench Pull -benchtime 5x ./triage/elastic/
func BenchmarkPull(b *testing.B) {
	const docs = 50000
	srv := newFake(b, "traces-apm-default", docs)
	c := newClient(b, srv.URL)
	q := Query{Indices: []string{"traces-apm-*"}}
	// Warm the server's query cache: it keeps matches per point in time,
	// like a real node's caches would, so each iteration measures paging.
	b.ResetTimer()
	b.ReportAllocs()
	cpu0 := cpuTime()
	total := 0
	for b.Loop() {
		n := 0
		err := c.NewSource(q, SourceOptions{}).Events(context.Background(), func(ev *triage.Event) error {
			if ev.ID != "" {
				n++
			}
			return nil
		})
		if err != nil || n != docs {
			b.Fatalf("pulled %d, %v", n, err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(total)/(cpuTime()-cpu0).Seconds(), "docs/cpu-s")
}

// cpuTime is the CPU time this process used (all threads, user and
// system). docs per CPU-second stays meaningful when other processes
// compete for the cores; for BenchmarkPull it includes the fake server.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPageDecode measures the client's own work per page without
// the network or the fake server: scanning the answer and decoding its
// 5,000 hits into events with triage's Decoder.
//
//	go test -run '^$' -bench PageDecode ./triage/elastic/
func BenchmarkPageDecode(b *testing.B) {
	const docs = 5000
	srv := newFake(b, "traces-apm-default", docs)
	c := newClient(b, srv.URL)
	// Fetch one real page body through the client.
	var body []byte
	src := c.NewSource(Query{Indices: []string{"traces-apm-*"}}, SourceOptions{PageSize: docs})
	pit, err := src.openPIT(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	req := map[string]any{"size": docs, "pit": map[string]any{"id": pit.ID(), "keep_alive": "1m"},
		"sort": []any{map[string]any{"@timestamp": "asc"}, map[string]any{"_shard_doc": "asc"}}}
	if err := c.do(context.Background(), "search", esreq.Search(nil, jsonBody(req)), &buf); err != nil {
		b.Fatal(err)
	}
	body = buf.Bytes()
	src.closePIT(context.Background(), pit)
	dec := triage.NewDecoder()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	n := 0
	names := map[string]string{}
	for b.Loop() {
		_, hits, err := scanPage(body, nil, names)
		if err != nil || len(hits) != docs || len(hits[docs-1].sort) == 0 {
			b.Fatalf("scanned %d hits, %v", len(hits), err)
		}
		for i, h := range hits {
			ev, err := src.decode(dec, h, 1, i)
			if err != nil {
				b.Fatal(err)
			}
			if ev.ID != "" {
				n++
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "docs/cpu-s")
}
