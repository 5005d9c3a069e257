package rules

import (
	"bytes"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"picket/triage"
)

// What a rule asks of the reader: the fields it reads of every event
// (triage.FieldReader) and the lines it can do without (triage.LineFilter).

var (
	_ triage.FieldReader = (*Detector)(nil)
	_ triage.LineFilter  = (*Detector)(nil)
)

// Fields implements triage.FieldReader: the fields the query compares,
// the rule's timestamp_override, and the dataset its index patterns are
// matched against. What a finding says about an event (method, path,
// user, ...) is read from the whole event (Event.Complete) only for the
// events that match.
func (d *Detector) Fields() []string {
	out := []string{"@timestamp"}
	for _, c := range d.q.Comparisons() {
		if c.Field != "" && !c.FieldWildcard {
			out = append(out, c.Field)
		}
	}
	if d.rule.TimestampOverride != "" {
		out = append(out, d.rule.TimestampOverride)
	}
	if !d.scope.patterns.Empty() {
		out = append(out, "data_stream.dataset", "event.dataset")
	}
	return out
}

// ResolveFields implements triage.FieldResolver: the query reads its
// fields from every event in scope.
func (d *Detector) ResolveFields() []string { return d.Fields() }

// LineFilter implements triage.LineFilter. A line is kept when the
// query's literal prefilter (kql.Query.Prefilter) keeps it, and also when
// the linter could learn something from it: while some field the rule
// compares has not yet been seen, every line that may hold it; and any line holding a case
// variant of a value the rule compares exactly (http.request.method:post
// against POST), which the case lint counts. Rules whose linter reads
// every event (index patterns, ranges on fields of unknown type) and
// lint-only detectors have no filter.
func (d *Detector) LineFilter() (func(line []byte) bool, bool) {
	if d.lintOnly || !d.scope.patterns.Empty() || len(d.lint.ranges) > 0 {
		return nil, false
	}
	pf, ok := d.q.Prefilter()
	if !ok {
		return nil, false
	}
	var values []caseValue
	for _, t := range d.lint.cases {
		v := []byte(t.value)
		if !isASCII(v) || len(v) == 0 {
			return nil, false
		}
		values = append(values, caseValue{key: lastKey(t.field), value: lowerASCII(v)})
	}
	var keys [][]byte
	for _, f := range d.lint.fields {
		keys = append(keys, lastKey(f.field))
	}
	if len(keys) == 0 {
		d.allSeen.Store(true)
	}
	seen := &d.allSeen
	return func(line []byte) bool {
		return pf(line) || mayHoldVariant(line, values) || !seen.Load() && mayHoldKey(line, keys)
	}, true
}

// mayHoldKey reports whether line may hold a field whose key ends with
// one of keys (the last segment and its closing quote): a line with an
// escape may spell any key.
func mayHoldKey(line []byte, keys [][]byte) bool {
	if bytes.IndexByte(line, '\\') >= 0 {
		return true
	}
	for _, k := range keys {
		if bytes.Contains(line, k) {
			return true
		}
	}
	return false
}

// Skipped implements triage.LineFilter: skipped events count as seen.
func (d *Detector) Skipped(n int) { d.lint.events += n }

// noteSeen records, after an event, whether every field the rule
// compares has been seen, so the line filter may start skipping.
func (d *Detector) noteSeen() {
	if d.allSeen.Load() {
		return
	}
	for _, f := range d.lint.fields {
		if !f.seen {
			return
		}
	}
	d.allSeen.Store(true)
}

// lastKey returns the last segment of a field path and the quote that
// closes it in a JSON key: how the key of any value at the path ends,
// nested ("method") or dotted ("http.request.method").
func lastKey(field string) []byte {
	return []byte(field[strings.LastIndexByte(field, '.')+1:] + `"`)
}

// caseValue is a value a rule compares exactly, lower-case, with the end
// of its field's key.
type caseValue struct {
	key, value []byte
}

