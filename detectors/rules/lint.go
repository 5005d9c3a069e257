package rules

// Why this file is long: each lint (fields never seen, letter case,
// ranges on text, index patterns, wildcards) is short, but they share one
// pass over the events and one report, which read best together.

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"picket/kql"
	"picket/triage"
)

// Linter checks a KQL rule against the events it sees, in the same
// streaming pass as the rule and with bounded memory, and says where the
// rule and the data do not fit:
//
//   - an exact comparison on a keyword-like field whose value never
//     occurs while a case variant does (http.request.method:post on APM
//     data that holds POST): keyword comparisons are case-sensitive, so
//     the rule misses those events. It counts, per variant, the events
//     that would match if only that comparison ignored case (or, under a
//     not, that match only because it does not), and offers a fixed query
//     that lists the variants;
//   - fields the rule uses that never occur in the data;
//   - ranges on fields that are not numbers, dates or IPs (Elasticsearch
//     compares them as text);
//   - leading wildcards on keyword fields (slow in Elasticsearch);
//   - index patterns that match none of the events that say where they
//     came from.
//
// The rule itself is never changed: its answers stay Elastic's.
type Linter struct {
	detector string
	subject  string // "the rule", or "the query" for picket detect --query
	rule     *Rule
	q        *kql.Query
	scope    *scope

	static []triage.Lint
	fields []*fieldUse
	cases  []*caseTarget
	ranges []*rangeUse
	// caseFields indexes the case targets by field, then by value and
	// by case-folded value, so an event costs one lookup per value of the
	// field, not one pass over every target: a 1,000-path IOC list must
	// cost about what one path costs.
	caseFields map[string]*caseField
	caseKeys   map[caseKey]*caseTarget

	events  int
	located int
	anyIn   bool // some located event is in the rule's scope
	byIndex map[string]scopeResult
	byDS    map[string]scopeResult
	outside []string // a few locations outside the patterns

	lints []triage.Lint
	done  bool
}

type scopeResult struct{ in, located bool }

// fieldUse tracks whether a field the rule compares ever occurs.
type fieldUse struct {
	field string
	seen  bool
}

// caseTarget is one exact comparison field:value (all its occurrences in
// the query text).
type caseTarget struct {
	field, value string
	negated      bool
	spans        [][2]int
	keep         map[string]bool // other values the rule compares the field with

	exact      int            // events holding the value exactly
	variants   map[string]int // events holding each case variant
	affected   int            // in-scope events whose answer flips when case is ignored
	affectedBy map[string]int
	examples   []string

	relaxed relaxedDoc
}

// Bounds on per-target memory.
const (
	maxVariants = 16
	maxExamples = 20
	maxScopes   = 4096
)

// rangeUse tracks the values a range on a field of unknown type meets.
type rangeUse struct {
	c          kql.Comparison
	numeric    int
	nonNumeric int
	example    string
}

func newLinter(r *Rule, q *kql.Query, sc *scope) *Linter {
	l := &Linter{
		detector: r.DetectorID(),
		subject:  "the rule",
		rule:     r,
		q:        q,
		scope:    sc,
		byIndex:  map[string]scopeResult{},
		byDS:     map[string]scopeResult{},
	}
	comps := q.Comparisons()
	seenField := map[string]bool{}
	for _, c := range comps {
		if c.Field != "" && !c.FieldWildcard && !seenField[c.Field] {
			seenField[c.Field] = true
			l.fields = append(l.fields, &fieldUse{field: c.Field})
		}
		switch {
		case c.LeadingWildcard && c.Type != "wildcard" && !isTextType(c.Type):
			l.static = append(l.static, l.lint(0, "%s starts with a wildcard: Elasticsearch must scan every term of %s, which is slow on large indices (a wildcard-type field, or a value without the leading *, avoids it)",
				compText(c), fieldName(c)))
		case c.Op.IsRange() && c.Field != "" && !c.FieldWildcard:
			switch {
			case c.Type == "":
				l.ranges = append(l.ranges, &rangeUse{c: c})
			case !isOrderedType(c.Type):
				l.static = append(l.static, l.lint(0, "%s is a range on %s, a %s field: Elasticsearch compares its values as text, so \"10\" sorts before \"9\"",
					compText(c), c.Field, c.Type))
			}
		}
		if c.Exact && c.Op == kql.OpMatch && c.Field != "" && !c.FieldWildcard && c.Nested == "" && c.Value != "" {
			l.addCase(c)
		}
	}
	// Every target keeps the values its field is compared with (one set
	// per field, shared): a variant the rule already lists is not missed.
	l.caseFields = map[string]*caseField{}
	for _, t := range l.cases {
		cf := l.caseFields[t.field]
		if cf == nil {
			cf = &caseField{values: map[string]bool{}, byValue: map[string][]*caseTarget{}, byFold: map[string][]*caseTarget{}}
			l.caseFields[t.field] = cf
		}
		cf.values[t.value] = true
		cf.byValue[t.value] = append(cf.byValue[t.value], t)
		k := foldKey(t.value)
		cf.byFold[k] = append(cf.byFold[k], t)
		t.keep = cf.values
	}
	return l
}

