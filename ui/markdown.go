package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"picket/triage"
)

// renderMarkdown renders a note's Markdown for reading in the terminal,
// wrapped to width: headings bold and underlined, bullets as "•", ordered
// items kept, fenced and indented code set off with a bar, inline `code`,
// **bold** and _emphasis_ markers removed with the text styled. The text is
// escaped first: notes quote attackers' input.
func renderMarkdown(st *Styles, src string, width int) []string {
	width = max(width, 8)
	var out []string
	inFence := false
	for _, raw := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n") {
		line := triage.Escape(strings.TrimRight(raw, " \t"))
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			inFence = !inFence
			continue
		}
		if inFence || strings.HasPrefix(raw, "    ") || strings.HasPrefix(raw, "\t") {
			code := line
			if !inFence {
				code = strings.TrimPrefix(strings.TrimPrefix(line, `\t`), "    ")
			}
			out = append(out, st.Dim.Render("│ ")+st.MDCode.Render(clip(code, width-2)))
			continue
		}
		switch {
		case trimmed == "":
			out = append(out, "")
		case strings.HasPrefix(trimmed, "#"):
			h := strings.TrimLeft(trimmed, "#")
			h = strings.TrimSpace(h)
			for _, w := range wrap(inline(st, h), width) {
				out = append(out, st.MDHeading.Render(w))
			}
		case isRule(trimmed):
			out = append(out, st.Dim.Render(strings.Repeat("─", min(width, 40))))
		case strings.HasPrefix(trimmed, "> "):
			for _, w := range wrap(inline(st, trimmed[2:]), width-2) {
				out = append(out, st.Dim.Render("┃ ")+w)
			}
		default:
			indent := (len(line) - len(trimmed)) / 2 * 2
			bullet, body := listMarker(trimmed)
			if bullet == "" {
				out = append(out, wrap(inline(st, trimmed), width)...)
				continue
			}
			pad := strings.Repeat(" ", indent)
			hang := pad + strings.Repeat(" ", ansi.StringWidth(bullet))
			for i, w := range wrap(inline(st, body), width-len(hang)) {
				if i == 0 {
					out = append(out, pad+bullet+w)
				} else {
					out = append(out, hang+w)
				}
			}
		}
	}
	return out
}

func isRule(s string) bool {
	if len(s) < 3 {
		return false
	}
	c := s[0]
	if c != '-' && c != '*' && c != '_' {
		return false
	}
	return strings.Trim(s, string(c)+" ") == ""
}

// listMarker recognises "- ", "* ", "+ ", "1. ", "2) " and task boxes.
func listMarker(s string) (bullet, body string) {
	if len(s) >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && s[1] == ' ' {
		body = s[2:]
		switch {
		case strings.HasPrefix(body, "[ ] "):
			return "☐ ", body[4:]
		case strings.HasPrefix(body, "[x] ") || strings.HasPrefix(body, "[X] "):
			return "☑ ", body[4:]
		}
		return "• ", body
	}
	i := 0
	for i < len(s) && i < 4 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(s) && (s[i] == '.' || s[i] == ')') && s[i+1] == ' ' {
		return s[:i+1] + " ", s[i+2:]
	}
	return "", s
}

// inline styles `code`, **bold** and *emphasis* / _emphasis_ spans.
// Emphasis follows CommonMark's flanking rules, made stricter inside
// words: a delimiter opens only after a space, punctuation or the start
// of the line and before a non-space, and closes only after a non-space
// and before a space, punctuation or the end. So identifiers and
// arithmetic analysts paste (apm_403_response_to_a_post, 2*3*4,
// __init__ inside a word) stay as written.
func inline(st *Styles, s string) string {
	if !strings.ContainsAny(s, "`*_") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '`':
			if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
				b.WriteString(st.MDCode.Render(s[i+1 : i+1+j]))
				i += j + 2
				continue
			}
		case c == '*' || c == '_':
			n := delimRun(s, i)
			if n <= 2 && opens(s, i, n) {
				if end, ok := closer(s, i+n, c, n); ok {
					style := st.Source
					if n == 1 {
						style = st.Label.Italic(true)
					}
					b.WriteString(style.Render(s[i+n : end]))
					i = end + n
					continue
				}
			}
			// Not emphasis: the whole run is literal text.
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// delimRun is the length of the run of s[i]'s delimiter starting at i.
func delimRun(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] == s[i] {
		n++
	}
	return n
}

// opens reports whether the run of n delimiters at i can open emphasis:
// nothing word-like before it, something not blank after it.
func opens(s string, i, n int) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[i+n:])
	return (i == 0 || !isWordRune(before)) && i+n < len(s) && !unicode.IsSpace(after)
}

// closer finds the run of exactly n delimiters c, after from, that closes
// emphasis: something not blank before it, nothing word-like after it,
// and some text between. It returns the run's start.
func closer(s string, from int, c byte, n int) (int, bool) {
	for j := from; j < len(s); {
		k := strings.IndexByte(s[j:], c)
		if k < 0 {
			return 0, false
		}
		j += k
		run := delimRun(s, j)
		before, _ := utf8.DecodeLastRuneInString(s[:j])
		after, _ := utf8.DecodeRuneInString(s[j+run:])
		if run == n && j > from && !unicode.IsSpace(before) && (j+run == len(s) || !isWordRune(after)) {
			return j, true
		}
		j += run
	}
	return 0, false
}

// isWordRune reports letters and digits: a delimiter touching one on the
// outside is inside a word.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// wrap word-wraps a possibly styled line to width cells, cutting words
// longer than a line.
func wrap(s string, width int) []string {
	width = max(width, 4)
	if ansi.StringWidth(s) <= width {
		return []string{s}
	}
	return strings.Split(ansi.Wrap(s, width, ""), "\n")
}
