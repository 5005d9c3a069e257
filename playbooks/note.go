package playbooks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// FromNote turns an Elastic rule's investigation guide (its Markdown
// "note") into a playbook for detector "elastic:<ruleID>".
//
// It looks for the three lists Elastic's guides use: "Possible
// investigation steps", "False positive analysis" and "Response and
// remediation". Headings may be ATX headings of any level (# to ######) or
// a line in bold; list items may be bullets (-, *, +) or numbered (1. or
// 1)); nested items and continuation lines are folded into their parent
// item as Details and text. Timeline buttons (!{investigate{...}}) become
// count actions over the whole site with {{field}} placeholders; Osquery
// buttons are dropped from the text. The paragraph under the
// "Investigating ..." heading becomes About.
//
// When none of the three lists is found, the playbook has empty sections,
// Parsed is false and Guide holds the note, which Markdown then prints as
// written. The note is always kept in Guide.
func FromNote(ruleID, title, noteMarkdown string) Playbook {
	id := ruleID
	if !strings.Contains(id, ":") {
		id = "elastic:" + id
	}
	p := Playbook{
		ID:         "note:" + strings.TrimPrefix(id, "elastic:"),
		DetectorID: id,
		Title:      title,
		Detectors:  []string{id},
		Guide:      strings.TrimSpace(noteMarkdown),
	}
	lists := map[SectionKind]*Section{}
	var (
		cur       *Section // section being filled, nil outside the three
		inAbout   bool
		about     []string
		baseInd   = -1 // indent of top-level items in cur
		last      *Item
		lastIsSub bool
		blank     bool
	)
	lines := strings.Split(strings.ReplaceAll(noteMarkdown, "\r\n", "\n"), "\n")
	for _, line := range lines {
		if h, ok := heading(line); ok {
			kind := classify(h)
			cur, last, baseInd, blank = nil, nil, -1, false
			inAbout = strings.HasPrefix(strings.ToLower(h), "investigating ")
			if kind != "" {
				if lists[kind] == nil {
					lists[kind] = &Section{Kind: kind}
				}
				cur = lists[kind]
			}
			continue
		}
		trimmed := strings.TrimSpace(line)
		if inAbout {
			switch {
			case trimmed == "" && len(about) > 0:
				inAbout = false
			case trimmed != "" && !strings.HasPrefix(trimmed, ">"):
				about = append(about, trimmed)
			}
			continue
		}
		if cur == nil {
			continue
		}
		if trimmed == "" {
			blank = true
			continue
		}
		ind, text, isItem := listItem(line)
		switch {
		case isItem && (baseInd < 0 || ind <= baseInd):
			if baseInd < 0 {
				baseInd = ind
			}
			cur.Items = append(cur.Items, Item{Text: text})
			last, lastIsSub = &cur.Items[len(cur.Items)-1], false
		case isItem && last != nil:
			last.Details = append(last.Details, text)
			lastIsSub = true
		case last != nil && (!blank || indentOf(line) > baseInd):
			// A continuation line: lazy or indented under its item.
			if lastIsSub {
				last.Details[len(last.Details)-1] += " " + trimmed
			} else {
				last.Text += " " + trimmed
			}
		default:
			// Prose between or after the lists is not a step.
			last = nil
		}
		blank = false
	}
	for _, k := range Kinds {
		s := Section{Kind: k}
		if l := lists[k]; l != nil {
			s = *l
		}
		for i := range s.Items {
			s.Items[i].ID = fmt.Sprintf("%s%02d", prefixes[k], i+1)
			s.Items[i].Text, s.Items[i].Action = macros(s.Items[i].Text)
			for j, d := range s.Items[i].Details {
				s.Items[i].Details[j], _ = macros(d)
			}
		}
		if len(s.Items) > 0 {
			p.Parsed = true
		}
		p.Sections = append(p.Sections, s)
	}
	p.About = strings.Join(about, " ")
	return p
}

