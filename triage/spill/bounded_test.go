package spill

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"picket/triage"
)

// heldRows is what Bounded should hold of fs: the queue's rows (folded
// when fold is set) from the top, until maxGroups groups or maxFindings
// findings, at least one row (a campaign bigger than maxGroups by its
// first members); with the counts of the whole run.
func heldRows(fs []triage.Finding, fold *triage.FoldOptions, maxGroups, maxFindings int) (map[triage.GroupKey]*triage.Group, triage.Held) {
	var gr triage.Grouper
	for i := range fs {
		gr.Add(&fs[i])
	}
	leaves := map[triage.GroupKey]*triage.Group{}
	rows := gr.Groups()
	for _, g := range rows {
		leaves[g.Key] = g
	}
	if fold != nil {
		rows = triage.Fold(rows, *fold)
	}
	held := map[triage.GroupKey]*triage.Group{}
	var h triage.Held
	heldFindings, full := 0, false
	for _, g := range rows {
		members := []triage.GroupKey{g.Key}
		if g.Campaign != nil {
			members = g.Campaign.Members
		}
		h.Groups += len(members)
		h.Findings += g.Findings
		if full || len(held) > 0 && (len(held)+len(members) > maxGroups || heldFindings+g.Findings > maxFindings) {
			full = true
			continue
		}
		members = members[:min(len(members), maxGroups)]
		for _, k := range members {
			held[k] = leaves[k]
			h.HeldFindings += leaves[k].Findings
		}
		heldFindings += g.Findings
	}
	h.HeldGroups = len(held)
	return held, h
}

func TestBoundedHoldsTheTopOfTheQueue(t *testing.T) {
	fs := plant(rand.New(rand.NewPCG(7, 9)), 3000)
	fold := triage.DefaultFold
	for _, tc := range []struct {
		name                  string
		fold                  *triage.FoldOptions
		maxGroups, maxFinding int
		spills                bool
	}{
		{"fits: nothing spills", &fold, 10_000, 0, false},
		{"folded rows, capped by groups", &fold, 30, 0, true},
		{"groups alone, capped by groups", nil, 25, 0, true},
		{"capped by findings", nil, 1000, 40, true},
		{"the first row even past the cap", nil, 20, 1, true},
		{"a campaign past the whole budget: its first members", &fold, 12, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			coll := triage.NewCollection(0)
			defer coll.Close()
			b := &Bounded{Coll: coll, MaxGroups: tc.maxGroups, MaxFindings: tc.maxFinding, Fold: tc.fold, Dir: t.TempDir()}
			for _, f := range fs {
				b.AddFinding(f)
			}
			if b.Spilled() != tc.spills {
				t.Fatalf("spilled = %v, want %v", b.Spilled(), tc.spills)
			}
			if tc.spills && !coll.Held().Loading {
				t.Fatal("a spilled run does not say it is loading")
			}
			if err := b.Finish(); err != nil {
				t.Fatal(err)
			}
			coll.Seal()
			if !tc.spills {
				if coll.Held() != (triage.Held{}) || len(coll.FindingsView()) != len(fs) {
					t.Fatalf("a run that fits: held %+v, %d of %d findings", coll.Held(), len(coll.FindingsView()), len(fs))
				}
				return
			}
			maxF := tc.maxFinding
			if maxF == 0 {
				maxF = DefaultMaxHeldFindings
			}
			want, wantHeld := heldRows(fs, tc.fold, tc.maxGroups, maxF)
			if got := coll.Held(); got != wantHeld || !got.Partial() {
				t.Fatalf("held %+v, want %+v (partial)", got, wantHeld)
			}
			// The rules view counts the whole run, held or not.
			perDetector := map[string]int{}
			for _, f := range fs {
				perDetector[f.Detector]++
			}
			if got := coll.CountByDetector(); !reflect.DeepEqual(got, perDetector) {
				t.Fatalf("counts per detector %v, want the whole run's %v", got, perDetector)
			}
			gs := coll.Groups()
			if len(gs) != len(want) {
				t.Fatalf("%d groups held, want %d", len(gs), len(want))
			}
			for _, g := range gs {
				w := want[g.Key]
				if w == nil || g.Findings != w.Findings || g.Risk != w.Risk || g.MaxSeverity != w.MaxSeverity ||
					!g.FirstSeen.Equal(w.FirstSeen) || !g.LastSeen.Equal(w.LastSeen) || !reflect.DeepEqual(g.Detectors, w.Detectors) {
					t.Fatalf("held group %v differs from the whole run's: %+v, want %+v", g.Key, g, w)
				}
			}
			// Every finding of a held group, in the order raised.
			var wantFs []triage.Finding
			for _, f := range fs {
				if want[triage.KeyFor(&f, nil, nil)] != nil {
					wantFs = append(wantFs, f)
				}
			}
			if got := coll.FindingsView(); !reflect.DeepEqual(got, wantFs) {
				t.Fatalf("held findings differ: %d, want %d", len(got), len(wantFs))
			}
		})
	}
}

