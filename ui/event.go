package ui

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

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

// fieldRow is a line of the fields pane. Rows with a path can be copied
// (y) and turned into an exception (e).
type fieldRow struct {
	label string // hot fields: a short label; document fields: ""
	path  string // ECS path, "" for headings and blank lines
	value string // raw (unescaped) value
	head  string // a heading line instead of a field
}

// hotFields are shown first, in this order: what an analyst reads first.
var hotFields = []struct{ label, path string }{
	{"time", "@timestamp"},
	{"source ip", "source.ip"},
	{"method", "http.request.method"},
	{"status", "http.response.status_code"},
	{"url", "url.original"},
	{"user agent", "user_agent.original"},
	{"user", "user.name"},
	{"action", "event.action"},
	{"outcome", "event.outcome"},
	{"event id", "event.id"},
}

// eventModel is the finding view: a finding's reason, the detector it came
// from and the lints that apply, its evidence events, and the fields of
// the evidence event under the cursor (or its raw JSON).
type eventModel struct {
	a        *app
	lints    []triage.Lint // the run's lints about the finding's detector
	finding  triage.Finding
	evidence listState
	focus    pane
	fields   []fieldRow
	flist    listState
	xoff     int
	raw      bool
	vp       viewport.Model
	shown    int // evidence index whose fields are loaded; -1 for none
	width    int
	height   int
	headN    int // lines above the evidence list
	// evRows are the evidence list's cells, read once when the finding
	// opens; addrs counts the distinct source addresses among the kept
	// evidence events, kept how many of them the collection kept.
	evRows []evidenceRow
	addrs  int
	kept   int
	// addrsAll says addrs is the finding's own count of contributing
	// addresses (Finding.Sources), not only the kept events'.
	addrsAll bool
	// hidden names the exception or allowlist entry that hides the
	// finding ("" when none does).
	hidden string
}

// evidenceRow is one line of the evidence list: who sent the event and
// what it asked and got, escaped.
type evidenceRow struct {
	id, time, ip, status, method, url string
	kept                              bool
}

func newEventView(a *app) *eventModel {
	vp := viewport.New(0, 0)
	vp.SetHorizontalStep(8)
	return &eventModel{a: a, vp: vp, shown: -1}
}

// open shows a finding, with its first evidence event.
func (m *eventModel) open(f triage.Finding) {
	m.finding = f
	m.lints = m.lints[:0]
	for _, l := range m.a.lints {
		if slices.Contains(lintDetectors(l.Detector), f.Detector) {
			m.lints = append(m.lints, l)
		}
	}
	m.evidence = listState{}
	m.evidence.setLen(len(f.Evidence))
	m.readEvidence()
	m.hidden = ""
	if h, ok := m.a.sup.hider(&m.finding); ok {
		m.hidden = hiderText(h)
	}
	m.focus = paneFields
	if m.multi() {
		m.focus = paneEvidence
	}
	m.shown = -1
	m.layout()
	m.load()
}

// multi reports whether the finding cites several events to choose from.
func (m *eventModel) multi() bool { return len(m.finding.Evidence) > 1 }

func (m *eventModel) setSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

// Lines between the evidence list and the fields (fields heading).
const eventMidLines = 1

// readEvidence reads the evidence events' cells and counts the distinct
// source addresses among them. A finding about many addresses (a user
// guessed from sixty, one route hammered by a botnet) is filed under one
// group: the list shows each event's address, and the heading how many
// there are.
func (m *eventModel) readEvidence() {
	f := &m.finding
	m.evRows = make([]evidenceRow, len(f.Evidence))
	addrs := map[netip.Addr]bool{}
	m.kept = 0
	for i, r := range f.Evidence {
		row := evidenceRow{id: triage.Escape(r.ID)}
		if ev, ok := m.a.opts.Collection.Event(r); ok {
			m.kept++
			row.kept, row.time, row.ip = true, fmtTime(ev.Timestamp, longTime), "-"
			if ev.SourceIP.IsValid() {
				row.ip = ev.SourceIP.String()
				addrs[ev.SourceIP] = true
			}
			if ev.StatusCode != 0 {
				row.status = strconv.Itoa(ev.StatusCode)
			}
			row.method, row.url = triage.Escape(ev.Method), triage.Escape(eventURL(ev))
		}
		m.evRows[i] = row
	}
	m.addrs = len(addrs)
	// The finding itself counts every contributing address, those of
	// events not kept (or beyond the listed ids) included.
	if _, n, _ := f.Sources(); n > m.addrs {
		m.addrs, m.addrsAll = n, true
	} else {
		m.addrsAll = false
	}
}

