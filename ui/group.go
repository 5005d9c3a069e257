package ui

import (
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// groupModel is the group view: the group's summary, then its findings.
type groupModel struct {
	st       *Styles
	keys     *keyMap
	group    *triage.Group
	findings []triage.Finding
	list     listState
	width    int
	height   int
}

// groupSummaryLines is how many lines the summary and the column header
// take above the findings.
const groupSummaryLines = 6

const (
	colTime   = 15 // longTime
	colDet    = 16
	colEvents = 6
)

func newGroupView(st *Styles, k *keyMap) groupModel {
	return groupModel{st: st, keys: k}
}

// open shows a group; the cursor goes to its first finding.
func (m *groupModel) open(g *triage.Group, fs []triage.Finding) {
	m.group, m.findings = g, fs
	m.list = listState{height: m.list.height}
	m.list.setLen(len(fs))
}

// refresh replaces the group's data, keeping the cursor where it was.
func (m *groupModel) refresh(g *triage.Group, fs []triage.Finding) {
	m.group, m.findings = g, fs
	m.list.setLen(len(fs))
}

func (m *groupModel) setSize(w, h int) {
	m.width, m.height = w, h
	m.list.setHeight(h - groupSummaryLines)
}

func (m groupModel) selected() (triage.Finding, bool) {
	if m.list.n == 0 || m.list.cursor >= len(m.findings) {
		return triage.Finding{}, false
	}
	return m.findings[m.list.cursor], true
}

func (m groupModel) update(msg tea.Msg) (groupModel, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok {
		m.list.handleKey(km, m.keys)
	}
	return m, nil
}

func (m groupModel) View() string {
	if m.group == nil {
		return joinLines(nil, m.height)
	}
	g, st, w := m.group, m.st, m.width
	lines := make([]string, 0, m.height)

	lines = append(lines, clip(st.badge(g.MaxSeverity)+" "+st.Source.Render(ipString(g.Key))+"  "+triage.Escape(g.Key.UserAgent), w))
	lines = append(lines, clip(
		st.Label.Render("findings ")+strconv.Itoa(g.Findings)+
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

	reasonW := max(w-colMarker-colTime-1-badgeWidth-1-colDet-1-colEvents-1, 10)
	head := strings.Repeat(" ", colMarker) + fit("TIME (UTC)", colTime) + " " + fit(" SEV", badgeWidth) + " " +
		fit("DETECTOR", colDet) + " " + fitRight("EVENTS", colEvents) + " " + fit("REASON", reasonW)
	lines = append(lines, st.ColHeader.Render(clip(head, w)))

	if len(m.findings) == 0 {
		lines = append(lines, "  "+st.Dim.Render("no findings"))
		return joinLines(lines, m.height)
	}
	start, end := m.list.window()
	for i := start; i < end; i++ {
		f := &m.findings[i]
		n := max(f.EventCount, len(f.EventIDs))
		rest := " " + fit(shortDetector(f.Detector), colDet) + " " + fitRight(strconv.Itoa(n), colEvents) +
			" " + fit(triage.Escape(f.Reason), reasonW)
		tm := fit(fmtTime(f.Timestamp, longTime), colTime) + " "
		var line string
		if i == m.list.cursor {
			line = st.Marker.Render("▸ ") + st.Selected.Render(tm) + st.badge(f.Severity) + st.Selected.Render(rest)
		} else {
			line = "  " + tm + st.badge(f.Severity) + rest
		}
		lines = append(lines, clip(line, w))
	}
	return joinLines(lines, m.height)
}
