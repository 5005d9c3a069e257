package run

import (
	"encoding/json"

	"picket/kql"
	"picket/triage"
)

// eventDoc shows an event to a step's KQL query. Values come from
// triage.Event.Values, the one field lookup, and the fields Picket
// computes (fieldValues); Fields and Objects, which
// only field wildcards, bare values and nested queries need, read the
// document. One eventDoc is reused across events: Values answers from a
// buffer valid until the next call, as kql.Document allows.
type eventDoc struct {
	ev  *triage.Event
	buf []kql.Value
}

func (d *eventDoc) Values(path string) []kql.Value {
	d.buf = appendValues(d.buf[:0], fieldValues(d.ev, path))
	if len(d.buf) == 0 {
		return nil
	}
	return d.buf
}

func (d *eventDoc) Fields() []string { return leafPaths(d.ev.Raw) }

func (d *eventDoc) Objects(path string) []kql.Document { return objectDocs(d.ev.Values(path)) }

// appendValues appends the scalar values of vs as KQL values; objects
// are not values.
func appendValues(out []kql.Value, vs []triage.Value) []kql.Value {
	for _, v := range vs {
		switch v.Kind {
		case triage.KindString:
			out = append(out, kql.StringValue(v.Str))
		case triage.KindNumber:
			out = append(out, kql.Value{Kind: kql.KindNumber, Str: v.Str, Num: v.Num})
		case triage.KindBool:
			out = append(out, kql.BoolValue(v.Bool))
		}
	}
	return out
}

// objectDoc is one object of an array-of-objects field, for nested
// queries.
type objectDoc struct{ ev triage.Event }

func (o *objectDoc) Values(path string) []kql.Value     { return appendValues(nil, o.ev.Get(path)) }
func (o *objectDoc) Fields() []string                   { return leafPaths(o.ev.Raw) }
func (o *objectDoc) Objects(path string) []kql.Document { return objectDocs(o.ev.Get(path)) }
func objectDocs(vs []triage.Value) (out []kql.Document) {
	for _, v := range vs {
		if v.Kind == triage.KindObject {
			out = append(out, &objectDoc{ev: triage.Event{Raw: []byte(v.Str)}})
		}
	}
	return out
}

// leafPaths lists the dotted paths of a document's scalar leaves, each
// once; arrays are transparent, as in Elasticsearch.
func leafPaths(raw []byte) []string {
	var doc any
	if json.Unmarshal(raw, &doc) != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	var walk func(v any, prefix string, depth int)
	walk = func(v any, prefix string, depth int) {
		if depth > 64 {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(c, p, depth+1)
			}
		case []any:
			for _, c := range v {
				walk(c, prefix, depth+1)
			}
		case nil:
		default:
			if prefix != "" && !seen[prefix] {
				seen[prefix] = true
				out = append(out, prefix)
			}
		}
	}
	walk(doc, "", 0)
	return out
}
