package kql

import "time"

// Query is a parsed and compiled KQL query. It is immutable and safe for
// concurrent use.
type Query struct {
	src   string
	root  *node   // the syntax tree
	m     matcher // the compiled matcher tree
	types Types
	now   time.Time
	loc   *time.Location
	comps []Comparison
	lists []ValueList
}

// Parse parses a KQL query and compiles it for evaluation. An empty (or
// blank) query matches every document. Errors are *ParseError.
func Parse(q string, opts ...Option) (*Query, error) {
	return parse(q, opts)
}

// MustParse is like Parse but panics on an error; for tests and
// built-in queries.
func MustParse(q string, opts ...Option) *Query {
	query, err := Parse(q, opts...)
	if err != nil {
		panic(err)
	}
	return query
}

// Match reports whether the document matches the query.
func (q *Query) Match(d Document) bool { return q.m.match(d) }

// String returns the query in a normalised KQL form: keywords in lower
// case, single spaces, parentheses where precedence needs them. Parsing
// it again gives the same query.
func (q *Query) String() string { return format(q.root) }

// Source returns the query text as given to Parse.
func (q *Query) Source() string { return q.src }

// Comparisons returns every field comparison of the query in the order
// they appear in the text. The slice is a copy.
func (q *Query) Comparisons() []Comparison {
	return append([]Comparison(nil), q.comps...)
}

// Fields returns the distinct fields the query compares, in order of
// first appearance ("" for bare values is left out).
func (q *Query) Fields() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range q.comps {
		if c.Field != "" && !seen[c.Field] {
			seen[c.Field] = true
			out = append(out, c.Field)
		}
	}
	return out
}

// Type returns the type the query uses for field (WithTypes first, then
// the built-in table), "" when unknown.
func (q *Query) Type(field string) string { return q.types.LookupType(field) }

// ToDSL translates the query into the Elasticsearch query DSL the way
// Kibana's kuery toElasticsearchQuery builds it: and → bool.filter,
// or → bool.should with minimum_should_match 1, not → bool.must_not,
// and per field type term / match / match_phrase / wildcard /
// query_string / range / exists / nested (see WithoutFieldTypes). Date
// math stays as written for Elasticsearch to resolve. The result is the
// value of a "query" key, ready for json.Marshal.
func (q *Query) ToDSL(opts ...DSLOption) map[string]any {
	var o dslOptions
	for _, f := range opts {
		f(&o)
	}
	return q.toDSL(o)
}

// ValueList is an or of two or more values compared with one field —
// field:(a or b or c), or field:a or field:b — which the query matches
// with one set lookup per document value rather than one comparison per
// value.
type ValueList struct {
	Field  string // the field as its first comparison names it
	Column int    // 1-based column of that comparison's field
	Values int    // how many values the list holds
}

// HugeValueList is the number of values above which Warnings reports a
// value list: it still works, but parsing and holding it cost time and
// memory the user should know about.
const HugeValueList = 10_000

// ValueLists returns the query's value lists in the order they were
// compiled. The slice is a copy.
func (q *Query) ValueLists() []ValueList {
	return append([]ValueList(nil), q.lists...)
}

// Warnings returns lint messages about a valid query, for callers to show
// the user: today, value lists of more than HugeValueList values.
func (q *Query) Warnings() []string {
	var out []string
	for _, l := range q.lists {
		if l.Values > HugeValueList {
			out = append(out, "kql: column "+itoa(l.Column)+": the value list on "+printable(l.Field)+" holds "+itoa(l.Values)+
				" values (more than "+itoa(HugeValueList)+"); it is matched as a set, but parsing it and holding it in memory are slow")
		}
	}
	return out
}
