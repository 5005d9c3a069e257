package appsensor

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"picket/triage"
)

// DefaultMaxBodyBytes is FIO1's default limit: 10 MiB, a common default
// for upload limits in web servers and frameworks.
const DefaultMaxBodyBytes = 10 << 20

// newIE1 flags cross-site scripting probes in any decoded part.
func newIE1(cache *partsCache) *point {
	info := pointInfo("IE1", "cross-site scripting probes (libinjection's HTML5 tokenizer plus script sinks, script URLs, event handlers, injected tags) in parameters, path, user agent or referer")
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		return firstPart(cache.get(ev), "XSS probe", func(p Part) bool { return p.Where != InPath && cache.test(checkXSS, p, isXSS) })
	}}
}

// newCIE1 flags SQL injection in any decoded parameter or header.
func newCIE1(cache *partsCache) *point {
	info := pointInfo("CIE1", "SQL injection syntax (libinjection) in parameters, user agent or referer")
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		return firstPart(cache.get(ev), "SQL injection", func(p Part) bool {
			return p.Where != InPath && p.Where != InReferer && cache.test(checkSQLi, p, isSQLi)
		})
	}}
}

// newIE3 flags blacklisted probes: path traversal, remote file inclusion
// and command injection.
func newIE3(cache *partsCache) *point {
	info := pointInfo("IE3", "path traversal, remote file inclusion and command injection probes in the path or parameters")
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		for _, p := range cache.get(ev) {
			if p.Where == InUserAgent || p.Where == InReferer {
				continue
			}
			v := p.Value
			if p.Where == InPath && !pathProbe(v) {
				continue
			}
			if kind, ok := ie3Probe(v, p.isURLPart()); ok {
				return fmt.Sprintf("%s in %s: %s", kind, p.Label(), clip(p.Raw, 60)), true
			}
		}
		return "", false
	}}
}

// pathProbe reports whether a request path is worth IE3's probes: it
// holds "..", or "/etc/", also once decoded further. The raw path keeps
// "%2e%2e/" that a decoded one shows as "../"; both forms are probes, and
// the value is what counts. Other paths are the application's own.
func pathProbe(v string) bool {
	if strings.Contains(v, "..") || hasEtc(v) {
		return true
	}
	if c := canonical(v); c != v {
		return strings.Contains(c, "..") || hasEtc(c)
	}
	return false
}

// hasEtc reports "/etc/" in any case, looking only after each '/'.
func hasEtc(p string) bool {
	for i := strings.IndexByte(p, '/'); i >= 0 && i+5 <= len(p); {
		if hasPrefixFoldASCII(p[i:], "/etc/") {
			return true
		}
		j := strings.IndexByte(p[i+1:], '/')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// newRE8 flags characters no form of honest input carries: control
// characters in parameters (line breaks and tabs excepted in free-text
// form and JSON fields) and any control character in the user agent or
// referer. NUL and CR/LF in the request target are left to CIE3/CIE4.
func newRE8(cache *partsCache) *point {
	info := pointInfo("RE8", "control characters in parameters, user agent or referer")
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		for _, p := range cache.get(ev) {
			if c, ok := badControl(p); ok {
				return fmt.Sprintf("control character %s in %s: %s", c, p.Label(), clip(p.Value, 60)), true
			}
		}
		return "", false
	}}
}

func badControl(p Part) (string, bool) {
	for i := 0; i < len(p.Value); i++ {
		c := p.Value[i]
		if c >= 0x20 && c != 0x7f {
			continue
		}
		switch {
		case p.isURLPart() && (c == 0 || c == '\r' || c == '\n'):
			continue // CIE3 / CIE4
		case p.isFreeText() && (c == '\r' || c == '\n' || c == '\t'):
			continue // multi-line text fields
		case p.Where == InQueryValue && c == '\t':
			continue
		}
		return fmt.Sprintf("0x%02x", c), true
	}
	return "", false
}

// newEE1 flags values still percent-encoded after one decode: %253C is
// "<" encoded twice, a way past filters that decode once.
func newEE1(cache *partsCache) *point {
	info := pointInfo("EE1", "a value still percent-encoded after one decode (%253C)")
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		for _, p := range cache.get(ev) {
			if p.Where == InUserAgent || p.Where == InJSONValue {
				continue
			}
			if enc, ok := doubleEncoded(p); ok {
				return fmt.Sprintf("double-encoded %s in %s: %s", enc, p.Label(), clip(p.Raw, 60)), true
			}
		}
		return "", false
	}}
}

