package appsensor

// Why this file is long: IE3 reads values as a shell and a file system
// would (decoding, tokenising, known programs and paths, what ordinary
// text looks like); the recogniser's parts only make sense side by side.

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// IE3's blacklist reads a value the way a shell or a file system would,
// rather than matching known payloads: the value is decoded as far as a
// lenient server might decode it, then searched for path syntax that
// climbs out of a directory or names a sensitive tree, and tokenised for
// shell syntax that starts a command (a separator or substitution followed
// by a known program, or a program with shell-looking arguments).

// ie3Value is a value prepared for the probes.
type ie3Value struct {
	raw   string // as the application sees it (decoded once)
	canon string // canonical(raw): case kept, for the shell
	path  string // canon in lower case with '\' as '/', for paths
	url   bool   // from the request target, where NUL bytes are CIE3's
}

// ie3Probe names the first IE3 probe v matches. v is a value as the
// application sees it; url says it came from the path or query.
func ie3Probe(v string, url bool) (string, bool) {
	canon := canonical(v)
	if plainValue(v) && canon == v && !strings.Contains(v, "..") {
		// Letters, digits and _ . - , @ only: no path or shell syntax,
		// but perhaps the name of a file nobody may fetch.
		if strings.ContainsAny(v, ".-_") && sensitiveFile(v) {
			return "path traversal", true
		}
		return "", false
	}
	iv := ie3Value{raw: v, canon: canon, path: pathForm(canon), url: url}
	switch {
	case isTraversal(&iv):
		return "path traversal", true
	case isRFI(&iv):
		return "remote file inclusion", true
	case isCommandInjection(&iv):
		return "command injection", true
	}
	return "", false
}

// ---------------------------------------------------------------------------
// Decoding.

// canonical undoes what filters are dodged with: percent-encoding up to
// three layers deep (%252e), IIS %u escapes, overlong UTF-8 forms of ASCII
// (%c0%ae, %e0%80%ae, IIS's %c1%9c), and the Unicode look-alikes of '.',
// '/' and '\' some servers fold. A value with no '%' and no byte past
// ASCII is returned as it is.
func canonical(v string) string {
	if !needsDecoding(v) {
		return v
	}
	s := v
	for range 3 {
		d, changed := decodeLayer(s)
		if !changed {
			break
		}
		s = d
	}
	if hasHighByte(s) {
		s = foldLookalikes(s)
	}
	return s
}

// needsDecoding reports a '%' or a byte past ASCII: anything canonical
// might undo.
func needsDecoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' || c >= 0x80 {
			return true
		}
	}
	return false
}

func hasHighByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// decodeLayer percent-decodes s once, %uXXXX included; '+' stays.
func decodeLayer(s string) (string, bool) {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	changed := false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			changed = true
		case c == '%' && i+5 < len(s) && (s[i+1]|0x20) == 'u' && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]):
			r := rune(unhex(s[i+2]))<<12 | rune(unhex(s[i+3]))<<8 | rune(unhex(s[i+4]))<<4 | rune(unhex(s[i+5]))
			b.WriteRune(r)
			i += 5
			changed = true
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), changed
}

