package triage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func finding(ip, ua, det string, sev Severity, risk int, at time.Duration) Finding {
	return Finding{Detector: det, Severity: sev, RiskScore: risk, Timestamp: t0.Add(at),
		SourceIP: netip.MustParseAddr(ip), UserAgent: ua, Evidence: RefsFromIDs([]string{"e"})}
}

func TestGrouperOrderAndCounts(t *testing.T) {
	var gr Grouper
	for _, f := range []Finding{
		finding("10.0.0.1", "a", "appsensor:RE2", Low, 10, 0),
		finding("10.0.0.1", "a", "appsensor:CIE3", High, 70, time.Hour),
		finding("10.0.0.1", "a", "appsensor:RE2", Low, 10, 3*time.Hour),
		finding("10.0.0.1", "b", "appsensor:RE2", Low, 10, 0), // same IP, other UA: other group
		finding("10.0.0.2", "a", "appsensor:CIE4", High, 90, 2*time.Hour),
		finding("10.0.0.3", "a", "appsensor:RE2", Medium, 5, 0),
	} {
		gr.Add(&f)
	}
	gs := gr.Groups()
	var keys []string
	for _, g := range gs {
		keys = append(keys, g.Key.String())
	}
	want := []string{"10.0.0.1 a", "10.0.0.2 a", "10.0.0.3 a", "10.0.0.1 b"}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("order = %q, want %q", keys, want)
	}
	g := gs[0]
	if g.Findings != 3 || g.Risk != 90 || g.MaxSeverity != High {
		t.Errorf("counts: %+v", g)
	}
	if !reflect.DeepEqual(g.Detectors, []string{"appsensor:CIE3", "appsensor:RE2"}) {
		t.Errorf("detectors = %v", g.Detectors)
	}
	if !g.FirstSeen.Equal(t0) || !g.LastSeen.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("seen %v..%v", g.FirstSeen, g.LastSeen)
	}
	if got := g.Activity(10); !reflect.DeepEqual(got, []int{1, 1, 0, 1}) {
		t.Errorf("activity = %v", got)
	}
	if got := g.Activity(2); !reflect.DeepEqual(got, []int{2, 1}) {
		t.Errorf("activity(2) = %v", got)
	}
}

func TestGroupAndFindingJSONKeys(t *testing.T) {
	f := finding("2001:db8::1", "ua", "appsensor:RE2", Medium, 40, 0)
	f.Reason = "why"
	b, _ := json.Marshal(f)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"detector", "title", "severity", "risk_score", "timestamp", "source_ip", "user_agent", "user_name", "event_ids", "reason"} {
		if _, ok := m[k]; !ok {
			t.Errorf("finding JSON lacks %q: %s", k, b)
		}
	}
	if m["severity"] != "medium" || m["timestamp"] != "2026-11-01T00:00:00Z" || m["user_name"] != "" {
		t.Errorf("values: %s", b)
	}
	if _, ok := m["impact"]; ok {
		t.Errorf("a finding without an impact has the key: %s", b)
	}
	// impact, when the finding has one, by its name (README's contract).
	withImpact := f
	withImpact.Impact = ImpactExfiltration
	if b, _ := json.Marshal(withImpact); !bytes.Contains(b, []byte(`"impact":"data exfiltration"`)) {
		t.Errorf("impact missing: %s", b)
	}
	var gr Grouper
	gr.Add(&f)
	b, _ = json.Marshal(gr.Groups()[0])
	m = nil
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"source_ip", "user_agent", "findings", "detectors", "max_severity", "risk", "first_seen", "last_seen"} {
		if _, ok := m[k]; !ok {
			t.Errorf("group JSON lacks %q: %s", k, b)
		}
	}
}

func TestSeverityParse(t *testing.T) {
	for _, s := range []Severity{Low, Medium, High, Critical} {
		got, err := ParseSeverity(s.String())
		if err != nil || got != s {
			t.Errorf("round trip %v: %v %v", s, got, err)
		}
	}
	if _, err := ParseSeverity("urgent"); err == nil {
		t.Error("urgent parsed")
	}
}

// sliceSource is a Source over fixed events.
type sliceSource []*Event