func (l *Linter) addCase(c kql.Comparison) {
	if l.caseKeys == nil {
		l.caseKeys = map[caseKey]*caseTarget{}
	}
	key := caseKey{c.Field, c.Value, c.Negated}
	if t := l.caseKeys[key]; t != nil {
		t.spans = append(t.spans, [2]int{c.ValueStart, c.ValueEnd})
		return
	}
	t := &caseTarget{
		field: c.Field, value: c.Value, negated: c.Negated,
		spans:      [][2]int{{c.ValueStart, c.ValueEnd}},
		variants:   map[string]int{},
		affectedBy: map[string]int{},
	}
	t.relaxed.t = t
	l.cases = append(l.cases, t)
	l.caseKeys[key] = t
}

type caseKey struct {
	field, value string
	negated      bool
}

// caseField is the case targets of one field.
type caseField struct {
	values  map[string]bool          // every value the rule compares the field with
	byValue map[string][]*caseTarget // targets by their exact value
	byFold  map[string][]*caseTarget // targets by foldKey of their value
}

// foldKey maps s to one representative of its case-folding class, so
// strings.EqualFold(a, b) holds exactly when foldKey(a) == foldKey(b).
func foldKey(s string) string {
	b := make([]rune, 0, len(s))
	for _, r := range s {
		low := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			low = min(low, f)
		}
		b = append(b, low)
	}
	return string(b)
}

func (l *Linter) lint(n int, format string, a ...any) triage.Lint {
	return triage.Lint{Detector: l.detector, Message: fmt.Sprintf(format, a...), Count: n}
}

// observe sees one event in the detector's pass; matched is the rule's
// answer. It returns whether the event is in the rule's scope (only
// exactly computed when matched; an unmatched event's scope does not
// change any finding).
func (l *Linter) observe(ev *triage.Event, doc *eventDoc, matched bool) bool {
	l.events++
	in := true
	if !l.scope.patterns.Empty() && (matched || !l.anyIn) {
		var located bool
		in, located = l.scopeOf(ev, matched)
		if located {
			l.located++
			if in {
				l.anyIn = true
			} else if len(l.outside) < 3 {
				if w := l.scope.where(ev); w != "" && !slices.Contains(l.outside, w) {
					l.outside = append(l.outside, w)
				}
			}
		}
	}
	for _, f := range l.fields {
		if !f.seen && len(doc.Values(f.field)) > 0 {
			f.seen = true
		}
	}
	for _, r := range l.ranges {
		if r.nonNumeric > 0 {
			continue // one text value is enough to tell
		}
		for _, v := range doc.Values(r.c.Field) {
			if _, err := strconv.ParseFloat(v.Text(), 64); v.Kind == kql.KindNumber || err == nil {
				r.numeric++
			} else {
				r.nonNumeric++
				r.example = v.Text()
				break
			}
		}
	}
	for field, cf := range l.caseFields {
		l.observeCases(field, cf, ev, doc, matched)
	}
	return in
}

