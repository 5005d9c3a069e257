package appsensor

// Why this file is long: RE1, RE3-RE7 all learn from the same per-route
// profile (methods, parameters, lengths, content types); the profile and
// the points that read it are kept together so they cannot drift apart.

import (
	"fmt"
	"strings"
	"time"

	"picket/triage"
)

// The route model behind RE1, RE3, RE4 (which methods a resource takes)
// and RE5, RE6, RE7 (which parameters a resource and method carry, how
// long their values are, which headers come with them). Resources are path
// templates: transaction.name's template when the agent matched a route,
// else the path with ids normalised.

// Where a learned parameter was sent.
const (
	wQuery uint8 = 1 << iota
	wForm
)

// Limits of one request's parameters considered, and of methods per
// resource: both far above honest use.
const (
	maxReqParams          = 64
	maxMethodsPerResource = 12
)

// RE7's global caps, from the CRS example configuration (crs-setup.conf:
// arg_name_length 100, arg_length 400). The 400-character value cap is
// raised to 4000 and kept to query values: form and JSON fields hold free
// text, and query values carry tokens (JWTs, SAML requests) far over 400.
const (
	maxParamNameLen  = 100
	maxUnlearnedQLen = 4000
)

// trackingParams are marketing and analytics parameters that links add
// to any URL: RE5-RE7 never judge them.
var trackingParams = []string{
	"gclid", "gclsrc", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "yclid", "twclid", "ttclid",
	"li_fat_id", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "__hstc", "__hssc",
	"__hsfp", "hsctatracking", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv",
	"s_kwcid", "ef_id", "epik", "rb_clickid", "srsltid", "ref", "ref_src", "_",
}

// resStat is what is known of one resource.
type resStat struct {
	methods []*methodStat
	who     contribs
	ready   bool // enough evidence whoever is judged
}

func (r *resStat) find(method string) *methodStat {
	for _, ms := range r.methods {
		if ms.method == method {
			return ms
		}
	}
	return nil
}

// methodStat is what other actors' successful requests taught about one
// method of a resource.
type methodStat struct {
	method string
	n      uint32    // learned requests
	nForm  uint32    // of which carried a form body
	nHdr   uint32    // of which had their headers captured
	hdr    [3]uint32 // of those, how many carried Host, User-Agent, Accept
	// What RE6 expects, worked out again every few learned requests:
	// parameters (by index) carried by nearly every request, those only
	// sent in form bodies, and headers (bits as in hdr).
	reqQuery, reqForm uint64
	reqHdr            uint8
	reqAt             uint32   // n when they were worked out
	hashes            []uint64 // of the parameter names, for a quick find
	params            []paramStat
	actors            actorList
	seen              lcount
	// overflow lists actors whose requests carried names past MaxParams:
	// the route takes free-form names, so new ones are no news.
	overflow pair

	// For the trend points: what kind of transaction this is, and its
	// hourly counts. Last, after every pointer, so the garbage collector
	// does not scan them.
	kind uint8
	s    series
}

func (ms *methodStat) find(name string, h uint64) int {
	for i, g := range ms.hashes {
		if g == h && ms.params[i].name == name {
			return i
		}
	}
	return -1
}

// expectations works out again what RE6 expects. A parameter or header
// counts once MinSamples requests of at least two actors carried it and it
// is in RequiredShare of the learned requests: with two actors, someone
// other than the one judged always vouches for it.
func (ms *methodStat) expectations(o *LearnOptions) {
	ms.reqAt = ms.n
	ms.reqQuery, ms.reqForm, ms.reqHdr = 0, 0, 0
	for i := range ms.params {
		ps := &ms.params[i]
		if int(ps.present) < o.MinSamples || ps.seen[1] == 0 {
			continue
		}
		if ps.where == wForm {
			if float64(ps.present) >= o.RequiredShare*float64(ms.nForm) {
				ms.reqForm |= 1 << i
			}
		} else if float64(ps.present) >= o.RequiredShare*float64(ms.n) {
			ms.reqQuery |= 1 << i
		}
	}
	if int(ms.nHdr) >= o.MinSamples {
		for i, c := range ms.hdr {
			if float64(c) >= o.RequiredShare*float64(ms.nHdr) {
				ms.reqHdr |= 1 << i
			}
		}
	}
}

