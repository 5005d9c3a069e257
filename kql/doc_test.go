package kql

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// jsonDoc is the test Document: a decoded JSON object, resolving dotted
// paths through nested objects and dotted keys alike.
type jsonDoc struct{ m map[string]any }

func mustDoc(s string) jsonDoc {
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		panic(err)
	}
	return jsonDoc{m}
}

func toValues(x any, out []Value) []Value {
	switch t := x.(type) {
	case []any:
		for _, e := range t {
			out = toValues(e, out)
		}
	case string:
		out = append(out, StringValue(t))
	case json.Number:
		f, _ := strconv.ParseFloat(string(t), 64)
		out = append(out, Value{Kind: KindNumber, Num: f, Str: string(t)})
	case bool:
		out = append(out, BoolValue(t))
	}
	return out
}

// walk finds what sits at path below x, calling fn for each hit.
func walk(x any, path string, fn func(any)) {
	switch t := x.(type) {
	case []any:
		for _, e := range t {
			walk(e, path, fn)
		}
	case map[string]any:
		for k, v := range t {
			if k == path {
				fn(v)
			} else if strings.HasPrefix(path, k+".") {
				walk(v, path[len(k)+1:], fn)
			}
		}
	}
}

func (d jsonDoc) Values(path string) []Value {
	var out []Value
	walk(d.m, path, func(x any) { out = toValues(x, out) })
	return out
}

func (d jsonDoc) Fields() []string {
	seen := map[string]bool{}
	var rec func(prefix string, x any)
	rec = func(prefix string, x any) {
		switch t := x.(type) {
		case []any:
			for _, e := range t {
				rec(prefix, e)
			}
		case map[string]any:
			for k, v := range t {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				rec(p, v)
			}
		case nil:
		default:
			seen[prefix] = true
		}
	}
	rec("", d.m)
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func (d jsonDoc) Objects(path string) []Document {
	var out []Document
	var add func(x any)
	add = func(x any) {
		switch t := x.(type) {
		case []any:
			for _, e := range t {
				add(e)
			}
		case map[string]any:
			out = append(out, jsonDoc{t})
		}
	}
	walk(d.m, path, add)
	return out
}
