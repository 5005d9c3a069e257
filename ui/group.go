package ui

import (
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/kql"
	"picket/playbooks"
	"picket/triage"
)

// groupPane is which pane of the group view has the keys.
type groupPane int

const (
	paneFindings groupPane = iota
	paneChecklist
	paneNotes
	numGroupPanes
)

// findingRow is a finding in the group view and whether an exception or
// allowlist entry hides it (such rows show only on request, marked).
type findingRow struct {
	f          *triage.Finding
	suppressed bool
	why        string     // allowlisted, exception
	by         string     // the entry that hides it, escaped (hiderName)
	alert      *alertItem // set for a pulled alert's row (alerts.go)
}

// groupModel is the group view: the group's summary, its findings on a
// timeline, and the checklist and notes panels. It loads the group's
// findings and case (notes, ticks) and runs the checklist's actions
// (actionrun.go).
type groupModel struct {
	a       *app
	group   *triage.Group
	all     []triage.Finding // every finding of the group, in time order
	rows    []findingRow     // those shown: filtered, suppressed hidden
	list    listState
	width   int
	height  int
	focus   groupPane
	panel   groupPane // the panel shown beside the findings
	check   checklistModel
	notes   notesModel
	loading bool // the findings are being read
	// filter is the query typed with / in this group, match its compiled
	// form; another group opens unfiltered.
	filter string
	match  *kql.Query
	alerts int // pulled alerts of the group (alerts.go)
}

// Messages of the group view, addressed to it.
type (
	// groupFindingsMsg carries the findings of the group being opened.
	groupFindingsMsg struct{ findings []triage.Finding }
	// caseMsg carries a group's notes and checklist state.
	caseMsg struct {
		notes []casefile.Note
		items []casefile.ChecklistItem
		err   error
	}
)

var (
	findingsAddr = address{to: viewGroup, topic: topicFindings}
	caseAddr     = address{to: viewGroup, topic: topicCase}
)

// groupSummaryLines is how many lines the summary takes above the panes.
const groupSummaryLines = 5

const (
	colTime   = 15 // longTime
	colDet    = 16
	colEvents = 6
	colLine   = 12 // the timeline strip
)

func newGroupView(a *app) *groupModel {
	return &groupModel{a: a, panel: paneChecklist,
		check: checklistModel{st: a.st}, notes: notesModel{st: a.st}}
}

// showing reports whether k is the open group.
func (m *groupModel) showing(k triage.GroupKey) bool { return m.group != nil && m.group.Key == k }

// open shows a group; the cursor goes to its first finding. Reading a
// group's findings scans the collection: on a large one it runs in a
// command and the view says it is loading. The notes and ticks are read
// from the case file in a command.
func (m *groupModel) open(g *triage.Group) tea.Cmd {
	a := m.a
	// A group filter belongs to the group it was typed in: another group
	// opens unfiltered (the same group, reopened, keeps it).
	if !m.showing(g.Key) {
		m.filter, m.match = "", nil
	}
	m.group = g
	m.list = listState{height: m.list.height}
	m.focus = paneFindings
	m.notes.set(nil)
	a.req.drop(topicAnswer) // answers for the group this replaces
	var fetch tea.Cmd
	read := a.findingsFunc(g.Key) // any grouping (tree.go)
	if a.findingsAtOnce(g.Key) {
		a.req.issue(findingsAddr)
		m.all, m.loading = sortByTime(read()), false
	} else {
		m.all, m.loading = nil, true
		fetch = a.req.ask(findingsAddr, func() tea.Msg { return groupFindingsMsg{findings: read()} })
	}
	m.check.open(a.opts.Playbooks, g.Detectors)
	m.syncStepNotes()
	m.recompute()
	return tea.Batch(fetch, m.loadCase(), m.loadAnswers())
}

// loadCase reads the group's notes and checklist ticks.
func (m *groupModel) loadCase() tea.Cmd {
	store := m.a.opts.Store
	if store == nil {
		return nil
	}
	ctx, key, dets := m.a.ctx, m.group.Key, slices.Clone(m.group.Detectors)
	return m.a.req.ask(caseAddr, func() tea.Msg {
		var msg caseMsg
		msg.notes, msg.err = store.Notes(ctx, casefile.TargetGroup, groupTarget(key))
		for _, d := range dets {
			items, err := store.ChecklistItems(ctx, d, groupTarget(key))
			if err != nil && msg.err == nil {
				msg.err = err
			}
			msg.items = append(msg.items, items...)
		}
		return msg
	})
}

