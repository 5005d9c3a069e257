package ui

import (
	"maps"
	"math/rand/v2"
	"slices"
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
