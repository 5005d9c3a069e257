package kql

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// dslEval is a tiny Elasticsearch: it evaluates the query DSL subset ToDSL
// emits (bool, match_all, term, match, match_phrase, wildcard,
// query_string, range, exists, multi_match, nested) against a document
// whose mapping is the given types. Leaf comparisons reuse the package's
// per-type comparators; what it checks is that the translation keeps the
// query's fields, values and boolean structure.
type dslEval struct {
	c *compiler
}

func newDSLEval(q *Query) *dslEval {
	return &dslEval{c: &compiler{q: q, dp: &dateParser{now: q.now, loc: q.loc}}}
}

func one(m map[string]any) (string, any) {
	for k, v := range m {
		return k, v
	}
	return "", nil
}

func asMap(x any) map[string]any { m, _ := x.(map[string]any); return m }

func (e *dslEval) eval(q map[string]any, d Document, nested string) bool {
	kind, body := one(q)
	switch kind {
	case "match_all":
		return true
	case "match_none":
		return false
	case "bool":
		b := asMap(body)
		for _, k := range []string{"filter", "must"} {
			if xs, ok := b[k].([]any); ok {
				for _, x := range xs {
					if !e.eval(asMap(x), d, nested) {
						return false
					}
				}
			}
		}
		if mn, ok := b["must_not"]; ok {
			xs, isList := mn.([]any)
			if !isList {
				xs = []any{mn}
			}
			for _, x := range xs {
				if e.eval(asMap(x), d, nested) {
					return false
				}
			}
		}
		if xs, ok := b["should"].([]any); ok {
			msm := 0
			if f, ok := b["minimum_should_match"].(float64); ok {
				msm = int(f)
			}
			n := 0
			for _, x := range xs {
				if e.eval(asMap(x), d, nested) {
					n++
				}
			}
			return n >= msm
		}
		return true
	case "nested":
		b := asMap(body)
		path := b["path"].(string)
		rel := path
		if nested != "" {
			rel = strings.TrimPrefix(path, nested+".")
		}
		for _, o := range d.Objects(rel) {
			if e.eval(asMap(b["query"]), o, path) {
				return true
			}
		}
		return false
	case "exists":
		f := asMap(body)["field"].(string)
		return e.leaf(d, nested, f, func(string) valueCmp { return presentCmp{} })
	case "term":
		f, spec := one(asMap(body))
		lit := valueLiteral(asMap(spec)["value"], false)
		return e.leaf(d, nested, f, func(full string) valueCmp { return e.c.isCmp(e.c.typeOf(full), lit) })
	case "match", "match_phrase":
		f, v := one(asMap(body))
		lit := valueLiteral(v, kind == "match_phrase")
		return e.leaf(d, nested, f, func(full string) valueCmp { return e.c.isCmp(e.c.typeOf(full), lit) })
	case "wildcard":
		f, spec := one(asMap(body))
		lit := qsLiteral(asMap(spec)["value"].(string))
		return e.leaf(d, nested, f, func(full string) valueCmp { return e.c.isCmp(e.c.typeOf(full), lit) })
	case "query_string":
		b := asMap(body)
		lit := qsLiteral(b["query"].(string))
		fields, _ := b["fields"].([]any)
		if len(fields) == 0 && b["query"] == "*" {
			return true // Elasticsearch reads * on all fields as match_all
		}
		if len(fields) == 0 {
			fields = []any{"*"}
		}
		for _, f := range fields {
			if e.leaf(d, nested, f.(string), func(full string) valueCmp { return e.c.isCmp(e.c.typeOf(full), lit) }) {
				return true
			}
		}
		return false
	case "multi_match":
		b := asMap(body)
		lit := valueLiteral(b["query"], b["type"] == "phrase")
		return e.leaf(d, nested, "*", func(full string) valueCmp { return e.c.isCmp(e.c.typeOf(full), lit) })
	case "range":
		f, spec := one(asMap(body))
		var lits []struct {
			op  Op
			lit *literal
		}
		for k, v := range asMap(spec) {
			var op Op
			switch k {
			case "gt":
				op = OpGreater
			case "gte":
				op = OpGreaterEqual
			case "lt":
				op = OpLess
			case "lte":
				op = OpLessEqual
			default:
				continue
			}
			lits = append(lits, struct {
				op  Op
				lit *literal
			}{op, valueLiteral(v, false)})
		}
		return e.leaf(d, nested, f, func(full string) valueCmp {
			var all allCmp
			for _, l := range lits {
				all = append(all, e.c.rangeCmp(e.c.typeOf(full), l.op, l.lit))
			}
			return all
		})
	}
	panic(fmt.Sprintf("dslEval: unsupported query %q", kind))
}

type allCmp []valueCmp

func (a allCmp) test(v Value) bool {
	for _, c := range a {
		if !c.test(v) {
			return false
		}
	}
	return true
}

