package appsensor

import (
	"strings"

	"github.com/valyala/fastjson"

	"picket/triage"
)

// Where says which piece of a request a Part is.
type Where uint8

// Pieces of a request the detection points inspect.
const (
	InPath Where = iota + 1
	InQueryName
	InQueryValue
	InFormName
	InFormValue
	InJSONValue
	InUserAgent
	InReferer
)

// Part is one piece of a request: the path, a parameter's name or value, a
// header. Raw is what was on the wire; Value is Raw URL-decoded once ('+'
// as a space in parameters), which is what the application sees.
type Part struct {
	Where Where
	Name  string // the parameter's decoded name; empty for path and headers
	Raw   string
	Value string
}

// Label names the part for a finding's reason.
func (p Part) Label() string {
	switch p.Where {
	case InPath:
		return "path"
	case InQueryName:
		return "query parameter name"
	case InQueryValue:
		return "query parameter " + clip(p.Name, 40)
	case InFormName:
		return "form field name"
	case InFormValue:
		return "form field " + clip(p.Name, 40)
	case InJSONValue:
		return "JSON field " + clip(p.Name, 40)
	case InUserAgent:
		return "user agent"
	case InReferer:
		return "referer"
	}
	return "request"
}

// isURLPart reports whether p comes from the request target (path or
// query), the scope of the file-request points CIE3 and CIE4.
func (p Part) isURLPart() bool {
	return p.Where == InPath || p.Where == InQueryName || p.Where == InQueryValue
}

// isFreeText reports whether p may legitimately hold any text a person
// types, line breaks included (form and JSON values).
func (p Part) isFreeText() bool { return p.Where == InFormValue || p.Where == InJSONValue }

// maxParts bounds how many pieces of one request are inspected, so a
// request with a million parameters costs no more than a large one.
const maxParts = 512

// requestParts splits an event's request into parts. It prefers
// url.original (the raw request target) because agents often store
// url.path already decoded, which would hide %00 and %0d from raw checks.
func requestParts(ev *triage.Event) []Part { return splitRequest(ev, nil) }

// splitRequest is requestParts with the per-event memo of multi-valued
// fields (nil for none).
func splitRequest(ev *triage.Event, cache *partsCache) []Part {
	path, query := ev.URLPath, ev.URLQuery
	if ev.URLOriginal != "" {
		path, query = triage.SplitURL(ev.URLOriginal, "")
	}
	var parts []Part
	if path != "" {
		parts = append(parts, Part{Where: InPath, Raw: path, Value: decodeOnce(path, false)})
	}
	parts = appendPairs(parts, query, InQueryName, InQueryValue)
	if ev.Body != "" {
		parts = appendBody(parts, ev)
	}
	if ev.UserAgent != "" {
		cache.eachOf(ev, fieldUserAgent, func(ua string) {
			if ua != "" {
				parts = append(parts, Part{Where: InUserAgent, Raw: ua, Value: ua})
			}
		})
	} else if ua := ev.Headers.UserAgent; ua != "" {
		parts = append(parts, Part{Where: InUserAgent, Raw: ua, Value: ua})
	}
	ref := ev.Referrer
	if ref == "" {
		ref = ev.Headers.Referer
	}
	if ref != "" {
		parts = append(parts, Part{Where: InReferer, Raw: ref, Value: decodeOnce(ref, false)})
	}
	if len(parts) > maxParts {
		parts = parts[:maxParts]
	}
	return parts
}

// appendPairs splits "a=1&b=2" into name and value parts.
func appendPairs(parts []Part, s string, nameWhere, valueWhere Where) []Part {
	for s != "" && len(parts) < maxParts {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name := decodeOnce(rawName, true)
		parts = append(parts,
			Part{Where: nameWhere, Name: name, Raw: rawName, Value: name},
			Part{Where: valueWhere, Name: name, Raw: rawValue, Value: decodeOnce(rawValue, true)})
	}
	return parts
}

// appendBody adds a captured request body's fields: form-encoded bodies as
// pairs, JSON bodies as their string and number leaves. Other bodies
// (multipart, binary) are not inspected.
func appendBody(parts []Part, ev *triage.Event) []Part {
	body := strings.TrimSpace(ev.Body)
	ct := strings.ToLower(ev.Headers.ContentType)
	switch {
	case strings.Contains(ct, "json") || (ct == "" && (strings.HasPrefix(body, "{") || strings.HasPrefix(body, "["))):
		var p fastjson.Parser
		v, err := p.Parse(body)
		if err != nil {
			return parts
		}
		return appendJSON(parts, v, "", 0)
	case strings.Contains(ct, "x-www-form-urlencoded") || (ct == "" && strings.Contains(body, "=") && !strings.ContainsAny(body, " \n{<")):
		return appendPairs(parts, body, InFormName, InFormValue)
	}
	return parts
}

func appendJSON(parts []Part, v *fastjson.Value, name string, depth int) []Part {
	if depth > 16 || len(parts) >= maxParts {
		return parts
	}
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(k []byte, child *fastjson.Value) {
			parts = appendJSON(parts, child, string(k), depth+1)
		})
	case fastjson.TypeArray:
		arr, _ := v.Array()
		for _, e := range arr {
			parts = appendJSON(parts, e, name, depth+1)
		}
	case fastjson.TypeString:
		s := string(v.GetStringBytes())
		parts = append(parts, Part{Where: InJSONValue, Name: name, Raw: s, Value: s})
	}
	return parts
}

// partsCache memoises what the points ask of the event being observed:
// every detection point of one engine sees the same event in turn, so the
// request is split once, not once per point, and whether its method,
// agent or user name came as an array is asked once (anyOf). It also keeps
// the verdicts on header values (test).
type partsCache struct {
	ev    *triage.Event
	parts []Part
	memo  map[memoKey]bool

	// Which hot fields of multiEv were arrays (see anyOf).
	multiEv *triage.Event
	multi   uint8
}

// maxMemo bounds the memoised verdicts: the distinct user agents and
// referers of a busy day fit.
const maxMemo = 8192

// check names an expensive value test whose verdicts are memoised.
type check uint8

const (
	checkXSS check = iota + 1
	checkSQLi
)

type memoKey struct {
	c check
	s string
}

// test runs fn on p.Value, remembering verdicts for header values: a user
// agent or referer repeats across thousands of requests, and running
// libinjection on each copy would cost more than everything else.
func (c *partsCache) test(k check, p Part, fn func(string) bool) bool {
	if p.Where != InUserAgent && p.Where != InReferer {
		return fn(p.Value)
	}
	key := memoKey{k, p.Value}
	if v, ok := c.memo[key]; ok {
		return v
	}
	if c.memo == nil || len(c.memo) >= maxMemo {
		// Verdicts are never wrong, only forgotten, so a full memo simply
		// starts afresh: least-recently-used order would cost a cache
		// miss on every lookup and save little.
		c.memo = make(map[memoKey]bool, 1024)
	}
	v := fn(p.Value)
	c.memo[key] = v
	return v
}

func (c *partsCache) get(ev *triage.Event) []Part {
	if c.ev != ev {
		c.ev, c.parts = ev, splitRequest(ev, c)
	}
	return c.parts
}

// decodeOnce percent-decodes s a single time, leniently (see
// triage.PercentDecode, the one owner).
func decodeOnce(s string, plusIsSpace bool) string { return triage.PercentDecode(s, plusIsSpace) }

func isHex(c byte) bool { return triage.IsHex(c) }
func unhex(c byte) byte { return triage.Unhex(c) }

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
