package spill

import (
	"bytes"
	"slices"

	"picket/triage"
)

// Groups groups findings like triage.Grouper, holding at most MaxGroups
// groups in memory: past that, the partial groups go to disk sorted by
// key, and Each merges them back, folds campaigns and orders the queue
// through further sorted runs. A run that fits in memory takes the
// Grouper's own path, so both give the same groups in the same order.
type Groups struct {
	// By and Event are the Grouper's (see triage.Grouper).
	By    triage.GroupBy
	Event func(triage.EventRef) (*triage.Event, bool)
	// Fold folds campaigns (triage.Fold) when set.
	Fold *triage.FoldOptions
	// MaxGroups is how many groups are held before a spill (default
	// DefaultMaxGroups).
	MaxGroups int
	// Dir is where runs go ("" for the system's temporary directory).
	Dir string

	mem   triage.Grouper
	parts *Sorter
}

// DefaultMaxGroups holds about 50 MB of groups.
const DefaultMaxGroups = 100_000

// budget is what each sorter holds before it writes a run.
const budget = 32 << 20

// Add counts f in its group.
func (s *Groups) Add(f *triage.Finding) error {
	s.mem.By, s.mem.Event = s.By, s.Event
	s.mem.Add(f)
	limit := s.MaxGroups
	if limit <= 0 {
		limit = DefaultMaxGroups
	}
	if s.mem.Len() >= limit {
		return s.spill()
	}
	return nil
}

// Spilled reports whether groups went to disk.
func (s *Groups) Spilled() bool { return s.parts != nil }

func (s *Groups) spill() error {
	if s.parts == nil {
		s.parts = New(budget, s.Dir)
	}
	for _, g := range s.mem.Take() {
		b, err := g.MarshalBinary()
		if err != nil {
			return err
		}
		if err := s.parts.Add(g.Key.SortKey(), b); err != nil {
			return err
		}
	}
	return nil
}

// Each calls fn with every group (and campaign) in queue order.
func (s *Groups) Each(fn func(*triage.Group) error) error {
	if s.parts == nil {
		gs := s.mem.Groups()
		if s.Fold != nil {
			gs = triage.Fold(gs, *s.Fold)
		}
		for _, g := range gs {
			if err := fn(g); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.spill(); err != nil {
		return err
	}
	ranked := New(budget, s.Dir)
	folding := New(budget, s.Dir)
	// Each closes a sorter's runs when it reads them; a failure before
	// that must not leave them open (unlinked, they hold disk space).
	defer ranked.close()
	defer folding.close()
	rank := func(g *triage.Group) error {
		b, err := g.MarshalBinary()
		if err != nil {
			return err
		}
		return ranked.Add(g.RankKey(), b)
	}
	// Merge the partial groups of each key; send each whole group on.
	var cur *triage.Group
	var curKey []byte
	finish := func() error {
		if cur == nil {
			return nil
		}
		g := cur
		cur = nil
		if sig, ok := g.Foldable(); ok && s.Fold != nil {
			b, err := g.MarshalBinary()
			if err != nil {
				return err
			}
			return folding.Add(g.FoldKey(sig), b)
		}
		return rank(g)
	}
	err := s.parts.Each(func(r Record) error {
		g := new(triage.Group)
		if err := g.UnmarshalBinary(r.Data); err != nil {
			return err
		}
		if cur != nil && bytes.Equal(r.Key, curKey) {
			cur.Merge(g)
			return nil
		}
		if err := finish(); err != nil {
			return err
		}
		cur, curKey = g, append(curKey[:0], r.Key...)
		return nil
	})
	if err == nil {
		err = finish()
	}
	if err != nil {
		return err
	}
	// Fold: candidates arrive in fold order; campaigns stay in memory
	// (they are few; their members are kept as keys), the rest is ranked.
	var campaigns []*triage.Group
	if s.Fold != nil {
		sw := triage.NewFoldSweep(*s.Fold, func(g *triage.Group) error {
			if g.Campaign != nil {
				campaigns = append(campaigns, g)
				return nil
			}
			return rank(g)
		})
		err := folding.Each(func(r Record) error {
			g := new(triage.Group)
			if err := g.UnmarshalBinary(r.Data); err != nil {
				return err
			}
			sig, _ := g.Foldable()
			sw.Add(g, sig)
			return nil
		})
		if cerr := sw.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	slices.SortFunc(campaigns, func(a, b *triage.Group) int { return bytes.Compare(a.RankKey(), b.RankKey()) })
	// Output: the ranked groups merged with the campaigns by rank.
	err = ranked.Each(func(r Record) error {
		for len(campaigns) > 0 && bytes.Compare(campaigns[0].RankKey(), r.Key) < 0 {
			if err := fn(campaigns[0]); err != nil {
				return err
			}
			campaigns = campaigns[1:]
		}
		g := new(triage.Group)
		if err := g.UnmarshalBinary(r.Data); err != nil {
			return err
		}
		return fn(g)
	})
	if err != nil {
		return err
	}
	for _, c := range campaigns {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}
