package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// pane is which part of the event view has the keys.
type pane int

const (
	paneEvidence pane = iota
	paneFields
)

// maxValueLen caps how much of one value the document view shows: a
// multi-megabyte field would otherwise make one enormous line.
const maxValueLen = 4096

// eventModel is the event view: a finding's reason and evidence, and the
// fields of the evidence event under the cursor.
type eventModel struct {
	st       *Styles
	keys     *keyMap
	coll     *triage.Collection
	finding  triage.Finding
	evidence listState
	focus    pane
	vp       viewport.Model
	shown    int // evidence index whose fields are in vp; -1 for none
	width    int
	height   int
}

func newEventView(st *Styles, k *keyMap, c *triage.Collection) eventModel {
	vp := viewport.New(0, 0)
	vp.SetHorizontalStep(8)
	return eventModel{st: st, keys: k, coll: c, vp: vp, shown: -1}
}

// open shows a finding, with its first evidence event.
func (m *eventModel) open(f triage.Finding) {
	m.finding = f
	m.evidence = listState{}
	m.evidence.setLen(len(f.EventIDs))
	m.focus = paneFields
	if m.multi() {
		m.focus = paneEvidence
	}
	m.shown = -1
	m.layout()
	m.load()
}

// multi reports whether the finding cites several events to choose from.
func (m eventModel) multi() bool { return len(m.finding.EventIDs) > 1 }

func (m *eventModel) setSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

// Lines above the evidence list (title, reason, evidence heading) and
// between it and the fields (fields heading).
const eventHeadLines, eventMidLines = 3, 1

// layout splits the height: the evidence list takes up to a third, the
// fields viewport the rest.
func (m *eventModel) layout() {
	avail := max(m.height-eventHeadLines-eventMidLines, 2)
	evH := min(len(m.finding.EventIDs), max(avail/3, 1))
	evH = max(evH, 1) // "no evidence" still takes a line
	m.evidence.setHeight(evH)
	m.vp.Width = max(m.width, 1)
	m.vp.Height = max(avail-evH, 1)
}

// load puts the selected evidence event's fields in the viewport.
func (m *eventModel) load() {
	i := m.evidence.cursor
	if i == m.shown {
		return
	}
	m.shown = i
	m.vp.SetContent(m.fieldsContent(i))
	m.vp.GotoTop()
	m.vp.SetXOffset(0)
}

func (m eventModel) fieldsContent(i int) string {
	st := m.st
	if i < 0 || i >= len(m.finding.EventIDs) {
		return st.Dim.Render("no evidence events")
	}
	id := m.finding.EventIDs[i]
	ev, ok := m.coll.Event(id)
	if !ok {
		return st.Dim.Render("event not kept (only the first " + strconv.Itoa(m.coll.EventCount()) +
			" events are kept for viewing)")
	}
	var b strings.Builder
	hot := func(label, v string) {
		b.WriteString(st.Label.Render(fit(label, 11)))
		b.WriteString(" ")
		if v == "" {
			b.WriteString(st.Dim.Render("-"))
		} else {
			b.WriteString(clampValue(triage.Escape(v)))
		}
		b.WriteByte('\n')
	}
	hot("time", timeOrEmpty(ev))
	ip := ""
	if ev.SourceIP.IsValid() {
		ip = ev.SourceIP.String()
	}
	hot("source ip", ip)
	hot("method", ev.Method)
	status := ""
	if ev.StatusCode != 0 {
		status = strconv.Itoa(ev.StatusCode)
	}
	hot("status", status)
	hot("url", eventURL(ev))
	hot("user agent", ev.UserAgent)
	hot("user", ev.UserName)
	hot("event id", ev.ID)
	if ev.Index != "" {
		hot("index", ev.Index)
	}
	if ev.Origin != "" {
		hot("origin", ev.Origin)
	}
	b.WriteByte('\n')

	fields, err := flatten(ev.Raw)
	if err != nil {
		b.WriteString(st.Error.Render("document is not valid JSON: " + triage.Escape(err.Error())))
		b.WriteByte('\n')
		b.WriteString(clampValue(triage.Escape(string(ev.Raw))))
		return b.String()
	}
	b.WriteString(st.Section.Render("document (" + strconv.Itoa(len(fields)) + " fields)"))
	for _, f := range fields {
		b.WriteByte('\n')
		p := f.Path
		if p == "" {
			p = "(document)"
		}
		b.WriteString(st.FieldKey.Render(triage.Escape(p)))
		b.WriteString(": ")
		b.WriteString(clampValue(triage.Escape(f.Value)))
	}
	return b.String()
}

func timeOrEmpty(ev *triage.Event) string {
	if ev.Timestamp.IsZero() {
		return ""
	}
	return fmtTime(ev.Timestamp, fullTime)
}

