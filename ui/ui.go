// Package ui is Picket's terminal console: a queue of groups (source IP ×
// user agent) ranked by severity and risk, a group's findings on a
// timeline with its checklist and notes, a finding's evidence events, and
// the firewall-deny histogram.
//
// The root model routes keys to whatever is in front (a modal editor,
// dialog or filter input first, then the view), runs slow work (loading,
// filtering large lists, case-file writes) in commands off the input loop,
// and draws the header, status line and help around the view.
//
// Everything shown that comes from events (user agents, reasons, paths,
// values, ids) goes through triage.Escape first: attackers write it.
package ui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"picket/casefile"
	"picket/kql"
	"picket/triage"
)

// Options configures the console. Only Collection is required; every
// other dependency may be nil and the console says what is missing when
// the analyst reaches for it.
type Options struct {
	// Title names the source of the events ("demo data", "access.ndjson").
	Title string
	// Demo marks the data as generated; the header says so prominently.
	Demo bool
	// SourceKind says where events come from for the status line: "demo
	// data", "files" or "cluster".
	SourceKind string
	// Collection is what the console shows.
	Collection *triage.Collection
	// Start runs the engine, filling Collection. The console runs it in
	// the background and shows the collection as it fills. It may be nil
	// when the collection is already full.
	Start func(ctx context.Context) error
	// Warnings returns the warnings so far (unreadable lines and the
	// like); it may be nil.
	Warnings func() []string
	// Lints returns what the detectors reported about the data after the
	// run; Spike the firewall-deny model's buckets. Both are read when
	// Start returns (or at once when Start is nil).
	Lints func() []triage.Lint
	Spike func() *SpikeSeries
	// Detectors describes a detector by id, for the finding view.
	Detectors func(id string) (triage.DetectorInfo, bool)
	// Rerun prepares a fresh run of the detectors (r). nil: r says it
	// cannot.
	Rerun func() RunSpec

	Store        CaseStore    // notes, ticks, statuses
	Playbooks    Playbooks    // checklist content
	Suppressions Suppressions // exceptions and allowlists
	Exporter     Exporter     // x
	// Copy puts text on the clipboard; nil: OSC52 on standard output.
	Copy func(string) error
	// Author is who notes, ticks and statuses are recorded as.
	Author string
	// Now is the clock (tests fix it); nil: time.Now.
	Now func() time.Time
	// Rules describes every detector and Elastic rule Picket knows, for
	// the rules view (R); nil: the view lists those this run reported on.
	Rules []RuleInfo

	// Alerts pulls Elastic Security's alerts to show beside the findings
	// (picket --es); nil: none.
	Alerts *AlertSource
	// Progress reports how far Start's load has come, for the status
	// line's progress bar; polled while loading. nil, or false: the
	// count of events kept is shown instead.
	Progress func() (LoadProgress, bool)
}

// RunSpec is a fresh run of the detectors: an empty collection, the
// function that fills it, and what the run reports after.
type RunSpec struct {
	Collection *triage.Collection
	Start      func(ctx context.Context) error
	Lints      func() []triage.Lint
	Spike      func() *SpikeSeries
}

// refreshEvery is how often the console re-reads the collection while the
// engine runs.
const refreshEvery = 200 * time.Millisecond

// syncRows is the list size up to which filtering and sorting run in the
// key handler; beyond it they run in a command.
const syncRows = 20000

// statusAll is the number of groups up to which every status is loaded
// from the case file at once; beyond it only the visible rows' are.
const statusAll = 5000

type viewID int

const (
	viewQueue viewID = iota
	viewGroup
	viewEvent
	viewSpike
	viewRules // R (rules.go)
)

// modalKind is what holds the keys ahead of the view.
type modalKind int

const (
	modalNone modalKind = iota
	modalFilter
	modalEditor
	modalDialog
	modalConfirm
)

