package ui

// Pulled alerts (picket --es): the alerts Elastic Security raised, pulled
// off the input loop, set beside the local findings in the same groups
// (source IP × user agent), each saying whether the local re-run
// reproduces it and, if not, why (see triage/reconcile). s on an alert, or
// on a group holding alerts, also writes the workflow status back.

import (
	"context"
	"slices"
	"strconv"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/triage"
	"picket/triage/reconcile"
)

// AlertSource connects the console to Elastic Security's alerts.
type AlertSource struct {
	// Pull streams the alerts to fn. It runs in a command, off the input
	// loop, once when the console opens.
	Pull func(ctx context.Context, fn func(*triage.Alert) error) error
	// NotRun says, for detectors Picket knows but did not run, why (from
	// the detector catalogue). Whether a detector ran is read from
	// Options.Detectors.
	NotRun map[string]string
	// SetStatus writes a workflow status (open, acknowledged, closed) to
	// the alerts with these kibana.alert.uuid values and returns a short
	// summary ("2 updated"). nil: the alerts are read only.
	SetStatus func(ctx context.Context, uuids []string, status string) (string, error)
}

// alertItem is one pulled alert with its verdict and the finding-shaped
// row the group view shows. Items are never changed once built: a new
// status or verdict makes a new item (commands may hold the old one).
type alertItem struct {
	a       *triage.Alert
	res     reconcile.Result
	pending bool   // no verdict yet: the local run is still loading
	status  string // workflow status, as last set here or pulled
	row     triage.Finding
}

func (it *alertItem) key() triage.GroupKey {
	return triage.GroupKey{SourceIP: it.a.SourceIP, UserAgent: it.a.UserAgent}
}

// hidden reports whether an exception or allowlist entry covers the
// alert: it is then shown only with the suppressed findings.
func (it *alertItem) hidden() bool { return !it.pending && it.res.Verdict == reconcile.Excepted }

// verdict is the alert's reproduction status in a few words.
func (it *alertItem) verdict() string {
	switch {
	case it.pending:
		return "… checking (local run loading)"
	case it.res.Verdict == reconcile.Reproduced:
		return "✓ reproduced"
	}
	return "✗ " + it.res.Verdict.String() + ": " + it.res.Why
}

// build makes the group view's row: the alert as a finding of its rule,
// citing its source events, with its status and verdict before Kibana's
// reason.
func (it *alertItem) build() {
	a := it.a
	ts := a.OriginalTime
	if ts.IsZero() {
		ts = a.Timestamp
	}
	it.row = triage.Finding{
		Detector: a.Detector(), Title: a.RuleName, Severity: a.Severity, RiskScore: a.RiskScore,
		Timestamp: ts, SourceIP: a.SourceIP, UserAgent: a.UserAgent, UserName: a.UserName,
		Reason:   "ALERT [" + statusShort(it.status) + "] " + it.verdict() + " — " + a.RuleName + ": " + a.Reason,
		Evidence: triage.RefsFromIDs(reconcile.SourceIDs(a)),
	}
	it.row.EventCount = len(it.row.Evidence)
}

func newAlertItem(a *triage.Alert, res reconcile.Result, pending bool, status string) *alertItem {
	if status == "" {
		status = string(a.Status)
	}
	if status == "" {
		status = casefile.StatusOpen
	}
	it := &alertItem{a: a, res: res, pending: pending, status: status}
	it.build()
	return it
}

// alertState is the console's view of the pulled alerts.
type alertState struct {
	pulling bool
	failed  bool         // the pull failed: what items holds is partial, or nothing
	items   []*alertItem // copy-on-write
	byKey   map[triage.GroupKey][]*alertItem
}

func (s *alertState) set(items []*alertItem) {
	s.items = items
	s.byKey = make(map[triage.GroupKey][]*alertItem, len(items))
	for _, it := range items {
		s.byKey[it.key()] = append(s.byKey[it.key()], it)
	}
}

// Messages of the alerts.
type (
	alertsPulledMsg struct {
		alerts []*triage.Alert
		err    error
	}
	alertsJudgedMsg struct {
		alerts  []*triage.Alert
		results []reconcile.Result
	}
	alertsWrittenMsg struct {
		what string
		err  error
	}
)

// pullAlerts starts the pull; nil without an alert source.
func (m *model) pullAlerts() tea.Cmd {
	src := m.opts.Alerts
	if src == nil || src.Pull == nil {
		return nil
	}
	m.al.pulling = true
	ctx := m.ctx
	return func() tea.Msg {
		var out []*triage.Alert
		err := src.Pull(ctx, func(a *triage.Alert) error {
			out = append(out, a)
			return nil
		})
		return alertsPulledMsg{alerts: out, err: err}
	}
}

var verdictsAddr = address{to: viewRoot, topic: topicVerdicts}