// lenBy is a value length and who sent it.
type lenBy struct {
	n   uint32
	who uint64
}

// paramStat is what is known of one parameter of a route and method.
type paramStat struct {
	name    string
	where   uint8
	present uint32 // learned requests carrying it
	samples uint32 // learned values
	seen    pair   // who sent it
	multi   pair   // who repeated it within one request
	spaced  pair   // who sent a value with white space: free text
	// The longest and shortest values from two distinct actors: with
	// them the extremes over everyone but the judged actor are exact.
	hi, lo [2]lenBy
}

func (p *paramStat) noteLen(n uint32, who uint64) {
	// Most values fall inside what is known: two comparisons and done.
	if p.hi[1].who != 0 && n <= p.hi[1].n && n >= p.lo[1].n {
		return
	}
	noteHigh(&p.hi, n, who)
	noteLow(&p.lo, n, who)
}

// noteHigh keeps the two longest values from distinct actors.
func noteHigh(x *[2]lenBy, n uint32, who uint64) {
	switch {
	case x[0].who == who:
		x[0].n = max(x[0].n, n)
	case x[1].who == who:
		if n > x[1].n {
			x[1].n = n
			if x[1].n > x[0].n {
				x[0], x[1] = x[1], x[0]
			}
		}
	case x[0].who == 0 || n > x[0].n:
		x[1], x[0] = x[0], lenBy{n, who}
	case x[1].who == 0 || n > x[1].n:
		x[1] = lenBy{n, who}
	}
}

// noteLow keeps the two shortest values from distinct actors.
func noteLow(x *[2]lenBy, n uint32, who uint64) {
	switch {
	case x[0].who == who:
		x[0].n = min(x[0].n, n)
	case x[1].who == who:
		if n < x[1].n {
			x[1].n = n
			if x[1].n < x[0].n {
				x[0], x[1] = x[1], x[0]
			}
		}
	case x[0].who == 0 || n < x[0].n:
		x[1], x[0] = x[0], lenBy{n, who}
	case x[1].who == 0 || n < x[1].n:
		x[1] = lenBy{n, who}
	}
}

// extremeOther is the extreme over every actor but who.
func extremeOther(x [2]lenBy, who uint64) (uint32, bool) {
	if x[0].who != 0 && x[0].who != who {
		return x[0].n, true
	}
	if x[1].who != 0 {
		return x[1].n, true
	}
	return 0, false
}

// reqParam is one parameter of the request being judged.
type reqParam struct {
	name, value string
	hash        uint64
	where       uint8
	idx         int16 // index in the learned parameters; -1 when unknown
	count       uint8 // occurrences, on the first one
	repeat      bool  // a later occurrence of an earlier name
}

func (rp *reqParam) label() string {
	if rp.where == wForm {
		return "form field " + clip(rp.name, 40)
	}
	return "query parameter " + clip(rp.name, 40)
}

// siteStat is the site-wide method knowledge RE1 falls back on for the
// dangerous methods when a resource has no baseline yet.
type siteStat struct {
	n       uint32
	actors  actorList
	seen    lcount
	methods []siteMethod
}

type siteMethod struct {
	method string
	by     pair
}

// pick returns point id's part of the verdict: the hit's detail ("" for
// none), how many hits within gateWindow make a finding, and an optional
// re-check before they are reported.
func (v *routeVerdict) pick(id string) (string, int, func() bool) {
	switch id {
	case "RE5":
		return v.re5, 3, v.re5Still
	case "RE6":
		return v.re6, 3, nil
	case "RE7":
		return v.re7, 1, nil
	case v.methodKind:
		return v.methodDetail, v.methodNeed, v.methodStill
	}
	return "", 0, nil
}

