package ui

import (
	"strings"

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
func inline(st *Styles, s string) string {
	if !strings.ContainsAny(s, "`*_") {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		switch {
		case s[0] == '`':
			if j := strings.IndexByte(s[1:], '`'); j >= 0 {
				b.WriteString(st.MDCode.Render(s[1 : 1+j]))
				s = s[j+2:]
				continue
			}
		case strings.HasPrefix(s, "**"):
			if j := strings.Index(s[2:], "**"); j > 0 {
				b.WriteString(st.Source.Render(s[2 : 2+j]))
				s = s[j+4:]
				continue
			}
		case (s[0] == '*' || s[0] == '_') && len(s) > 2 && s[1] != ' ':
			if j := strings.IndexByte(s[1:], s[0]); j > 0 {
				b.WriteString(st.Label.Italic(true).Render(s[1 : 1+j]))
				s = s[j+2:]
				continue
			}
		}
		b.WriteByte(s[0])
		s = s[1:]
	}
	return b.String()
}

// wrap word-wraps a possibly styled line to width cells, cutting words
// longer than a line.
func wrap(s string, width int) []string {
	width = max(width, 4)
	if ansi.StringWidth(s) <= width {
		return []string{s}
	}
	return strings.Split(ansi.Wrap(s, width, ""), "\n")
}