// headLines counts the lines above the evidence list: title, reason,
// detector, what hides the finding, lints (at most two), the evidence
// heading and its column header.
func (m *eventModel) headLines() int {
	n := 4
	if m.hidden != "" {
		n++
	}
	if info := m.a.opts.Detectors; info != nil {
		if _, ok := info(m.finding.Detector); ok {
			n++
		}
	}
	return n + min(len(m.lints), 2)
}

// layout splits the height: the evidence list takes up to a third, the
// fields the rest.
func (m *eventModel) layout() {
	m.headN = m.headLines()
	avail := max(m.height-m.headN-eventMidLines, 2)
	evH := min(len(m.finding.Evidence), max(avail/3, 1))
	evH = max(evH, 1) // "no evidence" still takes a line
	m.evidence.setHeight(evH)
	m.vp.Width = max(m.width, 1)
	m.vp.Height = max(avail-evH, 1)
	m.flist.setHeight(m.vp.Height)
}

// load puts the selected evidence event's fields in the fields pane.
func (m *eventModel) load() {
	i := m.evidence.cursor
	if i == m.shown {
		return
	}
	m.shown = i
	m.fields = m.fieldRows(i)
	m.flist = listState{height: m.flist.height}
	m.flist.setLen(len(m.fields))
	m.xoff = 0
	m.vp.SetContent(m.rawContent(i))
	m.vp.GotoTop()
}

func (m *eventModel) event(i int) (*triage.Event, bool) {
	if i < 0 || i >= len(m.finding.Evidence) {
		return nil, false
	}
	return m.a.opts.Collection.Event(m.finding.Evidence[i])
}

func (m *eventModel) fieldRows(i int) []fieldRow {
	if i < 0 || i >= len(m.finding.Evidence) {
		return []fieldRow{{head: "no evidence events"}}
	}
	ev, ok := m.event(i)
	if !ok {
		return []fieldRow{{head: "event not kept (only the first " + strconv.Itoa(m.a.opts.Collection.EventCount()) +
			" events are kept for viewing)"}}
	}
	var rows []fieldRow
	for _, h := range hotFields {
		rows = append(rows, fieldRow{label: h.label, path: h.path, value: hotValue(ev, h.path)})
	}
	if ev.Origin != "" {
		rows = append(rows, fieldRow{label: "origin", value: ev.Origin})
	}
	rows = append(rows, fieldRow{})
	fields, err := flatten(ev.Raw)
	if err != nil {
		rows = append(rows, fieldRow{head: "document is not valid JSON: " + err.Error()})
		return append(rows, fieldRow{label: "raw", value: string(ev.Raw)})
	}
	rows = append(rows, fieldRow{head: "document (" + strconv.Itoa(len(fields)) + " fields)"})
	for _, f := range fields {
		rows = append(rows, fieldRow{path: f.Path, value: f.Value})
	}
	return rows
}