// routeVerdict is what the model found in one request.
type routeVerdict struct {
	methodKind   string // "RE1", "RE3", "RE4" or ""
	methodDetail string
	methodNeed   int
	methodStill  func() bool
	re5          string
	re5Still     func() bool
	re6, re7     string
}

type routeModel struct {
	o      LearnOptions
	sh     *learnShared
	cache  *partsCache
	res    *table[uint64, resStat] // by hash of the resource path
	ignore map[string]bool
	site   siteStat

	ev      *triage.Event
	v       routeVerdict
	dirty   bool // v holds a verdict to clear
	req     []reqParam
	reqMask uint64 // learned parameters present in the request
	hasForm bool   // the request carried a form body

	requests   int // requests seen
	methodWarm int // requests RE1/RE3/RE4 could not judge yet
	paramWarm  int // requests RE5-RE7 could not judge yet

	// cur is the learned method of the resource ev addressed, after ev was
	// learned from; nil when none. The trend points count on it.
	cur *methodStat
	// onDrop sees a method's stats before its resource is forgotten.
	onDrop        func(*methodStat)
	login, logout []string // lower-cased markers of login and logout routes
}

func newRouteModel(o LearnOptions, sh *learnShared, cache *partsCache) *routeModel {
	ig := map[string]bool{}
	for _, n := range trackingParams {
		ig[n] = true
	}
	for _, n := range o.IgnoreParams {
		ig[strings.ToLower(n)] = true
	}
	m := &routeModel{o: o, sh: sh, cache: cache, res: newTable[uint64, resStat](o.MaxRoutes).approximate(o.MaxRoutes / 4), ignore: ig,
		login: lowerAll(o.LoginMarkers), logout: lowerAll(o.LogoutMarkers)}
	m.res.onEvict = func(_ uint64, r *resStat) {
		if m.onDrop != nil {
			for _, ms := range r.methods {
				m.onDrop(ms)
			}
		}
	}
	return m
}

func (m *routeModel) ignored(name string) bool {
	if len(name) >= 4 && name[0]|0x20 == 'u' && name[1]|0x20 == 't' && name[2]|0x20 == 'm' && name[3] == '_' {
		return true
	}
	if m.ignore[name] {
		return true
	}
	for i := 0; i < len(name); i++ {
		if 'A' <= name[i] && name[i] <= 'Z' {
			return m.ignore[strings.ToLower(name)]
		}
	}
	return false
}

// step judges ev against what was learned before it, then learns from it
// if it is clean. It runs once per event, whichever point asks first.
func (m *routeModel) step(ev *triage.Event) *routeVerdict {
	if m.ev == ev {
		return &m.v
	}
	m.ev = ev
	if m.dirty {
		m.v, m.dirty = routeVerdict{}, false
	}
	m.cur = nil
	if !isHTTPRequest(ev) {
		return &m.v
	}
	path, ph, method := m.sh.resource(ev)
	m.requests++
	who := m.sh.actor(ev)
	r := m.res.get(ph)
	var ms *methodStat
	if r != nil {
		ms = r.find(method)
	}
	m.cur = ms
	m.collect(ev, ms)
	if !m.judgeMethod(r, ph, path, method, who) {
		m.methodWarm++
	}
	if m.v.methodKind == "" && m.cache.multiValued(ev, fieldMethod) {
		// Any other method the document lists is judged too (learning
		// stays with the first: one request teaches one method).
		m.cache.anyOf(ev, fieldMethod, func(other string) bool {
			if other = upperMethod(other); other != "" && other != method {
				m.judgeMethod(r, ph, path, other, who)
			}
			return m.v.methodKind != ""
		})
	}
	m.judgeParams(ev, ph, path, method, ms, who)
	m.dirty = m.v.methodKind != "" || m.v.re5 != "" || m.v.re6 != "" || m.v.re7 != ""
	if who == 0 || !isClean(ev.StatusCode) {
		return &m.v
	}
	if r == nil {
		r = m.res.add(ph)
	}
	if !r.who.admit(who, m.sh.today(ev), m.o.ActorDailyCap) {
		return &m.v
	}
	if ms == nil {
		if len(r.methods) >= maxMethodsPerResource {
			return &m.v
		}
		ms = &methodStat{method: strings.Clone(method), kind: m.classify(path, method)}
		ms.s = newSeries(hourOf(ev.Timestamp))
		r.methods = append(r.methods, ms)
		m.cur = ms
	}
	m.learn(ev, ms, who)
	m.site.learn(method, who, m.o.MinActors+1)
	return &m.v
}

