package appsensor

import (
	"slices"
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

// actorKey names who made a request for per-actor windows: the user when
// logged in, else the session, else the source address. Users behind one
// NAT address are told apart as soon as they log in or get a session.
func actorKey(ev *triage.Event, sessionNames []string) string {
	if ev.UserName != "" {
		return "user:" + ev.UserName
	}
	if s := sessionID(ev, sessionNames); s != "" {
		return "session:" + s
	}
	if ev.SourceIP.IsValid() {
		return "ip:" + ev.SourceIP.String()
	}
	return ""
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
func routeKey(ev *triage.Event) string {
	if ev.Route != "" {
		return ev.Route
	}
	return ev.Method + " " + normalizePath(ev.URLPath)
}

// normalizePath replaces path segments that are ids — numbers, UUIDs,
// long hex strings — with placeholders.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	changed := false
	for i, s := range segs {
		if r := idPlaceholder(s); r != "" {
			segs[i], changed = r, true
		}
	}
	if !changed {
		return p
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
	for _, s := range strings.Split(p, "/") {
		if isNumber(s) || isUUID(s) {
			return s, true
		}
	}
	return "", false
}

func isNumber(s string) bool {
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
// usage points ignore those, since browsers fetch them on their own.
func isStatic(p string) bool {
	lp := strings.ToLower(p)
	if strings.HasPrefix(lp, "/static/") || strings.HasPrefix(lp, "/assets/") || strings.HasPrefix(lp, "/images/") || lp == "/favicon.ico" {
		return true
	}
	for _, e := range staticExts {
		if strings.HasSuffix(lp, e) {
			return true
		}
	}
	return false
}

func sortStrings(s []string) { slices.Sort(s) }
