package appsensor

import (
	"fmt"
	"hash/maphash"
	"net/netip"
	"slices"
	"strings"
	"time"

	"picket/triage"
)

// ActorOptions tune the windowed points judged per actor (user, else
// session, else address). Zero thresholds take the defaults.
type ActorOptions struct {
	ACE1, ACE2, ACE3, ACE4, UT2, FIO2 Threshold
	// MaxActors caps each point's actor table (least recently seen actors
	// are dropped first); 0 means DefaultMaxActors.
	MaxActors int
}

// DefaultActor returns the windowed defaults; the README gives each one's
// source.
func DefaultActor() ActorOptions {
	return ActorOptions{
		ACE1: Threshold{3, 5 * time.Minute},
		ACE2: Threshold{3, 5 * time.Minute},
		ACE3: Threshold{10, 2 * time.Minute},
		ACE4: Threshold{2, 10 * time.Minute},
		UT2:  Threshold{120, time.Minute},
		FIO2: Threshold{20, 10 * time.Minute},
	}
}

func (o ActorOptions) withDefaults() ActorOptions {
	d := DefaultActor()
	for _, p := range []struct{ t, d *Threshold }{{&o.ACE1, &d.ACE1}, {&o.ACE2, &d.ACE2}, {&o.ACE3, &d.ACE3}, {&o.ACE4, &d.ACE4}, {&o.UT2, &d.UT2}, {&o.FIO2, &d.FIO2}} {
		if p.t.Count <= 0 || p.t.Window <= 0 {
			*p.t = *p.d
		}
	}
	if o.MaxActors <= 0 {
		o.MaxActors = DefaultMaxActors
	}
	return o
}

func isDenied(status int, codes ...int) bool {
	for _, c := range codes {
		if status == c {
			return true
		}
	}
	return false
}

func isWrite(method string) bool {
	switch upperMethod(method) {
	case "POST", "PUT", "PATCH", "DELETE":
		return true
	}
	return false
}

func isRead(method string) bool { return !isWrite(method) }

