package triage

import (
	"cmp"
	"encoding/binary"
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
// merged in. Addresses are kept as plain numbers (netip.Addr holds a
// pointer, which the collector would scan and every move would fence);
// zones are not kept.
type SourceSet struct {
	addrs []addrKey // sorted
	more  bool
}

// addrKey is an address as numbers, ordered as netip.Addr.Compare orders
// addresses without zones: IPv4 before IPv6, then by value.
type addrKey struct {
	hi, lo uint64
	v6     bool
}

func keyOf(a netip.Addr) addrKey {
	if a.Is4() {
		b := a.As4()
		return addrKey{lo: uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return addrKey{hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:]), v6: true}
}

func (k addrKey) addr() netip.Addr {
	if !k.v6 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(k.lo))
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], k.hi)
	binary.BigEndian.PutUint64(b[8:], k.lo)
	return netip.AddrFrom16(b)
}

func compareKeys(a, b addrKey) int {
	switch {
	case a.v6 != b.v6:
		if b.v6 {
			return -1
		}
		return 1
	case a.hi != b.hi:
		return cmp.Compare(a.hi, b.hi)
	}
	return cmp.Compare(a.lo, b.lo)
}

// Add records a; invalid addresses are not sources.
func (s *SourceSet) Add(a netip.Addr) {
	if !a.IsValid() {
		return
	}
	s.add(keyOf(a.Unmap()))
}

func (s *SourceSet) add(k addrKey) {
	if n := len(s.addrs); n > 0 && s.addrs[n-1] == k {
		return // runs of one address are the common case
	}
	i, found := slices.BinarySearchFunc(s.addrs, k, compareKeys)
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
	s.addrs = slices.Insert(s.addrs, i, k)
}

// SourceSlab gives new SourceSets room for their first addresses out of
// one allocation: a regroup makes tens of thousands of groups that each
// collect a few addresses, and growing each list from nothing costs more
// than counting them.
type SourceSlab struct{ keys []addrKey }

// Reserve gives the empty set s room for n addresses.
func (sl *SourceSlab) Reserve(s *SourceSet, n int) {
	if len(sl.keys) < n {
		sl.keys = make([]addrKey, max(1024*n, n))
	}
	s.addrs, sl.keys = sl.keys[:0:n], sl.keys[n:]
}

// Len is how many distinct addresses were seen (a lower bound when
// Partial).
func (s *SourceSet) Len() int { return len(s.addrs) }

// Partial reports whether more addresses were seen than are listed.
func (s *SourceSet) Partial() bool { return s.more }

// Addrs lists the addresses, sorted.
func (s *SourceSet) Addrs() []netip.Addr {
	if len(s.addrs) == 0 {
		return nil
	}
	out := make([]netip.Addr, len(s.addrs))
	for i, k := range s.addrs {
		out[i] = k.addr()
	}
	return out
}

func (s SourceSet) clone() SourceSet {
	return SourceSet{addrs: slices.Clone(s.addrs), more: s.more}
}

// Merge adds every address of o: one pass over both sorted lists.
func (s *SourceSet) Merge(o *SourceSet) {
	s.more = s.more || o.more
	b := o.addrs
	if len(b) == 0 {
		return
	}
	if len(s.addrs) >= MaxSources {
		// Full: only o's addresses below the highest kept can get in.
		cut, found := slices.BinarySearchFunc(b, s.addrs[len(s.addrs)-1], compareKeys)
		if found {
			cut++ // that one is kept already
		}
		if cut < len(b) {
			s.more = true
		}
		b = b[:cut]
	}
	if len(b)*8 <= len(s.addrs) {
		// A few into many: a search each beats a pass over all.
		for _, k := range b {
			s.add(k)
		}
		return
	}
	a := s.addrs
	out := make([]addrKey, 0, min(len(a)+len(b), MaxSources))
	for (len(a) > 0 || len(b) > 0) && len(out) < MaxSources {
		switch {
		case len(b) == 0:
			out, a = append(out, a[0]), a[1:]
		case len(a) == 0:
			out, b = append(out, b[0]), b[1:]
		default:
			switch c := compareKeys(a[0], b[0]); {
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