// foldLookalikes turns overlong UTF-8 encodings of ASCII into the ASCII
// byte (as lenient decoders did: IIS read %c1%1c as '\' too, whatever the
// second byte) and Unicode slashes and dots into their ASCII forms.
func foldLookalikes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c < 0x80:
			b.WriteByte(c)
			i++
			continue
		case (c == 0xc0 || c == 0xc1) && i+1 < len(s):
			if a := (c&1)<<6 | s[i+1]&0x3f; a != 0 {
				b.WriteByte(a)
				i += 2
				continue
			}
		case c == 0xe0 && i+2 < len(s) && s[i+1]&0xe0 == 0x80 && s[i+2]&0xc0 == 0x80:
			if r := rune(s[i+1]&0x3f)<<6 | rune(s[i+2]&0x3f); r < 0x80 {
				b.WriteByte(byte(r))
				i += 3
				continue
			}
		case c == 0xf0 && i+3 < len(s) && s[i+1]&0xf0 == 0x80 && s[i+2]&0xc0 == 0x80 && s[i+3]&0xc0 == 0x80:
			if r := rune(s[i+1]&0x3f)<<12 | rune(s[i+2]&0x3f)<<6 | rune(s[i+3]&0x3f); r < 0x80 {
				b.WriteByte(byte(r))
				i += 4
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\u2215', '\u2044', '\uff0f': // division slash, fraction slash, fullwidth solidus
			b.WriteByte('/')
		case '\u2216', '\uff3c': // set minus, fullwidth reverse solidus
			b.WriteByte('\\')
		case '\u2024', '\uff0e', '\ufe52': // one dot leader, fullwidth and small full stop
			b.WriteByte('.')
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// pathForm is s in ASCII lower case with backslashes as slashes.
func pathForm(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				switch c := b[j]; {
				case c == '\\':
					b[j] = '/'
				case 'A' <= c && c <= 'Z':
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// ---------------------------------------------------------------------------
// Paths.

// sensitiveDirs are trees no parameter should reach: matched at the start
// of the value or after a character that cannot end a name, so
// "../../etc/x" and "=/proc/self" count and "/shop/etc/" does not.
var sensitiveDirs = []string{
	"/etc/", "/proc/", "/sys/class/", "/sys/kernel/", "/var/log/", "/root/", "/boot/", "/.ssh/",
	"/windows/system32", "/winnt/system32",
}

// windowsDirs count after a drive letter only ("c:/windows/"): a shop's
// /windows/ route is not C:\Windows.
var windowsDirs = []string{"/windows/", "/winnt/", "/inetpub/", "/boot.ini"}

// sensitiveFiles are names that give themselves away wherever they are.
var sensitiveFiles = []string{
	"etc/passwd", "etc/shadow", "etc/group", "etc/hosts", "etcpasswd", "/proc/self/", "/.ssh/", "boot.ini",
	"win.ini", "system.ini", "system32", "inetpub", "web.config", "global.asa", "web-inf", "meta-inf",
	".htpasswd", ".htaccess", "id_rsa", "0x2e0x2e",
}

// encodedDots are escapes of "." and "/" that, left encoded in a value
// after it was decoded, show a layer meant for a second decoder.
var encodedDots = []string{"%c0%ae", "..%c0%af", "..%255c"}

// sensitiveByFirst indexes sensitiveFiles by their first byte, so one
// pass over a value finds any of them.
var sensitiveByFirst = func() (t [256][]string) {
	for _, f := range sensitiveFiles {
		t[f[0]] = append(t[f[0]], f)
	}
	return t
}()

// sensitiveFile reports whether s names a sensitive file, in any case.
func sensitiveFile(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		for _, f := range sensitiveByFirst[c] {
			if hasPrefixFoldASCII(s[i:], f) {
				return true
			}
		}
	}
	return false
}

// isTraversal finds a climb out of a directory ("../", "..\" in any
// encoding), path normalisation games in an absolute path ("/./", "///",
// a ".." glued to a name), a sensitive tree or file, a file: URL, or a NUL
// that would cut off the extension an application appends.
func isTraversal(v *ie3Value) bool {
	p := v.path
	if strings.Contains(p, "../") || strings.Contains(p, "/..") || p == ".." {
		return true
	}
	slash := strings.IndexByte(p, '/') >= 0
	if dotRun(p) {
		return true
	}
	if strings.HasPrefix(p, "file:") {
		return true
	}
	if isAbsolutePath(p) && (strings.Contains(p, "/./") || strings.HasSuffix(p, "/.") || strings.Contains(p, "///") || strings.Contains(p, "..")) {
		return true
	}
	if slash {
		for _, d := range sensitiveDirs {
			if containsAtBoundary(p, d) {
				return true
			}
		}
		if len(p) > 2 && p[1] == ':' && isLetter(p[0]) {
			for _, d := range windowsDirs {
				if strings.HasPrefix(p[2:], d) {
					return true
				}
			}
		}
	}
	if sensitiveFile(p) {
		return true
	}
	if strings.IndexByte(v.raw, '%') >= 0 {
		for _, e := range encodedDots {
			if containsFoldASCII(v.raw, e) {
				return true
			}
		}
	}
	// A NUL cutting a file name short ("../x.php%00.jpg", "a.txt%2500").
	if !v.url && strings.IndexByte(p, 0) >= 0 && strings.ContainsAny(p, "./") {
		return true
	}
	return false
}

// dotRun finds four or more dots glued to what follows ("....//",
// "....boot.ini"): the dot games of traversal fuzzers, which Windows
// resolves as ".." and a prose ellipsis ("wait.... ok") never is.
func dotRun(p string) bool {
	for i := 0; ; {
		j := strings.Index(p[i:], "....")
		if j < 0 {
			return false
		}
		k := i + j + 4
		for k < len(p) && p[k] == '.' {
			k++
		}
		if k < len(p) && p[k] != ' ' {
			return true
		}
		i = k
	}
}

// isAbsolutePath reports whether p (in path form) starts at a root: "/",
// or a drive ("c:/").
func isAbsolutePath(p string) bool {
	return strings.HasPrefix(p, "/") || len(p) > 2 && isLetter(p[0]) && p[1] == ':' && p[2] == '/'
}

// containsAtBoundary reports whether sub occurs in s at the start or after
// a character that cannot be part of a name.
func containsAtBoundary(s, sub string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return false
		}
		at := i + j
		if at == 0 || !isNameByte(s[at-1]) {
			return true
		}
		i = at + 1
	}
}

