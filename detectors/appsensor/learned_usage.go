package appsensor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"picket/triage"
)

// The user-trend points. UT1 compares one visit with how other visitors
// use the site; UT3 and UT4 compare a user's day with their own history.

// visitGap ends a visit: the usual web-analytics session timeout.
const visitGap = 30 * time.Minute

// ut1StaticShare is how common fetching static assets must be among
// other actors' comparable visits before a visit without any is odd.
const ut1StaticShare = 0.8

// utHistDays is how many of a user's previous active days UT3 and UT4
// keep; UTMinDays of them are needed for a verdict.
const utHistDays = 8

// ---------------------------------------------------------------------------
// UT1: dynamic pages only, no static assets.

// maxUT1Routes bounds UT1Routes: the route hashes of a visit live in the
// visit itself.
const maxUT1Routes = 16

// visit is one actor's current visit. It holds no pointer, so the garbage
// collector skips the whole table.
type visit struct {
	// Read on every event; kept together in the first cache line.
	last          int64 // Unix seconds of the last request
	nDyn, nStatic uint32
	nRoutes       uint8
	qualified     bool
	flagged       bool   // a finding is open (in ut1.open)
	contribDay    uint32 // the day this actor last taught the norm
	first         int64  // Unix nanoseconds of the first dynamic request

	routes [maxUT1Routes]uint64 // distinct route templates, up to UT1Routes
}

// ut1Open is an open UT1 finding.
type ut1Open struct {
	f          *triage.Finding
	share      float64 // the norm when it opened
	normVisits int
}

type ut1 struct {
	o          LearnOptions
	sh         *learnShared
	info       triage.DetectorInfo
	visits     *table[uint64, visit]
	withStatic int // comparable visits (one per actor and day) that fetched static assets
	without    int // and that did not
	open       map[uint64]*ut1Open
	emit       func(triage.Finding)
	lastSweep  int64
	qualified  int // visits that reached the thresholds without a static asset
	unjudged   int // of those, judged before the norm was learned
}

func newUT1(o LearnOptions, sh *learnShared) *ut1 {
	info := pointInfo("UT1", fmt.Sprintf("a visit of %d or more dynamic requests over %d or more route templates without a single static asset, where %.0f%% of other actors' comparable visits fetch them (learned from %d such visits; self-declared crawlers ignored)",
		o.UT1Requests, o.UT1Routes, 100*ut1StaticShare, o.UT1MinVisits))
	u := &ut1{o: o, sh: sh, info: info, visits: newTable[uint64, visit](o.MaxActors).approximate(o.MaxActors / 4), open: map[uint64]*ut1Open{}}
	u.visits.onEvict = func(k uint64, v *visit) { u.endVisit(k, v) }
	return u
}

func (u *ut1) Info() triage.DetectorInfo { return u.info }

const visitGapSec = int64(visitGap / time.Second)

