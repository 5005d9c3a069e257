package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// The run's life in the console: Start runs in a command while a tick
// refreshes the snapshot; when Start returns, the lints and the histogram
// are read; r starts it afresh on a new collection.

// Messages of the run, addressed to the root (topicRun, topicSnapshot).
type (
	// startDoneMsg says Start returned.
	startDoneMsg struct{ err error }
	// tickMsg asks for a refresh while loading.
	tickMsg struct{}
	// refreshMsg carries a snapshot of the collection, taken off the
	// event loop, and the open group's findings in it.
	refreshMsg struct {
		snap     snapshot
		took     time.Duration    // taking it
		groupKey *triage.GroupKey // the open group, if any
		findings []triage.Finding // that group's findings
	}
)

var (
	runAddr      = address{to: viewRoot, topic: topicRun}
	snapshotAddr = address{to: viewRoot, topic: topicSnapshot}
)

// loadingTop is how many groups a snapshot copies while the run is still
// loading: the top of the queue, not half a million copies a refresh.
const loadingTop = 5000

// snapshot is what the header and queue need from the collection: the
// groups under the grouping asked for (tree.go), the suppressed ones
// apart.
type snapshot struct {
	groups     []*triage.Group // the top level: groups, campaigns, or the first field's values
	suppressed []*triage.Group // of the suppressed findings
	kids       map[triage.GroupKey][]*triage.Group
	hiddenKids map[triage.GroupKey][]*triage.Group
	gp         grouping    // what the groups are grouped by
	leaves     int         // groups at the last level, campaigns' members counted
	loadingOf  int         // while a big run loads: how many groups groups is the top of
	held       triage.Held // what part of a run too big to hold is held
	campaigns  int         // folded campaigns among groups
	findings   int
	hidden     int // suppressed findings
	events     int
	warnings   []string
	info       *infoCache // filter fields of these groups
}

// findGroup looks a group of any level up in the snapshot, shown or
// suppressed.
func (s snapshot) findGroup(k triage.GroupKey) *triage.Group {
	for _, gs := range [][]*triage.Group{s.groups, s.suppressed} {
		for _, g := range gs {
			if g.Key == k {
				return g
			}
		}
	}
	for _, m := range []map[triage.GroupKey][]*triage.Group{s.kids, s.hiddenKids} {
		for _, gs := range m {
			for _, g := range gs {
				if g.Key == k {
					return g
				}
			}
		}
	}
	return nil
}

// startCmd runs start for the current run (newModel and rerun issue
// one: answers of an earlier run are dropped from then on). The first
// refresh tick goes with it.
func (m *model) startCmd(start func(context.Context) error) tea.Cmd {
	ctx, gen := m.ctx, m.req.latest[runAddr]
	run := func() tea.Msg { return reply{to: runAddr, gen: gen, msg: startDoneMsg{err: start(ctx)}} }
	return tea.Batch(run, m.tick())
}

// tick asks for a refresh in a while, on behalf of the current run.
func (m *model) tick() tea.Cmd {
	r := m.req.stamp(runAddr, tickMsg{})
	return tea.Tick(max(refreshEvery, refreshShare*m.snapTook), func(time.Time) tea.Msg { return r })
}

// onRun handles the run's own answers.
func (m *model) onRun(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case startDoneMsg:
		m.loading = false
		m.startErr = msg.err
		m.load.have = false
		m.afterRun()
		cmd := m.refresh()
		if m.rerunning {
			m.rerunGen = m.req.latest[snapshotAddr]
		}
		return tea.Batch(cmd, m.judgeAlerts())
	case tickMsg:
		if !m.loading {
			return nil
		}
		m.load.poll(m.opts.Progress)
		return m.refresh()
	}
	return nil
}

// afterRun reads what the run reported: lints and the deny histogram.
func (m *model) afterRun() {
	m.lints = nil
	if m.opts.Lints != nil {
		m.lints = m.opts.Lints()
	}
	if m.opts.Spike != nil {
		m.spike.set(m.opts.Spike())
	}
	m.runChanged()
}

