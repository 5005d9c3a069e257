package ui

// Why this file is long: it is the queue view's columns, widths, sort
// keys, rendering and keys; the columns' table and the renderer share
// their sizing rules. Its rows are built in queuerows.go and tree.go.

import (
	"maps"
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
	// hits are the groups the filter matches through their findings and
	// evidence events (filter.go); nil when the query needs none, or
	// until they are worked out.
	hits     *filterHits
	hitsOf   int  // findings in the run when hits were worked out
	hitsBusy bool // they are being worked out in a command
	// expanded holds the rows the analyst expanded (true) or collapsed
	// (false); replaced, never changed, as commands read it.
	expanded map[triage.GroupKey]bool
	// picked are the rows selected for a bulk action (space, V), by key.
	picked map[triage.GroupKey]bool
	// narrow is set by a new filter: once its rows are in, the rows
	// selected that it hides are unselected (what is selected is what is
	// seen: a bulk action must not reach a row the analyst cannot see).
	narrow bool
	// shownTop counts the top-level rows shown, for "3/26 groups".
	shownTop int
	// cache holds rendered rows (after the badge, unstyled) by group and
	// state; it is emptied when the groups, the width, the statuses or
	// the lints change.
	cache map[rowKey]string
	// moved is set once the analyst moves the cursor: until then a refresh
	// keeps the cursor on the top (worst) group rather than following the
	// group it happened to be on while loading.
	moved bool
	// follow is the group the cursor goes back to once a snapshot has it
	// again: a re-run's first snapshots may not hold it yet. Any move of
	// the analyst's drops it.
	follow *triage.GroupKey
	ipW    int
}

// rowKey is what a rendered row depends on besides the columns.
type rowKey struct {
	g    *triage.Group
	open bool
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
	cKey // another chain's value, in place of the address and user agent
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
	return &queueModel{a: a, empty: "no findings", cache: map[rowKey]string{}, picked: map[triage.GroupKey]bool{}}
}

// setRows replaces the rows, keeping the cursor on the group it was on
// when the analyst had moved it and that group is still there.
func (q *queueModel) setRows(rows []queueRow) {
	sel := q.follow
	if g, ok := q.selected(); ok && q.moved && sel == nil {
		k := g.Key
		sel = &k
	}
	q.rows = rows
	clear(q.cache)
	q.list.setLen(len(rows))
	if q.narrow && !q.hitsBusy {
		q.narrowPicks()
	}
	if sel != nil {
		found := false
		for i, r := range rows {
			if r.g.Key == *sel {
				q.list.setCursor(i)
				found = true
				break
			}
		}
		if found || !q.a.loading {
			// Found, or never to come: the run is over (a group gone
			// from a re-run, a member the filter hides).
			q.follow = nil
		}
	}
	q.ipW = len("SOURCE IP")
	q.shownTop = 0
	for _, r := range rows {
		if r.depth == 0 {
			q.shownTop++
		}
		if ip := r.g.Key.SourceIP; ip.IsValid() {
			w := min(len(ip.String()), 39)
			if ip.Is4() {
				w = 15
			}
			q.ipW = max(q.ipW, w+2*r.depth)
		} else if r.g.Key.By == triage.SubjectSite || r.g.Key.Default() {
			// "(site-wide)", "(no source IP)": short words, shown whole.
			q.ipW = max(q.ipW, len(ipString(r.g.Key))+2*r.depth)
		}
	}
	q.layout()
}

// analystMoved records a move of the analyst's: the cursor follows its
// group from now on, and no longer waits for an earlier one.
func (q *queueModel) analystMoved() {
	q.moved, q.follow = true, nil
}

// regrouped follows a snapshot under another grouping: rows expanded,
// and the selection, were of the old one's keys.
func (q *queueModel) regrouped() {
	q.expanded = nil
	if len(q.picked) > 0 {
		q.picked = map[triage.GroupKey]bool{}
		q.a.info = "grouped by " + q.a.snap.gp.label() + "; selection cleared"
	} else {
		q.a.info = "grouped by " + q.a.snap.gp.label()
	}
	q.hits, q.hitsBusy = nil, false
	q.list.setCursor(0)
	q.moved, q.follow = false, nil
}

// invalidate drops the rendered rows: a status or the lints changed.
func (q *queueModel) invalidate() { clear(q.cache) }

// input is what computing the rows needs now.
func (q *queueModel) input() queueInput {
	a := q.a
	return queueInput{
		active: a.snap.groups, suppressed: a.snap.suppressed, kids: a.snap.kids, hiddenKids: a.snap.hiddenKids,
		open: q.expanded, showSuppressed: a.showSupp, match: q.match, hits: q.hits,
		sort: q.sort, reverse: q.rev, status: a.status, info: a.snap.info,
	}
}

