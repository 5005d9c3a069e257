package kql

// Why this file is long: it is the whole Kibana Query Language grammar as
// one recursive-descent parser; the grammar reads best in one place, in
// the order Kibana's own grammar gives it.

import (
	"strings"
	"time"
	"unicode/utf8"
)

// The parser follows Kibana's PEG grammar for KQL (kbn-es-query's
// grammar.peggy) rule by rule, as a hand-written recursive descent:
//
//	start      = Space* OrQuery? Space*
//	OrQuery    = AndQuery (Or AndQuery)*
//	AndQuery   = NotQuery (And NotQuery)*
//	NotQuery   = Not SubQuery / SubQuery
//	SubQuery   = '(' Space* OrQuery Space* ')' / NestedQuery
//	Nested     = Field Space* ':' Space* '{' Space* OrQuery Space* '}' / Expression
//	Expression = Field Space* RangeOp Space* Literal
//	           / Field Space* ':' Space* ListOfValues
//	           / Value
//	ListOfValues = '(' Space* OrList Space* ')' / Value
//	Or  = Space+ 'or'i Space+     And = Space+ 'and'i Space+     Not = 'not'i Space+
//
// An unquoted literal runs until a special character or a keyword (with
// its spaces) and is then trimmed, so values may hold inner spaces.

type nodeKind uint8

const (
	nMatchAll nodeKind = iota
	nOr
	nAnd
	nNot
	nIs    // field:value (field nil for a bare value)
	nRange // field op value
	nNested
)

type node struct {
	kind  nodeKind
	kids  []*node
	field *literal // nIs, nRange, nNested (the path)
	value *literal // nIs, nRange
	op    Op       // nRange
}

type litKind uint8

const (
	litString litKind = iota
	litNull
	litTrue
	litFalse
)

// literal is a parsed value or field name.
type literal struct {
	text     string   // unescaped text; wildcards written as * (see parts)
	parts    []string // when wildcard: the text between unescaped *s
	wildcard bool     // holds at least one unescaped *
	quoted   bool
	kind     litKind // typed literal (null/true/false) of an unquoted value
	start    int     // byte offsets of the literal as written
	end      int
}

// lone reports whether the literal is a single unescaped *.
func (l *literal) lone() bool {
	return l.wildcard && len(l.parts) == 2 && l.parts[0] == "" && l.parts[1] == ""
}

type parser struct {
	src      string
	pos      int
	depth    int
	maxDepth int
	err      *ParseError
}

func parse(q string, opts []Option) (*Query, error) {
	o := options{maxDepth: DefaultMaxDepth}
	for _, f := range opts {
		f(&o)
	}
	if o.maxDepth <= 0 {
		o.maxDepth = DefaultMaxDepth
	}
	if !o.nowSet {
		o.now = time.Now()
	}
	if o.loc == nil {
		o.loc = time.UTC
	}
	p := &parser{src: q, maxDepth: o.maxDepth}
	root := p.start()
	if p.err != nil {
		return nil, p.err
	}
	query := &Query{src: q, root: root, types: o.types, now: o.now, loc: o.loc}
	c := compiler{q: query, dp: &dateParser{now: o.now, loc: o.loc}}
	query.m = c.compile(root, "", false)
	if c.err != nil {
		return nil, c.err
	}
	if !o.naive {
		query.m = c.mergeValueLists(query.m)
	}
	query.comps = c.comps
	query.lists = c.lists
	return query, nil
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u00a0'
}

func isSpecial(c byte) bool {
	switch c {
	case '\\', '(', ')', ':', '<', '>', '"', '*', '{', '}':
		return true
	}
	return false
}

// spaceAt returns the width of the Space at i, 0 when none.
func (p *parser) spaceAt(i int) int {
	if i >= len(p.src) {
		return 0
	}
	c := p.src[i]
	if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
		return 1
	}
	if c == 0xc2 && i+1 < len(p.src) && p.src[i+1] == 0xa0 {
		return 2
	}
	return 0
}

func (p *parser) skipSpaces(i int) int {
	for {
		w := p.spaceAt(i)
		if w == 0 {
			return i
		}
		i += w
	}
}

// wordAt reports whether the case-insensitive word w starts at i.
func (p *parser) wordAt(i int, w string) bool {
	return i+len(w) <= len(p.src) && strings.EqualFold(p.src[i:i+len(w)], w)
}

