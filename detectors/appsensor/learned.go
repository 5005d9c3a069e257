package appsensor

// Why this file is long: it is the shared machinery of the learned points
// (warm-up, learning only from clean traffic of other actors, gating of
// suspicious points, their lints); each point's own rule is in its file.

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"

	"picket/triage"
)

// The learned points judge a request against what the data itself taught
// about normal use: which methods a route takes (RE1, RE3, RE4), which
// parameters it carries and how long they are (RE5, RE6, RE7), how many
// rows its queries return (CIE2), how a user usually behaves (UT1, UT3,
// UT4) and how busy the site usually is at that hour (STE1-STE3).
//
// Learning is online. The engine shows each event once, in stream order,
// so every event is first judged against what was learned before it and
// only then learned from. The first part of a stream is therefore never
// judged: a route needs MinRequests successful requests from MinActors
// other actors first, a user needs UTMinDays days of history, an hour of
// the day needs STEMinDays earlier days. Each point says in a lint how
// many events went unjudged for that reason.
//
// What is learned comes only from clean traffic (2xx and 3xx answers) and
// is kept per contributing actor (actorKey: user, else session, else
// address), so a request is compared with what OTHER actors did. One actor
// cannot teach a route its own attack: it counts at most ActorDailyCap
// requests per route and day, and "seen before" always means seen from
// someone else. Training on traffic that already holds attacks still
// poisons any learning model (the learning-WAF caveat); these limits only
// make it take many actors instead of one.
//
// Every table is bounded (routes, parameters per route, actors, users);
// past a bound the least recently seen entry is forgotten.

// LearnOptions tune the points that learn what is normal from the data
// itself. Zero fields take DefaultLearn's values; the README gives each
// default's source.
type LearnOptions struct {
	// MinRequests is how many successful requests a route needs from
	// other actors before it is judged (CRS profiler: min_traffic_threshold).
	MinRequests int
	// MinActors is how many distinct other actors must have sent them.
	// At most 15.
	MinActors int
	// MinSamples is how often a parameter or header must have been seen
	// before its presence or length is judged (CRS: min_pattern_threshold).
	MinSamples int
	// ActorDailyCap is how many requests of one actor per route and UTC
	// day are learned; the rest are judged but not learned from.
	ActorDailyCap int
	// RequiredShare is the share of a route's learned requests that must
	// carry a parameter or header before its absence is reported (RE6).
	RequiredShare float64
	// IgnoreParams are parameter names RE5-RE7 never judge, besides the
	// built-in tracking parameters (utm_*, gclid, fbclid, ...).
	IgnoreParams []string

	// MaxRoutes bounds the routes tracked (and CIE2's transaction and
	// statement pairs), MaxParams the parameter names learned per route
	// and method,
	// MaxActors the actors (UT1) and users (UT3) tracked, MaxUserRoutes
	// the user × route pairs (UT4).
	MaxRoutes, MaxParams, MaxActors, MaxUserRoutes int

	// UT1: one visit reaching UT1Requests dynamic requests over UT1Routes
	// distinct route templates without a static asset, judged once
	// UT1MinVisits such visits by other actors taught whether visitors
	// here normally fetch static assets.
	UT1Routes, UT1Requests, UT1MinVisits int
	// UT3/UT4: a user's count for a day is compared with the highest of
	// their previous active days (at least UTMinDays of them): reported
	// when over UTFactor times that and at least UT3Floor visits (UT3) or
	// UT4Floor requests to one route (UT4).
	UTMinDays          int
	UTFactor           float64
	UT3Floor, UT4Floor int

	// STE1-STE3: an hour's count against the median of the same hour on
	// up to seven previous days (at least STEMinDays): reported when
	// STEFactor times that median and at least STEFloor events.
	STEMinDays int
	STEFactor  float64
	STEFloor   int
	// LoginMarkers and LogoutMarkers recognise login and logout routes:
	// a route whose path (template) contains one, in any case.
	LoginMarkers, LogoutMarkers []string

	// CIE2: rows returned or affected above CIE2Factor times the learned
	// 99th percentile for the transaction and statement, and at least
	// CIE2Floor rows.
	CIE2Factor float64
	CIE2Floor  int64
}

