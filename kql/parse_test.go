package kql

import (
	"errors"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	cases := []struct {
		query    string
		column   int
		expected string
	}{
		{`http.request.method:`, 21, "a value after ':'"},
		{`a:b c:d`, 6, "'and', 'or' or the end of the query"},
		{`(a:b`, 5, "')' to close the '(' at column 1"},
		{`a:(b or c`, 10, "')' to close the value list at column 3"},
		{`a:"unterminated`, 16, `'"' to close the quoted string at column 3`},
		{`x:{ y:1`, 8, "'}' to close the '{' at column 3"},
		{`a < `, 5, "a value after '<'"},
		{`a >= `, 6, "a value after '>='"},
		{`not not a:b`, 5, "a field name, a value, '(' or 'not'"},
		{`a:b or )`, 8, "a field name, a value, '(' or 'not'"},
		{`)`, 1, "a field name, a value, '(' or 'not'"},
		{`message:cannot be`, 12, "'and', 'or' or the end of the query"},
		{`a:b\`, 4, "'and', 'or' or the end of the query"},
		{`é:"x" or ü:`, 12, "a value after ':'"},
	}
	for _, tc := range cases {
		_, err := Parse(tc.query)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want a *ParseError", tc.query, err)
			continue
		}
		if pe.Column != tc.column || !strings.Contains(pe.Expected, tc.expected) {
			t.Errorf("Parse(%q): column %d, expected %q; want column %d, expected %q (%v)",
				tc.query, pe.Column, pe.Expected, tc.column, tc.expected, err)
		}
		if !strings.HasPrefix(err.Error(), "kql: column ") {
			t.Errorf("Parse(%q): message %q lacks the column", tc.query, err)
		}
	}
}

// TestKibanaQuirks pins places where Kibana's grammar accepts what looks
// wrong: a keyword needs spaces on both sides, so a trailing "and" or
// "or" belongs to the value, and a lone "not" is a bare value.
func TestKibanaQuirks(t *testing.T) {
	cases := []struct{ query, field, value string }{
		// On a keyword field: on http.response.status_code "403 and" is
		// not a number, an error (TestMalformedValues).
		{`http.request.method:POST and`, "http.request.method", "POST and"},
		{`a:b or`, "a", "b or"},
		{`not`, "", "not"},
		{`a:x\ny`, "a", "x\ny"},
		{`a:\not`, "a", "ot"}, // \n is read as a newline first, then trimmed
		{`a:  spaced  value  `, "a", "spaced  value"},
	}
	for _, tc := range cases {
		q, err := Parse(tc.query)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.query, err)
			continue
		}
		cs := q.Comparisons()
		if len(cs) != 1 || cs[0].Field != tc.field || cs[0].Value != tc.value {
			t.Errorf("Parse(%q) = %+v, want field %q value %q", tc.query, cs, tc.field, tc.value)
		}
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := Parse(`http.request.method:`)
	want := "kql: column 21: expected a value after ':', found end of query"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestDepthLimit(t *testing.T) {
	cases := []struct {
		name  string
		query string
		max   int
		ok    bool
	}{
		{"parens within default", strings.Repeat("(", 500) + "a:b" + strings.Repeat(")", 500), 0, true},
		{"parens beyond default", strings.Repeat("(", 1001) + "a:b" + strings.Repeat(")", 1001), 0, false},
		{"value lists beyond limit", "a:" + strings.Repeat("(", 20) + "b" + strings.Repeat(")", 20), 10, false},
		{"nested beyond limit", strings.Repeat("a:{ ", 11) + "b:c" + strings.Repeat(" }", 11), 10, false},
		{"nested within limit", strings.Repeat("a:{ ", 10) + "b:c" + strings.Repeat(" }", 10), 10, true},
	}
	for _, tc := range cases {
		_, err := Parse(tc.query, WithMaxDepth(tc.max))
		if tc.ok != (err == nil) {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
		var pe *ParseError
		if err != nil && (!errors.As(err, &pe) || !strings.Contains(pe.Expected, "nested deeper than")) {
			t.Errorf("%s: err = %v, want a depth error", tc.name, err)
		}
	}
}

func TestString(t *testing.T) {
	cases := []struct{ in, want string }{
		{`http.response.status_code:403 AND http.request.method:post`, `http.response.status_code:403 and http.request.method:post`},
		{`a:(b OR c)`, `a:b or a:c`},
		{`a:1 or b:2 and c:3`, `a:1 or b:2 and c:3`},
		{`(a:1 or b:2) and c:3`, `(a:1 or b:2) and c:3`},
		{`not (a:1 or b:2)`, `not (a:1 or b:2)`},
		{`NOT a:1`, `not a:1`},
		{`x:{ y:1 and z:"two words" }`, `x:{ y:1 and z:"two words" }`},
		{`n  >=   5`, `n >= 5`},
		{`f:a\*b*`, `f:a\*b*`},
		{`f:\or`, `f:or`},
		{`f:a \or b`, `f:a \or b`},
		{`f:"say \"hi\""`, `f:"say \"hi\""`},
		{`f:C\:\\dir`, `f:C\:\\dir`},
		{``, `*:*`},
		{`hello world`, `hello world`},
	}
	for _, tc := range cases {
		q := MustParse(tc.in)
		if got := q.String(); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := MustParse(q.String()).String(); again != q.String() {
			t.Errorf("String is not stable for %q: %q then %q", tc.in, q.String(), again)
		}
	}
}

func TestQuote(t *testing.T) {
	cases := []struct{ in, want string }{
		{`POST`, `"POST"`},
		{`say "hi"`, `"say \"hi\""`},
		{`C:\dir`, `"C:\\dir"`},
		{"a\tb", `"a\tb"`},
	}
	for _, tc := range cases {
		got := Quote(tc.in)
		if got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
		q := MustParse("f:" + got)
		if cs := q.Comparisons(); len(cs) != 1 || cs[0].Value != tc.in {
			t.Errorf("f:%s parses to %+v, want value %q", got, cs, tc.in)
		}
	}
}

func TestComparisons(t *testing.T) {
	src := `http.response.status_code:403 and http.request.method:(post or "GET") and not url.path:*admin* and @timestamp >= now-1h and message:denied and threat.enrichments:{ indicator.ip:1.2.3.4 } and http.*:x and bare and custom.f:*`
	q := MustParse(src, WithNow(testNow))
	got := q.Comparisons()
	col := func(s string) int { return strings.Index(src, s) + 1 }
	want := []Comparison{
		{Field: "http.response.status_code", Op: OpMatch, Value: "403", Type: "long", Column: 1},
		{Field: "http.request.method", Op: OpMatch, Value: "post", Type: "keyword", Exact: true, Column: 35},
		{Field: "http.request.method", Op: OpMatch, Value: "GET", Quoted: true, Type: "keyword", Exact: true, Column: 35},
		{Field: "url.path", Op: OpWildcard, Value: "*admin*", Type: "wildcard", Negated: true, LeadingWildcard: true, Column: col("url.path")},
		{Field: "@timestamp", Op: OpGreaterEqual, Value: "now-1h", Type: "date", Column: col("@timestamp")},
		{Field: "message", Op: OpMatch, Value: "denied", Type: "match_only_text", Column: col("message:")},
		{Field: "threat.enrichments.indicator.ip", Nested: "threat.enrichments", Op: OpMatch, Value: "1.2.3.4", Type: "ip", Column: col("indicator.ip")},
		{Field: "http.*", Op: OpMatch, Value: "x", FieldWildcard: true, Column: col("http.*")},
		{Op: OpMatch, Value: "bare", Column: col("bare")},
		{Field: "custom.f", Op: OpExists, Column: col("custom.f")},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d comparisons, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g := got[i]
		// Offsets are checked against the text below.
		g.ValueStart, g.ValueEnd = 0, 0
		if g != want[i] {
			t.Errorf("comparison %d:\n got %+v\nwant %+v", i, g, want[i])
		}
	}
	// ValueStart/ValueEnd cut the value as written.
	texts := []string{"403", "post", `"GET"`, "*admin*", "now-1h", "denied", "1.2.3.4", "x", "bare", "*"}
	for i, c := range got {
		if s := src[c.ValueStart:c.ValueEnd]; s != texts[i] {
			t.Errorf("comparison %d: source[%d:%d] = %q, want %q", i, c.ValueStart, c.ValueEnd, s, texts[i])
		}
	}
	if f := q.Fields(); len(f) != 8 || f[0] != "http.response.status_code" {
		t.Errorf("Fields() = %v", f)
	}
}

// TestRewriteWithOffsets is what the rule linter does: replace one value
// using the offsets, then re-parse.
func TestRewriteWithOffsets(t *testing.T) {
	src := `http.response.status_code:403 and http.request.method:post`
	q := MustParse(src)
	c := q.Comparisons()[1]
	fixed := src[:c.ValueStart] + "(" + Quote("POST") + " or " + Quote("post") + ")" + src[c.ValueEnd:]
	want := `http.response.status_code:403 and http.request.method:("POST" or "post")`
	if fixed != want {
		t.Fatalf("fixed = %q, want %q", fixed, want)
	}
	d := mustDoc(`{"http":{"request":{"method":"POST"},"response":{"status_code":403}}}`)
	if q.Match(d) || !MustParse(fixed).Match(d) {
		t.Errorf("original should miss and the fix should match %s", d.m)
	}
}

func TestLookupType(t *testing.T) {
	cases := []struct {
		types       Types
		field, want string
	}{
		{nil, "http.request.method", "keyword"},
		{nil, "http.response.status_code", "long"},
		{nil, "source.ip", "ip"},
		{nil, "message", "match_only_text"},
		{nil, "url.path", "wildcard"},
		{nil, "threat.enrichments", "nested"},
		{nil, "data_stream.dataset", "constant_keyword"},
		{nil, "user_agent.original.text", "match_only_text"},
		{nil, "transaction.name", "keyword"},
		{nil, "span.db.rows_affected", "long"},
		{nil, "no.such.field", ""},
		{Types{"app.latency": "long"}, "app.latency", "long"},
		{Types{"http.request.method": "text"}, "http.request.method", "text"},
	}
	for _, tc := range cases {
		if got := tc.types.LookupType(tc.field); got != tc.want {
			t.Errorf("LookupType(%q) = %q, want %q", tc.field, got, tc.want)
		}
	}
	if ECSVersion == "" {
		t.Error("ECSVersion is empty")
	}
}