// With nowhere to write, a run that outgrows MaxGroups says so once and
// stays in memory whole: nothing is lost.
func TestBoundedWithoutDiskKeepsEverything(t *testing.T) {
	fs := plant(rand.New(rand.NewPCG(3, 4)), 600)
	coll := triage.NewCollection(0)
	defer coll.Close()
	var warned []string
	b := &Bounded{Coll: coll, MaxGroups: 10, Dir: filepath.Join(t.TempDir(), "missing"), Warn: func(s string) { warned = append(warned, s) }}
	for _, f := range fs {
		b.AddFinding(f)
	}
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	if b.Spilled() || len(warned) != 1 || !strings.Contains(warned[0], "kept in memory") {
		t.Fatalf("spilled %v, warnings %q", b.Spilled(), warned)
	}
	if got := coll.FindingsView(); len(got) != len(fs) || coll.Held() != (triage.Held{}) {
		t.Fatalf("%d of %d findings held (%+v)", len(got), len(fs), coll.Held())
	}
}

// failAfter passes limit bytes to w, then fails: a disk that fills up.
type failAfter struct {
	w     io.Writer
	limit int
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.limit {
		n, _ := f.w.Write(p[:f.limit])
		f.limit = 0
		return n, errors.New("no space left on device")
	}
	f.limit -= len(p)
	return f.w.Write(p)
}

// When the findings file stops taking writes, Finish holds every finding
// it can read back, in order, as a run that fits would be held, and says
// how many were lost.
func TestBoundedDiskFullKeepsWhatWasWritten(t *testing.T) {
	fs := plant(rand.New(rand.NewPCG(5, 6)), 2000)
	coll := triage.NewCollection(0)
	defer coll.Close()
	b := &Bounded{Coll: coll, MaxGroups: 20, Dir: t.TempDir()}
	i := 0
	for ; !b.Spilled(); i++ {
		b.AddFinding(fs[i])
	}
	if err := b.w.Flush(); err != nil {
		t.Fatal(err)
	}
	b.w = bufio.NewWriterSize(&failAfter{w: b.file, limit: 20_000}, 512)
	for ; i < len(fs); i++ {
		b.AddFinding(fs[i])
	}
	err := b.Finish()
	if err == nil || !strings.Contains(err.Error(), "no space left") || !strings.Contains(err.Error(), "lost") {
		t.Fatalf("Finish: %v", err)
	}
	got := coll.FindingsView()
	if len(got) == 0 || len(got) >= len(fs) || !reflect.DeepEqual(got, fs[:len(got)]) {
		t.Fatalf("held %d findings; want the ones written, in order, fewer than %d", len(got), len(fs))
	}
	if want := fmt.Sprintf("%d of %d findings held in memory, %d lost", len(got), len(fs), len(fs)-len(got)); !strings.Contains(err.Error(), want) {
		t.Fatalf("Finish: %v; want it to say %q", err, want)
	}
	if coll.Held() != (triage.Held{}) {
		t.Fatalf("held %+v: the collection holds every finding it could read", coll.Held())
	}
}