// classify says what the trend points make of a route: a login or logout
// route (by marker in the path), a static asset, or another transaction.
func (m *routeModel) classify(path, method string) uint8 {
	switch {
	case isStatic(path):
		return kindSkip
	case method == "HEAD" || method == "OPTIONS":
		return kindSkip
	}
	for _, mk := range m.logout {
		if containsFoldASCII(path, mk) {
			return kindLogout
		}
	}
	for _, mk := range m.login {
		if containsFoldASCII(path, mk) {
			if method == "GET" {
				return kindSkip // showing the form is not an attempt
			}
			return kindLogin
		}
	}
	return kindOther
}

func hourOf(t time.Time) int64 {
	if t.IsZero() || t.Unix() < 0 {
		return 0
	}
	return t.Unix() / 3600
}

// collect lists the request's query and form parameters, skipping
// tracking parameters, and matches them with the learned ones.
func (m *routeModel) collect(ev *triage.Event, ms *methodStat) {
	m.req, m.reqMask, m.hasForm = m.req[:0], 0, false
	if ev.URLQuery == "" && ev.Body == "" && !strings.Contains(ev.URLOriginal, "?") {
		return
	}
	parts := m.cache.get(ev)
	for i := range parts {
		p := &parts[i]
		var w uint8
		switch p.Where {
		case InQueryName:
			w = wQuery
		case InFormName:
			w = wForm
			m.hasForm = true
		default:
			continue
		}
		if p.Name == "" || m.ignored(p.Name) {
			continue
		}
		if len(m.req) >= maxReqParams {
			break
		}
		var val string
		if i+1 < len(parts) && parts[i+1].Where == p.Where+1 { // the value follows its name
			val = parts[i+1].Value
		}
		rp := reqParam{name: p.Name, value: val, hash: hashString(hashSeed, p.Name), where: w, idx: -1, count: 1}
		for j := range m.req {
			if q := &m.req[j]; !q.repeat && q.where == w && q.hash == rp.hash && q.name == p.Name {
				if q.count < 255 {
					q.count++
				}
				rp.repeat, rp.idx = true, q.idx
				break
			}
		}
		if !rp.repeat && ms != nil {
			if k := ms.find(p.Name, rp.hash); k >= 0 {
				rp.idx = int16(k)
				m.reqMask |= 1 << k
			}
		}
		m.req = append(m.req, rp)
	}
}

func isDangerousMethod(m string) bool {
	switch m {
	case "TRACE", "TRACK", "DEBUG", "CONNECT":
		return true
	}
	return false
}

// evidence sums what a resource learned over its methods (HEAD and
// OPTIONS aside): requests, distinct actors (exact up to the tracked
// lists), whether who is one of them, and the actor sketch.
func (r *resStat) evidence(who uint64) (n, distinct int, hasWho bool, seen lcount) {
	var ids [maxTrackedActors]uint64
	for _, ms := range r.methods {
		if ms.method == "HEAD" || ms.method == "OPTIONS" {
			continue
		}
		n += int(ms.n)
		seen.or(&ms.seen)
	next:
		for _, h := range ms.actors.h[:ms.actors.n] {
			for _, g := range ids[:distinct] {
				if g == h {
					continue next
				}
			}
			if distinct == len(ids) {
				break
			}
			ids[distinct] = h
			distinct++
			hasWho = hasWho || h == who
		}
	}
	return n, distinct, hasWho, seen
}

