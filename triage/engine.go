package triage

import (
	"context"
	"fmt"
	"time"
)

// Detector re-runs one detection over a stream of events. The engine calls
// it from a single goroutine, in stream order, so it needs no locking; it
// must keep only bounded state (windows, baselines), never the stream.
type Detector interface {
	// Info describes the detector for `picket rules` and the console.
	Info() DetectorInfo
	// Observe sees each event once and reports findings through emit.
	Observe(ev *Event, emit func(Finding))
	// Flush reports what is still held in windows when the stream ends.
	Flush(emit func(Finding))
}

// Lint is something a detector has to tell the analyst about the data or
// itself after a run: events it could not see, why a rule cannot match, how
// long a model was still learning. Lints go to stderr in `picket detect`
// and beside the detector in the console.
type Lint struct {
	Detector string
	Message  string // one line, plain words
	Count    int    // events concerned, when that makes sense
}

// InputLint is the Detector of lints about the input itself, not about a
// detector (events whose @timestamp is no date).
const InputLint = "input"

// Linter is implemented by detectors that report lints after Flush.
type Linter interface {
	Lints() []Lint
}

// Readiness says whether a detector can run on the data Picket has.
type Readiness string

// Readiness values shown by `picket rules`.
const (
	RunsLocally  Readiness = "runs locally"
	NeedsConfig  Readiness = "needs configuration"
	CannotJudge  Readiness = "cannot be judged from HTTP/APM events"
	NotAvailable Readiness = "not available yet"
)

// DetectorInfo describes a detector.
type DetectorInfo struct {
	ID        string
	Title     string
	Severity  Severity
	RiskScore int
	// Summary says in one line what the detector looks for.
	Summary string
	// Readiness and Why say whether it runs here, and what it needs or
	// lacks when it does not.
	Readiness Readiness
	Why       string
	// Impact is what the detector's findings mean if true (see Impact).
	Impact Impact
}

// Source streams events. Sources report unreadable input through their own
// warning callback and go on; Events returns an error only when the source
// as a whole fails (a file cannot be opened, a connection drops).
type Source interface {
	// Name says where the events come from, for the console's title bar
	// ("demo data", "access.ndjson").
	Name() string
	// Events calls fn for each event in order until the input ends, ctx is
	// cancelled, or fn returns an error (which Events returns).
	Events(ctx context.Context, fn func(*Event) error) error
}

// Stats counts what a run saw.
type Stats struct {
	Events     int
	Findings   int
	ByDetector map[string]int
	// Unproven counts findings dropped because they cited no event (a
	// detector bug; tests assert it stays zero).
	Unproven int
	// Lints collects what detectors implementing Linter reported.
	Lints []Lint
	// Suppressed counts findings dropped by Exceptions or Allowlist (not
	// included in Findings or ByDetector).
	Suppressed int
}

// Engine runs detectors over a source.
type Engine struct {
	Detectors []Detector
	// OnEvent, when set, sees every event before the detectors do (the
	// console keeps evidence this way).
	OnEvent func(*Event)
	// OnFinding receives each finding as it is raised.
	OnFinding func(Finding)
	// Exceptions and Allowlist suppress findings (see Exception and
	// AllowEntry); expired ones are ignored.
	Exceptions []Exception
	Allowlist  []AllowEntry
	// Suppress gives the Suppressor value lists and rules' exception
	// lists (WithValueLists, WithRuleLists); what it cannot apply is
	// reported among the lints.
	Suppress []SuppressOption
	// Capture names grouping fields findings should carry as Attrs (see
	// GroupValue): values of the last event a finding cites, read while
	// that event is among the recent ones the engine remembers, else of
	// the event being processed when the finding was raised.
	Capture []string
	// Project, when set and the source is a PlannedSource, makes the
	// source decode only the fields the run reads (see Plan) and skip the
	// lines every detector's LineFilter rejects. Findings are the same;
	// only the work differs.
	Project bool
	// Fields are fields to decode besides those Plan derives, for a
	// caller that reads events' struct fields itself.
	Fields []string
}

// Plan returns what the run needs of each event: the union of the fields
// the detectors read (every field when one of them does not say, see
// FieldReader), the grouping fields in Capture, the fields of active
// exceptions, and Fields; and, when every detector has a LineFilter and
// no OnEvent needs every event, a test that keeps the lines any of them
// keeps.
func (e *Engine) Plan() ReadPlan {
	// The engine's own needs: joining spans to their request, and the
	// user a finding about many addresses is filed under.
	p := ProjectFields(e.Fields...).With(e.Capture...).With("processor.event", "transaction.id", "trace.id", "user.name", "session.id")
	all := false
	for _, d := range e.Detectors {
		fr, ok := d.(FieldReader)
		if !ok {
			all = true
			break
		}
		p = p.With(fr.Fields()...)
	}
	for i := range e.Exceptions {
		p = p.With(exceptionFields(e.Exceptions[i].Entries, "")...)
	}
	if all {
		p = AllFields()
	}
	plan := ReadPlan{Fields: p, Resolve: ResolveFields(e.Detectors, e.Capture)}
	if e.OnEvent != nil || len(e.Detectors) == 0 {
		return plan
	}
	var keeps []func([]byte) bool
	for _, d := range e.Detectors {
		lf, ok := d.(LineFilter)
		if !ok {
			return plan
		}
		keep, ok := lf.LineFilter()
		if !ok {
			return plan
		}
		keeps = append(keeps, keep)
	}
	if len(keeps) == 1 {
		plan.Keep = keeps[0]
	} else {
		plan.Keep = func(line []byte) bool {
			for _, k := range keeps {
				if k(line) {
					return true
				}
			}
			return false
		}
	}
	return plan
}

