// Package ui is Picket's terminal console: a queue of groups (source IP ×
// user agent) ranked by severity and risk, a group's findings, and a
// finding's evidence events.
//
// Everything shown that comes from events (user agents, reasons, paths,
// values, ids) goes through triage.Escape first: attackers write it.
package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"picket/triage"
)

// Options configures the console.
type Options struct {
	// Title names the source of the events ("demo data", "access.ndjson").
	Title string
	// Demo marks the data as generated; the header says so prominently.
	Demo bool
	// Collection is what the console shows. Required.
	Collection *triage.Collection
	// Start runs the engine, filling Collection. The console runs it in
	// the background and shows the collection as it fills. It may be nil
	// when the collection is already full.
	Start func(ctx context.Context) error
	// Warnings returns the warnings so far (unreadable lines and the
	// like); it may be nil.
	Warnings func() []string
}

// refreshEvery is how often the console re-reads the collection while the
// engine runs.
const refreshEvery = 200 * time.Millisecond

type viewID int

const (
	viewQueue viewID = iota
	viewGroup
	viewEvent
)

// Messages.
type (
	// startDoneMsg says Start returned.
	startDoneMsg struct{ err error }
	// tickMsg asks for a refresh while loading.
	tickMsg struct{}
	// refreshMsg carries a snapshot of the collection, taken off the
	// event loop. seq orders snapshots so a late one never overwrites a
	// newer one.
	refreshMsg struct {
		seq      int
		snap     snapshot
		groupKey *triage.GroupKey // the open group, if any
		findings []triage.Finding // that group's findings
	}
)

// snapshot is what the header and queue need from the collection.
type snapshot struct {
	groups   []*triage.Group
	findings int
	events   int
	warnings []string
}

// model is the root: it owns the three views, routes keys to the one in
// front, and draws the header, status line and help around it.
type model struct {
	ctx  context.Context
	opts Options
	st   *Styles
	keys *keyMap
	help help.Model

	width, height int

	view  viewID
	queue queueModel
	group groupModel
	event eventModel

	snap       snapshot
	loading    bool
	startErr   error
	seq        int // last refresh issued
	appliedSeq int // last refresh applied
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
	st := newStyles()
	k := defaultKeys()
	h := help.New()
	h.Styles = st.Help
	m := &model{
		ctx:     ctx,
		opts:    opts,
		st:      st,
		keys:    &k,
		help:    h,
		width:   80,
		height:  24,
		queue:   newQueue(st, &k),
		group:   newGroupView(st, &k),
		event:   newEventView(st, &k, opts.Collection),
		loading: opts.Start != nil,
	}
	// The first snapshot is taken now so a full collection shows at once.
	m.applySnapshot(takeSnapshot(opts.Collection, opts.Warnings))
	m.layout()
	return m
}

// Run opens the console on the terminal's alternate screen and returns
// when the analyst quits or ctx is cancelled. It returns Start's error, if
// Start failed, after the screen is restored.
func Run(ctx context.Context, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := newModel(ctx, opts)
	final, err := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx)).Run()
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
	if m.opts.Start == nil {
		return nil
	}
	start, ctx := m.opts.Start, m.ctx
	return tea.Batch(
		func() tea.Msg { return startDoneMsg{err: start(ctx)} },
		tick(),
	)
}

func tick() tea.Cmd {
	return tea.Tick(refreshEvery, func(time.Time) tea.Msg { return tickMsg{} })
}

// refresh reads the collection in a command, off the event loop: sorting
// many groups takes a while and must not stall the keys.
func (m *model) refresh() tea.Cmd {
	m.seq++
	seq, c, warn := m.seq, m.opts.Collection, m.opts.Warnings
	var gk *triage.GroupKey
	if m.view != viewQueue && m.group.group != nil {
		k := m.group.group.Key
		gk = &k
	}
	return func() tea.Msg {
		msg := refreshMsg{seq: seq, snap: takeSnapshot(c, warn), groupKey: gk}
		if gk != nil {
			msg.findings = c.FindingsFor(*gk)
		}
		return msg
	}
}

