package rules

import (
	"bytes"

	"github.com/valyala/fastjson"

	"picket/triage"
)

// scope decides which events a rule's index patterns select. An event
// says where it came from by its Elasticsearch hit's _index, or by its
// data_stream.type, .dataset and .namespace fields (the data stream
// "traces-apm-production"); an event that says neither is in every rule's
// scope, since Picket cannot tell.
type scope struct {
	patterns IndexPatterns
	p        fastjson.Parser
	name     []byte
}

// where returns the index or data stream an event names, "" when it
// names none. The returned string is valid until the next call.
func (s *scope) where(ev *triage.Event) string {
	if ev.Index != "" {
		return ev.Index
	}
	if !bytes.Contains(ev.Raw, []byte("data_stream")) {
		return ""
	}
	v, err := s.p.ParseBytes(ev.Raw)
	if err != nil {
		return ""
	}
	o, err := v.Object()
	if err != nil {
		return ""
	}
	var typ, dataset, ns []byte
	set := func(k string, v *fastjson.Value) {
		b := v.GetStringBytes()
		switch k {
		case "type":
			typ = b
		case "dataset":
			dataset = b
		case "namespace":
			ns = b
		}
	}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch {
		case string(k) == "data_stream":
			if inner, err := v.Object(); err == nil {
				inner.Visit(func(k []byte, v *fastjson.Value) { set(string(k), v) })
			}
		case len(k) > len("data_stream.") && string(k[:len("data_stream.")]) == "data_stream.":
			set(string(k[len("data_stream."):]), v)
		}
	})
	if len(typ) == 0 || len(dataset) == 0 || len(ns) == 0 {
		return ""
	}
	s.name = append(append(append(append(append(s.name[:0], typ...), '-'), dataset...), '-'), ns...)
	return string(s.name)
}

// in reports whether the rule runs on ev, and whether ev said where it
// came from.
func (s *scope) in(ev *triage.Event) (in, located bool) {
	if s.patterns.Empty() {
		return true, false
	}
	w := s.where(ev)
	if w == "" {
		return true, false
	}
	if ev.Index != "" {
		return s.patterns.MatchIndex(w), true
	}
	return s.patterns.Match(w), true
}
