// Package kql parses, evaluates and translates Kibana's query language
// (KQL, "kuery") the way Kibana and Elasticsearch do, so Picket can re-run
// Elastic query rules on the events it loaded and explain their answers.
//
// API notes (changes to the exported API are recorded here):
//   - 2026-11-28: first version of the API (Parse, Query, Document, Value,
//     Comparison, Types, ToDSL).
//   - 2026-12-02: Query.ValueLists, Query.Warnings, ValueList and
//     HugeValueList; values a typed field cannot read are parse errors;
//     Query.Prefilter (a literal test over raw NDJSON lines).
//
// # Use
//
//	q, err := kql.Parse(`http.response.status_code:403 and http.request.method:post`)
//	if err != nil { ... } // a *kql.ParseError with a 1-based column
//	if q.Match(doc) { ... } // doc implements kql.Document
//
// A query is parsed once and compiled into a tree of matchers whose values
// are converted up front for the field's type (numbers parsed, CIDRs
// parsed, wildcards compiled, dates resolved against the Now option), so
// Match does no parsing per document. A *Query is immutable and safe for
// concurrent use.
//
// # Syntax
//
// The whole of Kibana's KQL grammar: field:value, quoted phrases, escapes
// (a backslash before \ ( ) : < > " * { } and whitespace, or before the
// keywords and/or/not), unescaped * as a wildcard anywhere in a value or a
// field name, ranges field<v, <=, >, >= on numbers, dates (RFC 3339, epoch
// millis, date math such as now-15m or now/d) and IP addresses, field:* for
// "exists", value lists field:(a or b and not c), nested queries
// field:{ sub.field:x }, and/or/not in any letter case with precedence
// NOT > AND > OR, parentheses, and bare values that search all fields. An
// empty query matches everything. Kibana's quirks are kept: a keyword
// needs whitespace on both sides, so "a:b or" is the value "b or", and
// "not " starts a keyword even inside a word ("msg:cannot be" does not
// parse). One addition: a backslash before a space escapes it.
//
// # Semantics
//
// Comparisons follow Elasticsearch over the field's ECS type (see Types and
// LookupType): keyword, wildcard and constant_keyword compare exactly and
// case-sensitively; the numeric types numerically; ip by address or CIDR
// block; date by instant; boolean by truth value; text and match_only_text
// after analysis (lower-cased tokens: an unquoted value matches when any of
// its tokens occurs, a quoted phrase when all occur in order). A field with
// several values matches when any of them does. A missing field never
// matches, so "not f:x" matches documents without f. Fields of type nested
// are matched per object with field:{...}; like Elasticsearch, a plain
// comparison on a field inside a nested object matches nothing. Fields with
// no known type behave like keyword, comparing numerically when both the
// document value and the query value are numbers. Fields with a parent of
// a leaf type (user_agent.original.text) are multi-fields: their values
// are read from the parent.
//
// A value the field's type cannot read (source.ip:not-an-ip,
// source.ip:10.0.0.0/99, @timestamp >= yesterday, a long field's abc, a
// boolean field's yes, a wildcard on an ip, numeric, date or boolean
// field) is a *ParseError naming the field, the value and its column,
// as Elasticsearch rejects such a search. Fields of unknown type, bare
// values and field-name wildcards take any value.
//
// Value lists — field:(a or b or c), or field:a or field:b — are matched
// as sets (hash sets, CIDR prefixes, intervals, wildcard tries), so a
// list of 300,000 IOCs costs about what one value costs per event;
// Query.Warnings reports lists of more than HugeValueList values.
//
// Where Kibana's two ways of building the query disagree, Match follows a
// Kibana data view that knows the field types (as ToDSL does by
// default): a wildcard on a keyword field matches the whole value, a
// wildcard on other fields follows query_string (words split at
// whitespace, any may match), and field-name wildcards expand to the
// matching fields. The detection engine's untyped translation
// (WithoutFieldTypes) differs only there.
package kql