// doubleEncoded finds "%25XX" in the raw text whose decoded form "%XX" is
// itself a valid escape. The referer is a URL whose query is already
// encoded once, so there it takes three layers (%2525XX).
func doubleEncoded(p Part) (string, bool) {
	raw := p.Raw
	needle := "%25"
	if p.Where == InReferer {
		needle = "%2525"
	}
	for i := 0; ; {
		j := strings.Index(raw[i:], needle)
		if j < 0 {
			return "", false
		}
		k := i + j + len(needle)
		if k+1 < len(raw) && isHex(raw[k]) && isHex(raw[k+1]) {
			return raw[i+j : k+2], true
		}
		i = k
	}
}

// newEE2 flags unexpected encodings: %u escapes (IIS-style UTF-16),
// overlong or otherwise invalid UTF-8 after decoding (%c0%ae), and UTF-7
// markup (+ADw-).
func newEE2(cache *partsCache) *point {
	info := pointInfo("EE2", "unexpected encodings: %u escapes, overlong or invalid UTF-8, UTF-7")
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		for _, p := range cache.get(ev) {
			if what, ok := oddEncoding(p); ok {
				return fmt.Sprintf("%s in %s: %s", what, p.Label(), clip(p.Raw, 60)), true
			}
		}
		return "", false
	}}
}

var utf7Markers = []string{"+ADw-", "+AD4-", "+ACI-", "+ACc-", "+ADs-", "+AC8-"}

func oddEncoding(p Part) (string, bool) {
	raw := p.Raw
	// Jump from '%' to '%': most values hold none, and this runs on every
	// part of every request.
	for i := strings.IndexByte(raw, '%'); i >= 0 && i+5 < len(raw); {
		if (raw[i+1] == 'u' || raw[i+1] == 'U') && isHex(raw[i+2]) && isHex(raw[i+3]) && isHex(raw[i+4]) && isHex(raw[i+5]) {
			return "%u escape", true
		}
		j := strings.IndexByte(raw[i+1:], '%')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	if p.Where != InUserAgent && !utf8.ValidString(p.Value) {
		return "invalid or overlong UTF-8", true
	}
	// Every UTF-7 marker starts with '+'.
	if strings.IndexByte(raw, '+') < 0 && strings.IndexByte(p.Value, '+') < 0 {
		return "", false
	}
	for _, m := range utf7Markers {
		if strings.Contains(raw, m) || strings.Contains(p.Value, m) {
			return "UTF-7 markup", true
		}
	}
	return "", false
}

// newFIO1 flags oversized request bodies: by the recorded body size or
// Content-Length, or by the server's own 413 answer.
func newFIO1(limit int64) *point {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	info := pointInfo("FIO1", fmt.Sprintf("request body over %d bytes (body size or Content-Length), or a 413 answer", limit))
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		size := max(ev.BodyBytes, ev.Headers.ContentLength)
		switch {
		case size > limit:
			return fmt.Sprintf("%d-byte body to %s (limit %d)", size, clip(ev.URLPath, 60), limit), true
		case ev.StatusCode == 413:
			return "413 Content Too Large for " + clip(ev.URLPath, 60), true
		}
		return "", false
	}}
}

// newHT2 flags requests for honey paths: resources nobody is shown a link
// to (only named in robots.txt, an HTML comment, a decoy), so any request
// for one is reconnaissance. Paths match exactly or as a prefix ending
// in '/'.
func newHT2(paths []string) *point {
	info := pointInfo("HT2", "a request for a configured honey path")
	if len(paths) == 0 {
		info.Readiness = triage.NeedsConfig
		info.Why = "set appsensor.honey_paths to the decoy paths your site advertises (robots.txt Disallow entries, hidden links)"
	}
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		path := ev.URLPath
		for _, h := range paths {
			if path == h || (strings.HasSuffix(h, "/") && strings.HasPrefix(path, h)) {
				return "honey path " + clip(path, 60), true
			}
		}
		return "", false
	}}
}