// binaryKeyword matches Space+ word Space+ at i ("or", "and") and returns
// the position after it, or -1.
func (p *parser) binaryKeyword(i int, word string) int {
	j := p.skipSpaces(i)
	if j == i || !p.wordAt(j, word) {
		return -1
	}
	k := p.skipSpaces(j + len(word))
	if k == j+len(word) {
		return -1
	}
	return k
}

// notKeyword matches 'not'i Space+ at i and returns the position after it,
// or -1.
func (p *parser) notKeyword(i int) int {
	if !p.wordAt(i, "not") || p.spaceAt(i+3) == 0 {
		return -1
	}
	return p.skipSpaces(i + 3)
}

// fail records the first error.
func (p *parser) fail(at int, expected string) {
	if p.err != nil {
		return
	}
	found := "end of query"
	if at < len(p.src) {
		r, _ := utf8.DecodeRuneInString(p.src[at:])
		found = "'" + string(r) + "'"
		if isSpace(r) {
			found = "whitespace"
		}
	}
	p.err = &ParseError{Query: p.src, Offset: at, Column: column(p.src, at), Expected: expected, Found: found}
}

func column(s string, off int) int {
	if off > len(s) {
		off = len(s)
	}
	return utf8.RuneCountInString(s[:off]) + 1
}

