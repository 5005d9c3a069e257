package ui

import (
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"picket/triage"
)

// The rules view (R): every detector and Elastic rule Picket knows, with
// what this run made of it (findings, lints), so a rule whose lint
// explains why it found nothing is seen although it raised no finding.

// RuleInfo describes a detector or Elastic rule for the rules view.
type RuleInfo struct {
	Info triage.DetectorInfo
	// Type is the rule type of an Elastic rule ("query",
	// "machine_learning", ...) or the family of a detector ("appsensor").
	Type string
	// Source says where an imported rule was read from; "" for those
	// built in.
	Source string
	// InRun reports whether this console's run includes the detector: a
	// detector that runs locally may still be left out by --only.
	InRun bool
}

// rulesCountsMsg carries the findings per detector of the current run.
type rulesCountsMsg struct{ counts map[string]int }

var ruleCountsAddr = address{to: viewRules, topic: topicRuleCounts}

// ruleLine is a row of the rules view.
type ruleLine struct {
	RuleInfo
	lints []triage.Lint
}

// rulesModel is the rules view: a list of detectors and, on enter, the
// selected one's description and lints in full.
type rulesModel struct {
	a      *app
	rows   []ruleLine
	list   listState
	counts map[string]int // findings per detector; nil until counted
	lints  map[string][]triage.Lint
	// detail is set while one detector's lints are shown; lint is the
	// selected lint there.
	detail bool
	lint   int
	back   viewID // where esc returns from the list
	width  int
	height int
}

// ruleFooterLines is what the list keeps below the rows: the selected
// detector's readiness and summary.
const ruleFooterLines = 2

func (r *rulesModel) setSize(w, h int) {
	r.width, r.height = w, h
	r.list.setHeight(max(h-1-ruleFooterLines, 1))
}

// setLints files the run's lints by detector.
func (r *rulesModel) setLints(ls []triage.Lint) {
	r.lints = map[string][]triage.Lint{}
	for _, l := range ls {
		for _, id := range lintDetectors(l.Detector) {
			r.lints[id] = append(r.lints[id], l)
		}
	}
}

// lintDetectors reads the detector a lint is about. A lint shared by a
// family's points names them together, "appsensor:AE10,AE11": it belongs
// to each.
func lintDetectors(id string) []string {
	family, points, ok := strings.Cut(id, ":")
	if !ok || !strings.Contains(points, ",") {
		return []string{id}
	}
	var out []string
	for _, p := range strings.Split(points, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, family+":"+p)
		}
	}
	return out
}

// build lists the catalogue, then any detector this run reported on that
// the catalogue lacks (an ad hoc query).
func (r *rulesModel) build() {
	cat, info := r.a.opts.Rules, r.a.opts.Detectors
	r.rows = r.rows[:0]
	seen := map[string]bool{}
	for _, ri := range cat {
		seen[ri.Info.ID] = true
		r.rows = append(r.rows, ruleLine{RuleInfo: ri, lints: r.lints[ri.Info.ID]})
	}
	extra := func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		ri := RuleInfo{Info: triage.DetectorInfo{ID: id, Title: id, Readiness: triage.RunsLocally}, InRun: true}
		if info != nil {
			if in, ok := info(id); ok {
				ri.Info = in
			}
		}
		ri.Type, _, _ = strings.Cut(id, ":")
		r.rows = append(r.rows, ruleLine{RuleInfo: ri, lints: r.lints[id]})
	}
	for _, id := range sortedKeys(r.counts) {
		extra(id)
	}
	for _, id := range sortedKeys(r.lints) {
		extra(id)
	}
	r.list.setLen(len(r.rows))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// count counts the run's findings per detector in a command.
func (r *rulesModel) count() tea.Cmd {
	c := r.a.opts.Collection
	return r.a.req.ask(ruleCountsAddr, func() tea.Msg { return rulesCountsMsg{counts: c.CountByDetector()} })
}

// onReply takes the counts.
func (r *rulesModel) onReply(msg tea.Msg) {
	if c, ok := msg.(rulesCountsMsg); ok {
		r.counts = c.counts
		r.build()
	}
}

