package kql

import (
	"net/netip"
	"sort"
)

// A value list — field:(a or b or c), or field:a or field:b — is an or of
// comparators that all read one field. Tried one by one it costs one
// document lookup and one value conversion per value and event, so an
// IOC list of 300,000 addresses never finishes. valueSet answers the
// same question with one lookup: it reads the document value once (its
// text, number, address, instant, tokens) and probes sets built from the
// comparators. Since "any value matches any comparator" is the same as
// "any comparator matches any value", the answer is unchanged.
type valueSet struct {
	size int // comparators merged, for ValueLists

	kw map[string]struct{} // kwEq: the value's text

	// unknownEq: strings and booleans compare as text, numbers
	// numerically when the query value is a number, else as text.
	unkText, unkNumText map[string]struct{}
	unkNum              map[float64]struct{}

	nums []numSet // numEq, by how the field indexes numbers

	bools   [2]bool // boolEq
	hasBool bool

	ips      map[netip.Addr]struct{} // ipEq
	prefixes map[netip.Prefix]struct{}
	v4Bits   []int // the prefix lengths in prefixes, per family
	v6Bits   []int

	dates [2]spans // dateIn, in milliseconds [0] and nanoseconds [1]
	dp    *dateParser

	tokens  map[string]struct{}   // textAny
	phrases map[string][][]string // textPhrase, by first token
	tokWild *wildSet              // tokenWild
	kwWild  *wildSet              // kwWild

	rest anyCmp // comparators with no set form (ranges...)
}

type numSet struct {
	cls  class
	typ  string
	vals map[float64]struct{}
}

// spans are disjoint sorted closed intervals.
type spans struct{ lo, hi []int64 }

func (s *spans) contains(t int64) bool {
	i := sort.Search(len(s.lo), func(i int) bool { return s.lo[i] > t }) - 1
	return i >= 0 && t <= s.hi[i]
}