// judgeAlerts works out the verdicts in a command once the local run is
// done; while it loads, the alerts show as being checked.
func (m *model) judgeAlerts() tea.Cmd {
	if len(m.al.items) == 0 || m.loading {
		return nil
	}
	alerts := make([]*triage.Alert, len(m.al.items))
	for i, it := range m.al.items {
		alerts[i] = it.a
	}
	ran := m.opts.Detectors
	in := reconcile.Input{
		Ran: func(id string) bool {
			if ran == nil {
				return false
			}
			_, ok := ran(id)
			return ok
		},
		NotRun:     m.opts.Alerts.NotRun,
		Event:      m.opts.Collection.EventByID,
		Exceptions: m.xs, Allow: m.allow, Now: m.opts.Now(), Lints: m.lints,
		Feeds: m.opts.Feeds,
	}
	c := m.opts.Collection
	return m.req.ask(verdictsAddr, func() tea.Msg {
		in.Findings, in.Partial = c.FindingsView(), c.Held().Partial()
		return alertsJudgedMsg{alerts: alerts, results: reconcile.Alerts(alerts, in)}
	})
}

func (m *model) onAlertsPulled(msg alertsPulledMsg) tea.Cmd {
	m.al.pulling = false
	m.al.failed = msg.err != nil
	if msg.err != nil {
		m.setErr(msg.err)
	}
	items := make([]*alertItem, len(msg.alerts))
	for i, a := range msg.alerts {
		items[i] = newAlertItem(a, reconcile.Result{}, true, "")
	}
	m.al.set(items)
	if len(items) > 0 && msg.err == nil {
		m.info = plural(len(items), "alert") + " pulled from Elasticsearch"
	}
	return tea.Batch(m.refresh(), m.judgeAlerts())
}

// onVerdicts sets the verdicts; statuses set meanwhile are kept (the
// items are matched by alert).
func (m *model) onVerdicts(msg alertsJudgedMsg) tea.Cmd {
	status := map[*triage.Alert]string{}
	for _, it := range m.al.items {
		status[it.a] = it.status
	}
	items := make([]*alertItem, len(msg.alerts))
	for i, a := range msg.alerts {
		items[i] = newAlertItem(a, msg.results[i], false, status[a])
	}
	m.al.set(items)
	if m.group.group != nil {
		m.group.recompute()
	}
	return m.refresh()
}

// withAlerts adds the open group's alerts to its finding rows, in time
// order, filtered like findings; alerts an exception covers show only
// with the suppressed findings, marked.
func (m *groupModel) withAlerts(rows []findingRow) []findingRow {
	m.alerts = 0
	if m.group == nil {
		return rows
	}
	its := m.a.alertsFor(m.group.Key)
	m.alerts = len(its)
	if len(its) == 0 {
		return rows
	}
	var extra []findingRow
	for _, it := range its {
		if m.match != nil && !m.match.Match(findingDoc{&it.row}) {
			continue
		}
		r := findingRow{f: &it.row, alert: it}
		if it.hidden() {
			if !m.a.showSupp {
				continue
			}
			r.suppressed, r.why = true, "exception"
		}
		extra = append(extra, r)
	}
	out := append(rows, extra...)
	slices.SortStableFunc(out, func(a, b findingRow) int { return a.f.Timestamp.Compare(b.f.Timestamp) })
	return out
}

// selectedAlert is the alert under the group view's cursor, if any.
func (m *groupModel) selectedAlert() (*alertItem, bool) {
	if m.focus != paneFindings || m.list.n == 0 || m.list.cursor >= len(m.rows) {
		return nil, false
	}
	it := m.rows[m.list.cursor].alert
	return it, it != nil
}

// cycleAlert cycles the status of the alert under the cursor: in the case
// file (by its uuid) and, when connected, in Elasticsearch. ok is false
// when the cursor is not on an alert.
func (m *model) cycleAlert() (tea.Cmd, bool) {
	if m.view != viewGroup {
		return nil, false
	}
	it, ok := m.group.selectedAlert()
	if !ok {
		return nil, false
	}
	now := nextStatus[it.status]
	m.setAlertStatus(map[*alertItem]bool{it: true}, now)
	what := triage.Escape("alert status " + now + ": " + clip(it.a.RuleName, 40))
	var save tea.Cmd
	if store := m.opts.Store; store != nil {
		ctx, a := m.ctx, casefile.AlertStatus{AlertID: it.a.UUID, Source: casefile.SourceElastic, Status: now,
			UpdatedAt: m.opts.Now(), UpdatedBy: m.opts.Author}
		save = func() tea.Msg { return savedMsg{what: what, err: store.SetAlertStatus(ctx, a)} }
	} else {
		m.lastErr = "no case file: the status is not saved locally"
	}
	return tea.Batch(save, m.writeBack([]*alertItem{it}, now)), true
}

// writeBackGroup gives the group's alerts the group's new status, here
// and in Elasticsearch.
func (m *model) writeBackGroup(k triage.GroupKey, status string) tea.Cmd {
	its := m.alertsFor(k)
	if len(its) == 0 {
		return nil
	}
	set := make(map[*alertItem]bool, len(its))
	for _, it := range its {
		set[it] = true
	}
	m.setAlertStatus(set, status)
	return m.writeBack(its, status)
}

