package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

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
	// CaseFile is where notes, ticks and statuses go, shown in the title
	// bar beside the demo marker: the demo keeps a case file of its own.
	CaseFile string
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
	// Feeds says whether a detector reads an event at all, for the
	// verdicts on pulled alerts (reconcile.Input.Feeds); nil: unknown.
	Feeds func(detectorID string, ev *triage.Event) (why string, judged bool)
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

	// RuleExceptionLists maps an Elastic rule's detector id to the
	// exception lists its exceptions_list attaches (to it only).
	RuleExceptionLists map[string][]triage.ExceptionListRef
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
// engine runs, at the most: a snapshot that took d waits refreshShare×d
// for the next, so reading a big collection never takes more than a
// fifth of the time (and garbage) of the load it shows.
const (
	refreshEvery = 200 * time.Millisecond
	refreshShare = 4
)

// syncRows is the list size up to which filtering and sorting run in the
// key handler; beyond it they run in a command.
const syncRows = 20000

// statusAll is the number of groups up to which every status is loaded
// from the case file at once; beyond it only the visible rows' are.
const statusAll = 5000

// app is what every view shares, like gh-dash's ProgramContext: the
// options and the current run, styles and keys, the snapshot of the
// collection, the case-file state the views read (statuses, exceptions,
// allowlist), the status line's messages, the request table replies are
// checked against, and the root as navigator. Views hold a pointer to it;
// what it holds is changed in the Update path only, never by commands.
type app struct {
	ctx  context.Context
	opts Options
	st   *Styles
	keys *keyMap
	req  *requests
	nav  navigator

	snap     snapshot
	gp       grouping       // asked for (G, F); snap.gp is what is shown
	fc       *findingsCache // the run's findings, read in place (tree.go)
	loading  bool
	snapTook time.Duration // how long the last snapshot took to take
	startErr error
	lints    []triage.Lint
	lintN    map[string]int // lints per detector: the queue and group mark them

	status      map[triage.GroupKey]string // copy-on-write: commands read it
	statusAsked map[triage.GroupKey]bool
	statusBusy  bool

	xs       []triage.Exception
	allow    []triage.AllowEntry
	supOpts  []triage.SuppressOption // value lists, rules' exception lists
	sup      *suppressor
	showSupp bool
	// noteDrafts keeps, by group target, the text of notes the case
	// file refused (locked, full): n on the group brings it back.
	noteDrafts map[string]string
	// bulkNoteDraft is the text of a note on a selection or a campaign
	// the case file refused: the next such note starts from it.
	bulkNoteDraft string

	al alertState // pulled alerts (alerts.go)

	// info answers what the analyst just did; lastErr says what went
	// wrong. Both are escaped before they are set.
	info    string
	lastErr string
}

func (a *app) setErr(err error) { a.lastErr = triage.Escape(err.Error()) }

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
	a := &app{
		ctx: ctx, opts: opts, st: st, keys: &k, req: newRequests(),
		status:      map[triage.GroupKey]string{},
		statusAsked: map[triage.GroupKey]bool{},
		loading:     opts.Start != nil,
	}
	a.sup = newSuppressor(nil, nil, opts.Now(), nil)
	h := help.New()
	h.Styles = st.Help
	m := &model{
		app: a, help: h, width: 80, height: 24,
		queue: newQueue(a), group: newGroupView(a), event: newEventView(a),
		spike: &spikeModel{a: a}, rules: &rulesModel{a: a},
		input: newFilterInput(),
	}
	a.nav = m
	a.req.issue(runAddr) // the first run: Init starts it, if it is to load
	if !m.loading {
		m.afterRun()
	}
	// The first snapshot is taken now so a full collection shows at once;
	// its rows are computed here, whatever their number.
	m.snap = takeSnapshot(opts.Collection, m.all(), opts.Warnings, m.sup, nil, m.gp)
	m.tellCampaigns()
	m.queue.empty = emptyQueue(m.loading)
	m.queue.setRows(computeRows(m.queue.input()))
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
	cmds := []tea.Cmd{m.loadSuppressions(), m.queue.loadStatuses(), m.pullAlerts()}
	if m.opts.Start != nil {
		cmds = append(cmds, m.startCmd(m.opts.Start))
	}
	return tea.Batch(cmds...)
}