func takeSnapshot(c *triage.Collection, warn func() []string) snapshot {
	s := snapshot{groups: c.Groups(), events: c.EventCount()}
	for _, g := range s.groups {
		s.findings += g.Findings
	}
	if warn != nil {
		s.warnings = warn()
	}
	return s
}

func (m *model) applySnapshot(s snapshot) {
	m.snap = s
	m.queue.setGroups(s.groups)
	if m.loading {
		m.queue.empty = "no findings yet"
	} else {
		m.queue.empty = "no findings"
	}
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil

	case startDoneMsg:
		m.loading = false
		m.startErr = msg.err
		return m, m.refresh()

	case tickMsg:
		if !m.loading {
			return m, nil
		}
		return m, m.refresh()

	case refreshMsg:
		if msg.seq <= m.appliedSeq {
			return m, nil
		}
		m.appliedSeq = msg.seq
		m.applySnapshot(msg.snap)
		if msg.groupKey != nil && m.view != viewQueue && m.group.group != nil && m.group.group.Key == *msg.groupKey {
			if g, ok := m.queue.selected(); ok && g.Key == *msg.groupKey {
				m.group.refresh(g, msg.findings)
			}
		}
		if m.loading {
			return m, tick()
		}
		return m, nil

	case tea.KeyMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

func (m *model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.layout()
		return m, nil
	case key.Matches(msg, m.keys.Back):
		switch m.view {
		case viewEvent:
			m.view = viewGroup
		case viewGroup:
			m.view = viewQueue
		}
		m.layout()
		return m, nil
	case key.Matches(msg, m.keys.Enter):
		switch m.view {
		case viewQueue:
			if g, ok := m.queue.selected(); ok {
				m.group.open(g, m.opts.Collection.FindingsFor(g.Key))
				m.view = viewGroup
			}
		case viewGroup:
			if f, ok := m.group.selected(); ok {
				m.view = viewEvent
				m.event.open(f)
			}
		}
		m.layout()
		return m, nil
	}
	var cmd tea.Cmd
	switch m.view {
	case viewQueue:
		m.queue, cmd = m.queue.update(msg)
	case viewGroup:
		m.group, cmd = m.group.update(msg)
	case viewEvent:
		m.event, cmd = m.event.update(msg)
	}
	return m, cmd
}

func (m *model) helpKeys() viewHelp {
	ev := m.view == viewEvent
	return viewHelp{k: m.keys, v: m.view, multi: ev && m.event.multi(), evidence: ev && m.event.multi() && m.event.focus == paneEvidence}
}

// bodyHeight is what is left for the view between the header and the
// status line and help.
func (m *model) bodyHeight() int {
	m.help.Width = m.width
	helpH := lipgloss.Height(m.help.View(m.helpKeys()))
	return max(m.height-2-helpH, 1)
}

// layout gives the views their sizes.
func (m *model) layout() {
	h := m.bodyHeight()
	m.queue.setSize(m.width, h)
	m.group.setSize(m.width, h)
	m.event.setSize(m.width, h)
}

func (m *model) View() string {
	if m.width < 20 || m.height < 5 {
		return "terminal too small"
	}
	var body string
	switch m.view {
	case viewGroup:
		body = m.group.View()
	case viewEvent:
		body = m.event.View()
	default:
		body = m.queue.View()
	}
	return m.header() + "\n" + body + "\n" + m.status() + "\n" + m.help.View(m.helpKeys())
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
			plural(m.snap.events, "event") + " · times UTC"))
	return clip(b.String(), m.width)
}

func (m *model) status() string {
	st := m.st
	var parts []string
	switch {
	case m.loading:
		parts = append(parts, st.Loading.Render("loading… "+plural(m.snap.events, "event")))
	case m.startErr != nil:
		parts = append(parts, st.Error.Render("error: "+triage.Escape(m.startErr.Error())))
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
	}
	left := strings.Join(parts, st.Status.Render("  "))
	right := st.Status.Render(pos)
	gap := m.width - lipgloss.Width(right) - 1
	left = clip(left, max(gap, 0))
	pad := max(m.width-lipgloss.Width(left)-lipgloss.Width(right), 1)
	return clip(left+strings.Repeat(" ", pad)+right, m.width)
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