// onReply takes what the group view asked for: the findings, the case,
// a step's answer.
func (m *groupModel) onReply(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case groupFindingsMsg:
		m.loading = false
		m.refresh(m.group, msg.findings)
	case caseMsg:
		if msg.err != nil {
			m.a.setErr(msg.err)
		}
		m.notes.set(msg.notes)
		for _, it := range msg.items {
			m.check.set(it)
		}
		m.syncStepNotes()
	case answerMsg:
		m.check.setResult(msg.step, msg.res)
	case storedAnswersMsg:
		m.onStoredAnswers(msg)
	}
	return nil
}

// syncStepNotes lists the checklist's step notes in the notes pane,
// selecting the note of step s if given.
func (m *groupModel) syncStepNotes(s ...*checkStep) {
	var keep *checkStep
	if len(s) > 0 {
		keep = s[0]
	}
	m.notes.setSteps(m.check.stepNotes(), keep)
}

// refresh replaces the group's data, keeping the cursor where it was.
func (m *groupModel) refresh(g *triage.Group, fs []triage.Finding) {
	m.group = g
	m.all = sortByTime(fs)
	m.recompute()
}

// recompute works out the rows shown: the findings filtered, suppressed
// ones only on request, and the group's pulled alerts among them.
func (m *groupModel) recompute() {
	m.setRows(m.withAlerts(findingRows(m.all, m.match, m.a.sup, m.a.showSupp)))
}

func (m *groupModel) filterText() string { return m.filter }

// setFilter applies a query typed with / to the findings.
func (m *groupModel) setFilter(q string, match *kql.Query) tea.Cmd {
	m.filter, m.match = q, match
	m.recompute()
	return nil
}

// focusPane gives the keys to a pane and shows it beside the findings.
func (m *groupModel) focusPane(p groupPane) {
	m.focus = p
	if p != paneFindings {
		m.panel = p
	}
}

func sortByTime(fs []triage.Finding) []triage.Finding {
	slices.SortStableFunc(fs, func(a, b triage.Finding) int { return a.Timestamp.Compare(b.Timestamp) })
	return fs
}

// setRows sets the shown findings (see findingRows).
func (m *groupModel) setRows(rows []findingRow) {
	m.rows = rows
	m.list.setLen(len(rows))
}

// findingRows filters a group's findings and hides the suppressed ones
// unless show is set.
func findingRows(all []triage.Finding, match *kql.Query, sup *suppressor, show bool) []findingRow {
	rows := make([]findingRow, 0, len(all))
	for i := range all {
		f := &all[i]
		if match != nil && !match.Match(findingDoc{f}) {
			continue
		}
		r := findingRow{f: f}
		if h, ok := sup.hider(f); ok {
			if !show {
				continue
			}
			r.suppressed, r.why, r.by = true, h.Kind(), hiderName(h)
		}
		rows = append(rows, r)
	}
	return rows
}

func (m *groupModel) setSize(w, h int) {
	m.width, m.height = w, h
	body := max(h-groupSummaryLines, 2)
	lw, lh, pw, ph := m.split(body)
	_ = lw
	m.list.setHeight(max(lh-1, 1))
	m.check.setSize(pw, ph)
	m.notes.setSize(pw, ph)
}

// wide reports whether the panel goes beside the findings, not below.
func (m *groupModel) wide() bool { return m.width >= 150 }

// split sizes the findings list and the panel in the body.
func (m *groupModel) split(body int) (lw, lh, pw, ph int) {
	if m.wide() {
		lw = m.width * 62 / 100
		return lw, body, m.width - lw - 3, body
	}
	lh = max(body/2, 3)
	return m.width, lh, m.width, max(body-lh, 1)
}

func (m *groupModel) selected() (triage.Finding, bool) {
	if m.list.n == 0 || m.list.cursor >= len(m.rows) {
		return triage.Finding{}, false
	}
	return *m.rows[m.list.cursor].f, true
}

// nextPane moves the keys to the next pane: findings, checklist, notes.
func (m *groupModel) nextPane(d int) {
	m.focus = (m.focus + groupPane(d) + numGroupPanes) % numGroupPanes
	if m.focus != paneFindings {
		m.panel = m.focus
	}
}

// handleKey: tab cycles the panes, esc leaves a panel for the findings
// and the findings for the queue, enter opens a finding or runs a step's
// action, space ticks a step; the arrows move in the pane with the keys.
func (m *groupModel) handleKey(k tea.KeyMsg) (tea.Cmd, bool) {
	km := m.a.keys
	switch {
	case keyIs(k, km.Switch):
		d := 1
		if k.String() == "shift+tab" {
			d = -1
		}
		m.nextPane(d)
	case keyIs(k, km.Back):
		if m.focus != paneFindings {
			m.focus = paneFindings
		} else {
			m.a.nav.show(viewQueue)
		}
	case keyIs(k, km.Enter):
		return m.enter(), true
	case keyIs(k, km.Tick) && m.focus == paneChecklist:
		return m.tick(), true
	default:
		return nil, m.move(k)
	}
	return nil, true
}

