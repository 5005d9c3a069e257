package triage

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
)

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
			events: []*Event{{ID: "1", SourceIP: a}, {ID: "2", SourceIP: b}, {ID: "3", SourceIP: a}, {ID: "4"}},
			all:    []string{"1", "2", "3", "4"},
			fromA:  []string{"1", "3"},
		},
		{
			name:   "stop early",
			events: []*Event{{ID: "1", SourceIP: a}, {ID: "2", SourceIP: a}, {ID: "3", SourceIP: a}},
			stop:   2,
			all:    []string{"1", "2"},
			fromA:  []string{"1", "2"},
		},
		{
			name:   "mapped address is the same source",
			events: []*Event{{ID: "1", SourceIP: mapped}, {ID: "2", SourceIP: a}},
			all:    []string{"1", "2"},
			fromA:  []string{"1", "2"},
		},
		{
			// Ids come from clients: two events sharing one are two events.
			name:   "duplicate ids are kept as separate events",
			events: []*Event{{ID: "1", SourceIP: a}, {ID: "2", SourceIP: a}, {ID: "1", SourceIP: b}},
			all:    []string{"1", "2", "1"},
			fromA:  []string{"1", "2"},
		},
		{
			name:     "cap",
			keep:     2,
			events:   []*Event{{ID: "1", SourceIP: a}, {ID: "2", SourceIP: b}, {ID: "3", SourceIP: a}},
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
		c.AddEvent(&Event{ID: fmt.Sprint(i), SourceIP: ip})
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
		c.AddEvent(&Event{ID: fmt.Sprint(i), SourceIP: a})
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1000; i < 3000; i++ {
			c.AddEvent(&Event{ID: fmt.Sprint(i), SourceIP: a})
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
