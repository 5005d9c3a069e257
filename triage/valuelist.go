package triage

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Value list types Picket evaluates, as Kibana names them (the "type" of a
// value list, and of the "list" of an exception entry).
const (
	ListIP      = "ip"       // addresses; an event's address matches itself
	ListIPRange = "ip_range" // CIDR blocks, "first-last" ranges or single addresses
	ListKeyword = "keyword"  // exact, case-sensitive text
)

// ValueListTypes are the list types Picket stores and matches.
var ValueListTypes = []string{ListIP, ListIPRange, ListKeyword}

// ValueList is an Elastic value list compiled for matching: a set for ip
// and keyword lists, sorted merged address spans for ip_range lists, so a
// lookup costs one map access or one binary search however long the list.
type ValueList struct {
	ID    string
	Type  string
	Count int // distinct values given

	keywords map[string]struct{}
	addrs    map[netip.Addr]struct{}
	spans    []ipSpan // ip_range: sorted by lo, disjoint, one address family each
}

type ipSpan struct{ lo, hi netip.Addr }

// ValueLists resolves value lists by id, as an exception entry's
// "list": {"id": ...} names them.
type ValueLists map[string]*ValueList

// NewValueList compiles values (as stored: trimmed, one per element) into a
// list of type typ. A value that does not fit the type is an error naming
// it; see ParseListValue.
func NewValueList(id, typ string, values []string) (*ValueList, error) {
	l := &ValueList{ID: id, Type: typ}
	switch typ {
	case ListKeyword:
		l.keywords = make(map[string]struct{}, len(values))
	case ListIP:
		l.addrs = make(map[netip.Addr]struct{}, len(values))
	case ListIPRange:
		l.spans = make([]ipSpan, 0, len(values))
	default:
		return nil, fmt.Errorf("value list %s: unknown type %q (want %s)", id, typ, strings.Join(ValueListTypes, ", "))
	}
	for _, v := range values {
		lo, hi, err := parseListValue(typ, v)
		if err != nil {
			return nil, fmt.Errorf("value list %s: %w", id, err)
		}
		switch typ {
		case ListKeyword:
			l.keywords[v] = struct{}{}
		case ListIP:
			l.addrs[lo] = struct{}{}
		case ListIPRange:
			l.spans = append(l.spans, ipSpan{lo, hi})
		}
	}
	switch typ {
	case ListKeyword:
		l.Count = len(l.keywords)
	case ListIP:
		l.Count = len(l.addrs)
	case ListIPRange:
		l.Count = len(values)
		l.spans = mergeSpans(l.spans)
	}
	return l, nil
}

// ParseListValue checks one value of a list of type typ the way Kibana's
// import reads it (the line already trimmed): an ip list takes addresses;
// an ip_range list takes a CIDR block ("10.0.0.0/8"), a range of two
// addresses of one family ("10.0.0.1-10.0.0.9", Kibana's "gte-lte") or a
// single address; a keyword list takes any non-empty text.
func ParseListValue(typ, v string) error {
	_, _, err := parseListValue(typ, v)
	return err
}

func parseListValue(typ, v string) (lo, hi netip.Addr, err error) {
	if v == "" {
		return lo, hi, errors.New("empty value")
	}
	switch typ {
	case ListKeyword:
		return lo, hi, nil
	case ListIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			if strings.Contains(v, "/") || strings.Contains(v, "-") {
				return lo, hi, fmt.Errorf("%q is not an IP address (a network or range belongs in an ip_range list)", v)
			}
			return lo, hi, fmt.Errorf("%q is not an IP address", v)
		}
		a = a.Unmap().WithZone("")
		return a, a, nil
	case ListIPRange:
		if first, last, ok := strings.Cut(v, "-"); ok {
			a, err1 := netip.ParseAddr(strings.TrimSpace(first))
			b, err2 := netip.ParseAddr(strings.TrimSpace(last))
			if err1 != nil || err2 != nil {
				return lo, hi, fmt.Errorf("%q is not a range of two IP addresses (first-last)", v)
			}
			a, b = a.Unmap().WithZone(""), b.Unmap().WithZone("")
			if a.BitLen() != b.BitLen() {
				return lo, hi, fmt.Errorf("%q mixes IPv4 and IPv6", v)
			}
			if b.Less(a) {
				return lo, hi, fmt.Errorf("%q ends before it starts", v)
			}
			return a, b, nil
		}
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return lo, hi, fmt.Errorf("%q is not a CIDR block", v)
			}
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			p = p.Masked()
			return p.Addr(), lastAddr(p), nil
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return lo, hi, fmt.Errorf("%q is not an IP address, CIDR block or range", v)
		}
		a = a.Unmap().WithZone("")
		return a, a, nil
	}
	return lo, hi, fmt.Errorf("unknown list type %q", typ)
}

// lastAddr is the highest address of p (masked).
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// mergeSpans sorts spans and joins those that overlap or touch.
func mergeSpans(s []ipSpan) []ipSpan {
	slices.SortFunc(s, func(a, b ipSpan) int { return a.lo.Compare(b.lo) })
	out := s[:0]
	for _, sp := range s {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.hi.BitLen() == sp.lo.BitLen() && (sp.lo.Compare(last.hi) <= 0 || last.hi.Next() == sp.lo) {
				if last.hi.Less(sp.hi) {
					last.hi = sp.hi
				}
				continue
			}
		}
		out = append(out, sp)
	}
	return slices.Clip(out)
}

// Contains reports whether the field value v is on the list: the same text
// for keyword lists; for ip lists the same address; for ip_range lists an
// address inside one of the ranges. A value that is not an address never
// matches an ip or ip_range list.
func (l *ValueList) Contains(v string) bool {
	if l == nil {
		return false
	}
	switch l.Type {
	case ListKeyword:
		_, ok := l.keywords[v]
		return ok
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	if l.Type == ListIP {
		_, ok := l.addrs[a]
		return ok
	}
	// The last span starting at or before a is the only one that can hold it.
	i, found := slices.BinarySearchFunc(l.spans, a, func(sp ipSpan, t netip.Addr) int { return sp.lo.Compare(t) })
	if found {
		return true
	}
	if i == 0 {
		return false
	}
	sp := l.spans[i-1]
	return sp.lo.BitLen() == a.BitLen() && a.Compare(sp.hi) <= 0
}
