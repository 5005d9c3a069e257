package triage

import (
	"net/netip"
	"slices"
)

// Hours counts findings per hour (Unix hour number), sorted by hour: a
// group's activity for its sparkline. Most groups are active in a few
// hours, so a sorted slice costs a few bytes where a map cost hundreds.
type Hours []HourCount

// HourCount is one hour's count.
type HourCount struct {
	Hour  int64
	Count int32
}

// Add counts one more finding in hour h.
func (hs *Hours) Add(h int64) {
	s := *hs
	// Findings mostly arrive in time order: look at the end first.
	if n := len(s); n > 0 && s[n-1].Hour == h {
		s[n-1].Count++
		return
	}
	i, found := slices.BinarySearchFunc(s, h, func(hc HourCount, h int64) int {
		switch {
		case hc.Hour < h:
			return -1
		case hc.Hour > h:
			return 1
		}
		return 0
	})
	if found {
		s[i].Count++
		return
	}
	*hs = slices.Insert(s, i, HourCount{h, 1})
}

// merge adds o's counts.
func (hs *Hours) merge(o Hours) {
	for _, hc := range o {
		s := *hs
		i, found := slices.BinarySearchFunc(s, hc.Hour, func(x HourCount, h int64) int {
			switch {
			case x.Hour < h:
				return -1
			case x.Hour > h:
				return 1
			}
			return 0
		})
		if found {
			s[i].Count += hc.Count
			continue
		}
		*hs = slices.Insert(s, i, hc)
	}
}

// MaxSources is how many distinct source addresses a SourceSet lists.
const MaxSources = 1024

// SourceSet collects the distinct source addresses of a group's findings:
// exactly up to MaxSources, then it keeps the MaxSources lowest and
// counts that it saw more. Keeping the lowest (not the first seen) makes
// the listed set the same whatever order findings arrive and sets are
// merged in.
type SourceSet struct {
	addrs []netip.Addr // sorted
	more  bool
}

// Add records a; invalid addresses are not sources.
func (s *SourceSet) Add(a netip.Addr) {
	if !a.IsValid() {
		return
	}
	a = a.Unmap()
	if n := len(s.addrs); n > 0 && s.addrs[n-1] == a {
		return // runs of one address are the common case
	}
	i, found := slices.BinarySearchFunc(s.addrs, a, netip.Addr.Compare)
	if found {
		return
	}
	if len(s.addrs) >= MaxSources {
		s.more = true
		if i == len(s.addrs) {
			return
		}
		s.addrs = s.addrs[:len(s.addrs)-1] // the highest gives way
	}
	s.addrs = slices.Insert(s.addrs, i, a)
}

// Len is how many distinct addresses were seen (a lower bound when
// Partial).
func (s *SourceSet) Len() int { return len(s.addrs) }

// Partial reports whether more addresses were seen than are listed.
func (s *SourceSet) Partial() bool { return s.more }

// Addrs lists the addresses, sorted.
func (s *SourceSet) Addrs() []netip.Addr { return s.addrs }

func (s SourceSet) clone() SourceSet {
	return SourceSet{addrs: slices.Clone(s.addrs), more: s.more}
}

// Merge adds every address of o: one pass over both sorted lists.
func (s *SourceSet) Merge(o *SourceSet) {
	s.more = s.more || o.more
	switch {
	case len(o.addrs) == 0:
		return
	case len(s.addrs) >= MaxSources && o.addrs[0].Compare(s.addrs[len(s.addrs)-1]) > 0:
		s.more = true // full, and every one of o's is higher
		return
	case len(o.addrs)*8 <= len(s.addrs):
		// A few into many: a search each beats a pass over all.
		for _, a := range o.addrs {
			s.Add(a)
		}
		return
	}
	a, b := s.addrs, o.addrs
	out := make([]netip.Addr, 0, min(len(a)+len(b), MaxSources))
	for (len(a) > 0 || len(b) > 0) && len(out) < MaxSources {
		switch {
		case len(b) == 0:
			out, a = append(out, a[0]), a[1:]
		case len(a) == 0:
			out, b = append(out, b[0]), b[1:]
		default:
			switch c := a[0].Compare(b[0]); {
			case c < 0:
				out, a = append(out, a[0]), a[1:]
			case c > 0:
				out, b = append(out, b[0]), b[1:]
			default:
				out, a, b = append(out, a[0]), a[1:], b[1:]
			}
		}
	}
	if len(a) > 0 || len(b) > 0 {
		s.more = true
	}
	s.addrs = out
}