// runChanged follows a finished run: the lints go to the views that mark
// detectors with lints, and the checklist's answers, computed on the
// previous run's events, are dropped.
func (m *model) runChanged() {
	m.req.drop(topicAnswer)
	m.group.check.clearResults()
	m.rules.setLints(m.lints)
	n := make(map[string]int, len(m.rules.lints))
	for d, ls := range m.rules.lints {
		n[d] = len(ls)
	}
	m.lintN = n
	m.queue.invalidate()
	if m.view == viewRules {
		m.rules.build()
	}
}

// refresh reads the collection in a command, off the event loop: sorting
// many groups (and regrouping them by another chain) takes a while and
// must not stall the keys.
func (m *model) refresh() tea.Cmd {
	c, warn, sup, alerts, gp, all := m.opts.Collection, m.opts.Warnings, m.sup, m.al.items, m.gp, m.all()
	var gk *triage.GroupKey
	if m.view != viewQueue && m.group.group != nil {
		k := m.group.group.Key
		gk = &k
	}
	return m.req.ask(snapshotAddr, func() tea.Msg {
		start := time.Now()
		msg := refreshMsg{snap: takeSnapshot(c, all, warn, sup, alerts, gp), groupKey: gk}
		msg.took = time.Since(start)
		if gk != nil {
			msg.findings = findingsFor(c, all, *gk, msg.snap.members(*gk))
		}
		return msg
	})
}

// takeSnapshot groups the collection under gp, with the pulled alerts.
// The default grouping uses the engine's groups as they are when nothing
// is suppressed; with suppressions the findings are regrouped so that
// counts, risk and severity leave the suppressed ones out; campaigns are
// then folded. Another chain regroups every finding (groupChain).
func takeSnapshot(c *triage.Collection, all *findingsCache, warn func() []string, sup *suppressor, alerts []*alertItem, gp grouping) snapshot {
	s := snapshot{events: c.EventCount(), info: &infoCache{}, gp: gp, held: c.Held()}
	if !sup.empty() {
		sup = &suppressor{s: sup.s}
		if sup.s.HasExceptions() {
			sup.hits = c.Hits(sup.s)
		}
	}
	switch {
	case !gp.isDefault():
		var act, hid tree
		act, hid, s.findings, s.hidden = groupChain(all.get(c), gp.by, c, sup, alerts)
		s.groups, s.kids, s.suppressed, s.hiddenKids = act.top, act.kids, hid.top, hid.kids
		s.leaves = act.leaves()
	case sup.empty() && !c.Sealed():
		// Loading: only the groups that rank highest are copied.
		var total int
		s.groups, total, s.findings = c.TopGroups(loadingTop)
		if total > len(s.groups) {
			s.loadingOf = total
		}
	case sup.empty():
		s.groups = c.Groups()
		for _, g := range s.groups {
			s.findings += g.Findings
		}
	default:
		var act, hid triage.Grouper
		fs := all.get(c)
		for i := range fs {
			if _, ok := sup.suppressed(&fs[i]); ok {
				hid.Add(&fs[i])
				s.hidden++
			} else {
				act.Add(&fs[i])
				s.findings++
			}
		}
		s.groups, s.suppressed = act.Groups(), hid.Groups()
	}
	if gp.isDefault() && s.loadingOf > 0 {
		s.leaves = len(s.groups) // campaigns and alerts once it is loaded
	} else if gp.isDefault() {
		s.addAlerts(alerts)
		s.leaves = len(s.groups)
		if gp.folds() {
			t := fold(s.groups)
			s.groups, s.kids = t.top, t.kids
			s.campaigns = len(t.kids)
		}
	}
	if s.held.Loading {
		s.findings = s.held.Findings // they wait on disk, not in c
	}
	if warn != nil {
		s.warnings = warn()
	}
	return s
}

