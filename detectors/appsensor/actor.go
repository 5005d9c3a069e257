package appsensor

import (
	"strconv"
	"strings"

	"picket/triage"
)

// DefaultSessionCookies are the cookie names read as a session id when the
// configuration names none: the usual names of popular frameworks.
var DefaultSessionCookies = []string{
	"sid", "session", "sessionid", "session_id", "jsessionid", "phpsessid",
	"asp.net_sessionid", "connect.sid", "laravel_session", "_session_id",
}

// redacted is what APM agents write in place of sensitive values.
const redacted = "[REDACTED]"

// sessionID returns the request's session id: session.id when the
// document has one, else the first cookie whose name is in names
// (case-insensitive). Redacted or empty values are no session id.
func sessionID(ev *triage.Event, names []string) string {
	if ev.SessionID != "" && ev.SessionID != redacted {
		return ev.SessionID
	}
	for _, c := range ev.Cookies {
		if c.Value == "" || c.Value == redacted {
			continue
		}
		for _, n := range names {
			if strings.EqualFold(c.Name, n) {
				return c.Value
			}
		}
	}
	return ""
}

// Kinds of actor, as actorOf names them.
const (
	actorNone    byte = 0
	actorUser    byte = 'u'
	actorSession byte = 's'
	actorIPv4    byte = '4'
	actorIPv6    byte = '6'
)

// actorOf says who made a request, for per-actor state: the user when
// logged in, else the session, else the source address (ev.SourceIP; name
// is then empty). Users behind one NAT address are told apart as soon as
// they log in or get a session.
func actorOf(ev *triage.Event, sessionNames []string) (kind byte, name string) {
	if ev.UserName != "" {
		return actorUser, ev.UserName
	}
	if s := sessionID(ev, sessionNames); s != "" {
		return actorSession, s
	}
	switch a := ev.SourceIP; {
	case a.Is4():
		return actorIPv4, ""
	case a.IsValid():
		return actorIPv6, ""
	}
	return actorNone, ""
}

// actorKey names the actor as text ("user:alice", "session:…", "ip:…").
func actorKey(ev *triage.Event, sessionNames []string) string {
	switch kind, name := actorOf(ev, sessionNames); kind {
	case actorUser:
		return "user:" + name
	case actorSession:
		return "session:" + name
	case actorIPv4, actorIPv6:
		return "ip:" + ev.SourceIP.String()
	}
	return ""
}

// actorHash names the actor as a hash, without building the key string.
// It is deterministic, so the actor estimates in reasons are the same on
// every run; 0 means no actor.
func actorHash(ev *triage.Event, sessionNames []string) uint64 {
	var h uint64
	switch kind, name := actorOf(ev, sessionNames); kind {
	case actorNone:
		return 0
	case actorIPv4:
		b := ev.SourceIP.As4()
		h = hashString(hashSeed^uint64(kind), string(b[:]))
	case actorIPv6:
		b := ev.SourceIP.As16()
		h = hashString(hashSeed^uint64(kind), string(b[:]))
	default:
		h = hashString(hashSeed^uint64(kind), name)
	}
	return h | 1
}

// actorMemo remembers the actor key of the event being judged, so the
// windowed points that share it build the string once per event. Points
// of one Detectors set run on one goroutine, one event at a time.
type actorMemo struct {
	sess []string
	ev   *triage.Event
	k    string
}

func (m *actorMemo) key(ev *triage.Event) string {
	if m.ev != ev {
		m.ev, m.k = ev, actorKey(ev, m.sess)
	}
	return m.k
}

// routeKey identifies the route a request hit: APM's transaction.name
// ("GET /users/:id") when present, else the method and the path with ids
// normalised, so /orders/17 and /orders/18 are one route.
func routeKey(ev *triage.Event) string { return routeKeyFor(ev, ev.Method) }

// routeKeyFor is routeKey for one of the request's methods.
func routeKeyFor(ev *triage.Event, method string) string {
	if ev.Route != "" {
		return ev.Route
	}
	return method + " " + normPath(ev.URLPath)
}

// normPath replaces path segments that are ids — numbers, UUIDs, long hex
// strings — with placeholders. Most paths hold none and come back as they
// are, without allocating.
func normPath(p string) string {
	if p == "" {
		return "/"
	}
	for rest := p; ; {
		seg, more, found := strings.Cut(rest, "/")
		if idPlaceholder(seg) != "" {
			break
		}
		if !found {
			return p
		}
		rest = more
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if r := idPlaceholder(s); r != "" {
			segs[i] = r
		}
	}
	return strings.Join(segs, "/")
}

func idPlaceholder(s string) string {
	switch {
	case s == "":
		return ""
	case isNumber(s):
		return ":id"
	case isUUID(s):
		return ":uuid"
	case len(s) >= 12 && isHexString(s):
		return ":hex"
	}
	return ""
}

// objectID returns the numeric or UUID id in a path, if any: what ACE1
// watches an actor walk through.
func objectID(p string) (string, bool) {
	for rest := p; ; {
		seg, more, found := strings.Cut(rest, "/")
		if isNumber(seg) || isUUID(seg) {
			return seg, true
		}
		if !found {
			return "", false
		}
		rest = more
	}
}

// isNumber reports whether s is a decimal number that fits 64 bits.
func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	if len(s) < 20 {
		return true
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

var staticExts = []string{
	".js", ".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".woff", ".woff2",
	".ttf", ".eot", ".map", ".mp4", ".webm", ".txt", ".xml", ".json", ".avif",
}

// isStatic reports whether a path is a static asset: force-browsing and
// usage points ignore those, since browsers fetch them on their own. Most
// dynamic paths have no dot in their last segment and no asset prefix,
// which is tested first. Case is ignored for ASCII letters only.
func isStatic(p string) bool {
	for i := len(p) - 1; i >= 0 && p[i] != '/'; i-- {
		if p[i] == '.' {
			for _, e := range staticExts {
				if hasSuffixFoldASCII(p, e) {
					return true
				}
			}
			break
		}
	}
	if len(p) < 8 {
		return false
	}
	switch p[1] | 0x20 {
	case 's':
		return hasPrefixFoldASCII(p, "/static/")
	case 'a':
		return hasPrefixFoldASCII(p, "/assets/")
	case 'i':
		return hasPrefixFoldASCII(p, "/images/")
	}
	return false
}

// upperMethod returns the method in upper case, as strings.ToUpper does,
// allocating only for the lower-case methods of ECS before 1.6.
func upperMethod(m string) string {
	for i := 0; i < len(m); i++ {
		if c := m[i]; 'a' <= c && c <= 'z' || c >= 0x80 {
			return strings.ToUpper(m)
		}
	}
	return m
}