// caseSeen is what one event showed one case target.
type caseSeen struct {
	exact   bool
	variant string // the first case variant among the field's values
}

// observeCases looks up each value of a field among its case targets:
// a target sees the event exactly when some value equals its value, and
// a variant when the first value equal to it but for case (and not
// itself compared by the rule) differs from it.
func (l *Linter) observeCases(field string, cf *caseField, ev *triage.Event, doc *eventDoc, matched bool) {
	vals := doc.Values(field)
	if len(vals) == 0 {
		return
	}
	var seen map[*caseTarget]*caseSeen
	note := func(t *caseTarget) *caseSeen {
		if seen == nil {
			seen = map[*caseTarget]*caseSeen{}
		}
		s := seen[t]
		if s == nil {
			s = &caseSeen{}
			seen[t] = s
		}
		return s
	}
	for _, v := range vals {
		if v.Kind != kql.KindString {
			continue
		}
		for _, t := range cf.byValue[v.Str] {
			note(t).exact = true
		}
		if cf.values[v.Str] {
			continue // a value the rule compares with: never a variant
		}
		for _, t := range cf.byFold[foldKey(v.Str)] {
			if s := note(t); s.variant == "" {
				s.variant = v.Str
			}
		}
	}
	for _, t := range l.cases { // in the rule's order, as lints are reported
		if s := seen[t]; s != nil {
			l.observeCase(t, ev, doc, matched, s.exact, s.variant)
		}
	}
}

func (l *Linter) observeCase(t *caseTarget, ev *triage.Event, doc *eventDoc, matched, hasExact bool, variant string) {
	if hasExact {
		t.exact++
	}
	if variant == "" {
		return
	}
	if _, ok := t.variants[variant]; ok || len(t.variants) < maxVariants {
		t.variants[variant]++
	}
	t.relaxed.base = doc
	relaxed := l.q.Match(&t.relaxed)
	t.relaxed.base = nil
	if relaxed == matched {
		return
	}
	if in, _ := l.scopeOf(ev, true); !in {
		return
	}
	t.affected++
	if _, ok := t.affectedBy[variant]; ok || len(t.affectedBy) < maxVariants {
		t.affectedBy[variant]++
	}
	if len(t.examples) < maxExamples {
		t.examples = append(t.examples, ev.ID)
	}
}

// scopeOf returns whether ev is in the rule's scope and whether it said
// where it came from. Indices are remembered exactly; a data stream is
// remembered by its dataset unless exact is asked for (the namespace
// rarely decides a pattern, and the rule's matches are always exact).
func (l *Linter) scopeOf(ev *triage.Event, exact bool) (in, located bool) {
	if ev.Index == "" && ev.Dataset == "" {
		return true, false // no data_stream.dataset: cannot name a data stream
	}
	m, key := l.byDS, ev.Dataset
	if ev.Index != "" {
		m, key = l.byIndex, ev.Index
	} else if exact {
		return l.scope.in(ev)
	}
	if r, ok := m[key]; ok {
		return r.in, r.located
	}
	in, located = l.scope.in(ev)
	if len(m) < maxScopes {
		m[key] = scopeResult{in, located}
	}
	return in, located
}