func (s sliceSource) Name() string { return "slice" }
func (s sliceSource) Events(ctx context.Context, fn func(*Event) error) error {
	for _, e := range s {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// countDetector raises one finding per event with status 403, and one at
// Flush covering everything it saw, to exercise both paths.
type countDetector struct{ seen []string }

func (c *countDetector) Info() DetectorInfo {
	return DetectorInfo{ID: "test:count", Title: "Count", Readiness: RunsLocally}
}
func (c *countDetector) Observe(ev *Event, emit func(Finding)) {
	c.seen = append(c.seen, ev.ID)
	if ev.StatusCode == 403 {
		emit(Finding{Severity: Medium, Evidence: []EventRef{ev.Ref()}, SourceIP: ev.SourceIP})
	}
}
func (c *countDetector) Flush(emit func(Finding)) {
	emit(Finding{Evidence: RefsFromIDs(c.seen)})
	emit(Finding{}) // no evidence: must be dropped and counted
}

func TestEngineRun(t *testing.T) {
	var evs sliceSource
	for i, doc := range []string{
		`{"event":{"id":"a"},"http":{"response":{"status_code":403}},"source":{"ip":"192.0.2.1"}}`,
		`{"event":{"id":"b"},"http":{"response":{"status_code":200}}}`,
		`{"event":{"id":"c"},"http":{"response":{"status_code":403}},"source":{"ip":"192.0.2.1"}}`,
	} {
		ev, err := ParseEvent([]byte(doc), "x")
		if err != nil {
			t.Fatal(i, err)
		}
		evs = append(evs, ev)
	}
	c := NewCollection(0)
	e := &Engine{Detectors: []Detector{&countDetector{}}}
	c.Wire(e)
	st, err := e.Run(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 3 || st.Findings != 3 || st.Unproven != 1 || st.ByDetector["test:count"] != 3 {
		t.Errorf("stats = %+v", st)
	}
	fs := c.Findings()
	if fs[0].Title != "Count" || fs[0].Detector != "test:count" {
		t.Errorf("engine did not fill detector info: %+v", fs[0])
	}
	if got := fs[2].EventIDs(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) || fs[2].EventCount != 3 {
		t.Errorf("flush finding evidence = %v (%d)", got, fs[2].EventCount)
	}
	gs := c.Groups()
	if len(gs) != 2 || gs[0].Findings != 2 {
		t.Errorf("groups = %+v", gs)
	}
	if ev, ok := c.EventByID("b"); !ok || c.EventCount() != 3 || ev.Seq != 2 {
		t.Error("collection did not keep events")
	}
	if got := len(c.FindingsFor(gs[0].Key)); got != 2 {
		t.Errorf("FindingsFor = %d", got)
	}
}

func TestEngineStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ev, _ := ParseEvent([]byte(`{}`), "x")
	n := 0
	src := sliceSource{ev, ev, ev}
	e := &Engine{OnEvent: func(*Event) { n++; cancel() }}
	if _, err := e.Run(ctx, src); err == nil || n != 1 {
		t.Errorf("err = %v after %d events", err, n)
	}
}

// TestAddEvidenceCaps: ids are listed up to MaxEvidence, but every cited
// event's stream position is kept, in order, so exceptions can judge them
// all. Positions go up and down (a window cites older events at Flush).
func TestAddEvidenceCaps(t *testing.T) {
	var f Finding
	var want []uint64
	n := MaxEvidence + 300
	for i := 1; i <= n; i++ {
		seq := uint64(i * 3)
		if i%7 == 0 {
			seq = uint64(i) // an older event
		}
		want = append(want, seq)
		f.AddEvidence(&Event{ID: "same-id", Seq: seq})
	}
	if len(f.Evidence) != MaxEvidence || f.EventCount != n {
		t.Errorf("%d ids, count %d", len(f.Evidence), f.EventCount)
	}
	var got []uint64
	unknown := f.EachSeq(func(seq uint64) bool { got = append(got, seq); return true })
	if unknown != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("EachSeq: %d unknown, positions %v..., want %v...", unknown, got[:5], want[:5])
	}
	f.AddRef(EventRef{ID: "no-position"})
	if unknown := f.EachSeq(func(uint64) bool { return true }); unknown != 1 {
		t.Errorf("an evidence event without a position counts as unknown: got %d", unknown)
	}
}

// SortGroups packs the rank numbers and sorts big lists in halves; it
// must order exactly as the rule reads, compared field by field, on small
// lists and on lists past the parallel threshold, with many ties.
func TestSortGroupsMatchesTheRule(t *testing.T) {
	byRule := func(a, b *Group) int {
		switch {
		case a.Worst.Class != b.Worst.Class:
			return b.Worst.Class - a.Worst.Class
		case a.MaxSeverity != b.MaxSeverity:
			return int(b.MaxSeverity - a.MaxSeverity)
		case a.Risk != b.Risk:
			return b.Risk - a.Risk
		case a.Findings != b.Findings:
			return b.Findings - a.Findings
		}
		return a.Key.Compare(b.Key)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 500, parallelSortMin + 3, 3 * parallelSortMin} {
		gs := make([]*Group, n)
		for i := range gs {
			gs[i] = &Group{
				Key:         GroupKey{SourceIP: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), UserAgent: fmt.Sprint(rng.IntN(5))},
				Worst:       Worst{Class: rng.IntN(4)},
				MaxSeverity: Severity(rng.IntN(4)),
				Risk:        rng.IntN(3) * (1 << 40), // ties, and risks past 32 bits
				Findings:    rng.IntN(3) + 1<<rng.IntN(30),
			}
		}
		want := slices.Clone(gs)
		slices.SortFunc(want, byRule)
		SortGroups(gs)
		if !slices.Equal(gs, want) {
			t.Errorf("%d groups: order differs from the rule", n)
		}
	}
}

