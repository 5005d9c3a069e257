package appsensor

import (
	"strings"

	"picket/triage"
)

// Part is one piece of a request that detection points inspect: the path,
// a query parameter's name or value. Raw is what was on the wire; Value is
// Raw URL-decoded once ('+' as a space in parameters), which is what the
// application sees.
type Part struct {
	Where string // "path", "query name", "query value"
	Name  string // the parameter's decoded name; empty for the path
	Raw   string
	Value string
}

// Label names the part for a finding's reason: "path", "query parameter file".
func (p Part) Label() string {
	switch p.Where {
	case "path":
		return "path"
	case "query name":
		return "query parameter name"
	}
	return "query parameter " + clip(p.Name, 40)
}

// requestParts splits an event's request into parts. It prefers
// url.original (the raw request target) because agents often store url.path
// already decoded, which would hide %00 and %0d from the raw checks.
func requestParts(ev *triage.Event) []Part {
	path, query := ev.URLPath, ev.URLQuery
	if ev.URLOriginal != "" {
		path, query = triage.SplitURL(ev.URLOriginal, "")
	}
	if path == "" && query == "" {
		return nil
	}
	parts := []Part{{Where: "path", Raw: path, Value: decodeOnce(path, false)}}
	for _, pair := range strings.Split(query, "&") {
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name := decodeOnce(rawName, true)
		parts = append(parts,
			Part{Where: "query name", Name: name, Raw: rawName, Value: name},
			Part{Where: "query value", Name: name, Raw: rawValue, Value: decodeOnce(rawValue, true)})
	}
	return parts
}

// partsCache memoises requestParts for the event being observed: every
// detection point of one engine sees the same event in turn, so the
// request is split once, not once per point.
type partsCache struct {
	ev    *triage.Event
	parts []Part
}

func (c *partsCache) get(ev *triage.Event) []Part {
	if c.ev != ev {
		c.ev, c.parts = ev, requestParts(ev)
	}
	return c.parts
}

// decodeOnce percent-decodes s a single time. Unlike url.QueryUnescape it
// never fails: a malformed escape ("%zz", a trailing "%") is kept as it is,
// as most servers do, so hostile input still gets inspected.
func decodeOnce(s string, plusIsSpace bool) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case c == '+' && plusIsSpace:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// clip shortens attacker text for a one-line reason, escaping anything a
// terminal would act on.
func clip(s string, n int) string {
	s = triage.Escape(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xc0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}
