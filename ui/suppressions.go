package ui

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// The suppressions view (E): every exception and allowlist entry in force,
// with how many findings of the current run each hides, and removal after
// a confirmation. What the Suppressor could not apply (a rule naming an
// exception list the case file lacks, a list entry naming a value list it
// lacks) is listed under the entries.

// SuppressionRemover is implemented by a Suppressions store that can
// remove entries (casefile.Store does); without it the view is read-only.
type SuppressionRemover interface {
	// DeleteEntries removes the exceptions and allowlist entries with
	// these ids in one transaction: all of them, or none on error.
	DeleteEntries(ctx context.Context, exceptionIDs, allowIDs []int64) error
}

// supLine is a row: an exception or an allowlist entry (one is set).
type supLine struct {
	x *triage.Exception
	a *triage.AllowEntry
}

func (l supLine) id() int64 {
	if l.a != nil {
		return l.a.ID
	}
	return l.x.ID
}

// kind is "exception" or "allow <kind>".
func (l supLine) kind() string {
	if l.a != nil {
		return "allow " + l.a.Kind
	}
	return "exception"
}

func (l supLine) detector() string {
	if l.a != nil {
		return l.a.Detector
	}
	return l.x.Detector
}

// autoName begins the names the console gives the exceptions it makes:
// "Picket: " and their conditions, for Kibana's list.
const autoName = "Picket: "

// what is the entry's value or conditions, with the exception's name.
func (l supLine) what() string {
	if l.a != nil {
		return l.a.Value
	}
	s := triage.ExceptionSummary(l.x.Entries)
	// The console's own names only repeat the conditions.
	if n := strings.TrimSpace(l.x.Name); n != "" && !strings.HasPrefix(n, autoName) {
		s = n + ": " + s
	}
	return s
}

func (l supLine) reason() string {
	if l.a != nil {
		return l.a.Reason
	}
	return l.x.Reason
}

// supCountsMsg carries how many findings each entry hides in the run.
type supCountsMsg struct{ tally *triage.Tally }

// supMark names a row across reloads: ids are per table.
type supMark struct {
	allow bool
	id    int64
}

func (l supLine) mark() supMark { return supMark{allow: l.a != nil, id: l.id()} }

// supRemovedMsg reports a removal.
type supRemovedMsg struct {
	what string
	err  error
}

// The counts answer the view's request; topicRuleCounts is "counts per
// row" here as it is in the rules view, the address keeps them apart.
var supCountsAddr = address{to: viewSupps, topic: topicRuleCounts}

// suppsModel is the view.
type suppsModel struct {
	a       *app
	rows    []supLine
	list    listState
	tally   *triage.Tally // nil until counted
	confirm bool          // asking whether to remove the marked rows (or the selected one)
	// marked are the rows space and V marked for removal, by key.
	marked map[supMark]bool
	order  suppsOrder
	back   viewID
	width  int
	height int
}

// suppsOrder is the order of the E view's rows (o cycles through them).
type suppsOrder int

const (
	suppsByMade  suppsOrder = iota // the case file's: exceptions, then allowlist entries, as made
	suppsByHides                   // what each hides in the run, most first
	suppsByEntry                   // kind, then value: addresses and networks as numbers
)

var suppsOrderName = [...]string{"as made", "most hidden first", "by kind and value"}

// sortRows puts the rows in s.order; ties keep the case file's order.
func (s *suppsModel) sortRows() {
	switch s.order {
	case suppsByHides:
		if s.tally == nil {
			return // sorted when the counts come
		}
		slices.SortStableFunc(s.rows, func(a, b supLine) int { return cmp.Compare(s.hidden(b), s.hidden(a)) })
	case suppsByEntry:
		slices.SortStableFunc(s.rows, func(a, b supLine) int {
			if c := strings.Compare(a.kind(), b.kind()); c != 0 {
				return c
			}
			return compareEntryValues(a.what(), b.what())
		})
	}
}

