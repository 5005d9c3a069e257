package triage

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Escape makes attacker-controlled text safe to print on a terminal: every
// C0 and C1 control character (ESC included, so no escape sequence reaches
// the terminal), DEL, invalid UTF-8 and the Unicode bidirectional controls
// that can reorder what the analyst reads are shown as Go-style escapes
// (\x1b, \n, \u202e). Everything else is left as it is. A backslash is
// left alone: escaping it too would make ordinary Windows paths unreadable,
// and the escapes are for reading, not for parsing back.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, '\\', 'x')
			b = append(b, hex2(s[i])...)
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\t':
			b = append(b, '\\', 't')
		case unsafeForTerminal(r):
			b = appendEscaped(b, r)
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// Quote puts s in double quotes for a message or a summary, with quotes
// and backslashes escaped and what a terminal would act on shown as
// Escape shows it (\x07, not Go's %q \a): one way to quote attackers'
// text everywhere Picket quotes it.
func Quote(s string) string { return `"` + Escape(quoteEscaper.Replace(s)) + `"` }

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// appendEscaped writes the visible escape of a character unsafeForTerminal
// reports: \r, \xNN for the other C0 controls, \uXXXX for DEL, the C1
// controls and the invisible format characters. Raw C0 controls never
// occur inside JSON strings (encoding/json escapes them), so the \u forms
// keep JSON valid wherever this is applied to it.
func appendEscaped(b []byte, r rune) []byte {
	switch {
	case r == '\r':
		return append(b, '\\', 'r')
	case r < 0x20:
		b = append(b, '\\', 'x')
		return append(b, hex2(byte(r))...)
	}
	return appendU(b, r)
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return true
		}
		if c >= 0x80 {
			// Slow path only for non-ASCII text.
			for _, r := range s[i:] {
				if r == utf8.RuneError || (r >= 0x80 && r <= 0x9f) || isBidiControl(r) || r < 0x20 || r == 0x7f {
					return true
				}
			}
			return false
		}
	}
	return false
}

// isBidiControl reports the invisible format characters that reorder or
// hide text: the bidirectional controls, zero-width characters (U+200B,
// U+2060, the byte-order mark U+FEFF used as a zero-width no-break space)
// and the line and paragraph separators some terminals break lines on.
func isBidiControl(r rune) bool {
	switch {
	case r >= 0x200b && r <= 0x200f, r >= 0x2028 && r <= 0x202e, r >= 0x2060 && r <= 0x2069:
		return true
	}
	return r == 0x061c || r == 0xfeff || r == 0x180e
}

// unsafeForTerminal reports a character a terminal acts on or that changes
// how the text around it reads: C0 controls but tab and newline, DEL, C1
// controls and the invisible format characters of isBidiControl.
func unsafeForTerminal(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidiControl(r)
}

// SafeJSON rewrites, inside JSON text, the characters encoding/json leaves
// raw but a terminal acts on or that reorder text (DEL, C1 controls, the
// invisible format characters) as \u escapes: the JSON means the same, and
// a person reading it on a terminal sees the escape instead of its effect.
// It returns b itself when nothing needs rewriting.
func SafeJSON(b []byte) []byte {
	if !needsSafeJSON(b) {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if size > 1 || r == 0x7f {
			if unsafeForTerminal(r) {
				out = appendEscaped(out, r)
				i += size
				continue
			}
		}
		out = append(out, b[i:i+size]...)
		i += size
	}
	return out
}

func needsSafeJSON(b []byte) bool {
	for _, c := range b {
		if c >= 0x7f {
			return true
		}
	}
	return false
}

func appendU(out []byte, r rune) []byte {
	const digits = "0123456789abcdef"
	return append(out, '\\', 'u', digits[r>>12&0xf], digits[r>>8&0xf], digits[r>>4&0xf], digits[r&0xf])
}

// TerminalWriter passes text to a terminal and turns every character the
// terminal would act on into a visible escape: C0 controls but tab and
// newline become \u00XX, as do DEL, C1 controls and the invisible format
// characters, and an invalid UTF-8 byte becomes \xNN. JSON written through
// it stays valid JSON (encoding/json already escapes C0 controls, and the
// rest become \u escapes inside strings). It is the one path every CLI
// output goes through, so no command can forget to escape what attackers
// wrote. A character split across writes is held until it is whole.
type TerminalWriter struct {
	w       io.Writer
	pending []byte // an incomplete UTF-8 sequence from the last write
	buf     []byte
}

// NewTerminalWriter wraps w.
func NewTerminalWriter(w io.Writer) *TerminalWriter { return &TerminalWriter{w: w} }

// Write escapes p and writes it; it reports len(p) on success.
func (t *TerminalWriter) Write(p []byte) (int, error) {
	in := p
	if len(t.pending) > 0 {
		in = append(t.pending, p...)
		t.pending = nil
	}
	out := t.buf[:0]
	for i := 0; i < len(in); {
		c := in[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' {
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(in[i:])
		if r == utf8.RuneError && size <= 1 {
			if !utf8.FullRune(in[i:]) {
				t.pending = append(t.pending[:0], in[i:]...)
				break
			}
			out = append(out, '\\', 'x')
			out = append(out, hex2(c)...)
			i++
			continue
		}
		if unsafeForTerminal(r) {
			out = appendEscaped(out, r)
		} else {
			out = append(out, in[i:i+size]...)
		}
		i += size
	}
	t.buf = out
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Underlying returns the wrapped writer, for code that must send trusted
// control sequences of its own (a progress line redrawn with \r).
func (t *TerminalWriter) Underlying() io.Writer { return t.w }

// Flush writes a dangling incomplete character as escaped bytes; call it
// when the output ends.
func (t *TerminalWriter) Flush() error {
	if len(t.pending) == 0 {
		return nil
	}
	var out []byte
	for _, c := range t.pending {
		out = append(out, '\\', 'x')
		out = append(out, hex2(c)...)
	}
	t.pending = nil
	_, err := t.w.Write(out)
	return err
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
