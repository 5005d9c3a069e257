package kql

import (
	"fmt"
	"strconv"
	"time"
)

// Kind says what a Value holds.
type Kind uint8

// Value kinds.
const (
	KindNull Kind = iota
	KindString
	KindNumber
	KindBool
)

// Value is one value of a document field.
type Value struct {
	Kind Kind
	// Str is the text of a string. For a number it may hold the number's
	// literal text as written in the document ("403", "1e3"); when empty
	// the number is formatted from Num where text is needed (keyword
	// comparisons, wildcards).
	Str  string
	Num  float64 // set when Kind is KindNumber
	Bool bool    // set when Kind is KindBool
}

// StringValue returns a string Value.
func StringValue(s string) Value { return Value{Kind: KindString, Str: s} }

// NumberValue returns a number Value.
func NumberValue(f float64) Value { return Value{Kind: KindNumber, Num: f} }

// BoolValue returns a boolean Value.
func BoolValue(b bool) Value { return Value{Kind: KindBool, Bool: b} }

// NullValue returns a JSON null. A null behaves like a missing value.
func NullValue() Value { return Value{} }

// Text returns the value as a keyword comparison sees it: the string, the
// number's literal text, "true"/"false", or "" for null.
func (v Value) Text() string {
	switch v.Kind {
	case KindString:
		return v.Str
	case KindNumber:
		if v.Str != "" {
			return v.Str
		}
		return strconv.FormatFloat(v.Num, 'f', -1, 64)
	case KindBool:
		if v.Bool {
			return "true"
		}
		return "false"
	}
	return ""
}

// Document is what a query is evaluated against. Implementations resolve
// dotted ECS paths themselves; the engine never builds maps per document.
type Document interface {
	// Values returns every value at a dotted ECS path ("http.request.method"),
	// whether the document nests objects or uses dotted keys, with arrays
	// flattened (an array of objects yields the values found in each). It
	// returns nil when the path is absent. Objects themselves are not
	// values: a path naming an object yields nil. The engine reads the
	// slice before its next call and never keeps it, so implementations
	// may answer from a buffer they reuse.
	Values(path string) []Value
	// Fields lists the leaf paths present in the document, dotted, each
	// once. It is called only for field-name wildcards
	// (http.response.status_*:403) and bare values without a field.
	Fields() []string
	// Objects returns the objects of an array-of-objects field (or the
	// single object) at path, each as a Document whose paths are relative
	// to that object. It is called only for nested queries
	// (threat.enrichments:{ indicator.ip:1.2.3.4 }). nil when absent.
	Objects(path string) []Document
}

// Option configures Parse.
type Option func(*options)

type options struct {
	now      time.Time
	nowSet   bool
	types    Types
	maxDepth int
	loc      *time.Location
	naive    bool // tests: leave value lists as ors of single comparisons
}

// DefaultMaxDepth is how deeply parentheses, value lists, nested queries
// and nots may nest unless WithMaxDepth says otherwise.
const DefaultMaxDepth = 1000

// WithNow sets the instant date math ("now-15m", "now/d") is resolved
// against. Without it Parse uses the wall clock at the time of the call.
func WithNow(t time.Time) Option {
	return func(o *options) { o.now, o.nowSet = t, true }
}

// WithTypes declares Elasticsearch field types (field → "keyword", "long",
// "ip", "date", "text", "nested", ...) for fields ECS does not define, or
// overrides ECS's. Later calls add to earlier ones.
func WithTypes(types map[string]string) Option {
	return func(o *options) {
		if o.types == nil {
			o.types = Types{}
		}
		for k, v := range types {
			o.types[k] = v
		}
	}
}

// WithMaxDepth bounds nesting (parentheses, value lists, nested queries,
// nots); deeper queries fail to parse with a *ParseError. n <= 0 means
// DefaultMaxDepth.
func WithMaxDepth(n int) Option {
	return func(o *options) { o.maxDepth = n }
}

// WithLocation sets the time zone of dates written without an offset
// ("2026-11-28T10:00:00") and of date-math rounding. The default is UTC,
// as Elastic's detection engine uses.
func WithLocation(loc *time.Location) Option {
	return func(o *options) { o.loc = loc }
}

// ParseError is the error Parse returns for a query that is not valid KQL.
type ParseError struct {
	Query    string // the query text
	Offset   int    // 0-based byte offset of the problem
	Column   int    // 1-based column (in characters) of the problem
	Expected string // what the parser expected there, e.g. "a value after ':'"
	Found    string // what it found: a quoted token, or "end of query"
}