// knownMethods lists the methods other actors used successfully.
func (r *resStat) knownMethods(who uint64) []string {
	var out []string
	for _, ms := range r.methods {
		if ms.method != "HEAD" && ms.method != "OPTIONS" && ms.actors.others(who) > 0 {
			out = append(out, ms.method)
		}
	}
	return out
}

func learnedFrom(n int, seen *lcount, list int, who uint64, noun string) string {
	others := otherActors(seen, list, who)
	a := "actors"
	if others == 1 {
		a = "actor"
	}
	return fmt.Sprintf("%d %s by %d other %s", n, noun, others, a)
}

// judgeMethod judges one method of the request; false means the route
// (and the site, for a dangerous method) had no baseline yet.
func (m *routeModel) judgeMethod(r *resStat, ph uint64, path, method string, who uint64) bool {
	if method == "HEAD" || method == "OPTIONS" {
		return true // always allowed (health checks, CORS preflight)
	}
	dangerous := isDangerousMethod(method)
	if r != nil {
		ready := r.ready
		if !ready {
			n, distinct, hasWho, _ := r.evidence(who)
			others := distinct
			if hasWho {
				others--
			}
			ready = n >= m.o.MinRequests && others >= m.o.MinActors
			// With one actor more than needed, no actor's absence can
			// take the resource below the bar again.
			r.ready = n >= m.o.MinRequests && distinct > m.o.MinActors
		}
		if ready {
			if ms := r.find(method); ms != nil && ms.actors.others(who) > 0 {
				return true
			}
			m.methodVerdict(r, ph, path, method, who, dangerous)
			return true
		}
	}
	if dangerous && int(m.site.n) >= m.o.MinRequests && m.site.actors.others(who) >= m.o.MinActors {
		if !m.site.byOther(method, who) {
			m.v.methodKind, m.v.methodNeed = "RE1", 1
			m.v.methodDetail = fmt.Sprintf("%s on %s, a method no other actor used successfully anywhere on the site (learned from %s)",
				clip(method, 24), clip(path, 80), learnedFrom(int(m.site.n), &m.site.seen, m.site.actors.others(who), who, "successful requests"))
		}
		return true
	}
	return false
}

// methodVerdict words a method the resource's baseline never saw from
// other actors as RE3, RE4 or RE1.
func (m *routeModel) methodVerdict(r *resStat, ph uint64, path, method string, who uint64, dangerous bool) {
	n, distinct, hasWho, seen := r.evidence(who)
	if hasWho {
		distinct--
	}
	known := r.knownMethods(who)
	from := "learned from " + learnedFrom(n, &seen, distinct, who, "successful requests")
	v := &m.v
	v.methodStill = func() bool {
		r := m.res.peek(ph)
		if r == nil {
			return true
		}
		ms := r.find(method)
		return ms == nil || ms.actors.others(who) == 0
	}
	switch {
	case method == "GET" && len(known) == 1 && known[0] == "POST":
		v.methodKind, v.methodNeed = "RE3", 3
		v.methodDetail = fmt.Sprintf("GET on POST-only route POST %s (%s)", clip(path, 80), from)
	case method == "POST" && len(known) == 1 && known[0] == "GET":
		v.methodKind, v.methodNeed = "RE4", 1
		v.methodDetail = fmt.Sprintf("POST on GET-only route GET %s (%s)", clip(path, 80), from)
	default:
		v.methodKind, v.methodNeed = "RE1", 3
		if dangerous {
			v.methodNeed = 1
		}
		v.methodDetail = fmt.Sprintf("%s on %s, where other actors used only %s (%s)", clip(method, 24), clip(path, 80), listValues(known, len(known)), from)
	}
}

func (s *siteStat) byOther(method string, who uint64) bool {
	for _, sm := range s.methods {
		if sm.method == method {
			return sm.by.byOther(who)
		}
	}
	return false
}

