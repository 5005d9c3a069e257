package rules

import (
	"bytes"
	"encoding/binary"
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
	var values [][]byte
	for _, t := range d.lint.cases {
		v := []byte(t.value)
		if !isASCII(v) || len(v) == 0 {
			return nil, false
		}
		values = append(values, foldASCII(nil, v))
	}
	var keys [][]byte
	for _, f := range d.lint.fields {
		keys = append(keys, []byte(f.field[strings.LastIndexByte(f.field, '.')+1:]+`"`))
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

// mayHoldVariant reports whether line may hold a value equal to one of
// values (lower-case ASCII) in some letter case: a line with an escape or
// a non-ASCII byte may, since a JSON escape or a non-ASCII letter (K
// KELVIN SIGN folds to k) can spell one; a plain ASCII line only when it
// contains one ignoring case. Lines longer than foldBuf are kept.
func mayHoldVariant(line []byte, values [][]byte) bool {
	if len(values) == 0 {
		return false
	}
	if len(line) > foldBuf || !isASCII(line) || bytes.IndexByte(line, '\\') >= 0 {
		return true
	}
	var buf [foldBuf]byte
	folded := foldASCII(buf[:0], line)
	for _, v := range values {
		if bytes.Contains(folded, v) {
			return true
		}
	}
	return false
}

// foldBuf bounds the lines mayHoldVariant folds on the stack.
const foldBuf = 8 << 10

// foldASCII appends b with 0x20 set in every byte: ASCII letters become
// lower case, and a lower-case needle occurs in the result wherever it
// occurs in b in any case (other bytes may collide, which only keeps a
// line more).
func foldASCII(dst, b []byte) []byte {
	for len(b) >= 8 {
		w := binary.LittleEndian.Uint64(b) | 0x2020202020202020
		dst = binary.LittleEndian.AppendUint64(dst, w)
		b = b[8:]
	}
	for _, c := range b {
		dst = append(dst, c|0x20)
	}
	return dst
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