func (u *ut1) Observe(ev *triage.Event, emit func(triage.Finding)) {
	if !isHTTPRequest(ev) || ev.Timestamp.IsZero() {
		return
	}
	u.emit = emit
	sec := ev.Timestamp.Unix()
	if len(u.open) > 0 && sec-u.lastSweep > visitGapSec/6 {
		u.lastSweep = sec
		u.closeOpen(func(v *visit) bool { return sec-v.last > visitGapSec })
	}
	who := u.sh.actor(ev)
	if who == 0 {
		return
	}
	v := u.visits.get(who)
	if v == nil {
		v = u.visits.add(who)
	}
	if v.last != 0 && sec-v.last > visitGapSec {
		u.endVisit(who, v)
	}
	v.last = max(v.last, sec)
	if u.sh.isStatic(ev) {
		v.nStatic++
		return
	}
	v.nDyn++
	if v.nDyn == 1 {
		v.first = ev.Timestamp.UnixNano()
	}
	if v.flagged {
		extendFinding(u.open[who].f, ev)
		return
	}
	if v.qualified {
		return
	}
	if _, rh, _ := u.sh.resource(ev); int(v.nRoutes) < u.o.UT1Routes && !slices.Contains(v.routes[:v.nRoutes], rh) {
		v.routes[v.nRoutes] = rh
		v.nRoutes++
	}
	if int(v.nDyn) < u.o.UT1Requests || int(v.nRoutes) < u.o.UT1Routes {
		return
	}
	v.qualified = true
	// Judge against the visits of others, then teach the norm (once per
	// actor and day, and never with a reported visit).
	if v.nStatic == 0 {
		u.qualified++
		total := u.withStatic + u.without
		switch {
		case total < u.o.UT1MinVisits:
			u.unjudged++
		case float64(u.withStatic) >= ut1StaticShare*float64(total) && !declaredCrawler(ev, u.sh.cache):
			// Evidence: every dynamic request from the one that crossed
			// the thresholds; the finding starts with the visit.
			f := newFinding(u.info, ev)
			f.AddEvidence(ev)
			f.Timestamp = time.Unix(0, v.first).UTC()
			v.flagged = true
			u.open[who] = &ut1Open{f: f, share: float64(u.withStatic) / float64(total), normVisits: total}
			return
		}
	}
	if d := dayOf(ev.Timestamp); v.contribDay != d {
		v.contribDay = d
		if v.nStatic > 0 {
			u.withStatic++
		} else {
			u.without++
		}
	}
}

// declaredCrawler reports agents that say they are robots: UT1 looks for
// automation that passes itself off as a visitor.
func declaredCrawler(ev *triage.Event, cache *partsCache) bool {
	_, ok := cache.anyOf(ev, fieldUserAgent, func(ua string) bool {
		return containsFoldASCII(ua, "bot") || containsFoldASCII(ua, "spider") || containsFoldASCII(ua, "crawl")
	})
	return ok
}

// endVisit reports the visit's finding, if any, and starts afresh.
func (u *ut1) endVisit(who uint64, v *visit) {
	if o := u.open[who]; v.flagged && o != nil {
		reason := fmt.Sprintf("%d dynamic requests to at least %d distinct routes in one visit without a single static asset (%.0f%% of %d comparable visits by other actors fetched static assets)",
			v.nDyn, v.nRoutes, 100*o.share, o.normVisits)
		u.emit(closeFinding(o.f, reason, "UT1"))
		delete(u.open, who)
	}
	*v = visit{contribDay: v.contribDay}
}

// closeOpen ends the visits with open findings that done selects, in
// finding order so output is deterministic.
func (u *ut1) closeOpen(done func(*visit) bool) {
	var keys []uint64
	for k := range u.open {
		if v := u.visits.peek(k); v != nil && done(v) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b uint64) int { return compareFindings(u.open[a].f, u.open[b].f) })
	for _, k := range keys {
		u.endVisit(k, u.visits.peek(k))
	}
}

// compareFindings orders findings by start, then first evidence.
func compareFindings(a, b *triage.Finding) int {
	if c := a.Timestamp.Compare(b.Timestamp); c != 0 {
		return c
	}
	return strings.Compare(a.Evidence[0].ID, b.Evidence[0].ID)
}

func (u *ut1) Flush(emit func(triage.Finding)) {
	u.emit = emit
	u.closeOpen(func(*visit) bool { return true })
}

func (u *ut1) Lints() []triage.Lint {
	out := warmupLint("UT1", u.unjudged, u.qualified, "visits without static assets", fmt.Sprintf("fewer than %d comparable visits of other actors were known", u.o.UT1MinVisits))
	out = append(out, evictionLint(u.info.ID, u.visits.evicted, fmt.Sprintf("more than %d actors at once", u.o.MaxActors),
		"the visit of the actor seen least recently was ended early")...)
	if total := u.withStatic + u.without; total >= u.o.UT1MinVisits && float64(u.withStatic) < ut1StaticShare*float64(total) {
		out = append(out, triage.Lint{Detector: "appsensor:UT1", Message: fmt.Sprintf("only %.0f%% of %d comparable visits fetched static assets (assets served elsewhere, cached, or not traced): UT1 made no verdict on them", 100*float64(u.withStatic)/float64(total), total)})
	}
	return out
}