func isNameByte(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || c == '_' || c == '-' || c >= 0x80
}

var rfiWrappers = []string{"php://", "expect://", "zip://", "phar://", "data://", "file://", "glob://", "jar:"}

// isRFI finds a stream wrapper, or a remote URL whose query is left
// dangling ("http://evil/shell.txt?"): the classic inclusion probe, where
// the '?' swallows the suffix the application appends.
func isRFI(v *ie3Value) bool {
	lv := v.path
	for _, w := range rfiWrappers {
		if strings.HasPrefix(lv, w) {
			return true
		}
	}
	if strings.HasPrefix(lv, "http://") || strings.HasPrefix(lv, "https://") || strings.HasPrefix(lv, "ftp://") {
		return strings.HasSuffix(lv, "?") || strings.Contains(lv, ".txt?") || strings.HasSuffix(lv, "%00") || strings.HasSuffix(lv, "\x00")
	}
	return false
}

// ---------------------------------------------------------------------------
// Shell commands.

// cmdClass says how sure a command name alone makes IE3.
type cmdClass uint8

const (
	cmdNone cmdClass = iota
	// cmdWord: a program whose name is also an English word or a common
	// abbreviation (cat, type, ping, dir): it needs shell-looking
	// arguments (a flag, a path, a drive, an address, a redirection).
	cmdWord
	// cmdRecon: a program nobody names in prose (whoami, uname, id,
	// ifconfig): a separator before it is enough.
	cmdRecon
	// cmdPath: a known program named by its path in a bin directory
	// (/usr/bin/id, c:\windows\system32\cmd.exe).
	cmdPath
)

