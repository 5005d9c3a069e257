package triage

import (
	"strconv"
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
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(hex2(byte(r)))
		case (r >= 0x80 && r <= 0x9f) || isBidiControl(r):
			b.WriteString(`\u`)
			b.WriteString(strconv.FormatInt(int64(r)+0x10000, 16)[1:])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
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

func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
