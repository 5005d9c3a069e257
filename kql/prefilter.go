package kql

// Why this file is long: the literals a query requires and the byte search
// that looks for them (through JSON escapes and other spellings of numbers)
// must be argued sound together: a line is dropped only when both agree it
// cannot match.

import (
	"bytes"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Prefilter derives from the query a cheap test over a raw NDJSON line
// that returns false only when the line certainly cannot match, so a
// caller can skip decoding it: the bytes the query's values need (403 and
// POST for http.response.status_code:403 and http.request.method:POST),
// searched case-insensitively where KQL compares case-insensitively
// (text fields), any one of a value list's values (a multi-pattern
// search), and the last segment of each compared field's key. ok is false
// when the query needs no literal, e.g. a top-level not, a range, or an
// or with a branch that needs none.
//
// The test is sound for Documents that present the line's own JSON
// values: strings after JSON unescaping, numbers parsed from the number
// as written (with or without its text in Value.Str), object keys nested
// or dotted. It sees through JSON escapes (a line with a backslash is
// unescaped first), numbers written another way (4.03e2, 402.99999999999999999
// and 0x193p0 for 403 are found by reading the line's suspicious number
// tokens), and the two non-ASCII letters that lower-case to ASCII (K
// KELVIN SIGN, İ). It does not validate lines: a malformed line it rejects
// is not reported. The function is safe for concurrent use.
func (q *Query) Prefilter() (func(line []byte) bool, bool) {
	b := pfBuilder{}
	r := simplify(b.matcher(q.m))
	if r.kind == rTrue {
		return nil, false
	}
	if r.kind == rFalse {
		return func([]byte) bool { return false }, true
	}
	p := &prefilter{root: compileReq(r)}
	p.fold = r.hasFold()
	return p.match, true
}

// --- requirements ----------------------------------------------------------

type reqKind uint8

const (
	rTrue reqKind = iota
	rFalse
	rLit // the line holds s (or, for num, a number token whose text does)
	rAnd
	rOr
)

type req struct {
	kind reqKind
	s    string
	fold bool // case-insensitive: s is lower-case ASCII
	num  bool // s may be part of a number's text (see numberish)
	key  bool // a field name's segment: searched after values
	kids []req
}

var (
	reqTrue  = req{kind: rTrue}
	reqFalse = req{kind: rFalse}
)

func reqAnd(kids ...req) req { return req{kind: rAnd, kids: kids} }
func reqOr(kids ...req) req  { return req{kind: rOr, kids: kids} }

// simplify folds constants and nested and/or, and drops duplicate
// literals (a value list of addresses asks for "ffff:" a thousand times).
func simplify(r req) req {
	if r.kind != rAnd && r.kind != rOr {
		return r
	}
	absorb, unit := rFalse, rTrue // and: false absorbs, true is neutral
	if r.kind == rOr {
		absorb, unit = rTrue, rFalse
	}
	var flat []req
	for _, k := range r.kids {
		k = simplify(k)
		switch {
		case k.kind == absorb:
			return k
		case k.kind == unit:
		case k.kind == r.kind:
			flat = append(flat, k.kids...)
		default:
			flat = append(flat, k)
		}
	}
	type litID struct {
		s              string
		fold, num, key bool
	}
	seen := map[litID]bool{}
	kids := flat[:0]
	for _, k := range flat {
		if k.kind == rLit {
			id := litID{k.s, k.fold, k.num, k.key}
			if seen[id] {
				continue
			}
			seen[id] = true
		}
		kids = append(kids, k)
	}
	switch len(kids) {
	case 0:
		return req{kind: unit}
	case 1:
		return kids[0]
	}
	return req{kind: r.kind, kids: kids}
}

func (r req) hasFold() bool {
	if r.kind == rLit {
		return r.fold
	}
	for _, k := range r.kids {
		if k.hasFold() {
			return true
		}
	}
	return false
}

// numberish reports whether s could be part of the text a number value
// shows a keyword comparison when the Document gives no Str: digits,
// '.', '-', or a piece of +Inf, -Inf or NaN.
func numberish(s string) bool {
	if s == "" {
		return false
	}
	digits := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+') {
			digits = false
			break
		}
	}
	if digits {
		return true
	}
	for _, special := range []string{"+inf", "-inf", "nan"} {
		if strings.Contains(special, strings.ToLower(s)) {
			return true
		}
	}
	return false
}

