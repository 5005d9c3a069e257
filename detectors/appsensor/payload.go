package appsensor

import (
	"strings"

	libinjection "github.com/corazawaf/libinjection-go"
)

// plainValue reports whether s holds only characters no injection can be
// built from (letters, digits and _ . - , / : @ with no spaces). Most
// parameter values are ids, tokens and numbers; skipping libinjection for
// them is what keeps the per-request checks fast.
func plainValue(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_' || c == '.' || c == '-' || c == ',' || c == '@':
		case c >= 0x80: // non-ASCII letters in names and addresses
		default:
			return false
		}
	}
	return true
}

// isSQLi is CIE1's test: libinjection's SQL tokenizer and fingerprints,
// which recognise injected SQL syntax rather than SQL words, so a product
// called "Union Station" or a search for "select a size" stays quiet.
func isSQLi(v string) bool {
	if len(v) < 2 || plainValue(v) {
		return false
	}
	ok, _ := libinjection.IsSQLi(v)
	return ok
}

// isXSS is IE1's test: libinjection's HTML5 tokenizer first, then markers
// it does not cover — script sinks, script URL schemes (also with
// whitespace slipped inside), event-handler attributes and injected tags.
// A search for "i <3 tea" or "a < b" stays quiet: '<' must open a tag name.
func isXSS(v string) bool {
	if len(v) < 4 || plainValue(v) {
		return false
	}
	if libinjection.IsXSS(v) {
		return true
	}
	return xssMarker(strings.ToLower(v))
}

var xssSinks = []string{
	"alert(", "prompt(", "confirm(", "eval(", "write(", "fromcharcode", "document.cookie",
	"document.domain", "document.location", "window.location", ".innerhtml", "settimeout(",
	"setinterval(", "expression(", "&{", "<!--#exec", "string.fromcharcode", ".constructor",
}

var xssSchemes = []string{"javascript:", "vbscript:", "livescript:", "mocha:", "data:text/html"}

var xssTags = []string{
	"script", "img", "iframe", "frame", "svg", "body", "video", "audio", "embed", "object", "a",
	"input", "form", "button", "math", "table", "br", "b", "source", "xml", "meta", "link",
	"style", "base", "frameset", "details", "marquee", "isindex", "div", "span", "html",
	"head", "applet", "layer", "bgsound", "textarea", "select", "keygen", "xss", "?import",
}

func xssMarker(lv string) bool {
	for _, s := range xssSinks {
		if strings.Contains(lv, s) {
			return true
		}
	}
	squeezed := squeeze(lv)
	for _, s := range xssSchemes {
		if strings.Contains(squeezed, s) {
			return true
		}
	}
	for i := 0; i < len(lv); i++ {
		if lv[i] == '<' && (opensTag(lv[i+1:]) || (i+1 < len(lv) && lv[i+1] == '/' && opensTag(lv[i+2:]))) {
			return true
		}
	}
	return eventHandler(lv)
}

// squeeze drops whitespace and control characters, which browsers ignore
// inside a URL scheme ("jav ascript:", "java\tscript:").
func squeeze(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' }) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] > ' ' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// opensTag reports whether s starts with a known tag name followed by a
// delimiter: "img src", "script>", "b>".
func opensTag(s string) bool {
	for _, t := range xssTags {
		if strings.HasPrefix(s, t) {
			rest := s[len(t):]
			if rest == "" {
				return len(t) > 1
			}
			switch rest[0] {
			case ' ', '>', '/', '\t', '\n', '\r', '+', '.', ':':
				return true
			}
		}
	}
	return false
}

// eventHandler finds an HTML event-handler attribute (onerror=, onload =)
// in a value that also carries markup or quote characters.
func eventHandler(lv string) bool {
	if !strings.ContainsAny(lv, `<"'>`) {
		return false
	}
	for i := 0; i+2 < len(lv); i++ {
		if lv[i] != 'o' || lv[i+1] != 'n' || (i > 0 && isLetter(lv[i-1])) {
			continue
		}
		j := i + 2
		for j < len(lv) && isLetter(lv[j]) {
			j++
		}
		if j-i-2 < 3 {
			continue
		}
		for j < len(lv) && (lv[j] == ' ' || lv[j] == '+') {
			j++
		}
		if j < len(lv) && (lv[j] == '=' || lv[j] == '!') {
			return true
		}
	}
	return false
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