// Error formats the error as "kql: column N: expected X, found Y".
func (e *ParseError) Error() string {
	if e.Found == "" {
		return fmt.Sprintf("kql: column %d: %s", e.Column, e.Expected)
	}
	return fmt.Sprintf("kql: column %d: expected %s, found %s", e.Column, e.Expected, e.Found)
}

// Op is the operator of a Comparison.
type Op uint8

// Comparison operators.
const (
	OpMatch        Op = iota + 1 // field:value — exact, analysed, CIDR... by the field's type
	OpWildcard                   // field:va*ue — the value holds an unescaped *
	OpExists                     // field:*
	OpLess                       // field < value
	OpLessEqual                  // field <= value
	OpGreater                    // field > value
	OpGreaterEqual               // field >= value
)

// String returns the operator as KQL writes it (":" for match, wildcard
// and exists).
func (o Op) String() string {
	switch o {
	case OpLess:
		return "<"
	case OpLessEqual:
		return "<="
	case OpGreater:
		return ">"
	case OpGreaterEqual:
		return ">="
	case OpMatch, OpWildcard, OpExists:
		return ":"
	}
	return "?"
}

// IsRange reports whether o is one of < <= > >=.
func (o Op) IsRange() bool { return o >= OpLess && o <= OpGreaterEqual }

// Comparison is one field comparison of a query, as Query.Comparisons
// lists them for linters. A value list field:(a or b) yields one
// Comparison per value.
type Comparison struct {
	// Field is the full dotted field path (inside a nested query, the
	// nested path and the relative field joined), "" for a bare value
	// without a field. It may contain * (see FieldWildcard).
	Field string
	// Nested is the path of the enclosing nested query, "" when none.
	Nested string
	Op     Op
	// Value is the value with escapes removed; for OpWildcard the
	// unescaped * are kept as *, and a literal * or \ is escaped with a
	// backslash. Empty for OpExists.
	Value string
	// Quoted reports whether the value was a quoted phrase.
	Quoted bool
	// Type is the field's Elasticsearch type from the query's Types (ECS,
	// APM, WithTypes), "" when unknown (then it behaves like keyword).
	Type string
	// Exact reports an exact, case-sensitive comparison on a keyword-like
	// field (keyword, constant_keyword, wildcard, flattened, or unknown
	// type): OpMatch only, not a wildcard, range or exists, and not a
	// bare value.
	Exact bool
	// Negated reports whether the comparison sits under an odd number of
	// nots.
	Negated bool
	// FieldWildcard reports a field name containing * (matched against
	// the document's field names).
	FieldWildcard bool
	// LeadingWildcard reports an OpWildcard value starting with *, which
	// Elasticsearch evaluates slowly.
	LeadingWildcard bool
	// Column is the 1-based column of the field name in the query (of the
	// value for a bare value).
	Column int
	// ValueStart and ValueEnd are the 0-based byte offsets [start, end)
	// of the value as written in the query text (with quotes and escapes),
	// so a tool can rewrite just that value.
	ValueStart, ValueEnd int
}

// Types maps Elasticsearch field names to field types ("keyword", "long",
// "ip", "date", "text", "match_only_text", "wildcard", "nested", ...).
type Types map[string]string

// LookupType returns the type of field: from t when t has it, else from
// the built-in ECS and APM table (see ECSVersion), else "". A multi-field
// such as user_agent.original.text resolves to its own type.
func (t Types) LookupType(field string) string {
	if typ, ok := t[field]; ok {
		return typ
	}
	return LookupType(field)
}

// LookupType returns the type of field in the built-in table generated
// from ECS's flat field list (see ECSVersion) plus the APM fields Picket
// reads, or "" for a field it does not know.
func LookupType(field string) string {
	if typ, ok := ecsTypes[field]; ok {
		return typ
	}
	return apmTypes[field]
}

// Quote returns s as a quoted KQL phrase, escaping what needs escaping,
// e.g. Quote(`say "hi"`) is `"say \"hi\""`. Use it to write a fixed query.
func Quote(s string) string { return quote(s) }

// DSLOption configures Query.ToDSL.
type DSLOption func(*dslOptions)

type dslOptions struct {
	untyped bool
}

// WithoutFieldTypes makes ToDSL build the query the way Elastic's detection
// engine does, with an index pattern that lists no fields: every value
// becomes match or match_phrase, wildcards query_string, and ranges on
// any field plain range queries. Without it ToDSL uses the query's Types
// as a Kibana data view would (term for keyword fields, wildcard for
// keyword wildcards, range for dates).
func WithoutFieldTypes() DSLOption {
	return func(o *dslOptions) { o.untyped = true }
}
