package kql

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// valueCmp tests one document value; built once per comparison.
type valueCmp interface {
	test(v Value) bool
}

// class groups Elasticsearch field types by how they compare.
type class uint8

const (
	clsUnknown  class = iota // not in the type table: keyword, numeric when both sides are numbers
	clsKeyword               // keyword, constant_keyword, flattened, version...
	clsWildType              // the wildcard field type: exact like keyword
	clsText                  // text, match_only_text: analysed
	clsInteger               // long, integer, short, byte, unsigned_long
	clsFloat                 // double, float, half_float, scaled_float
	clsIP
	clsDate
	clsBool
	clsNone // object, nested, geo_point, binary...: no value matches
)

func classOf(typ string) class {
	switch typ {
	case "":
		return clsUnknown
	case "keyword", "constant_keyword", "flattened", "version":
		return clsKeyword
	case "wildcard":
		return clsWildType
	case "text", "match_only_text", "search_as_you_type":
		return clsText
	case "long", "integer", "short", "byte", "unsigned_long":
		return clsInteger
	case "double", "float", "half_float", "scaled_float":
		return clsFloat
	case "ip":
		return clsIP
	case "date", "date_nanos":
		return clsDate
	case "boolean":
		return clsBool
	}
	return clsNone
}

type noneCmp struct{}

func (noneCmp) test(Value) bool { return false }

// kwEq is an exact, case-sensitive comparison with a keyword.
type kwEq struct{ s string }

func (k kwEq) test(v Value) bool {
	if v.Kind == KindString {
		return v.Str == k.s
	}
	return v.Kind != KindNull && v.Text() == k.s
}

// unknownEq compares like keyword, and numerically when the document
// value is a number and the query value parses as one.
type unknownEq struct {
	s     string
	num   float64
	isNum bool
}

func (u unknownEq) test(v Value) bool {
	switch v.Kind {
	case KindString:
		return v.Str == u.s
	case KindNumber:
		if u.isNum {
			return v.Num == u.num
		}
		return v.Text() == u.s
	case KindBool:
		return v.Text() == u.s
	}
	return false
}

// numberOf returns a document value as a number: numbers, and strings
// that parse as one (Elasticsearch coerces them when indexing).
func numberOf(v Value) (float64, bool) {
	switch v.Kind {
	case KindNumber:
		return v.Num, true
	case KindString:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64)
		return f, err == nil
	}
	return 0, false
}

// indexedNumber is the value as a field of class c indexes it: integers
// truncated, half floats and floats rounded to their precision.
func indexedNumber(c class, typ string, f float64) float64 {
	switch {
	case c == clsInteger:
		return math.Trunc(f)
	case typ == "float" || typ == "half_float":
		return float64(float32(f))
	}
	return f
}

type numEq struct {
	n   float64
	cls class
	typ string
}

func (e numEq) test(v Value) bool {
	if v.Kind == KindNumber && e.cls == clsFloat && e.typ == "double" {
		return v.Num == e.n
	}
	f, ok := numberOf(v)
	return ok && indexedNumber(e.cls, e.typ, f) == e.n
}

// parseQueryNumber parses a query value for a numeric field of class c
// and type typ. ok is false when no document can match (not a number, or
// a fraction for an integer field).
func parseQueryNumber(c class, typ, s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	if c == clsInteger && f != math.Trunc(f) {
		return 0, false
	}
	return indexedNumber(c, typ, f), true
}

type boolEq struct{ b bool }

func boolOf(v Value) (bool, bool) {
	switch v.Kind {
	case KindBool:
		return v.Bool, true
	case KindString:
		switch v.Str {
		case "true":
			return true, true
		case "false", "":
			return false, true
		}
	}
	return false, false
}

func (e boolEq) test(v Value) bool {
	b, ok := boolOf(v)
	return ok && b == e.b
}

