package kql

import "strings"

// format writes a syntax tree back as KQL.
func format(n *node) string {
	var b strings.Builder
	writeNode(&b, n, 0)
	return b.String()
}

// precedence: 0 or, 1 and, 2 not, 3 atoms.
func prec(n *node) int {
	switch n.kind {
	case nOr:
		return 0
	case nAnd:
		return 1
	case nNot:
		return 2
	}
	return 3
}

func writeNode(b *strings.Builder, n *node, min int) {
	if prec(n) < min {
		b.WriteByte('(')
		writeNode(b, n, 0)
		b.WriteByte(')')
		return
	}
	switch n.kind {
	case nMatchAll:
		b.WriteString("*:*")
	case nOr, nAnd:
		sep, kid := " or ", 1
		if n.kind == nAnd {
			sep, kid = " and ", 2
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			writeNode(b, k, kid)
		}
	case nNot:
		b.WriteString("not ")
		writeNode(b, n.kids[0], 3)
	case nNested:
		writeLiteral(b, n.field)
		b.WriteString(":{ ")
		writeNode(b, n.kids[0], 0)
		b.WriteString(" }")
	case nIs:
		if n.field != nil {
			writeLiteral(b, n.field)
			b.WriteByte(':')
		}
		writeLiteral(b, n.value)
	case nRange:
		writeLiteral(b, n.field)
		b.WriteByte(' ')
		b.WriteString(n.op.String())
		b.WriteByte(' ')
		writeLiteral(b, n.value)
	}
}

func writeLiteral(b *strings.Builder, l *literal) {
	switch {
	case l.quoted:
		b.WriteString(quote(l.text))
	case l.wildcard:
		for i, p := range l.parts {
			if i > 0 {
				b.WriteByte('*')
			}
			b.WriteString(escapeUnquoted(p, i == 0, i == len(l.parts)-1))
		}
	default:
		b.WriteString(escapeUnquoted(l.text, true, true))
	}
}

// quote writes s as a KQL quoted string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// escapeUnquoted escapes s so the parser reads it back as the same
// unquoted text: special characters, tabs and newlines, keywords that
// would end the value (also at its end, where the writer may put a space
// next), and spaces the parser would trim at the ends (first/last say
// whether s starts or ends the literal).
func escapeUnquoted(s string, first, last bool) string {
	var b strings.Builder
	n := len(s)
	for i := 0; i < n; i++ {
		c := s[i]
		switch {
		case isSpecial(c):
			b.WriteByte('\\')
			b.WriteByte(c)
			continue
		case c == '\t':
			b.WriteString(`\t`)
			continue
		case c == '\r':
			b.WriteString(`\r`)
			continue
		case c == '\n':
			b.WriteString(`\n`)
			continue
		case c == ' ' && ((first && strings.TrimLeft(s[:i], " ") == "") || (last && strings.TrimRight(s[i:], " ") == "")):
			b.WriteString(`\ `)
			continue
		}
		// "not" followed by a space would start a not; \n is taken for a
		// newline, so escape the n as \u006e.
		if (c == 'n' || c == 'N') && i+3 <= n && strings.EqualFold(s[i:i+3], "not") && (i+3 == n && last || i+3 < n && isSpaceByte(s[i+3])) {
			if c == 'n' {
				b.WriteString(`\u006e`)
			} else {
				b.WriteString(`\u004e`)
			}
			continue
		}
		// A space, then or/and, then a space would end the value.
		if isSpaceByte(c) && i > 0 && !isSpaceByte(s[i-1]) {
			j := i
			for j < n && isSpaceByte(s[j]) {
				j++
			}
			for _, w := range [...]string{"or", "and"} {
				k := j + len(w)
				if k <= n && strings.EqualFold(s[j:k], w) && (k == n && last || k < n && isSpaceByte(s[k])) {
					b.WriteString(s[i:j])
					b.WriteByte('\\')
					b.WriteString(s[j : j+len(w)])
					i = j + len(w) - 1
					goto next
				}
			}
		}
		b.WriteByte(c)
	next:
	}
	return b.String()
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
