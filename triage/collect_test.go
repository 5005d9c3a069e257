package triage

import (
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// srcEvent is an event as a source decodes it: its document holds its id
// and source address (the collection keeps documents, not structs).
func srcEvent(id string, ip netip.Addr) *Event {
	doc := `{"event":{"id":` + strconv.Quote(id) + `}`
	if ip.IsValid() {
		doc += `,"source":{"ip":"` + ip.String() + `"}`
	}
	ev, err := ParseEvent([]byte(doc+"}"), "test")
	if err != nil {
		panic(err)
	}
	return ev
}

func collectIDs(each func(func(*Event) bool), stopAfter int) []string {
	var out []string
	each(func(ev *Event) bool {
		out = append(out, ev.ID)
		return stopAfter == 0 || len(out) < stopAfter
	})
	return out
}

func TestCollectionEachEvent(t *testing.T) {
	a, b := netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("198.51.100.1")
	mapped := netip.MustParseAddr("::ffff:203.0.113.7")
	tests := []struct {
		name     string
		keep     int
		events   []*Event
		stop     int
		all      []string // EachEvent
		fromA    []string // EachEventFrom(a)
		wantFull bool
	}{
		{
			name:   "arrival order and index",
			events: []*Event{srcEvent("1", a), srcEvent("2", b), srcEvent("3", a), srcEvent("4", netip.Addr{})},
			all:    []string{"1", "2", "3", "4"},
			fromA:  []string{"1", "3"},
		},
		{
			name:   "stop early",
			events: []*Event{srcEvent("1", a), srcEvent("2", a), srcEvent("3", a)},
			stop:   2,
			all:    []string{"1", "2"},
			fromA:  []string{"1", "2"},
		},
		{
			name:   "mapped address is the same source",
			events: []*Event{srcEvent("1", mapped), srcEvent("2", a)},
			all:    []string{"1", "2"},
			fromA:  []string{"1", "2"},
		},
		{
			// Ids come from clients: two events sharing one are two events.
			name:   "duplicate ids are kept as separate events",
			events: []*Event{srcEvent("1", a), srcEvent("2", a), srcEvent("1", b)},
			all:    []string{"1", "2", "1"},
			fromA:  []string{"1", "2"},
		},
		{
			name:     "cap",
			keep:     2,
			events:   []*Event{srcEvent("1", a), srcEvent("2", b), srcEvent("3", a)},
			all:      []string{"1", "2"},
			fromA:    []string{"1"},
			wantFull: true,
		},
		{
			name:  "empty",
			all:   nil,
			fromA: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCollection(tc.keep)
			for _, ev := range tc.events {
				c.AddEvent(ev)
			}
			if got := collectIDs(c.EachEvent, tc.stop); !slices.Equal(got, tc.all) {
				t.Errorf("EachEvent = %v, want %v", got, tc.all)
			}
			from := func(fn func(*Event) bool) { c.EachEventFrom(a, fn) }
			if got := collectIDs(from, tc.stop); !slices.Equal(got, tc.fromA) {
				t.Errorf("EachEventFrom(%s) = %v, want %v", a, got, tc.fromA)
			}
			if c.Full() != tc.wantFull {
				t.Errorf("Full() = %v, want %v", c.Full(), tc.wantFull)
			}
		})
	}
}

// TestCollectionEachEventLarge crosses batch boundaries: every event is
// seen once, in order, from both iterations.
func TestCollectionEachEventLarge(t *testing.T) {
	a := netip.MustParseAddr("192.0.2.1")
	c := NewCollection(0)
	const n = 3*eachBatch + 7
	for i := range n {
		ip := a
		if i%3 == 0 {
			ip = netip.MustParseAddr("192.0.2.2")
		}
		c.AddEvent(srcEvent(fmt.Sprint(i), ip))
	}
	for name, tc := range map[string]struct {
		each func(func(*Event) bool)
		want int
	}{
		"all":  {c.EachEvent, n},
		"from": {func(fn func(*Event) bool) { c.EachEventFrom(a, fn) }, n - (n+2)/3},
	} {
		t.Run(name, func(t *testing.T) {
			got := collectIDs(tc.each, 0)
			if len(got) != tc.want {
				t.Fatalf("%d events, want %d", len(got), tc.want)
			}
			seen := map[string]bool{}
			for _, id := range got {
				if seen[id] {
					t.Fatalf("event %s seen twice", id)
				}
				seen[id] = true
			}
		})
	}
}