// ipOf parses a document value as an address, IPv4 unmapped.
func ipOf(v Value) (netip.Addr, bool) {
	if v.Kind != KindString {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(v.Str)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

type ipEq struct{ a netip.Addr }

func (e ipEq) test(v Value) bool {
	a, ok := ipOf(v)
	return ok && a == e.a
}

type ipIn struct{ p netip.Prefix }

func (e ipIn) test(v Value) bool {
	a, ok := ipOf(v)
	return ok && e.p.Contains(a)
}

// parseQueryIP parses an address or CIDR block for an ip field.
func parseQueryIP(s string) (valueCmp, bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, false
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return ipIn{p.Masked()}, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return nil, false
	}
	return ipEq{a.Unmap().WithZone("")}, true
}

// dateIn matches instants (Unix milliseconds, or nanoseconds for
// date_nanos) within [lo, hi].
type dateIn struct {
	lo, hi int64
	nanos  bool
	dp     *dateParser
}

func (e dateIn) test(v Value) bool {
	t, ok := e.dp.docInstant(v, e.nanos)
	return ok && t >= e.lo && t <= e.hi
}

// --- analysed text -------------------------------------------------------

// analyze splits text into lower-cased tokens, approximating
// Elasticsearch's standard analyzer (Unicode word segmentation, then
// lowercase): runs of letters, digits, marks and underscores, kept
// together across '.', '\” or ':' between letters and across '.' or ','
// between digits.
func analyze(s string) []string {
	var toks []string
	i := 0
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += w
			continue
		}
		start := i
		prev := r
		i += w
		for i < len(s) {
			r, w := utf8.DecodeRuneInString(s[i:])
			if isWordRune(r) {
				prev = r
				i += w
				continue
			}
			if i+w < len(s) {
				next, _ := utf8.DecodeRuneInString(s[i+w:])
				letters := unicode.IsLetter(prev) && unicode.IsLetter(next) && (r == '.' || r == '\'' || r == ':' || r == '’')
				digits := unicode.IsDigit(prev) && unicode.IsDigit(next) && (r == '.' || r == ',' || r == '\'' || r == ';')
				if letters || digits {
					i += w
					continue
				}
			}
			break
		}
		toks = append(toks, strings.ToLower(s[start:i]))
	}
	return toks
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_'
}

// textAny matches when the analysed value holds any of the tokens
// (a match query's default OR).
type textAny struct{ toks []string }

func (e textAny) test(v Value) bool {
	if v.Kind == KindNull {
		return false
	}
	for _, t := range analyze(v.Text()) {
		for _, q := range e.toks {
			if t == q {
				return true
			}
		}
	}
	return false
}

// textPhrase matches when the analysed value holds the tokens in order,
// adjacent.
type textPhrase struct{ toks []string }

