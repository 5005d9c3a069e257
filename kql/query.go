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
