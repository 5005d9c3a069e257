package demo

import (
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendJSONString appends s as a JSON string literal. Unlike
// strconv.AppendQuote, whose \x and \U escapes are not JSON, the result is
// always valid JSON for any input:
//   - '"' and '\\' are escaped, and so is every C0 control (\n, \r, \t,
//     others as \u00XX);
//   - DEL, the C1 controls, U+2028/U+2029 and the Unicode bidirectional
//     controls are written as \uXXXX escapes too, so a demo NDJSON file
//     never carries a raw ESC or a bidi override that would act on the
//     terminal of someone who runs cat on it;
//   - invalid UTF-8 becomes U+FFFD, because decoders reject it.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0 // s[start:i] is pending and needs no escaping
	for i := 0; i < len(s); {
		c := s[i]
		if plainASCII[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"':
				b = append(b, '\\', '"')
			case '\\':
				b = append(b, '\\', '\\')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = appendUnicodeEscape(b, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if needsUnicodeEscape(r) {
			b = append(b, s[start:i]...)
			b = appendUnicodeEscape(b, r)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plainASCII marks the bytes appendJSONString copies as they are: printable
// ASCII except '"' and '\\'.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// needsUnicodeEscape reports the non-ASCII runes written as \uXXXX: C1
// controls, the line and paragraph separators, and bidi controls.
func needsUnicodeEscape(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x2028 && r <= 0x202e: // LS, PS, LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return false
}

const hexDigits = "0123456789abcdef"

// appendUnicodeEscape appends \uXXXX for a rune of the Basic Multilingual
// Plane (all runes escaped here are).
func appendUnicodeEscape(b []byte, r rune) []byte {
	return append(b, '\\', 'u',
		hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// obj writes one JSON object member by member, managing commas. Keys are
// constants of this package and are written as they are; every value that
// may hold outside text goes through appendJSONString.
type obj struct {
	b    []byte
	more bool // a member was written at this level: the next needs a comma
}

func (w *obj) key(k string) {
	if w.more {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
	w.more = true
}

// begin starts the document.
func (w *obj) begin() { w.b = append(w.b, '{'); w.more = false }

// end closes the document or a nested object.
func (w *obj) end() { w.b = append(w.b, '}'); w.more = true }

// open starts a nested object under k; close it with end.
func (w *obj) open(k string) {
	w.key(k)
	w.b = append(w.b, '{')
	w.more = false
}

func (w *obj) str(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

// strs writes an array of strings, as ECS keywords with several values
// and APM header values are.
func (w *obj) strs(k string, vs ...string) {
	w.key(k)
	w.b = append(w.b, '[')
	for i, v := range vs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendJSONString(w.b, v)
	}
	w.b = append(w.b, ']')
}

func (w *obj) int(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

func (w *obj) bool(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

func (w *obj) ip(k string, a netip.Addr) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = a.AppendTo(w.b)
	w.b = append(w.b, '"')
}

// hex writes v as 2*n lower-case hex digits (n bytes), the form APM uses for
// transaction and trace ids.
func (w *obj) hex(k string, vs ...uint64) {
	w.key(k)
	w.b = append(w.b, '"')
	for _, v := range vs {
		for s := 60; s >= 0; s -= 4 {
			w.b = append(w.b, hexDigits[v>>uint(s)&0xf])
		}
	}
	w.b = append(w.b, '"')
}

// time writes a Unix millisecond instant as RFC 3339 UTC with milliseconds
// ("2026-11-14T23:59:59.999Z"), as Elasticsearch returns @timestamp.
func (w *obj) time(k string, ms int64) {
	w.key(k)
	t := time.UnixMilli(ms).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b := append(w.b, '"')
	b = appendDigits(b, y, 4)
	b = append(b, '-')
	b = appendDigits(b, int(mo), 2)
	b = append(b, '-')
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = append(b, ':')
	b = appendDigits(b, mi, 2)
	b = append(b, ':')
	b = appendDigits(b, s, 2)
	b = append(b, '.')
	b = appendDigits(b, int(ms%1000+1000)%1000, 3)
	w.b = append(b, 'Z', '"')
}

// appendDigits appends v (non-negative) zero-padded to n digits.
func appendDigits(b []byte, v, n int) []byte {
	var buf [8]byte
	for i := n - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[:n]...)
}