func (e textPhrase) test(v Value) bool {
	if v.Kind == KindNull {
		return false
	}
	doc := analyze(v.Text())
	n := len(e.toks)
	for i := 0; i+n <= len(doc); i++ {
		ok := true
		for k := 0; k < n; k++ {
			if doc[i+k] != e.toks[k] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// --- wildcards -----------------------------------------------------------

// wildcard is a compiled pattern: the literal pieces between *s.
type wildcard struct{ parts []string }

// match reports whether s matches the whole pattern; linear in practice
// (greedy leftmost matching of the middle pieces is exact for * only).
func (w wildcard) match(s string) bool {
	p := w.parts
	if len(p) == 1 {
		return s == p[0]
	}
	if !strings.HasPrefix(s, p[0]) {
		return false
	}
	s = s[len(p[0]):]
	last := p[len(p)-1]
	for _, mid := range p[1 : len(p)-1] {
		k := strings.Index(s, mid)
		if k < 0 {
			return false
		}
		s = s[k+len(mid):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

func (w wildcard) lower() wildcard {
	out := make([]string, len(w.parts))
	for i, p := range w.parts {
		out[i] = strings.ToLower(p)
	}
	return wildcard{out}
}

// kwWild matches the whole value against a pattern.
type kwWild struct{ w wildcard }

func (e kwWild) test(v Value) bool {
	return v.Kind != KindNull && e.w.match(v.Text())
}

// tokenWild matches any analysed token against a lower-cased pattern.
type tokenWild struct{ w wildcard }

func (e tokenWild) test(v Value) bool {
	if v.Kind == KindNull {
		return false
	}
	for _, t := range analyze(v.Text()) {
		if e.w.match(t) {
			return true
		}
	}
	return false
}

type anyCmp []valueCmp

func (a anyCmp) test(v Value) bool {
	for _, c := range a {
		if c.test(v) {
			return true
		}
	}
	return false
}

// qsWords splits a wildcard literal the way Elasticsearch's query_string
// parser sees Kibana's query: at whitespace into words; each word either
// plain text or a wildcard pattern.
func qsWords(parts []string) (words []wildcard) {
	var cur []string // pieces of the current word
	var b strings.Builder
	inWord := false
	flushWord := func() {
		if inWord {
			cur = append(cur, b.String())
			words = append(words, wildcard{cur})
		}
		cur, inWord = nil, false
		b.Reset()
	}
	for k, part := range parts {
		if k > 0 {
			cur = append(cur, b.String())
			b.Reset()
			inWord = true
		}
		for _, r := range part {
			if unicode.IsSpace(r) || r == '\u00a0' {
				flushWord()
				continue
			}
			b.WriteRune(r)
			inWord = true
		}
	}
	flushWord()
	return words
}

// --- ordering (ranges) ---------------------------------------------------

type numRange struct {
	op  Op
	n   float64
	cls class
	typ string
}

func cmpOp(op Op, c int) bool {
	switch op {
	case OpLess:
		return c < 0
	case OpLessEqual:
		return c <= 0
	case OpGreater:
		return c > 0
	case OpGreaterEqual:
		return c >= 0
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (r numRange) test(v Value) bool {
	f, ok := numberOf(v)
	if !ok {
		return false
	}
	return cmpOp(r.op, cmpFloat(indexedNumber(r.cls, r.typ, f), r.n))
}

type strRange struct {
	op Op
	s  string
}

func (r strRange) test(v Value) bool {
	return v.Kind != KindNull && cmpOp(r.op, strings.Compare(v.Text(), r.s))
}

type tokenRange struct {
	op Op
	s  string
}

func (r tokenRange) test(v Value) bool {
	if v.Kind == KindNull {
		return false
	}
	for _, t := range analyze(v.Text()) {
		if cmpOp(r.op, strings.Compare(t, r.s)) {
			return true
		}
	}
	return false
}

type ipRange struct {
	op Op
	a  [16]byte
}

func (r ipRange) test(v Value) bool {
	a, ok := ipOf(v)
	if !ok {
		return false
	}
	b := a.As16()
	return cmpOp(r.op, strings.Compare(string(b[:]), string(r.a[:])))
}

type boolRange struct {
	op Op
	b  int
}

func (r boolRange) test(v Value) bool {
	b, ok := boolOf(v)
	if !ok {
		return false
	}
	x := 0
	if b {
		x = 1
	}
	return cmpOp(r.op, x-r.b)
}

// dateRange compares instants with a bound already rounded for the
// operator.
type dateRange struct {
	op    Op
	t     int64
	nanos bool
	dp    *dateParser
}

func (r dateRange) test(v Value) bool {
	t, ok := r.dp.docInstant(v, r.nanos)
	if !ok {
		return false
	}
	c := 0
	if t < r.t {
		c = -1
	} else if t > r.t {
		c = 1
	}
	return cmpOp(r.op, c)
}

// unknownRange orders unknown fields numerically when both sides are
// numbers, by instant when both are dates, else as strings.
type unknownRange struct {
	op    Op
	s     string
	num   float64
	isNum bool
	date  *dateRange
}

func (r unknownRange) test(v Value) bool {
	if r.isNum {
		if v.Kind == KindNumber {
			return cmpOp(r.op, cmpFloat(v.Num, r.num))
		}
	}
	if r.date != nil && v.Kind == KindString {
		if _, ok := r.date.dp.docInstant(v, false); ok {
			return r.date.test(v)
		}
	}
	return v.Kind != KindNull && cmpOp(r.op, strings.Compare(v.Text(), r.s))
}