// mayHoldVariant reports whether line may give one of the fields a
// string value equal to its value in some letter case, as
// strings.EqualFold compares. A line with an escape may (a JSON escape
// can spell any letter or key), and so may one holding the only non-ASCII
// letters that fold to ASCII ones (U+017F LONG S to s, U+212A KELVIN SIGN
// to k) when a value has that letter. In any other line a key and a
// string are their bytes between quotes, so the line must hold the
// field's key followed by such a value (or an array holding one).
func mayHoldVariant(line []byte, values []caseValue) bool {
	if len(values) == 0 {
		return false
	}
	if bytes.IndexByte(line, '\\') >= 0 {
		return true
	}
	for _, v := range values {
		if bytes.IndexByte(v.value, 's') >= 0 && bytes.Contains(line, longS) ||
			bytes.IndexByte(v.value, 'k') >= 0 && bytes.Contains(line, kelvin) {
			return true
		}
		if keyedFold(line, v.key, v.value) {
			return true
		}
	}
	return false
}

var (
	longS  = []byte("\u017f")
	kelvin = []byte("\u212a")
)

// keyedFold reports whether line, a JSON text without escapes, has a key
// ending with key whose value is, or is an array holding, a string equal
// to v ignoring ASCII case.
func keyedFold(line, key, v []byte) bool {
	for i := 0; ; {
		j := bytes.Index(line[i:], key)
		if j < 0 {
			return false
		}
		p := skipSpace(line, i+j+len(key))
		if p < len(line) && line[p] == ':' {
			if valueFold(line, skipSpace(line, p+1), v, 0) {
				return true
			}
		}
		i += j + 1
	}
}

// valueFold reports whether the JSON value at line[p:] is a string equal
// to v ignoring ASCII case, or an array holding one (at any depth). An
// object inside an array is answered true, unread.
func valueFold(line []byte, p int, v []byte, depth int) bool {
	if p >= len(line) || depth > 64 {
		return p < len(line)
	}
	switch line[p] {
	case '"':
		q := bytes.IndexByte(line[p+1:], '"')
		return q == len(v) && equalFoldASCII(line[p+1:p+1+q], v)
	case '[':
		p++
		for {
			p = skipSpace(line, p)
			if p >= len(line) || line[p] == ']' {
				return false
			}
			switch line[p] {
			case '{':
				return true
			case '"', '[':
				if valueFold(line, p, v, depth+1) {
					return true
				}
			}
			p = skipValue(line, p)
			p = skipSpace(line, p)
			if p >= len(line) || line[p] != ',' {
				return false
			}
			p++
		}
	}
	return false
}

// skipValue returns the end of the string, array or scalar at line[p:]
// (objects are not skipped: valueFold never asks).
func skipValue(line []byte, p int) int {
	switch line[p] {
	case '"':
		q := bytes.IndexByte(line[p+1:], '"')
		if q < 0 {
			return len(line)
		}
		return p + 2 + q
	case '[':
		depth := 0
		for ; p < len(line); p++ {
			switch line[p] {
			case '"':
				p = skipValue(line, p) - 1
			case '[':
				depth++
			case ']':
				depth--
				if depth == 0 {
					return p + 1
				}
			}
		}
		return p
	}
	for p < len(line) && line[p] != ',' && line[p] != ']' && line[p] != '}' {
		p++
	}
	return p
}

func skipSpace(line []byte, p int) int {
	for p < len(line) && (line[p] == ' ' || line[p] == '\t' || line[p] == '\n' || line[p] == '\r') {
		p++
	}
	return p
}

// equalFoldASCII reports whether b equals lower ignoring ASCII case.
func equalFoldASCII(b, lower []byte) bool {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if (uint64(b[0])|uint64(b[1])<<8|uint64(b[2])<<16|uint64(b[3])<<24|
			uint64(b[4])<<32|uint64(b[5])<<40|uint64(b[6])<<48|uint64(b[7])<<56)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// allSeenFlag is set once every compared field has been seen.
type allSeenFlag = atomic.Bool

// lowerASCII returns b with ASCII letters in lower case.
func lowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
