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

var sortNames = [numSortKeys]string{"severity", "risk", "findings", "source ip", "user agent", "detectors", "first seen", "last seen", "status"}

// queueRow is one row of the queue: a group, and whether every one of its
// findings is suppressed (such rows show only on request, marked). Rows
// are a flat list today; regrouping by other fields would make them a
// tree (a row per value with its groups under it, folded or not), which
// is why the view asks a row for its group rather than indexing groups.
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
