package ui

import (
	"context"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"picket/triage"
)

// sumGroups adds the kids' hourly counts in an array when they span few
// hours and by sorting otherwise; both must give the plain sum, hour by
// hour, sorted, and leave the kids as they were.
func TestSumGroupsHours(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, span := range []int64{1, 24, denseHours, denseHours + 1, 50_000} {
		kids := make([]*triage.Group, 30)
		want := map[int64]int32{}
		findings := 0
		for i := range kids {
			k := &triage.Group{}
			hours := map[int64]int32{}
			for range rng.IntN(20) {
				h := 400_000 + rng.Int64N(span)
				hours[h] += int32(1 + rng.IntN(3))
			}
			for _, h := range slices.Sorted(maps.Keys(hours)) {
				k.Hourly = append(k.Hourly, triage.HourCount{Hour: h, Count: hours[h]})
				want[h] += hours[h]
				k.Findings += int(hours[h])
			}
			findings += k.Findings
			kids[i] = k
		}
		before := make([]triage.Hours, len(kids))
		for i, k := range kids {
			before[i] = slices.Clone(k.Hourly)
		}
		var g triage.Group
		sumGroups(&g, kids)
		var exp triage.Hours
		for _, h := range slices.Sorted(maps.Keys(want)) {
			exp = append(exp, triage.HourCount{Hour: h, Count: want[h]})
		}
		if !slices.Equal(g.Hourly, exp) || g.Findings != findings {
			t.Errorf("span %d: hours %v (%d findings), want %v (%d)", span, g.Hourly, g.Findings, exp, findings)
		}
		for i, k := range kids {
			if !slices.Equal(k.Hourly, before[i]) {
				t.Errorf("span %d: kid %d changed", span, i)
			}
		}
	}
}

// The chain builder counts the last level's groups as it builds the
// tree; the count must be what walking the tree finds, for chains of one
// to three fields.
func TestChainLeafCount(t *testing.T) {
	c := benchCollection(3000, 3)
	for _, by := range []triage.GroupBy{{"source.ip"}, {"user.name", "source.ip"}, {"url.path", "user.name", "detector"}} {
		act, _, _, _ := groupChain(c.FindingsView(), by, c, nil, nil)
		walked := tree{top: act.top, kids: act.kids}.leaves()
		if act.nLeaves == 0 || act.leaves() != walked {
			t.Errorf("%s: counted %d leaves, the tree has %d", by, act.nLeaves, walked)
		}
	}
}

// While a big run loads, a snapshot copies only the groups at the top of
// the queue and says how many there are in all; once the run is sealed
// it shows every group, and the top it showed was the real top.
func TestLoadingSnapshotShowsTheTop(t *testing.T) {
	c := triage.NewCollection(0)
	sealed := benchCollection(loadingTop+700, 2) // the same findings, sealed
	for _, f := range sealed.FindingsView() {
		c.AddFinding(f)
	}
	s := takeSnapshot(c, nil, nil, nil, nil, grouping{})
	all := sealed.Groups()
	if s.loadingOf != len(all) || len(s.groups) != loadingTop || s.findings != len(sealed.FindingsView()) {
		t.Fatalf("loading: %d groups of %d, %d findings; want %d of %d, %d", len(s.groups), s.loadingOf, s.findings, loadingTop, len(all), len(sealed.FindingsView()))
	}
	for i, g := range s.groups {
		if g.Key != all[i].Key {
			t.Fatalf("row %d is %s, the queue's is %s", i, g.Key, all[i].Key)
		}
	}
	m := newModel(context.Background(), Options{Title: "t", Collection: c})
	m.snap = s
	if got := m.groupCounts(); got != "top 5000 of 5700 groups so far" {
		t.Errorf("header %q", got)
	}
	c.Seal()
	if s := takeSnapshot(c, nil, nil, nil, nil, grouping{}); s.loadingOf != 0 || len(s.groups) != len(all) {
		t.Errorf("sealed: %d groups (loading of %d), want all %d", len(s.groups), s.loadingOf, len(all))
	}
}

// The chain builder makes each group's key from the values it read; the
// keys must be exactly the ones triage.KeyFor gives for the findings, at
// every level.
func TestChainKeysAreKeyFor(t *testing.T) {
	c := benchCollection(2000, 3)
	fs := c.FindingsView()
	for _, by := range []triage.GroupBy{{"source.ip"}, {"user.name", "source.ip"}, {"url.path", "user.name", "detector"}} {
		want := map[triage.GroupKey]bool{}
		for i := range fs {
			for lvl := range by {
				want[triage.KeyFor(&fs[i], by[:lvl+1], nil)] = true
			}
		}
		act, _, _, _ := groupChain(fs, by, c, nil, nil)
		got := map[triage.GroupKey]bool{}
		var walk func(gs []*triage.Group)
		walk = func(gs []*triage.Group) {
			for _, g := range gs {
				got[g.Key] = true
				walk(act.kids[g.Key])
			}
		}
		walk(act.top)
		if !maps.Equal(got, want) {
			t.Errorf("%s: %d keys in the tree, KeyFor gives %d", by, len(got), len(want))
		}
	}
}