func (s *siteStat) learn(method string, who uint64, keep int) {
	s.n++
	if int(s.actors.n) < keep {
		s.actors.add(who, keep)
	}
	s.seen.add(who)
	for i := range s.methods {
		if s.methods[i].method == method {
			if s.methods[i].by[1] == 0 {
				s.methods[i].by.add(who)
			}
			return
		}
	}
	if len(s.methods) < 32 {
		s.methods = append(s.methods, siteMethod{method: strings.Clone(method), by: pair{who}})
	}
}

// upperLimit is how long a value may be given the longest other actors
// sent: twice that and 32 characters more, or for free-text parameters
// four times and 1024 more.
func upperLimit(hi uint32, free bool) int {
	if free {
		return int(max(4*hi, hi+1024))
	}
	return int(max(2*hi, hi+32))
}

func (m *routeModel) judgeParams(ev *triage.Event, ph uint64, path, method string, ms *methodStat, who uint64) {
	m.capCheck(ms, who)
	if ms == nil || int(ms.n) < m.o.MinRequests || ms.actors.others(who) < m.o.MinActors {
		m.paramWarm++
		return
	}
	route := lazyRoute{method: method, path: path}
	from := func(n uint32, noun string) string {
		return learnedFrom(int(n), &ms.seen, ms.actors.others(who), who, noun)
	}

	// RE5: names nobody else sent, and repeats nobody else makes.
	var fresh []string
	var freshNames []string
	var dups []string
	if !ms.overflow.byOther(who) {
		for i := range m.req {
			rp := &m.req[i]
			if !rp.repeat && (rp.idx < 0 || !ms.params[rp.idx].seen.byOther(who)) {
				fresh = append(fresh, rp.label())
				freshNames = append(freshNames, rp.name)
			}
		}
	}
	for i := range m.req {
		rp := &m.req[i]
		if rp.repeat || rp.count < 2 || rp.idx < 0 || strings.HasSuffix(rp.name, "[]") {
			continue
		}
		if ps := &ms.params[rp.idx]; ps.seen.byOther(who) && !ps.multi.byOther(who) {
			dups = append(dups, fmt.Sprintf("%s sent %d times", rp.label(), rp.count))
		}
	}
	var re5 []string
	if len(fresh) > 0 {
		re5 = append(re5, fmt.Sprintf("%s never seen on %s (learned from %s)", listValues(fresh, len(fresh)), route, from(ms.n, "successful requests")))
		if len(dups) == 0 {
			m.v.re5Still = func() bool {
				r := m.res.peek(ph)
				if r == nil {
					return true
				}
				ms := r.find(method)
				if ms == nil {
					return true
				}
				for _, n := range freshNames {
					if i := ms.find(n, hashString(hashSeed, n)); i < 0 || !ms.params[i].seen.byOther(who) {
						return true
					}
				}
				return false // others have sent them since: a new parameter, not an attack
			}
		}
	}
	if len(dups) > 0 {
		re5 = append(re5, fmt.Sprintf("%s in one request on %s, which other actors never repeat", strings.Join(dups, ", "), route))
	}
	m.v.re5 = strings.Join(re5, "; ")

	// RE6: what nearly every request of others carries.
	if ms.n-ms.reqAt >= 16 || ms.reqAt == 0 {
		ms.expectations(&m.o)
	}
	gone := ms.reqQuery &^ m.reqMask
	if m.hasForm {
		gone |= ms.reqForm &^ m.reqMask
	}
	var re6 []string
	if gone != 0 {
		var missing []string
		for i := range ms.params {
			if gone&(1<<i) != 0 {
				missing = append(missing, (&reqParam{name: ms.params[i].name, where: ms.params[i].where}).label())
			}
		}
		re6 = append(re6, fmt.Sprintf("%s missing on %s (carried by at least %.0f%% of %s)", listValues(missing, len(missing)), route, 100*m.o.RequiredShare, from(ms.n, "successful requests")))
	}
	if hp := ev.Headers.Present; hp != 0 && ms.reqHdr != 0 {
		var hdrs []string
		for i, h := range [...]struct {
			bit  triage.HeaderSet
			name string
		}{{triage.HeaderHost, "Host"}, {triage.HeaderUserAgent, "User-Agent"}, {triage.HeaderAccept, "Accept"}} {
			if hp&h.bit == 0 && ms.reqHdr&(1<<i) != 0 {
				hdrs = append(hdrs, h.name)
			}
		}
		if len(hdrs) > 0 {
			re6 = append(re6, fmt.Sprintf("%s header missing on %s (sent with at least %.0f%% of %s)", strings.Join(hdrs, ", "), route, 100*m.o.RequiredShare, from(ms.nHdr, "captured successful requests")))
		}
	}
	m.v.re6 = strings.Join(re6, "; ")

	// RE7: value lengths outside what others sent.
	if m.v.re7 != "" {
		return
	}
	for i := range m.req {
		rp := &m.req[i]
		if rp.idx < 0 {
			continue
		}
		ps := &ms.params[rp.idx]
		if int(ps.samples) < m.o.MinSamples {
			continue
		}
		n := len(rp.value)
		free := ps.spaced.byOther(who)
		if hi, ok := extremeOther(ps.hi, who); ok && n > upperLimit(hi, free) {
			m.v.re7 = fmt.Sprintf("%s is %d characters on %s, longest learned %d (from %s)", rp.label(), n, route, hi, from(ps.samples, "values"))
			return
		}
		if lo, ok := extremeOther(ps.lo, who); ok && !free && lo >= 8 && uint32(n) < lo/2 {
			m.v.re7 = fmt.Sprintf("%s is %d characters on %s, shortest learned %d (from %s)", rp.label(), n, route, lo, from(ps.samples, "values"))
			return
		}
	}
}

