package elastic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// hitSpan is one hit of a search answer: its index and id, and its
// _source and sort values as spans of the answer's bytes.
type hitSpan struct {
	index, id string
	source    []byte
	sort      []byte
}

// pageMeta is what the pager needs from a search answer besides the hits.
type pageMeta struct {
	pitID        string
	timedOut     bool
	shards       int
	failedShards int
	total        int64 // -1 when not tracked
}

// scanPage reads a search answer in one pass over its bytes: the
// metadata, and each hit's _index, _id, _source and sort, without parsing
// the sources, which the Decoder parses once, straight from the answer.
// It follows JSON's structure (strings, escapes, nesting), so a source
// holding keys such as "sort" or "_index" cannot confuse it; small values
// (ids, totals) are unmarshalled with encoding/json. What Elasticsearch
// never writes reads as encoding/json reads it: escaped keys are decoded,
// a repeated key counts once with its last value, invalid UTF-8 in a
// string becomes U+FFFD (FuzzScan checks this).
//
// names interns index names, which repeat on every hit; it may be nil.
func scanPage(body []byte, hits []hitSpan, names map[string]string) (pageMeta, []hitSpan, error) {
	m := pageMeta{total: -1}
	base := len(hits)
	s := scanner{b: body}
	err := s.object(func(key []byte, v []byte) error {
		switch string(key) {
		case "pit_id":
			var id string
			if err := json.Unmarshal(v, &id); err != nil {
				return err
			}
			m.pitID = id
		case "timed_out":
			m.timedOut = string(v) == "true"
		case "_shards":
			var sh struct {
				Total  int `json:"total"`
				Failed int `json:"failed"`
			}
			if err := json.Unmarshal(v, &sh); err != nil {
				return err
			}
			m.shards, m.failedShards = sh.Total, sh.Failed
		case "hits":
			m.total, hits = -1, hits[:base]
			hs := scanner{b: v}
			return hs.object(func(key []byte, v []byte) error {
				switch string(key) {
				case "total":
					var t struct {
						Value int64 `json:"value"`
					}
					if err := json.Unmarshal(v, &t); err != nil {
						return err
					}
					m.total = t.Value
				case "hits":
					hits = hits[:base]
					arr := scanner{b: v}
					return arr.array(func(h []byte) error {
						var hit hitSpan
						hsc := scanner{b: h}
						err := hsc.object(func(key []byte, v []byte) error {
							switch string(key) {
							case "_index":
								return internIndex(v, &hit.index, names)
							case "_id":
								hit.id = ""
								return unquote(v, &hit.id)
							case "_source":
								hit.source = v
							case "sort":
								hit.sort = v
							}
							return nil
						})
						if err != nil {
							return err
						}
						hits = append(hits, hit)
						return nil
					})
				}
				return nil
			})
		}
		return nil
	})
	return m, hits, err
}

// internIndex reads an _index value, taking the name from names when it
// was seen before and adding it otherwise (up to 1,000 names).
func internIndex(v []byte, dst *string, names map[string]string) error {
	if len(v) < 2 || v[0] != '"' || names == nil {
		*dst = ""
		return unquote(v, dst)
	}
	raw := v[1 : len(v)-1]
	if name, ok := names[string(raw)]; ok {
		*dst = name
		return nil
	}
	*dst = ""
	if err := unquote(v, dst); err != nil {
		return err
	}
	if len(names) < 1000 {
		names[string(raw)] = *dst
	}
	return nil
}

// unquote reads a JSON string, quickly when it has no escapes and is
// valid UTF-8; null leaves dst alone, as encoding/json does.
func unquote(v []byte, dst *string) error {
	if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v) {
		*dst = string(v[1 : len(v)-1])
		return nil
	}
	return json.Unmarshal(v, dst)
}

var errSyntax = errors.New("malformed JSON")

// scanner walks JSON bytes: it finds the extent of values without
// building them. It assumes valid JSON (Elasticsearch's) and reports
// errSyntax, with the offset, when it meets something else.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) fail() error { return fmt.Errorf("%w at byte %d", errSyntax, s.i) }

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// object calls fn with each key (raw, without quotes) and value span of
// the object at the current position.
func (s *scanner) object(fn func(key, value []byte) error) error {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return s.fail()
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		start := s.i
		if err := s.skipString(); err != nil {
			return err
		}
		key := s.b[start+1 : s.i-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			// An escaped key ("\u0068its"): rare, so decoded only then.
			var k string
			if err := json.Unmarshal(s.b[start:s.i], &k); err != nil {
				return err
			}
			key = []byte(k)
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.fail()
		}
		s.i++
		s.ws()
		vs := s.i
		if err := s.skip(); err != nil {
			return err
		}
		if err := fn(key, s.b[vs:s.i]); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.fail()
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.fail()
		}
	}
}

// array calls fn with each element span of the array at the position.
func (s *scanner) array(fn func(elem []byte) error) error {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '[' {
		return s.fail()
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		s.ws()
		vs := s.i
		if err := s.skip(); err != nil {
			return err
		}
		if err := fn(s.b[vs:s.i]); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.fail()
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.fail()
		}
	}
}

// skipString moves past the string at the position, escapes included.
// A plain loop beats bytes.IndexByte here: most strings are short.
func (s *scanner) skipString() error {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return s.fail()
	}
	b := s.b
	for j := s.i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			s.i = j + 1
			return nil
		case '\\':
			j++ // the escaped character cannot end the string
		}
	}
	return s.fail()
}

// skip moves past one value of any kind.
func (s *scanner) skip() error {
	if s.i >= len(s.b) {
		return s.fail()
	}
	switch s.b[s.i] {
	case '"':
		return s.skipString()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if err := s.skipString(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return s.fail()
	default: // number, true, false, null
		start := s.i
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				if s.i == start {
					return s.fail()
				}
				return nil
			}
			s.i++
		}
		if s.i == start {
			return s.fail()
		}
		return nil
	}
}
