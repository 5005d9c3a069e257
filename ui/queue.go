package ui

import (
	"cmp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/kql"
	"picket/triage"
	"picket/triage/useragent"
)

// sortKey is the column the queue is sorted by.
type sortKey int

const (
	sortSeverity sortKey = iota // severity, then risk, then findings
	sortRisk
	sortHits
	sortIP
	sortUA
	sortDetectors
	sortFirst
	sortLast
	sortStatus
	numSortKeys
)

var sortNames = [numSortKeys]string{"severity", "risk", "findings", "source ip", "user agent", "detectors", "first seen", "last seen", "status"}

// queueRow is one row of the queue: a group, and whether every one of its
// findings is suppressed (such rows show only on request, marked).
type queueRow struct {
	g          *triage.Group
	suppressed bool
}

// queueInput is what computing the queue's rows needs; it is a value so
// the work can run in a command, off the event loop.
type queueInput struct {
	active, suppressed []*triage.Group
	showSuppressed     bool
	match              *kql.Query
	sort               sortKey
	reverse            bool
	status             map[triage.GroupKey]string
	info               *infoCache
}

// computeRows filters and sorts. The default order (severity) keeps the
// engine's order when not reversed, so it costs no sort at all. Large
// lists are filtered on every core.
func computeRows(in queueInput) []queueRow {
	rows := filterGroups(in, in.active, false)
	if in.showSuppressed {
		rows = append(rows, filterGroups(in, in.suppressed, true)...)
	}
	if in.sort == sortSeverity && !in.reverse && !in.showSuppressed {
		return rows
	}
	cmpf := groupCompare(in.sort, in.status)
	slices.SortStableFunc(rows, func(a, b queueRow) int {
		c := cmpf(a.g, b.g)
		if in.reverse {
			c = -c
		}
		return c
	})
	return rows
}

// parallelRows is the list size from which filtering is split across
// cores.
const parallelRows = 10000

// filterGroups keeps the groups in gs that match, in order.
func filterGroups(in queueInput, gs []*triage.Group, supp bool) []queueRow {
	pass := func(gs []*triage.Group) []queueRow {
		out := make([]queueRow, 0, len(gs))
		doc := &groupDoc{info: in.info}
		for _, g := range gs {
			if in.match != nil {
				doc.g, doc.status = g, statusOr(in.status, g.Key)
				if !in.match.Match(doc) {
					continue
				}
			}
			out = append(out, queueRow{g: g, suppressed: supp})
		}
		return out
	}
	n := runtime.GOMAXPROCS(0)
	if in.match == nil || len(gs) < parallelRows || n < 2 {
		return pass(gs)
	}
	parts := make([][]queueRow, n)
	var wg sync.WaitGroup
	for i := range n {
		lo, hi := len(gs)*i/n, len(gs)*(i+1)/n
		wg.Go(func() { parts[i] = pass(gs[lo:hi]) })
	}
	wg.Wait()
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	out := make([]queueRow, 0, total)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func statusOr(m map[triage.GroupKey]string, k triage.GroupKey) string {
	if s, ok := m[k]; ok {
		return s
	}
	return casefile.StatusOpen
}

var statusRank = map[string]int{casefile.StatusOpen: 0, casefile.StatusAcknowledged: 1, casefile.StatusClosed: 2}

// groupCompare orders groups by a column, the "worst" first (highest
// severity, risk, count; latest times; open before closed); ties fall back
// to the default order.
func groupCompare(k sortKey, status map[triage.GroupKey]string) func(a, b *triage.Group) int {
	def := func(a, b *triage.Group) int {
		if c := cmp.Compare(b.MaxSeverity, a.MaxSeverity); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Risk, a.Risk); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Findings, a.Findings); c != 0 {
			return c
		}
		if c := a.Key.SourceIP.Compare(b.Key.SourceIP); c != 0 {
			return c
		}
		return strings.Compare(a.Key.UserAgent, b.Key.UserAgent)
	}
	var first func(a, b *triage.Group) int
	switch k {
	case sortRisk:
		first = func(a, b *triage.Group) int { return cmp.Compare(b.Risk, a.Risk) }
	case sortHits:
		first = func(a, b *triage.Group) int { return cmp.Compare(b.Findings, a.Findings) }
	case sortIP:
		first = func(a, b *triage.Group) int { return a.Key.SourceIP.Compare(b.Key.SourceIP) }
	case sortUA:
		first = func(a, b *triage.Group) int { return strings.Compare(a.Key.UserAgent, b.Key.UserAgent) }
	case sortDetectors:
		first = func(a, b *triage.Group) int { return cmp.Compare(len(b.Detectors), len(a.Detectors)) }
	case sortFirst:
		first = func(a, b *triage.Group) int { return b.FirstSeen.Compare(a.FirstSeen) }
	case sortLast:
		first = func(a, b *triage.Group) int { return b.LastSeen.Compare(a.LastSeen) }
	case sortStatus:
		first = func(a, b *triage.Group) int {
			return cmp.Compare(statusRank[statusOr(status, a.Key)], statusRank[statusOr(status, b.Key)])
		}
	default:
		return def
	}
	return func(a, b *triage.Group) int {
		if c := first(a, b); c != 0 {
			return c
		}
		return def(a, b)
	}
}