// DefaultLearn returns the defaults of the learned points.
func DefaultLearn() LearnOptions {
	return LearnOptions{
		MinRequests:   100,
		MinActors:     5,
		MinSamples:    50,
		ActorDailyCap: 20,
		RequiredShare: 0.99,
		MaxRoutes:     4096,
		MaxParams:     48,
		MaxActors:     50000,
		MaxUserRoutes: 100000,
		UT1Routes:     10,
		UT1Requests:   30,
		UT1MinVisits:  20,
		UTMinDays:     5,
		UTFactor:      3,
		UT3Floor:      10,
		UT4Floor:      50,
		STEMinDays:    2,
		STEFactor:     5,
		STEFloor:      20,
		LoginMarkers:  []string{"login", "signin", "sign-in", "log-in", "logon"},
		LogoutMarkers: []string{"logout", "signout", "sign-out", "log-out", "logoff"},
		CIE2Factor:    10,
		CIE2Floor:     1000,
	}
}

func (o LearnOptions) withDefaults() LearnOptions {
	d := DefaultLearn()
	setInt := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setInt(&o.MinRequests, d.MinRequests)
	setInt(&o.MinActors, d.MinActors)
	o.MinActors = min(o.MinActors, maxTrackedActors-1)
	setInt(&o.MinSamples, d.MinSamples)
	setInt(&o.ActorDailyCap, d.ActorDailyCap)
	if o.RequiredShare <= 0 || o.RequiredShare > 1 {
		o.RequiredShare = d.RequiredShare
	}
	setInt(&o.MaxRoutes, d.MaxRoutes)
	setInt(&o.MaxParams, d.MaxParams)
	o.MaxParams = min(o.MaxParams, 64) // presence is a 64-bit mask
	setInt(&o.MaxActors, d.MaxActors)
	setInt(&o.MaxUserRoutes, d.MaxUserRoutes)
	setInt(&o.UT1Routes, d.UT1Routes)
	o.UT1Routes = min(o.UT1Routes, maxUT1Routes)
	setInt(&o.UT1Requests, d.UT1Requests)
	setInt(&o.UT1MinVisits, d.UT1MinVisits)
	setInt(&o.UTMinDays, d.UTMinDays)
	o.UTMinDays = min(o.UTMinDays, utHistDays)
	if o.UTFactor <= 1 {
		o.UTFactor = d.UTFactor
	}
	setInt(&o.UT3Floor, d.UT3Floor)
	setInt(&o.UT4Floor, d.UT4Floor)
	setInt(&o.STEMinDays, d.STEMinDays)
	o.STEMinDays = min(o.STEMinDays, steHistDays)
	if o.STEFactor <= 1 {
		o.STEFactor = d.STEFactor
	}
	setInt(&o.STEFloor, d.STEFloor)
	if len(o.LoginMarkers) == 0 {
		o.LoginMarkers = d.LoginMarkers
	}
	if len(o.LogoutMarkers) == 0 {
		o.LogoutMarkers = d.LogoutMarkers
	}
	if o.CIE2Factor <= 1 {
		o.CIE2Factor = d.CIE2Factor
	}
	if o.CIE2Floor <= 0 {
		o.CIE2Floor = d.CIE2Floor
	}
	return o
}

// learnedDetectors returns the learned points the catalogue marks as
// running, so `picket rules` never claims a point that is not there (nor
// hides one that is).
func learnedDetectors(opts Options, cache *partsCache) []triage.Detector {
	var out []triage.Detector
	for _, d := range newLearned(opts, cache).points {
		if e, ok := Lookup(strings.TrimPrefix(d.Info().ID, "appsensor:")); ok && e.Readiness == triage.RunsLocally {
			out = append(out, d)
		}
	}
	return out
}

// learnedSet is every learned point with the models they share.
type learnedSet struct {
	points []triage.Detector
	routes *routeModel
	trend  *trendModel
	ut1    *ut1
	ut3    *ut3
	ut4    *ut4
	cie2   *cie2
}