// lit is the requirement that the line holds s as written (case
// sensitive). Pieces around U+FFFD are required separately: a decoder
// may have put it where the line has invalid UTF-8.
func lit(s string) req {
	var kids []req
	for _, piece := range strings.Split(s, "\uFFFD") {
		if piece != "" {
			kids = append(kids, req{kind: rLit, s: piece, num: numberish(piece)})
		}
	}
	return reqAnd(kids...)
}

// foldLit is the requirement that the line holds s in any letter case:
// only s's ASCII runs are required, since a non-ASCII letter has other
// encodings in other cases.
func foldLit(s string) req {
	var kids []req
	start := -1
	flush := func(end int) {
		if start >= 0 {
			piece := strings.ToLower(s[start:end])
			kids = append(kids, req{kind: rLit, s: piece, fold: true, num: numberish(piece)})
			start = -1
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			flush(i)
		} else if start < 0 {
			start = i
		}
	}
	flush(len(s))
	return reqAnd(kids...)
}

// numLit is the requirement for a number compared numerically: the
// digits of |n| appear in any decimal writing of a value that equals n
// or truncates to it, unless it is written with an exponent, in hex or
// with more digits than a double holds, which the number-token reading
// of the line covers.
func numLit(n float64) req {
	if math.IsInf(n, 0) || math.IsNaN(n) {
		return reqTrue
	}
	s := strconv.FormatFloat(math.Abs(n), 'f', -1, 64)
	if len(s) > 24 {
		return reqTrue
	}
	return req{kind: rLit, s: s, num: true}
}

// keyLit is the requirement that the line holds the last segment of a
// field path, as a key or the end of a dotted key.
func keyLit(path string) req {
	seg := path[strings.LastIndexByte(path, '.')+1:]
	if seg == "" || strings.ContainsRune(seg, utf8.RuneError) {
		return reqTrue
	}
	return req{kind: rLit, s: seg, key: true}
}

// maxListNeedles bounds the needles one value list contributes; a larger
// list gives no requirement (its multi-pattern automaton would cost more
// than it saves).
const maxListNeedles = 20000

type pfBuilder struct{}

func (b pfBuilder) matcher(m matcher) req {
	switch x := m.(type) {
	case matchAll:
		return reqTrue
	case matchNone:
		return reqFalse
	case andMatcher:
		var kids []req
		for _, k := range x {
			kids = append(kids, b.matcher(k))
		}
		return reqAnd(kids...)
	case orMatcher:
		var kids []req
		for _, k := range x {
			kids = append(kids, b.matcher(k))
		}
		return reqOr(kids...)
	case *nestedMatcher:
		return b.matcher(x.inner)
	case *fieldMatcher:
		// The key is required only next to a value literal: a range
		// alone gives no requirement, as its key is in nearly every line.
		v := b.cmp(x.cmp)
		if v := simplify(v); v.kind == rTrue || v.kind == rFalse {
			return v
		}
		return reqAnd(v, keyLit(x.path))
	case *existsMatcher:
		return keyLit(x.path)
	}
	// not, field-name wildcards and bare values: no literal.
	return reqTrue
}

func (b pfBuilder) cmp(c valueCmp) req {
	switch x := c.(type) {
	case noneCmp:
		return reqFalse
	case kwEq:
		return lit(x.s)
	case unknownEq:
		if x.isNum {
			return reqOr(lit(x.s), numLit(x.num))
		}
		return lit(x.s)
	case numEq:
		if x.typ == "float" || x.typ == "half_float" {
			return reqTrue // rounded to fewer digits than written
		}
		return numLit(x.n)
	case ipEq:
		return ipLit(netip.PrefixFrom(x.a, x.a.BitLen()))
	case ipIn:
		return ipLit(x.p)
	case textAny:
		var kids []req
		for _, t := range x.toks {
			kids = append(kids, foldLit(t))
		}
		return reqOr(kids...)
	case textPhrase:
		var kids []req
		for _, t := range x.toks {
			kids = append(kids, foldLit(t))
		}
		return reqAnd(kids...)
	case kwWild:
		return b.wild(x.w, lit)
	case tokenWild:
		return b.wild(x.w, foldLit)
	case anyCmp:
		var kids []req
		for _, k := range x {
			kids = append(kids, b.cmp(k))
		}
		return reqOr(kids...)
	case *valueSet:
		return b.set(x)
	}
	// ranges, dates, booleans: no literal.
	return reqTrue
}

