package appsensor

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"picket/triage"
)

// DefaultMaxActors caps how many actors a windowed point tracks at once;
// past it the least recently seen actor is dropped (its open finding is
// reported first), so memory never grows with the input.
const DefaultMaxActors = 100000

// Threshold is AppSensor's model: Count qualifying events (distinct values
// when the point counts distinct things) by one actor within Window.
type Threshold struct {
	Count  int
	Window time.Duration
}

func (t Threshold) String() string { return fmt.Sprintf("%d in %s", t.Count, span(t.Window)) }

// hit is one qualifying event kept in an actor's window.
type hit struct {
	at    time.Time
	ref   triage.EventRef
	ip    netip.Addr // who sent it: a per-user window counts many addresses
	value string     // what is counted distinctly ("" when counting events)
}

// actorWindow is one actor's state: the hits inside the window and, once
// the threshold was crossed, the finding being built.
type actorWindow struct {
	key    string
	hits   []hit
	open   *triage.Finding
	values []string // distinct values in the open finding, at most maxShown
	nvals  int      // how many distinct values the open finding has seen
	seen   map[string]bool
	last   time.Time
}

const maxShown = 8

// windowPoint raises a finding when an actor crosses a Threshold: the hits
// in the window become its evidence, and further hits extend it until the
// actor has been quiet for a whole window.
type windowPoint struct {
	info      triage.DetectorInfo
	tag       string
	threshold Threshold
	distinct  bool
	maxActors int
	// qualify decides whether ev counts, under which actor, and the value
	// counted distinctly.
	qualify func(ev *triage.Event) (actor, value string, ok bool)
	// describe writes the reason from the distinct values (or nil) and the
	// number of events.
	describe func(values []string, nvals, events int, d time.Duration) string

	// reputation lists halve the threshold for their sources (RP1 as a
	// modifier, as the AppSensor guide intends).
	reputation []Reputation

	actors    *table[string, actorWindow]
	lastSweep int64 // Unix nanoseconds of the last sweep
	swept     bool
	emit      func(triage.Finding) // for findings of actors forgotten at the cap
}

func newWindowPoint(id, summary string, th Threshold, distinct bool) *windowPoint {
	info := pointInfo(id, summary+" (default "+th.String()+")")
	e, _ := Lookup(id)
	return &windowPoint{
		info: info, tag: e.ID + ", " + e.Category + ", " + string(e.Class),
		threshold: th, distinct: distinct, maxActors: DefaultMaxActors,
	}
}

// table makes the actor table on first use, when maxActors is settled.
func (w *windowPoint) table() *table[string, actorWindow] {
	if w.actors == nil {
		w.actors = newTable[string, actorWindow](w.maxActors)
		w.actors.onEvict = func(_ string, aw *actorWindow) {
			if aw.open != nil {
				w.report(aw, w.emit)
			}
		}
	}
	return w.actors
}

func (w *windowPoint) Info() triage.DetectorInfo { return w.info }

func (w *windowPoint) Observe(ev *triage.Event, emit func(triage.Finding)) {
	w.sweep(ev.Timestamp, emit)
	actor, value, ok := w.qualify(ev)
	if !ok || actor == "" {
		return
	}
	w.emit = emit
	aw, added := w.table().upsert(actor)
	if added {
		aw.key = actor
	}
	t := ev.Timestamp
	if aw.open != nil && t.Sub(aw.open.End) > w.threshold.Window {
		w.report(aw, emit) // the actor went quiet: that burst is over
	}
	if t.After(aw.last) {
		aw.last = t
	}
	if aw.open != nil {
		w.extend(aw, ev, value)
		return
	}
	aw.hits = append(aw.hits, hit{at: t, ref: ev.Ref(), ip: ev.SourceIP, value: value})
	// Drop hits that fell out of the window (event time; slight disorder
	// is tolerated because only hits older than the window go).
	cut := 0
	for cut < len(aw.hits) && t.Sub(aw.hits[cut].at) > w.threshold.Window {
		cut++
	}
	aw.hits = aw.hits[cut:]
	need := w.threshold.Count
	if _, bad := listed(w.reputation, ev.SourceIP); bad {
		need = max(1, (need+1)/2)
	}
	if w.count(aw.hits) >= need {
		w.start(aw, ev)
	}
	if len(aw.hits) > 4*w.threshold.Count+64 { // bound a window of non-distinct repeats
		aw.hits = aw.hits[len(aw.hits)-(2*w.threshold.Count+32):]
	}
}

func (w *windowPoint) count(hs []hit) int {
	if !w.distinct {
		return len(hs)
	}
	n := 0
	for i, h := range hs {
		dup := false
		for _, p := range hs[:i] {
			if p.value == h.value {
				dup = true
				break
			}
		}
		if !dup {
			n++
		}
	}
	return n
}

func (w *windowPoint) start(aw *actorWindow, ev *triage.Event) {
	f := &triage.Finding{
		Detector:  w.info.ID,
		Title:     w.info.Title,
		Severity:  w.info.Severity,
		RiskScore: w.info.RiskScore,
		Timestamp: aw.hits[0].at,
		End:       ev.Timestamp,
		SourceIP:  ev.SourceIP,
		UserAgent: ev.UserAgent,
		UserName:  ev.UserName,
	}
	aw.open, aw.seen, aw.values, aw.nvals = f, map[string]bool{}, nil, 0
	for _, h := range aw.hits {
		f.AddRef(h.ref)
		f.NoteSource(h.ip)
		if h.at.Before(f.Timestamp) {
			f.Timestamp = h.at
		}
		w.note(aw, h.value)
	}
	aw.hits = aw.hits[:0]
}