// onSnapshot applies a snapshot: the queue's rows, the open group, the
// rules' counts, and the next tick while loading.
func (m *model) onSnapshot(gen uint64, msg refreshMsg) tea.Cmd {
	regrouped := !m.snap.gp.same(msg.snap.gp)
	was, hadRow := m.queue.selected()
	refold := regrouped && m.snap.gp.isDefault() && msg.snap.gp.isDefault()
	m.snap, m.snapTook = msg.snap, msg.took
	m.queue.empty = emptyQueue(m.loading)
	if regrouped {
		m.queue.regrouped()
		if refold && hadRow {
			// F: the cursor stays on what it was on, a campaign's first
			// member once unfolded, a member's campaign once folded.
			k := m.snap.foldedKey(was)
			m.queue.follow, m.queue.moved = &k, true
		}
	}
	m.tellCampaigns()
	cmds := []tea.Cmd{m.queue.refilter(), m.queue.recompute(), m.queue.loadStatuses(), m.warm()}
	if m.rerunning && m.rerunGen != 0 && gen >= m.rerunGen {
		m.rerunning, m.rerunGen = false, 0
		m.info = "re-run done: " + plural(m.snap.findings, "finding")
		if m.startErr != nil {
			m.info = "re-run stopped: " + plural(m.snap.findings, "finding")
		}
	}
	if msg.groupKey != nil && m.view != viewQueue && m.group.showing(*msg.groupKey) {
		if g := m.snap.findGroup(*msg.groupKey); g != nil {
			m.group.refresh(g, msg.findings)
		}
	}
	if m.view == viewRules {
		cmds = append(cmds, m.rules.count())
	}
	if m.loading {
		cmds = append(cmds, m.tick())
	}
	return tea.Batch(cmds...)
}

func emptyQueue(loading bool) string {
	if loading {
		return "no findings yet"
	}
	return "no findings"
}

// warm works out the groups' filter fields in the background once
// loading is done, so the first filter does not pay for them.
func (m *model) warm() tea.Cmd {
	if m.loading || len(m.snap.groups)+len(m.snap.suppressed) <= syncRows {
		return nil
	}
	info, gs, hs := m.snap.info, m.snap.groups, m.snap.suppressed
	return func() tea.Msg {
		info.warm(gs)
		info.warm(hs)
		return nil
	}
}

// rerun starts the detectors afresh. The filter, sort and the cursor's
// group are kept.
func (m *model) rerun() tea.Cmd {
	if m.opts.Rerun == nil {
		m.lastErr = "re-run is not available for this source"
		return nil
	}
	if m.loading {
		m.info = "already loading"
		return nil
	}
	run := m.opts.Rerun()
	if run.Collection == nil || run.Start == nil {
		m.lastErr = "re-run is not available for this source"
		return nil
	}
	m.opts.Collection, m.opts.Start, m.opts.Lints, m.opts.Spike = run.Collection, run.Start, run.Lints, run.Spike
	m.sup = newSuppressor(m.xs, m.allow, m.opts.Now(), run.Collection, m.supOpts...)
	m.req.drop(topicRuleCounts) // counted on the old collection
	m.loading, m.startErr = true, nil
	m.queue.moved = m.queue.moved || m.queue.list.cursor > 0
	if g, ok := m.queue.selected(); ok && m.queue.moved {
		k := g.Key
		m.queue.follow = &k // the new run's first groups may not hold it yet
	}
	m.info = "re-running detectors…"
	m.rerunning, m.rerunGen = true, 0
	m.req.issue(runAddr)
	// The case file's exceptions and allowlist are read again too: another
	// shell (picket allowlist remove) may have changed them.
	return tea.Batch(m.startCmd(run.Start), m.loadSuppressions())
}

// exportedMsg reports an export.
type exportedMsg struct {
	where string
	err   error
}

func (m *model) export() tea.Cmd {
	ex := m.opts.Exporter
	if ex == nil {
		m.lastErr = "export is not available in this build"
		return nil
	}
	ctx := m.ctx
	m.info = "exporting…"
	return func() tea.Msg {
		where, err := ex.Export(ctx)
		return exportedMsg{where: where, err: err}
	}
}
