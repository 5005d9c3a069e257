package elastictest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// query is a parsed query DSL clause.
type query interface {
	match(src map[string]any) bool
}

type (
	matchAll  struct{}
	matchNone struct{}
	boolQuery struct {
		must, should, mustNot []query
		minShould             int
	}
	termQuery struct {
		field  string
		values []any
	}
	rangeQuery struct {
		field              string
		gte, gt, lte, lt   any
		hasGte, hasGt      bool
		hasLte, hasLt      bool
		numeric, timeBased bool
	}
	existsQuery struct{ field string }
	regexQuery  struct {
		field string
		re    *regexp.Regexp
	}
)

func (matchAll) match(map[string]any) bool  { return true }
func (matchNone) match(map[string]any) bool { return false }

func (q boolQuery) match(src map[string]any) bool {
	for _, c := range q.must {
		if !c.match(src) {
			return false
		}
	}
	for _, c := range q.mustNot {
		if c.match(src) {
			return false
		}
	}
	if len(q.should) == 0 {
		return true
	}
	n := 0
	for _, c := range q.should {
		if c.match(src) {
			n++
		}
	}
	return n >= q.minShould
}

func (q termQuery) match(src map[string]any) bool {
	for _, v := range values(src, q.field) {
		for _, want := range q.values {
			if equal(v, want) {
				return true
			}
		}
	}
	return false
}

func (q existsQuery) match(src map[string]any) bool { return len(values(src, q.field)) > 0 }

func (q regexQuery) match(src map[string]any) bool {
	for _, v := range values(src, q.field) {
		if q.re.MatchString(text(v)) {
			return true
		}
	}
	return false
}

func (q rangeQuery) match(src map[string]any) bool {
	for _, v := range values(src, q.field) {
		if q.in(v) {
			return true
		}
	}
	return false
}

func (q rangeQuery) in(v any) bool {
	cmp := func(bound any) (int, bool) { return compare(v, bound) }
	if q.hasGte {
		if c, ok := cmp(q.gte); !ok || c < 0 {
			return false
		}
	}
	if q.hasGt {
		if c, ok := cmp(q.gt); !ok || c <= 0 {
			return false
		}
	}
	if q.hasLte {
		if c, ok := cmp(q.lte); !ok || c > 0 {
			return false
		}
	}
	if q.hasLt {
		if c, ok := cmp(q.lt); !ok || c >= 0 {
			return false
		}
	}
	return true
}

// compare orders a document value against a bound: as numbers when both
// are, as times when both parse as times, else as strings.
func compare(v, bound any) (int, bool) {
	if a, ok := number(v); ok {
		if b, ok := number(bound); ok {
			switch {
			case a < b:
				return -1, true
			case a > b:
				return 1, true
			}
			return 0, true
		}
	}
	if a, ok := asTime(v); ok {
		if b, ok := asTime(bound); ok {
			return a.Compare(b), true
		}
	}
	return strings.Compare(text(v), text(bound)), true
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func equal(docValue, want any) bool {
	if a, ok := docValue.(float64); ok {
		if b, ok := number(want); ok {
			return a == b
		}
	}
	return text(docValue) == text(want)
}

// values resolves a dotted path in a document, whether it nests objects,
// uses dotted keys or mixes both; arrays are flattened; null is no value.
func values(v any, path string) []any {
	var out []any
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e, path)
			}
		case map[string]any:
			if path == "" {
				return // an object is not a value
			}
			for k, child := range x {
				switch {
				case k == path:
					walk(child, "")
				case strings.HasPrefix(path, k+"."):
					walk(child, path[len(k)+1:])
				}
			}
		case nil:
		default:
			if path == "" {
				out = append(out, x)
			}
		}
	}
	walk(v, path)
	return out
}