// unixCommands are matched case-sensitively: Unix names are lower case,
// and "ID" or "Cat" in a sentence is not a command.
var unixCommands = map[string]cmdClass{
	"id": cmdRecon, "whoami": cmdRecon, "uname": cmdRecon, "ifconfig": cmdRecon, "ip": cmdWord,
	"netstat": cmdRecon, "nslookup": cmdRecon, "wget": cmdRecon, "curl": cmdRecon, "nc": cmdRecon,
	"ncat": cmdRecon, "netcat": cmdRecon, "telnet": cmdRecon, "ssh": cmdRecon, "scp": cmdRecon,
	"tftp": cmdRecon, "ftp": cmdWord, "bash": cmdRecon, "sh": cmdRecon, "zsh": cmdRecon, "ksh": cmdRecon,
	"csh": cmdRecon, "tcsh": cmdRecon, "dash": cmdWord, "busybox": cmdRecon, "perl": cmdRecon,
	"python": cmdWord, "python3": cmdRecon, "php": cmdRecon, "ruby": cmdWord, "node": cmdWord,
	"ls": cmdRecon, "pwd": cmdRecon, "rm": cmdRecon, "chmod": cmdRecon, "chown": cmdRecon, "mkdir": cmdRecon,
	"grep": cmdRecon, "awk": cmdRecon, "sed": cmdWord, "xargs": cmdRecon, "base64": cmdWord,
	"crontab": cmdRecon, "sudo": cmdRecon, "passwd": cmdRecon, "killall": cmdRecon, "nohup": cmdRecon,
	"traceroute": cmdRecon, "getent": cmdRecon, "printenv": cmdRecon, "lsof": cmdRecon, "uptime": cmdWord,
	"cat": cmdWord, "echo": cmdWord, "sleep": cmdWord, "ping": cmdWord, "head": cmdWord, "tail": cmdWord,
	"more": cmdWord, "less": cmdWord, "find": cmdWord, "sort": cmdWord, "kill": cmdWord, "ps": cmdWord,
	"cd": cmdWord, "cp": cmdWord, "mv": cmdWord, "touch": cmdWord, "env": cmdWord, "who": cmdWord,
	"which": cmdWord, "host": cmdWord, "dig": cmdWord, "file": cmdWord, "true": cmdWord, "false": cmdWord,
	"test": cmdWord, "time": cmdWord, "exec": cmdWord, "eval": cmdWord, "su": cmdWord, "hostname": cmdWord,
	"usleep": cmdWord,
}

// windowsCommands are matched in any case, as cmd.exe does.
var windowsCommands = map[string]cmdClass{
	"whoami": cmdRecon, "ipconfig": cmdRecon, "systeminfo": cmdRecon, "tasklist": cmdRecon,
	"taskkill": cmdRecon, "netstat": cmdRecon, "nslookup": cmdRecon, "cmd": cmdRecon, "powershell": cmdRecon,
	"pwsh": cmdRecon, "wmic": cmdRecon, "certutil": cmdRecon, "bitsadmin": cmdRecon, "mshta": cmdRecon,
	"rundll32": cmdRecon, "regsvr32": cmdRecon, "cscript": cmdRecon, "wscript": cmdRecon,
	"schtasks": cmdRecon, "findstr": cmdRecon, "tracert": cmdRecon, "nbtstat": cmdRecon,
	"dir": cmdWord, "type": cmdWord, "ver": cmdWord, "set": cmdWord, "net": cmdWord, "ping": cmdWord,
	"echo": cmdWord, "copy": cmdWord, "del": cmdWord, "start": cmdWord, "tree": cmdWord, "reg": cmdWord,
	"hostname": cmdWord, "arp": cmdWord, "route": cmdWord, "more": cmdWord, "find": cmdWord, "sort": cmdWord,
	"timeout": cmdWord,
}

// commands merges the two tables under the lower-case name.
var commands = func() map[string][2]cmdClass {
	m := map[string][2]cmdClass{}
	for n, c := range unixCommands {
		e := m[n]
		e[0] = c
		m[n] = e
	}
	for n, c := range windowsCommands {
		e := m[n]
		e[1] = c
		m[n] = e
	}
	return m
}()

// execFunctions run a command from script code: ";system('id')".
var execFunctions = []string{"system", "exec", "passthru", "shell_exec", "popen", "proc_open", "pcntl_exec"}

// binDirs hold programs: a command named by its path there is certain.
var binDirs = []string{
	"/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/", "usr/bin/",
	"bin/", "/windows/system32/", "/winnt/system32/", "/windows/",
}

// Where a command may start, from the least to the most telling.
type cmdContext uint8

const (
	atStart  cmdContext = iota // the value's first word
	afterSep                   // after ';' or '&', also prose punctuation
	afterOp                    // after '|', '||', '&&' or a line break
	inSubst                    // inside `...` or $(...)
)

