package ndjson

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"picket/triage"
)

// apmDoc returns a realistic ~1 KB APM transaction document, as APM Server
// writes them (nested objects, arrays of header values).
func apmDoc(i int) string {
	return fmt.Sprintf(`{"@timestamp":"2026-11-0%dT10:%02d:%02d.%03dZ","agent":{"name":"go","version":"2.6.0"},`+
		`"client":{"ip":"198.51.100.%d"},"source":{"ip":"198.51.100.%d","port":%d},`+
		`"data_stream":{"dataset":"apm","namespace":"default","type":"traces"},"ecs":{"version":"8.11.0"},`+
		`"event":{"outcome":"success","ingested":"2026-11-01T10:00:01Z"},"host":{"hostname":"web-%d","os":{"platform":"linux"}},`+
		`"http":{"request":{"method":"GET","headers":{"Accept":["text/html,application/xhtml+xml"],"Accept-Language":["en-GB,en;q=0.9"],"Host":["shop.example.com"]}},`+
		`"response":{"status_code":200,"headers":{"Content-Type":["text/html; charset=utf-8"]}},"version":"1.1"},`+
		`"observer":{"hostname":"apm-1","type":"apm-server","version":"8.11.0"},"processor":{"event":"transaction"},`+
		`"service":{"name":"shop-web","environment":"production","node":{"name":"web-%d"}},`+
		`"trace":{"id":"%032x"},"transaction":{"duration":{"us":%d},"id":"%016x","name":"GET /products/:id","result":"HTTP 2xx","sampled":true,"type":"request"},`+
		`"url":{"domain":"shop.example.com","full":"https://shop.example.com/products/%d?ref=home","original":"/products/%d?ref=home","path":"/products/%d","port":443,"query":"ref=home","scheme":"https"},`+
		`"user_agent":{"name":"Chrome","original":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36","os":{"name":"Windows"}}}`,
		i%9+1, i%60, i%60, i%1000, i%250, i%250, 30000+i%30000, i%4, i%4, i, 1000+i%5000, i, i%900, i%900, i%900)
}

func benchFile(b *testing.B, n int) (string, int64) {
	b.Helper()
	var buf bytes.Buffer
	for i := range n {
		buf.WriteString(apmDoc(i))
		buf.WriteByte('\n')
	}
	p := filepath.Join(b.TempDir(), "apm.ndjson")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return p, int64(buf.Len())
}

// BenchmarkRead measures reading plus hot-field extraction over ~1 KB APM
// documents, the whole pipeline `picket detect` uses before detectors.
func BenchmarkRead(b *testing.B) {
	p, size := benchFile(b, 50000)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := New([]string{p}, Options{}).Events(context.Background(), func(ev *triage.Event) error {
			n++
			return nil
		})
		if err != nil || n != 50000 {
			b.Fatal(err, n)
		}
	}
}

// BenchmarkDecode measures hot-field extraction alone, one goroutine.
func BenchmarkDecode(b *testing.B) {
	line := []byte(apmDoc(7))
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	d := triage.NewDecoder()
	for b.Loop() {
		if _, err := d.Decode(line, "bench:1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet measures resolving a cold path on a kept event.
func BenchmarkGet(b *testing.B) {
	ev, err := triage.ParseEvent([]byte(apmDoc(7)), "bench:1")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(ev.Get("http.request.headers.Host")) != 1 {
			b.Fatal("no host")
		}
	}
}

// BenchmarkReadProjected is BenchmarkRead decoding only what one KQL rule
// on method and status needs (see triage.Projection).
func BenchmarkReadProjected(b *testing.B) {
	p, size := benchFile(b, 50000)
	plan := triage.ReadPlan{Fields: triage.ProjectFields("http.request.method", "http.response.status_code")}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := New([]string{p}, Options{}).EventsPlanned(context.Background(), plan, func(ev *triage.Event) error {
			n++
			return nil
		}, func(int) {})
		if err != nil || n != 50000 {
			b.Fatal(err, n)
		}
	}
}

// BenchmarkReadFiltered is BenchmarkReadProjected with a line filter that
// keeps one line in a hundred (bytes.Contains stands in for a KQL
// prefilter): the cost of reading, splitting and testing lines.
func BenchmarkReadFiltered(b *testing.B) {
	p, size := benchFile(b, 50000)
	needle := []byte(`"/products/7?`)
	plan := triage.ReadPlan{
		Fields: triage.ProjectFields("http.request.method", "http.response.status_code"),
		Keep:   func(line []byte) bool { return bytes.Contains(line, needle) },
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		n, skipped := 0, 0
		err := New([]string{p}, Options{}).EventsPlanned(context.Background(), plan, func(ev *triage.Event) error {
			n++
			return nil
		}, func(k int) { skipped += k })
		if err != nil || n+skipped != 50000 || n == 0 {
			b.Fatal(err, n, skipped)
		}
	}
}

// BenchmarkDecodeProjected is BenchmarkDecode decoding two hot fields.
func BenchmarkDecodeProjected(b *testing.B) {
	line := []byte(apmDoc(7))
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	d := triage.NewDecoder()
	d.Project(triage.ProjectFields("http.request.method", "http.response.status_code"))
	var evs []*triage.Event
	for b.Loop() {
		var err error
		if evs, err = d.DecodeTo(evs[:0], line, "bench:1"); err != nil {
			b.Fatal(err)
		}
	}
}