// enter runs the step's action in the checklist, opens the finding in
// the findings pane, and goes to a step's note's step in the notes.
func (m *groupModel) enter() tea.Cmd {
	switch m.focus {
	case paneChecklist:
		return m.runStep()
	case paneFindings:
		if f, ok := m.selected(); ok {
			m.a.nav.openFinding(f)
		}
	case paneNotes:
		// A step's note leads to its step.
		if s, ok := m.notes.selectedStep(); ok && m.check.goTo(s) {
			m.focusPane(paneChecklist)
		}
	}
	return nil
}

// move applies a movement key to the pane with the keys.
func (m *groupModel) move(k tea.KeyMsg) bool {
	km := m.a.keys
	switch m.focus {
	case paneChecklist:
		l := m.check.list
		if !l.handleKey(k, km) {
			return false
		}
		d := l.cursor - m.check.list.cursor
		switch {
		case d == 0:
		case l.cursor == 0 || l.cursor == l.n-1:
			m.check.list.setCursor(l.cursor)
			m.check.toStep(-sign(d))
			m.check.toStep(sign(d))
		default:
			m.check.move(d)
		}
		return true
	case paneNotes:
		switch {
		case keyIs(k, km.Up):
			m.notes.move(-1)
		case keyIs(k, km.Down):
			m.notes.move(1)
		case keyIs(k, km.Home):
			m.notes.move(-len(m.notes.notes))
		case keyIs(k, km.End):
			m.notes.move(len(m.notes.notes))
		default:
			return false
		}
		return true
	}
	return m.list.handleKey(k, km)
}

// click selects a finding; a click on the selected one opens it.
func (m *groupModel) click(x, y int) tea.Cmd {
	lw := m.width
	if m.wide() {
		lw, _, _, _ = m.split(0)
	}
	top := 1 + groupSummaryLines + 1
	i := m.list.offset + y - top
	if x >= lw || y < top || i >= len(m.rows) || y-top >= m.list.height {
		return nil
	}
	m.focus = paneFindings
	if i == m.list.cursor {
		return m.enter()
	}
	m.list.setCursor(i)
	return nil
}

// copyTarget: y copies the step (with its action), the note, or the
// finding's reason, after the pane with the keys.
func (m *groupModel) copyTarget() (what, value string) {
	switch m.focus {
	case paneChecklist:
		if _, s, ok := m.check.selected(); ok {
			// The step as written; a step with an action gets it on a
			// second line, and the label says so.
			if s.Action != nil {
				return "step text and action", s.Text + "\n$ " + s.Action.String()
			}
			return "step text", s.Text
		}
	case paneNotes:
		if n, ok := m.notes.selected(); ok {
			return "note", n.Body
		}
	default:
		if f, ok := m.selected(); ok {
			return "reason", f.Reason
		}
	}
	return "", ""
}

func (m *groupModel) position() string { return position(m.list) }

func sign(d int) int {
	if d < 0 {
		return -1
	}
	return 1
}

func (m *groupModel) View() string {
	if m.group == nil {
		return joinLines(nil, m.height)
	}
	g, st, w := m.group, m.a.st, m.width
	lines := make([]string, 0, m.height)

	lines = append(lines, clip(st.badge(g.MaxSeverity)+" "+groupHeading(st, g), w))
	lines = append(lines, clip(
		st.Label.Render("status ")+statusShort(statusOr(m.a.status, g.Key))+
			m.groupCounts()+
			st.Label.Render("  risk ")+strconv.Itoa(g.Risk)+
			st.Label.Render("  first ")+fmtTime(g.FirstSeen, longTime)+
			st.Label.Render("  last ")+fmtTime(g.LastSeen, longTime)+
			st.Label.Render(" (UTC)")+rankWhy(st, g), w))
	dets := make([]string, len(g.Detectors))
	for i, d := range g.Detectors {
		dets[i] = triage.Escape(d)
	}
	slices.SortStableFunc(dets, playbooks.NaturalCompare) // AE2 before AE11, as the checklist
	lines = append(lines, clip(detectorsLine(st, g, dets), w))
	sw := min(max(w-len("activity ")-2, 1), 72)
	lines = append(lines, clip(st.Label.Render("activity  ")+st.Spark.Render(sparkline(g.Activity(sw))), w))
	lines = append(lines, "")

	body := max(m.height-groupSummaryLines, 2)
	lw, lh, pw, _ := m.split(body)
	left := m.findingLines(lw, lh)
	var right []string
	if m.panel == paneNotes {
		right = m.notes.view(m.focus == paneNotes)
	} else {
		right = m.check.view(m.focus == paneChecklist)
	}
	if m.wide() {
		for i := range body {
			l, r := "", ""
			if i < len(left) {
				l = left[i]
			}
			if i < len(right) {
				r = right[i]
			}
			lines = append(lines, pad(l, lw)+" "+st.Dim.Render("│")+" "+clip(r, pw))
		}
	} else {
		for i := range lh {
			if i < len(left) {
				lines = append(lines, left[i])
			} else {
				lines = append(lines, "")
			}
		}
		lines = append(lines, right...)
	}
	return joinLines(lines, m.height)
}