// setAlertStatus replaces the items with copies in the new status.
func (m *model) setAlertStatus(set map[*alertItem]bool, status string) {
	items := make([]*alertItem, len(m.al.items))
	for i, it := range m.al.items {
		if set[it] {
			it = newAlertItem(it.a, it.res, it.pending, status)
		}
		items[i] = it
	}
	m.al.set(items)
	if m.group.group != nil {
		m.group.recompute()
	}
}

// writeBack sets the status on the alerts in Elasticsearch, off the loop.
func (m *model) writeBack(its []*alertItem, status string) tea.Cmd {
	src := m.opts.Alerts
	if src == nil || src.SetStatus == nil || len(its) == 0 {
		return nil
	}
	uuids := make([]string, 0, len(its))
	for _, it := range its {
		uuids = append(uuids, it.a.UUID)
	}
	ctx := m.ctx
	return func() tea.Msg {
		sum, err := src.SetStatus(ctx, uuids, status)
		what := "elasticsearch: " + plural(len(uuids), "alert") + " set to " + status
		if sum != "" {
			what += " (" + triage.Escape(sum) + ")"
		}
		return alertsWrittenMsg{what: what, err: err}
	}
}

// addAlerts puts the alerts into the snapshot's groups by source IP × user
// agent, making groups for actors with alerts only. An alert is not a
// finding (the findings count stays the local re-run's), but it adds its
// rule to the group's detectors, raises its severity, widens its time
// span, and adds its risk unless a local finding (already counted)
// reproduces it. Alerts an exception covers go to the suppressed groups.
func (s *snapshot) addAlerts(items []*alertItem) {
	if len(items) == 0 {
		return
	}
	// The snapshot's groups may be the collection's own (Seal): a group
	// an alert lands in is replaced by a copy, once, before it changes.
	type slot struct {
		i   int
		own bool // a copy or a new group: ours to change
	}
	index := func(gs []*triage.Group) map[triage.GroupKey]slot {
		m := make(map[triage.GroupKey]slot, len(gs))
		for i, g := range gs {
			m[g.Key] = slot{i: i}
		}
		return m
	}
	active, hidden := index(s.groups), index(s.suppressed)
	for _, it := range items {
		k := it.key()
		slots, list := active, &s.groups
		if it.hidden() {
			slots, list = hidden, &s.suppressed
		}
		sl, ok := slots[k]
		switch {
		case !ok:
			*list = append(*list, &triage.Group{Key: k})
			sl = slot{i: len(*list) - 1, own: true}
		case !sl.own:
			(*list)[sl.i] = (*list)[sl.i].Clone()
			sl.own = true
		}
		slots[k] = sl
		addAlert((*list)[sl.i], it)
	}
	triage.SortGroups(s.groups)
	triage.SortGroups(s.suppressed)
}

func addAlert(g *triage.Group, it *alertItem) {
	f := &it.row
	g.Detectors = triage.AddDetector(g.Detectors, f.Detector)
	g.MaxSeverity = max(g.MaxSeverity, f.Severity)
	g.NoteWorst(f)
	if it.pending || !it.res.Reproduced() {
		g.Risk += f.RiskScore
	}
	if t := f.Timestamp; !t.IsZero() {
		if g.FirstSeen.IsZero() || t.Before(g.FirstSeen) {
			g.FirstSeen = t
		}
		if t.After(g.LastSeen) {
			g.LastSeen = t
		}
		g.Hourly.Add(t.Unix() / 3600)
	}
}

// alertCounts is the header's alerts part: " · N alerts", or nothing
// without an alert source.
func (m *model) alertCounts() string {
	switch {
	case m.opts.Alerts == nil:
		return ""
	case m.al.pulling:
		return " · pulling alerts…"
	case m.al.failed && len(m.al.items) == 0:
		return " · alerts not read (see the status line)"
	case m.al.failed:
		return " · " + plural(len(m.al.items), "alert") + " before the pull failed (" + strconv.Itoa(m.al.reproduced()) + " reproduced)"
	}
	return " · " + plural(len(m.al.items), "alert") + " (" + strconv.Itoa(m.al.reproduced()) + " reproduced)"
}

// reproduced counts the alerts the local run reproduces.
func (s *alertState) reproduced() int {
	n := 0
	for _, it := range s.items {
		if !it.pending && it.res.Verdict == reconcile.Reproduced {
			n++
		}
	}
	return n
}

// groupCounts is the group summary's counts: findings, and alerts when
// the group has some.
func (m *groupModel) groupCounts() string {
	if m.group == nil {
		return ""
	}
	st := m.a.st
	s := st.Label.Render("  findings ") + strconv.Itoa(m.group.Findings)
	if m.alerts > 0 {
		s += st.Label.Render("  alerts ") + strconv.Itoa(m.alerts)
	}
	return s
}