// lazyRoute names the route in a reason, built only when one is written.
type lazyRoute struct{ method, path string }

func (r lazyRoute) String() string { return clip(r.method+" "+r.path, 90) }

// capCheck applies RE7's global caps, which need no baseline: overlong
// parameter names, and overlong query values where no range is learned.
func (m *routeModel) capCheck(ms *methodStat, who uint64) {
	for i := range m.req {
		rp := &m.req[i]
		var ps *paramStat
		if ms != nil && rp.idx >= 0 {
			ps = &ms.params[rp.idx]
		}
		if len(rp.name) > maxParamNameLen && (ps == nil || !ps.seen.byOther(who)) {
			m.v.re7 = fmt.Sprintf("%s name of %d characters (over the %d-character cap)", strings.TrimSpace(strings.TrimSuffix(rp.label(), clip(rp.name, 40))), len(rp.name), maxParamNameLen)
			return
		}
		if rp.where == wQuery && len(rp.value) > maxUnlearnedQLen && (ps == nil || int(ps.samples) < m.o.MinSamples) {
			m.v.re7 = fmt.Sprintf("%s holds %d characters and has no learned range (over the %d-character cap)", rp.label(), len(rp.value), maxUnlearnedQLen)
			return
		}
	}
}

// learn records a clean request the actor was allowed to teach.
func (m *routeModel) learn(ev *triage.Event, ms *methodStat, who uint64) {
	ms.n++
	if int(ms.actors.n) <= m.o.MinActors {
		ms.actors.add(who, m.o.MinActors+1)
	}
	ms.seen.add(who)
	if m.hasForm {
		ms.nForm++
	}
	if hp := ev.Headers.Present; hp != 0 {
		ms.nHdr++
		if hp&triage.HeaderHost != 0 {
			ms.hdr[0]++
		}
		if hp&triage.HeaderUserAgent != 0 {
			ms.hdr[1]++
		}
		if hp&triage.HeaderAccept != 0 {
			ms.hdr[2]++
		}
	}
	var done uint64
	for i := range m.req {
		rp := &m.req[i]
		idx := int(rp.idx)
		if idx < 0 {
			if idx = ms.find(rp.name, rp.hash); idx < 0 {
				if idx = m.addParam(ms, rp.name, rp.hash, done|m.reqMask); idx < 0 {
					ms.overflow.add(who)
					continue
				}
			}
		}
		ps := &ms.params[idx]
		ps.where |= rp.where
		if done&(1<<idx) == 0 {
			done |= 1 << idx
			ps.present++
			ps.seen.add(who)
			if rp.count > 1 {
				ps.multi.add(who)
			}
		}
		ps.samples++
		ps.noteLen(uint32(len(rp.value)), who)
		if ps.spaced[1] == 0 && strings.ContainsAny(rp.value, " \t\r\n") {
			ps.spaced.add(who)
		}
	}
}