// A SourceSet lists the MaxSources lowest addresses it saw, counted
// exactly below that and marked partial above it, whatever order the
// addresses came in and however the sets were split and merged.
func TestSourceSetKeepsTheLowest(t *testing.T) {
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}) }
	for _, n := range []int{0, 3, MaxSources, MaxSources + 1, 3 * MaxSources} {
		want := make([]netip.Addr, 0, n)
		for i := range min(n, MaxSources) {
			want = append(want, addr(i))
		}
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		order := rng.Perm(n)
		var one SourceSet
		parts := make([]SourceSet, 4)
		for k, i := range order {
			one.Add(addr(i))
			one.Add(addr(i)) // repeats count once
			parts[k%len(parts)].Add(netip.AddrFrom16(addr(i).As16()))
		}
		var merged, many SourceSet
		for i := range parts {
			merged.Merge(&parts[i])
		}
		// Many small sets into a full one, as a route's users are summed.
		for i := range n {
			var small SourceSet
			small.Add(addr(order[i]))
			if i+1 < n {
				small.Add(addr(order[i+1]))
			}
			many.Merge(&small)
		}
		for name, s := range map[string]*SourceSet{"added": &one, "merged": &merged, "merged one by one": &many} {
			if !slices.Equal(s.Addrs(), want) || s.Partial() != (n > MaxSources) {
				t.Errorf("%d addresses %s: %d listed (partial %v), want the %d lowest (partial %v)", n, name, s.Len(), s.Partial(), len(want), n > MaxSources)
			}
		}
	}
}

// Addresses come back from a SourceSet as they went in (IPv4-mapped IPv6
// as IPv4), IPv4 before IPv6, in netip's order.
func TestSourceSetAddressesRoundTrip(t *testing.T) {
	in := []string{"2001:db8::1", "10.0.0.2", "::ffff:10.0.0.1", "::1", "255.255.255.255", "ffff::1", "0.0.0.0", "2001:db8::1", "10.0.0.2"}
	var s SourceSet
	for _, a := range in {
		s.Add(netip.MustParseAddr(a))
	}
	var want []netip.Addr
	for _, a := range in {
		want = append(want, netip.MustParseAddr(a).Unmap())
	}
	slices.SortFunc(want, netip.Addr.Compare)
	want = slices.Compact(want)
	if got := s.Addrs(); !slices.Equal(got, want) {
		t.Errorf("addresses %v, want %v", got, want)
	}
}
