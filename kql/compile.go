package kql

// Why this file is long: it compiles every kind of node of the grammar to
// its evaluator, one case per kind, and the cases share helpers; split by
// node kind the rules for types and case would be repeated.

import (
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// compiler turns the syntax tree into matchers, converting every query
// value for its field's type once.
type compiler struct {
	q     *Query
	comps []Comparison
	lists []ValueList
	dp    *dateParser
	err   *ParseError // the first value the field's type cannot read

	colOff, col int // the last column computed, to count runes once
}

// column returns the 1-based column of byte offset off, counting from the
// last offset asked for when it can (comparisons come in text order).
func (c *compiler) column(off int) int {
	if off < c.colOff || c.col == 0 {
		c.colOff, c.col = 0, 1
	}
	c.col += utf8.RuneCountInString(c.q.src[c.colOff:off])
	c.colOff = off
	return c.col
}

func (c *compiler) typeOf(field string) string { return c.q.types.LookupType(field) }

func (c *compiler) dates() *dateParser {
	if c.dp == nil {
		c.dp = &dateParser{now: c.q.now, loc: c.q.loc}
	}
	return c.dp
}

// multiParent returns the field a multi-field is indexed from
// (user_agent.original for user_agent.original.text): documents hold the
// parent's value only.
func (c *compiler) multiParent(full string) (string, bool) {
	i := strings.LastIndexByte(full, '.')
	if i <= 0 {
		return "", false
	}
	parent := full[:i]
	pt := c.typeOf(parent)
	if pt == "" || pt == "flattened" || classOf(pt) == clsNone {
		return "", false
	}
	return parent, true
}

// valuePath is the path, relative to the nested context, whose document
// values a comparison on full reads.
func (c *compiler) valuePath(full, nested string) string {
	if parent, ok := c.multiParent(full); ok {
		full = parent
	}
	if nested != "" {
		return strings.TrimPrefix(full, nested+".")
	}
	return full
}

// multiFields lists the known multi-fields of field (full paths).
func (c *compiler) multiFields(full string) []string {
	out := builtinMultiFields()[full]
	for name := range c.q.types {
		if strings.HasPrefix(name, full+".") && !strings.Contains(name[len(full)+1:], ".") {
			if p, ok := c.multiParent(name); ok && p == full {
				out = append(out, name)
			}
		}
	}
	return out
}

var (
	multiOnce sync.Once
	multiMap  map[string][]string
)

// builtinMultiFields indexes the built-in table's multi-fields by parent.
func builtinMultiFields() map[string][]string {
	multiOnce.Do(func() {
		multiMap = map[string][]string{}
		var c compiler
		c.q = &Query{}
		for _, table := range []map[string]string{ecsTypes, apmTypes} {
			for name := range table {
				if p, ok := c.multiParent(name); ok {
					multiMap[p] = append(multiMap[p], name)
				}
			}
		}
	})
	return multiMap
}

func joinPath(nested, field string) string {
	if nested == "" {
		return field
	}
	return nested + "." + field
}

// reachable reports whether a plain comparison on full can match inside
// the nested context: like Elasticsearch, a field below a nested field
// matches only inside a nested query on that field.
func (c *compiler) reachable(full, nested string) bool {
	for i := 0; i < len(full); i++ {
		if full[i] != '.' {
			continue
		}
		prefix := full[:i]
		if c.typeOf(prefix) == "nested" && nested != prefix && !strings.HasPrefix(nested, prefix+".") {
			return false
		}
	}
	return true
}

func (c *compiler) compile(n *node, nested string, negated bool) matcher {
	switch n.kind {
	case nMatchAll:
		return matchAll{}
	case nOr, nAnd:
		ms := make([]matcher, 0, len(n.kids))
		for _, k := range n.kids {
			m := c.compile(k, nested, negated)
			// Flatten a or (b or c).
			if n.kind == nOr {
				if sub, ok := m.(orMatcher); ok {
					ms = append(ms, sub...)
					continue
				}
			} else if sub, ok := m.(andMatcher); ok {
				ms = append(ms, sub...)
				continue
			}
			ms = append(ms, m)
		}
		if n.kind == nOr {
			return orMatcher(ms)
		}
		return andMatcher(ms)
	case nNot:
		return notMatcher{c.compile(n.kids[0], nested, !negated)}
	case nNested:
		full := joinPath(nested, n.field.text)
		return &nestedMatcher{path: n.field.text, inner: c.compile(n.kids[0], full, negated)}
	case nIs:
		return c.compileIs(n, nested, negated)
	case nRange:
		return c.compileRange(n, nested, negated)
	}
	return matchNone{}
}

func (c *compiler) record(n *node, nested string, negated bool, op Op, typ string) {
	v := n.value
	cmp := Comparison{
		Nested:     nested,
		Op:         op,
		Quoted:     v.quoted,
		Type:       typ,
		Negated:    negated,
		ValueStart: v.start,
		ValueEnd:   v.end,
	}
	if op != OpExists {
		cmp.Value = v.text
	}
	if op == OpWildcard {
		cmp.LeadingWildcard = v.parts[0] == ""
	}
	if n.field != nil {
		cmp.Field = joinPath(nested, fieldName(n.field))
		cmp.FieldWildcard = n.field.wildcard
		cmp.Column = c.column(n.field.start)
		cls := classOf(typ)
		cmp.Exact = op == OpMatch && !cmp.FieldWildcard && (cls == clsKeyword || cls == clsWildType || cls == clsUnknown)
	} else {
		cmp.Column = c.column(v.start)
	}
	c.comps = append(c.comps, cmp)
}

// fieldName is a field literal's name: wildcards written as *.
func fieldName(l *literal) string {
	if l.wildcard {
		return strings.Join(l.parts, "*")
	}
	return l.text
}

func (c *compiler) compileIs(n *node, nested string, negated bool) matcher {
	v := n.value
	if n.field == nil {
		op := OpMatch
		if v.wildcard {
			op = OpWildcard
		}
		c.record(n, nested, negated, op, "")
		if v.lone() {
			return matchAll{}
		}
		prefix := ""
		if nested != "" {
			prefix = nested + "."
		}
		return &wildFieldMatcher{prefix: prefix, all: true, multis: c.multiFields, build: func(full string) valueCmp {
			if !c.reachable(full, nested) {
				return noneCmp{}
			}
			return c.isCmp(c.typeOf(full), v)
		}}
	}
	name := fieldName(n.field)
	full := joinPath(nested, name)
	if n.field.wildcard {
		op := OpMatch
		if v.lone() {
			op = OpExists
		} else if v.wildcard {
			op = OpWildcard
		}
		c.record(n, nested, negated, op, "")
		if n.field.lone() && v.lone() {
			return matchAll{}
		}
		prefix := ""
		if nested != "" {
			prefix = nested + "."
		}
		return &wildFieldMatcher{prefix: prefix, pattern: wildcard{n.field.parts}, exists: v.lone(), multis: c.multiFields,
			build: func(f string) valueCmp { return c.isCmp(c.typeOf(f), v) }}
	}
	typ := c.typeOf(full)
	if v.lone() {
		c.record(n, nested, negated, OpExists, typ)
		if !c.reachable(full, nested) {
			return matchNone{}
		}
		cls := classOf(typ)
		return &existsMatcher{path: c.valuePath(full, nested), prefix: cls == clsUnknown || cls == clsNone}
	}
	op := OpMatch
	if v.wildcard {
		op = OpWildcard
	}
	c.record(n, nested, negated, op, typ)
	c.checkValue(full, typ, op, v)
	if !c.reachable(full, nested) {
		return matchNone{}
	}
	cmp := c.isCmp(typ, v)
	if _, none := cmp.(noneCmp); none {
		return matchNone{}
	}
	return &fieldMatcher{path: c.valuePath(full, nested), cmp: cmp, comp: len(c.comps) - 1}
}

// isCmp builds the comparator of field:value for a field of type typ.
func (c *compiler) isCmp(typ string, v *literal) valueCmp {
	cls := classOf(typ)
	if v.kind == litNull {
		return noneCmp{}
	}
	if v.wildcard {
		switch cls {
		case clsKeyword:
			if typ == "keyword" {
				// Kibana sends a wildcard query for keyword fields.
				return kwWild{wildcard{v.parts}}
			}
			return qsCmp(v.parts, false, false)
		case clsUnknown, clsWildType:
			return qsCmp(v.parts, false, cls == clsUnknown)
		case clsText:
			return qsCmp(v.parts, true, false)
		}
		return noneCmp{}
	}
	s := v.text
	switch cls {
	case clsUnknown:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return unknownEq{s: s, num: f, isNum: err == nil}
	case clsKeyword, clsWildType:
		return kwEq{s}
	case clsText:
		toks := analyze(s)
		switch {
		case len(toks) == 0:
			return noneCmp{}
		case v.quoted && len(toks) > 1:
			return textPhrase{toks}
		}
		return textAny{toks}
	case clsInteger, clsFloat:
		f, ok := parseQueryNumber(cls, typ, s)
		if !ok {
			return noneCmp{}
		}
		return numEq{n: f, cls: cls, typ: typ}
	case clsIP:
		cmp, ok := parseQueryIP(s)
		if !ok {
			return noneCmp{}
		}
		return cmp
	case clsDate:
		iv, ok := c.dates().parse(s)
		if !ok {
			return noneCmp{}
		}
		nanos := typ == "date_nanos"
		lo, hi := iv.bounds(nanos)
		return dateIn{lo: lo, hi: hi, nanos: nanos, dp: c.dates()}
	case clsBool:
		switch s {
		case "true":
			return boolEq{true}
		case "false":
			return boolEq{false}
		}
	}
	return noneCmp{}
}

// qsCmp is a wildcard value as Elasticsearch's query_string reads
// Kibana's translation: words split at whitespace, adjacent plain words
// analysed together, wildcard words matched as patterns; any may match.
func qsCmp(parts []string, text, unknown bool) valueCmp {
	words := qsWords(parts)
	var out anyCmp
	var plain []string
	flush := func() {
		if len(plain) == 0 {
			return
		}
		s := strings.Join(plain, " ")
		plain = nil
		switch {
		case text:
			if toks := analyze(s); len(toks) > 0 {
				out = append(out, textAny{toks})
			}
		case unknown:
			f, err := strconv.ParseFloat(s, 64)
			out = append(out, unknownEq{s: s, num: f, isNum: err == nil})
		default:
			out = append(out, kwEq{s})
		}
	}
	for _, w := range words {
		if len(w.parts) == 1 {
			plain = append(plain, w.parts[0])
			continue
		}
		flush()
		if text {
			out = append(out, tokenWild{w.lower()})
		} else {
			out = append(out, kwWild{w})
		}
	}
	flush()
	switch len(out) {
	case 0:
		return noneCmp{}
	case 1:
		return out[0]
	}
	return out
}

func (c *compiler) compileRange(n *node, nested string, negated bool) matcher {
	name := fieldName(n.field)
	full := joinPath(nested, name)
	if n.field.wildcard {
		c.record(n, nested, negated, n.op, "")
		prefix := ""
		if nested != "" {
			prefix = nested + "."
		}
		return &wildFieldMatcher{prefix: prefix, pattern: wildcard{n.field.parts}, multis: c.multiFields,
			build: func(f string) valueCmp { return c.rangeCmp(c.typeOf(f), n.op, n.value) }}
	}
	typ := c.typeOf(full)
	c.record(n, nested, negated, n.op, typ)
	c.checkValue(full, typ, n.op, n.value)
	if !c.reachable(full, nested) {
		return matchNone{}
	}
	cmp := c.rangeCmp(typ, n.op, n.value)
	if _, none := cmp.(noneCmp); none {
		return matchNone{}
	}
	return &fieldMatcher{path: c.valuePath(full, nested), cmp: cmp, comp: len(c.comps) - 1}
}

// rangeText is a range bound's text: Kibana sends a wildcard literal's
// text with its stars.
func rangeText(v *literal) string {
	if v.wildcard {
		return strings.Join(v.parts, "*")
	}
	return v.text
}

func (c *compiler) rangeCmp(typ string, op Op, v *literal) valueCmp {
	s := rangeText(v)
	if v.kind == litNull {
		return noneCmp{}
	}
	switch cls := classOf(typ); cls {
	case clsUnknown:
		r := unknownRange{op: op, s: s}
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			r.num, r.isNum = f, true
		}
		if dr, ok := c.dateRange(op, s, false); ok {
			r.date = &dr
		}
		return r
	case clsKeyword, clsWildType:
		return strRange{op: op, s: s}
	case clsText:
		return tokenRange{op: op, s: s}
	case clsInteger, clsFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return noneCmp{}
		}
		return numRange{op: op, n: f, cls: cls, typ: typ}
	case clsIP:
		cmp, ok := parseQueryIP(s)
		if !ok {
			return noneCmp{}
		}
		eq, ok := cmp.(ipEq)
		if !ok {
			return noneCmp{}
		}
		return ipRange{op: op, a: eq.a.As16()}
	case clsDate:
		dr, ok := c.dateRange(op, s, typ == "date_nanos")
		if !ok {
			return noneCmp{}
		}
		return dr
	case clsBool:
		switch s {
		case "true":
			return boolRange{op: op, b: 1}
		case "false":
			return boolRange{op: op, b: 0}
		}
	}
	return noneCmp{}
}