// recompute filters and sorts the rows: at once for small lists, in a
// command for large ones (the old rows stay until it returns).
func (q *queueModel) recompute() tea.Cmd {
	a := q.a
	in := q.input()
	if len(in.active)+len(in.suppressed) <= syncRows && a.snap.leaves <= syncRows {
		a.req.issue(rowsAddr) // an older computation still running is stale
		q.setRows(computeRows(in))
		return nil
	}
	return a.req.ask(rowsAddr, func() tea.Msg { return rowsMsg{rows: computeRows(in)} })
}

// onReply takes the rows computed in a command, and the groups a
// filter matches through findings and events.
func (q *queueModel) onReply(msg tea.Msg) tea.Cmd {
	switch r := msg.(type) {
	case rowsMsg:
		q.setRows(r.rows)
		return q.loadStatuses()
	case hitsMsg:
		return q.onHits(r)
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
// The groups it matches through their findings and events are worked out
// too (filter.go), off the loop for big runs.
func (q *queueModel) setFilter(s string, match *kql.Query) tea.Cmd {
	return q.setFilterKeeping(s, match, nil)
}

// setFilterKeeping is setFilter with the cursor going back to keep's row
// when there is one, rather than to the first.
func (q *queueModel) setFilterKeeping(s string, match *kql.Query, keep *triage.GroupKey) tea.Cmd {
	q.filter, q.match, q.hits, q.hitsBusy = s, match, nil, false
	q.narrow = s != "" && len(q.picked) > 0
	q.list.setCursor(0)
	q.follow = keep
	return tea.Batch(q.refilter(), q.recompute())
}

// clearFilter drops the queue's filter (esc). The cursor stays on its
// row; a row the filter showed under another keeps the rows above it
// open, as the analyst was looking inside them.
func (q *queueModel) clearFilter() tea.Cmd {
	q.a.info = "filter cleared"
	r, ok := q.row()
	if !ok {
		return q.setFilter("", nil)
	}
	if r.depth > 0 {
		open := maps.Clone(q.expanded)
		if open == nil {
			open = map[triage.GroupKey]bool{}
		}
		depth := r.depth
		for i := q.list.cursor - 1; i >= 0 && depth > 0; i-- {
			if up := q.rows[i]; up.depth < depth {
				open[up.g.Key] = true
				depth = up.depth
			}
		}
		q.expanded = open
	}
	k := r.g.Key
	return q.setFilterKeeping("", nil, &k)
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
	}
	if gp := q.a.snap.gp; gp.isDefault() {
		cols = append(cols,
			column{id: cIP, title: "SOURCE IP", w: max(q.ipW, len("SOURCE IP")), sort: sortIP},
			column{id: cUA, title: "USER AGENT", w: minUA, sort: sortUA})
	} else {
		cols = append(cols, column{id: cKey, title: strings.ToUpper(strings.Join(gp.by, " › ")), w: minUA + 16, sort: sortIP})
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
	grow(cKey, 46)
	grow(cDet, 17)
	grow(cSpark, 12)
	grow(cUA, 48)
	grow(cKey, 64)
	grow(cDet, 30)
	grow(cSpark, 24)
	grow(cUA, 1<<30)
	grow(cKey, 1<<30)
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
// enter opens the group (or first shows the rows under it), → and ←
// expand and collapse, o and O sort, G regroups, F folds campaigns or not,
// space and V select rows for a bulk action, esc clears the filter, then
// the selection.
func (q *queueModel) handleKey(k tea.KeyMsg) (tea.Cmd, bool) {
	km := q.a.keys
	switch {
	case keyIs(k, km.Regroup):
		return q.a.nav.openRegroup(), true
	case keyIs(k, km.Fold):
		return q.a.nav.toggleFold(), true
	case keyIs(k, km.Select):
		q.toggleSelect()
		return nil, true
	case keyIs(k, km.SelectAll):
		q.selectVisible()
		return nil, true
	case keyIs(k, km.Back) && q.filter != "":
		return q.clearFilter(), true
	case keyIs(k, km.Back) && len(q.picked) > 0:
		q.picked = map[triage.GroupKey]bool{}
		q.a.info = "selection cleared"
		return nil, true
	case keyIs(k, km.Right):
		return q.expand(true), true
	case keyIs(k, km.Left):
		return q.collapse(), true
	case q.list.handleKey(k, km):
		q.analystMoved()
		return q.loadStatuses(), true
	case keyIs(k, km.Enter):
		if r, ok := q.row(); ok && r.parent && !r.open {
			return q.expand(true), true
		}
		return q.open(), true
	case keyIs(k, km.Sort):
		q.sort = (q.sort + 1) % numSortKeys
		q.a.info = "sorted by " + q.sortName()
		return q.recompute(), true
	case keyIs(k, km.Reverse):
		q.rev = !q.rev
		return q.recompute(), true
	}
	return nil, false
}

// sortName names the sort column; under another chain the address
// column's sort is the key's.
func (q *queueModel) sortName() string {
	if q.sort == sortIP && !q.a.snap.gp.isDefault() {
		return "key"
	}
	return sortNames[q.sort]
}

// row is the row under the cursor.
func (q *queueModel) row() (queueRow, bool) {
	if q.list.n == 0 || q.list.cursor >= len(q.rows) {
		return queueRow{}, false
	}
	return q.rows[q.list.cursor], true
}

// setOpen expands or collapses the row of k (a new map: commands read
// the old one).
func (q *queueModel) setOpen(k triage.GroupKey, open bool) tea.Cmd {
	m := make(map[triage.GroupKey]bool, len(q.expanded)+1)
	maps.Copy(m, q.expanded)
	m[k] = open
	q.expanded = m
	q.analystMoved()
	return tea.Batch(q.recompute(), q.loadStatuses())
}

// expand shows the rows under the cursor's row.
func (q *queueModel) expand(open bool) tea.Cmd {
	r, ok := q.row()
	if !ok || !r.parent || r.open == open {
		return nil
	}
	return q.setOpen(r.g.Key, open)
}

// collapse hides the rows under the cursor's row; on a row under
// another, it goes up to that row and collapses it.
func (q *queueModel) collapse() tea.Cmd {
	r, ok := q.row()
	if !ok {
		return nil
	}
	if r.parent && r.open {
		return q.expand(false)
	}
	for i := q.list.cursor - 1; i >= 0 && r.depth > 0; i-- {
		if q.rows[i].depth < r.depth {
			q.list.setCursor(i)
			return q.setOpen(q.rows[i].g.Key, false)
		}
	}
	return nil
}

// toggleSelect selects the cursor's row for a bulk action, or not, and
// moves down, as a file manager does.
func (q *queueModel) toggleSelect() {
	r, ok := q.row()
	if !ok {
		return
	}
	p := maps.Clone(q.picked)
	if p[r.g.Key] {
		delete(p, r.g.Key)
	} else {
		p[r.g.Key] = true
	}
	q.picked = p
	q.list.move(1)
	q.analystMoved()
	q.a.info = "" // the status line counts the selection
}

// narrowPicks unselects the selected rows the filter's rows do not show
// (a row under a collapsed one counts as hidden), and says how many.
func (q *queueModel) narrowPicks() {
	q.narrow = false
	shown := make(map[triage.GroupKey]bool, len(q.rows))
	for _, r := range q.rows {
		shown[r.g.Key] = true
	}
	p := maps.Clone(q.picked)
	maps.DeleteFunc(p, func(k triage.GroupKey, _ bool) bool { return !shown[k] })
	if n := len(q.picked) - len(p); n > 0 {
		q.picked = p
		q.a.info = plural(n, "selected row") + " the filter hides unselected"
	}
}

// selectVisible selects every row shown (after a filter, those it
// shows); when they all are selected already, it clears them instead. A
// row whose rows are shown under it is not selected itself, its rows
// are: what is selected is what is seen (a campaign selected would take
// every member with it, shown or not).
func (q *queueModel) selectVisible() {
	all := len(q.rows) > 0
	for _, r := range q.rows {
		if !r.open && !q.picked[r.g.Key] {
			all = false
			break
		}
	}
	p := maps.Clone(q.picked)
	for _, r := range q.rows {
		if r.open {
			continue
		}
		if all {
			delete(p, r.g.Key)
		} else {
			p[r.g.Key] = true
		}
	}
	q.picked = p
	if all {
		q.a.info = "selection cleared"
		return
	}
	q.a.info = "" // the status line counts the selection
}

// pickedGroups are the selected groups, in queue order (rows not shown
// under the current filter or collapsed included, from the snapshot).
func (q *queueModel) pickedGroups() []*triage.Group {
	if len(q.picked) == 0 {
		return nil
	}
	var out []*triage.Group
	seen := map[triage.GroupKey]bool{}
	add := func(g *triage.Group) {
		if q.picked[g.Key] && !seen[g.Key] {
			seen[g.Key] = true
			out = append(out, g)
		}
	}
	for _, r := range q.rows {
		add(r.g)
	}
	if len(out) < len(q.picked) {
		s := q.a.snap
		for _, gs := range [][]*triage.Group{s.groups, s.suppressed} {
			for _, g := range gs {
				add(g)
			}
		}
		for _, m := range []map[triage.GroupKey][]*triage.Group{s.kids, s.hiddenKids} {
			for _, gs := range m {
				for _, g := range gs {
					add(g)
				}
			}
		}
	}
	return out
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
		if r := q.rows[i]; r.parent && !r.open {
			return q.expand(true)
		}
		return q.open()
	}
	q.list.setCursor(i)
	q.analystMoved()
	return q.loadStatuses()
}

// copyTarget: y in the queue copies the group's source address; under
// another chain, the row's value.
func (q *queueModel) copyTarget() (what, value string) {
	g, ok := q.selected()
	switch {
	case !ok:
		return "", ""
	case g.Key.Default():
		return "source ip", ipString(g.Key)
	case g.Campaign != nil:
		return "campaign", campaignLine(g)
	}
	ps := g.Key.Pairs()
	last := ps[len(ps)-1]
	return last.Field, last.Value
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
func (q *queueModel) renderRow(r queueRow) string {
	g := r.g
	ck := rowKey{g, r.open}
	if s, ok := q.cache[ck]; ok {
		return s
	}
	var b strings.Builder
	indent := strings.Repeat("  ", r.depth)
	fold := ""
	if r.parent {
		fold = "▹ "
		if r.open {
			fold = "▿ "
		}
	}
	span := 0 // columns a campaign's line takes after the address column
	for i, c := range q.cols {
		if c.id == cSev {
			continue
		}
		if span > 0 {
			span--
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
			if g.Campaign != nil {
				// The campaign's line takes the address, user agent and
				// detectors columns (its line names the detectors).
				w := c.w
				for _, next := range q.cols[i+1:] {
					if next.id != cUA && next.id != cDet {
						break
					}
					w += 1 + next.w
					span++
				}
				b.WriteString(fit(indent+fold+campaignLine(g)+" · "+campaignSpread(g.Campaign), w))
				continue
			}
			v = indent + fold + ipString(g.Key)
		case cUA:
			v = uaCell(g.Key.UserAgent)
		case cKey:
			v = indent + fold + levelCell(g)
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
		q.cache[ck] = s
	}
	return s
}

// levelCell is a row's value under another chain: its last field's
// value, with how many rows are under it and its distinct sources.
func levelCell(g *triage.Group) string {
	ps := g.Key.Pairs()
	last := ps[len(ps)-1]
	v := valueLabel(last.Field, last.Value)
	if last.Field != "source.ip" {
		if n := g.SourceCount(); n > 0 {
			more := ""
			if g.Sources.Partial() {
				more = "+"
			}
			v += "  (" + strconv.Itoa(n) + more + " src)"
		}
	}
	return v
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
		rest := q.renderRow(r)
		mark := " "
		switch {
		case q.picked[r.g.Key]:
			mark = "✓"
		case r.suppressed:
			mark = "~"
		}
		var line string
		switch {
		case i == q.list.cursor && r.suppressed && mark == "✓":
			// Both marks: the highlight shows the cursor.
			line = st.Marker.Render("✓~") + st.badge(r.g.MaxSeverity) + st.Selected.Render(rest)
		case i == q.list.cursor:
			line = st.Marker.Render("▸"+mark) + st.badge(r.g.MaxSeverity) + st.Selected.Render(rest)
		case r.suppressed && mark == "✓":
			line = "✓~" + st.badge(r.g.MaxSeverity) + st.Suppressed.Render(rest)
		case r.suppressed:
			line = "~ " + st.badge(r.g.MaxSeverity) + st.Suppressed.Render(rest)
		default:
			line = mark + " " + st.badge(r.g.MaxSeverity) + rest
		}
		lines = append(lines, clip(line, q.width))
	}
	return joinLines(lines, q.height)
}

func ipString(k triage.GroupKey) string {
	if !k.Default() && k.By != triage.CampaignBy {
		// A finding about many addresses, filed under what it is about.
		if k.By == triage.SubjectSite {
			return "(site-wide)"
		}
		var parts []string
		for _, p := range k.Pairs() {
			parts = append(parts, p.Field+" "+p.Value)
		}
		return strings.Join(parts, " · ")
	}
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
