package ui

import (
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/kql"
	"picket/triage"
	"picket/triage/useragent"
)

// queueModel is the queue view: one row per group. It renders only the
// rows in its window, and caches each rendered row, so its cost does not
// grow with the number of groups.
type queueModel struct {
	a      *app
	rows   []queueRow
	list   listState
	width  int
	height int // lines for the whole view, the column header included
	cols   []column
	empty  string // shown when there are no groups
	sort   sortKey
	rev    bool
	// filter is the query typed with /, match its compiled form.
	filter string
	match  *kql.Query
	// cache holds rendered rows (after the badge, unstyled) by group; it
	// is emptied when the groups, the width, the statuses or the lints
	// change.
	cache map[*triage.Group]string
	// moved is set once the analyst moves the cursor: until then a refresh
	// keeps the cursor on the top (worst) group rather than following the
	// group it happened to be on while loading.
	moved bool
	ipW   int
}

// colID names a queue column.
type colID int

const (
	cSev colID = iota
	cRisk
	cHits
	cIP
	cUA
	cStatus
	cDet
	cSpark
	cLast
	cFirst
)

type column struct {
	id    colID
	title string
	w     int
	right bool
	sort  sortKey
}

const (
	colMarker = 2 // "▸ "
	colRisk   = 5
	colHits   = 5
	colSeen   = 12 // shortTime
	minUA     = 16
)

var rowsAddr = address{to: viewQueue, topic: topicRows}

// rowsMsg carries the queue's rows, filtered and sorted off the loop.
type rowsMsg struct{ rows []queueRow }

func newQueue(a *app) *queueModel {
	return &queueModel{a: a, empty: "no findings", cache: map[*triage.Group]string{}}
}

// setRows replaces the rows, keeping the cursor on the group it was on
// when the analyst had moved it and that group is still there.
func (q *queueModel) setRows(rows []queueRow) {
	var sel *triage.GroupKey
	if g, ok := q.selected(); ok && q.moved {
		k := g.Key
		sel = &k
	}
	q.rows = rows
	clear(q.cache)
	q.list.setLen(len(rows))
	if sel != nil {
		for i, r := range rows {
			if r.g.Key == *sel {
				q.list.setCursor(i)
				break
			}
		}
	}
	q.ipW = len("SOURCE IP")
	for _, r := range rows {
		if ip := r.g.Key.SourceIP; ip.IsValid() {
			if ip.Is4() {
				q.ipW = max(q.ipW, 15)
			} else {
				q.ipW = max(q.ipW, min(len(ip.String()), 39))
			}
		}
	}
	q.layout()
}

// invalidate drops the rendered rows: a status or the lints changed.
func (q *queueModel) invalidate() { clear(q.cache) }

// recompute filters and sorts the rows: at once for small lists, in a
// command for large ones (the old rows stay until it returns).
func (q *queueModel) recompute() tea.Cmd {
	a := q.a
	in := queueInput{
		active: a.snap.groups, suppressed: a.snap.suppressed, showSuppressed: a.showSupp,
		match: q.match, sort: q.sort, reverse: q.rev, status: a.status, info: a.snap.info,
	}
	if len(in.active)+len(in.suppressed) <= syncRows {
		a.req.issue(rowsAddr) // an older computation still running is stale
		q.setRows(computeRows(in))
		return nil
	}
	return a.req.ask(rowsAddr, func() tea.Msg { return rowsMsg{rows: computeRows(in)} })
}

// onReply takes the rows computed in a command.
func (q *queueModel) onReply(msg tea.Msg) tea.Cmd {
	if r, ok := msg.(rowsMsg); ok {
		q.setRows(r.rows)
		return q.loadStatuses()
	}
	return nil
}

// loadStatuses reads the statuses the queue needs and does not have: of
// every group when there are few, else of the rows on screen.
func (q *queueModel) loadStatuses() tea.Cmd {
	a := q.a
	store := a.opts.Store
	if store == nil || a.statusBusy {
		return nil
	}
	var keys []triage.GroupKey
	want := func(g *triage.Group) {
		if !a.statusAsked[g.Key] {
			a.statusAsked[g.Key] = true
			keys = append(keys, g.Key)
		}
	}
	rows := q.rows
	if len(rows) > statusAll {
		s, e := q.list.window()
		rows = rows[s:e]
	}
	for _, r := range rows {
		want(r.g)
	}
	if len(keys) == 0 {
		return nil
	}
	a.statusBusy = true
	ctx := a.ctx
	return func() tea.Msg {
		out := statusesMsg{status: make(map[triage.GroupKey]string, len(keys))}
		for _, k := range keys {
			st, ok, err := store.AlertStatus(ctx, alertID(k))
			if err != nil {
				out.err = err
				continue
			}
			if ok {
				out.status[k] = st.Status
			}
		}
		return out
	}
}