// ---------------------------------------------------------------------------
// UT3 and UT4: a user's day against their own history.

// dayCount is one user's (UT3) or one user × route's (UT4) daily count.
// It holds no pointer, so the garbage collector skips the whole table.
type dayCount struct {
	last     int64 // Unix seconds of the last request, for visits
	day      uint32
	count    uint32
	maxH     uint32 // the highest of hist, fixed for the day
	nH       uint8  // how many days hist held when the day began
	flagged  bool
	closed   bool
	drafting bool               // a draft is kept in userTrend.drafts
	hist     [utHistDays]uint32 // previous active days' counts (ring), reported days left out
	nh, pos  uint8
}

func (e *dayCount) startDay(d uint32) {
	e.day, e.count, e.flagged, e.closed, e.drafting = d, 0, false, false, false
	e.maxH, e.nH = 0, e.nh
	for _, c := range e.hist[:e.nh] {
		e.maxH = max(e.maxH, c)
	}
}

// userDraft gathers a day's events past the user's previous busiest day.
type userDraft struct {
	f           *triage.Finding
	user, route string
	day         uint32
}

// maxDrafts bounds the days being drafted at once; past it, evidence of
// a new one starts only when it is reported.
const maxDrafts = 10000

type userTrend struct {
	id     string
	info   triage.DetectorInfo
	o      LearnOptions
	floor  int
	noun   string // what is counted: "visits", "requests"
	table  *table[uint64, dayCount]
	drafts map[uint64]*userDraft
	day    uint32
	emit   func(triage.Finding)

	total, unjudged int
}

func newUserTrend(id, summary string, o LearnOptions, floor, maxEntries int, noun string) *userTrend {
	u := &userTrend{id: id, info: pointInfo(id, summary), o: o, floor: floor, noun: noun, table: newTable[uint64, dayCount](maxEntries).approximate(maxEntries / 4), drafts: map[uint64]*userDraft{}}
	u.table.onEvict = func(k uint64, e *dayCount) { u.closeDay(k, e) }
	return u
}

func newUT3(o LearnOptions, sh *learnShared) *ut3 {
	return &ut3{sh: sh, userTrend: newUserTrend("UT3", fmt.Sprintf("a user's visits (%s gaps end one) in a UTC day over %g times their highest of up to %d previous active days (at least %d) and at least %d",
		span(visitGap), o.UTFactor, utHistDays, o.UTMinDays, o.UT3Floor), o, o.UT3Floor, o.MaxActors, "visits")}
}

func newUT4(o LearnOptions, sh *learnShared) *ut4 {
	return &ut4{sh: sh, userTrend: newUserTrend("UT4", fmt.Sprintf("a user's requests to one route in a UTC day over %g times their highest of up to %d previous active days with it (at least %d) and at least %d",
		o.UTFactor, utHistDays, o.UTMinDays, o.UT4Floor), o, o.UT4Floor, o.MaxUserRoutes, "requests")}
}

func (u *userTrend) Info() triage.DetectorInfo { return u.info }

// entry returns the key's counter for ev's day, closing earlier days.
func (u *userTrend) entry(key uint64, ev *triage.Event, emit func(triage.Finding)) *dayCount {
	u.emit = emit
	d := dayOf(ev.Timestamp)
	if d > u.day {
		u.day = d
		u.closeDrafts(func(dr *userDraft) bool { return dr.day < d })
	}
	e := u.table.get(key)
	if e == nil {
		e = u.table.add(key)
		e.startDay(d)
	}
	if d > e.day {
		u.closeDay(key, e)
		e.startDay(d)
	}
	return e
}

