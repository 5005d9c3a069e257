package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"picket/triage/elastic/internal/esreq"
)

// FuzzScan feeds scanPage hostile search answers. It must return (no
// panic, no endless loop), keep what it returns proportional to the
// input (sources and sort values are spans of it, never copies; at most
// one hit per two bytes; at most 1,000 interned index names), and read
// the same page as encoding/json wherever both accept the input.
//
//	go test -run '^$' -fuzz FuzzScan -fuzztime 60s ./triage/elastic/
func FuzzScan(f *testing.F) {
	for _, tc := range scanCases {
		f.Add([]byte(tc.body))
	}
	for _, p := range fakePages(f) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		names := map[string]string{}
		type result struct {
			m    pageMeta
			hits []hitSpan
			err  error
		}
		done := make(chan result, 1)
		go func() {
			m, hits, err := scanPage(body, nil, names)
			done <- result{m, hits, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("scanPage did not return within 10s on %d bytes", len(body))
		}
		if r.err != nil {
			return
		}
		if len(r.hits) > len(body)/2 {
			t.Errorf("%d hits from %d bytes", len(r.hits), len(body))
		}
		if len(names) > 1000 {
			t.Errorf("%d interned index names", len(names))
		}
		strs := 0
		for i, h := range r.hits {
			if !spanOf(body, h.source) || !spanOf(body, h.sort) {
				t.Errorf("hit %d: _source or sort is not a span of the answer", i)
			}
			strs += len(h.id) + len(h.index)
		}
		// Each id and index name comes from its own bytes of the answer;
		// decoded, a string is at most three times as long as its JSON
		// (U+FFFD replaces one invalid byte).
		if strs > 3*len(body) {
			t.Errorf("%d bytes of ids and names from %d bytes", strs, len(body))
		}
		want, wantHits, ok := referenceScan(body)
		if !ok {
			return
		}
		if r.m != want {
			t.Errorf("meta %+v, encoding/json reads %+v", r.m, want)
		}
		if len(r.hits) != len(wantHits) {
			t.Fatalf("%d hits, encoding/json reads %d", len(r.hits), len(wantHits))
		}
		for i, h := range r.hits {
			w := wantHits[i]
			if h.index != w.index || h.id != w.id || !bytes.Equal(h.source, w.source) || !bytes.Equal(h.sort, w.sort) ||
				(h.source == nil) != (w.source == nil) || (h.sort == nil) != (w.sort == nil) {
				t.Errorf("hit %d: %q/%q %s %s; encoding/json reads %q/%q %s %s", i, h.index, h.id, h.source, h.sort, w.index, w.id, w.source, w.sort)
			}
		}
	})
}

// spanOf reports whether sub (nil allowed) lies within b.
func spanOf(b, sub []byte) bool {
	if sub == nil {
		return true
	}
	off := cap(b) - cap(sub)
	return off >= 0 && off+len(sub) <= len(b) && (len(sub) == 0 || &b[off] == &sub[0])
}

// referenceScan reads a page with encoding/json, keys matched exactly as
// Elasticsearch writes them and, for a repeated key, the last value. ok
// is false when encoding/json rejects the page or a value scanPage would
// have to read.
func referenceScan(body []byte) (m pageMeta, hits []hitSpan, ok bool) {
	m.total = -1
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top == nil {
		return m, nil, false
	}
	if v, found := top["pit_id"]; found && json.Unmarshal(v, &m.pitID) != nil {
		return m, nil, false
	}
	if v, found := top["timed_out"]; found && json.Unmarshal(v, &m.timedOut) != nil {
		return m, nil, false
	}
	if v, found := top["_shards"]; found {
		var sh struct {
			Total  int `json:"total"`
			Failed int `json:"failed"`
		}
		if json.Unmarshal(v, &sh) != nil {
			return m, nil, false
		}
		m.shards, m.failedShards = sh.Total, sh.Failed
	}
	v, found := top["hits"]
	if !found {
		return m, nil, true
	}
	var hs map[string]json.RawMessage
	if json.Unmarshal(v, &hs) != nil || hs == nil {
		return m, nil, false
	}
	if v, found := hs["total"]; found {
		var t struct {
			Value int64 `json:"value"`
		}
		if json.Unmarshal(v, &t) != nil {
			return m, nil, false
		}
		m.total = t.Value
	}
	v, found = hs["hits"]
	if !found {
		return m, nil, true
	}
	var arr []map[string]json.RawMessage
	if json.Unmarshal(v, &arr) != nil || arr == nil {
		return m, nil, false
	}
	for _, h := range arr {
		if h == nil {
			return m, nil, false
		}
		var hit hitSpan
		if v, found := h["_index"]; found && json.Unmarshal(v, &hit.index) != nil {
			return m, nil, false
		}
		if v, found := h["_id"]; found && json.Unmarshal(v, &hit.id) != nil {
			return m, nil, false
		}
		hit.source, hit.sort = h["_source"], h["sort"]
		hits = append(hits, hit)
	}
	return m, hits, true
}

// fakePages are real search answers of the fake server, pages of three
// hits, for the seed corpus.
func fakePages(tb testing.TB) [][]byte {
	srv := newFake(tb, "logs-a", 7)
	srv.Add("logs-a", `id "quoted" \ é`, []byte(`{"@timestamp":"2026-11-27T11:00:00Z","message":"line\nbreak \"q\" }]","event":{"id":""}}`))
	c := newClient(tb, srv.URL)
	ctx := context.Background()
	var pit struct {
		ID string `json:"id"`
	}
	if err := c.doJSON(ctx, "pit", esreq.OpenPointInTime([]string{"logs-a"}, "1m"), &pit); err != nil {
		tb.Fatal(err)
	}
	var pages [][]byte
	var after json.RawMessage
	for range 4 {
		body := map[string]any{"size": 3, "pit": map[string]any{"id": pit.ID}, "sort": []any{map[string]any{"@timestamp": "asc"}, map[string]any{"_shard_doc": "asc"}}, "track_total_hits": true}
		if after != nil {
			body["search_after"] = after
		}
		var buf bytes.Buffer
		if err := c.do(ctx, "search", esreq.Search(nil, jsonBody(body)), &buf); err != nil {
			tb.Fatal(err)
		}
		pages = append(pages, bytes.Clone(buf.Bytes()))
		_, hits, err := scanPage(buf.Bytes(), nil, nil)
		if err != nil || len(hits) == 0 {
			break
		}
		after = hits[len(hits)-1].sort
	}
	if len(pages) < 3 {
		tb.Fatalf("only %d pages from the fake server", len(pages))
	}
	return pages
}
