package ui

import (
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// queueModel is the queue view: one row per group, in Collection.Groups
// order. It renders only the rows in its window, so its cost does not grow
// with the number of groups.
type queueModel struct {
	st     *Styles
	keys   *keyMap
	groups []*triage.Group
	list   listState
	width  int
	height int // lines for the whole view, the column header included
	cols   queueCols
	empty  string // shown when there are no groups
	// moved is set once the analyst moves the cursor: until then a refresh
	// keeps the cursor on the top (worst) group rather than following the
	// group it happened to be on while loading.
	moved bool
}

// queueCols are the column widths of the queue, in display cells.
type queueCols struct {
	ip, ua, det, spark int
	row                int // a row's full width
}

const (
	colMarker = 2  // "▸ "
	colRisk   = 5  //
	colHits   = 5  //
	colSeen   = 12 // shortTime
	colSpark  = 10 //
	minUA     = 10
)

func newQueue(st *Styles, k *keyMap) queueModel {
	return queueModel{st: st, keys: k, empty: "no findings"}
}

// setGroups replaces the groups, keeping the cursor on the group it was on
// when that group is still there.
func (q *queueModel) setGroups(gs []*triage.Group) {
	var sel *triage.GroupKey
	if g, ok := q.selected(); ok && q.moved {
		k := g.Key
		sel = &k
	}
	q.groups = gs
	q.list.setLen(len(gs))
	if sel != nil {
		for i, g := range gs {
			if g.Key == *sel {
				q.list.setCursor(i)
				break
			}
		}
	}
	q.layout()
}

func (q *queueModel) setSize(w, h int) {
	q.width, q.height = w, h
	q.list.setHeight(h - 1) // the column header takes one line
	q.layout()
}

// layout sizes the columns: the source IP column fits the widest address,
// the user agent and detectors share what is left.
func (q *queueModel) layout() {
	ip := len("SOURCE IP")
	for _, g := range q.groups {
		if g.Key.SourceIP.IsValid() {
			// IPv4 fits 15 cells; only IPv6 addresses are formatted to measure.
			if g.Key.SourceIP.Is4() {
				ip = max(ip, 15)
			} else {
				ip = max(ip, min(len(g.Key.SourceIP.String()), 39))
			}
		}
	}
	fixed := colMarker + badgeWidth + 1 + colRisk + 1 + colHits + 1 + ip + 1 + 1 + 1 + colSpark + 1 + colSeen
	rest := max(q.width-fixed, minUA+8)
	det := min(max(rest*2/5, 16), 24, rest-minUA)
	q.cols = queueCols{ip: ip, ua: rest - det, det: det, spark: colSpark, row: fixed + rest}
}

func (q queueModel) selected() (*triage.Group, bool) {
	if q.list.n == 0 || q.list.cursor >= len(q.groups) {
		return nil, false
	}
	return q.groups[q.list.cursor], true
}

func (q queueModel) update(msg tea.Msg) (queueModel, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok {
		if q.list.handleKey(km, q.keys) {
			q.moved = true
		}
	}
	return q, nil
}

func (q queueModel) View() string {
	lines := make([]string, 0, q.height)
	c := q.cols
	head := strings.Repeat(" ", colMarker) + fit(" SEV", badgeWidth) + " " +
		fitRight("RISK", colRisk) + " " + fitRight("HITS", colHits) + " " +
		fit("SOURCE IP", c.ip) + " " + fit("USER AGENT", c.ua) + " " +
		fit("DETECTORS", c.det) + " " + fit("ACTIVITY", c.spark) + " " + fit("LAST SEEN", colSeen)
	lines = append(lines, q.st.ColHeader.Render(clip(head, q.width)))
	if len(q.groups) == 0 {
		lines = append(lines, "  "+q.st.Dim.Render(q.empty))
		return joinLines(lines, q.height)
	}
	start, end := q.list.window()
	var b strings.Builder
	for i := start; i < end; i++ {
		g := q.groups[i]
		b.Reset()
		b.WriteString(fitRight(strconv.Itoa(g.Risk), colRisk))
		b.WriteByte(' ')
		b.WriteString(fitRight(strconv.Itoa(g.Findings), colHits))
		b.WriteByte(' ')
		b.WriteString(fit(ipString(g.Key), c.ip))
		b.WriteByte(' ')
		b.WriteString(fit(triage.Escape(g.Key.UserAgent), c.ua))
		b.WriteByte(' ')
		b.WriteString(fit(shortDetectors(g.Detectors), c.det))
		b.WriteByte(' ')
		b.WriteString(fit(sparkline(g.Activity(c.spark)), c.spark))
		b.WriteByte(' ')
		b.WriteString(fit(fmtTime(g.LastSeen, shortTime), colSeen))
		rest := " " + b.String()
		var line string
		if i == q.list.cursor {
			line = q.st.Marker.Render("▸ ") + q.st.badge(g.MaxSeverity) + q.st.Selected.Render(rest)
		} else {
			line = "  " + q.st.badge(g.MaxSeverity) + rest
		}
		if c.row > q.width {
			line = clip(line, q.width)
		}
		lines = append(lines, line)
	}
	return joinLines(lines, q.height)
}

func ipString(k triage.GroupKey) string {
	if !k.SourceIP.IsValid() {
		return "-"
	}
	return k.SourceIP.String()
}