// bump counts one more visit or request and judges the day so far.
func (u *userTrend) bump(key uint64, e *dayCount, ev *triage.Event, route func() string) {
	u.total++
	e.count++
	if int(e.nH) < u.o.UTMinDays {
		u.unjudged++
		return
	}
	flag := !e.flagged && float64(e.count) > u.o.UTFactor*float64(e.maxH) && int(e.count) >= u.floor
	if e.count > e.maxH && (e.drafting || flag || len(u.drafts) < maxDrafts) {
		if !e.drafting {
			e.drafting = true
			dr := &userDraft{f: newFinding(u.info, ev), user: strings.Clone(ev.UserName), day: e.day}
			if route != nil {
				dr.route = route()
			}
			dr.f.AddEvidence(ev)
			u.drafts[key] = dr
		} else {
			extendFinding(u.drafts[key].f, ev)
		}
	}
	if flag {
		e.flagged = true
	}
}

// closeDay ends an entry's day: a reported day is emitted and kept out of
// the history, any other active day joins it.
func (u *userTrend) closeDay(key uint64, e *dayCount) {
	if e.closed {
		return
	}
	e.closed = true
	dr := u.drafts[key]
	delete(u.drafts, key)
	e.drafting = false
	if e.flagged {
		what := u.noun
		if dr.route != "" {
			what += " to " + clip(dr.route, 80)
		}
		reason := fmt.Sprintf("%d %s by %s on %s, against at most %d on any of their %d previous active days",
			e.count, what, clip(dr.user, 60), dayName(e.day), e.maxH, e.nH)
		u.emit(closeFinding(dr.f, reason, u.id))
		return
	}
	if e.count == 0 {
		return
	}
	e.hist[e.pos] = e.count
	e.pos = (e.pos + 1) % utHistDays
	if e.nh < utHistDays {
		e.nh++
	}
}

// closeDrafts ends the days being drafted that done selects, reported
// ones in finding order so output is deterministic.
func (u *userTrend) closeDrafts(done func(*userDraft) bool) {
	var keys []uint64
	for k, dr := range u.drafts {
		if done(dr) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b uint64) int { return compareFindings(u.drafts[a].f, u.drafts[b].f) })
	for _, k := range keys {
		if e := u.table.peek(k); e != nil {
			u.closeDay(k, e)
		} else {
			delete(u.drafts, k)
		}
	}
}

func (u *userTrend) Flush(emit func(triage.Finding)) {
	u.emit = emit
	u.closeDrafts(func(*userDraft) bool { return true })
}

func (u *userTrend) Lints() []triage.Lint {
	out := warmupLint(u.id, u.unjudged, u.total, u.noun+" by logged-in users", fmt.Sprintf("the user had fewer than %d earlier active days", u.o.UTMinDays))
	return append(out, evictionLint(u.info.ID, u.table.evicted, fmt.Sprintf("more than %d %s at once", u.table.limit, u.keyNoun()),
		"the one seen least recently was forgotten with its history of earlier days")...)
}

// keyNoun says what the table is keyed by, for lints.
func (u *userTrend) keyNoun() string {
	if u.id == "UT4" {
		return "user and route pairs"
	}
	return "users"
}

type ut3 struct {
	*userTrend
	sh *learnShared
}

func (u *ut3) Observe(ev *triage.Event, emit func(triage.Finding)) {
	if ev.UserName == "" || ev.Timestamp.IsZero() || !isHTTPRequest(ev) {
		return
	}
	key := hashString(hashSeed^'u', ev.UserName) | 1
	e := u.entry(key, ev, emit)
	sec := ev.Timestamp.Unix()
	gap := e.last == 0 || sec-e.last > visitGapSec
	e.last = max(e.last, sec)
	if gap {
		u.bump(key, e, ev, nil)
	}
}

type ut4 struct {
	*userTrend
	sh *learnShared
}

func (u *ut4) Observe(ev *triage.Event, emit func(triage.Finding)) {
	if ev.UserName == "" || ev.Timestamp.IsZero() || !isHTTPRequest(ev) || u.sh.isStatic(ev) {
		return
	}
	path, ph, method := u.sh.resource(ev)
	key := hashString(hashString(ph, method), ev.UserName) | 1
	e := u.entry(key, ev, emit)
	u.bump(key, e, ev, func() string { return method + " " + path })
}
