package triage

import "strings"

// PercentDecode decodes %XX escapes in s once, and '+' as a space when
// plusIsSpace (form bodies and query strings). Unlike url.QueryUnescape it
// never fails: a malformed escape ("%zz", a trailing "%") is kept as it
// is, as most servers do, so hostile input still gets inspected. It is the
// one lenient decoder: login parsing and the AppSensor points both read
// bodies and queries through it.
func PercentDecode(s string, plusIsSpace bool) string {
	if !strings.Contains(s, "%") && (!plusIsSpace || !strings.Contains(s, "+")) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && IsHex(s[i+1]) && IsHex(s[i+2]):
			b.WriteByte(Unhex(s[i+1])<<4 | Unhex(s[i+2]))
			i += 2
		case c == '+' && plusIsSpace:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// IsHex reports whether c is a hexadecimal digit.
func IsHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// Unhex is the value of the hexadecimal digit c.
func Unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
