package ui

import (
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"picket/kql"
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
	why        string
	alert      *alertItem // set for a pulled alert's row (alerts.go)
}

// groupModel is the group view: the group's summary, its findings on a
// timeline, and the checklist and notes panels.
type groupModel struct {
	st      *Styles
	keys    *keyMap
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
	status  string
	loading bool // the findings are being read
	// lintN counts the run's lints per detector; their findings are
	// marked (rules.go, lintMark).
	lintN  map[string]int
	alerts int // pulled alerts of the group (alerts.go)
}

// groupSummaryLines is how many lines the summary takes above the panes.
const groupSummaryLines = 5

const (
	colTime   = 15 // longTime
	colDet    = 16
	colEvents = 6
	colLine   = 12 // the timeline strip
)

func newGroupView(st *Styles, k *keyMap) groupModel {
	return groupModel{st: st, keys: k, panel: paneChecklist,
		check: checklistModel{st: st}, notes: notesModel{st: st}}
}

// open shows a group; the cursor goes to its first finding.
func (m *groupModel) open(g *triage.Group, fs []triage.Finding) {
	m.group = g
	m.all = sortByTime(fs)
	m.list = listState{height: m.list.height}
	m.focus = paneFindings
	m.loading = false
	m.notes.set(nil)
}

// refresh replaces the group's data, keeping the cursor where it was.
func (m *groupModel) refresh(g *triage.Group, fs []triage.Finding) {
	m.group = g
	m.all = sortByTime(fs)
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
		if why, ok := sup.suppressed(f); ok {
			if !show {
				continue
			}
			r.suppressed, r.why = true, why
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

func (m groupModel) selected() (triage.Finding, bool) {
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

func (m groupModel) update(msg tea.Msg) (groupModel, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch m.focus {
	case paneChecklist:
		var l listState = m.check.list
		if l.handleKey(km, m.keys) {
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
		}
	case paneNotes:
		switch {
		case keyIs(km, m.keys.Up):
			m.notes.move(-1)
		case keyIs(km, m.keys.Down):
			m.notes.move(1)
		case keyIs(km, m.keys.Home):
			m.notes.move(-len(m.notes.notes))
		case keyIs(km, m.keys.End):
			m.notes.move(len(m.notes.notes))
		}
	default:
		m.list.handleKey(km, m.keys)
	}
	return m, nil
}

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
	g, st, w := m.group, m.st, m.width
	lines := make([]string, 0, m.height)

	lines = append(lines, clip(st.badge(g.MaxSeverity)+" "+st.Source.Render(ipString(g.Key))+"  "+uaCell(g.Key.UserAgent), w))
	lines = append(lines, clip(
		st.Label.Render("status ")+statusShort(m.status)+
			m.groupCounts()+
			st.Label.Render("  risk ")+strconv.Itoa(g.Risk)+
			st.Label.Render("  first ")+fmtTime(g.FirstSeen, longTime)+
			st.Label.Render("  last ")+fmtTime(g.LastSeen, longTime)+
			st.Label.Render(" (UTC)"), w))
	dets := make([]string, len(g.Detectors))
	for i, d := range g.Detectors {
		dets[i] = triage.Escape(d)
	}
	lines = append(lines, clip(st.Label.Render("detectors ")+strings.Join(dets, ", "), w))
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
	st := m.st
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
			reason = "[" + r.why + "] " + reason
		}
		det := shortDetector(f.Detector)
		if m.lintN[f.Detector] > 0 {
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
