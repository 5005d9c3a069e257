package appsensor

import (
	"fmt"
	"slices"
	"strings"

	"picket/triage"
)

// Minimum evidence before AE10/AE11 judge: the CRS profiler's idea of
// enforcing only after enough clean traffic, scaled to login volumes.
const (
	loginMinAttempts = 20
	loginMinActors   = 5
	maxLoginFields   = 256
)

// fieldStat is what is known of one login body field: in how many clean
// logins it appeared, and by whom (two actors are enough to know that
// someone other than the one being judged sent it).
type fieldStat struct {
	logins int
	actors [2]string
}

// loginFieldLearner learns which fields honest login bodies carry, from
// logins that did not fail. Each request is judged against what was
// learned before it, then learned from: a login is read when the first
// point sees it and learned only when the next event comes, once both
// points have judged it (learning it between them counted it in its own
// reason).
type loginFieldLearner struct {
	lp       *loginParser
	sess     []string
	fields   map[string]*fieldStat
	logins   int
	actors   map[string]bool
	nActors  int
	cur      seenLogin
	unjudged int
}

// seenLogin is what learning needs of the event being judged, copied out
// of it when it arrives.
type seenLogin struct {
	ev     *triage.Event
	clean  bool // a captured login body that did not fail
	fields []string
	who    string
}

func (l *loginFieldLearner) ready() bool {
	return l.logins >= loginMinAttempts && l.nActors >= loginMinActors
}

// knownFromOthers reports whether an actor other than who sent f.
func (l *loginFieldLearner) knownFromOthers(f, who string) bool {
	st := l.fields[f]
	if st == nil {
		return false
	}
	return (st.actors[0] != "" && st.actors[0] != who) || (st.actors[1] != "" && st.actors[1] != who)
}

// next is called by each point before it judges ev: on an event not seen
// yet, it learns the one before (both points have judged it by now) and
// reads ev.
func (l *loginFieldLearner) next(ev *triage.Event) {
	if l.cur.ev == ev {
		return
	}
	l.learn(l.cur)
	l.cur = seenLogin{ev: ev}
	lg, ok := l.lp.get(ev)
	if !ok || !lg.captured {
		return
	}
	if !l.ready() {
		l.unjudged++
	}
	if lg.failed || ev.StatusCode >= 400 {
		return
	}
	l.cur.clean, l.cur.fields, l.cur.who = true, dedupe(lg.fields), actorKey(ev, l.sess)
}

// learn records a clean login.
func (l *loginFieldLearner) learn(s seenLogin) {
	if !s.clean {
		return
	}
	who := s.who
	l.logins++
	if !l.actors[who] && len(l.actors) < 10000 {
		l.actors[who] = true
		l.nActors++
	}
	for _, f := range s.fields {
		st := l.fields[f]
		if st == nil {
			if len(l.fields) >= maxLoginFields {
				continue
			}
			st = &fieldStat{}
			l.fields[f] = st
		}
		st.logins++
		switch {
		case st.actors[0] == "":
			st.actors[0] = who
		case st.actors[1] == "" && st.actors[0] != who:
			st.actors[1] = who
		}
	}
}

func dedupe(fs []string) []string {
	out := fs[:0:0]
	for _, f := range fs {
		if !containsFold(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// loginFieldPoint is AE10 or AE11 over a shared learner.
type loginFieldPoint struct {
	*point
	l *loginFieldLearner
}

func (p *loginFieldPoint) Observe(ev *triage.Event, emit func(triage.Finding)) {
	p.l.next(ev)
	p.point.Observe(ev, emit)
}

// Lints says how many login bodies arrived before the field sets were
// learned (AE11 reports it; one line for both points).
func (p *loginFieldPoint) Lints() []triage.Lint {
	if p.info().ID != "appsensor:AE11" || p.l.unjudged == 0 {
		return p.b.lints()
	}
	return append(p.b.lints(), triage.Lint{
		Detector: "appsensor:AE10,AE11",
		Message:  fmt.Sprintf("%d captured login bodies were not judged for extra or missing fields: the usual field set needs %d clean logins from %d users first", p.l.unjudged, loginMinAttempts, loginMinActors),
		Count:    p.l.unjudged,
	})
}

func (p *point) info() triage.DetectorInfo { return p.b.info }

func newLoginFields(lp *loginParser, sess []string) (ae10, ae11 *loginFieldPoint) {
	l := &loginFieldLearner{lp: lp, sess: sess, fields: map[string]*fieldStat{}, actors: map[string]bool{}}
	extra := &point{b: newBursts(pointInfo("AE10", "a login body field that no other client's clean logins carry (learned)"), "login attempt")}
	extra.check = func(ev *triage.Event) (string, bool) {
		lg, ok := lp.get(ev)
		if !ok || !lg.captured || !l.ready() {
			return "", false
		}
		who := actorKey(ev, sess)
		var odd []string
		for _, f := range dedupe(lg.fields) {
			if !l.knownFromOthers(f, who) {
				odd = append(odd, f)
			}
		}
		if len(odd) == 0 {
			return "", false
		}
		return fmt.Sprintf("login field %s never seen in %d clean logins by other users", listValues(odd, len(odd)), l.logins), true
	}
	missing := &point{b: newBursts(pointInfo("AE11", "a login body missing a field that nearly every clean login carries (learned)"), "login attempt")}
	missing.check = func(ev *triage.Event) (string, bool) {
		lg, ok := lp.get(ev)
		if !ok || !lg.captured || !l.ready() {
			return "", false
		}
		var gone []string
		least := l.logins
		for f, st := range l.fields {
			// Username and password fields are AE8/AE9's business.
			if containsFold(lp.opts.UsernameFields, f) || containsFold(lp.opts.PasswordFields, f) {
				continue
			}
			if st.logins*100 >= l.logins*95 && !containsFold(lg.fields, f) {
				gone = append(gone, f)
				least = min(least, st.logins)
			}
		}
		if len(gone) == 0 {
			return "", false
		}
		slices.Sort(gone)
		if len(gone) > 1 {
			return fmt.Sprintf("login without fields %s, which at least %d of %d clean logins carried", strings.Join(gone, ", "), least, l.logins), true
		}
		return fmt.Sprintf("login without field %s, which %d of %d clean logins carried", gone[0], least, l.logins), true
	}
	return &loginFieldPoint{extra, l}, &loginFieldPoint{missing, l}
}