// dateRange rounds the bound the way Elasticsearch does for each
// operator: > and <= use the end of the written precision, >= and < its
// start.
func (c *compiler) dateRange(op Op, s string, nanos bool) (dateRange, bool) {
	iv, ok := c.dates().parse(s)
	if !ok {
		return dateRange{}, false
	}
	lo, hi := iv.bounds(nanos)
	t := lo
	if op == OpGreater || op == OpLessEqual {
		t = hi
	}
	return dateRange{op: op, t: t, nanos: nanos, dp: c.dates()}, true
}

// mergeValueLists rewrites every or in the matcher tree so that its
// comparisons of one field become a single fieldMatcher over a valueSet
// (see valueSet), and records each such list for ValueLists.
func (c *compiler) mergeValueLists(m matcher) matcher {
	switch x := m.(type) {
	case orMatcher:
		for i, k := range x {
			x[i] = c.mergeValueLists(k)
		}
		return c.mergeOr(x)
	case andMatcher:
		for i, k := range x {
			x[i] = c.mergeValueLists(k)
		}
	case notMatcher:
		return notMatcher{c.mergeValueLists(x.m)}
	case *nestedMatcher:
		x.inner = c.mergeValueLists(x.inner)
	}
	return m
}

func (c *compiler) mergeOr(o orMatcher) matcher {
	count := map[string]int{}
	merge := false
	for _, m := range o {
		if f, ok := m.(*fieldMatcher); ok {
			count[f.path]++
			merge = merge || count[f.path] > 1
		}
	}
	if !merge {
		return o
	}
	// The merged matcher takes the place of the path's first comparison.
	groups := map[string][]valueCmp{}
	first := map[string]int{}
	for i, m := range o {
		if f, ok := m.(*fieldMatcher); ok && count[f.path] > 1 {
			if _, seen := first[f.path]; !seen {
				first[f.path] = i
			}
			groups[f.path] = append(groups[f.path], f.cmp)
		}
	}
	var out orMatcher
	for i, m := range o {
		f, ok := m.(*fieldMatcher)
		if !ok || count[f.path] < 2 {
			out = append(out, m)
			continue
		}
		if first[f.path] != i {
			continue
		}
		set := newValueSet(groups[f.path])
		cmp := c.comps[f.comp]
		c.lists = append(c.lists, ValueList{Field: cmp.Field, Column: cmp.Column, Values: set.size})
		out = append(out, &fieldMatcher{path: f.path, cmp: set, comp: f.comp})
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

// checkValue fails the parse, as Elasticsearch fails the search, when a
// value cannot be read as the type of the field it is compared with: an
// ip field's "not-an-ip" or "10.0.0.0/99", a long field's "abc", a date
// field's "yesterday", a boolean field's "yes". Fields of unknown type,
// keyword and text fields take any value; bare values and field-name
// wildcards are lenient in Elasticsearch too, so they are not checked.
//
// Wildcards: Kibana sends a wildcard on a field that is not a keyword as
// a query_string query, and Elasticsearch's query_string parser builds
// it with the field type's wildcard or prefix query, which ip, numeric,
// date and boolean fields refuse ("Can only use wildcard queries on
// keyword, text and wildcard fields") unless the query is lenient, which
// Kibana does not ask for. So source.ip:10.0.* fails there (the search
// errors with all shards failed) and fails here; a CIDR block is the way
// to write it. An exists query (source.ip:*) is not a wildcard.
func (c *compiler) checkValue(field, typ string, op Op, v *literal) {
	if c.err != nil || v.kind == litNull {
		return
	}
	field = printable(field)
	cls := classOf(typ)
	what := ""
	switch cls {
	case clsInteger, clsFloat:
		what = "a number"
	case clsIP:
		what = "an IP address or CIDR block"
		if op.IsRange() {
			what = "an IP address"
		}
	case clsDate:
		what = "a date (ISO 8601, epoch milliseconds or date math such as now-15m)"
	case clsBool:
		what = "true or false"
	default:
		return
	}
	s, ok := v.text, true
	if op.IsRange() {
		s = rangeText(v)
	} else if v.wildcard {
		c.failValue(v, what+" for "+field+" (type "+typ+"; Elasticsearch rejects wildcards on it)", rangeText(v))
		return
	}
	switch cls {
	case clsInteger, clsFloat:
		_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		ok = err == nil
	case clsIP:
		var cmp valueCmp
		cmp, ok = parseQueryIP(s)
		if ok && op.IsRange() {
			_, ok = cmp.(ipEq)
		}
	case clsDate:
		_, ok = c.dates().parse(s)
	case clsBool:
		ok = s == "true" || s == "false"
	}
	if !ok {
		c.failValue(v, what+" for "+field+" (type "+typ+")", s)
	}
}

func (c *compiler) failValue(v *literal, expected, found string) {
	c.err = &ParseError{Query: c.q.src, Offset: v.start, Column: column(c.q.src, v.start),
		Expected: expected, Found: strconv.Quote(found)}
}

// printable returns s, quoted when it holds a character a terminal could
// act on: field names reach messages shown to the user.
func printable(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