// hotValue is a hot field as the fields pane shows it: the document's
// first value (triage.Event.Values), except where the display differs:
// the time formatted in UTC, the address the queue groups by (client.ip
// when there is no source.ip), the URL however the document spells it,
// and the id findings cite the event by.
func hotValue(ev *triage.Event, path string) string {
	switch path {
	case "@timestamp":
		return timeOrEmpty(ev)
	case "source.ip":
		if ev.SourceIP.IsValid() {
			return ev.SourceIP.String()
		}
		return ""
	case "url.original":
		return eventURL(ev)
	case "event.id":
		return ev.ID
	}
	if vs := ev.Strings(path); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// rawContent is the event's JSON, indented, each line escaped.
func (m *eventModel) rawContent(i int) string {
	ev, ok := m.event(i)
	if !ok {
		return m.a.st.Dim.Render("no event")
	}
	var buf bytes.Buffer
	src := ev.Raw
	if err := json.Indent(&buf, ev.Raw, "", "  "); err == nil {
		src = buf.Bytes()
	}
	lines := strings.Split(string(src), "\n")
	for j, l := range lines {
		lines[j] = clampValue(triage.Escape(l))
	}
	return strings.Join(lines, "\n")
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

// selectedField returns the field row under the cursor, if it is a field.
func (m *eventModel) selectedField() (fieldRow, bool) {
	if m.raw || m.flist.cursor >= len(m.fields) {
		return fieldRow{}, false
	}
	r := m.fields[m.flist.cursor]
	if r.path == "" || r.value == "" {
		return r, false
	}
	return r, true
}

// handleKey: esc goes back to the group, tab switches between the
// evidence and the fields, J shows the raw JSON, h and l scroll
// sideways; the arrows move in the pane with the keys.
func (m *eventModel) handleKey(km tea.KeyMsg) (tea.Cmd, bool) {
	k := m.a.keys
	switch {
	case keyIs(km, k.Back):
		m.a.nav.show(viewGroup)
	case keyIs(km, k.Switch):
		if m.multi() {
			if m.focus == paneEvidence {
				m.focus = paneFields
			} else {
				m.focus = paneEvidence
			}
		}
	case keyIs(km, k.Raw):
		m.raw = !m.raw
	case keyIs(km, k.Left):
		m.xoff = max(m.xoff-8, 0)
		m.vp.ScrollLeft(8)
	case keyIs(km, k.Right):
		m.xoff += 8
		m.vp.ScrollRight(8)
	case m.focus == paneEvidence:
		if !m.evidence.handleKey(km, k) {
			return nil, false
		}
		m.load()
	case !m.raw:
		return nil, m.flist.handleKey(km, k)
	default:
		return nil, m.scrollRaw(km)
	}
	return nil, true
}

// scrollRaw moves in the raw JSON.
func (m *eventModel) scrollRaw(km tea.KeyMsg) bool {
	k := m.a.keys
	switch {
	case keyIs(km, k.Up):
		m.vp.ScrollUp(1)
	case keyIs(km, k.Down):
		m.vp.ScrollDown(1)
	case keyIs(km, k.PageUp):
		m.vp.PageUp()
	case keyIs(km, k.PageDown):
		m.vp.PageDown()
	case keyIs(km, k.Home):
		m.vp.GotoTop()
	case keyIs(km, k.End):
		m.vp.GotoBottom()
	default:
		return false
	}
	return true
}

// copyTarget: y copies the selected field's value.
func (m *eventModel) copyTarget() (what, value string) {
	if r, ok := m.selectedField(); ok {
		return r.path, r.value
	}
	return "", ""
}

func (m *eventModel) position() string { return position(m.evidence) }

func (m *eventModel) View() string {
	st, f, w := m.a.st, &m.finding, m.width
	lines := make([]string, 0, m.height)
	lines = append(lines, clip(st.badge(f.Severity)+" "+st.Source.Render(triage.Escape(f.Detector))+
		"  "+triage.Escape(f.Title), w))
	lines = append(lines, clip(st.Label.Render("reason ")+triage.Escape(f.Reason), w))
	if describe := m.a.opts.Detectors; describe != nil {
		if info, ok := describe(f.Detector); ok {
			lines = append(lines, clip(st.Label.Render("from ")+triage.Escape(info.Title)+st.Dim.Render(" · "+triage.Escape(info.Summary)), w))
		}
	}
	if m.hidden != "" {
		lines = append(lines, clip(st.Warn.Render("~ ")+st.Label.Render("suppressed by ")+m.hidden, w))
	}
	for i, l := range m.lints {
		if i == 2 {
			break
		}
		s := "lint " + triage.Escape(l.Message)
		if l.Count > 0 {
			s += " (" + plural(l.Count, "event") + ")"
		}
		if i == 1 && len(m.lints) > 2 {
			s = "lint +" + strconv.Itoa(len(m.lints)-1) + " more: " + triage.Escape(l.Message)
		}
		lines = append(lines, clip(st.Warn.Render("! ")+s, w))
	}

	n := max(f.EventCount, len(f.Evidence))
	evHead := "EVIDENCE  " + plural(n, "event")
	if len(f.Evidence) < n {
		evHead += ", ids of the first " + strconv.Itoa(len(f.Evidence)) + " listed"
	}
	if m.multi() {
		evHead += "  (" + strconv.Itoa(m.evidence.cursor+1) + "/" + strconv.Itoa(len(f.Evidence)) + ")"
	}
	if m.addrs > 1 {
		evHead += " · from " + strconv.Itoa(m.addrs) + " source addresses" + m.addrScope()
	}
	lines = append(lines, m.heading(evHead, m.focus == paneEvidence && m.multi()))
	cols := m.evidenceColumns()
	lines = append(lines, clip(st.ColHeader.Render("  "+cols.line(evidenceRow{id: "EVENT ID", time: "TIME (UTC)", ip: "SOURCE IP",
		status: "STATUS", method: "METHOD", url: "URL", kept: true})), w))

	start, end := m.evidence.window()
	if start == end {
		lines = append(lines, "  "+st.Dim.Render("no evidence events"))
	}
	for i := start; i < end; i++ {
		text := cols.line(m.evRows[i])
		switch {
		case i == m.evidence.cursor && m.focus == paneEvidence:
			lines = append(lines, clip(st.Marker.Render("▸ ")+st.Selected.Render(text), w))
		case i == m.evidence.cursor:
			lines = append(lines, clip("> "+text, w))
		default:
			lines = append(lines, clip("  "+text, w))
		}
	}
	for len(lines) < m.headN+m.evidence.height {
		lines = append(lines, "")
	}

	fh := "EVENT"
	if m.shown >= 0 && m.shown < len(f.Evidence) {
		fh += " " + triage.Escape(f.Evidence[m.shown].ID)
	}
	if m.raw {
		fh += "  raw JSON"
		if m.vp.TotalLineCount() > m.vp.Height {
			fh += "  " + strconv.Itoa(int(m.vp.ScrollPercent()*100)) + "%"
		}
		lines = append(lines, m.heading(fh, m.focus == paneFields && m.multi()))
		lines = append(lines, m.vp.View())
		return joinLines(strings.Split(strings.Join(lines, "\n"), "\n"), m.height)
	}
	if len(m.fields) > m.flist.height {
		fh += "  " + strconv.Itoa(m.flist.cursor+1) + "/" + strconv.Itoa(len(m.fields))
	}
	lines = append(lines, m.heading(fh, m.focus == paneFields && m.multi()))
	fs, fe := m.flist.window()
	for i := fs; i < fe; i++ {
		lines = append(lines, m.fieldLine(i))
	}
	return joinLines(lines, m.height)
}

// fieldLine renders one row of the fields pane, scrolled by xoff and cut
// to the width.
func (m *eventModel) fieldLine(i int) string {
	st, r := m.a.st, m.fields[i]
	var s string
	switch {
	case r.head != "":
		s = st.Section.Render(triage.Escape(r.head))
	case r.label != "":
		v := st.Dim.Render("-")
		if r.value != "" {
			v = clampValue(triage.Escape(r.value))
		}
		s = st.Label.Render(fit(r.label, 11)) + " " + v
	case r.path != "":
		s = st.FieldKey.Render(triage.Escape(r.path)) + ": " + clampValue(triage.Escape(r.value))
	}
	if m.xoff > 0 {
		s = ansi.Cut(s, m.xoff, m.xoff+max(m.width-2, 1))
	}
	cur := i == m.flist.cursor && m.focus == paneFields
	switch {
	case cur:
		return clip(st.Marker.Render("▸ ")+st.Selected.Render(ansi.Strip(s)), m.width)
	case i == m.flist.cursor:
		return clip("> "+s, m.width)
	}
	return clip("  "+s, m.width)
}

func (m *eventModel) heading(s string, focused bool) string {
	s = clip(s, m.width)
	if focused {
		return m.a.st.Focused.Render(s)
	}
	return m.a.st.Section.Render(s)
}

// addrScope says which events the address count is over when not every
// evidence event could be read.
func (m *eventModel) addrScope() string {
	n := max(m.finding.EventCount, len(m.finding.Evidence))
	if m.kept == n || m.addrsAll {
		return ""
	}
	return " among the " + plural(m.kept, "event") + " kept"
}

// evidenceCols are the widths of the evidence list's columns.
type evidenceCols struct{ id, ip, method, url int }

// evidenceColumns sizes the columns for the width: the id, the time, the
// source address (as wide as the widest), the status, the method and
// what is left for the URL.
func (m *eventModel) evidenceColumns() evidenceCols {
	c := evidenceCols{id: min(24, max(m.width/5, 8)), ip: len("SOURCE IP"), method: len("METHOD")}
	for _, r := range m.evRows {
		c.ip = max(c.ip, min(lipglossWidth(r.ip), 39))
		c.method = max(c.method, min(lipglossWidth(r.method), 8))
	}
	c.url = max(m.width-2-c.id-1-colTime-1-c.ip-1-len("STATUS")-1-c.method-1, 8)
	return c
}

// line lays an evidence row out in the columns.
func (c evidenceCols) line(r evidenceRow) string {
	if !r.kept {
		return fit(r.id, c.id) + " (not kept)"
	}
	return fit(r.id, c.id) + " " + fit(r.time, colTime) + " " + fit(r.ip, c.ip) + " " + fitRight(r.status, len("STATUS")) + " " +
		fit(r.method, c.method) + " " + clip(r.url, c.url)
}