// Messages.
type (
	// startDoneMsg says Start returned.
	startDoneMsg struct {
		err error
		gen int
	}
	// tickMsg asks for a refresh while loading.
	tickMsg struct{ gen int }
	// refreshMsg carries a snapshot of the collection, taken off the
	// event loop. seq orders snapshots so a late one never overwrites a
	// newer one.
	refreshMsg struct {
		seq      int
		snap     snapshot
		groupKey *triage.GroupKey // the open group, if any
		findings []triage.Finding // that group's findings
	}
	// rowsMsg carries the queue's rows, filtered and sorted off the loop.
	rowsMsg struct {
		seq  int
		rows []queueRow
	}
	// caseMsg carries a group's notes and checklist state.
	caseMsg struct {
		key   triage.GroupKey
		notes []casefile.Note
		items []casefile.ChecklistItem
		err   error
	}
	// statusesMsg carries workflow statuses read from the case file.
	statusesMsg struct {
		status map[triage.GroupKey]string
		err    error
	}
	// savedMsg reports a case-file write.
	savedMsg struct {
		what string
		err  error
	}
	// noteSavedMsg reports a stored note.
	noteSavedMsg struct {
		key  triage.GroupKey
		note casefile.Note
		err  error
	}
	// supsMsg carries the stored exceptions and allowlist entries.
	supsMsg struct {
		xs    []triage.Exception
		allow []triage.AllowEntry
		err   error
	}
	// supSavedMsg reports a stored exception or allowlist entry.
	supSavedMsg struct {
		s   suppression
		err error
	}
	// previewMsg carries the dialog's preview count.
	previewMsg struct{ seq, hits, groups, total int }
	// groupFindingsMsg carries the findings of the group being opened.
	groupFindingsMsg struct {
		key      triage.GroupKey
		findings []triage.Finding
	}
	// exportedMsg reports an export.
	exportedMsg struct {
		where string
		err   error
	}
)

// snapshot is what the header and queue need from the collection.
type snapshot struct {
	groups     []*triage.Group // with unsuppressed findings
	suppressed []*triage.Group // of the suppressed findings
	findings   int
	hidden     int // suppressed findings
	events     int
	warnings   []string
	info       *infoCache // filter fields of these groups
}

// model is the root: it owns the views, routes keys to the one in front,
// and draws the header, status line and help around it.
type model struct {
	ctx  context.Context
	opts Options
	st   *Styles
	keys *keyMap
	help help.Model

	width, height int

	view     viewID
	backView viewID // where esc goes from the histogram
	queue    queueModel
	group    groupModel
	event    eventModel
	spike    spikeModel
	rules    rulesModel

	modal     modalKind
	prevModal modalKind // the modal a confirmation interrupted
	// confirmQuit: the confirmation asks to quit (ctrl+c); else to
	// discard the editor's unsaved text (esc).
	confirmQuit bool
	input       textinput.Model
	inputErr    string
	editor      editorModel
	dialog      dialogModel

	queueFilter string
	queueMatch  *kql.Query
	groupFilter string
	groupMatch  *kql.Query

	status      map[triage.GroupKey]string // copy-on-write: commands read it
	statusAsked map[triage.GroupKey]bool
	statusBusy  bool

	xs       []triage.Exception
	allow    []triage.AllowEntry
	sup      *suppressor
	showSupp bool

	lints []triage.Lint

	snap       snapshot
	loading    bool
	startErr   error
	gen        int // run generation: re-runs ignore an older run's messages
	seq        int // last refresh issued
	appliedSeq int // last refresh applied
	rowSeq     int // last rows computation issued
	info       string
	lastErr    string
	// rerunning is set from r until the re-run's last refresh, rerunSeq
	// that refresh: it reports the re-run done with its count.
	rerunning bool
	rerunSeq  int

	al   alertState // pulled alerts (alerts.go)
	load loadState  // the load's progress bar (progress.go)
}

// New returns the console's root model. The engine, if any, starts when
// the program calls Init.
func New(opts Options) tea.Model {
	return newModel(context.Background(), opts)
}