func (b pfBuilder) wild(w wildcard, one func(string) req) req {
	var kids []req
	for _, p := range w.parts {
		kids = append(kids, one(p))
	}
	return reqAnd(kids...)
}

// ipLit requires the fixed leading octets of an IPv4 address or block
// ("10.1." for 10.1.0.0/16), or "ffff:" for a mapped address written in
// IPv6 form. IPv6 has too many writings to require anything.
func ipLit(p netip.Prefix) req {
	a := p.Addr()
	if !a.Is4() || p.Bits() < 8 {
		return reqTrue
	}
	o := a.As4()
	var sb strings.Builder
	for i := 0; i < p.Bits()/8; i++ {
		sb.WriteString(strconv.Itoa(int(o[i])))
		if i < 3 {
			sb.WriteByte('.')
		}
	}
	// Not a number's text: ip comparisons read strings only.
	return reqOr(req{kind: rLit, s: sb.String()}, foldLit("ffff:"))
}

func (b pfBuilder) set(s *valueSet) req {
	if s.size > maxListNeedles {
		return reqTrue
	}
	var kids []req
	for k := range s.kw {
		kids = append(kids, lit(k))
	}
	for k := range s.unkText {
		kids = append(kids, lit(k))
	}
	for n := range s.unkNum {
		kids = append(kids, numLit(n))
	}
	for _, ns := range s.nums {
		for n := range ns.vals {
			kids = append(kids, b.cmp(numEq{n: n, cls: ns.cls, typ: ns.typ}))
		}
	}
	if s.hasBool || len(s.dates[0].lo) > 0 || len(s.dates[1].lo) > 0 {
		return reqTrue
	}
	for a := range s.ips {
		kids = append(kids, b.cmp(ipEq{a}))
	}
	for p := range s.prefixes {
		kids = append(kids, ipLit(p))
	}
	for t := range s.tokens {
		kids = append(kids, foldLit(t))
	}
	for _, ps := range s.phrases {
		for _, p := range ps {
			kids = append(kids, b.cmp(textPhrase{p}))
		}
	}
	if s.kwWild != nil {
		if s.kwWild.any {
			return reqTrue
		}
		for _, w := range s.kwWild.pats {
			kids = append(kids, b.cmp(kwWild{w}))
		}
	}
	if s.tokWild != nil {
		if s.tokWild.any {
			return reqTrue
		}
		for _, w := range s.tokWild.pats {
			kids = append(kids, b.cmp(tokenWild{w}))
		}
	}
	for _, c := range s.rest {
		kids = append(kids, b.cmp(c))
	}
	return reqOr(kids...)
}

// --- evaluation ------------------------------------------------------------

type pfKind uint8

const (
	pfLit pfKind = iota
	pfAnd
	pfOr
	pfAny // many literals, by Aho–Corasick
)

type pfNode struct {
	kind    pfKind
	kids    []*pfNode
	needle  []byte
	fold    bool
	num     bool // also look in the line's number tokens
	special bool // holds a character a short JSON escape writes (see escapable)
	ac      *denseAC
}

// escapable reports whether s holds a character that JSON may write as
// a two-byte escape (\" \\ \/ \b \f \n \r \t): only such needles can
// hide in a line whose escapes are all short ones.
func escapable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' || c == '/' || c < 0x20 {
			return true
		}
	}
	return false
}

