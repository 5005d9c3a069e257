package triage

import (
	"strings"
	"time"
)

// Suppressor decides which findings the active exceptions and allowlist
// entries hide. It is the one owner of that decision: the engine (picket
// detect), the console, the exports and the reconciliation of pulled
// alerts all ask it, so they cannot disagree.
//
// The rule: a finding is hidden when an allowlist entry for its detector
// names its actor (address, CIDR, user agent, user), or when every event
// it rests on, each one of EventCount and not only the ids it lists, is
// excluded by some exception that applies to its detector (different
// events may be excluded by different exceptions, as Kibana excludes
// events one by one). A finding with an event that cannot be judged (not
// kept, or known by id only) is not hidden by exceptions.
type Suppressor struct {
	exceptions []Exception // active exceptions, allowlisted paths and domains included
	allow      []AllowEntry
}

// NewSuppressor keeps the entries active at now. Path and domain allowlist
// entries become the equivalent event exceptions (see AsException). It
// returns nil when nothing applies; a nil Suppressor hides nothing.
func NewSuppressor(xs []Exception, allow []AllowEntry, now time.Time) *Suppressor {
	s := &Suppressor{}
	for _, x := range xs {
		if x.Active(now) && len(x.Entries) > 0 {
			s.exceptions = append(s.exceptions, x)
		}
	}
	for _, a := range allow {
		if !a.Active(now) {
			continue
		}
		if x, ok := a.AsException(); ok {
			s.exceptions = append(s.exceptions, x)
			continue
		}
		s.allow = append(s.allow, a)
	}
	if len(s.exceptions) == 0 && len(s.allow) == 0 {
		return nil
	}
	return s
}

// HasExceptions reports whether any event exception is active, that is
// whether events need to be matched at all.
func (s *Suppressor) HasExceptions() bool { return s != nil && len(s.exceptions) > 0 }

// Matching returns the indexes of the exceptions ev satisfies, nil when
// none does. Callers that judge many findings remember it per event.
func (s *Suppressor) Matching(ev *Event) []int32 {
	if s == nil {
		return nil
	}
	var hits []int32
	for i := range s.exceptions {
		if s.exceptions[i].Matches(ev) {
			hits = append(hits, int32(i))
		}
	}
	return hits
}

// Hider names what hid a finding: an allowlist entry, or the exceptions
// that excluded its events.
type Hider struct {
	Allow      *AllowEntry
	Exceptions []*Exception
}

// String names the entry in a few words ("allowlist entry user_agent curl/8",
// "exception Googlebot").
func (h Hider) String() string {
	if h.Allow != nil {
		return "allowlist entry " + h.Allow.Kind + " " + h.Allow.Value
	}
	names := make([]string, 0, len(h.Exceptions))
	for _, x := range h.Exceptions {
		name := strings.TrimSpace(x.Name)
		if name == "" {
			name = ExceptionSummary(x.Entries)
		}
		names = append(names, name)
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return "exception " + names[0]
	}
	return "exceptions " + strings.Join(names, "; ")
}

// Kind is "allowlisted" or "exception": how the console marks a row.
func (h Hider) Kind() string {
	if h.Allow != nil {
		return "allowlisted"
	}
	return "exception"
}

// EventHits tells which exceptions (indexes, as Matching returns them) the
// evidence event at stream position seq satisfies, and whether that event
// could be judged at all.
type EventHits func(seq uint64) (hits []int32, known bool)

// Judge decides whether f is hidden, and by what. hits resolves the
// finding's evidence events by stream position.
func (s *Suppressor) Judge(f *Finding, hits EventHits) (Hider, bool) {
	if s == nil {
		return Hider{}, false
	}
	if h, ok := s.allowed(f); ok {
		return h, true
	}
	if len(s.exceptions) == 0 || hits == nil {
		return Hider{}, false
	}
	used := make([]bool, len(s.exceptions))
	covered := true
	unknown := f.EachSeq(func(seq uint64) bool {
		idx, known := hits(seq)
		if !known || !s.cover(f.Detector, idx, used) {
			covered = false
		}
		return covered
	})
	if !covered || unknown > 0 {
		return Hider{}, false
	}
	return s.hider(used), true
}

// JudgeEvents decides about a finding whose evidence is given as events
// (an alert pulled from Elasticsearch and its source events): hidden when
// its actor is allowlisted, or every event in evs is excluded.
func (s *Suppressor) JudgeEvents(f *Finding, evs []*Event) (Hider, bool) {
	if s == nil {
		return Hider{}, false
	}
	if h, ok := s.allowed(f); ok {
		return h, true
	}
	if len(evs) == 0 {
		return Hider{}, false
	}
	used := make([]bool, len(s.exceptions))
	for _, ev := range evs {
		if !s.cover(f.Detector, s.Matching(ev), used) {
			return Hider{}, false
		}
	}
	return s.hider(used), true
}

func (s *Suppressor) allowed(f *Finding) (Hider, bool) {
	for i := range s.allow {
		if s.allow[i].AppliesTo(f.Detector) && s.allow[i].AllowsActor(f) {
			return Hider{Allow: &s.allow[i]}, true
		}
	}
	return Hider{}, false
}

// cover reports whether one of the exceptions idx applies to detector,
// marking the first that does as used.
func (s *Suppressor) cover(detector string, idx []int32, used []bool) bool {
	for _, i := range idx {
		if s.exceptions[i].AppliesTo(detector) {
			used[i] = true
			return true
		}
	}
	return false
}

func (s *Suppressor) hider(used []bool) Hider {
	var h Hider
	for i, u := range used {
		if u {
			h.Exceptions = append(h.Exceptions, &s.exceptions[i])
		}
	}
	return h
}

// streamHits remembers, while events stream through the engine, which
// exceptions each event satisfied. Its memory grows with excluded traffic,
// not with the stream; every event is seen, so every position is known.
type streamHits struct {
	s       *Suppressor
	matched map[uint64][]int32
}

func (h *streamHits) observe(ev *Event) {
	if !h.s.HasExceptions() {
		return
	}
	if hits := h.s.Matching(ev); hits != nil {
		h.matched[ev.Seq] = hits
	}
}

func (h *streamHits) lookup(seq uint64) ([]int32, bool) { return h.matched[seq], true }