// parseQuery reads the supported DSL subset.
func parseQuery(raw json.RawMessage) (query, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return matchAll{}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("query: %v", err)
	}
	if len(m) != 1 {
		return nil, fmt.Errorf("query: want one clause, got %d", len(m))
	}
	for kind, body := range m {
		switch kind {
		case "match_all":
			return matchAll{}, nil
		case "match_none":
			return matchNone{}, nil
		case "bool":
			return parseBool(body)
		case "term", "match", "match_phrase":
			f, v, err := fieldValue(body, "value", "query")
			if err != nil {
				return nil, fmt.Errorf("%s: %v", kind, err)
			}
			return termQuery{field: f, values: []any{v}}, nil
		case "terms":
			var tm map[string]json.RawMessage
			if err := json.Unmarshal(body, &tm); err != nil {
				return nil, err
			}
			for f, vs := range tm {
				if f == "boost" {
					continue
				}
				var list []any
				if err := json.Unmarshal(vs, &list); err != nil {
					return nil, fmt.Errorf("terms: %v", err)
				}
				return termQuery{field: f, values: list}, nil
			}
			return nil, fmt.Errorf("terms: no field")
		case "exists":
			var e struct {
				Field string `json:"field"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				return nil, err
			}
			return existsQuery{e.Field}, nil
		case "range":
			return parseRange(body)
		case "wildcard", "prefix":
			f, v, err := fieldValue(body, "value", "wildcard")
			if err != nil {
				return nil, fmt.Errorf("%s: %v", kind, err)
			}
			pat := text(v)
			if kind == "prefix" {
				pat = escapeGlob(pat) + "*"
			}
			return regexQuery{field: f, re: globRegexp(pat)}, nil
		case "query_string":
			return parseQueryString(body)
		}
		return nil, fmt.Errorf("fake Elasticsearch: unsupported query %q", kind)
	}
	return nil, nil
}

func parseBool(body json.RawMessage) (query, error) {
	var b map[string]json.RawMessage
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, err
	}
	var q boolQuery
	list := func(raw json.RawMessage) ([]query, error) {
		var arr []json.RawMessage
		if len(raw) > 0 && raw[0] == '[' {
			if err := json.Unmarshal(raw, &arr); err != nil {
				return nil, err
			}
		} else {
			arr = []json.RawMessage{raw}
		}
		var out []query
		for _, c := range arr {
			qc, err := parseQuery(c)
			if err != nil {
				return nil, err
			}
			out = append(out, qc)
		}
		return out, nil
	}
	minSet := false
	for k, v := range b {
		var err error
		var qs []query
		switch k {
		case "must", "filter":
			qs, err = list(v)
			q.must = append(q.must, qs...)
		case "should":
			q.should, err = list(v)
		case "must_not":
			q.mustNot, err = list(v)
		case "minimum_should_match":
			var n any
			_ = json.Unmarshal(v, &n)
			f, _ := number(n)
			q.minShould, minSet = int(f), true
		case "boost", "_name":
		default:
			err = fmt.Errorf("bool: unsupported %q", k)
		}
		if err != nil {
			return nil, err
		}
	}
	if !minSet && len(q.should) > 0 {
		q.minShould = 1
		if len(q.must) > 0 {
			// In a bool with filter or must clauses, should is optional.
			q.minShould = 0
		}
	}
	return q, nil
}

func parseRange(body json.RawMessage) (query, error) {
	var m map[string]map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("range: %v", err)
	}
	for f, b := range m {
		q := rangeQuery{field: f}
		now := time.Now().UTC()
		fix := func(v any) any {
			if s, ok := v.(string); ok && s == "now" {
				return now.Format(time.RFC3339Nano)
			}
			return v
		}
		q.gte, q.hasGte = b["gte"]
		q.gt, q.hasGt = b["gt"]
		q.lte, q.hasLte = b["lte"]
		q.lt, q.hasLt = b["lt"]
		q.gte, q.gt, q.lte, q.lt = fix(q.gte), fix(q.gt), fix(q.lte), fix(q.lt)
		return q, nil
	}
	return nil, fmt.Errorf("range: no field")
}

// fieldValue reads {"field": value} or {"field": {"<key>": value}}.
func fieldValue(body json.RawMessage, keys ...string) (string, any, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return "", nil, err
	}
	for f, v := range m {
		if o, ok := v.(map[string]any); ok {
			for _, k := range keys {
				if x, ok := o[k]; ok {
					return f, x, nil
				}
			}
			return "", nil, fmt.Errorf("field %s: no value", f)
		}
		return f, v, nil
	}
	return "", nil, fmt.Errorf("no field")
}

// parseQueryString handles {"query_string":{"query":"a*b","fields":["f"]}}
// with one field and a wildcard pattern, which is how KQL wildcards are
// commonly translated.
func parseQueryString(body json.RawMessage) (query, error) {
	var qs struct {
		Query        string   `json:"query"`
		Fields       []string `json:"fields"`
		DefaultField string   `json:"default_field"`
	}
	if err := json.Unmarshal(body, &qs); err != nil {
		return nil, err
	}
	field := qs.DefaultField
	if len(qs.Fields) == 1 {
		field = qs.Fields[0]
	}
	if field == "" {
		return nil, fmt.Errorf("fake Elasticsearch: query_string needs one field")
	}
	// Unescape backslash escapes; keep * and ? as wildcards.
	var b strings.Builder
	esc := false
	for _, r := range qs.Query {
		switch {
		case esc:
			b.WriteString(regexp.QuoteMeta(string(r)))
			esc = false
		case r == '\\':
			esc = true
		case r == '*':
			b.WriteString(".*")
		case r == '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return regexQuery{field: field, re: regexp.MustCompile("^(?s:" + b.String() + ")$")}, nil
}

func escapeGlob(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(s)
}

// globRegexp compiles an Elasticsearch wildcard (* and ?, \ escapes).
func globRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	esc := false
	for _, r := range p {
		switch {
		case esc:
			b.WriteString(regexp.QuoteMeta(string(r)))
			esc = false
		case r == '\\':
			esc = true
		case r == '*':
			b.WriteString(".*")
		case r == '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return regexp.MustCompile("^(?s:" + b.String() + ")$")
}