// compileReq turns a simplified requirement into the evaluation tree:
// an or of four or more literals becomes one automaton per letter-case
// mode, and an and tries value literals before field-name ones (keys are
// in nearly every line).
func compileReq(r req) *pfNode {
	switch r.kind {
	case rLit:
		return &pfNode{kind: pfLit, needle: []byte(r.s), fold: r.fold, num: r.num, special: escapable(r.s)}
	case rAnd:
		// Cheapest and most selective first: plain value literals (one
		// vectorised search), then the rest, then literals that may need
		// the line's numbers read, then keys.
		n := &pfNode{kind: pfAnd}
		var later, keys []*pfNode
		for _, k := range r.kids {
			c := compileReq(k)
			switch {
			case k.kind == rLit && k.key:
				keys = append(keys, c)
			case c.mayReadNumbers():
				later = append(later, c)
			default:
				n.kids = append(n.kids, c)
			}
		}
		n.kids = append(append(n.kids, later...), keys...)
		return n
	}
	n := &pfNode{kind: pfOr}
	var lits [2][]req // [sensitive, fold]
	for _, k := range r.kids {
		if k.kind == rLit {
			lits[b2i(k.fold)] = append(lits[b2i(k.fold)], k)
		} else {
			n.kids = append(n.kids, compileReq(k))
		}
	}
	for f, ls := range lits {
		if len(ls) < 4 {
			for _, l := range ls {
				n.kids = append(n.kids, compileReq(l))
			}
			continue
		}
		keys := make([]string, len(ls))
		num, special := false, false
		for i, l := range ls {
			keys[i], num, special = l.s, num || l.num, special || escapable(l.s)
		}
		ac := newDenseAC(keys, f == 1)
		if ac == nil {
			return &pfNode{kind: pfAnd} // too large: always true
		}
		n.kids = append(n.kids, &pfNode{kind: pfAny, ac: ac, fold: f == 1, num: num, special: special})
	}
	return n
}

func (n *pfNode) mayReadNumbers() bool {
	if n.num {
		return true
	}
	for _, k := range n.kids {
		if k.mayReadNumbers() {
			return true
		}
	}
	return false
}

type prefilter struct {
	root *pfNode
	fold bool // the query has case-insensitive literals
}

// line is what one call looks at: the line (with its escapes decoded
// when that can matter), a copy with the letters that lower-case to ASCII
// replaced (for fold needles), and the texts of its suspicious number
// tokens, each computed when first needed.
type line struct {
	p            *prefilter
	text, folded []byte
	// lazy: the line has only short escapes (\n, \", ...), not yet
	// decoded; needles without escapable characters are searched in it
	// as it is.
	lazy     bool
	buf      *lineBuf
	nums     [][]byte
	numsDone bool
	hex      bool
}

var linePool = sync.Pool{New: func() any { return &lineBuf{} }}

type lineBuf struct{ dec, fold []byte }

func (p *prefilter) match(raw []byte) bool {
	l := line{p: p, text: raw}
	defer func() {
		if l.buf != nil {
			linePool.Put(l.buf)
		}
	}()
	if bytes.IndexByte(raw, '\\') >= 0 {
		// A \u escape can write any character: decode now. Short
		// escapes only hide the characters they stand for.
		l.lazy = true
		if bytes.Contains(raw, []byte(`\u`)) && !l.decode() {
			return true // an escape a byte search cannot see through
		}
	}
	l.fold()
	return p.root.eval(&l)
}

// decode replaces the text with the line unescaped; false when a lone
// surrogate leaves the decoding in doubt.
func (l *line) decode() bool {
	if !l.lazy {
		return true
	}
	l.lazy = false
	if l.buf == nil {
		l.buf = linePool.Get().(*lineBuf)
	}
	dec, ok := unescapeJSON(l.buf.dec[:0], l.text)
	l.buf.dec = dec
	if !ok {
		return false
	}
	l.text = dec
	l.fold()
	return true
}

func (l *line) fold() {
	l.folded = l.text
	if l.p.fold && hasASCIILowering(l.text) {
		if l.buf == nil {
			l.buf = linePool.Get().(*lineBuf)
		}
		l.buf.fold = lowerToASCII(l.buf.fold[:0], l.text)
		l.folded = l.buf.fold
	}
}

func (n *pfNode) eval(l *line) bool {
	switch n.kind {
	case pfAnd:
		for _, k := range n.kids {
			if !k.eval(l) {
				return false
			}
		}
		return true
	case pfOr:
		for _, k := range n.kids {
			if k.eval(l) {
				return true
			}
		}
		return false
	case pfAny:
		hay, ok := l.hay(n)
		if !ok || n.ac.find(hay) {
			return true
		}
		if n.num {
			if l.numbers() {
				return true
			}
			for _, t := range l.nums {
				if n.ac.find(t) {
					return true
				}
			}
		}
		return false
	}
	hay, ok := l.hay(n)
	if !ok || contains(hay, n.needle, n.fold) {
		return true
	}
	if n.num {
		if l.numbers() {
			return true
		}
		for _, t := range l.nums {
			if contains(t, n.needle, n.fold) {
				return true
			}
		}
	}
	return false
}

