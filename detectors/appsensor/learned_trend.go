package appsensor

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"picket/triage"
)

// The system-trend points count events per UTC hour, site-wide: logouts
// (STE1), login attempts (STE2) and requests to each transaction (STE3),
// and compare each hour with the median of the same hour of the day on up
// to seven previous days. Hours that were reported stay out of later
// baselines, so yesterday's attack does not make today's look normal.

// steHistDays is how many previous days a baseline looks at.
const steHistDays = 7

const (
	steLogout = iota // STE1
	steLogin         // STE2
	steRoute         // STE3
)

var steIDs = [...]string{"STE1", "STE2", "STE3"}

// Kinds of transaction for the trend points.
const (
	kindOther uint8 = iota
	kindLogin
	kindLogout
	kindSkip // static assets: not a transaction of interest
)

// series is one hourly count with its history: a ring of the last eight
// days, each with a mask of the hours that were reported. It holds no
// pointer (the evidence of an unusual hour is kept aside, in drafts), and
// it sits last in methodStat, so the garbage collector never scans it.
type series struct {
	// Read on every event; kept together in the first cache line.
	hour     int64 // hour being counted; -1 when none
	count    uint32
	nBase    int32   // how many previous days the baseline covers
	base     float64 // median of the same hour on previous days
	drafting bool    // the hour's evidence is kept in trendModel.drafts
	open     bool    // reported for the current hour
	first    int64   // first hour this series could have counted

	rows    [8][24]uint32
	rowDay  [8]uint32
	flagged [8]uint32
}

func newSeries(first int64) series { return series{first: first, hour: -1} }

func (s *series) startHour(h int64) {
	s.hour, s.count, s.drafting, s.open = h, 0, false, false
	day, hod := uint32(h/24), h%24
	var vals [steHistDays]uint32
	n := 0
	for k := uint32(1); k <= steHistDays && k <= day; k++ {
		d := day - k
		if int64(d)*24+hod < s.first {
			break
		}
		row := d % 8
		var c uint32
		if s.rowDay[row] == d {
			if s.flagged[row]&(1<<hod) != 0 {
				continue
			}
			c = s.rows[row][hod]
		}
		vals[n] = c
		n++
	}
	s.nBase, s.base = int32(n), median(vals[:n])
}

func median(v []uint32) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return float64(v[len(v)/2])
	}
	return (float64(v[len(v)/2-1]) + float64(v[len(v)/2])) / 2
}

// store writes the finished hour into the ring.
func (s *series) store() {
	day, hod := uint32(s.hour/24), s.hour%24
	row := day % 8
	if s.rowDay[row] != day {
		s.rows[row], s.rowDay[row], s.flagged[row] = [24]uint32{}, day, 0
	}
	s.rows[row][hod] = s.count
	if s.open {
		s.flagged[row] |= 1 << hod
	}
}

// trendDraft gathers an unusual hour's events, once past twice the usual.
type trendDraft struct {
	f     *triage.Finding
	kind  int
	label string // "logouts", "requests to GET /search"
}