// newLearned builds every learned point, sharing one model per family.
func newLearned(opts Options, cache *partsCache) *learnedSet {
	o := opts.Learn.withDefaults()
	sh := &learnShared{sess: opts.sessionCookies(), cache: cache}
	ls := &learnedSet{routes: newRouteModel(o, sh, cache), cie2: newCIE2(o), ut1: newUT1(o, sh), ut3: newUT3(o, sh), ut4: newUT4(o, sh)}
	ls.points = newRoutePoints(o, ls.routes)
	ls.points = append(ls.points, ls.cie2, ls.ut1, ls.ut3, ls.ut4)
	var trend []triage.Detector
	ls.trend, trend = newTrendPoints(o, sh, ls.routes)
	ls.points = append(ls.points, trend...)
	return ls
}

// learnShared memoises what several learned points ask of the event
// being observed: who sent it, which resource and method it addressed,
// whether it fetched a static asset. Each is worked out once per event,
// on first use.
type learnShared struct {
	sess   []string
	cache  *partsCache
	ev     *triage.Event
	done   uint8 // which of the facts below are known for ev
	who    uint64
	day    uint32
	path   string // resourceOf(ev)
	method string // upper case
	phash  uint64 // hash of path
	static bool
}

const (
	factWho uint8 = 1 << iota
	factResource
	factStatic
)

func (s *learnShared) at(ev *triage.Event) {
	if s.ev != ev {
		s.ev, s.done = ev, 0
	}
}

// actor hashes who sent ev; 0 when the request names no actor.
func (s *learnShared) actor(ev *triage.Event) uint64 {
	s.at(ev)
	if s.done&factWho == 0 {
		s.done |= factWho
		s.who, s.day = actorHash(ev, s.sess), dayOf(ev.Timestamp)
	}
	return s.who
}

// today is ev's UTC day (days since 1970).
func (s *learnShared) today(ev *triage.Event) uint32 {
	s.actor(ev)
	return s.day
}

// resource returns the path template ev addressed (resourceOf), its hash
// and the method in upper case. Call it for HTTP requests only.
func (s *learnShared) resource(ev *triage.Event) (path string, hash uint64, method string) {
	s.at(ev)
	if s.done&factResource == 0 {
		s.done |= factResource
		s.path = resourceOf(ev)
		s.phash = hashString(hashSeed, s.path)
		s.method = upperMethod(ev.Method)
	}
	return s.path, s.phash, s.method
}

// isStatic reports whether ev fetched a static asset, judged on its
// resource: the route template when the agent named one
// ("/static/*filepath"), which spares reading the path itself.
func (s *learnShared) isStatic(ev *triage.Event) bool {
	s.at(ev)
	if s.done&factStatic == 0 {
		s.done |= factStatic
		path, _, _ := s.resource(ev)
		s.static = isStatic(path)
	}
	return s.static
}

const hashSeed = 0x243f6a8885a308d3

// hashString is a small deterministic string hash, eight bytes a step.
func hashString(h uint64, s string) uint64 {
	for len(s) >= 8 {
		v := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = hashMix(h ^ v)
		s = s[8:]
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		v |= uint64(s[i]) << (8 * i)
	}
	return hashMix(h ^ v ^ uint64(len(s))<<59)
}

func hashMix(h uint64) uint64 {
	h *= 0x9e3779b97f4a7c15
	h ^= h >> 32
	h *= 0xd6e8feb86659fd93
	return h ^ h>>32
}

// isHTTPRequest reports whether ev is a request these points judge: an
// APM transaction or an access-log line (APM error documents repeat their
// transaction's request and would count it twice).
func isHTTPRequest(ev *triage.Event) bool {
	return ev.Method != "" && ev.URLPath != "" && (ev.Processor == "" || ev.Processor == "transaction")
}

func isClean(status int) bool { return status >= 200 && status < 400 }

// resourceOf returns the path template a request addressed, without its
// method: the template of transaction.name ("GET /products/:id" gives
// "/products/:id"), else the path with ids normalised. Requests the router
// refused (405, "TRACE unknown route") thus land on the same resource as
// the successful requests that taught it, as long as the template's
// placeholders look like normPath's (":id", ":uuid").
func resourceOf(ev *triage.Event) string {
	if r := ev.Route; r != "" {
		if r[0] == '/' {
			return r
		}
		if i := strings.IndexByte(r, ' '); i > 0 && i+1 < len(r) && r[i+1] == '/' && isMethodToken(r[:i]) {
			return r[i+1:]
		}
	}
	if ev.URLPath == "" {
		return ""
	}
	return normPath(ev.URLPath)
}