// hay is the text to search n's needles in; ok is false when the line
// cannot be decoded, which keeps it.
func (l *line) hay(n *pfNode) (hay []byte, ok bool) {
	if n.special && l.lazy && !l.decode() {
		return nil, false
	}
	if n.fold {
		return l.folded, true
	}
	return l.text, true
}

// numbers collects the texts of the line's suspicious number tokens and
// reports whether the line has a hex number, or cannot be decoded: either
// is taken to hold any number.
func (l *line) numbers() bool {
	if !l.numsDone {
		l.numsDone = true
		if !l.decode() { // "\n4.03e2" is 403 once the \n is a newline
			l.hex = true
			return true
		}
		l.nums, l.hex = suspiciousNumbers(l.text)
	}
	return l.hex
}

func contains(hay, needle []byte, fold bool) bool {
	if !fold {
		return bytes.Contains(hay, needle)
	}
	return indexFold(hay, needle) >= 0
}

// indexFold finds needle (lower-case ASCII) in hay, ignoring ASCII case.
// It looks for the first byte in both cases, remembering where each
// occurs next so that neither is searched for twice over the same bytes.
func indexFold(hay, needle []byte) int {
	if len(needle) == 0 {
		return 0
	}
	last := len(hay) - len(needle) // the last position a match can start
	c, upper := needle[0], needle[0]
	if c >= 'a' && c <= 'z' {
		upper = c - 'a' + 'A'
	}
	next := func(from int, b byte) int {
		if k := bytes.IndexByte(hay[from:last+1], b); k >= 0 {
			return from + k
		}
		return len(hay)
	}
	lo, up := -1, -1
	if upper == c {
		up = len(hay) // no other case to look for
	}
	for i := 0; i <= last; {
		if lo < i {
			lo = next(i, c)
		}
		if up < i {
			up = next(i, upper)
		}
		j := min(lo, up)
		if j > last {
			return -1
		}
		if equalFoldASCII(hay[j:j+len(needle)], needle) {
			return j
		}
		i = j + 1
	}
	return -1
}

func equalFoldASCII(a, lower []byte) bool {
	for i, c := range a {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// unescapeJSON appends raw with every JSON escape decoded. Decoding
// outside strings is harmless: valid JSON has no backslash there. ok is
// false for a lone surrogate, which decoders render differently.
func unescapeJSON(dst, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); i++ {
		k := bytes.IndexByte(raw[i:], '\\')
		if k < 0 || i+k+1 >= len(raw) {
			return append(dst, raw[i:]...), true
		}
		dst = append(dst, raw[i:i+k]...)
		i += k + 1
		switch raw[i] {
		case '"', '\\', '/':
			dst = append(dst, raw[i])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(raw, i+1)
			if !ok {
				dst = append(dst, '\\', 'u')
				continue
			}
			i += 4
			if r >= 0xD800 && r < 0xDC00 {
				lo, ok := rune(0), false
				if i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					lo, ok = hex4(raw, i+3)
				}
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return nil, false
				}
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				i += 6
			} else if r >= 0xDC00 && r <= 0xDFFF {
				return nil, false
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst = append(dst, '\\', raw[i])
		}
	}
	return dst, true
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		h := hexVal(c)
		if h < 0 {
			return 0, false
		}
		r = r<<4 | rune(h)
	}
	return r, true
}

// asciiLowering are the non-ASCII letters that strings.ToLower turns into
// ASCII (TestASCIILowering derives the list): a text token holding 'k'
// may come from a KELVIN SIGN in the line.
var asciiLowering = []struct {
	utf8  string
	lower byte
}{{"\u0130", 'i'}, {"\u212a", 'k'}}

func hasASCIILowering(b []byte) bool {
	for _, x := range asciiLowering {
		if bytes.Contains(b, []byte(x.utf8)) {
			return true
		}
	}
	return false
}