func (p *parser) enter(at int) bool {
	p.depth++
	if p.depth > p.maxDepth {
		if p.err == nil {
			p.err = &ParseError{Query: p.src, Offset: at, Column: column(p.src, at),
				Expected: "query nested deeper than the limit of " + itoa(p.maxDepth) + " levels"}
		}
		return false
	}
	return true
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func (p *parser) start() *node {
	p.pos = p.skipSpaces(0)
	if p.pos == len(p.src) {
		return &node{kind: nMatchAll}
	}
	n := p.orQuery()
	if p.err != nil {
		return nil
	}
	p.pos = p.skipSpaces(p.pos)
	if p.pos != len(p.src) {
		p.fail(p.pos, "'and', 'or' or the end of the query")
		return nil
	}
	return n
}

// group parses what inner reads between the opener at open and closer,
// counting the level against the depth limit. what names the group in the
// error when closer is missing ("')' to close the value list at column 9").
func (p *parser) group(open int, closer byte, what string, inner func() *node) *node {
	if !p.enter(open) {
		return nil
	}
	p.pos = p.skipSpaces(open + 1)
	n := inner()
	if p.err != nil {
		return nil
	}
	p.pos = p.skipSpaces(p.pos)
	if p.pos >= len(p.src) || p.src[p.pos] != closer {
		p.fail(p.pos, "'"+string(closer)+"' to close "+what+" at column "+itoa(column(p.src, open)))
		return nil
	}
	p.pos++
	p.depth--
	return n
}

func (p *parser) orQuery() *node { return p.chain(nOr, "or", p.andQuery) }

func (p *parser) andQuery() *node { return p.chain(nAnd, "and", p.notQuery) }

// chain parses operands joined by a binary keyword ("a or b or c") into
// one node of kind with the operands as kids; a single operand is returned
// as it is. The four levels of the grammar (or/and over queries and over
// value lists) share it.
func (p *parser) chain(kind nodeKind, word string, operand func() *node) *node {
	head := operand()
	if p.err != nil {
		return nil
	}
	var kids []*node
	for {
		k := p.binaryKeyword(p.pos, word)
		if k < 0 {
			break
		}
		p.pos = k
		n := operand()
		if p.err != nil {
			return nil
		}
		if kids == nil {
			kids = []*node{head}
		}
		kids = append(kids, n)
	}
	if kids == nil {
		return head
	}
	return &node{kind: kind, kids: kids}
}

func (p *parser) notQuery() *node {
	if k := p.notKeyword(p.pos); k >= 0 {
		p.pos = k
		n := p.subQuery()
		if p.err != nil {
			return nil
		}
		return &node{kind: nNot, kids: []*node{n}}
	}
	return p.subQuery()
}

func (p *parser) subQuery() *node {
	if p.pos < len(p.src) && p.src[p.pos] == '(' {
		return p.group(p.pos, ')', "the '('", p.orQuery)
	}
	return p.expression()
}

// expression parses a nested query, a range, field:values or a bare value.
func (p *parser) expression() *node {
	at := p.pos
	lit := p.literal()
	if p.err != nil {
		return nil
	}
	if lit == nil {
		p.fail(at, "a field name, a value, '(' or 'not'")
		return nil
	}
	i := p.skipSpaces(p.pos)
	if op, w := p.rangeOp(i); w > 0 {
		j := p.skipSpaces(i + w)
		p.pos = j
		val := p.literal()
		if p.err != nil {
			return nil
		}
		if val == nil {
			p.fail(j, "a value after '"+op.String()+"'")
			return nil
		}
		return &node{kind: nRange, field: lit, value: val, op: op}
	}
	if i < len(p.src) && p.src[i] == ':' {
		colon := i
		j := p.skipSpaces(i + 1)
		if j < len(p.src) && p.src[j] == '{' {
			inner := p.group(j, '}', "the '{'", p.orQuery)
			if p.err != nil {
				return nil
			}
			return &node{kind: nNested, field: lit, kids: []*node{inner}}
		}
		p.pos = j
		n := p.listOfValues(lit, colon)
		if p.err != nil {
			return nil
		}
		return n
	}
	// A bare value: the literal itself.
	return &node{kind: nIs, value: lit}
}

func (p *parser) rangeOp(i int) (Op, int) {
	if i >= len(p.src) {
		return 0, 0
	}
	switch p.src[i] {
	case '<':
		if i+1 < len(p.src) && p.src[i+1] == '=' {
			return OpLessEqual, 2
		}
		return OpLess, 1
	case '>':
		if i+1 < len(p.src) && p.src[i+1] == '=' {
			return OpGreaterEqual, 2
		}
		return OpGreater, 1
	}
	return 0, 0
}

func (p *parser) listOfValues(field *literal, colon int) *node {
	if p.pos < len(p.src) && p.src[p.pos] == '(' {
		return p.group(p.pos, ')', "the value list", func() *node { return p.orList(field, colon) })
	}
	at := p.pos
	val := p.literal()
	if p.err != nil {
		return nil
	}
	if val == nil {
		if at == p.skipSpaces(colon+1) && (at == len(p.src) || p.src[at] != '(') {
			p.fail(at, "a value after ':'")
		} else {
			p.fail(at, "a value")
		}
		return nil
	}
	return &node{kind: nIs, field: field, value: val}
}

func (p *parser) orList(field *literal, colon int) *node {
	return p.chain(nOr, "or", func() *node { return p.andList(field, colon) })
}

func (p *parser) andList(field *literal, colon int) *node {
	return p.chain(nAnd, "and", func() *node { return p.notList(field, colon) })
}

func (p *parser) notList(field *literal, colon int) *node {
	if k := p.notKeyword(p.pos); k >= 0 {
		p.pos = k
		n := p.listOfValues(field, colon)
		if p.err != nil {
			return nil
		}
		return &node{kind: nNot, kids: []*node{n}}
	}
	return p.listOfValues(field, colon)
}

// literal parses a quoted string or an unquoted literal at p.pos. It
// returns nil (and no error) when there is none.
func (p *parser) literal() *literal {
	if p.pos < len(p.src) && p.src[p.pos] == '"' {
		return p.quoted()
	}
	return p.unquoted()
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// unicodeEscape decodes \uXXXX at i (i at the backslash).
func (p *parser) unicodeEscape(i int) (rune, bool) {
	if i+6 > len(p.src) || p.src[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for k := i + 2; k < i+6; k++ {
		h := hexVal(p.src[k])
		if h < 0 {
			return 0, false
		}
		r = r<<4 | rune(h)
	}
	return r, true
}

func (p *parser) quoted() *literal {
	start := p.pos
	i := start + 1
	var b strings.Builder
	for {
		if i >= len(p.src) {
			p.fail(i, "'\"' to close the quoted string at column "+itoa(column(p.src, start)))
			return nil
		}
		c := p.src[i]
		if c == '"' {
			i++
			break
		}
		if c == '\\' && i+1 < len(p.src) {
			switch p.src[i+1] {
			case 't':
				b.WriteByte('\t')
				i += 2
				continue
			case 'r':
				b.WriteByte('\r')
				i += 2
				continue
			case 'n':
				b.WriteByte('\n')
				i += 2
				continue
			case 'u':
				if r, ok := p.unicodeEscape(i); ok {
					b.WriteRune(r)
					i += 6
					continue
				}
			case '\\', '"':
				b.WriteByte(p.src[i+1])
				i += 2
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	p.pos = i
	return &literal{text: b.String(), quoted: true, start: start, end: i}
}

// unquoted parses Kibana's UnquotedLiteral: escaped characters, wildcards,
// and any character that is neither special nor the start of a keyword.
func (p *parser) unquoted() *literal {
	start := p.pos
	i := start
	var b strings.Builder // the text, with each unescaped * kept in parts
	var parts []string
	wild := false
	lastContent := start // end offset of the last non-space character
	textLastContent := 0 // b.Len() after the last non-space character
	for i < len(p.src) {
		c := p.src[i]
		if c == '\\' {
			if i+1 >= len(p.src) {
				break
			}
			n := p.src[i+1]
			var out string
			w := 2
			switch {
			case n == 't':
				out = "\t"
			case n == 'r':
				out = "\r"
			case n == 'n':
				out = "\n"
			case isSpecial(n):
				out = string(n)
			case n == 'u':
				r, ok := p.unicodeEscape(i)
				if !ok {
					goto stop
				}
				out, w = string(r), 6
			default:
				if w2 := p.escapedKeyword(i); w2 > 0 {
					out, w = p.src[i+1:i+w2], w2
					break
				}
				// Not in Kibana's grammar: a backslash before a space
				// escapes it, as the KQL docs describe.
				if sw := p.spaceAt(i + 1); sw > 0 {
					out, w = p.src[i+1:i+1+sw], 1+sw
					break
				}
				goto stop
			}
			b.WriteString(out)
			i += w
			if !isAllSpace(out) {
				lastContent, textLastContent = i, b.Len()
			}
			continue
		}
		if c == '*' {
			wild = true
			parts = append(parts, b.String())
			b.Reset()
			i++
			lastContent, textLastContent = i, 0
			continue
		}
		if isSpecial(c) {
			break
		}
		if sw := p.spaceAt(i); sw > 0 {
			// A run of spaces ends the literal when 'or' or 'and' and
			// another space follow it; otherwise it belongs to the value.
			j := p.skipSpaces(i)
			if (p.wordAt(j, "or") && p.spaceAt(j+2) > 0) || (p.wordAt(j, "and") && p.spaceAt(j+3) > 0) {
				break
			}
			b.WriteString(p.src[i:j])
			i = j
			continue
		}
		if p.notKeyword(i) >= 0 {
			break
		}
		r, w := utf8.DecodeRuneInString(p.src[i:])
		b.WriteString(p.src[i : i+w])
		i += w
		if !isSpace(r) {
			lastContent, textLastContent = i, b.Len()
		}
	}
stop:
	if i == start {
		return nil
	}
	// Trim like JavaScript's String.prototype.trim: leading space of the
	// first piece, trailing space of the last.
	last := b.String()[:textLastContent]
	lit := &literal{start: start + leadingSpace(p.src[start:i]), end: lastContent}
	if wild {
		parts = append(parts, last)
		parts[0] = strings.TrimLeftFunc(parts[0], isSpace)
		lit.wildcard, lit.parts = true, parts
		lit.text = joinWildcard(parts)
		p.pos = i
		return lit
	}
	text := strings.TrimLeftFunc(last, isSpace)
	if text == "" {
		return nil
	}
	p.pos = i
	lit.text = text
	switch text {
	case "null":
		lit.kind = litNull
	case "true":
		lit.kind = litTrue
	case "false":
		lit.kind = litFalse
	}
	return lit
}

func isAllSpace(s string) bool {
	for _, r := range s {
		if !isSpace(r) {
			return false
		}
	}
	return true
}

func leadingSpace(s string) int {
	return len(s) - len(strings.TrimLeftFunc(s, isSpace))
}

// escapedKeyword matches \or, \and, \not (any case) at i and returns its
// width, or 0.
func (p *parser) escapedKeyword(i int) int {
	for _, w := range [...]string{"or", "and", "not"} {
		if p.wordAt(i+1, w) {
			return 1 + len(w)
		}
	}
	return 0
}

// joinWildcard writes wildcard parts as text with * between them and
// literal stars escaped.
func joinWildcard(parts []string) string {
	var b strings.Builder
	for k, s := range parts {
		if k > 0 {
			b.WriteByte('*')
		}
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `*`, `\*`))
	}
	return b.String()
}
