package triage

import (
	"fmt"
	"slices"
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
//
// An exception applies to a detector by its own scope (Detector), except
// that the exceptions of a list some rule names in its exceptions_list
// (see WithRuleLists) apply to the rules that name it, as in Kibana, and
// not to every detector: only an explicit detector scope is kept beside.
type Suppressor struct {
	exceptions []Exception // active exceptions, allowlisted paths and domains included
	// origin is the allowlist entry an exception was made from (paths and
	// domains), nil for real exceptions; parallel to exceptions.
	origin []*AllowEntry
	// bound holds, for an exception of a list that rules name, the
	// detectors of those rules; nil for the others. Parallel to exceptions.
	bound []map[string]bool
	allow []AllowEntry
	lints []Lint
}

// SuppressOption adds what a Suppressor needs beyond exceptions and
// allowlist entries.
type SuppressOption func(*suppressConfig)

type suppressConfig struct {
	lists      ValueLists
	listsGiven bool
	rules      map[string][]ExceptionListRef
	stored     func(ExceptionListRef) bool
}

// WithValueLists resolves the value lists that exception entries of type
// "list" name. Without it, or for a list it does not hold, such an entry
// never holds and its exception hides nothing (and Lints says so).
func WithValueLists(ls ValueLists) SuppressOption {
	return func(c *suppressConfig) { c.lists, c.listsGiven = ls, true }
}

// ExceptionListRef is one entry of a rule's exceptions_list: the exception
// list it attaches, as Kibana's rule export names it.
type ExceptionListRef struct {
	ID        string `json:"id,omitempty" toml:"id"`               // Kibana's saved-object id (informative)
	ListID    string `json:"list_id" toml:"list_id"`               // the list's list_id
	Namespace string `json:"namespace_type" toml:"namespace_type"` // "single" (default) or "agnostic"
	Type      string `json:"type" toml:"type"`                     // "detection", "rule_default", "endpoint"
}

// Key is how a reference finds its list: list_id and namespace, the
// namespace "single" when unset.
func (r ExceptionListRef) Key() string { return listKey(r.ListID, r.Namespace) }

func listKey(listID, namespace string) string {
	if namespace == "" {
		namespace = "single"
	}
	return namespace + "\x00" + listID
}

// WithRuleLists attaches exception lists to rules: refs maps a detector id
// (elastic:<rule_id>) to the lists its rule's exceptions_list names. The
// exceptions of a named list apply to those rules only (an exception's
// explicit detector scope still applies as well). stored says whether the
// case file holds a list at all (its items may have expired); nil means
// "holds it when an exception given has its list_id". A rule naming a
// list that is not held is linted, and runs without it.
func WithRuleLists(refs map[string][]ExceptionListRef, stored func(ExceptionListRef) bool) SuppressOption {
	return func(c *suppressConfig) { c.rules, c.stored = refs, stored }
}

// NewSuppressor keeps the entries active at now. Path and domain allowlist
// entries become the equivalent event exceptions (see AsException). It
// returns nil when nothing applies and there is nothing to lint; a nil
// Suppressor hides nothing.
func NewSuppressor(xs []Exception, allow []AllowEntry, now time.Time, opts ...SuppressOption) *Suppressor {
	var cfg suppressConfig
	for _, o := range opts {
		o(&cfg)
	}
	s := &Suppressor{}
	for _, x := range xs {
		if x.Active(now) && len(x.Entries) > 0 {
			s.exceptions = append(s.exceptions, x)
			s.origin = append(s.origin, nil)
		}
	}
	for i := range allow {
		a := allow[i]
		if !a.Active(now) {
			continue
		}
		if x, ok := a.AsException(); ok {
			x.ID = a.ID
			s.exceptions = append(s.exceptions, x)
			s.origin = append(s.origin, &allow[i])
			continue
		}
		s.allow = append(s.allow, a)
	}
	s.resolveLists(cfg)
	s.bindRules(cfg, xs)
	if len(s.exceptions) == 0 && len(s.allow) == 0 && len(s.lints) == 0 {
		return nil
	}
	return s
}

// resolveLists points list entries at their value lists (on copies of the
// entries, so the caller's exceptions are not changed) and lints those
// that name a list it does not have.
func (s *Suppressor) resolveLists(cfg suppressConfig) {
	for i := range s.exceptions {
		x := &s.exceptions[i]
		if !slices.ContainsFunc(x.Entries, func(en ExceptionEntry) bool { return en.Type == EntryList }) {
			continue
		}
		x.Entries = slices.Clone(x.Entries)
		for j := range x.Entries {
			en := &x.Entries[j]
			if en.Type != EntryList || en.List == nil {
				continue
			}
			l, ok := cfg.lists[en.List.ID]
			var why string
			switch {
			case !ok:
				why = fmt.Sprintf("names value list %q, which the case file does not hold (picket lists import FILE --type %s --id %s)", en.List.ID, orIP(en.List.Type), en.List.ID)
			case en.List.Type != "" && en.List.Type != l.Type:
				why = fmt.Sprintf("names value list %q as type %s, but the imported list is %s", en.List.ID, en.List.Type, l.Type)
			default:
				en.resolved = l
				continue
			}
			s.lints = append(s.lints, Lint{Detector: scopeName(x.Detector), Message: fmt.Sprintf(
				"exception %s: its entry on %s %s: the exception hides nothing", exceptionName(x), en.Field, why)})
		}
	}
}

func orIP(t string) string {
	if t == "" {
		return ListIP
	}
	return t
}

// bindRules works out which exceptions rules' exceptions_list attach, and
// lints the references to lists that are not held.
func (s *Suppressor) bindRules(cfg suppressConfig, all []Exception) {
	if len(cfg.rules) == 0 {
		return
	}
	byList := map[string]map[string]bool{} // list key -> detectors naming it
	for det, refs := range cfg.rules {
		for _, r := range refs {
			if r.ListID == "" {
				continue
			}
			k := r.Key()
			if byList[k] == nil {
				byList[k] = map[string]bool{}
			}
			byList[k][det] = true
		}
	}
	s.bound = make([]map[string]bool, len(s.exceptions))
	for i := range s.exceptions {
		if s.origin[i] != nil {
			continue
		}
		x := &s.exceptions[i]
		s.bound[i] = byList[listKey(x.ListID, x.Namespace)]
	}
	stored := cfg.stored
	if stored == nil {
		have := map[string]bool{}
		for _, x := range all {
			have[listKey(x.ListID, x.Namespace)] = true
		}
		stored = func(r ExceptionListRef) bool { return have[r.Key()] }
	}
	dets := make([]string, 0, len(cfg.rules))
	for det := range cfg.rules {
		dets = append(dets, det)
	}
	slices.Sort(dets)
	for _, det := range dets {
		for _, r := range cfg.rules[det] {
			if r.ListID == "" || stored(r) {
				continue
			}
			ns := r.Namespace
			if ns == "" {
				ns = "single"
			}
			s.lints = append(s.lints, Lint{Detector: det, Message: fmt.Sprintf(
				"the rule's exceptions_list names exception list %q (%s, namespace %s), which the case file does not hold: the rule runs without it (picket exceptions import a Kibana export of that list)",
				r.ListID, orDetection(r.Type), ns)})
		}
	}
}

func orDetection(t string) string {
	if t == "" {
		return "detection"
	}
	return t
}

func scopeName(det string) string {
	if det == "" || det == AllDetectors {
		return "exceptions"
	}
	return det
}

func exceptionName(x *Exception) string {
	if n := strings.TrimSpace(x.Name); n != "" {
		return fmt.Sprintf("%q", n)
	}
	if x.ID != 0 {
		return fmt.Sprintf("%d", x.ID)
	}
	return fmt.Sprintf("%q", ExceptionSummary(x.Entries))
}

// Lints says what the Suppressor could not apply: rules naming exception
// lists the case file lacks, and list entries naming value lists it lacks.
func (s *Suppressor) Lints() []Lint {
	if s == nil {
		return nil
	}
	return s.lints
}

// applies reports whether exception i covers findings of detector.
func (s *Suppressor) applies(i int, detector string) bool {
	x := &s.exceptions[i]
	if s.bound != nil && s.bound[i] != nil {
		return s.bound[i][detector] || (x.Detector != "" && x.Detector != AllDetectors && x.Detector == detector)
	}
	return x.AppliesTo(detector)
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
		if s.applies(int(i), detector) {
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

// Tally counts, over a run, how many findings each entry hides: the
// allowlist entry or the exceptions that Judge names for each hidden
// finding (a finding hidden by two exceptions together counts for both).
// Allowlisted paths and domains count under their allowlist entry.
type Tally struct {
	s       *Suppressor
	matched map[uint64][]int32
	// Exceptions and Allow count hidden findings by entry id.
	Exceptions map[int64]int
	Allow      map[int64]int
	// Findings and Hidden count what was judged and what was hidden.
	Findings, Hidden int
}

// NewTally starts counting for s (which may be nil: nothing is hidden).
func (s *Suppressor) NewTally() *Tally {
	return &Tally{s: s, matched: map[uint64][]int32{}, Exceptions: map[int64]int{}, Allow: map[int64]int{}}
}

// Observe remembers which exceptions a streamed event satisfies, for Add
// without hits. Events must carry their stream position (Event.Seq).
func (t *Tally) Observe(ev *Event) {
	if !t.s.HasExceptions() {
		return
	}
	if hits := t.s.Matching(ev); hits != nil {
		t.matched[ev.Seq] = hits
	}
}

// Add judges f and counts it. hits resolves its evidence; nil means the
// events Observe saw (every position of the stream known).
func (t *Tally) Add(f *Finding, hits EventHits) {
	t.Findings++
	if hits == nil {
		hits = func(seq uint64) ([]int32, bool) { return t.matched[seq], true }
	}
	h, hidden := t.s.Judge(f, hits)
	if !hidden {
		return
	}
	t.Hidden++
	if h.Allow != nil {
		t.Allow[h.Allow.ID]++
		return
	}
	for _, x := range h.Exceptions {
		if a := t.s.originOf(x); a != nil {
			t.Allow[a.ID]++
		} else {
			t.Exceptions[x.ID]++
		}
	}
}

// originOf is the allowlist entry exception x (one of s.exceptions) was
// made from, nil for a real exception.
func (s *Suppressor) originOf(x *Exception) *AllowEntry {
	for i := range s.exceptions {
		if &s.exceptions[i] == x {
			return s.origin[i]
		}
	}
	return nil
}
