package ui

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// Regrouping and folding at 100,000 groups and a million findings, as the
// snapshot command does them (go test -run XXX -bench 'Regroup|Fold' ./ui/).

// BenchmarkRegroup groups the million findings of bigCollection under a
// chain, as the snapshot command does after G on a finished run (the
// findings copied out of the collection once, then kept: findingsCache).
// The fields are ones findings carry (user.name, source.ip, detector) or
// the engine captures (url.path, as the console's engine does).
// BenchmarkRegroupCopy is the first regroup of a run, copy included.
func BenchmarkRegroup(b *testing.B) {
	c := bigCollection()
	fc := &findingsCache{coll: c}
	fc.get(c)
	for _, by := range []triage.GroupBy{{"user.name"}, {"source.ip"}, {"user.name", "source.ip"}, {"url.path", "user.name"}, {"detector", "source.ip"}} {
		b.Run(by.String(), func(b *testing.B) {
			var s snapshot
			for range b.N {
				s = takeSnapshot(c, fc, nil, nil, nil, grouping{by: by})
			}
			b.ReportMetric(float64(s.leaves), "groups")
		})
	}
}

func BenchmarkRegroupCopy(b *testing.B) {
	c := bigCollection()
	by := triage.GroupBy{"user.name", "source.ip"}
	for range b.N {
		_ = takeSnapshot(c, nil, nil, nil, nil, grouping{by: by})
	}
}

// foldCollection holds groups groups of per findings: groups that share a
// detector and reason shape (50 of them) and follow each other within
// minutes, so they fold into 50 campaigns of 2,000 groups.
func foldCollection(groups, per int) *triage.Collection {
	c := triage.NewCollection(0)
	dets := []string{"appsensor:AE11", "appsensor:AE2", "appsensor:RE2", "appsensor:CIE1", "appsensor:IE1"}
	for i := range groups {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		for j := range per {
			c.AddFinding(triage.Finding{
				Detector: dets[i%len(dets)], Severity: triage.Medium, RiskScore: 47,
				Timestamp: t0.Add(time.Duration(i/50) * 5 * time.Second).Add(time.Duration(j) * time.Second),
				SourceIP:  ip, UserAgent: "wave/1.0",
				Attrs:    []triage.Attr{{Field: "source.as.organization.name", Value: fmt.Sprintf("AS%d", i%300)}},
				Reason:   fmt.Sprintf("login without field %s (%d)", benchWord(i%10), j),
				Evidence: triage.RefsFromIDs([]string{"e0"}), EventCount: 1,
			})
		}
	}
	return c
}

var (
	foldOnce sync.Once
	foldBig  *triage.Collection
)

// BenchmarkFold folds 100,000 groups of a million findings: triage.Fold on
// the engine's groups and the members put under their campaigns (fold),
// then the whole snapshot the console takes.
func BenchmarkFold(b *testing.B) {
	// Sealed, as the console's collection is once the run is over.
	foldOnce.Do(func() { foldBig = foldCollection(100_000, 10); foldBig.Seal() })
	gs := foldBig.Groups()
	b.Run("fold", func(b *testing.B) {
		var t tree
		for range b.N {
			t = fold(gs)
		}
		b.ReportMetric(float64(len(t.kids)), "campaigns")
	})
	b.Run("snapshot", func(b *testing.B) {
		for range b.N {
			_ = takeSnapshot(foldBig, nil, nil, nil, nil, grouping{})
		}
	})
}

// BenchmarkRegroupedKeyPress: key presses under another chain and with a
// campaign of 2,000 members open, to the frame.
func BenchmarkRegroupedKeyPress(b *testing.B) {
	// Sealed, as the console's collection is once the run is over.
	foldOnce.Do(func() { foldBig = foldCollection(100_000, 10); foldBig.Seal() })
	for _, tc := range []struct {
		name string
		coll func() *triage.Collection
		gp   grouping
		open bool
		keys []string
	}{
		{"chain_pgdown", bigCollection, grouping{by: triage.GroupBy{"user.name", "source.ip"}}, true, []string{"pgdown"}},
		{"campaign_open_pgdown", func() *triage.Collection { return foldBig }, grouping{}, true, []string{"pgdown"}},
		{"campaign_space_V", func() *triage.Collection { return foldBig }, grouping{}, false, []string{" ", "V"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m := newModel(context.Background(), Options{Title: "bench", Collection: tc.coll()})
			m.gp = tc.gp
			m.snap = takeSnapshot(m.opts.Collection, m.all(), nil, m.sup, nil, tc.gp)
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
			runCmd(m, m.queue.recompute(), 0)
			if tc.open {
				runCmd(m, m.queue.expand(true), 0)
			}
			msgs := make([]tea.KeyMsg, len(tc.keys))
			for i, k := range tc.keys {
				msgs[i] = keyMsg(k)
				if k == " " {
					msgs[i] = keyMsg("space")
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for _, k := range msgs {
					m.Update(k)
					_ = m.View()
				}
			}
		})
	}
}