// finish turns the counts into lints.
func (l *Linter) finish() {
	if l.done {
		return
	}
	l.done = true
	out := slices.Clone(l.static)
	noneInScope := !l.scope.patterns.Empty() && l.located > 0 && !l.anyIn
	if noneInScope {
		rest := "so the rule could match none of the loaded events"
		if n := l.events - l.located; n > 0 {
			rest = "so the rule ran only on the " + events(n) + " without _index or data_stream fields"
		}
		out = append(out, l.lint(l.located, "index patterns %s match none of the %s that %s where %s came from (e.g. %s), %s",
			strings.Join(l.rule.Index, ", "), events(l.located), pick(l.located == 1, "says", "say"), pick(l.located == 1, "it", "they"),
			strings.Join(l.outside, ", "), rest))
	}
	// When no event could reach the rule, that is the one thing to say.
	if l.events > 0 && !(noneInScope && l.located == l.events) {
		for _, f := range l.fields {
			if !f.seen {
				out = append(out, l.lint(0, "field %s never occurs in the %s: every comparison on it is false (and true under not)", f.field, events(l.events)))
			}
		}
	}
	for _, r := range l.ranges {
		if r.nonNumeric > 0 {
			out = append(out, l.lint(0, "%s is a range on %s, which has no known type and holds text (e.g. %q): Elasticsearch would compare such values as text, not as numbers",
				compText(r.c), r.c.Field, clip(r.example, 60)))
		}
	}
	var flagged []*caseTarget
	for _, t := range l.cases {
		if len(t.variants) > 0 && (t.exact == 0 || t.affected > 0) {
			flagged = append(flagged, t)
		}
	}
	if len(flagged) > 0 {
		fix, fixErr := l.fixedQuery(flagged)
		for _, t := range flagged {
			msg := t.message(l.subject)
			if fixErr == nil {
				msg += "; fixed query: " + OneLine(fix)
			}
			out = append(out, l.lint(t.affected, "%s", msg))
		}
	}
	l.lints = out
}

// Lints returns what the linter found, after the detector's Flush.
func (l *Linter) Lints() []triage.Lint {
	if !l.done {
		return nil
	}
	return l.lints
}

