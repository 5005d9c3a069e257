package rules

import (
	"bytes"
	"strings"

	"github.com/valyala/fastjson"

	"picket/kql"
	"picket/triage"
)

// eventDoc shows a *triage.Event to the KQL engine as a kql.Document. The
// fields the decoder already extracted faithfully (http.request.method,
// http.response.status_code, user_agent.original, ...) are answered from
// the Event without touching the JSON; any other path is resolved in the
// raw document by Event.Get, after a cheap check that the document can
// hold it at all.
//
// One eventDoc is reused for every event of a run: Values returns slices
// that stay valid only until the next event.
type eventDoc struct {
	ev *triage.Event

	hot   [numHot][1]kql.Value
	cats  []kql.Value // event.category
	types []kql.Value // event.type
	slow  []kql.Value

	fieldsParser fastjson.Parser

	// checked and mayHave remember, per hot field of the current event,
	// whether the raw document was searched for it and could hold it.
	checked, mayHave uint16
	// escapes is 1 when the current event's JSON holds a backslash, 0 when
	// not, -1 before it was looked for.
	escapes int8
	// firstSeg and firstHeld remember the last first-segment search.
	firstSeg  string
	firstHeld bool
}

// Hot paths answered from the Event's typed fields. Only fields the
// decoder keeps exactly as the document has them are here: url.path, say,
// is derived from url.original when the document lacks it, which
// Elasticsearch would not do, so it goes to the raw document.
const (
	hotMethod = iota
	hotStatus
	hotUserAgent
	hotUserName
	hotAction
	hotOutcome
	hotKind
	hotProcessor
	hotRoute
	numHot
)

func (d *eventDoc) reset(ev *triage.Event) {
	d.ev = ev
	d.checked, d.mayHave = 0, 0
	d.escapes = -1
	d.firstSeg = ""
}

// hotMayHold is mayHold for a hot field whose typed value is empty,
// remembered for the rest of the event: a rule and its linter ask for the
// same few fields many times.
func (d *eventDoc) hotMayHold(i int, path string) bool {
	bit := uint16(1) << i
	if d.checked&bit == 0 {
		d.checked |= bit
		if d.mayHold(path) {
			d.mayHave |= bit
		}
	}
	return d.mayHave&bit != 0
}

// Values implements kql.Document.
func (d *eventDoc) Values(path string) []kql.Value {
	ev := d.ev
	switch path {
	case "http.request.method":
		if ev.Method != "" {
			return d.str(hotMethod, ev.Method)
		}
		if !d.hotMayHold(hotMethod, path) {
			return nil
		}
	case "http.response.status_code":
		if ev.StatusCode != 0 {
			d.hot[hotStatus][0] = kql.Value{Kind: kql.KindNumber, Num: float64(ev.StatusCode)}
			return d.hot[hotStatus][:]
		}
		if !d.hotMayHold(hotStatus, path) {
			return nil
		}
	case "user_agent.original":
		if ev.UserAgent != "" {
			return d.str(hotUserAgent, ev.UserAgent)
		}
	case "user.name":
		if ev.UserName != "" {
			return d.str(hotUserName, ev.UserName)
		}
	case "event.action":
		if ev.Action != "" {
			return d.str(hotAction, ev.Action)
		}
	case "event.outcome":
		if ev.Outcome != "" {
			return d.str(hotOutcome, ev.Outcome)
		}
	case "event.kind":
		if ev.Kind != "" {
			return d.str(hotKind, ev.Kind)
		}
	case "processor.event":
		if ev.Processor != "" {
			return d.str(hotProcessor, ev.Processor)
		}
	case "transaction.name":
		if ev.Route != "" {
			return d.str(hotRoute, ev.Route)
		}
	case "event.category":
		if len(ev.Category) > 0 {
			d.cats = appendStrs(d.cats[:0], ev.Category)
			return d.cats
		}
	case "event.type":
		if len(ev.Type) > 0 {
			d.types = appendStrs(d.types[:0], ev.Type)
			return d.types
		}
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

func (d *eventDoc) str(i int, s string) []kql.Value {
	d.hot[i][0] = kql.Value{Kind: kql.KindString, Str: s}
	return d.hot[i][:]
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
func (d *eventDoc) mayHold(path string) bool {
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
		switch v.Kind {
		case triage.KindString:
			out = append(out, kql.Value{Kind: kql.KindString, Str: v.Str})
		case triage.KindNumber:
			out = append(out, kql.Value{Kind: kql.KindNumber, Str: v.Str, Num: v.Num})
		case triage.KindBool:
			out = append(out, kql.Value{Kind: kql.KindBool, Bool: v.Bool})
		}
	}
	return out
}

// Fields implements kql.Document: every leaf path in the document, once.
func (d *eventDoc) Fields() []string {
	return leafFields(&d.fieldsParser, d.ev.Raw)
}

// Objects implements kql.Document for nested queries.
func (d *eventDoc) Objects(path string) []kql.Document {
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