func newAccessPoints(opts Options, cache *partsCache) []triage.Detector {
	ao := opts.Actor.withDefaults()
	sess := opts.sessionCookies()
	actor := &actorMemo{sess: sess}
	mk := func(id, summary string, th Threshold, distinct bool) *windowPoint {
		w := newWindowPoint(id, summary, th, distinct)
		w.maxActors = ao.MaxActors
		w.reputation = opts.Reputation
		return w
	}

	ace1 := mk("ACE1", "403/404 answers while one actor walks object ids on a route", ao.ACE1, true)
	ace1.qualify = func(ev *triage.Event) (string, string, bool) {
		if !isDenied(ev.StatusCode, 403, 404) {
			return "", "", false
		}
		if _, read := cache.anyOf(ev, fieldMethod, isRead); !read {
			return "", "", false
		}
		id, ok := objectID(ev.URLPath)
		if !ok {
			return "", "", false
		}
		return actor.key(ev) + " " + routeKey(ev), id, true
	}
	ace1.describe = func(vals []string, n, events int, d time.Duration) string {
		return fmt.Sprintf("%d object ids refused or missing in %d requests over %s: %s", n, events, span(d), listValues(vals, n))
	}

	ace2 := mk("ACE2", "writes (POST/PUT/PATCH/DELETE) on id-taking routes answered 403/404/422", ao.ACE2, false)
	ace2.qualify = func(ev *triage.Event) (string, string, bool) {
		if !isDenied(ev.StatusCode, 403, 404, 422) {
			return "", "", false
		}
		m, write := cache.anyOf(ev, fieldMethod, isWrite)
		if !write {
			return "", "", false
		}
		if _, ok := objectID(ev.URLPath); !ok && !strings.Contains(ev.Route, ":") {
			return "", "", false
		}
		return actor.key(ev), m + " " + ev.URLPath, true
	}
	ace2.describe = func(vals []string, n, events int, d time.Duration) string {
		return fmt.Sprintf("%d writes to objects refused over %s: %s", events, span(d), listValues(vals, n))
	}

	ace3 := mk("ACE3", "404/403/400 answers on many distinct non-static paths (force browsing)", ao.ACE3, true)
	ace3.qualify = func(ev *triage.Event) (string, string, bool) {
		if !isDenied(ev.StatusCode, 404, 403, 400) || ev.URLPath == "" || isStatic(ev.URLPath) {
			return "", "", false
		}
		return actor.key(ev), ev.URLPath, true
	}
	ace3.describe = func(vals []string, n, events int, d time.Duration) string {
		return fmt.Sprintf("%d distinct paths refused or missing over %s: %s", n, span(d), listValues(vals, n))
	}

	ace4 := newACE4(mk("ACE4", "POSTs answered 403 on routes this actor never reached successfully", ao.ACE4, true), actor, cache, ao.MaxActors)

	ut2 := mk("UT2", "requests for pages (static assets excluded) faster than a person browses", ao.UT2, false)
	ut2.qualify = func(ev *triage.Event) (string, string, bool) {
		if ev.Method == "" || isStatic(ev.URLPath) {
			return "", "", false
		}
		return actor.key(ev), "", true
	}
	ut2.describe = func(_ []string, _, events int, d time.Duration) string {
		return fmt.Sprintf("%d page requests in %s", events, span(d))
	}

	fio2 := mk("FIO2", "many file uploads (multipart POSTs) by one actor", ao.FIO2, false)
	fio2.qualify = func(ev *triage.Event) (string, string, bool) {
		if !strings.Contains(strings.ToLower(ev.Headers.ContentType), "multipart/form-data") {
			return "", "", false
		}
		if _, write := cache.anyOf(ev, fieldMethod, isWrite); !write {
			return "", "", false
		}
		return actor.key(ev), "", true
	}
	fio2.describe = func(_ []string, _, events int, d time.Duration) string {
		return fmt.Sprintf("%d uploads in %s", events, span(d))
	}

	return []triage.Detector{ace1, ace2, ace3, ace4, newSessionPoint("SE5", sess, ao.MaxActors, cache), newSessionPoint("SE6", sess, ao.MaxActors, cache), ut2, fio2}
}

// ace4 wraps a window point with each actor's set of routes reached
// successfully: a 403 on one of those (an expired CSRF token on the cart)
// is not ACE4, a 403 on a route the actor never saw is.
type ace4 struct {
	*windowPoint
	reached *table[string, routeSet]
	actor   *actorMemo
}

// routeSet remembers, as hashes, the routes one actor reached
// successfully: at most maxReached, the most recent ones, so a busy
// actor costs half a kilobyte, not a map of every path it ever visited.
type routeSet struct {
	hashes []uint64
	next   int
}

const maxReached = 64

var routeSeed = maphash.MakeSeed()

func (r *routeSet) add(route string) {
	h := maphash.String(routeSeed, route)
	if slices.Contains(r.hashes, h) {
		return
	}
	if len(r.hashes) < maxReached {
		r.hashes = append(r.hashes, h)
		return
	}
	r.hashes[r.next] = h
	r.next = (r.next + 1) % maxReached
}

func (r *routeSet) has(route string) bool {
	return slices.Contains(r.hashes, maphash.String(routeSeed, route))
}

func (a *ace4) Lints() []triage.Lint {
	return append(a.windowPoint.Lints(), evictionLint(a.info.ID, a.reached.evicted, fmt.Sprintf("more than %d actors with routes reached", a.maxActors),
		"the routes the actor seen least recently had reached were forgotten (a 403 there may then count)")...)
}