func (q *queueModel) filterText() string { return q.filter }

// setFilter applies a query typed with /; the cursor goes to the top.
func (q *queueModel) setFilter(s string, match *kql.Query) tea.Cmd {
	q.filter, q.match = s, match
	q.list.setCursor(0)
	return q.recompute()
}

func (q *queueModel) setSize(w, h int) {
	if w != q.width {
		clear(q.cache)
	}
	q.width, q.height = w, h
	q.list.setHeight(h - 1) // the column header takes one line
	q.layout()
}

// layout picks the columns that fit, most useful first, and shares what
// is left between the user agent, the detectors and the sparkline.
func (q *queueModel) layout() {
	cols := []column{
		{id: cSev, title: " SEV", w: badgeWidth, sort: sortSeverity},
		{id: cRisk, title: "RISK", w: colRisk, right: true, sort: sortRisk},
		{id: cHits, title: "HITS", w: colHits, right: true, sort: sortHits},
		{id: cIP, title: "SOURCE IP", w: max(q.ipW, len("SOURCE IP")), sort: sortIP},
		{id: cUA, title: "USER AGENT", w: minUA, sort: sortUA},
	}
	used := colMarker
	for _, c := range cols {
		used += c.w + 1
	}
	optional := []column{
		{id: cDet, title: "DETECTORS", w: 12, sort: sortDetectors},
		{id: cStatus, title: "STATUS", w: 6, sort: sortStatus},
		{id: cSpark, title: "TREND", w: 6, sort: sortHits},
		{id: cLast, title: "LAST SEEN", w: colSeen, sort: sortLast},
		{id: cFirst, title: "FIRST SEEN", w: colSeen, sort: sortFirst},
	}
	for _, c := range optional {
		if used+c.w+1 <= q.width+1 {
			cols = append(cols, c)
			used += c.w + 1
		}
	}
	left := max(q.width+1-used, 0)
	grow := func(id colID, upto int) {
		for i := range cols {
			if cols[i].id == id && cols[i].w < upto {
				d := min(upto-cols[i].w, left)
				cols[i].w += d
				left -= d
			}
		}
	}
	grow(cUA, 30)
	grow(cDet, 17)
	grow(cSpark, 12)
	grow(cUA, 48)
	grow(cDet, 30)
	grow(cSpark, 24)
	grow(cUA, 1<<30)
	// Order on screen: the first-seen column goes before last seen.
	slices.SortStableFunc(cols, func(a, b column) int {
		if a.id == cFirst && b.id == cLast {
			return -1
		}
		if a.id == cLast && b.id == cFirst {
			return 1
		}
		return 0
	})
	q.cols = cols
}

func (q *queueModel) selected() (*triage.Group, bool) {
	if q.list.n == 0 || q.list.cursor >= len(q.rows) {
		return nil, false
	}
	return q.rows[q.list.cursor].g, true
}

// handleKey: moving reads the statuses of rows that come into view;
// enter opens the group; o and O sort.
func (q *queueModel) handleKey(k tea.KeyMsg) (tea.Cmd, bool) {
	km := q.a.keys
	switch {
	case q.list.handleKey(k, km):
		q.moved = true
		return q.loadStatuses(), true
	case keyIs(k, km.Enter):
		return q.open(), true
	case keyIs(k, km.Sort):
		q.sort = (q.sort + 1) % numSortKeys
		q.a.info = "sorted by " + sortNames[q.sort]
		return q.recompute(), true
	case keyIs(k, km.Reverse):
		q.rev = !q.rev
		return q.recompute(), true
	}
	return nil, false
}

// open opens the selected group.
func (q *queueModel) open() tea.Cmd {
	g, ok := q.selected()
	if !ok {
		return nil
	}
	return q.a.nav.openGroup(g)
}

// click selects a row; a click on the selected row opens it. Line 0 is
// the header, 1 the column titles.
func (q *queueModel) click(_, y int) tea.Cmd {
	i := q.list.offset + y - 2
	if y < 2 || i >= len(q.rows) {
		return nil
	}
	if i == q.list.cursor {
		return q.open()
	}
	q.list.setCursor(i)
	q.moved = true
	return q.loadStatuses()
}

// copyTarget: y in the queue copies the group's source address.
func (q *queueModel) copyTarget() (what, value string) {
	if g, ok := q.selected(); ok {
		return "source ip", ipString(g.Key)
	}
	return "", ""
}

func (q *queueModel) position() string { return position(q.list) }

