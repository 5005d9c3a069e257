package spill

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

// plant makes findings from many sources: a wave of one-finding sources
// (a campaign), repeat offenders with several detectors, and noise.
func plant(r *rand.Rand, n int) []triage.Finding {
	t0 := time.Date(2026, 11, 13, 19, 0, 0, 0, time.UTC)
	dets := []string{"appsensor:AE11", "appsensor:RE2", "appsensor:CIE1", "query"}
	var fs []triage.Finding
	for i := range n {
		var f triage.Finding
		switch {
		case i%3 == 0: // the wave
			f = triage.Finding{Detector: "appsensor:AE11", Reason: fmt.Sprintf("login without field remember, which %d clean logins carried", i),
				SourceIP: netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)}), UserAgent: "python-requests/2.3",
				Timestamp: t0.Add(time.Duration(r.IntN(40)) * time.Minute)}
		default:
			ip := netip.AddrFrom4([4]byte{203, 0, 113, byte(r.IntN(40))})
			f = triage.Finding{Detector: dets[r.IntN(len(dets))], Reason: fmt.Sprintf("reason %d", r.IntN(3)),
				SourceIP: ip, UserAgent: []string{"curl", "sqlmap", ""}[r.IntN(3)],
				Timestamp: t0.Add(time.Duration(r.IntN(3000)) * time.Minute), End: t0.Add(time.Duration(r.IntN(3000)) * time.Minute)}
		}
		f.Severity = triage.Severity(r.IntN(4))
		f.RiskScore = r.IntN(100)
		f.UserName = []string{"", "anna", "bob"}[r.IntN(3)]
		f.Attrs = []triage.Attr{{Field: "url.path", Value: []string{"/login", "/admin"}[r.IntN(2)]}}
		f.Evidence = []triage.EventRef{{Seq: uint64(i + 1), ID: "e"}}
		fs = append(fs, f)
	}
	return fs
}

func lines(t *testing.T, each func(func(*triage.Group) error) error) string {
	var b strings.Builder
	err := each(func(g *triage.Group) error {
		j, err := json.Marshal(g)
		b.Write(j)
		b.WriteByte('\n')
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestGroupsSpillSameAsMemory: spilling after a few groups gives the same
// groups, campaigns and order as holding everything in memory, for the
// default grouping (with folding) and for chains.
func TestGroupsSpillSameAsMemory(t *testing.T) {
	fold := triage.DefaultFold
	for _, tc := range []struct {
		name string
		by   triage.GroupBy
		fold *triage.FoldOptions
	}{
		{"default, folded", triage.DefaultGroupBy, &fold},
		{"default, not folded", triage.DefaultGroupBy, nil},
		{"user.name,url.path", triage.GroupBy{"user.name", "url.path"}, nil},
		{"detector", triage.GroupBy{"detector"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := plant(rand.New(rand.NewPCG(7, 9)), 3000)
			whole := &Groups{By: tc.by, Fold: tc.fold, MaxGroups: 1 << 30, Dir: t.TempDir()}
			spilled := &Groups{By: tc.by, Fold: tc.fold, MaxGroups: 2, Dir: t.TempDir()}
			for i := range fs {
				if err := whole.Add(&fs[i]); err != nil {
					t.Fatal(err)
				}
				if err := spilled.Add(&fs[i]); err != nil {
					t.Fatal(err)
				}
			}
			if whole.Spilled() || !spilled.Spilled() {
				t.Fatalf("spilled: whole %v, small %v", whole.Spilled(), spilled.Spilled())
			}
			want, got := lines(t, whole.Each), lines(t, spilled.Each)
			if got != want {
				gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("line %d differs (of %d/%d):\n spilled %s\n memory  %s", i, len(gl), len(wl), gl[i], wl[i])
					}
				}
				t.Fatalf("%d lines spilled, %d in memory", len(gl), len(wl))
			}
			if tc.fold != nil && !strings.Contains(want, `"campaign":true`) {
				t.Error("the planted wave did not fold: the test proves nothing about campaigns")
			}
		})
	}
}