func eventURL(ev *triage.Event) string {
	switch {
	case ev.URLOriginal != "":
		return ev.URLOriginal
	case ev.URLFull() != "":
		return ev.URLFull()
	case ev.URLQuery != "":
		return ev.URLPath + "?" + ev.URLQuery
	}
	return ev.URLPath
}

// clampValue shortens an escaped value to maxValueLen bytes.
func clampValue(s string) string {
	if len(s) <= maxValueLen {
		return s
	}
	cut := maxValueLen
	for cut > 0 && s[cut]&0xc0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

func (m eventModel) update(msg tea.Msg) (eventModel, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	k := m.keys
	switch {
	case key.Matches(km, k.Switch):
		if m.multi() {
			if m.focus == paneEvidence {
				m.focus = paneFields
			} else {
				m.focus = paneEvidence
			}
		}
		return m, nil
	case key.Matches(km, k.Left):
		m.vp.ScrollLeft(8)
		return m, nil
	case key.Matches(km, k.Right):
		m.vp.ScrollRight(8)
		return m, nil
	}
	if m.focus == paneEvidence {
		if m.evidence.handleKey(km, k) {
			m.load()
		}
		return m, nil
	}
	switch {
	case key.Matches(km, k.Up):
		m.vp.ScrollUp(1)
	case key.Matches(km, k.Down):
		m.vp.ScrollDown(1)
	case key.Matches(km, k.PageUp):
		m.vp.PageUp()
	case key.Matches(km, k.PageDown):
		m.vp.PageDown()
	case key.Matches(km, k.Home):
		m.vp.GotoTop()
	case key.Matches(km, k.End):
		m.vp.GotoBottom()
	}
	return m, nil
}

func (m eventModel) View() string {
	st, f, w := m.st, &m.finding, m.width
	lines := make([]string, 0, m.height)
	lines = append(lines, clip(st.badge(f.Severity)+" "+st.Source.Render(triage.Escape(f.Detector))+
		"  "+triage.Escape(f.Title), w))
	lines = append(lines, clip(st.Label.Render("reason ")+triage.Escape(f.Reason), w))

	n := max(f.EventCount, len(f.EventIDs))
	evHead := "EVIDENCE  " + plural(n, "event")
	if len(f.EventIDs) < n {
		evHead += ", ids of the first " + strconv.Itoa(len(f.EventIDs)) + " listed"
	}
	if m.multi() {
		evHead += "  (" + strconv.Itoa(m.evidence.cursor+1) + "/" + strconv.Itoa(len(f.EventIDs)) + ")"
	}
	lines = append(lines, m.heading(evHead, m.focus == paneEvidence && m.multi()))

	start, end := m.evidence.window()
	if start == end {
		lines = append(lines, "  "+st.Dim.Render("no evidence events"))
	}
	for i := start; i < end; i++ {
		id := f.EventIDs[i]
		text := fit(triage.Escape(id), min(28, max(w/3, 8))) + " " + m.evidenceSummary(id)
		if i == m.evidence.cursor {
			lines = append(lines, clip(st.Marker.Render("▸ ")+st.Selected.Render(text), w))
		} else {
			lines = append(lines, clip("  "+text, w))
		}
	}
	for len(lines) < eventHeadLines+m.evidence.height {
		lines = append(lines, "")
	}

	fh := "EVENT"
	if m.shown >= 0 && m.shown < len(f.EventIDs) {
		fh += " " + triage.Escape(f.EventIDs[m.shown])
	}
	if m.vp.TotalLineCount() > m.vp.Height {
		fh += "  " + strconv.Itoa(int(m.vp.ScrollPercent()*100)) + "%"
	}
	lines = append(lines, m.heading(fh, m.focus == paneFields && m.multi()))
	lines = append(lines, m.vp.View())
	return joinLines(strings.Split(strings.Join(lines, "\n"), "\n"), m.height)
}

func (m eventModel) heading(s string, focused bool) string {
	s = clip(s, m.width)
	if focused {
		return m.st.Focused.Render(s)
	}
	return m.st.Section.Render(s)
}

// evidenceSummary is one line about an evidence event: its time, method,
// status and URL, or that it was not kept.
func (m eventModel) evidenceSummary(id string) string {
	ev, ok := m.coll.Event(id)
	if !ok {
		return "(not kept)"
	}
	parts := make([]string, 0, 4)
	parts = append(parts, fmtTime(ev.Timestamp, longTime))
	if ev.Method != "" {
		parts = append(parts, triage.Escape(ev.Method))
	}
	if ev.StatusCode != 0 {
		parts = append(parts, strconv.Itoa(ev.StatusCode))
	}
	if u := eventURL(ev); u != "" {
		parts = append(parts, triage.Escape(u))
	}
	return strings.Join(parts, " ")
}
