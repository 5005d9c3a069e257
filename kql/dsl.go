package kql

import (
	"sort"
	"strings"
	"time"
)

func (q *Query) toDSL(o dslOptions) map[string]any {
	return q.dslNode(q.root, "", o)
}

func obj(k string, v any) map[string]any { return map[string]any{k: v} }

func should(qs []any) map[string]any {
	if qs == nil {
		qs = []any{}
	}
	return obj("bool", map[string]any{"should": qs, "minimum_should_match": 1})
}

func (q *Query) dslNode(n *node, nested string, o dslOptions) map[string]any {
	switch n.kind {
	case nMatchAll:
		return obj("match_all", map[string]any{})
	case nOr:
		var kids []any
		for _, k := range n.kids {
			kids = append(kids, q.dslNode(k, nested, o))
		}
		return should(kids)
	case nAnd:
		var kids []any
		for _, k := range n.kids {
			kids = append(kids, q.dslNode(k, nested, o))
		}
		return obj("bool", obj("filter", kids))
	case nNot:
		return obj("bool", obj("must_not", q.dslNode(n.kids[0], nested, o)))
	case nNested:
		full := joinPath(nested, n.field.text)
		return obj("nested", map[string]any{"path": full, "query": q.dslNode(n.kids[0], full, o), "score_mode": "none"})
	case nIs:
		return q.dslIs(n, nested, o)
	case nRange:
		return q.dslRange(n, nested, o)
	}
	return obj("match_none", map[string]any{})
}

// literalValue is a literal as Kibana hands it to Elasticsearch: a string,
// or null/true/false for the typed literals.
func literalValue(l *literal) any {
	switch l.kind {
	case litNull:
		return nil
	case litTrue:
		return true
	case litFalse:
		return false
	}
	if l.wildcard {
		return strings.Join(l.parts, "*")
	}
	return l.text
}

// queryStringWildcard writes a wildcard literal for query_string and
// wildcard queries: reserved characters escaped, * between the pieces.
func queryStringWildcard(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('*')
		}
		for _, r := range p {
			if strings.ContainsRune(`+-=&|><!(){}[]^"~*?:\/`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

type dslField struct{ name, typ string }

// dslFields lists the fields a comparison applies to, as Kibana's
// getFields does with a data view: a wildcard name expands to the known
// fields it matches; a name nothing matches is sent as it is.
func (q *Query) dslFields(l *literal, nested string, o dslOptions) []dslField {
	full := joinPath(nested, fieldName(l))
	if o.untyped {
		return []dslField{{full, ""}}
	}
	if !l.wildcard {
		return []dslField{{full, q.types.LookupType(full)}}
	}
	pat := wildcard{strings.Split(full, "*")}
	seen := map[string]bool{}
	var out []dslField
	add := func(name string) {
		if !seen[name] && pat.match(name) {
			seen[name] = true
			out = append(out, dslField{name, q.types.LookupType(name)})
		}
	}
	for name := range q.types {
		add(name)
	}
	for name := range ecsTypes {
		add(name)
	}
	for name := range apmTypes {
		add(name)
	}
	if len(out) == 0 {
		return []dslField{{full, ""}}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// wrapNested puts a query on a field below a nested field into a nested
// query when a field-name wildcard reached it (as Kibana does).
func (q *Query) wrapNested(l *literal, nested string, f dslField, query map[string]any) map[string]any {
	if !l.wildcard || nested != "" {
		return query
	}
	for i := len(f.name) - 1; i > 0; i-- {
		if f.name[i] == '.' && q.types.LookupType(f.name[:i]) == "nested" {
			return obj("nested", map[string]any{"path": f.name[:i], "query": query, "score_mode": "none"})
		}
	}
	return query
}

func (q *Query) timeZone(s string) map[string]any {
	if q.loc == nil || q.loc == time.UTC || allDigits(s) {
		return nil
	}
	return map[string]any{"time_zone": q.loc.String()}
}

func (q *Query) dslIs(n *node, nested string, o dslOptions) map[string]any {
	v := n.value
	val := literalValue(v)
	if n.field == nil {
		if v.wildcard {
			return obj("query_string", obj("query", queryStringWildcard(v.parts)))
		}
		typ := "best_fields"
		if v.quoted {
			typ = "phrase"
		}
		return obj("multi_match", map[string]any{"type": typ, "query": val, "lenient": true})
	}
	if n.field.lone() && v.lone() {
		return obj("match_all", map[string]any{})
	}
	var qs []any
	for _, f := range q.dslFields(n.field, nested, o) {
		var leaf map[string]any
		keyword := f.typ == "keyword"
		switch {
		case v.lone():
			leaf = obj("exists", obj("field", f.name))
		case v.wildcard && keyword:
			leaf = obj("wildcard", obj(f.name, obj("value", queryStringWildcard(v.parts))))
		case v.wildcard:
			leaf = obj("query_string", map[string]any{"fields": []any{f.name}, "query": queryStringWildcard(v.parts)})
		case f.typ == "date":
			r := map[string]any{"gte": val, "lte": val}
			for k, x := range q.timeZone(v.text) {
				r[k] = x
			}
			leaf = obj("range", obj(f.name, r))
		case keyword:
			leaf = obj("term", obj(f.name, obj("value", val)))
		case v.quoted:
			leaf = obj("match_phrase", obj(f.name, val))
		default:
			leaf = obj("match", obj(f.name, val))
		}
		qs = append(qs, q.wrapNested(n.field, nested, f, leaf))
	}
	return should(qs)
}

var rangeOps = map[Op]string{OpLess: "lt", OpLessEqual: "lte", OpGreater: "gt", OpGreaterEqual: "gte"}

func (q *Query) dslRange(n *node, nested string, o dslOptions) map[string]any {
	val := literalValue(n.value)
	var qs []any
	for _, f := range q.dslFields(n.field, nested, o) {
		r := map[string]any{rangeOps[n.op]: val}
		if f.typ == "date" {
			for k, x := range q.timeZone(n.value.text) {
				r[k] = x
			}
		}
		qs = append(qs, q.wrapNested(n.field, nested, f, obj("range", obj(f.name, r))))
	}
	return should(qs)
}