// handleKey: esc leaves the lints for the list and the list for where
// R was pressed, R closes, enter shows the lints and, there, filters the
// queue to the groups with the rule's findings, y copies. The rules
// view claims every key but the global ones (quit, help, re-run, export,
// histogram).
func (r *rulesModel) handleKey(msg tea.KeyMsg) (cmd tea.Cmd, ok bool) {
	k := r.a.keys
	switch {
	case keyIs(msg, k.Rules):
		r.a.nav.show(r.back)
		return nil, true
	case isGlobal(msg, k):
		return nil, false
	case keyIs(msg, k.Back):
		if r.detail {
			r.detail = false
			return nil, true
		}
		r.a.nav.show(r.back)
		return nil, true
	case keyIs(msg, k.Enter):
		row, sel := r.selected()
		switch {
		case !sel:
		case r.detail:
			// The rule's groups: those with its findings.
			return r.a.jumpToDetector(row.Info.ID), true
		default:
			r.detail, r.lint = true, 0
		}
		return nil, true
	case keyIs(msg, k.Copy):
		return r.copyRule(), true
	}
	if r.detail {
		if row, sel := r.selected(); sel {
			switch {
			case keyIs(msg, k.Up):
				r.lint = max(r.lint-1, 0)
			case keyIs(msg, k.Down):
				r.lint = min(r.lint+1, max(len(row.lints)-1, 0))
			case keyIs(msg, k.Home):
				r.lint = 0
			case keyIs(msg, k.End):
				r.lint = max(len(row.lints)-1, 0)
			}
		}
		return nil, true
	}
	r.list.handleKey(msg, k)
	return nil, true
}

// copyRule copies, in the detail, the selected lint's fixed query (or the
// lint itself when it offers none); in the list, the detector id.
func (r *rulesModel) copyRule() tea.Cmd {
	row, ok := r.selected()
	if !ok {
		return nil
	}
	what, v := "detector id", row.Info.ID
	if r.detail && r.lint < len(row.lints) {
		msg, fix := splitFix(row.lints[r.lint].Message)
		what, v = "lint text (no fixed query)", msg
		if fix != "" {
			what, v = "fixed query", fix
		}
	}
	return r.a.copyValue(what, v)
}

func (r *rulesModel) position() string { return position(r.list) }

// fixMarker introduces the corrected query in a rule lint's message.
const fixMarker = "; fixed query: "

// splitFix separates a lint's message from the fixed query it offers.
func splitFix(msg string) (text, fix string) {
	if i := strings.LastIndex(msg, fixMarker); i >= 0 {
		return msg[:i], msg[i+len(fixMarker):]
	}
	return msg, ""
}

func (r *rulesModel) selected() (ruleLine, bool) {
	if r.list.cursor >= len(r.rows) || len(r.rows) == 0 {
		return ruleLine{}, false
	}
	return r.rows[r.list.cursor], true
}

// asciiOnly reports whether the terminal shows no colour (NO_COLOR, a
// dumb terminal, tests): symbols then give way to plain brackets.
func asciiOnly() bool { return lipgloss.ColorProfile() == termenv.Ascii }

// lintBadge marks a detector with n lints: "⚑ 2 lints", or "[2 lints]"
// without colour. It is empty for n = 0.
func (s *Styles) lintBadge(n int) string {
	if n <= 0 {
		return ""
	}
	if asciiOnly() {
		return "[" + plural(n, "lint") + "]"
	}
	return s.Warn.Render("⚑ " + plural(n, "lint"))
}

// lintMark is the one-cell marker put before a detector with lints in the
// queue and the group view.
func lintMark() string {
	if asciiOnly() {
		return "!"
	}
	return "⚑"
}

// runsCell says in a word or two whether a detector runs here.
func runsCell(ri RuleInfo) string {
	switch {
	case ri.Info.Readiness != triage.RunsLocally && ri.Info.Readiness != "":
		return "no"
	case !ri.InRun:
		return "not run"
	}
	return "yes"
}

// runsText says in full whether a detector runs here and, if not, why.
func runsText(ri RuleInfo) string {
	switch {
	case ri.Info.Readiness != triage.RunsLocally && ri.Info.Readiness != "":
		s := "does not run locally: " + string(ri.Info.Readiness)
		if ri.Info.Why != "" {
			s += ": " + ri.Info.Why
		}
		return s
	case !ri.InRun:
		return "runs locally, but not in this run (left out by --only)"
	}
	return "runs locally in this run"
}