func (w *windowPoint) extend(aw *actorWindow, ev *triage.Event, value string) {
	f := aw.open
	f.AddEvidence(ev)
	if ev.Timestamp.After(f.End) {
		f.End = ev.Timestamp
	}
	if f.UserName == "" {
		f.UserName = ev.UserName
	}
	w.note(aw, value)
}

func (w *windowPoint) note(aw *actorWindow, v string) {
	if v == "" || aw.seen[v] {
		return
	}
	aw.nvals++
	if len(aw.seen) < 4096 {
		aw.seen[v] = true
	}
	if len(aw.values) < maxShown {
		aw.values = append(aw.values, v)
	}
}

func (w *windowPoint) report(aw *actorWindow, emit func(triage.Finding)) {
	f := *aw.open
	aw.open, aw.seen = nil, nil
	d := f.End.Sub(f.Timestamp)
	f.Reason = w.describe(aw.values, aw.nvals, f.EventCount, d) + " — AppSensor " + w.tag
	aw.values, aw.nvals = nil, 0
	emit(f)
}

func (w *windowPoint) evict(aw *actorWindow, emit func(triage.Finding)) {
	if aw.open != nil {
		w.report(aw, emit)
	}
	w.actors.remove(aw.key)
}

// sweep reports open findings of actors quiet for a whole window and
// forgets actors with nothing left in their window.
func (w *windowPoint) sweep(now time.Time, emit func(triage.Finding)) {
	ns := now.UnixNano() // cheaper than time.Time arithmetic on every event
	if now.IsZero() || (w.swept && ns-w.lastSweep < int64(w.threshold.Window/2+time.Second)) {
		return
	}
	w.lastSweep, w.swept = ns, true
	if w.actors == nil {
		return
	}
	var idle []*actorWindow
	w.actors.oldest(func(_ string, aw *actorWindow) bool {
		if now.Sub(aw.last) <= w.threshold.Window {
			return false // the rest were seen more recently
		}
		idle = append(idle, aw)
		return true
	})
	w.evictInOrder(idle, emit)
}

func (w *windowPoint) Flush(emit func(triage.Finding)) {
	if w.actors == nil {
		return
	}
	var all []*actorWindow
	w.actors.oldest(func(_ string, aw *actorWindow) bool {
		all = append(all, aw)
		return true
	})
	w.evictInOrder(all, emit)
}

// Lints says how often the actor table was full.
func (w *windowPoint) Lints() []triage.Lint {
	if w.actors == nil {
		return nil
	}
	return evictionLint(w.info.ID, w.actors.evicted, fmt.Sprintf("more than %d actors at once", w.maxActors),
		"the least recently seen actor was forgotten (its open finding reported early, hits in its window lost)")
}

// evictInOrder reports findings by start time so output is deterministic.
func (w *windowPoint) evictInOrder(aws []*actorWindow, emit func(triage.Finding)) {
	slices.SortStableFunc(aws, func(a, b *actorWindow) int {
		if a.open == nil || b.open == nil {
			return 0
		}
		if c := a.open.Timestamp.Compare(b.open.Timestamp); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	for _, aw := range aws {
		w.evict(aw, emit)
	}
}

// listValues writes "a, b, c, …" for a reason, escaped and clipped.
func listValues(values []string, total int) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = clip(v, 40)
	}
	s := strings.Join(out, ", ")
	if total > len(values) {
		s += ", …"
	}
	return s
}

// ParseThreshold reads "COUNT/WINDOW", e.g. "5/10m".
func ParseThreshold(s string) (Threshold, error) {
	n, w, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Threshold{}, fmt.Errorf("threshold %q: want COUNT/WINDOW, e.g. 5/10m", s)
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count < 1 {
		return Threshold{}, fmt.Errorf("threshold %q: count must be a positive whole number", s)
	}
	d, err := time.ParseDuration(strings.TrimSpace(w))
	if err != nil || d <= 0 {
		return Threshold{}, fmt.Errorf("threshold %q: window must be a duration such as 90s, 5m or 1h", s)
	}
	return Threshold{count, d}, nil
}

// SetThreshold overrides one windowed point's threshold by id ("AE1").
func (o *Options) SetThreshold(id string, th Threshold) error {
	targets := map[string]*Threshold{
		"AE1": &o.Login.AE1, "AE2": &o.Login.AE2, "AE3": &o.Login.AE3,
		"ACE1": &o.Actor.ACE1, "ACE2": &o.Actor.ACE2, "ACE3": &o.Actor.ACE3, "ACE4": &o.Actor.ACE4,
		"UT2": &o.Actor.UT2, "FIO2": &o.Actor.FIO2,
	}
	t, ok := targets[strings.ToUpper(id)]
	if !ok {
		ids := make([]string, 0, len(targets))
		for k := range targets {
			ids = append(ids, k)
		}
		slices.Sort(ids)
		return fmt.Errorf("no windowed threshold for %q (have %s)", id, strings.Join(ids, ", "))
	}
	*t = th
	return nil
}