// isCommandInjection tokenises the value as a shell would and looks at
// every place a command can start.
func isCommandInjection(v *ie3Value) bool {
	c := v.canon
	if i := strings.Index(c, "<!--#"); i >= 0 && containsFoldASCII(c[i:], "<!--#exec") {
		return true // server-side include running a command
	}
	if quotedCommand(c) {
		return true
	}
	if commandAt(c, 0, atStart) {
		return true
	}
	for i := 0; i < len(c); i++ {
		var ctx cmdContext
		next := i + 1
		switch c[i] {
		case ';':
			ctx = afterSep
		case '&':
			ctx = afterSep
			if next < len(c) && c[next] == '&' {
				ctx, next = afterOp, next+1
			}
		case '|':
			ctx = afterOp
			if next < len(c) && c[next] == '|' {
				next++
			}
		case '\n', '\r':
			ctx = afterOp
		case '`':
			ctx = inSubst
		case '$', '<', '>': // $(...), and process substitution <(...) >(...)
			if next >= len(c) || c[next] != '(' {
				continue
			}
			ctx, next = inSubst, next+1
		default:
			continue
		}
		if commandAt(c, next, ctx) {
			return true
		}
		i = next - 1
	}
	return false
}

// quotedCommand reports a value that is one command name in single quotes
// ("'id'", "'true'"): fuzzers send it to find a value pasted into a
// command line between quotes.
func quotedCommand(c string) bool {
	c = strings.TrimSpace(c)
	if len(c) < 3 || c[0] != '\'' || c[len(c)-1] != '\'' {
		return false
	}
	return lookupCommand(c[1:len(c)-1]).class != cmdNone
}

// commandAt judges the command that would start at c[i] in context ctx.
func commandAt(c string, i int, ctx cmdContext) bool {
	i = skipBlanks(c, i)
	brace := i < len(c) && c[i] == '{' // brace expansion: {cat,/etc/passwd}
	if brace {
		i++
	}
	tok, end := readToken(c, i)
	if tok == "" {
		return false
	}
	if end < len(c) && c[end] == '(' {
		// A name glued to '(' is a function call: only the ones that run
		// a command count ("system(", not "echo(" in PHP or JavaScript).
		name := strings.ToLower(tok)
		for _, f := range execFunctions {
			if name == f {
				return ctx != atStart
			}
		}
		return false
	}
	cmd := lookupCommand(tok)
	if cmd.class == cmdNone {
		return false
	}
	if end < len(c) && c[end] == ',' {
		// Only brace expansion puts a comma after a command
		// ("{cat,/etc/passwd}"); ";base64," is a data: URL.
		return brace
	}
	if brace {
		return false
	}
	a := readArgs(c, end, cmd)
	switch {
	case ctx == inSubst, cmd.class == cmdPath:
		return true
	case a.listed:
		return false
	case cmd.class == cmdRecon && ctx != atStart:
		// "; id like it" is a sentence, "; rm 101" a room.
		return a.shell || a.terminated && !a.prose || !a.prose && !a.numeric
	case cmd.class == cmdRecon:
		return a.shell || a.terminated && !a.prose
	}
	// cmdWord: "& sleep 9 &" is a timing probe, "set 1; set 2;" a score.
	return a.shell || a.pipeAfter && !a.prose || ctx != atStart && cmd.timing && a.numeric && a.terminated
}

// args is what follows a command up to the next separator.
type args struct {
	shell      bool // a flag, a path, a drive, an address, a URL or a redirection
	numeric    bool // numbers only ("sleep 31")
	prose      bool // ordinary words only ("id like to return it")
	terminated bool // a separator ends the command
	pipeAfter  bool // and it is a pipe
	listed     bool // and a plain word that names no program follows it
}

// netSubcommands make "net user" a command and "net income" not.
var netSubcommands = []string{"user", "users", "view", "localgroup", "group", "share", "use", "accounts", "config", "session", "start", "stop"}