// message words a case lint about subject ("the rule"):
// http.request.method: 'post' never occurs; 'POST' occurs in 68 events
// that otherwise match the rule — the rule misses all of them.
func (t *caseTarget) message(subject string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: '%s' ", t.field, clip(t.value, 80))
	if t.exact == 0 {
		b.WriteString("never occurs; ")
	} else {
		fmt.Fprintf(&b, "occurs in %s, but ", events(t.exact))
	}
	vs := sortedCounts(t.variants)
	by := sortedCounts(t.affectedBy)
	one := t.affected == 1
	where := "that otherwise " + pick(one, "matches ", "match ") + subject
	if t.negated {
		where = "that " + subject + " matches only because its not compares case-sensitively"
	}
	switch {
	case t.affected == 0 && t.negated:
		fmt.Fprintf(&b, "%s %s in %s, none of which %s would otherwise exclude (keyword comparisons are case-sensitive)",
			variantList(vs, false), verb(len(vs)), events(sum(vs)), subject)
	case t.affected == 0:
		fmt.Fprintf(&b, "%s %s in %s, none of which would otherwise match %s (keyword comparisons are case-sensitive)",
			variantList(vs, false), verb(len(vs)), events(sum(vs)), subject)
	case len(by) == 1:
		fmt.Fprintf(&b, "'%s' occurs in %s %s", clip(by[0].v, 80), events(t.affected), where)
	default:
		fmt.Fprintf(&b, "case variants %s occur in %s %s", variantList(by, true), events(t.affected), where)
	}
	if total := sum(vs); t.affected > 0 && total > t.affected {
		fmt.Fprintf(&b, " (%s in all)", events(total))
	}
	if t.affected > 0 {
		switch {
		case t.negated:
			fmt.Fprintf(&b, " — %s should not match %s", subject, pick(one, "it", "them"))
		case t.exact == 0 && !one:
			fmt.Fprintf(&b, " — %s misses all of them", subject)
		default:
			fmt.Fprintf(&b, " — %s misses %s", subject, pick(one, "it", "them"))
		}
		n := min(3, len(t.examples))
		fmt.Fprintf(&b, ", e.g. %s", strings.Join(t.examples[:n], ", "))
	}
	return b.String()
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// events writes "1 event", "68 events".
func events(n int) string {
	if n == 1 {
		return "1 event"
	}
	return strconv.Itoa(n) + " events"
}

func verb(n int) string {
	if n == 1 {
		return "occurs"
	}
	return "occur"
}

type valueCount struct {
	v string
	n int
}

func sortedCounts(m map[string]int) []valueCount {
	out := make([]valueCount, 0, len(m))
	for v, n := range m {
		out = append(out, valueCount{v, n})
	}
	slices.SortFunc(out, func(a, b valueCount) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	return out
}

func sum(vs []valueCount) int {
	n := 0
	for _, v := range vs {
		n += v.n
	}
	return n
}

// variantList writes 'POST' or 'POST' (60) and 'Post' (8).
func variantList(vs []valueCount, counts bool) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = "'" + clip(v.v, 80) + "'"
		if counts && len(vs) > 1 {
			parts[i] += fmt.Sprintf(" (%d)", v.n)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// fixedQuery rewrites each flagged comparison's value as a list of the
// value and the case variants seen, most frequent first:
// http.request.method:post becomes http.request.method:(post or POST).
// The result is checked by parsing it.
func (l *Linter) fixedQuery(flagged []*caseTarget) (string, error) {
	type edit struct {
		start, end int
		text       string
	}
	src := l.q.Source()
	var edits []edit
	for _, t := range flagged {
		for _, sp := range t.spans {
			if sp[0] < 0 || sp[1] > len(src) || sp[0] >= sp[1] {
				return "", fmt.Errorf("no position for %s", t.field)
			}
			parts := []string{src[sp[0]:sp[1]]}
			for _, v := range sortedCounts(t.variants) {
				parts = append(parts, kqlValue(v.v))
			}
			edits = append(edits, edit{sp[0], sp[1], "(" + strings.Join(parts, " or ") + ")"})
		}
	}
	slices.SortFunc(edits, func(a, b edit) int { return cmp.Compare(b.start, a.start) })
	out := src
	for i, e := range edits {
		if i > 0 && e.end > edits[i-1].start {
			return "", fmt.Errorf("overlapping values")
		}
		out = out[:e.start] + e.text + out[e.end:]
	}
	if _, err := kql.Parse(out); err != nil {
		return "", err
	}
	return out, nil
}

// kqlValue writes s as a KQL value: bare when it is a plain word, quoted
// otherwise.
func kqlValue(s string) string {
	switch strings.ToLower(s) {
	case "", "and", "or", "not", "null", "true", "false":
		return kql.Quote(s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '/' || r == '@') {
			return kql.Quote(s)
		}
	}
	return s
}

// compText writes a comparison back as KQL for a lint.
func compText(c kql.Comparison) string {
	if c.Op == kql.OpExists {
		return fieldName(c) + ":*"
	}
	if c.Op.IsRange() {
		return fieldName(c) + " " + c.Op.String() + " " + c.Value
	}
	return fieldName(c) + ":" + c.Value
}

func fieldName(c kql.Comparison) string {
	if c.Field == "" {
		return "a bare value"
	}
	return c.Field
}

// isOrderedType reports whether Elasticsearch ranges on the type compare
// values by order rather than as text.
func isOrderedType(t string) bool {
	switch t {
	case "long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long",
		"date", "date_nanos", "ip", "version", "date_range", "integer_range", "long_range", "float_range", "double_range", "ip_range":
		return true
	}
	return false
}

func isTextType(t string) bool { return t == "text" || t == "match_only_text" }

// relaxedDoc shows the rule a document in which one comparison's field
// has its case variants replaced by the compared value, so the rule's
// query answers as if that comparison ignored case (Elasticsearch's
// case_insensitive term query) while every other comparison, including
// others on the same field, keeps its meaning.
type relaxedDoc struct {
	base kql.Document
	t    *caseTarget
	buf  []kql.Value
}

func (r *relaxedDoc) Values(path string) []kql.Value {
	vs := r.base.Values(path)
	if path != r.t.field {
		return vs
	}
	r.buf = r.buf[:0]
	for _, v := range vs {
		if v.Kind == kql.KindString && v.Str != r.t.value && strings.EqualFold(v.Str, r.t.value) && !r.t.keep[v.Str] {
			v = kql.Value{Kind: kql.KindString, Str: r.t.value}
		}
		r.buf = append(r.buf, v)
	}
	return r.buf
}

func (r *relaxedDoc) Fields() []string                   { return r.base.Fields() }
func (r *relaxedDoc) Objects(path string) []kql.Document { return r.base.Objects(path) }