// findingLines renders the findings pane: a header, then one line per
// finding with its time, its place on the group's timeline, severity,
// detector, evidence count and reason.
func (m *groupModel) findingLines(w, h int) []string {
	st := m.a.st
	g := m.group
	lineW := 0
	if w >= 90 {
		lineW = colLine
	}
	reasonW := max(w-colMarker-colTime-1-lineW-1-badgeWidth-1-colDet-1-colEvents-1, 10)
	head := strings.Repeat(" ", colMarker) + fit("TIME (UTC)", colTime) + " " + fit("TIMELINE", lineW) + strings.Repeat(" ", min(lineW, 1)) + fit(" SEV", badgeWidth) + " " +
		fit("DETECTOR", colDet) + " " + fitRight("EVENTS", colEvents) + " " + fit("REASON", reasonW)
	lines := []string{clip(heading0(st, head, m.focus == paneFindings), w)}
	if len(m.rows) == 0 {
		msg := "no findings"
		if m.loading {
			msg = "loading findings…"
		}
		if len(m.all) > 0 {
			msg = "no findings match (filter or suppressed)"
		}
		return append(lines, "  "+st.Dim.Render(msg))
	}
	span := g.LastSeen.Sub(g.FirstSeen)
	start, end := m.list.window()
	for i := start; i < end && len(lines) < h; i++ {
		r := m.rows[i]
		f := r.f
		n := max(f.EventCount, len(f.Evidence))
		strip := []rune(strings.Repeat("·", lineW))
		if lineW > 0 {
			pos := 0
			if span > 0 {
				pos = int(int64(f.Timestamp.Sub(g.FirstSeen)) * int64(lineW-1) / int64(span))
			}
			strip[min(max(pos, 0), lineW-1)] = '●'
		}
		reason := triage.Escape(f.Reason)
		if r.suppressed {
			by := ""
			if r.by != "" {
				by = r.by + " · "
			}
			reason = "[" + r.why + "] " + by + reason
		}
		det := shortDetector(f.Detector)
		if m.a.lintN[f.Detector] > 0 {
			det = lintMark() + det
		}
		rest := " " + fit(det, colDet) + " " + fitRight(strconv.Itoa(n), colEvents) +
			" " + fit(reason, reasonW)
		tm := fit(fmtTime(f.Timestamp, longTime), colTime) + " " + string(strip)
		if lineW > 0 {
			tm += " "
		}
		supp := " " // beside the cursor marker: ~ on a suppressed row
		if r.suppressed {
			supp = "~"
		}
		var line string
		switch {
		case i == m.list.cursor && m.focus == paneFindings:
			// A suppressed row keeps its ~ beside the cursor marker.
			line = st.Marker.Render("▸"+supp) + st.Selected.Render(tm) + st.badge(f.Severity) + st.Selected.Render(rest)
		case i == m.list.cursor:
			line = ">" + supp + tm + st.badge(f.Severity) + rest
		case r.suppressed:
			line = "~ " + st.Suppressed.Render(tm) + st.badge(f.Severity) + st.Suppressed.Render(rest)
		default:
			line = "  " + tm + st.badge(f.Severity) + rest
		}
		lines = append(lines, clip(line, w))
	}
	return lines
}

// heading0 renders a column header line, marked when its pane has focus.
func heading0(st *Styles, s string, focused bool) string {
	if focused {
		return st.Focused.Render(s)
	}
	return st.ColHeader.Render(s)
}

// pad clips or pads a possibly styled line to exactly w cells.
func pad(s string, w int) string {
	s = clip(s, w)
	if d := w - lipglossWidth(s); d > 0 {
		s += strings.Repeat(" ", d)
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// rankWhy says why a group ranks above its severity, when its worst
// finding means more than an attempt ("ranked by data exfiltration
// (CIE2)"); the severity badge says it otherwise.
func rankWhy(st *Styles, g *triage.Group) string {
	w := g.Worst
	if w.Impact == triage.ImpactNone {
		return ""
	}
	return st.Label.Render("  ranked by ") + st.Warn.Render(w.Impact.String()+" ("+shortDetector(w.Detector)+")")
}
