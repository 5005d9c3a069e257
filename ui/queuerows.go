package ui

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"picket/casefile"
	"picket/kql"
	"picket/triage"
)

// The queue's rows: the snapshot's groups filtered and sorted. A value
// in, a slice out, so large lists are done in a command.

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

var sortNames = [numSortKeys]string{"rank (impact, then severity)", "risk", "findings", "source ip", "user agent", "detectors", "first seen", "last seen", "status"}

// queueRow is one row of the queue: a group at some depth of the
// grouping (a campaign's member, a value's groups by the next field are
// one deeper than the row they are under), whether rows are under it and
// shown, and whether every one of its findings is suppressed (such rows
// show only on request, marked). The view asks a row for its group.
type queueRow struct {
	g          *triage.Group
	suppressed bool
	depth      int
	parent     bool // rows are under it (a campaign, a level above the last)
	open       bool // and they are shown
}

// queueInput is what computing the queue's rows needs; it is a value so
// the work can run in a command, off the event loop. Its maps are never
// changed once given (the queue replaces them).
type queueInput struct {
	active, suppressed []*triage.Group
	kids, hiddenKids   map[triage.GroupKey][]*triage.Group
	open               map[triage.GroupKey]bool // rows expanded (true) or collapsed (false) by the analyst
	showSuppressed     bool
	match              *kql.Query
	hits               *filterHits // groups the query matches through findings and events (filter.go)
	sort               sortKey
	reverse            bool
	status             map[triage.GroupKey]string
	info               *infoCache
}

// computeRows filters and sorts, then lists the rows under each expanded
// row after it. The default order (severity) keeps the engine's order
// when not reversed, so it costs no sort at all. Large lists are
// filtered on every core.
//
// With a filter, a row shows when the query matches it (its group, its
// findings or their evidence events: see filter.go) or any row under it;
// a row shown only for rows under it is expanded, showing just those,
// unless the analyst collapsed it.
func computeRows(in queueInput) []queueRow {
	rows := filterGroups(in, in.active, in.kids, false)
	if in.showSuppressed {
		rows = append(rows, filterGroups(in, in.suppressed, in.hiddenKids, true)...)
	}
	cmpf := groupCompare(in.sort, in.status)
	if !(in.sort == sortSeverity && !in.reverse && !in.showSuppressed) {
		slices.SortStableFunc(rows, func(a, b queueRow) int {
			c := cmpf(a.g, b.g)
			if in.reverse {
				c = -c
			}
			return c
		})
	}
	expanded := false
	for _, r := range rows {
		if r.open {
			expanded = true
			break
		}
	}
	if !expanded {
		return rows
	}
	out := make([]queueRow, 0, len(rows))
	for _, r := range rows {
		out = in.appendRow(out, r, cmpf)
	}
	return out
}

// appendRow appends r and, when it is open, the rows under it.
func (in queueInput) appendRow(out []queueRow, r queueRow, cmpf func(a, b *triage.Group) int) []queueRow {
	out = append(out, r)
	if !r.open {
		return out
	}
	kids := in.kids
	if r.suppressed {
		kids = in.hiddenKids
	}
	all := in.match == nil || in.selfMatch(r.g, &groupDoc{info: in.info})
	var under []queueRow
	doc := &groupDoc{info: in.info}
	for _, k := range kids[r.g.Key] {
		row, ok := in.row(k, kids, r.suppressed, r.depth+1, all, doc)
		if ok {
			under = append(under, row)
		}
	}
	slices.SortStableFunc(under, func(a, b queueRow) int { // kept unsorted: see chainBuilder.tree
		c := cmpf(a.g, b.g)
		if in.reverse {
			c = -c
		}
		return c
	})
	for _, u := range under {
		out = in.appendRow(out, u, cmpf)
	}
	return out
}

// row decides whether g shows (always when all is set: its parent
// matched itself) and how. A row that shows only for rows under it is
// open unless every row under it matches (then the row as a whole does).
func (in queueInput) row(g *triage.Group, kids map[triage.GroupKey][]*triage.Group, supp bool, depth int, all bool, doc *groupDoc) (queueRow, bool) {
	r := queueRow{g: g, suppressed: supp, depth: depth, parent: len(kids[g.Key]) > 0}
	self := all || in.match == nil || in.selfMatch(g, doc)
	if !self {
		n := in.kidsMatching(g, kids, doc)
		if n == 0 {
			return r, false
		}
		self = n == len(kids[g.Key])
	}
	if r.parent {
		if v, set := in.open[g.Key]; set {
			r.open = v
		} else {
			r.open = !self // shown for some rows under it: show them
		}
	}
	return r, true
}

// selfMatch: the query matches the group's own row, or one of its
// findings or their events (hits).
func (in queueInput) selfMatch(g *triage.Group, doc *groupDoc) bool {
	if in.hits.has(g.Key) {
		return true
	}
	doc.g, doc.status = g, statusOr(in.status, g.Key)
	return in.match.Match(doc)
}

// kidsMatching counts the rows under g the query matches, themselves or
// through rows under them.
func (in queueInput) kidsMatching(g *triage.Group, kids map[triage.GroupKey][]*triage.Group, doc *groupDoc) int {
	n := 0
	for _, k := range kids[g.Key] {
		if in.selfMatch(k, doc) || in.kidsMatching(k, kids, doc) > 0 {
			n++
		}
	}
	return n
}

// parallelRows is the list size from which filtering is split across
// cores.
const parallelRows = 10000

// filterGroups keeps the top-level groups in gs that show, in order.
func filterGroups(in queueInput, gs []*triage.Group, kids map[triage.GroupKey][]*triage.Group, supp bool) []queueRow {
	pass := func(gs []*triage.Group) []queueRow {
		out := make([]queueRow, 0, len(gs))
		doc := &groupDoc{info: in.info}
		for _, g := range gs {
			if r, ok := in.row(g, kids, supp, 0, false, doc); ok {
				out = append(out, r)
			}
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

var statusRank = map[string]int{casefile.StatusOpen: 0, casefile.StatusAcknowledged: 1, casefile.StatusClosed: 2}

// groupCompare orders groups by a column, the "worst" first (highest
// severity, risk, count; latest times; open before closed); ties fall back
// to the default order.
func groupCompare(k sortKey, status map[triage.GroupKey]string) func(a, b *triage.Group) int {
	// The queue's own order (impact, severity, risk, findings, key) breaks
	// ties, and is the order itself for the severity column.
	def := triage.CompareGroups
	var first func(a, b *triage.Group) int
	switch k {
	case sortRisk:
		first = func(a, b *triage.Group) int { return cmp.Compare(b.Risk, a.Risk) }
	case sortHits:
		first = func(a, b *triage.Group) int { return cmp.Compare(b.Findings, a.Findings) }
	case sortIP:
		// Under another chain the key column stands where the address
		// was: its values sort A→Z.
		first = func(a, b *triage.Group) int {
			if a.Key.Default() && b.Key.Default() {
				return a.Key.SourceIP.Compare(b.Key.SourceIP)
			}
			return a.Key.Compare(b.Key)
		}
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
