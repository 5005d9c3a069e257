package appsensor

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"picket/triage"
)

// burstGap is how long an actor may pause before its next hit starts a new
// finding. A scanner's run of probes becomes one finding citing every
// request, instead of hundreds of findings about the same thing.
const burstGap = 10 * time.Minute

// maxOpenBursts bounds the state: past it, the burst of the actor seen
// least recently is reported early.
const maxOpenBursts = 50000

type actor struct {
	ip netip.Addr
	ua string
}

type burst struct {
	f       triage.Finding
	details []string // distinct details, at most maxDetails
	more    bool     // details beyond maxDetails were seen
}

const maxDetails = 3

// bursts merges one detection point's hits per actor (source IP × user
// agent, the grouping key) by event time, never the wall clock.
type bursts struct {
	info      triage.DetectorInfo
	noun      string              // what is counted: "request"
	tag       string              // "Request, attack": the point's category and class
	open      table[actor, burst] // by value: every point asks it each event
	lastSweep int64               // Unix nanoseconds of the last sweep
	swept     bool
	emit      func(triage.Finding) // for bursts reported early at the cap
}

func newBursts(info triage.DetectorInfo, noun string) *bursts {
	tag := strings.TrimPrefix(info.ID, "appsensor:")
	if e, ok := Lookup(tag); ok {
		tag = e.ID + ", " + e.Category + ", " + string(e.Class)
	}
	b := &bursts{info: info, noun: noun, tag: tag}
	b.open.init(maxOpenBursts)
	b.open.onEvict = func(_ actor, cur *burst) { b.emitBurst(cur, b.emit) }
	return b
}

// hit records that ev matched, with a short detail for the reason.
func (b *bursts) hit(ev *triage.Event, detail string, emit func(triage.Finding)) {
	b.sweep(ev.Timestamp, emit)
	k := actor{ev.SourceIP, ev.UserAgent}
	cur := b.open.get(k)
	if cur != nil && !ev.Timestamp.IsZero() && ev.Timestamp.Sub(cur.f.End) > burstGap {
		b.report(k, emit)
		cur = nil
	}
	if cur == nil {
		b.emit = emit
		cur = b.open.add(k)
		*cur = burst{f: triage.Finding{
			Detector:  b.info.ID,
			Title:     b.info.Title,
			Severity:  b.info.Severity,
			RiskScore: b.info.RiskScore,
			Timestamp: ev.Timestamp,
			End:       ev.Timestamp,
			SourceIP:  ev.SourceIP,
			UserAgent: ev.UserAgent,
			UserName:  ev.UserName,
		}}
	}
	cur.f.AddEvidence(ev)
	if ev.Timestamp.Before(cur.f.Timestamp) {
		cur.f.Timestamp = ev.Timestamp
	}
	if ev.Timestamp.After(cur.f.End) {
		cur.f.End = ev.Timestamp
	}
	if cur.f.UserName == "" {
		cur.f.UserName = ev.UserName
	}
	if !slices.Contains(cur.details, detail) {
		if len(cur.details) < maxDetails {
			cur.details = append(cur.details, detail)
		} else {
			cur.more = true
		}
	}
}

// observeTime lets time pass without a hit, so quiet actors get reported.
func (b *bursts) observeTime(t time.Time, emit func(triage.Finding)) { b.sweep(t, emit) }

func (b *bursts) sweep(now time.Time, emit func(triage.Finding)) {
	// Compared as Unix nanoseconds: this runs for every event in every
	// point, and time.Time arithmetic was a tenth of the whole cost.
	ns := now.UnixNano()
	if now.IsZero() || (b.swept && ns-b.lastSweep < int64(burstGap/2)) {
		return
	}
	b.lastSweep, b.swept = ns, true
	var done []actor
	b.open.oldest(func(k actor, cur *burst) bool {
		if now.Sub(cur.f.End) > burstGap {
			done = append(done, k)
		}
		return true // ends may be out of order: look at every burst
	})
	b.reportInOrder(done, emit)
}

func (b *bursts) flushAll(emit func(triage.Finding)) {
	keys := make([]actor, 0, b.open.len())
	b.open.oldest(func(k actor, _ *burst) bool {
		keys = append(keys, k)
		return true
	})
	b.reportInOrder(keys, emit)
}

// lints says how often the table of open bursts was full.
func (b *bursts) lints() []triage.Lint {
	return evictionLint(b.info.ID, b.open.evicted, fmt.Sprintf("more than %d actors with an open finding at once", maxOpenBursts),
		"the finding of the actor seen least recently was reported early (a later hit starts a new one)")
}

// reportInOrder emits findings by start time so output is deterministic.
func (b *bursts) reportInOrder(keys []actor, emit func(triage.Finding)) {
	slices.SortFunc(keys, func(x, y actor) int {
		if c := b.open.peek(x).f.Timestamp.Compare(b.open.peek(y).f.Timestamp); c != 0 {
			return c
		}
		if c := x.ip.Compare(y.ip); c != 0 {
			return c
		}
		return strings.Compare(x.ua, y.ua)
	})
	for _, k := range keys {
		b.report(k, emit)
	}
}

func (b *bursts) report(k actor, emit func(triage.Finding)) {
	b.emitBurst(b.open.peek(k), emit)
	b.open.remove(k)
}

// emitBurst closes a burst into its finding.
func (b *bursts) emitBurst(cur *burst, emit func(triage.Finding)) {
	f := cur.f
	reason := strings.Join(cur.details, "; ")
	if cur.more {
		reason += "; and more"
	}
	if n := f.EventCount; n > 1 {
		reason += fmt.Sprintf(" (%d %s over %s)", n, nounPlural(b.noun), span(f.End.Sub(f.Timestamp)))
	}
	f.Reason = reason + " — AppSensor " + b.tag
	f.Reason = strings.TrimPrefix(f.Reason, " ")
	if f.End.Equal(f.Timestamp) {
		f.End = time.Time{}
	}
	emit(f)
}

func span(d time.Duration) string {
	switch {
	case d < time.Second:
		return "under a second"
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Round(time.Minute).Minutes()))
	}
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	if m == 0 {
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}

// nounPlural is the plural of a burst's noun: "requests", "queries".
func nounPlural(noun string) string {
	if strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ay") && !strings.HasSuffix(noun, "ey") {
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}