// isMethodToken reports whether s looks like an HTTP method ("GET").
func isMethodToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return len(s) <= 16
}

func hasPrefixFoldASCII(s, prefix string) bool {
	return len(s) >= len(prefix) && containsFoldASCII(s[:len(prefix)], prefix)
}

func hasSuffixFoldASCII(s, suffix string) bool {
	return len(s) >= len(suffix) && containsFoldASCII(s[len(s)-len(suffix):], suffix)
}

// containsFoldASCII reports whether s contains sub (lower-case ASCII),
// ignoring case, without allocating.
func containsFoldASCII(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

func dayOf(t time.Time) uint32 {
	if t.IsZero() || t.Unix() < 0 {
		return 0
	}
	return uint32(t.Unix() / 86400)
}

func dayName(d uint32) string {
	return time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02")
}

// pointTag is how a reason ends: "RE1, Request, attack".
func pointTag(id string) string {
	e, _ := Lookup(id)
	return e.ID + ", " + e.Category + ", " + string(e.Class)
}

func newFinding(info triage.DetectorInfo, ev *triage.Event) *triage.Finding {
	return &triage.Finding{
		Detector:  info.ID,
		Title:     info.Title,
		Severity:  info.Severity,
		RiskScore: info.RiskScore,
		Timestamp: ev.Timestamp,
		End:       ev.Timestamp,
		SourceIP:  ev.SourceIP,
		UserAgent: ev.UserAgent,
		UserName:  ev.UserName,
	}
}

// extendFinding adds ev as evidence of f.
func extendFinding(f *triage.Finding, ev *triage.Event) {
	f.AddEvidence(ev)
	if ev.Timestamp.Before(f.Timestamp) {
		f.Timestamp = ev.Timestamp
	}
	if ev.Timestamp.After(f.End) {
		f.End = ev.Timestamp
	}
}

// closeFinding finalises a finding for emit: its reason and, for a single
// instant, no End.
func closeFinding(f *triage.Finding, reason, id string) triage.Finding {
	out := *f
	out.Reason = reason + " — AppSensor " + pointTag(id)
	if out.End.Equal(out.Timestamp) {
		out.End = time.Time{}
	}
	return out
}

// ---------------------------------------------------------------------------
// Who contributed.

// maxTrackedActors bounds the per-route list of distinct contributors;
// MinActors must stay below it so "enough actors besides this one" can be
// decided exactly.
const maxTrackedActors = 16

// actorList remembers the first distinct actors that contributed, enough
// to tell whether MinActors actors other than the one judged did.
type actorList struct {
	h [maxTrackedActors]uint64
	n uint8
}

func (a *actorList) add(who uint64, keep int) {
	for i := 0; i < int(a.n); i++ {
		if a.h[i] == who {
			return
		}
	}
	if int(a.n) < keep {
		a.h[a.n] = who
		a.n++
	}
}

// others counts listed actors other than who.
func (a *actorList) others(who uint64) int {
	n := int(a.n)
	for i := 0; i < int(a.n); i++ {
		if a.h[i] == who {
			n--
		}
	}
	return n
}

// pair remembers the first two distinct actors seen doing something:
// enough to know whether anyone besides the judged actor did.
type pair [2]uint64

func (p *pair) add(who uint64) {
	switch {
	case p[0] == 0:
		p[0] = who
	case p[1] == 0 && p[0] != who:
		p[1] = who
	}
}

func (p pair) byOther(who uint64) bool {
	return (p[0] != 0 && p[0] != who) || (p[1] != 0 && p[1] != who)
}

// lcount estimates how many distinct actors were seen, for reasons
// ("by 37 other actors"): linear counting over 512 bits, near exact for a
// few hundred actors.
type lcount [8]uint64

func (c *lcount) add(h uint64) { b := h >> 55; c[b>>6] |= 1 << (b & 63) }

func (c *lcount) has(h uint64) bool { b := h >> 55; return c[b>>6]&(1<<(b&63)) != 0 }

func (c *lcount) or(d *lcount) {
	for i := range c {
		c[i] |= d[i]
	}
}

func (c *lcount) estimate() int {
	set := 0
	for _, w := range c {
		set += bits.OnesCount64(w)
	}
	if set >= 512 {
		return 3200 // saturated: at least this many
	}
	return int(math.Round(-512 * math.Log(float64(512-set)/512)))
}

// otherActors estimates the distinct actors besides who, never below the
// exact count known from list.
func otherActors(c *lcount, list int, who uint64) int {
	n := c.estimate()
	if c.has(who) {
		n--
	}
	return max(n, list)
}

// contrib caps what one actor teaches a route per day.
type contrib struct {
	who   uint64
	day   uint32
	count uint32
}

const contribSlots = 8

// contribs tracks a route's heaviest contributors of the day. When full, a
// new actor takes the slot with the smallest count, so a heavy sender (the
// one the cap is for) keeps its slot; an actor that spaces its requests
// between more than eight other newcomers each time escapes the cap, which
// bounds its weight in the shares RE6 reads but not in what it alone can
// make "seen" (that always takes another actor).
type contribs [contribSlots]contrib

// admit reports whether who's request may be learned today, counting it.
func (c *contribs) admit(who uint64, day uint32, limit int) bool {
	for i := range c {
		if e := &c[i]; e.who == who {
			if e.day != day {
				e.day, e.count = day, 0
			}
			if int(e.count) >= limit {
				return false
			}
			e.count++
			return true
		}
	}
	victim, best := 0, c[0].rank(day)
	for i := 1; i < len(c) && best > 0; i++ {
		if r := c[i].rank(day); r < best {
			victim, best = i, r
		}
	}
	c[victim] = contrib{who: who, day: day, count: 1}
	return true
}

// rank orders slots for reuse: free or stale slots first, then the
// lightest contributor of the day.
func (e contrib) rank(day uint32) uint32 {
	if e.who == 0 || e.day != day {
		return 0
	}
	return e.count
}

// ---------------------------------------------------------------------------
// Per-request learned points.

// gateWindow is how close together a Suspicious point's hits by one actor
// must come before they are reported: one odd request may be an honest
// mistake, three within five minutes are not (AppSensor's advice to
// aggregate Suspicious points; the counts are Picket's).
const gateWindow = 5 * time.Minute

// maxGated bounds the actors with hits waiting below a gate.
const maxGated = 20000

// lpend is a hit waiting for enough company to be reported.
type lpend struct {
	ref          triage.EventRef
	user, detail string
	at           time.Time
	still        func() bool // re-checks the verdict before reporting; nil means keep
}

// gate holds a point's hits per actor until `need` of them fall within
// gateWindow, then hands them to the bursts. Hits of an actor whose burst
// is already open go straight through.
type gate struct {
	b         *bursts
	pending   *table[actor, []lpend] // nil until a hit waits
	lastSweep time.Time
}

func (g *gate) hit(ev *triage.Event, detail string, need int, still func() bool, emit func(triage.Finding)) {
	k := actor{ev.SourceIP, ev.UserAgent}
	if cur := g.b.open.peek(k); need <= 1 || (cur != nil && ev.Timestamp.Sub(cur.f.End) <= burstGap) {
		g.b.hit(ev, detail, emit)
		return
	}
	if g.pending == nil {
		g.pending = newTable[actor, []lpend](maxGated)
	}
	slot := g.pending.get(k)
	var ps []lpend
	if slot != nil {
		ps = *slot
	}
	cut := 0
	for cut < len(ps) && ev.Timestamp.Sub(ps[cut].at) > gateWindow {
		cut++
	}
	ps = append(ps[cut:], lpend{ref: ev.Ref(), user: ev.UserName, detail: detail, at: ev.Timestamp, still: still})
	if len(ps) >= need {
		live := ps[:0]
		for _, p := range ps {
			if p.still == nil || p.still() {
				live = append(live, p)
			}
		}
		ps = live
	}
	if len(ps) < need {
		if slot == nil {
			slot = g.pending.add(k) // when full, the actor waiting longest is dropped
		}
		*slot = ps
		return
	}
	g.pending.remove(k)
	for _, p := range ps[:len(ps)-1] {
		// Only the fields bursts read: who, when, which event.
		g.b.hit(&triage.Event{ID: p.ref.ID, Seq: p.ref.Seq, Timestamp: p.at, SourceIP: k.ip, UserAgent: k.ua, UserName: p.user}, p.detail, emit)
	}
	g.b.hit(ev, detail, emit)
}

// waiting counts the actors with hits below the gate.
func (g *gate) waiting() int {
	if g.pending == nil {
		return 0
	}
	return g.pending.len()
}

// sweep forgets hits that can no longer reach their gate.
func (g *gate) sweep(now time.Time) {
	if g.pending == nil || now.IsZero() || now.Sub(g.lastSweep) < gateWindow {
		return
	}
	g.lastSweep = now
	var stale []actor
	g.pending.oldest(func(k actor, ps *[]lpend) bool {
		if len(*ps) == 0 || now.Sub((*ps)[len(*ps)-1].at) > gateWindow {
			stale = append(stale, k)
		}
		return true
	})
	for _, k := range stale {
		g.pending.remove(k)
	}
}

func (g *gate) lints() []triage.Lint {
	if g.pending == nil {
		return nil
	}
	return evictionLint(g.b.info.ID, g.pending.evicted, fmt.Sprintf("more than %d actors with hits waiting for company at once", maxGated),
		"the waiting hits of the actor seen least recently were dropped")
}

// learnedPoint is RE1, RE3, RE4, RE5, RE6 or RE7: a per-request point
// judged by the shared route model, whose hits pass a gate and merge into
// bursts per actor.
type learnedPoint struct {
	b     *bursts
	g     gate
	tick  ticker
	m     *routeModel
	id    string // "RE1"
	lints func() []triage.Lint
}

func newLearnedPoint(info triage.DetectorInfo, m *routeModel) *learnedPoint {
	b := newBursts(info, "request")
	return &learnedPoint{b: b, g: gate{b: b}, m: m, id: strings.TrimPrefix(info.ID, "appsensor:")}
}

func (p *learnedPoint) Info() triage.DetectorInfo { return p.b.info }

func (p *learnedPoint) Observe(ev *triage.Event, emit func(triage.Finding)) {
	if v := p.m.step(ev); p.m.dirty {
		if detail, need, still := v.pick(p.id); detail != "" {
			p.g.hit(ev, detail, need, still, emit)
			return
		}
	}
	if (p.b.open.len() > 0 || p.g.waiting() > 0) && p.tick.due(ev.Timestamp) {
		p.b.observeTime(ev.Timestamp, emit)
		p.g.sweep(ev.Timestamp)
	}
}

// ticker says when a minute of event time has passed, so idle bursts are
// swept about once a minute rather than on every event (time arithmetic
// is the dearest part of a point that does not fire; bursts close after
// ten quiet minutes, so a minute late is on time).
type ticker struct{ next int64 }

func (t *ticker) due(ts time.Time) bool {
	if ts.IsZero() {
		return false
	}
	s := ts.Unix()
	if s < t.next && s > t.next-120 {
		return false
	}
	t.next = s + 60
	return true
}

// Flush reports open bursts; hits still waiting below their gate were not
// enough to report and are dropped.
func (p *learnedPoint) Flush(emit func(triage.Finding)) {
	p.b.flushAll(emit)
	p.g.pending = nil
}

func (p *learnedPoint) Lints() []triage.Lint {
	var out []triage.Lint
	if p.lints != nil {
		out = p.lints()
	}
	return append(append(out, p.b.lints()...), p.g.lints()...)
}

// warmupLint words the "not judged yet" lint every learned point reports.
func warmupLint(id string, n, total int, noun, why string) []triage.Lint {
	if n == 0 {
		return nil
	}
	return []triage.Lint{{
		Detector: "appsensor:" + id,
		Message:  fmt.Sprintf("%d of %d %s (%.1f%%) were not judged while the baseline was still learning: %s", n, total, noun, 100*float64(n)/float64(max(total, 1)), why),
		Count:    n,
	}}
}