// ascending reports whether a sort key's default order is ascending:
// addresses and user agents A→Z, statuses open→acknowledged→closed. The
// other keys put the largest (worst, latest) first.
func ascending(k sortKey) bool {
	return k == sortIP || k == sortUA || k == sortStatus
}

// header renders the column titles; the sort column carries ▲ when the
// rows ascend by it, ▼ when they descend. A title that fills its column
// keeps its whole name: the arrow takes the space after the column.
func (q *queueModel) header() string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", colMarker))
	spilled := false
	for i, c := range q.cols {
		if i > 0 && !spilled {
			b.WriteByte(' ')
		}
		spilled = false
		t := c.title
		if c.sort == q.sort && c.id != cSpark {
			arrow := "▼"
			if ascending(q.sort) != q.rev {
				arrow = "▲"
			}
			t += arrow
			if !c.right && len(c.title) == c.w && i < len(q.cols)-1 {
				b.WriteString(t)
				spilled = true
				continue
			}
		}
		if c.right {
			b.WriteString(fitRight(t, c.w))
		} else {
			b.WriteString(fit(t, c.w))
		}
	}
	return q.a.st.ColHeader.Render(clip(b.String(), q.width))
}

// renderRow renders the columns after the severity badge, plain text.
func (q *queueModel) renderRow(g *triage.Group) string {
	if s, ok := q.cache[g]; ok {
		return s
	}
	var b strings.Builder
	for _, c := range q.cols {
		if c.id == cSev {
			continue
		}
		b.WriteByte(' ')
		var v string
		switch c.id {
		case cRisk:
			v = compact(g.Risk)
		case cHits:
			v = compact(g.Findings)
		case cIP:
			v = ipString(g.Key)
		case cUA:
			v = uaCell(g.Key.UserAgent)
		case cStatus:
			v = statusShort(statusOr(q.a.status, g.Key))
		case cDet:
			v = shortDetectors(g.Detectors)
			for _, d := range g.Detectors {
				if q.a.lintN[d] > 0 {
					v = lintMark() + v
					break
				}
			}
		case cSpark:
			v = sparkline(g.Activity(c.w))
		case cLast:
			v = fmtTime(g.LastSeen, shortTime)
		case cFirst:
			v = fmtTime(g.FirstSeen, shortTime)
		}
		if c.right {
			b.WriteString(fitRight(v, c.w))
		} else {
			b.WriteString(fit(v, c.w))
		}
	}
	s := b.String()
	if q.cache != nil {
		q.cache[g] = s
	}
	return s
}

// uaCell is the user agent column: the parsed label first, then the
// escaped string itself.
func uaCell(ua string) string {
	esc := triage.Escape(ua)
	if ua == "" {
		return "-"
	}
	if l := useragent.Label(ua); l != "" {
		return l + " · " + esc
	}
	return esc
}

func statusShort(s string) string {
	if s == casefile.StatusAcknowledged {
		return "ack"
	}
	return s
}

func (q *queueModel) View() string {
	st := q.a.st
	lines := make([]string, 0, q.height)
	lines = append(lines, q.header())
	if len(q.rows) == 0 {
		lines = append(lines, "  "+st.Dim.Render(q.empty))
		return joinLines(lines, q.height)
	}
	start, end := q.list.window()
	for i := start; i < end; i++ {
		r := q.rows[i]
		rest := q.renderRow(r.g)
		var line string
		switch {
		case i == q.list.cursor && r.suppressed:
			line = st.Marker.Render("▸~") + st.badge(r.g.MaxSeverity) + st.Selected.Render(rest)
		case i == q.list.cursor:
			line = st.Marker.Render("▸ ") + st.badge(r.g.MaxSeverity) + st.Selected.Render(rest)
		case r.suppressed:
			line = "~ " + st.badge(r.g.MaxSeverity) + st.Suppressed.Render(rest)
		default:
			line = "  " + st.badge(r.g.MaxSeverity) + rest
		}
		lines = append(lines, clip(line, q.width))
	}
	return joinLines(lines, q.height)
}

func ipString(k triage.GroupKey) string {
	if !k.SourceIP.IsValid() {
		// Site-wide findings (STE1-3, CIE2) and events without an address.
		return "(no source IP)"
	}
	return k.SourceIP.String()
}

// compact writes a count in at most four cells: 9999, 12k, 340k, 1.2M.
func compact(n int) string {
	switch {
	case n < 10000:
		return strconv.Itoa(n)
	case n < 1000000:
		return strconv.Itoa(n/1000) + "k"
	case n < 10000000:
		return strconv.Itoa(n/1000000) + "." + strconv.Itoa(n/100000%10) + "M"
	}
	return strconv.Itoa(n/1000000) + "M"
}