// A run too big to hold (triage/spill.Bounded) says so in the header:
// while it waits on disk, and once the top of its queue is held.
func TestHeaderSaysWhatALargeRunHolds(t *testing.T) {
	c := benchCollection(40, 2)
	m := newModel(context.Background(), Options{Title: "t", Collection: c})
	for _, tc := range []struct {
		held triage.Held
		gp   grouping
		want string
	}{
		{triage.Held{}, grouping{}, "40 groups"},
		{triage.Held{Loading: true, Findings: 312_000}, grouping{}, "large run: groups wait on disk, the queue comes when loading ends"},
		{triage.Held{Groups: 527_113, Findings: 580_000, HeldGroups: 40, HeldFindings: 80}, grouping{}, "40 groups · top 40 of 527113 groups held"},
		{triage.Held{Groups: 527_113, Findings: 580_000, HeldGroups: 40, HeldFindings: 80}, grouping{by: triage.GroupBy{"source.ip"}}, "40 groups by source.ip · top 40 of 527113 groups held"},
	} {
		c.SetHeld(tc.held)
		m.snap = takeSnapshot(c, m.all(), nil, nil, nil, tc.gp)
		if got := m.groupCounts(); got != tc.want {
			t.Errorf("held %+v: header %q, want %q", tc.held, got, tc.want)
		}
		if tc.held.Loading && m.snap.findings != tc.held.Findings {
			t.Errorf("loading: the header counts %d findings, %d wait on disk", m.snap.findings, tc.held.Findings)
		}
	}
	// A filter on a partly held run says it searched the held groups.
	m.width = 400
	m.queue.filter = "source.ip:10.9.9.9"
	m.snap = takeSnapshot(c, m.all(), nil, nil, nil, grouping{})
	if line := m.statusLine(); !strings.Contains(line, "searched the 40 held groups of 527113 only") {
		t.Errorf("status line under a filter: %q", line)
	}
	c.SetHeld(triage.Held{})
	m.snap = takeSnapshot(c, m.all(), nil, nil, nil, grouping{})
	if line := m.statusLine(); strings.Contains(line, "held groups") {
		t.Errorf("a run held whole: %q", line)
	}
}

// A big regroup is counted on several cores, each counting its share of
// the leaves; every group, at every level, must count what triage's
// Grouper counts for the same chain over the same findings, the
// suppressed ones apart (an allowlisted user here).
func TestParallelRegroupCountsAsGrouper(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4)) // several parts on any machine
	c := benchCollection(parallelRows/2, 3)
	fs := c.FindingsView()
	sup := newSuppressor(nil, []triage.AllowEntry{{ID: 1, Kind: triage.AllowUser, Value: benchUsers[7], Detector: "*"}}, t0, c)
	for _, by := range []triage.GroupBy{{"user.name"}, {"url.path", "user.name"}, {"detector", "source.ip"}, {"url.path", "detector", "user.name"}} {
		// Pulled alerts are put in their groups after the cores' tries
		// are merged: whichever core's share their leaf was.
		// (Compared below: the Grouper's groups get the same alerts.)
		var alerts []*alertItem
		for i := range 40 {
			f := fs[i*97]
			f.RiskScore = 1000 // seen in the group's risk
			alerts = append(alerts, &alertItem{a: &triage.Alert{SourceIP: f.SourceIP, UserAgent: f.UserAgent}, pending: true, row: f})
		}
		act, hid, nAct, nHid := groupChain(fs, by, c, sup, alerts)
		for _, side := range []struct {
			name   string
			tr     tree
			n      int
			hidden bool
		}{{"active", act, nAct, false}, {"hidden", hid, nHid, true}} {
			n := 0
			for i := range fs {
				if _, h := sup.suppressed(&fs[i]); h == side.hidden {
					n++
				}
			}
			if side.n != n || n == 0 {
				t.Fatalf("%s %s: %d findings, want %d (> 0)", by, side.name, side.n, n)
			}
			got := map[triage.GroupKey]*triage.Group{}
			var walk func(gs []*triage.Group)
			walk = func(gs []*triage.Group) {
				for _, g := range gs {
					got[g.Key] = g
					walk(side.tr.kids[g.Key])
				}
			}
			walk(side.tr.top)
			want := 0
			for lvl := range by {
				gr := triage.Grouper{By: by[:lvl+1]}
				for i := range fs {
					if _, h := sup.suppressed(&fs[i]); h == side.hidden {
						gr.Add(&fs[i])
					}
				}
				for _, w := range gr.Groups() {
					want++
					g := got[w.Key]
					if g == nil {
						t.Fatalf("%s %s: no group %s", by, side.name, w.Key)
					}
					for _, it := range alerts {
						if !side.hidden && triage.KeyFor(&it.row, by[:lvl+1], nil) == w.Key {
							addAlert(w, it)
						}
					}
					if g.Findings != w.Findings || g.Risk != w.Risk || g.MaxSeverity != w.MaxSeverity ||
						!g.FirstSeen.Equal(w.FirstSeen) || !g.LastSeen.Equal(w.LastSeen) ||
						!slices.Equal(g.Hourly, w.Hourly) || !slices.Equal(g.Detectors, w.Detectors) || g.Sources.Len() != w.Sources.Len() {
						t.Errorf("%s %s %s: %d findings, risk %d, %d hours, %d sources; Grouper: %d, %d, %d, %d",
							by, side.name, w.Key, g.Findings, g.Risk, len(g.Hourly), g.Sources.Len(), w.Findings, w.Risk, len(w.Hourly), w.Sources.Len())
					}
				}
			}
			if len(got) != want {
				t.Errorf("%s %s: %d groups in the tree, Grouper makes %d", by, side.name, len(got), want)
			}
		}
	}
}