// exceptionFields lists the fields exception entries read, nested ones
// joined to their parent's path.
func exceptionFields(entries []ExceptionEntry, prefix string) []string {
	var out []string
	for _, en := range entries {
		f := prefix + en.Field
		out = append(out, f)
		out = append(out, exceptionFields(en.Entries, f+".")...)
	}
	return out
}

// maxHeld and holdEvents bound the findings held for a transaction that
// has not come yet: how many, and for how many events each.
const (
	maxHeld    = 4096
	holdEvents = joinSpans
)

// Run streams src through every detector and returns what it counted. It
// returns the source's error, if any, after flushing the detectors so that
// partial results are kept.
func (e *Engine) Run(ctx context.Context, src Source) (Stats, error) {
	st := Stats{ByDetector: make(map[string]int)}
	sup := NewSuppressor(e.Exceptions, e.Allowlist, time.Now(), e.Suppress...)
	seen := &streamHits{s: sup, matched: make(map[uint64][]int32)}
	capture := newCapturer(e.Capture)
	join := newTraceJoin()
	var current *Event // the event being processed; nil at Flush
	infos := make([]DetectorInfo, len(e.Detectors))
	for i, d := range e.Detectors {
		infos[i] = d.Info()
	}
	// finish files f under its subject, judges it and passes it on; cur
	// is the event being processed (nil for a finding held back).
	finish := func(f Finding, cur *Event) {
		f.fileUnderSubject()
		if _, hidden := sup.Judge(&f, seen.lookup); hidden {
			st.Suppressed++
			return
		}
		if f.EventCount < len(f.Evidence) {
			f.EventCount = len(f.Evidence)
		}
		capture.attach(&f, cur)
		st.Findings++
		st.ByDetector[f.Detector]++
		if e.OnFinding != nil {
			e.OnFinding(f)
		}
	}
	// held are findings on spans that came before their transaction:
	// passed on once it comes and joins them, once they have waited
	// holdEvents events, or at the end.
	var held []Finding
	var swept uint64 // where release last looked at held findings
	release := func(seq uint64, all bool) {
		swept = seq
		kept := held[:0]
		for _, f := range held {
			join.attach(&f)
			if all || f.SourceIP.IsValid() || !join.awaits(&f) || seq-f.Evidence[len(f.Evidence)-1].Seq > holdEvents {
				finish(f, nil)
				continue
			}
			kept = append(kept, f)
		}
		clear(held[len(kept):])
		held = kept
	}
	emitters := make([]func(Finding), len(e.Detectors))
	for i := range e.Detectors {
		info := infos[i]
		emitters[i] = func(f Finding) {
			if f.Detector == "" {
				f.Detector = info.ID
			}
			if f.Title == "" {
				f.Title = info.Title
			}
			if len(f.Evidence) == 0 {
				// A finding without evidence cannot be checked by anyone: a
				// detector bug. Count it so tests and the summary show it.
				st.Unproven++
				return
			}
			// File it under whoever it is about before anything judges
			// its actor: a span's finding under the request's client, a
			// finding about many addresses under its user or the site.
			if f.Impact == ImpactNone {
				f.Impact = info.Impact
			}
			join.attach(&f)
			if current != nil && join.awaits(&f) {
				if len(held) == maxHeld {
					finish(held[0], nil)
					held = held[1:]
				}
				held = append(held, f)
				return
			}
			finish(f, current)
		}
	}
	var badTimes int
	var badTimeAt string
	observe := func(ev *Event) error {
		if ev.BadTimestamp {
			if badTimes++; badTimeAt == "" {
				badTimeAt = ev.Origin
			}
		}
		st.Events++
		ev.Seq = uint64(st.Events)
		current = ev
		seen.observe(ev)
		// Held findings are looked at when a request joins spans, and
		// every 1,024 events for those that waited long enough (Seq jumps
		// over the lines a planned read skipped: counted, not matched).
		if join.observe(ev) && len(held) > 0 || len(held) > 0 && ev.Seq-swept >= 1024 {
			release(ev.Seq, false)
		}
		capture.observe(ev)
		if e.OnEvent != nil {
			e.OnEvent(ev)
		}
		for i, d := range e.Detectors {
			d.Observe(ev, emitters[i])
		}
		return ctx.Err()
	}
	var err error
	if ps, ok := src.(PlannedSource); ok && e.Project {
		err = ps.EventsPlanned(ctx, e.Plan(), observe, func(n int) {
			// Skipped events keep their place in the numbering, so
			// evidence is cited as in a full read.
			st.Events += n
			for _, d := range e.Detectors {
				if lf, ok := d.(LineFilter); ok {
					lf.Skipped(n)
				}
			}
		})
	} else {
		err = src.Events(ctx, observe)
	}
	current = nil
	release(0, true)
	for i, d := range e.Detectors {
		d.Flush(emitters[i])
	}
	for _, d := range e.Detectors {
		if l, ok := d.(Linter); ok {
			st.Lints = append(st.Lints, l.Lints()...)
		}
	}
	st.Lints = append(st.Lints, sup.Lints()...)
	if badTimes > 0 {
		st.Lints = append(st.Lints, Lint{Detector: InputLint, Count: badTimes, Message: fmt.Sprintf(
			"%d event(s) have an @timestamp that is no date (first at %s): they count as undated, and findings on them carry no time",
			badTimes, badTimeAt)})
	}
	return st, err
}