// TestCollectionEachEventConcurrent scans while the engine adds: no race
// (run with -race), no event seen twice, nothing present at the start
// missed.
func TestCollectionEachEventConcurrent(t *testing.T) {
	a := netip.MustParseAddr("192.0.2.1")
	c := NewCollection(0)
	for i := range 1000 {
		c.AddEvent(srcEvent(fmt.Sprint(i), a))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1000; i < 3000; i++ {
			c.AddEvent(srcEvent(fmt.Sprint(i), a))
		}
	}()
	for _, each := range []func(func(*Event) bool){c.EachEvent, func(fn func(*Event) bool) { c.EachEventFrom(a, fn) }} {
		seen := map[string]bool{}
		each(func(ev *Event) bool {
			if seen[ev.ID] {
				t.Errorf("event %s seen twice", ev.ID)
			}
			seen[ev.ID] = true
			return true
		})
		if len(seen) < 1000 {
			t.Errorf("saw %d events, want at least the 1000 present at the start", len(seen))
		}
	}
	wg.Wait()
	if got := len(collectIDs(c.EachEvent, 0)); got != 3000 {
		t.Errorf("after the writer: %d events, want 3000", got)
	}
}

func TestCollectionCountByDetector(t *testing.T) {
	tests := []struct {
		name     string
		findings []string // detectors, one finding each
		want     map[string]int
	}{
		{"empty", nil, map[string]int{}},
		{"several", []string{"appsensor:RE2", "query", "appsensor:RE2"}, map[string]int{"appsensor:RE2": 2, "query": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCollection(0)
			for _, d := range tc.findings {
				c.AddFinding(Finding{Detector: d, Evidence: RefsFromIDs([]string{"e"})})
			}
			got := c.CountByDetector()
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for d, n := range tc.want {
				if got[d] != n {
					t.Errorf("%s: %d, want %d", d, got[d], n)
				}
			}
		})
	}
}

// TestCollectionKeepsEventsWhole: a kept event comes back as the source
// decoded it, whatever its id, origin or index, including a hit's _id.
func TestCollectionKeepsEventsWhole(t *testing.T) {
	docs := []struct{ raw, origin string }{
		{`{"@timestamp":"2026-11-02T10:00:00Z","event":{"id":"x"},"source":{"ip":"203.0.113.5"},"http":{"request":{"method":["GET","POST"]},"response":{"status_code":403}},"user_agent":{"original":"curl/8"},"url":{"original":"/a?b=c"}}`, "f.ndjson:1"},
		{`{"_index":"logs-1","_id":"hit-9","_source":{"source":{"ip":"2001:db8::7"},"user":{"name":"anna"}}}`, "f.ndjson:2"},
		{`{"message":"no id, \u001b[2J hostile"}`, "f.ndjson:3"},
	}
	c := NewCollection(0)
	var want []*Event
	for _, d := range docs {
		ev, err := ParseEvent([]byte(d.raw), d.origin)
		if err != nil {
			t.Fatal(err)
		}
		ev.Seq = uint64(len(want) + 1)
		want = append(want, ev)
		c.AddEvent(ev)
	}
	for _, w := range want {
		got, ok := c.Event(w.Ref())
		if !ok {
			t.Fatalf("event %d not kept", w.Seq)
		}
		if got.ID != w.ID || got.Index != w.Index || got.Origin != w.Origin || got.Seq != w.Seq ||
			got.SourceIP != w.SourceIP || got.Method != w.Method || got.StatusCode != w.StatusCode ||
			got.UserName != w.UserName || string(got.Raw) != string(w.Raw) || !slices.Equal(got.Strings("http.request.method"), w.Strings("http.request.method")) {
			t.Errorf("kept event %d came back as %+v, want %+v", w.Seq, got, w)
		}
	}
	if ev, ok := c.EventByID("hit-9"); !ok || ev.Index != "logs-1" {
		t.Errorf("EventByID(hit-9) = %+v, %v", ev, ok)
	}
}