func readArgs(c string, i int, cmd command) args {
	var a args
	words, numbers, letters := 0, 0, 0
	for n := 0; n < 16; n++ {
		i = skipBlanks(c, i)
		if i >= len(c) {
			break
		}
		switch c[i] {
		case ';', '&', '|', '\n', '\r', '`', ')':
			a.terminated = true
			a.pipeAfter = c[i] == '|'
			a.numeric = numbers > 0 && numbers == words
			a.prose = letters > 0 && letters == words
			if words == 0 && (c[i] == ';' || c[i] == '|') {
				// "id;name;email", "id|title": a list of names.
				next, end := readToken(c, skipBlanks(c, i+1))
				a.listed = isWord(next) && lookupCommand(next).class == cmdNone && (end == len(c) || c[end] == c[i])
			}
			return a
		case '<', '>':
			// A redirection to or from a file or descriptor ("> /tmp/x",
			// "2>&1", "</etc/passwd"), not markup or a comparison.
			j := i + 1
			for j < len(c) && (c[j] == '>' || c[j] == '&') {
				j++
			}
			j = skipBlanks(c, j)
			tok, end := readToken(c, j)
			markup := end < len(c) && c[end] == '>' // "</form>"
			if !markup && (isPathArg(tok) || isDigits(tok)) {
				a.shell = true
			}
			i++
			continue
		case ',', '(', '{', '}':
			i++
			continue
		}
		tok, end := readToken(c, i)
		if end == i { // a byte readToken stops at without reading it
			i++
			continue
		}
		words++
		switch {
		case isFlag(tok, cmd), isPathArg(tok), isAddress(tok), hasScheme(tok):
			a.shell = true
		case isDigits(tok):
			numbers++
		case cmd.net && words == 1 && slices.Contains(netSubcommands, strings.ToLower(tok)):
			a.shell = true
		case isWord(tok):
			letters++
		}
		i = end
	}
	a.numeric = numbers > 0 && numbers == words
	a.prose = letters > 0 && letters == words
	return a
}

// isWord: letters, perhaps with an apostrophe or a closing stop or comma,
// as in a sentence.
func isWord(tok string) bool {
	tok = strings.TrimRight(tok, ".,!?:")
	for i := 0; i < len(tok); i++ {
		if !isLetter(tok[i]) && tok[i] != '\'' && tok[i] < 0x80 {
			return false
		}
	}
	return tok != ""
}

// skipBlanks skips what a shell reads as white space between words,
// "${IFS}" and "$IFS" included, and '+' (a space left encoded).
func skipBlanks(c string, i int) int {
	for i < len(c) {
		switch {
		case c[i] == ' ' || c[i] == '\t' || c[i] == '+':
			i++
		case strings.HasPrefix(c[i:], "${IFS}"):
			i += len("${IFS}")
		case strings.HasPrefix(c[i:], "$IFS"):
			i += len("$IFS")
			if i+1 < len(c) && c[i] == '$' && '0' <= c[i+1] && c[i+1] <= '9' {
				i += 2 // $IFS$9
			}
		default:
			return i
		}
	}
	return i
}

