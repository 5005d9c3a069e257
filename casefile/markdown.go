package casefile

import (
	"html"
	"strings"

	"picket/triage"
)

// The Markdown escapers, one per context a value can land in. The export
// template calls them by the names in markdownFuncs; package kibana calls
// the exported ones. All of them escape control characters first
// (triage.Escape), so nothing that reaches a terminal or a ticket can act
// on it.

// mdSpecial are the characters md backslash-escapes: CommonMark lets any
// ASCII punctuation be escaped, and these are the ones that can start
// emphasis, links, images, HTML, code, tables or entities inside a line.
// (md's output never starts a line, since line breaks are escaped first,
// so list and heading markers such as - + . = need no escape.)
const mdSpecial = "\\`*_[]<>|#!~&"

// md makes untrusted text inert inline Markdown (context: inline text and
// table cells): control characters are escaped first, then Markdown syntax.
func md(s string) string {
	s = triage.Escape(s)
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && strings.ContainsRune(mdSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdInline is for Picket's own text (playbook steps), which is trusted
// Markdown on one line.
func mdInline(s string) string {
	return strings.Join(strings.Fields(triage.Escape(s)), " ")
}

// code renders untrusted text as a code span (context: code spans in
// prose and lists). The text is verbatim but for control characters: a
// code span shows '<', '*' or '|' as they are. The fence is one backtick
// longer than the longest run inside, so a backtick in the value cannot
// close the span early, and padded with spaces when the value starts or
// ends with a backtick or would lose a space to CommonMark's stripping.
func code(s string) string {
	if s == "" {
		return "_(empty)_"
	}
	s = triage.Escape(s)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := strings.ContainsRune(s, '`') ||
		(strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") && strings.TrimLeft(s, " ") != "")
	if pad {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// cellCode is code for a table cell: '|' is escaped as well, which GitHub
// Markdown honours inside code spans in tables, so a value can never split
// a row.
func cellCode(s string) string {
	return code(strings.ReplaceAll(s, "|", `\|`))
}

// codeBlock renders untrusted text, line breaks kept, as a fenced code
// block (context: code blocks): verbatim but for control characters,
// fenced with more backticks than any run inside (at least three).
func codeBlock(s string) string {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), "\n")
	for i, l := range lines {
		lines[i] = triage.Escape(l)
	}
	body := strings.Join(lines, "\n")
	fence := strings.Repeat("`", max(3, longestRun(body, '`')+1))
	return fence + "\n" + body + "\n" + fence
}

// linkTarget returns dest when it is safe as a link's destination
// (context: link targets), and "#" when it is not: see safeLink.
func linkTarget(dest string) string {
	if !safeLink(dest) {
		return "#"
	}
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E").Replace(triage.Escape(dest))
}

// safeLink reports whether a link destination, as a Markdown renderer and
// then a browser will read it, is relative or uses http, https or mailto.
// Everything else (javascript:, data:, vbscript:, file:, ...) is unsafe.
// The check undoes what the renderer undoes first: angle brackets,
// backslash escapes and HTML entities (javascript&colon;), and what
// browsers drop (tabs, line breaks, other control characters, spaces).
func safeLink(dest string) bool {
	d := strings.TrimSpace(dest)
	d = strings.TrimSuffix(strings.TrimPrefix(d, "<"), ">")
	var b strings.Builder
	for i := 0; i < len(d); i++ {
		if d[i] == '\\' && i+1 < len(d) && isASCIIPunct(d[i+1]) {
			i++
		}
		b.WriteByte(d[i])
	}
	d = html.UnescapeString(b.String())
	d = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, d)
	d = strings.ToLower(d)
	i := strings.IndexAny(d, ":/?#")
	if i < 0 || d[i] != ':' {
		return true // relative: no scheme
	}
	switch d[:i] {
	case "http", "https", "mailto":
		return true
	}
	return false
}

func isASCIIPunct(c byte) bool {
	return c < 0x80 && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0
}

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// mdBlock is for analyst-written Markdown (notes, descriptions; context:
// Markdown kept as Markdown). It stays Markdown, but:
//   - control characters are escaped, line breaks kept;
//   - raw HTML cannot start: '<' becomes &lt; outside code;
//   - links and reference definitions whose destination is not safe
//     (safeLink) stop being links: a backslash goes before their '(' or
//     ']', so the reader sees the text and nothing runs;
//   - code is verbatim where that is certain to stay code: a fenced block
//     opened at the start of a line, and code spans on a line with no '|'
//     when every line's backticks pair up on that line. Elsewhere '<' is
//     escaped in code too: a renderer that read the structure otherwise
//     would take verbatim text for HTML.
func mdBlock(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = triage.Escape(l)
	}
	// Pass 1: fences. verbatim[i] marks lines inside a block fenced at
	// column 0; fenced[i] marks every fence line and fenced line.
	verbatim := make([]bool, len(lines))
	fenced := make([]bool, len(lines))
	var open fenceLine
	inFence := false
	for i, l := range lines {
		f, isFence := parseFence(l)
		switch {
		case !inFence && isFence:
			open, inFence = f, true
			fenced[i] = true
			verbatim[i] = f.indent == 0
		case inFence && isFence && f.char == open.char && f.n >= open.n && f.info == "":
			inFence = false
			fenced[i] = true
			verbatim[i] = open.indent == 0
		case inFence:
			fenced[i] = true
			verbatim[i] = open.indent == 0
		}
	}
	// Pass 2: code spans, trusted only when every line outside verbatim
	// blocks pairs its own backticks.
	spans := make([][][2]int, len(lines))
	trustSpans := true
	for i, l := range lines {
		if verbatim[i] {
			continue
		}
		var balanced bool
		spans[i], balanced = codeSpans(l)
		if !balanced {
			trustSpans = false
		}
	}
	// Pass 3: outside verbatim code, neutralise unsafe links and escape '<'.
	var out []string
	for i, l := range lines {
		if verbatim[i] {
			out = append(out, l)
			continue
		}
		var keep [][2]int
		if trustSpans && !fenced[i] && !strings.Contains(l, "|") {
			keep = spans[i]
		}
		var next string
		if i+1 < len(lines) {
			next = lines[i+1]
		}
		out = append(out, escapeOutside(l, keep, next))
	}
	if inFence {
		// Close it, so the rest of the document is not swallowed.
		out = append(out, strings.Repeat(string(open.char), open.n))
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n")
}

// fenceLine is a code fence: up to three spaces, then three or more
// backticks or tildes, then an info string.
type fenceLine struct {
	indent int
	char   byte
	n      int
	info   string
}

func parseFence(l string) (fenceLine, bool) {
	indent := len(l) - len(strings.TrimLeft(l, " "))
	if indent > 3 || indent == len(l) {
		return fenceLine{}, false
	}
	c := l[indent]
	if c != '`' && c != '~' {
		return fenceLine{}, false
	}
	n := 0
	for indent+n < len(l) && l[indent+n] == c {
		n++
	}
	info := strings.TrimSpace(l[indent+n:])
	if n < 3 || (c == '`' && strings.ContainsRune(info, '`')) {
		return fenceLine{}, false
	}
	return fenceLine{indent: indent, char: c, n: n, info: info}, true
}

// codeSpans finds the code spans of one line as CommonMark does (a run of
// backticks not escaped by a backslash opens a span closed by the next run
// of the same length; backslashes inside a span are literal) and returns
// their byte ranges, fences included. balanced is false when a run found
// no closer on the line: it might pair with a run on another line.
func codeSpans(l string) (spans [][2]int, balanced bool) {
	balanced = true
	for i := 0; i < len(l); {
		switch {
		case l[i] == '\\' && i+1 < len(l) && isASCIIPunct(l[i+1]):
			i += 2
			continue
		case l[i] != '`':
			i++
			continue
		}
		n := runAt(l, i)
		closer := -1
		for j := i + n; j < len(l); {
			if l[j] != '`' {
				j++
				continue
			}
			m := runAt(l, j)
			if m == n {
				closer = j
				break
			}
			j += m
		}
		if closer < 0 {
			balanced = false
			i += n
			continue
		}
		spans = append(spans, [2]int{i, closer + n})
		i = closer + n
	}
	return spans, balanced
}

func runAt(l string, i int) int {
	n := 0
	for i+n < len(l) && l[i+n] == '`' {
		n++
	}
	return n
}

// escapeOutside escapes '<' and neutralises unsafe link destinations in
// l outside the byte ranges keep. next is the following line, where a
// destination may continue.
func escapeOutside(l string, keep [][2]int, next string) string {
	inKeep := func(i int) bool {
		for _, k := range keep {
			if i >= k[0] && i < k[1] {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	for i := 0; i < len(l); i++ {
		c := l[i]
		if inKeep(i) {
			b.WriteByte(c)
			continue
		}
		switch {
		case c == '<':
			b.WriteString("&lt;")
			continue
		case c == ']' && i+1 < len(l) && l[i+1] == '(' && !safeLink(destAfter(l[i+2:], next)):
			// [text](javascript:...) is shown as text.
			b.WriteString(`]\(`)
			i++
			continue
		case c == ']' && i+1 < len(l) && l[i+1] == ':' && !safeLink(destAfter(l[i+2:], next)):
			// [label]: javascript:... defines no link.
			b.WriteString(`\]`)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// destAfter is the link destination that starts in rest (after "](" or
// "]:") or, when rest is blank, on the next line.
func destAfter(rest, next string) string {
	d := strings.TrimLeft(rest, " \t")
	if d == "" {
		d = strings.TrimLeft(next, " \t")
	}
	if strings.HasPrefix(d, "<") {
		if end := strings.IndexByte(d, '>'); end >= 0 {
			return d[:end+1]
		}
		return d
	}
	if end := strings.IndexAny(d, " \t)"); end >= 0 {
		return d[:end]
	}
	return d
}

// Exported for package kibana, which writes a Kibana case's description
// and comments in Markdown from a case.

// MarkdownText makes untrusted text inert inline Markdown.
func MarkdownText(s string) string { return md(s) }

// MarkdownCode renders untrusted text as a code span.
func MarkdownCode(s string) string { return code(s) }

// MarkdownNote keeps analyst-written Markdown (notes, descriptions) as
// Markdown while making it safe: see mdBlock.
func MarkdownNote(s string) string { return mdBlock(s) }

// MarkdownStep is for Picket's own one-line Markdown (playbook steps).
func MarkdownStep(s string) string { return mdInline(s) }