func newModel(ctx context.Context, opts Options) *model {
	if opts.Collection == nil {
		opts.Collection = triage.NewCollection(0)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	st := newStyles()
	k := defaultKeys()
	h := help.New()
	h.Styles = st.Help
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "KQL, e.g. source.ip:203.0.113.7 and severity:critical"
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Cursor.Style = cursorStyle()
	m := &model{
		ctx:         ctx,
		opts:        opts,
		st:          st,
		keys:        &k,
		help:        h,
		width:       80,
		height:      24,
		queue:       newQueue(st, &k),
		group:       newGroupView(st, &k),
		event:       newEventView(st, &k, opts.Collection),
		spike:       spikeModel{st: st, keys: &k},
		rules:       rulesModel{st: st, keys: &k},
		input:       in,
		status:      map[triage.GroupKey]string{},
		statusAsked: map[triage.GroupKey]bool{},
		loading:     opts.Start != nil,
	}
	m.event.info = opts.Detectors
	m.sup = newSuppressor(nil, nil, opts.Now(), nil)
	if !m.loading {
		m.afterRun()
	}
	// The first snapshot is taken now so a full collection shows at once;
	// its rows are computed here, whatever their number.
	m.snap = takeSnapshot(opts.Collection, opts.Warnings, m.sup)
	m.queue.empty = "no findings"
	if m.loading {
		m.queue.empty = "no findings yet"
	}
	m.queue.setRows(computeRows(queueInput{active: m.snap.groups, sort: sortSeverity}))
	m.layout()
	return m
}

// Run opens the console on the terminal's alternate screen and returns
// when the analyst quits or ctx is cancelled. It returns Start's error, if
// Start failed, after the screen is restored.
func Run(ctx context.Context, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if opts.Copy == nil {
		out := termenv.NewOutput(os.Stdout)
		opts.Copy = func(s string) error { out.Copy(s); return nil }
	}
	m := newModel(ctx, opts)
	final, err := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx)).Run()
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if fm, ok := final.(*model); ok && fm.startErr != nil {
		return fmt.Errorf("loading events: %w", fm.startErr)
	}
	return nil
}

func (m *model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.loadSuppressions(), m.loadStatuses(), m.pullAlerts()}
	if m.opts.Start != nil {
		cmds = append(cmds, m.startCmd(m.opts.Start), tick(m.gen))
	}
	return tea.Batch(cmds...)
}

func (m *model) startCmd(start func(context.Context) error) tea.Cmd {
	ctx, gen := m.ctx, m.gen
	return func() tea.Msg { return startDoneMsg{err: start(ctx), gen: gen} }
}

