package triage

import (
	"slices"
	"strconv"

	"github.com/valyala/fastjson"
)

// The one field lookup. Every layer that asks an event for a field by its
// ECS path (KQL rules, exceptions, the console's filter and event view,
// playbook answers) calls Values, so they all see the same values.

// Hot answers path from the fields the decoder extracted, when they hold
// the document's own value: present, single-valued, and kept verbatim.
// ok is false when the raw document must be read instead: the field is
// absent or empty, multi-valued (Elasticsearch matches any of its values),
// or derived by the decoder (url.path from url.original, source.ip from
// client.ip), which Elasticsearch would not do, or not decoded at all (a
// projected event, see Projection).
func (e *Event) Hot(path string) (v Value, ok bool) {
	str := func(s string, f multiField, h hotField) (Value, bool) {
		if s == "" || e.multi&f != 0 || e.undecoded&h.bit() != 0 {
			return Value{}, false
		}
		return Value{Kind: KindString, Str: s}, true
	}
	switch path {
	case "http.request.method":
		return str(e.Method, multiMethod, hMethod)
	case "user_agent.original":
		return str(e.UserAgent, multiUserAgent, hUserAgent)
	case "user.name":
		return str(e.UserName, multiUserName, hUserName)
	case "event.action":
		return str(e.Action, multiAction, hAction)
	case "event.outcome":
		return str(e.Outcome, multiOutcome, hOutcome)
	case "event.kind":
		return str(e.Kind, multiKind, hKind)
	case "processor.event":
		return str(e.Processor, multiProcessor, hProcessor)
	case "transaction.name":
		return str(e.Route, multiRoute, hRoute)
	case "http.response.status_code":
		if e.StatusCode != 0 && e.multi&multiStatus == 0 && e.undecoded&hStatus.bit() == 0 {
			return Value{Kind: KindNumber, Str: itoa(e.StatusCode), Num: float64(e.StatusCode)}, true
		}
	}
	return Value{}, false
}

// HotList answers the array-valued categorisation fields (event.category,
// event.type) from the decoded lists; ok is false for other paths or when
// the list is empty.
func (e *Event) HotList(path string) (vs []string, ok bool) {
	var f hotField
	var m multiField
	switch path {
	case "event.category":
		vs, f, m = e.Category, hCategory, multiCategory
	case "event.type":
		vs, f, m = e.Type, hType, multiType
	default:
		return nil, false
	}
	return vs, len(vs) > 0 && e.undecoded&f.bit() == 0 && e.multi&m == 0
}

// Values returns every value of the field at path: from the decoded fields
// when they hold it exactly (see Hot), else from the raw document (see
// Get). Objects are returned as KindObject values.
func (e *Event) Values(path string) []Value {
	vs, shared := e.lookup(path, nil)
	if shared {
		return slices.Clone(vs) // callers may keep or change what Get gave them
	}
	return vs
}

// lookup is Values in the order it asks: the decoded fields, the fields
// the decoder resolved (shared is then set: the slice is the event's),
// the raw document. doc, when given, supplies the parsed document, so
// several lookups of one event share a parse (firstStrings).
func (e *Event) lookup(path string, doc func() *fastjson.Value) (vs []Value, shared bool) {
	if v, ok := e.Hot(path); ok {
		return []Value{v}, false
	}
	if vs, ok := e.HotList(path); ok {
		out := make([]Value, len(vs))
		for i, s := range vs {
			out[i] = Value{Kind: KindString, Str: s}
		}
		return out, false
	}
	if vs, ok := e.Resolved(path); ok {
		return vs, true
	}
	switch {
	case e.Raw == nil:
		return nil, false
	case doc == nil:
		return e.Get(path), false
	}
	if d := doc(); d != nil {
		return resolve(d, path, nil, 0), false
	}
	return nil, false
}

// Strings returns the text of every scalar value at path (see Values).
func (e *Event) Strings(path string) []string {
	vs := e.Values(path)
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if v.Kind != KindObject {
			out = append(out, v.Str)
		}
	}
	return out
}

// multiField marks hot fields the document held as arrays: the decoder
// keeps the first value for detectors, and lookups go to the document.
// multiStatus also marks a status code not written as a plain integer
// (a string "404", or 403.0), which the decoder's int does not show as
// written.
type multiField uint16

const (
	multiMethod multiField = 1 << iota
	multiUserAgent
	multiUserName
	multiAction
	multiOutcome
	multiKind
	multiProcessor
	multiRoute
	multiStatus
	// multiCategory and multiType mark lists spelt twice (nested and
	// dotted): the decoder keeps the last spelling's list.
	multiCategory
	multiType
)

// statusText holds the text of every HTTP status code, so answering
// http.response.status_code allocates nothing on the hot path.
var statusText = func() (t [1000]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func itoa(n int) string {
	if n >= 0 && n < len(statusText) {
		return statusText[n]
	}
	return strconv.Itoa(n)
}