func (r *rulesModel) View() string {
	if r.detail {
		return r.detailView()
	}
	st, w := r.a.st, r.width
	// Full ids (an Elastic rule's is 44 characters) only when the name
	// keeps room; the footer always has the selected one's in full.
	full := w >= 150
	idW, typeW, runsW, hitsW, lintW := 17, 9, 7, 8, 9
	if w >= 110 {
		typeW, lintW = 16, 10
	}
	if full {
		idW = 8
		for _, row := range r.rows {
			idW = max(idW, min(ansi.StringWidth(triage.Escape(row.Info.ID)), 46))
		}
	}
	nameW := max(w-colMarker-badgeWidth-1-idW-1-1-typeW-1-runsW-1-hitsW-1-lintW, 8)
	head := strings.Repeat(" ", colMarker) + fit(" SEV", badgeWidth) + " " + fit("DETECTOR", idW) + " " + fit("NAME", nameW) + " " +
		fit("TYPE", typeW) + " " + fit("RUNS", runsW) + " " + fitRight("FINDINGS", hitsW) + " " + fit("LINTS", lintW)
	lines := []string{st.ColHeader.Render(clip(head, w))}
	if len(r.rows) == 0 {
		lines = append(lines, "  "+st.Dim.Render("no detectors described"))
	}
	start, end := r.list.window()
	for i := start; i < end; i++ {
		row := r.rows[i]
		id := triage.Escape(row.Info.ID)
		if !full {
			id = shortDetector(row.Info.ID)
		}
		hits := "…"
		if r.counts != nil {
			hits = strconv.Itoa(r.counts[row.Info.ID])
		}
		rest := " " + fit(id, idW) + " " + fit(triage.Escape(row.Info.Title), nameW) + " " + fit(triage.Escape(row.Type), typeW) + " " +
			fit(runsCell(row.RuleInfo), runsW) + " " + fitRight(hits, hitsW) + " "
		badge := st.lintBadge(len(row.lints))
		var line string
		if i == r.list.cursor {
			line = st.Marker.Render("▸ ") + st.badge(row.Info.Severity) + st.Selected.Render(rest) + badge
		} else {
			line = "  " + st.badge(row.Info.Severity) + rest + badge
		}
		lines = append(lines, clip(line, w))
	}
	for len(lines) < r.height-ruleFooterLines {
		lines = append(lines, "")
	}
	if row, ok := r.selected(); ok {
		lines = append(lines, clip(st.Label.Render(triage.Escape(row.Info.ID)+": ")+triage.Escape(runsText(row.RuleInfo)), w))
		foot := triage.Escape(row.Info.Summary)
		if n := len(row.lints); n > 0 {
			foot = "enter shows the " + plural(n, "lint") + " · " + foot
		}
		lines = append(lines, st.Dim.Render(clip(foot, w)))
	}
	return joinLines(lines, r.height)
}

// detailView shows one detector: what it is, whether it runs, and its
// lints in full with the fixed queries.
func (r *rulesModel) detailView() string {
	st, w := r.a.st, r.width
	row, ok := r.selected()
	if !ok {
		return joinLines(nil, r.height)
	}
	var lines []string
	add := func(s string) { lines = append(lines, clip(s, w)) }
	// wrap adds s (escaped) as lines no wider than the view after
	// prefix, styled with style when it is not nil.
	wrap := func(prefix, s string, style *lipgloss.Style) {
		for i, l := range strings.Split(ansi.Wrap(s, max(w-ansi.StringWidth(prefix), 10), ","), "\n") {
			p := prefix
			if i > 0 {
				p = strings.Repeat(" ", ansi.StringWidth(prefix))
			}
			if style != nil {
				l = style.Render(l)
			}
			add(p + l)
		}
	}
	add(st.badge(row.Info.Severity) + " " + st.Source.Render(triage.Escape(row.Info.ID)) + "  " + st.lintBadge(len(row.lints)))
	wrap("", triage.Escape(row.Info.Title), &st.Source)
	facts := []string{}
	if row.Type != "" {
		facts = append(facts, "type "+triage.Escape(row.Type))
	}
	facts = append(facts, "severity "+row.Info.Severity.String(), "risk "+strconv.Itoa(row.Info.RiskScore))
	if r.counts != nil {
		n := r.counts[row.Info.ID]
		fact := plural(n, "finding") + " in this run"
		if n > 0 {
			fact += " (enter: its groups in the queue)"
		}
		facts = append(facts, fact)
	}
	add(st.Label.Render(strings.Join(facts, " · ")))
	wrap("", triage.Escape(runsText(row.RuleInfo)), nil)
	if row.Source != "" {
		add(st.Label.Render("from ") + triage.Escape(row.Source))
	}
	if row.Info.Summary != "" {
		wrap("", triage.Escape(row.Info.Summary), &st.Dim)
	}
	add("")
	if len(row.lints) == 0 {
		add(st.Section.Render("LINTS") + "  " + st.Dim.Render("none in this run"))
		return joinLines(lines, r.height)
	}
	add(st.Section.Render("LINTS (" + strconv.Itoa(len(row.lints)) + ")"))
	head := len(lines)
	var starts []int
	for i, l := range row.lints {
		starts = append(starts, len(lines))
		text, fix := splitFix(l.Message)
		if l.Count > 0 {
			text += " [" + plural(l.Count, "event") + "]"
		}
		mark := "  "
		if i == r.lint {
			mark = st.Marker.Render("▸ ")
		}
		wrap(mark+strconv.Itoa(i+1)+". ", triage.Escape(text), nil)
		if fix != "" {
			wrap("     fixed query: ", triage.Escape(fix), &st.FieldKey)
		}
	}
	// Scroll so the selected lint starts in view.
	if avail := r.height - head; avail > 0 && r.lint < len(starts) {
		if off := starts[r.lint] - head; off > 0 && len(lines)-head > avail {
			off = min(off, len(lines)-head-avail)
			lines = append(lines[:head], lines[head+off:]...)
		}
	}
	return joinLines(lines, r.height)
}
