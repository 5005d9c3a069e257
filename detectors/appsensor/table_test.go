package appsensor

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

// keysByAge lists a table's keys from the least to the most recently used.
func keysByAge[V any](t *table[string, V]) []string {
	var out []string
	t.oldest(func(k string, _ *V) bool {
		out = append(out, k)
		return true
	})
	return out
}

// TestTable drives one table through a script of operations and checks
// its keys by age, what was evicted, and the count after each step.
func TestTable(t *testing.T) {
	type step struct {
		op, key string   // "add", "get", "peek", "remove", "upsert"
		want    []string // keys by age afterwards
		evicted []string // keys onEvict saw so far
	}
	tests := []struct {
		name  string
		limit int
		steps []step
	}{
		{"fills up to its limit", 3, []step{
			{"add", "a", []string{"a"}, nil},
			{"add", "b", []string{"a", "b"}, nil},
			{"add", "c", []string{"a", "b", "c"}, nil},
		}},
		{"forgets the least recently used", 2, []step{
			{"add", "a", []string{"a"}, nil},
			{"add", "b", []string{"a", "b"}, nil},
			{"add", "c", []string{"b", "c"}, []string{"a"}},
			{"add", "d", []string{"c", "d"}, []string{"a", "b"}},
		}},
		{"get marks used, peek does not", 3, []step{
			{"add", "a", []string{"a"}, nil},
			{"add", "b", []string{"a", "b"}, nil},
			{"add", "c", []string{"a", "b", "c"}, nil},
			{"get", "a", []string{"b", "c", "a"}, nil},
			{"peek", "b", []string{"b", "c", "a"}, nil},
			{"add", "d", []string{"c", "a", "d"}, []string{"b"}},
		}},
		{"get of the newest keeps the order", 2, []step{
			{"add", "a", []string{"a"}, nil},
			{"add", "b", []string{"a", "b"}, nil},
			{"get", "b", []string{"a", "b"}, nil},
		}},
		{"remove frees a slot without eviction", 2, []step{
			{"add", "a", []string{"a"}, nil},
			{"add", "b", []string{"a", "b"}, nil},
			{"remove", "a", []string{"b"}, nil},
			{"add", "c", []string{"b", "c"}, nil},
			{"remove", "c", []string{"b"}, nil},
			{"remove", "b", nil, nil},
			{"remove", "zz", nil, nil},
			{"add", "d", []string{"d"}, nil},
		}},
		{"upsert adds once, then marks used", 2, []step{
			{"upsert", "a", []string{"a"}, nil},
			{"upsert", "b", []string{"a", "b"}, nil},
			{"upsert", "a", []string{"b", "a"}, nil},
			{"upsert", "c", []string{"a", "c"}, []string{"b"}},
		}},
		{"a limit below one holds one", 0, []step{
			{"add", "a", []string{"a"}, nil},
			{"add", "b", []string{"b"}, []string{"a"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newTable[string, int](tt.limit)
			var evicted []string
			tb.onEvict = func(k string, v *int) {
				if *v != len(k) {
					t.Errorf("onEvict(%q) saw value %d", k, *v)
				}
				evicted = append(evicted, k)
			}
			for i, s := range tt.steps {
				switch s.op {
				case "add":
					*tb.add(s.key) = len(s.key)
				case "upsert":
					v, _ := tb.upsert(s.key)
					*v = len(s.key)
				case "get":
					if v := tb.get(s.key); v == nil || *v != len(s.key) {
						t.Fatalf("step %d: get(%q) = %v", i, s.key, v)
					}
				case "peek":
					if v := tb.peek(s.key); v == nil || *v != len(s.key) {
						t.Fatalf("step %d: peek(%q) = %v", i, s.key, v)
					}
				case "remove":
					tb.remove(s.key)
					if tb.peek(s.key) != nil {
						t.Fatalf("step %d: %q still present", i, s.key)
					}
				}
				if got := keysByAge(tb); !slices.Equal(got, s.want) {
					t.Fatalf("step %d (%s %s): keys %v, want %v", i, s.op, s.key, got, s.want)
				}
				if !slices.Equal(evicted, s.evicted) || tb.evicted != len(s.evicted) {
					t.Fatalf("step %d: evicted %v (count %d), want %v", i, evicted, tb.evicted, s.evicted)
				}
				if tb.len() != len(s.want) {
					t.Fatalf("step %d: len %d, want %d", i, tb.len(), len(s.want))
				}
			}
		})
	}
}

// TestTableValuesStay: a value's address holds across growth, other keys'
// evictions and removals, and a reused slot starts from the zero value.
func TestTableValuesStay(t *testing.T) {
	tb := newTable[int, [4]int](1000)
	ptrs := map[int]*[4]int{}
	for i := range 1000 {
		p := tb.add(i)
		p[0] = i
		ptrs[i] = p
	}
	for i := 0; i < 1000; i += 2 {
		tb.remove(i)
	}
	for i := 1; i < 1000; i += 2 {
		if tb.get(i) != ptrs[i] || ptrs[i][0] != i {
			t.Fatalf("key %d moved or changed", i)
		}
	}
	for i := 1000; i < 1500; i++ {
		if p := tb.add(i); *p != [4]int{} {
			t.Fatalf("reused slot for %d not zeroed: %v", i, *p)
		}
	}
	if tb.len() != 1000 || tb.evicted != 0 {
		t.Fatalf("len %d evicted %d, want 1000 and 0", tb.len(), tb.evicted)
	}
	tb.add(1500) // full: the least recently used (key 1, read first above) goes
	if tb.peek(1) != nil || tb.evicted != 1 {
		t.Fatalf("key 1 not evicted (evicted %d)", tb.evicted)
	}
}

// TestTableApproximate: in an approximate table a key used again soon
// after its last move stays put; the rest keeps exact order, and the cap
// holds.
func TestTableApproximate(t *testing.T) {
	tb := newTable[string, int](8).approximate(2)
	for _, k := range []string{"a", "b", "c", "d"} {
		tb.add(k)
	}
	tb.get("d") // moved 0 moves ago: stays
	tb.get("c") // 1 move ago: stays
	tb.get("a") // 3 moves ago: to the front
	if got, want := keysByAge(tb), []string{"b", "c", "d", "a"}; !slices.Equal(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}
	for i := range 100 {
		tb.add(fmt.Sprint(i))
		tb.get("a")
	}
	if tb.len() != 8 || tb.evicted != 96 || tb.peek("a") == nil {
		t.Fatalf("len %d evicted %d, a kept %v", tb.len(), tb.evicted, tb.peek("a") != nil)
	}
}

// TestTableOldestStops: oldest stops when fn says so.
func TestTableOldestStops(t *testing.T) {
	tb := newTable[string, int](4)
	for _, k := range []string{"a", "b", "c"} {
		tb.add(k)
	}
	var seen []string
	tb.oldest(func(k string, _ *int) bool {
		seen = append(seen, k)
		return k != "b"
	})
	if !slices.Equal(seen, []string{"a", "b"}) {
		t.Fatalf("saw %v", seen)
	}
}

// BenchmarkTableGet is the cost of using a present key: the work every
// per-actor and per-route lookup does.
func BenchmarkTableGet(b *testing.B) {
	for _, approx := range []bool{false, true} {
		b.Run(fmt.Sprintf("approximate=%v", approx), func(b *testing.B) {
			tb := newTable[uint64, int](4096)
			if approx {
				tb.approximate(1024)
			}
			for i := range uint64(4096) {
				tb.add(i)
			}
			i := uint64(0)
			for b.Loop() {
				*tb.get(i & 1023)++
				i++
			}
		})
	}
}

// TestFullTablesSayWhatTheyDropped: past each cap the points keep
// working, report what the cap cost in a lint, and lose no finding that
// was already open.
func TestFullTablesSayWhatTheyDropped(t *testing.T) {
	ip := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}) }
	tests := []struct {
		name      string
		det       triage.Detector
		actors    int
		ev        func(i int) *triage.Event
		findings  int
		lintCount int
		lintSays  string
	}{
		{
			name: "open bursts", det: newRE2(nil, nil), actors: maxOpenBursts + 3,
			ev: func(i int) *triage.Event {
				return &triage.Event{ID: fmt.Sprint(i), Timestamp: t0, SourceIP: ip(i), Method: "FOO"}
			},
			findings: maxOpenBursts + 3, lintCount: 3, lintSays: "actors with an open finding",
		},
		{
			name: "windowed actors", det: newAccessPoints(Options{Actor: ActorOptions{MaxActors: 50}}, nil)[2], // ACE3
			actors: 80,
			ev: func(i int) *triage.Event {
				return &triage.Event{ID: fmt.Sprint(i), Timestamp: t0.Add(time.Duration(i) * time.Millisecond), SourceIP: ip(i), Method: "GET", URLPath: "/nope", StatusCode: 404}
			},
			lintCount: 30, lintSays: "more than 50 actors at once",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []triage.Finding
			emit := func(f triage.Finding) { got = append(got, f) }
			for i := range tt.actors {
				tt.det.Observe(tt.ev(i), emit)
			}
			tt.det.Flush(emit)
			if len(got) != tt.findings {
				t.Errorf("%d findings, want %d", len(got), tt.findings)
			}
			lints := tt.det.(triage.Linter).Lints()
			if len(lints) != 1 || lints[0].Count != tt.lintCount || !strings.Contains(lints[0].Message, tt.lintSays) {
				t.Errorf("lints = %+v, want one counting %d saying %q", lints, tt.lintCount, tt.lintSays)
			}
		})
	}
}

// TestGateCapDropsOldestWaiting: hits waiting below a gate are bounded;
// when full, the actor waiting longest loses its hits, and a lint says so.
func TestGateCapDropsOldestWaiting(t *testing.T) {
	g := &gate{b: newBursts(pointInfo("RE5", "test"), "request")}
	emit := func(triage.Finding) { t.Fatal("no actor reached its gate") }
	for i := range maxGated + 2 {
		ev := &triage.Event{ID: fmt.Sprint(i), Timestamp: t0, SourceIP: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})}
		g.hit(ev, "odd", 3, nil, emit)
	}
	if g.waiting() != maxGated {
		t.Errorf("%d actors waiting, want %d", g.waiting(), maxGated)
	}
	if l := g.lints(); len(l) != 1 || l[0].Count != 2 {
		t.Errorf("lints = %+v", l)
	}
}