// leaf applies a comparator to the field (a pattern with * matches the
// document's fields and their multi-fields, as Elasticsearch expands
// field patterns); fields below a nested field are out of reach outside
// a nested query on it.
func (e *dslEval) leaf(d Document, nested, field string, build func(full string) valueCmp) bool {
	if strings.Contains(field, "*") {
		pat := wildcard{strings.Split(field, "*")}
		prefix := ""
		if nested != "" {
			prefix = nested + "."
		}
		for _, f := range d.Fields() {
			for _, full := range append([]string{prefix + f}, e.c.multiFields(prefix+f)...) {
				if !pat.match(full) || (field == "*" && !e.c.reachable(full, nested)) {
					continue
				}
				c := build(full)
				for _, v := range d.Values(f) {
					if c.test(v) {
						return true
					}
				}
			}
		}
		return false
	}
	if !e.c.reachable(field, nested) {
		return false
	}
	c := build(field)
	if _, ok := c.(presentCmp); ok {
		m := existsMatcher{path: e.c.valuePath(field, nested), prefix: true}
		return m.match(d)
	}
	for _, v := range d.Values(e.c.valuePath(field, nested)) {
		if c.test(v) {
			return true
		}
	}
	return false
}

func valueLiteral(v any, quoted bool) *literal {
	switch t := v.(type) {
	case nil:
		return &literal{kind: litNull, text: "null"}
	case bool:
		if t {
			return &literal{kind: litTrue, text: "true"}
		}
		return &literal{kind: litFalse, text: "false"}
	case string:
		return &literal{text: t, quoted: quoted}
	}
	panic(fmt.Sprintf("unexpected DSL value %T", v))
}

// qsLiteral reads a query_string / wildcard value back into pieces
// between unescaped *s.
func qsLiteral(s string) *literal {
	var parts []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case s[i] == '*':
			parts = append(parts, b.String())
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	parts = append(parts, b.String())
	if len(parts) == 1 {
		return &literal{text: parts[0]}
	}
	return &literal{wildcard: true, parts: parts, text: joinWildcard(parts)}
}

func roundTrip(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDSLAgreesWithMatch evaluates every conformance query's DSL on its
// document and expects the local answer.
func TestDSLAgreesWithMatch(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts []DSLOption
	}{{"typed", nil}, {"untyped", []DSLOption{WithoutFieldTypes()}}} {
		t.Run(mode.name, func(t *testing.T) {
			for _, tc := range conformanceCases {
				q := parseForDoc(t, tc.query, tc.doc)
				if mode.name == "untyped" && untypedDiffers(q) {
					continue
				}
				d := mustDoc(conformanceDocs[tc.doc])
				dsl := roundTrip(t, q.ToDSL(mode.opts...))
				if got := newDSLEval(q).eval(dsl, d, ""); got != tc.want {
					b, _ := json.Marshal(dsl)
					t.Errorf("%s on %s: DSL evaluates to %v, want %v\n%s", tc.query, tc.doc, got, tc.want, b)
				}
			}
		})
	}
}

// untypedDiffers reports queries whose detection-engine DSL (no field
// types) Elasticsearch reads differently from a data view's: field-name
// wildcards are sent as they are and match nothing in match queries.
func untypedDiffers(q *Query) bool {
	for _, c := range q.Comparisons() {
		if c.FieldWildcard && c.Op != OpExists && c.Op != OpWildcard {
			return true
		}
	}
	return false
}

// TestDSLGolden compares ToDSL output with testdata/dsl/*.json.
func TestDSLGolden(t *testing.T) {
	cases := []struct {
		name, query string
		opts        []DSLOption
	}{
		{"seed", `http.response.status_code:403 and http.request.method:post`, nil},
		{"seed_untyped", `http.response.status_code:403 and http.request.method:post`, []DSLOption{WithoutFieldTypes()}},
		{"seed_fixed", `http.response.status_code:403 and http.request.method:(POST or post)`, nil},
		{"rule_405", `http.response.status_code:405 and http.request.method:* and not http.request.method:("GET" or "POST" or "HEAD" or "OPTIONS")`, nil},
		{"wildcards", `user_agent.original:*Googlebot/2.1* or url.path:/admin/* or message:pass*`, nil},
		{"wildcards_untyped", `user_agent.original:*Googlebot/2.1* or url.path:/admin/* or message:pass*`, []DSLOption{WithoutFieldTypes()}},
		{"ranges", `@timestamp >= now-15m and http.response.status_code < 500 and source.ip > 10.0.0.0`, nil},
		{"date_equality", `@timestamp:2026-11-28`, nil},
		{"nested", `threat.enrichments:{ indicator.ip:192.0.2.10 and not indicator.confidence:Low }`, nil},
		{"field_wildcard", `http.response.status_*:403`, nil},
		{"bare", `"bad password" or denied or fire*`, nil},
		{"match_all", ``, nil},
		{"exists_literals", `event.outcome:* and not user.name:null and container.security_context.privileged:true`, nil},
		{"phrase_text", `message:"Login DENIED" and source.ip:10.0.0.0/8`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.query, WithNow(testNow))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(q.ToDSL(tc.opts...), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "dsl", tc.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("ToDSL(%q) differs from %s:\n%s", tc.query, path, got)
			}
		})
	}
}