func lowerToASCII(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		replaced := false
		for _, x := range asciiLowering {
			if bytes.HasPrefix(b[i:], []byte(x.utf8)) {
				dst = append(dst, x.lower)
				i += len(x.utf8)
				replaced = true
				break
			}
		}
		if !replaced {
			dst = append(dst, b[i])
			i++
		}
	}
	return dst
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// suspiciousNumbers finds the number tokens whose value a decoder may
// give a text the line does not hold: with an exponent (4.03e2 is 403)
// or with 16 digits or more (402.99999999999999999 rounds to 403). It
// returns each one's value formatted as Value.Text formats a number,
// and whether the line holds a hex number (0x193p0, which Go reads).
// Shorter plain numbers format to a piece of their own text.
func suspiciousNumbers(b []byte) (texts [][]byte, hex bool) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '0' && i+1 < len(b) && (b[i+1] == 'x' || b[i+1] == 'X') {
			hex = true
		}
		if c < '0' || c > '9' || i > 0 && (isWordByte(b[i-1]) || b[i-1] == '.') {
			continue
		}
		start := i
		for start > 0 && (b[start-1] == '-' || b[start-1] == '+' || b[start-1] == '.') {
			start--
		}
		if start > 0 && isWordByte(b[start-1]) {
			continue
		}
		end, digits, exp := i, 0, false
		for end < len(b) && (b[end] >= '0' && b[end] <= '9' || b[end] == '.') {
			if b[end] != '.' {
				digits++
			}
			end++
		}
		if end+1 < len(b) && (b[end] == 'e' || b[end] == 'E') {
			k := end + 1
			if b[k] == '+' || b[k] == '-' {
				k++
			}
			if k < len(b) && b[k] >= '0' && b[k] <= '9' {
				for k < len(b) && b[k] >= '0' && b[k] <= '9' {
					k++
				}
				end, exp = k, true
			}
		}
		i = end - 1
		if end < len(b) && isWordByte(b[end]) || !exp && digits < 16 {
			continue
		}
		f, err := strconv.ParseFloat(string(b[start:end]), 64)
		if err != nil && !math.IsInf(f, 0) {
			continue
		}
		texts = append(texts, []byte(strconv.FormatFloat(f, 'f', -1, 64)))
	}
	return texts, hex
}

// --- dense Aho–Corasick ----------------------------------------------------

// denseAC is an Aho–Corasick automaton with a full transition table over
// byte classes, to scan lines at a table lookup per byte.
type denseAC struct {
	class   [256]uint8
	classes int
	// delta[row+class] is the next state's row (its number times
	// classes+1, saving a multiplication per byte), or -1 when that
	// state ends a key (the scan stops there).
	delta []int32
	empty bool // a key is empty: every text holds it
}

// maxACCells bounds the transition table (states × byte classes).
const maxACCells = 1 << 21

// newDenseAC builds the automaton of keys (lower-case ASCII when fold);
// nil when it would be too large.
func newDenseAC(keys []string, fold bool) *denseAC {
	tk := make([]trieKey, len(keys))
	for i, k := range keys {
		tk[i] = trieKey{k, int32(i)}
	}
	t := newTrie(tk, false)
	t.link()
	d := &denseAC{}
	for _, k := range keys {
		for i := 0; i < len(k); i++ {
			if d.class[k[i]] == 0 {
				d.classes++
				d.class[k[i]] = uint8(d.classes)
			}
		}
		if d.classes > 250 {
			return nil
		}
	}
	if fold {
		for c := 'A'; c <= 'Z'; c++ {
			d.class[c] = d.class[c+'a'-'A']
		}
	}
	nc := d.classes + 1
	states := t.nodes()
	if states*nc > maxACCells {
		return nil
	}
	d.delta = make([]int32, states*nc)
	accept := func(s int32) bool { return t.idStart[s] != t.idStart[s+1] || t.dict[s] >= 0 }
	d.empty = accept(0)
	// Breadth first, so a state's fail state has its row already. Rows
	// keep real state numbers while built; accepting targets are marked
	// afterwards.
	queue := []int32{0}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		row := d.delta[int(s)*nc : int(s+1)*nc]
		if s != 0 {
			copy(row, d.delta[int(t.fail[s])*nc:int(t.fail[s]+1)*nc])
		}
		for j := t.edgeStart[s]; j < t.edgeStart[s+1]; j++ {
			row[d.class[t.label[j]]] = t.child[j]
			queue = append(queue, t.child[j])
		}
	}
	for i, s := range d.delta {
		if accept(s) {
			d.delta[i] = -1
		} else {
			d.delta[i] = s * int32(nc)
		}
	}
	return d
}

func (d *denseAC) find(b []byte) bool {
	if d.empty {
		return true
	}
	delta, class := d.delta, &d.class
	row := int32(0)
	for _, c := range b {
		row = delta[row+int32(class[c])]
		if row < 0 {
			return true
		}
	}
	return false
}