// newValueSet builds the set of cmps, one per value of the list.
func newValueSet(cmps []valueCmp) *valueSet {
	s := &valueSet{size: len(cmps)}
	var kwPats, tokPats []wildcard
	var dateIv [2][][2]int64
	var add func(c valueCmp)
	add = func(c valueCmp) {
		switch x := c.(type) {
		case kwEq:
			setAdd(&s.kw, x.s)
		case unknownEq:
			setAdd(&s.unkText, x.s)
			if x.isNum {
				if s.unkNum == nil {
					s.unkNum = map[float64]struct{}{}
				}
				s.unkNum[x.num] = struct{}{}
			} else {
				setAdd(&s.unkNumText, x.s)
			}
		case numEq:
			s.addNum(x)
		case boolEq:
			s.hasBool = true
			s.bools[b2i(x.b)] = true
		case ipEq:
			if s.ips == nil {
				s.ips = map[netip.Addr]struct{}{}
			}
			s.ips[x.a] = struct{}{}
		case ipIn:
			s.addPrefix(x.p)
		case dateIn:
			k := b2i(x.nanos)
			s.dp = x.dp
			dateIv[k] = append(dateIv[k], [2]int64{x.lo, x.hi})
		case textAny:
			for _, t := range x.toks {
				setAdd(&s.tokens, t)
			}
		case textPhrase:
			if s.phrases == nil {
				s.phrases = map[string][][]string{}
			}
			s.phrases[x.toks[0]] = append(s.phrases[x.toks[0]], x.toks)
		case kwWild:
			if len(x.w.parts) < 2 {
				s.rest = append(s.rest, c)
				break
			}
			kwPats = append(kwPats, x.w)
		case tokenWild:
			if len(x.w.parts) < 2 {
				s.rest = append(s.rest, c)
				break
			}
			tokPats = append(tokPats, x.w)
		case anyCmp:
			for _, y := range x {
				add(y)
			}
		case noneCmp:
		default:
			s.rest = append(s.rest, c)
		}
	}
	for _, c := range cmps {
		add(c)
	}
	for k := range dateIv {
		s.dates[k] = mergeSpans(dateIv[k])
	}
	if len(kwPats) > 0 {
		s.kwWild = newWildSet(kwPats)
	}
	if len(tokPats) > 0 {
		s.tokWild = newWildSet(tokPats)
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func setAdd(m *map[string]struct{}, s string) {
	if *m == nil {
		*m = map[string]struct{}{}
	}
	(*m)[s] = struct{}{}
}

func (s *valueSet) addNum(x numEq) {
	for i := range s.nums {
		if s.nums[i].cls == x.cls && s.nums[i].typ == x.typ {
			s.nums[i].vals[x.n] = struct{}{}
			return
		}
	}
	s.nums = append(s.nums, numSet{cls: x.cls, typ: x.typ, vals: map[float64]struct{}{x.n: {}}})
}

func (s *valueSet) addPrefix(p netip.Prefix) {
	if s.prefixes == nil {
		s.prefixes = map[netip.Prefix]struct{}{}
	}
	if _, dup := s.prefixes[p]; dup {
		return
	}
	s.prefixes[p] = struct{}{}
	bits := &s.v6Bits
	if p.Addr().Is4() {
		bits = &s.v4Bits
	}
	for _, b := range *bits {
		if b == p.Bits() {
			return
		}
	}
	*bits = append(*bits, p.Bits())
	sort.Ints(*bits)
}

func mergeSpans(iv [][2]int64) spans {
	sort.Slice(iv, func(i, j int) bool { return iv[i][0] < iv[j][0] })
	var s spans
	for _, x := range iv {
		if n := len(s.hi); n > 0 && x[0] <= s.hi[n-1] {
			if x[1] > s.hi[n-1] {
				s.hi[n-1] = x[1]
			}
			continue
		}
		s.lo = append(s.lo, x[0])
		s.hi = append(s.hi, x[1])
	}
	return s
}

func (s *valueSet) test(v Value) bool {
	if v.Kind == KindNull {
		// Every comparator with a set form is false on null.
		return s.rest.test(v)
	}
	text := v.Text()
	if s.kw != nil {
		if _, ok := s.kw[text]; ok {
			return true
		}
	}
	if s.unkText != nil && s.unknownTest(v, text) {
		return true
	}
	for i := range s.nums {
		if s.nums[i].test(v) {
			return true
		}
	}
	if s.hasBool {
		if b, ok := boolOf(v); ok && s.bools[b2i(b)] {
			return true
		}
	}
	if (s.ips != nil || s.prefixes != nil) && s.ipTest(v) {
		return true
	}
	for k := range s.dates {
		if len(s.dates[k].lo) > 0 {
			if t, ok := s.dp.docInstant(v, k == 1); ok && s.dates[k].contains(t) {
				return true
			}
		}
	}
	if (s.tokens != nil || s.phrases != nil || s.tokWild != nil) && s.textTest(text) {
		return true
	}
	if s.kwWild != nil && s.kwWild.match(text) {
		return true
	}
	return s.rest.test(v)
}

func (s *valueSet) unknownTest(v Value, text string) bool {
	switch v.Kind {
	case KindNumber:
		if _, ok := s.unkNum[v.Num]; ok {
			return true
		}
		_, ok := s.unkNumText[text]
		return ok
	default:
		_, ok := s.unkText[text]
		return ok
	}
}

func (n *numSet) test(v Value) bool {
	var f float64
	if v.Kind == KindNumber && n.cls == clsFloat && n.typ == "double" {
		f = v.Num
	} else {
		x, ok := numberOf(v)
		if !ok {
			return false
		}
		f = indexedNumber(n.cls, n.typ, x)
	}
	_, ok := n.vals[f]
	return ok
}

func (s *valueSet) ipTest(v Value) bool {
	a, ok := ipOf(v)
	if !ok {
		return false
	}
	if _, ok := s.ips[a]; ok {
		return true
	}
	bits := s.v6Bits
	if a.Is4() {
		bits = s.v4Bits
	}
	for _, b := range bits {
		p, err := a.Prefix(b)
		if err != nil {
			continue
		}
		if _, ok := s.prefixes[p]; ok {
			return true
		}
	}
	return false
}

func (s *valueSet) textTest(text string) bool {
	doc := analyze(text)
	for i, t := range doc {
		if _, ok := s.tokens[t]; ok {
			return true
		}
		for _, p := range s.phrases[t] {
			if i+len(p) <= len(doc) && equalStrings(doc[i:i+len(p)], p) {
				return true
			}
		}
		if s.tokWild != nil && s.tokWild.match(t) {
			return true
		}
	}
	return false
}

func equalStrings(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// wildSet matches a text against many wildcard patterns without trying
// each: a pattern is only tried when its anchoring piece is found — its
// literal prefix (a trie walk from the text's start), else its literal
// suffix (from the end), else its longest inner piece (Aho–Corasick).
type wildSet struct {
	pats                   []wildcard
	any                    bool // a pattern of stars only: every text matches
	prefix, suffix, middle *trie
}

func newWildSet(pats []wildcard) *wildSet {
	w := &wildSet{pats: pats}
	var pre, suf, mid []trieKey
	for i, p := range pats {
		id := int32(i)
		first, last := p.parts[0], p.parts[len(p.parts)-1]
		switch {
		case first != "":
			pre = append(pre, trieKey{first, id})
		case last != "":
			suf = append(suf, trieKey{last, id})
		default:
			longest := ""
			for _, m := range p.parts[1 : len(p.parts)-1] {
				if len(m) > len(longest) {
					longest = m
				}
			}
			if longest == "" {
				w.any = true
				continue
			}
			mid = append(mid, trieKey{longest, id})
		}
	}
	if pre != nil {
		w.prefix = newTrie(pre, false)
	}
	if suf != nil {
		w.suffix = newTrie(suf, true)
	}
	if mid != nil {
		w.middle = newTrie(mid, false)
		w.middle.link()
	}
	return w
}

func (w *wildSet) match(s string) bool {
	if w.any {
		return true
	}
	try := func(id int32) bool { return w.pats[id].match(s) }
	return w.prefix != nil && w.prefix.prefixes(s, try) ||
		w.suffix != nil && w.suffix.suffixes(s, try) ||
		w.middle != nil && w.middle.occurrences(s, try)
}