// addParam makes room for a new name: a free slot, else the slot of a
// name only one actor ever sent once (junk one client invented), never one
// the current request uses.
func (m *routeModel) addParam(ms *methodStat, name string, h uint64, inUse uint64) int {
	if len(ms.params) < m.o.MaxParams {
		ms.params = append(ms.params, paramStat{name: strings.Clone(name)})
		ms.hashes = append(ms.hashes, h)
		return len(ms.params) - 1
	}
	for j := range ms.params {
		if ps := &ms.params[j]; inUse&(1<<j) == 0 && ps.present <= 1 && ps.seen[1] == 0 {
			*ps = paramStat{name: strings.Clone(name)}
			ms.hashes[j] = h
			ms.reqAt = 0 // indexes changed: work the expectations out again
			return j
		}
	}
	return -1
}

// newRoutePoints builds RE1, RE3, RE4, RE5, RE6 and RE7 over one model.
func newRoutePoints(o LearnOptions, m *routeModel) []triage.Detector {
	warm := fmt.Sprintf("their route had not yet seen %d successful requests from %d other actors", o.MinRequests, o.MinActors)
	evicted := func(id string) []triage.Lint {
		if m.res.evicted == 0 {
			return nil
		}
		return []triage.Lint{{
			Detector: "appsensor:" + id,
			Message:  fmt.Sprintf("more than %d routes: %d times the least recently seen route was forgotten and had to be learned again", o.MaxRoutes, m.res.evicted),
			Count:    m.res.evicted,
		}}
	}
	methodPoint := func(id, summary string) *learnedPoint {
		p := newLearnedPoint(pointInfo(id, summary), m)
		p.lints = func() []triage.Lint {
			return append(warmupLint(id, m.methodWarm, m.requests, "requests", warm), evicted(id)...)
		}
		return p
	}
	paramPoint := func(id, summary string) *learnedPoint {
		p := newLearnedPoint(pointInfo(id, summary), m)
		p.lints = func() []triage.Lint { return warmupLint(id, m.paramWarm, m.requests, "requests", warm) }
		return p
	}
	learnedNote := fmt.Sprintf(" (learned per route from %d successful requests of %d other actors)", o.MinRequests, o.MinActors)
	return []triage.Detector{
		methodPoint("RE1", "a method no other actor used successfully on the route; HEAD and OPTIONS always pass; TRACE, TRACK, DEBUG and CONNECT are reported at once (also site-wide), others at 3 within 5 minutes"+learnedNote),
		methodPoint("RE3", "GET, 3 times within 5 minutes, on a route other actors only ever POST to"+learnedNote),
		methodPoint("RE4", "POST on a route other actors only ever GET"+learnedNote),
		paramPoint("RE5", "query or form parameters no other actor sent on the route, or repeated where others never repeat them (HTTP parameter pollution), 3 within 5 minutes; tracking parameters ignored"+learnedNote),
		paramPoint("RE6", fmt.Sprintf("a parameter, or a Host, User-Agent or Accept header, that %.0f%% of other actors' requests to the route carry is missing, 3 within 5 minutes", 100*o.RequiredShare)+learnedNote),
		paramPoint("RE7", fmt.Sprintf("a parameter value over twice (and 32 characters past) the longest other actors sent, or under half the shortest; names over %d characters; unlearned query values over %d characters", maxParamNameLen, maxUnlearnedQLen)+learnedNote),
	}
}