type trendModel struct {
	o       LearnOptions
	sh      *learnShared
	routes  *routeModel // its per-method stats hold the STE3 series
	info    [3]triage.DetectorInfo
	login   series
	logout  series
	ev      *triage.Event
	hour    int64 // latest hour seen
	drafts  map[*series]*trendDraft
	out     [3][]triage.Finding
	counted [3]int
	warm    [3]int
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// step counts ev, once per event whichever STE point asks first; findings
// of finished hours wait in m.out for their point.
func (m *trendModel) step(ev *triage.Event) {
	if m.ev == ev {
		return
	}
	m.ev = ev
	if !isHTTPRequest(ev) || ev.Timestamp.IsZero() || ev.Timestamp.Unix() < 0 {
		return
	}
	h := ev.Timestamp.Unix() / 3600
	if m.hour == 0 {
		m.hour = h
		m.login, m.logout = newSeries(h), newSeries(h)
	}
	if h > m.hour {
		m.hour = h
		m.closeDrafts(func(s *series) bool { return s.hour < h })
	}
	h = m.hour // a late event counts in the current hour
	// Only routes the application served successfully before are
	// counted: a scan of made-up paths is not a change in the use of a
	// transaction (and must not flush the table).
	m.routes.step(ev)
	ms := m.routes.cur
	if ms == nil {
		return
	}
	switch ms.kind {
	case kindLogin:
		m.count(steLogin, &m.login, h, ev, nil)
	case kindLogout:
		m.count(steLogout, &m.logout, h, ev, nil)
	case kindOther:
		m.count(steRoute, &ms.s, h, ev, ms)
	}
}

var steLabels = [...]string{"logouts", "login attempts (writes to login routes)", ""}

func (m *trendModel) count(kind int, s *series, h int64, ev *triage.Event, ms *methodStat) {
	if s.hour != h {
		m.closeHour(s)
		s.startHour(h)
	}
	s.count++
	m.counted[kind]++
	if int(s.nBase) < m.o.STEMinDays {
		m.warm[kind]++
		return
	}
	// Evidence starts once the hour runs past twice its usual count and
	// half the floor, so ordinary hours build nothing.
	if float64(s.count) > 2*s.base && 2*int(s.count) >= m.o.STEFloor {
		if !s.drafting {
			s.drafting = true
			d := &trendDraft{f: newFinding(m.info[kind], ev), kind: kind, label: steLabels[kind]}
			d.f.SourceIP, d.f.UserAgent, d.f.UserName = netip.Addr{}, "", ""
			d.f.AddEvidence(ev)
			if ms != nil {
				path, _, _ := m.sh.resource(ev)
				d.label = "requests to " + ms.method + " " + path
			}
			m.drafts[s] = d
		} else {
			extendFinding(m.drafts[s].f, ev)
		}
	}
	if !s.open && float64(s.count) >= m.o.STEFactor*s.base && int(s.count) >= m.o.STEFloor {
		s.open = true
	}
}

// closeHour stores a series' finished hour and queues its finding.
func (m *trendModel) closeHour(s *series) {
	if s.hour < 0 {
		return
	}
	s.store()
	if s.drafting {
		d := m.drafts[s]
		delete(m.drafts, s)
		if s.open {
			from := time.Unix(s.hour*3600, 0).UTC()
			reason := fmt.Sprintf("%d %s between %s and %s UTC on %s, against a median of %s at that hour over %d previous days",
				s.count, clip(d.label, 120), from.Format("15:04"), from.Add(time.Hour).Format("15:04"), from.Format("2006-01-02"), trimFloat(s.base), s.nBase)
			m.out[d.kind] = append(m.out[d.kind], closeFinding(d.f, reason, steIDs[d.kind]))
		}
	}
	s.hour, s.count, s.drafting, s.open = -1, 0, false, false
}

func trimFloat(f float64) string {
	if f == float64(int64(f)) {
		return fmt.Sprint(int64(f))
	}
	return fmt.Sprintf("%.1f", f)
}

// closeDrafts closes the drafted hours done selects, in finding order so
// output is deterministic.
func (m *trendModel) closeDrafts(done func(*series) bool) {
	var todo []*series
	for s := range m.drafts {
		if done(s) {
			todo = append(todo, s)
		}
	}
	slices.SortFunc(todo, func(a, b *series) int {
		if c := compareFindings(m.drafts[a].f, m.drafts[b].f); c != 0 {
			return c
		}
		return strings.Compare(m.drafts[a].label, m.drafts[b].label)
	})
	for _, s := range todo {
		m.closeHour(s)
	}
}

// trendPoint is STE1, STE2 or STE3 over the shared model.
type trendPoint struct {
	m    *trendModel
	kind int
}

func (p *trendPoint) Info() triage.DetectorInfo { return p.m.info[p.kind] }

func (p *trendPoint) Observe(ev *triage.Event, emit func(triage.Finding)) {
	p.m.step(ev)
	p.drain(emit)
}

func (p *trendPoint) drain(emit func(triage.Finding)) {
	for _, f := range p.m.out[p.kind] {
		emit(f)
	}
	p.m.out[p.kind] = p.m.out[p.kind][:0]
}

func (p *trendPoint) Flush(emit func(triage.Finding)) {
	p.m.closeDrafts(func(*series) bool { return true })
	p.drain(emit)
}

func (p *trendPoint) Lints() []triage.Lint {
	id := steIDs[p.kind]
	return warmupLint(id, p.m.warm[p.kind], p.m.counted[p.kind], [...]string{"logouts", "login attempts", "requests"}[p.kind],
		fmt.Sprintf("their hour of the day had fewer than %d earlier days of history", p.m.o.STEMinDays))
}

func newTrendPoints(o LearnOptions, sh *learnShared, routes *routeModel) (*trendModel, []triage.Detector) {
	m := &trendModel{o: o, sh: sh, routes: routes, drafts: map[*series]*trendDraft{}}
	routes.onDrop = func(ms *methodStat) { m.closeHour(&ms.s) }
	rule := fmt.Sprintf("in one UTC hour at %g times the median of the same hour on up to %d previous days (at least %d) and at least %d", o.STEFactor, steHistDays, o.STEMinDays, o.STEFloor)
	m.info[steLogout] = pointInfo("STE1", "logouts across the site "+rule+"; logout routes are paths containing "+strings.Join(o.LogoutMarkers, ", "))
	m.info[steLogin] = pointInfo("STE2", "login attempts (writes to login routes) across the site "+rule+"; login routes are paths containing "+strings.Join(o.LoginMarkers, ", "))
	m.info[steRoute] = pointInfo("STE3", "requests to one transaction "+rule+" (login, logout and static routes left to STE1/STE2)")
	return m, []triage.Detector{&trendPoint{m, steLogout}, &trendPoint{m, steLogin}, &trendPoint{m, steRoute}}
}
