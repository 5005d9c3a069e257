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

// probe is one of IE3's blacklist signatures.
type probe struct {
	kind string // "path traversal", "remote file inclusion", "command injection"
	test func(lv string) bool
}

var ie3Probes = []probe{
	{"path traversal", isTraversal},
	{"remote file inclusion", isRFI},
	{"command injection", isCommandInjection},
}

// ie3Probe names the first IE3 probe v matches.
func ie3Probe(v string) (string, bool) {
	if plainValue(v) && !strings.Contains(v, "..") {
		return "", false
	}
	lv := strings.ToLower(v)
	for _, p := range ie3Probes {
		if p.test(lv) {
			return p.kind, true
		}
	}
	return "", false
}

var sensitiveFiles = []string{
	"/etc/passwd", "/etc/shadow", "/etc/hosts", "/proc/self/", "boot.ini", "win.ini", "system32",
	"/etc/group", "web.config", "/.ssh/", ".htpasswd", "etc/passwd", "etcpasswd", "web-inf",
	"global.asa", "inetpub", "0x2e0x2e", "%c0%ae", "..%c0%af", "..%255c",
}

func isTraversal(lv string) bool {
	norm := strings.ReplaceAll(lv, `\`, "/")
	if strings.Contains(norm, "../") || strings.Contains(norm, "/..") || strings.Contains(norm, "....") {
		return true
	}
	if strings.HasPrefix(norm, "file:") {
		return true
	}
	for _, f := range sensitiveFiles {
		if strings.Contains(norm, f) {
			return true
		}
	}
	return false
}

var rfiWrappers = []string{"php://", "expect://", "zip://", "phar://", "data://", "file://", "glob://", "jar:"}

func isRFI(lv string) bool {
	for _, w := range rfiWrappers {
		if strings.HasPrefix(lv, w) {
			return true
		}
	}
	// A remote URL whose query is left dangling ("http://evil/shell.txt?")
	// is the classic inclusion probe: the '?' swallows the suffix the
	// application appends.
	if strings.HasPrefix(lv, "http://") || strings.HasPrefix(lv, "https://") || strings.HasPrefix(lv, "ftp://") {
		return strings.HasSuffix(lv, "?") || strings.Contains(lv, ".txt?") || strings.HasSuffix(lv, "%00")
	}
	return false
}

var shellCommands = []string{
	"cat", "ls", "id", "whoami", "uname", "wget", "curl", "nc", "ncat", "bash", "sh", "ping",
	"dir", "type", "net", "echo", "sleep", "powershell", "cmd", "nslookup", "ifconfig", "ipconfig",
	"rm", "chmod", "perl", "python", "systeminfo", "ver", "phpinfo", "netstat", "true", "false",
	"system(", "exec(", "passthru(", "shell_exec(",
}

// binPrefixes are stripped before matching a command name, so
// "; /usr/bin/id" reads as "; id".
var binPrefixes = []string{"/usr/local/bin/", "/usr/bin/", "usr/bin/", "/bin/", "/sbin/", "/usr/sbin/"}

// isCommandInjection finds a shell separator or substitution followed by a
// command name: "; cat /etc/passwd", "| dir c:", "$(id)", "`whoami`".
func isCommandInjection(lv string) bool {
	if strings.Contains(lv, "<!--#exec") {
		return true // server-side include running a command
	}
	for i := 0; i < len(lv); i++ {
		var rest string
		switch {
		case lv[i] == ';' || lv[i] == '|' || lv[i] == '`' || lv[i] == '\n':
			rest = lv[i+1:]
		case lv[i] == '&' && i+1 < len(lv) && lv[i+1] == '&':
			rest = lv[i+2:]
		case lv[i] == '$' && i+1 < len(lv) && lv[i+1] == '(':
			rest = lv[i+2:]
		default:
			continue
		}
		rest = strings.TrimLeft(rest, " +|&$`\t;")
		for _, p := range binPrefixes {
			if strings.HasPrefix(rest, p) {
				rest = rest[len(p):]
				break
			}
		}
		for _, c := range shellCommands {
			if strings.HasPrefix(rest, c) {
				after := rest[len(c):]
				if after == "" || strings.HasSuffix(c, "(") || after[0] == ' ' || after[0] == '+' || after[0] == ';' || after[0] == '|' || after[0] == '`' || after[0] == ')' || after[0] == '/' {
					return true
				}
			}
		}
	}
	return false
}