// compareEntryValues orders two entries' values: addresses and networks
// by number (10.0.0.9 before 10.0.0.10), the rest as text.
func compareEntryValues(a, b string) int {
	pa, errA := netip.ParsePrefix(a)
	if errA != nil {
		if ip, err := netip.ParseAddr(a); err == nil {
			pa, errA = netip.PrefixFrom(ip, ip.BitLen()), nil
		}
	}
	pb, errB := netip.ParsePrefix(b)
	if errB != nil {
		if ip, err := netip.ParseAddr(b); err == nil {
			pb, errB = netip.PrefixFrom(ip, ip.BitLen()), nil
		}
	}
	if errA == nil && errB == nil {
		if c := pa.Addr().Compare(pb.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(pa.Bits(), pb.Bits())
	}
	return strings.Compare(a, b)
}

// hidden is how many findings of the run l hides (0 until counted).
func (s *suppsModel) hidden(l supLine) int {
	if s.tally == nil {
		return 0
	}
	if l.a != nil {
		return s.tally.Allow[l.a.ID]
	}
	return s.tally.Exceptions[l.x.ID]
}

// suppsHead is the lines above the rows: the title and the column header.
const suppsHead = 2

func (s *suppsModel) setSize(w, h int) {
	if s == nil {
		return
	}
	s.width, s.height = w, h
	s.list.setHeight(max(h-suppsHead-s.footLines(), 1))
}

// footLines is what the view keeps under the rows: the selected entry in
// full, the lints, and the confirmation.
func (s *suppsModel) footLines() int { return 2 + min(len(s.a.sup.lints()), 3) }

// build lists the entries the console holds (those in force).
func (s *suppsModel) build() {
	// The cursor stays on its entry: counts coming in re-sort the rows,
	// and d then y must remove the entry d named.
	on, had := s.selected()
	s.rows = s.rows[:0]
	for i := range s.a.xs {
		s.rows = append(s.rows, supLine{x: &s.a.xs[i]})
	}
	for i := range s.a.allow {
		s.rows = append(s.rows, supLine{a: &s.a.allow[i]})
	}
	s.sortRows()
	s.list.setLen(len(s.rows))
	s.setSize(s.width, s.height)
	if had {
		if i := slices.IndexFunc(s.rows, func(l supLine) bool { return l.mark() == on.mark() }); i >= 0 {
			s.list.setCursor(i)
		}
	}
	listed := map[supMark]bool{}
	for _, l := range s.rows {
		listed[l.mark()] = true
	}
	maps.DeleteFunc(s.marked, func(k supMark, _ bool) bool { return !listed[k] })
}

// targets are the rows d removes: the marked ones, else the selected one.
func (s *suppsModel) targets() []supLine {
	var out []supLine
	for _, l := range s.rows {
		if s.marked[l.mark()] {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		if l, ok := s.selected(); ok {
			out = append(out, l)
		}
	}
	return out
}

// count tallies, in a command, what each entry hides in the run.
func (s *suppsModel) count() tea.Cmd {
	sup, c := s.a.sup, s.a.opts.Collection
	return s.a.req.ask(supCountsAddr, func() tea.Msg {
		var ts *triage.Suppressor
		var hits triage.EventHits
		if !sup.empty() {
			ts, hits = sup.s, sup.hits
		}
		t := ts.NewTally()
		fs := c.FindingsView()
		for i := range fs {
			t.Add(&fs[i], hits)
		}
		return supCountsMsg{tally: t}
	})
}

func (s *suppsModel) onReply(msg tea.Msg) {
	if c, ok := msg.(supCountsMsg); ok {
		s.tally = c.tally
		if s.order == suppsByHides {
			s.build()
		}
	}
}

// hides is the HIDES cell of a row.
func (s *suppsModel) hides(l supLine) string {
	if s.tally == nil {
		return "…"
	}
	return strconv.Itoa(s.hidden(l))
}

func (s *suppsModel) selected() (supLine, bool) {
	if len(s.rows) == 0 || s.list.cursor >= len(s.rows) {
		return supLine{}, false
	}
	return s.rows[s.list.cursor], true
}

// handleKey: d (or delete) asks to remove the selected entry, y confirms
// and n or esc cancels; esc leaves, E closes. It claims every key but the
// global ones.
func (s *suppsModel) handleKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	k := s.a.keys
	if s.confirm {
		switch {
		case keyIs(msg, k.Yes):
			s.confirm = false
			return s.remove(), true
		case keyIs(msg, k.No):
			s.confirm = false
		}
		return nil, true
	}
	switch {
	case keyIs(msg, k.Back) && len(s.marked) > 0:
		s.marked = nil
		return nil, true
	case keyIs(msg, k.Supps), keyIs(msg, k.Back):
		s.a.nav.show(s.back)
		return nil, true
	case keyIs(msg, k.Select):
		if l, ok := s.selected(); ok {
			if s.marked == nil {
				s.marked = map[supMark]bool{}
			}
			if s.marked[l.mark()] {
				delete(s.marked, l.mark())
			} else {
				s.marked[l.mark()] = true
			}
			s.list.move(1)
		}
		return nil, true
	case keyIs(msg, k.SelectAll):
		s.marked = map[supMark]bool{}
		for _, l := range s.rows {
			s.marked[l.mark()] = true
		}
		return nil, true
	case isGlobal(msg, k):
		return nil, false
	case keyIs(msg, k.Remove):
		if _, ok := s.selected(); !ok {
			return nil, true
		}
		if _, ok := s.a.opts.Suppressions.(SuppressionRemover); !ok {
			s.a.lastErr = "entries cannot be removed here: no case file"
			return nil, true
		}
		s.confirm = true
		return nil, true
	case keyIs(msg, k.Sort):
		s.order = (s.order + 1) % suppsOrder(len(suppsOrderName))
		s.build()
		s.a.info = "entries " + suppsOrderName[s.order]
		return nil, true
	case keyIs(msg, k.Copy):
		if l, ok := s.selected(); ok {
			return s.a.copyValue(l.kind(), l.what()), true
		}
		return nil, true
	}
	s.list.handleKey(msg, k)
	return nil, true
}

// remove deletes the marked entries (or the selected one) from the case
// file in one transaction; the entries are loaded again after, so every
// view judges without them.
func (s *suppsModel) remove() tea.Cmd {
	ls := s.targets()
	rm, can := s.a.opts.Suppressions.(SuppressionRemover)
	if len(ls) == 0 || !can {
		return nil
	}
	var xIDs, aIDs []int64
	for _, l := range ls {
		if l.a != nil {
			aIDs = append(aIDs, l.id())
		} else {
			xIDs = append(xIDs, l.id())
		}
	}
	what := fmt.Sprintf("removed %s %d", ls[0].kind(), ls[0].id())
	if len(ls) > 1 {
		what = "removed " + entryCount(len(ls))
	}
	ctx := s.a.ctx // the marks go with their entries (build), or stay when it fails
	return func() tea.Msg {
		return supRemovedMsg{what: what, err: rm.DeleteEntries(ctx, xIDs, aIDs)}
	}
}

func (s *suppsModel) position() string { return position(s.list) }

func (s *suppsModel) View() string {
	st, w := s.a.st, s.width
	title := "EXCEPTIONS & ALLOWLIST  " + entryCount(len(s.rows)) + " in force"
	if s.order != suppsByMade {
		title += " · " + suppsOrderName[s.order]
	}
	if s.tally != nil {
		title += fmt.Sprintf(" · they hide %d of %d findings in this run", s.tally.Hidden, s.tally.Findings)
	}
	lines := []string{st.Section.Render(clip(title, w))}
	// KIND and DETECTOR are as wide as what they hold (at most 16 and 18):
	// at 80 columns the room goes to the entries.
	idW, kindW, detW, hidesW := 5, len("KIND"), len("DETECTOR"), 6
	for _, l := range s.rows {
		kindW = min(max(kindW, len(triage.Escape(l.kind()))), 16)
		detW = min(max(detW, len(shortDetector(l.detector()))), 18)
	}
	whatW := max((w-2-idW-1-kindW-1-detW-1-hidesW-1)*2/3, 10)
	reasonW := max(w-2-idW-1-kindW-1-detW-1-whatW-1-hidesW-1, 6)
	head := "  " + fitRight("ID", idW) + " " + fit("KIND", kindW) + " " + fit("DETECTOR", detW) + " " + fit("ENTRY", whatW) + " " +
		fit("REASON", reasonW) + " " + fitRight("HIDES", hidesW)
	lines = append(lines, st.ColHeader.Render(clip(head, w)))
	if len(s.rows) == 0 {
		lines = append(lines, "  "+st.Dim.Render("no exceptions or allowlist entries in force (e and a make them)"))
	}
	start, end := s.list.window()
	for i := start; i < end; i++ {
		l := s.rows[i]
		rest := fitRight(strconv.FormatInt(l.id(), 10), idW) + " " + fit(triage.Escape(l.kind()), kindW) + " " +
			fit(shortDetector(l.detector()), detW) + " " + fit(triage.Escape(l.what()), whatW) + " " +
			fit(triage.Escape(l.reason()), reasonW) + " " + fitRight(s.hides(l), hidesW)
		mark := "  "
		if s.marked[l.mark()] {
			mark = "✓ "
		}
		switch {
		case i == s.list.cursor && mark != "  ":
			lines = append(lines, clip(st.Marker.Render("▸")+"✓"+st.Selected.Render(rest), w))
		case i == s.list.cursor:
			lines = append(lines, clip(st.Marker.Render("▸ ")+st.Selected.Render(rest), w))
		default:
			lines = append(lines, clip(mark+rest, w))
		}
	}
	foot := s.footer()
	for len(lines) < s.height-len(foot) {
		lines = append(lines, "")
	}
	return joinLines(append(lines, foot...), s.height)
}

// footer is the selected entry in full, what the Suppressor could not
// apply, and the confirmation when one is asked.
func (s *suppsModel) footer() []string {
	st, w := s.a.st, s.width
	var out []string
	if l, ok := s.selected(); ok {
		who := ""
		created, expires := "", "never"
		if l.a != nil {
			who, created = l.a.Author, timeText(l.a.Created)
			if !l.a.Expires.IsZero() {
				expires = timeText(l.a.Expires)
			}
		} else {
			who, created = l.x.Author, timeText(l.x.Created)
			if !l.x.Expires.IsZero() {
				expires = timeText(l.x.Expires)
			}
			if l.x.ListID != "" {
				who += " · list " + l.x.ListID
			}
		}
		out = append(out, clip(st.Label.Render(triage.Escape(l.kind())+" "+strconv.FormatInt(l.id(), 10)+": ")+triage.Escape(l.what()), w),
			st.Dim.Render(clip(triage.Escape(fmt.Sprintf("on %s · by %s · made %s · expires %s", l.detector(), who, created, expires)), w)))
	} else {
		out = append(out, "", "")
	}
	lints := s.a.sup.lints()
	for i, lt := range lints {
		if i == 2 && len(lints) > 3 {
			out = append(out, st.Warn.Render(clip(fmt.Sprintf("… and %d more: picket detect prints them all", len(lints)-2), w)))
			break
		}
		out = append(out, st.Warn.Render(clip(triage.Escape(lintMark()+" "+lt.Detector+": "+lt.Message), w)))
	}
	if s.confirm {
		ask := ""
		if ls := s.targets(); len(ls) == 1 {
			ask = fmt.Sprintf("remove %s %d (%s)? y removes it, n keeps it", ls[0].kind(), ls[0].id(), ls[0].what())
		} else {
			ask = fmt.Sprintf("remove the %s marked? y removes them (all or none), n keeps them", entryCount(len(ls)))
		}
		out[1] = st.Warn.Render(clip(triage.Escape(ask), w))
	} else if n := len(s.marked); n > 0 {
		out[1] = st.Dim.Render(clip(entryCount(n)+" marked: d removes them · esc unmarks", w))
	}
	return out
}

// entryCount is "1 entry", "3 entries".
func entryCount(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return strconv.Itoa(n) + " entries"
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// openSupps shows the suppressions view and counts what each entry hides.
func (m *model) openSupps() tea.Cmd {
	if m.supps == nil {
		m.supps = &suppsModel{a: m.app}
	}
	if m.view != viewSupps {
		m.supps.back = m.view
	}
	m.supps.confirm = false
	m.supps.marked = nil // marks are for this visit: d must never reach an entry marked before
	m.supps.tally = nil
	m.supps.build()
	m.show(viewSupps)
	// Shown at once, then as the case file holds them now.
	return tea.Batch(m.supps.count(), m.loadSuppressions())
}

// onSuppressionRemoved reloads the entries after a removal.
func (m *model) onSuppressionRemoved(msg supRemovedMsg) tea.Cmd {
	if msg.err != nil {
		// Read them again all the same: an entry removed elsewhere
		// ("not found") must not stay listed.
		m.setErr(msg.err)
	} else {
		m.info = triage.Escape(msg.what)
	}
	return m.loadSuppressions()
}