// readToken reads one shell word from c[i]: up to white space or an
// operator. Quotes inside it are removed when they pair up (c'a't is cat),
// as are backslash escapes outside Windows paths.
func readToken(c string, i int) (string, int) {
	j := i
	quotes := 0
	backslash := false
loop:
	for j < len(c) {
		switch c[j] {
		case ' ', '\t', '+', '\n', '\r', ';', '|', '&', '`', '(', ')', '<', '>', '{', '}', ',', 0:
			break loop
		case '$':
			if j+1 < len(c) && (c[j+1] == '(' || c[j+1] == '{' || strings.HasPrefix(c[j+1:], "IFS")) {
				break loop
			}
		case '\'', '"':
			quotes++
		case '\\':
			backslash = true
		}
		j++
	}
	tok := c[i:j]
	if quotes > 0 && quotes%2 == 0 && strings.Count(tok, "'")%2 == 0 {
		tok = strings.Map(func(r rune) rune {
			if r == '\'' || r == '"' {
				return -1
			}
			return r
		}, tok)
	}
	if backslash {
		if isDrive(tok) || strings.HasPrefix(tok, `\\`) {
			tok = strings.ReplaceAll(tok, `\`, "/")
		} else {
			tok = strings.ReplaceAll(tok, `\`, "")
		}
	}
	return tok, j
}

// command is what a token names.
type command struct {
	class         cmdClass
	unix, windows bool // the shells that know the name (flag styles)
	net           bool // Windows' net, whose subcommands say enough
	timing        bool // waits or probes for a while: sleep 9, ping -n 9
}

// timingCommands are how blind injection is timed.
var timingCommands = []string{"sleep", "usleep", "ping", "timeout"}

// lookupCommand says whether tok names a known program, and how surely.
func lookupCommand(tok string) command {
	dir, name := "", tok
	if k := strings.LastIndexByte(tok, '/'); k >= 0 {
		dir, name = strings.ToLower(tok[:k+1]), tok[k+1:]
		if len(dir) > 2 && dir[1] == ':' {
			dir = dir[2:] // c:/windows/system32/ is /windows/system32/
		}
	}
	if name == "" || len(name) > 24 {
		return command{}
	}
	var buf [24]byte
	lower := buf[:len(name)]
	upper := false // Unix names are lower case
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
			upper = true
		}
		lower[i] = c
	}
	var cmd command
	if e, ok := commands[string(lower)]; ok && !upper && e[0] != cmdNone {
		cmd.class, cmd.unix = e[0], true
	}
	for _, ext := range [...]string{".exe", ".com", ".bat"} {
		if n := len(lower) - len(ext); n > 0 && string(lower[n:]) == ext {
			lower = lower[:n]
		}
	}
	if e, ok := commands[string(lower)]; ok && e[1] != cmdNone {
		cmd.class, cmd.windows = max(cmd.class, e[1]), true
		cmd.net = string(lower) == "net"
	}
	if cmd.class != cmdNone {
		cmd.timing = slices.Contains(timingCommands, string(lower))
	}
	if cmd.class == cmdNone || dir == "" {
		return cmd
	}
	for _, d := range binDirs {
		if dir == d || strings.HasSuffix(dir, d) && d[0] == '/' {
			cmd.class = cmdPath
			return cmd
		}
	}
	cmd.class = cmdWord
	return cmd
}

// isFlag: "-a", "-la", "--help" for programs that take them, "/c",
// "/all" for cmd.exe programs. cmd.exe's own commands (dir, set, type)
// take only the latter, so "set -up" is not a command line.
func isFlag(tok string, cmd command) bool {
	dash := cmd.unix || cmd.class == cmdRecon || cmd.class == cmdPath
	switch {
	case len(tok) < 2:
		return false
	case tok[0] == '-' && dash:
		if tok[1] == '-' {
			return len(tok) > 2 && isLetter(tok[2])
		}
		return len(tok) <= 5 && isLetter(tok[1]) && isAlnumString(tok[1:])
	case tok[0] == '/' && cmd.windows:
		return len(tok) <= 5 && isAlnumString(tok[1:])
	}
	return false
}

func isAlnumString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return s != ""
}

// isPathArg: an absolute or home path, a relative climb, or a drive.
func isPathArg(tok string) bool {
	return strings.HasPrefix(tok, "/") || strings.HasPrefix(tok, "~/") || strings.HasPrefix(tok, "./") ||
		strings.HasPrefix(tok, "../") || strings.HasPrefix(tok, `\\`) || isDrive(tok)
}

// isDrive: "c:", "c:/", `c:\`, `c:"` — a Windows drive.
func isDrive(tok string) bool {
	return len(tok) >= 2 && isLetter(tok[0]) && tok[1] == ':' && (len(tok) == 2 || !isNameByte(tok[2]))
}

// isAddress: a dotted IPv4 address, as ping and nc take.
func isAddress(tok string) bool {
	dots := 0
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return dots == 3 && len(tok) >= 7
}

func hasScheme(tok string) bool {
	return strings.HasPrefix(tok, "http://") || strings.HasPrefix(tok, "https://") || strings.HasPrefix(tok, "ftp://")
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