// queueModel is the queue view: one row per group. It renders only the
// rows in its window, and caches each rendered row, so its cost does not
// grow with the number of groups.
type queueModel struct {
	st     *Styles
	keys   *keyMap
	rows   []queueRow
	list   listState
	width  int
	height int // lines for the whole view, the column header included
	cols   []column
	empty  string // shown when there are no groups
	sort   sortKey
	rev    bool
	status map[triage.GroupKey]string
	// cache holds rendered rows (after the badge, unstyled) by group; it
	// is emptied when the groups, the width or a status change.
	cache map[*triage.Group]string
	// moved is set once the analyst moves the cursor: until then a refresh
	// keeps the cursor on the top (worst) group rather than following the
	// group it happened to be on while loading.
	moved bool
	ipW   int
	// lintN counts the run's lints per detector; groups hit by one are
	// marked in the detectors column (rules.go, lintMark).
	lintN map[string]int
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

func newQueue(st *Styles, k *keyMap) queueModel {
	return queueModel{st: st, keys: k, empty: "no findings", cache: map[*triage.Group]string{}}
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

// setStatus records a group's status for the status column.
func (q *queueModel) setStatus(m map[triage.GroupKey]string) {
	q.status = m
	clear(q.cache)
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

func (q queueModel) selected() (*triage.Group, bool) {
	if q.list.n == 0 || q.list.cursor >= len(q.rows) {
		return nil, false
	}
	return q.rows[q.list.cursor].g, true
}

func (q queueModel) update(msg tea.Msg) (queueModel, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok {
		if q.list.handleKey(km, q.keys) {
			q.moved = true
		}
	}
	return q, nil
}

// ascending reports whether a sort key's default order is ascending:
// addresses and user agents A→Z, statuses open→acknowledged→closed. The
// other keys put the largest (worst, latest) first.
func ascending(k sortKey) bool {
	return k == sortIP || k == sortUA || k == sortStatus
}

// header renders the column titles; the sort column carries ▲ when the
// rows ascend by it, ▼ when they descend. A title that fills its column
// keeps its whole name: the arrow takes the space after the column.
func (q queueModel) header() string {
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
	return q.st.ColHeader.Render(clip(b.String(), q.width))
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
			v = statusShort(statusOr(q.status, g.Key))
		case cDet:
			v = shortDetectors(g.Detectors)
			for _, d := range g.Detectors {
				if q.lintN[d] > 0 {
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
	lines := make([]string, 0, q.height)
	lines = append(lines, q.header())
	if len(q.rows) == 0 {
		lines = append(lines, "  "+q.st.Dim.Render(q.empty))
		return joinLines(lines, q.height)
	}
	start, end := q.list.window()
	for i := start; i < end; i++ {
		r := q.rows[i]
		rest := q.renderRow(r.g)
		var line string
		switch {
		case i == q.list.cursor:
			line = q.st.Marker.Render("▸ ") + q.st.badge(r.g.MaxSeverity) + q.st.Selected.Render(rest)
		case r.suppressed:
			line = "~ " + q.st.badge(r.g.MaxSeverity) + q.st.Suppressed.Render(rest)
		default:
			line = "  " + q.st.badge(r.g.MaxSeverity) + rest
		}
		if i == q.list.cursor && r.suppressed {
			line = q.st.Marker.Render("▸~") + q.st.badge(r.g.MaxSeverity) + q.st.Selected.Render(rest)
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
