// Package kqldoc shows a triage.Event to the KQL engine (kql.Document).
// It is the one adapter between the domain and the query language, so a
// query over events means the same in detectors, playbook answers and
// the console.
package kqldoc

import (
	"bytes"
	"strings"

	"github.com/valyala/fastjson"

	"picket/kql"
	"picket/triage"
)

// Doc shows a *triage.Event to the KQL engine as a kql.Document: the one
// adapter every layer uses (rules, playbook answers, the console's
// filter), so a query means the same everywhere. The fields the decoder
// already extracted faithfully (http.request.method,
// http.response.status_code, user_agent.original, ...) are answered from
// the Event without touching the JSON; any other path is resolved in the
// raw document by Event.Get, after a cheap check that the document can
// hold it at all.
//
// One Doc is reused for every event of a run: Values returns slices
// that stay valid only until the next event.
type Doc struct {
	ev *triage.Event

	// Computed, when set, answers fields Picket works out itself rather
	// than reads (the playbooks' picket.* fields): ok is false for every
	// other path, which the event answers.
	Computed func(ev *triage.Event, path string) (vs []triage.Value, ok bool)

	hot  [1]kql.Value // a single-valued decoded field
	list []kql.Value  // event.category, event.type
	slow []kql.Value  // values read from the raw document

	fieldsParser fastjson.Parser

	// escapes is 1 when the current event's JSON holds a backslash, 0 when
	// not, -1 before it was looked for.
	escapes int8
	// firstSeg and firstHeld remember the last first-segment search.
	firstSeg  string
	firstHeld bool
}

// Reset points the document at the next event.
func (d *Doc) Reset(ev *triage.Event) {
	d.ev = ev
	d.escapes = -1
	d.firstSeg = ""
}

// Values implements kql.Document. The event answers from its decoded
// fields when they hold the value exactly (triage.Event.Hot, the one owner
// of that decision); otherwise the raw document is read, unless it cannot
// hold the path at all.
func (d *Doc) Values(path string) []kql.Value {
	ev := d.ev
	if d.Computed != nil {
		if vs, ok := d.Computed(ev, path); ok {
			d.slow = convert(d.slow[:0], vs)
			if len(d.slow) == 0 {
				return nil
			}
			return d.slow
		}
	}
	if v, ok := ev.Hot(path); ok {
		d.hot[0] = convertOne(v)
		return d.hot[:]
	}
	if vs, ok := ev.HotList(path); ok {
		d.list = appendStrs(d.list[:0], vs)
		return d.list
	}
	if vs, ok := ev.Resolved(path); ok { // read by the decoder already
		d.slow = convert(d.slow[:0], vs)
		if len(d.slow) == 0 {
			return nil
		}
		return d.slow
	}
	// An empty hot field may be an absent field, an empty string, or a
	// value the decoder could not type (a status code "abc"): look in the
	// document, unless it cannot hold the path at all.
	if !d.mayHold(path) {
		return nil
	}
	d.slow = convert(d.slow[:0], ev.Get(path))
	if len(d.slow) == 0 {
		return nil
	}
	return d.slow
}

func appendStrs(out []kql.Value, ss []string) []kql.Value {
	for _, s := range ss {
		out = append(out, kql.Value{Kind: kql.KindString, Str: s})
	}
	return out
}

// mayHold reports whether the current event can contain a field at path:
// its first segment must begin a key ("http" in {"http":{...}} or
// {"http.request.method":...}) and its last segment must end one, unless
// the document escapes characters, which a byte search cannot see through.
// The first-segment answer is remembered for the event, so the fields of
// one object (http.request.method, http.response.status_code) cost one
// search in a document without it.
func (d *Doc) mayHold(path string) bool {
	raw := d.ev.Raw
	if d.escapes < 0 {
		d.escapes = 0
		if bytes.IndexByte(raw, '\\') >= 0 {
			d.escapes = 1
		}
	}
	first, last := path, path
	if i := strings.IndexByte(path, '.'); i >= 0 {
		first = path[:i]
		last = path[strings.LastIndexByte(path, '.')+1:]
	}
	var key [64]byte
	if d.escapes == 1 || len(last)+1 > len(key) || len(first)+1 > len(key) {
		return true
	}
	if first != last {
		if d.firstSeg != first {
			k := append(append(key[:0], '"'), first...)
			d.firstSeg, d.firstHeld = first, bytes.Contains(raw, k)
		}
		if !d.firstHeld {
			return false
		}
	}
	k := append(append(key[:0], last...), '"')
	return bytes.Contains(raw, k)
}

// convert appends the scalar values of vs as KQL values. Objects are not
// values (a path naming an object matches nothing but exists checks on its
// leaves, which name the leaves).
func convert(out []kql.Value, vs []triage.Value) []kql.Value {
	for _, v := range vs {
		if v.Kind != triage.KindObject {
			out = append(out, convertOne(v))
		}
	}
	return out
}

func convertOne(v triage.Value) kql.Value {
	switch v.Kind {
	case triage.KindNumber:
		return kql.Value{Kind: kql.KindNumber, Str: v.Str, Num: v.Num}
	case triage.KindBool:
		return kql.Value{Kind: kql.KindBool, Bool: v.Bool}
	}
	return kql.Value{Kind: kql.KindString, Str: v.Str}
}

// Fields implements kql.Document: every leaf path in the document, once.
func (d *Doc) Fields() []string {
	return leafFields(&d.fieldsParser, d.ev.Raw)
}

// Event is the event the document shows.
func (d *Doc) Event() *triage.Event { return d.ev }

// Objects implements kql.Document for nested queries.
func (d *Doc) Objects(path string) []kql.Document {
	if !d.mayHold(path) {
		return nil
	}
	return objectDocs(d.ev.Get(path))
}

// rawDoc is a document over one JSON object: a nested object of an event.
type rawDoc struct {
	ev triage.Event
	p  fastjson.Parser
}

func (r *rawDoc) Values(path string) []kql.Value { return convert(nil, r.ev.Get(path)) }
func (r *rawDoc) Fields() []string               { return leafFields(&r.p, r.ev.Raw) }
func (r *rawDoc) Objects(path string) []kql.Document {
	return objectDocs(r.ev.Get(path))
}

func objectDocs(vs []triage.Value) []kql.Document {
	var out []kql.Document
	for _, v := range vs {
		if v.Kind == triage.KindObject {
			out = append(out, &rawDoc{ev: triage.Event{Raw: []byte(v.Str)}})
		}
	}
	return out
}

// leafFields lists the dotted paths of a document's scalar leaves.
func leafFields(p *fastjson.Parser, raw []byte) []string {
	v, err := p.ParseBytes(raw)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	var walk func(v *fastjson.Value, prefix string, depth int)
	walk = func(v *fastjson.Value, prefix string, depth int) {
		if depth > 64 {
			return
		}
		switch v.Type() {
		case fastjson.TypeObject:
			o, _ := v.Object()
			o.Visit(func(k []byte, c *fastjson.Value) {
				name := string(k)
				if prefix != "" {
					name = prefix + "." + name
				}
				walk(c, name, depth+1)
			})
		case fastjson.TypeArray:
			arr, _ := v.Array()
			for _, e := range arr {
				walk(e, prefix, depth+1)
			}
		case fastjson.TypeNull:
		default:
			if prefix != "" && !seen[prefix] {
				seen[prefix] = true
				out = append(out, prefix)
			}
		}
	}
	walk(v, "", 0)
	return out
}