func newACE4(w *windowPoint, am *actorMemo, cache *partsCache, maxActors int) *ace4 {
	a := &ace4{windowPoint: w, reached: newTable[string, routeSet](maxActors), actor: am}
	w.qualify = func(ev *triage.Event) (string, string, bool) {
		actor := am.key(ev)
		if ev.StatusCode >= 200 && ev.StatusCode < 400 {
			set, _ := a.reached.upsert(actor)
			cache.eachOf(ev, fieldMethod, func(m string) { set.add(routeKeyFor(ev, m)) })
			return "", "", false
		}
		if ev.StatusCode != 403 {
			return "", "", false
		}
		m, post := cache.anyOf(ev, fieldMethod, func(m string) bool { return strings.EqualFold(m, "POST") })
		if !post {
			return "", "", false
		}
		route := routeKeyFor(ev, m)
		if set := a.reached.get(actor); set != nil && set.has(route) {
			return "", "", false
		}
		return actor, route, true
	}
	w.describe = func(vals []string, n, events int, d time.Duration) string {
		return fmt.Sprintf("%d POSTs refused with 403 over %s on routes never reached successfully: %s", events, span(d), listValues(vals, n))
	}
	return a
}

// sessionState is what SE5 and SE6 remember of one session.
type sessionState struct {
	prefix netip.Prefix   // where the session began
	ua     string         // the agent it began with
	seenP  []netip.Prefix // networks already reported, so each fires once
	seenUA []string
}

// sessionPoint is SE5 (one session from a different network) or SE6 (the
// user agent changes within a session). A change is judged against the
// session's first request.
type sessionPoint struct {
	*point
	id       string
	sess     []string
	sessions *table[string, sessionState]
	cache    *partsCache
}

func newSessionPoint(id string, sess []string, maxSessions int, cache *partsCache) *sessionPoint {
	summary := map[string]string{
		"SE5": "one session used from a different network (IPv4 /24, IPv6 /48)",
		"SE6": "the user agent changes within one session",
	}[id]
	s := &sessionPoint{id: id, sess: sess, sessions: newTable[string, sessionState](maxSessions), cache: cache}
	s.point = &point{b: newBursts(pointInfo(id, summary), "request")}
	s.point.check = s.check
	return s
}

func (s *sessionPoint) Lints() []triage.Lint {
	return append(s.point.Lints(), evictionLint(s.b.info.ID, s.sessions.evicted, fmt.Sprintf("more than %d sessions at once", s.sessions.limit),
		"the session seen least recently was forgotten (its next request starts it afresh)")...)
}

// networkOf returns the /24 or /48 an address belongs to: mobile users
// move inside their carrier's block; a hijacked session comes from
// elsewhere.
func networkOf(a netip.Addr) netip.Prefix {
	bits := 24
	if a.Is6() {
		bits = 48
	}
	p, _ := a.Prefix(bits)
	return p
}

func (s *sessionPoint) check(ev *triage.Event) (string, bool) {
	sid := sessionID(ev, s.sess)
	if sid == "" || !ev.SourceIP.IsValid() {
		return "", false
	}
	st, added := s.sessions.upsert(sid)
	if added {
		*st = sessionState{prefix: networkOf(ev.SourceIP), ua: ev.UserAgent}
		return "", false
	}
	switch s.id {
	case "SE5":
		if p := networkOf(ev.SourceIP); p != st.prefix && !slices.Contains(st.seenP, p) {
			if len(st.seenP) < 16 {
				st.seenP = append(st.seenP, p)
			}
			return fmt.Sprintf("session %s… began in %s, now from %s", clip(short(sid), 12), st.prefix, ev.SourceIP), true
		}
	case "SE6":
		if st.ua == "" {
			break
		}
		ua, changed := s.cache.anyOf(ev, fieldUserAgent, func(ua string) bool {
			return ua != st.ua && ua != "" && !slices.Contains(st.seenUA, ua)
		})
		if changed {
			if len(st.seenUA) < 16 {
				st.seenUA = append(st.seenUA, ua)
			}
			return fmt.Sprintf("session %s… began with %s, now %s", clip(short(sid), 12), clip(st.ua, 40), clip(ua, 40)), true
		}
	}
	return "", false
}

// short keeps the start of a session id: enough to tell sessions apart in
// a reason without printing the whole secret.
func short(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}