// BenchmarkCollectionMemory reports the heap a kept event costs (the
// events themselves are on disk).
func BenchmarkCollectionMemory(b *testing.B) {
	raw := []byte(`{"@timestamp":"2026-11-02T10:00:00Z","source":{"ip":"203.0.113.5"},"http":{"request":{"method":"GET"},"response":{"status_code":200}},"user_agent":{"original":"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/123.0"},"url":{"original":"/products/123?ref=home"}}`)
	for range b.N {
		c := NewCollection(0)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		const n = 100_000
		for i := range n {
			ev, _ := ParseEvent(raw, "bench")
			ev.SourceIP = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
			c.AddEvent(ev)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/n, "heap-B/event")
		c.Close()
	}
}

// TestEachEventBetween: only events in the window are visited (and those
// without a time), across block boundaries, in arrival order.
func TestEachEventBetween(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	c := NewCollection(0)
	const n = 3*eachBatch + 11
	for i := range n {
		doc := fmt.Sprintf(`{"event":{"id":"%d"},"@timestamp":%q}`, i, t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339))
		if i == 5 {
			doc = `{"event":{"id":"5"}}` // no time: always visited
		}
		ev, _ := ParseEvent([]byte(doc), "t")
		c.AddEvent(ev)
	}
	tests := []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"open", time.Time{}, time.Time{}, n},
		{"one hour", t0.Add(600 * time.Minute), t0.Add(659 * time.Minute), 60 + 1},
		{"before everything", t0.Add(-time.Hour), t0.Add(-time.Minute), 1},
		{"from only", t0.Add(time.Duration(n-10) * time.Minute), time.Time{}, 10 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []*Event
			c.EachEventBetween(tt.from, tt.to, func(ev *Event) bool { got = append(got, ev); return true })
			if len(got) != tt.want {
				t.Errorf("%d events, want %d", len(got), tt.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].Seq <= got[i-1].Seq {
					t.Fatalf("out of order at %d", i)
				}
			}
		})
	}
}

// The console reads the groups while the engine adds findings: the top
// of the queue and the full list may be taken at any moment (the race
// detector watches), and once sealed, Groups hands out the same groups
// every time, in queue order.
func TestCollectionGroupsWhileAdding(t *testing.T) {
	c := NewCollection(0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20_000 {
			c.AddFinding(Finding{Detector: "appsensor:RE2", Severity: Severity(i % 4), RiskScore: i % 100,
				SourceIP: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8 % 64), byte(i)}), UserAgent: "ua",
				Timestamp: time.Unix(int64(i)*60, 0), Evidence: RefsFromIDs([]string{"e"}), EventCount: 1})
		}
	}()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		top, groups, findings := c.TopGroups(10)
		if len(top) > 10 || len(top) > groups || groups > findings {
			t.Fatalf("top %d of %d groups, %d findings", len(top), groups, findings)
		}
		_ = c.Groups()
	}
	c.Seal()
	a, b := c.Groups(), c.Groups()
	if len(a) != 64*256 || !slices.Equal(a, b) {
		t.Fatalf("sealed: %d groups, shared %v", len(a), slices.Equal(a, b))
	}
	top, _, _ := c.TopGroups(10)
	for i, g := range top {
		if g.Key != a[i].Key {
			t.Errorf("top %d is %s, the queue's is %s", i, g.Key, a[i].Key)
		}
	}
}

// A finding that arrives after Seal must not change the groups already
// handed out: readers hold them without the lock.
func TestCollectionLateFindingLeavesSharedGroups(t *testing.T) {
	c := NewCollection(0)
	f := Finding{Detector: "appsensor:RE2", Severity: Low, RiskScore: 21, SourceIP: netip.MustParseAddr("192.0.2.1"), UserAgent: "ua",
		Timestamp: time.Unix(3600, 0), Evidence: RefsFromIDs([]string{"e"}), EventCount: 1}
	c.AddFinding(f)
	c.Seal()
	shared := c.Groups()[0]
	f.Severity, f.RiskScore = High, 73
	c.AddFinding(f)
	if shared.Findings != 1 || shared.Risk != 21 || shared.MaxSeverity != Low {
		t.Errorf("a shared group changed: %+v", shared)
	}
	if g := c.Groups()[0]; g.Findings != 2 || g.Risk != 94 || g.MaxSeverity != High {
		t.Errorf("the collection's group %+v, want both findings", g)
	}
}