func tick(gen int) tea.Cmd {
	return tea.Tick(refreshEvery, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
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

// refresh reads the collection in a command, off the event loop: sorting
// many groups takes a while and must not stall the keys.
func (m *model) refresh() tea.Cmd {
	m.seq++
	seq, c, warn, sup, alerts := m.seq, m.opts.Collection, m.opts.Warnings, m.sup, m.al.items
	var gk *triage.GroupKey
	if m.view != viewQueue && m.group.group != nil {
		k := m.group.group.Key
		gk = &k
	}
	return func() tea.Msg {
		msg := refreshMsg{seq: seq, snap: takeSnapshot(c, warn, sup), groupKey: gk}
		msg.snap.addAlerts(alerts)
		if gk != nil {
			msg.findings = c.FindingsFor(*gk)
		}
		return msg
	}
}

// takeSnapshot groups the collection. Without suppressions the engine's
// groups are used as they are; with some, the findings are regrouped so
// that counts, risk and severity leave the suppressed ones out.
func takeSnapshot(c *triage.Collection, warn func() []string, sup *suppressor) snapshot {
	s := snapshot{events: c.EventCount(), info: &infoCache{}}
	if sup.empty() {
		s.groups = c.Groups()
		for _, g := range s.groups {
			s.findings += g.Findings
		}
	} else {
		sup = &suppressor{s: sup.s}
		if sup.s.HasExceptions() {
			sup.hits = c.Hits(sup.s)
		}
		var act, hid triage.Grouper
		fs := c.Findings()
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
	if warn != nil {
		s.warnings = warn()
	}
	return s
}

func (m *model) applySnapshot(s snapshot) tea.Cmd {
	m.snap = s
	if m.loading {
		m.queue.empty = "no findings yet"
	} else {
		m.queue.empty = "no findings"
	}
	return tea.Batch(m.recomputeRows(), m.loadStatuses(), m.warm())
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

// recomputeRows filters and sorts the queue: at once for small lists, in
// a command for large ones (the old rows stay until it returns).
func (m *model) recomputeRows() tea.Cmd {
	in := queueInput{
		active: m.snap.groups, suppressed: m.snap.suppressed, showSuppressed: m.showSupp,
		match: m.queueMatch, sort: m.queue.sort, reverse: m.queue.rev, status: m.status, info: m.snap.info,
	}
	m.rowSeq++
	if len(in.active)+len(in.suppressed) <= syncRows {
		m.queue.setRows(computeRows(in))
		m.queue.setStatus(m.status)
		return nil
	}
	seq := m.rowSeq
	return func() tea.Msg { return rowsMsg{seq: seq, rows: computeRows(in)} }
}

// recomputeFindings refreshes the group view's rows.
func (m *model) recomputeFindings() {
	m.group.setRows(m.withAlerts(findingRows(m.group.all, m.groupMatch, m.sup, m.showSupp)))
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil

	case startDoneMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.loading = false
		m.startErr = msg.err
		m.load.have = false
		m.afterRun()
		cmd := m.refresh()
		if m.rerunning {
			m.rerunSeq = m.seq
		}
		return m, tea.Batch(cmd, m.judgeAlerts())

	case tickMsg:
		if !m.loading || msg.gen != m.gen {
			return m, nil
		}
		m.pollProgress()
		return m, m.refresh()

	case refreshMsg:
		if msg.seq <= m.appliedSeq {
			return m, nil
		}
		m.appliedSeq = msg.seq
		cmd := m.applySnapshot(msg.snap)
		if m.rerunning && m.rerunSeq != 0 && msg.seq >= m.rerunSeq {
			m.rerunning, m.rerunSeq = false, 0
			m.info = "re-run done: " + plural(m.snap.findings, "finding")
			if m.startErr != nil {
				m.info = "re-run stopped: " + plural(m.snap.findings, "finding")
			}
		}
		if msg.groupKey != nil && m.view != viewQueue && m.group.group != nil && m.group.group.Key == *msg.groupKey {
			if g := findGroup(msg.snap, *msg.groupKey); g != nil {
				m.group.refresh(g, msg.findings)
				m.recomputeFindings()
			}
		}
		if m.view == viewRules {
			cmd = tea.Batch(cmd, m.rulesCounts())
		}
		if m.loading {
			return m, tea.Batch(cmd, tick(m.gen))
		}
		return m, cmd

	case rowsMsg:
		if msg.seq == m.rowSeq {
			m.queue.setRows(msg.rows)
			m.queue.setStatus(m.status)
			return m, m.loadStatuses()
		}
		return m, nil

	case groupFindingsMsg:
		if m.group.group != nil && m.group.group.Key == msg.key {
			m.group.loading = false
			m.group.refresh(m.group.group, msg.findings)
			m.recomputeFindings()
		}
		return m, nil

	case caseMsg:
		if m.group.group == nil || m.group.group.Key != msg.key {
			return m, nil
		}
		if msg.err != nil {
			m.setErr(msg.err)
		}
		m.group.notes.set(msg.notes)
		for _, it := range msg.items {
			m.group.check.set(it)
		}
		return m, nil

	case statusesMsg:
		m.statusBusy = false
		if msg.err != nil {
			m.setErr(msg.err)
		}
		if len(msg.status) > 0 {
			st := maps.Clone(m.status)
			maps.Copy(st, msg.status)
			m.setStatusMap(st)
		}
		return m, m.loadStatuses()

	case savedMsg:
		if msg.err != nil {
			m.setErr(msg.err)
		} else {
			m.info = msg.what
		}
		return m, nil

	case noteSavedMsg:
		if msg.err != nil {
			m.setErr(msg.err)
			return m, nil
		}
		m.info = "note saved: " + clip(noteTitle(msg.note.Body), 40)
		if m.group.group != nil && m.group.group.Key == msg.key {
			m.group.notes.add(msg.note)
		}
		return m, nil

	case supsMsg:
		if msg.err != nil {
			m.setErr(msg.err)
		}
		m.xs, m.allow = msg.xs, msg.allow
		m.setSuppressions()
		return m, tea.Batch(m.refresh(), m.judgeAlerts())

	case supSavedMsg:
		if msg.err != nil {
			m.setErr(msg.err)
			return m, nil
		}
		if msg.s.a != nil {
			m.allow = append(append([]triage.AllowEntry(nil), m.allow...), *msg.s.a)
		} else if msg.s.x != nil {
			m.xs = append(append([]triage.Exception(nil), m.xs...), *msg.s.x)
		}
		m.setSuppressions()
		m.info = clip(msg.s.label(), 60)
		if m.opts.Suppressions == nil {
			m.info += " (kept for this session only: no exception storage)"
		}
		if m.view != viewQueue && m.group.group != nil {
			m.recomputeFindings()
		}
		return m, tea.Batch(m.refresh(), m.judgeAlerts())

	case previewMsg:
		if m.modal == modalDialog && msg.seq == m.dialog.seq {
			m.dialog.previewing = false
			m.dialog.hits, m.dialog.groups, m.dialog.total = msg.hits, msg.groups, msg.total
		}
		return m, nil

	case modelMsg:
		return m, msg.apply(m)

	case exportedMsg:
		if msg.err != nil {
			m.setErr(msg.err)
		} else {
			m.info = "exported to " + triage.Escape(msg.where)
		}
		return m, nil

	case copiedMsg:
		if msg.err != nil {
			m.setErr(msg.err)
		} else {
			m.info = "copied " + msg.what
		}
		return m, nil

	case tea.MouseMsg:
		return m.handleMouse(msg)

	case tea.KeyMsg:
		m.info = ""
		return m.handleKey(msg)
	}
	if cmd, ok := m.updateAlerts(msg); ok {
		return m, cmd
	}
	// Anything else (cursor blinks) goes to an open editor.
	if m.modal == modalEditor {
		var cmd tea.Cmd
		m.editor, cmd = m.editor.update(msg)
		return m, cmd
	}
	return m, nil
}

func findGroup(s snapshot, k triage.GroupKey) *triage.Group {
	for _, gs := range [][]*triage.Group{s.groups, s.suppressed} {
		for _, g := range gs {
			if g.Key == k {
				return g
			}
		}
	}
	return nil
}

func (m *model) setErr(err error) {
	m.lastErr = triage.Escape(err.Error())
}

func (m *model) setStatusMap(st map[triage.GroupKey]string) {
	m.status = st
	m.queue.setStatus(st)
	if m.group.group != nil {
		m.group.status = statusOr(st, m.group.group.Key)
	}
}

func (m *model) setSuppressions() {
	m.sup = newSuppressor(m.xs, m.allow, m.opts.Now(), m.opts.Collection)
}

func (m *model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch m.modal {
	case modalConfirm:
		switch {
		case keyIs(msg, m.keys.Yes):
			if m.confirmQuit {
				return m, tea.Quit
			}
			m.modal = modalNone
			m.info = "note discarded"
		case keyIs(msg, m.keys.No):
			m.modal = m.prevModal
		}
		return m, nil
	case modalEditor:
		return m.editorKey(msg)
	case modalDialog:
		return m.dialogKey(msg)
	case modalFilter:
		return m.filterKey(msg)
	}
	if m.view == viewRules {
		if cmd, ok := m.rulesKey(msg); ok {
			return m, cmd
		}
	}

	k := m.keys
	switch {
	case keyIs(msg, k.Quit):
		return m, tea.Quit
	case keyIs(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.layout()
		return m, nil
	case keyIs(msg, k.Back):
		m.lastErr = ""
		switch m.view {
		case viewEvent:
			m.view = viewGroup
		case viewGroup:
			if m.group.focus != paneFindings {
				m.group.focus = paneFindings
			} else {
				m.view = viewQueue
			}
		case viewSpike:
			m.view = m.backView
		}
		m.layout()
		return m, nil
	case keyIs(msg, k.Rules):
		return m, m.openRules()
	case keyIs(msg, k.Histogram):
		if m.view != viewSpike {
			m.backView = m.view
			m.view = viewSpike
		} else {
			m.view = m.backView
		}
		m.layout()
		return m, nil
	case keyIs(msg, k.Rerun):
		return m, m.rerun()
	case keyIs(msg, k.Export):
		return m, m.export()
	}
	if m.view == viewSpike {
		var cmd tea.Cmd
		m.spike, cmd = m.spike.update(msg)
		return m, cmd
	}

	switch {
	case keyIs(msg, k.Enter):
		return m, m.enter()
	case keyIs(msg, k.Filter) && (m.view == viewQueue || m.view == viewGroup):
		m.modal = modalFilter
		m.inputErr = ""
		if m.view == viewQueue {
			m.input.SetValue(m.queueFilter)
		} else {
			m.input.SetValue(m.groupFilter)
		}
		m.input.CursorEnd()
		m.input.Width = max(m.width-4, 10)
		return m, m.input.Focus()
	case keyIs(msg, k.Sort) && m.view == viewQueue:
		m.queue.sort = (m.queue.sort + 1) % numSortKeys
		m.info = "sorted by " + sortNames[m.queue.sort]
		return m, m.recomputeRows()
	case keyIs(msg, k.Reverse) && m.view == viewQueue:
		m.queue.rev = !m.queue.rev
		return m, m.recomputeRows()
	case keyIs(msg, k.Suppressed):
		m.showSupp = !m.showSupp
		if m.showSupp {
			m.info = "showing suppressed findings, marked ~"
		} else {
			m.info = "suppressed findings hidden"
		}
		if m.group.group != nil {
			m.recomputeFindings()
		}
		return m, m.recomputeRows()
	case keyIs(msg, k.Status):
		return m, m.cycleStatus()
	case keyIs(msg, k.Note):
		return m, m.newNote()
	case keyIs(msg, k.Checklist):
		switch m.view {
		case viewQueue:
			cmd := m.enter()
			if m.view == viewGroup {
				m.group.focus, m.group.panel = paneChecklist, paneChecklist
			}
			return m, cmd
		case viewEvent:
			m.view = viewGroup
		}
		m.group.focus, m.group.panel = paneChecklist, paneChecklist
		m.layout()
		return m, nil
	case keyIs(msg, k.Tick) && m.view == viewGroup && m.group.focus == paneChecklist:
		return m, m.tick()
	case keyIs(msg, k.Switch) && m.view == viewGroup:
		d := 1
		if msg.String() == "shift+tab" {
			d = -1
		}
		m.group.nextPane(d)
		return m, nil
	case keyIs(msg, k.Exception):
		return m, m.openException()
	case keyIs(msg, k.Allow):
		return m, m.openAllow()
	case keyIs(msg, k.Copy):
		return m, m.copySelected()
	}

	var cmd tea.Cmd
	switch m.view {
	case viewQueue:
		m.queue, cmd = m.queue.update(msg)
		return m, tea.Batch(cmd, m.loadStatuses())
	case viewGroup:
		m.group, cmd = m.group.update(msg)
	case viewEvent:
		m.event, cmd = m.event.update(msg)
	}
	return m, cmd
}

func (m *model) helpKeys() viewHelp {
	ev := m.view == viewEvent
	return viewHelp{k: m.keys, v: m.view, focus: m.group.focus, modal: m.modal, discard: !m.confirmQuit, rulesDetail: m.rules.detail,
		multi: ev && m.event.multi(), evidence: ev && m.event.multi() && m.event.focus == paneEvidence}
}

// bodyHeight is what is left for the view between the header and the
// status line and help.
func (m *model) bodyHeight() int {
	return max(m.height-2-m.helpHeight(), 2)
}

// helpHeight is how many lines of help fit: all of them, unless the
// terminal is so short that the view would get fewer than two lines.
func (m *model) helpHeight() int {
	helpH := lipgloss.Height(m.helpText())
	return max(min(helpH, m.height-4), 0)
}

// helpText renders the help to the width. The one-line help drops the
// least useful keys (those just before ? and q, which always show) until
// it fits; the full help puts its columns side by side while they fit and
// wraps the rest onto more rows.
func (m *model) helpText() string {
	h := m.help
	h.Width = 0 // no cutting with …: the fitting is done here
	hk := m.helpKeys()
	if !h.ShowAll {
		bs := hk.ShortHelp()
		out := h.ShortHelpView(bs)
		for lipgloss.Width(out) > m.width && len(bs) > 2 {
			bs = slices.Delete(slices.Clone(bs), len(bs)-3, len(bs)-2)
			out = h.ShortHelpView(bs)
		}
		return clip(out, m.width)
	}
	sep := h.Styles.FullSeparator.Render(h.FullSeparator)
	var rows, row []string
	flush := func() {
		if len(row) > 0 {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row = nil
		}
	}
	for _, g := range hk.FullHelp() {
		col := h.FullHelpView([][]key.Binding{g})
		if col == "" {
			continue
		}
		if len(row) > 0 && lipgloss.Width(lipgloss.JoinHorizontal(lipgloss.Top, append(row, sep, col)...)) > m.width {
			flush()
		}
		if len(row) > 0 {
			row = append(row, sep)
		}
		row = append(row, col)
	}
	flush()
	lines := strings.Split(strings.Join(rows, "\n"), "\n")
	for i, l := range lines {
		lines[i] = clip(strings.TrimRight(l, " "), m.width)
	}
	return strings.Join(lines, "\n")
}

// helpView renders the help cut to helpHeight lines.
func (m *model) helpView() string {
	lines := strings.Split(m.helpText(), "\n")
	if n := m.helpHeight(); len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// layout gives the views their sizes.
func (m *model) layout() {
	h := m.bodyHeight()
	m.queue.setSize(m.width, h)
	m.group.setSize(m.width, h)
	m.event.setSize(m.width, h)
	m.spike.setSize(m.width, h)
	m.rules.setSize(m.width, h)
	if m.modal == modalEditor {
		m.editor.setSize(m.width, h)
	}
}

func (m *model) View() string {
	if m.width < 20 || m.height < 5 {
		return "terminal too small"
	}
	h := m.bodyHeight()
	var body string
	switch {
	case m.modal == modalEditor || (m.modal == modalConfirm && m.prevModal == modalEditor):
		body = m.editor.view(m.st, m.width, h)
	case m.modal == modalDialog || (m.modal == modalConfirm && m.prevModal == modalDialog):
		d := m.dialog.view(m.st, min(m.width, 90))
		body = joinLines(strings.Split(lipgloss.Place(m.width, h, lipgloss.Center, lipgloss.Center, d), "\n"), h)
	default:
		switch m.view {
		case viewGroup:
			body = m.group.View()
		case viewEvent:
			body = m.event.View()
		case viewSpike:
			body = m.spike.View()
		case viewRules:
			body = m.rules.View()
		default:
			body = m.queue.View()
		}
	}
	out := m.header() + "\n" + body + "\n" + m.statusLine()
	if hv := m.helpView(); hv != "" {
		out += "\n" + hv
	}
	return out
}

func (m *model) header() string {
	st := m.st
	var b strings.Builder
	b.WriteString(st.Title.Render("Picket"))
	if m.opts.Title != "" {
		b.WriteString("  ")
		b.WriteString(st.Source.Render(triage.Escape(m.opts.Title)))
	}
	if m.opts.Demo {
		b.WriteString("  ")
		b.WriteString(st.Demo.Render("DEMO DATA"))
	}
	b.WriteString("  ")
	b.WriteString(st.Counts.Render(
		plural(len(m.snap.groups), "group") + " · " + plural(m.snap.findings, "finding") + " · " +
			plural(m.snap.events, "event") + m.alertCounts() + " · times UTC"))
	return clip(b.String(), m.width)
}

func (m *model) statusLine() string {
	st := m.st
	switch m.modal {
	case modalConfirm:
		if !m.confirmQuit {
			return clip(st.Warn.Render("unsaved note: discard it? y/n"), m.width)
		}
		return clip(st.Warn.Render("unsaved text: quit anyway? y/n"), m.width)
	case modalFilter:
		line := inputView(m.input)
		if m.inputErr != "" {
			// The query keeps the width it needs, up to half the line;
			// the error gets the rest.
			inW := min(lipgloss.Width(m.input.Prompt+triage.Escape(m.input.Value()))+2, max(m.width/2, 20))
			line = clip(line, inW) + "  " + st.Error.Render(clip("✗ "+m.inputErr, max(m.width-inW-2, 1)))
		}
		return clip(line, m.width)
	}
	var parts []string
	if m.opts.SourceKind != "" {
		parts = append(parts, st.Status.Render(triage.Escape(m.opts.SourceKind)))
	}
	switch m.view {
	case viewQueue:
		if m.queueFilter != "" {
			parts = append(parts, st.Status.Render(strconv.Itoa(len(m.queue.rows))+"/"+plural(len(m.snap.groups), "group")))
		}
	case viewGroup:
		if m.groupFilter != "" {
			parts = append(parts, st.Status.Render(strconv.Itoa(len(m.group.rows))+"/"+plural(len(m.group.all), "finding")))
		}
	}
	if f := m.activeFilter(); f != "" {
		parts = append(parts, st.Filter.Render("filter: "+clip(triage.Escape(f), 40)))
	}
	if m.snap.hidden > 0 {
		s := strconv.Itoa(m.snap.hidden) + " suppressed"
		if !m.showSupp {
			s += " (S shows)"
		}
		parts = append(parts, st.Status.Render(s))
	}
	switch {
	case m.loading:
		parts = append(parts, m.loadingPart())
	case m.startErr != nil:
		parts = append(parts, st.Error.Render("error: "+triage.Escape(m.startErr.Error())))
	}
	// The answer to what the analyst just did comes before the warnings,
	// which are cut first when the line is full.
	if m.lastErr != "" {
		parts = append(parts, st.Error.Render("! "+m.lastErr))
	}
	if m.info != "" {
		parts = append(parts, st.Info.Render(m.info))
	}
	if n := len(m.snap.warnings); n > 0 {
		last := m.snap.warnings[n-1]
		parts = append(parts, st.Warn.Render(plural(n, "warning"))+st.Status.Render(" (last: "+triage.Escape(last)+")"))
	}
	var pos string
	switch m.view {
	case viewQueue:
		pos = position(m.queue.list)
	case viewGroup:
		pos = position(m.group.list)
	case viewEvent:
		pos = position(m.event.evidence)
	case viewSpike:
		pos = position(m.spike.list)
	case viewRules:
		pos = position(m.rules.list)
	}
	left := strings.Join(parts, st.Status.Render("  "))
	right := st.Status.Render(pos)
	gap := m.width - lipgloss.Width(right) - 1
	left = clip(left, max(gap, 0))
	pad := max(m.width-lipgloss.Width(left)-lipgloss.Width(right), 1)
	return clip(left+strings.Repeat(" ", pad)+right, m.width)
}

func (m *model) activeFilter() string {
	if m.view == viewGroup || m.view == viewEvent {
		return m.groupFilter
	}
	return m.queueFilter
}

func position(l listState) string {
	if l.n == 0 {
		return "0/0"
	}
	return strconv.Itoa(l.cursor+1) + "/" + strconv.Itoa(l.n)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