var (
	atxRe    = regexp.MustCompile(`^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	boldRe   = regexp.MustCompile(`^ {0,3}(?:\*\*|__)(.+?)(?:\*\*|__):?[ \t]*$`)
	bulletRe = regexp.MustCompile(`^([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+(.*)$`)
)

// heading returns the text of an ATX heading or a bold-only line.
func heading(line string) (string, bool) {
	if m := atxRe.FindStringSubmatch(line); m != nil {
		return strings.TrimSpace(m[1]), true
	}
	if m := boldRe.FindStringSubmatch(line); m != nil {
		return strings.TrimSpace(m[1]), true
	}
	return "", false
}

// classify maps a heading to a section, or "" for any other heading.
func classify(h string) SectionKind {
	h = strings.ToLower(strings.Trim(h, " :*_#"))
	switch {
	case strings.Contains(h, "investigation step"), strings.HasPrefix(h, "possible investigation"),
		h == "investigation", h == "triage steps":
		return Investigation
	case strings.Contains(h, "false positive"):
		return FalsePositives
	case strings.Contains(h, "response and remediation"), strings.HasPrefix(h, "remediation"),
		h == "response", strings.HasPrefix(h, "response steps"):
		return Response
	}
	return ""
}

// listItem recognises a list item and returns its indent and text.
func listItem(line string) (int, string, bool) {
	m := bulletRe.FindStringSubmatch(line)
	if m == nil {
		return 0, "", false
	}
	return width(m[1]), strings.TrimSpace(m[2]), true
}

func indentOf(line string) int {
	return width(line[:len(line)-len(strings.TrimLeft(line, " \t"))])
}

// width counts leading whitespace with tabs as four columns.
func width(ws string) int {
	n := 0
	for _, r := range ws {
		if r == '\t' {
			n += 4 - n%4
		} else {
			n++
		}
	}
	return n
}

// macros removes Kibana's button syntax from an item's text: the first
// Timeline button becomes a count action, its label staying in the text;
// Osquery buttons are dropped.
func macros(text string) (string, *Action) {
	var act *Action
	for _, name := range []string{"investigate", "osquery"} {
		for {
			start := strings.Index(text, "!{"+name+"{")
			if start < 0 {
				break
			}
			body, end := balanced(text, start+len("!{"+name))
			if end < 0 {
				break
			}
			// end is just past the macro's own closing brace.
			repl := ""
			if name == "investigate" {
				label, query := investigateQuery(body)
				if label != "" {
					repl = label
				}
				if act == nil && query != "" {
					act = &Action{Kind: ActCount, Query: query, Scope: ScopeSite}
				}
			}
			text = strings.TrimSpace(text[:start] + repl + text[end:])
		}
	}
	return strings.Join(strings.Fields(text), " "), act
}

// balanced returns the {...} starting at s[open] and the index just after
// the closing '}' of the enclosing "!{", or -1.
func balanced(s string, open int) (string, int) {
	depth, inStr, esc := 0, false, false
	for i := open; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				if i+1 < len(s) && s[i+1] == '}' {
					return s[open : i+1], i + 2
				}
				return "", -1
			}
		}
	}
	return "", -1
}

// investigateQuery converts a Timeline button's providers to KQL: the outer
// array is OR, the inner AND; {{alert.field}} placeholders become {{field}}.
func investigateQuery(body string) (string, string) {
	var m struct {
		Label     string `json:"label"`
		Providers [][]struct {
			Field    string `json:"field"`
			Excluded bool   `json:"excluded"`
			Value    string `json:"value"`
		} `json:"providers"`
	}
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return "", ""
	}
	var ors []string
	for _, and := range m.Providers {
		var terms []string
		for _, pr := range and {
			if pr.Field == "" {
				continue
			}
			v := pr.Value
			if inner, ok := strings.CutPrefix(v, "{{"); ok {
				v = "{{" + strings.TrimPrefix(inner, "alert.")
			} else {
				v = kqlQuote(v)
			}
			t := pr.Field + ":" + v
			if pr.Excluded {
				t = "not " + t
			}
			terms = append(terms, t)
		}
		if len(terms) > 0 {
			ors = append(ors, "("+strings.Join(terms, " and ")+")")
		}
	}
	if len(ors) == 1 {
		return m.Label, strings.TrimSuffix(strings.TrimPrefix(ors[0], "("), ")")
	}
	return m.Label, strings.Join(ors, " or ")
}

// kqlQuote quotes a KQL value.
func kqlQuote(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}
