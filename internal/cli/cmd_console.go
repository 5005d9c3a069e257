package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"picket/casefile"
	"picket/detectors/rules"
	"picket/detectors/spike"
	"picket/triage"
	"picket/triage/demo"
	"picket/triage/ndjson"
	"picket/triage/spill"
	"picket/ui"
)

// consoleMemoryLimit is the heap size past which the garbage collector
// works harder once a run has spilled (boundHeap): from then on what the
// console holds is bounded, and Go's default would let the heap grow to
// twice that between collections.
const consoleMemoryLimit = 220 << 20

// boundHeap applies consoleMemoryLimit unless GOMEMLIMIT says otherwise.
// Runs that fit in memory are left alone: their heap is what they hold,
// and a limit under it would only make the collector run without end.
func boundHeap(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(consoleMemoryLimit)
	}
}

// fitHeap raises the soft limit, once a large run is held, to half again
// what it holds when that is more than consoleMemoryLimit: the first row
// is held whatever its size (one address with a million findings), and a
// limit under the live heap would keep the collector running for the
// rest of the session.
func fitHeap(getenv func(string) string) {
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if need := int64(ms.HeapAlloc) * 3 / 2; need > consoleMemoryLimit {
		debug.SetMemoryLimit(need)
	}
}

type consoleOptions struct {
	files []string
	demo  bool
	keep  int
	// maxGroups is how many groups the console holds before the run's
	// findings and groups move to disk (spill.Bounded; 0: no limit).
	maxGroups int
	es        *esConsoleSource // picket --es: events from Elasticsearch
}

// runConsole opens the console. The case file is opened first; if it
// cannot be (locked, foreign, too new), the console still opens and says
// so, because reading findings must not depend on it.
func runConsole(ctx context.Context, e *env, cfg config, o consoleOptions) error {
	opts, done, err := consoleSetup(ctx, e, cfg, o)
	if err != nil {
		return err
	}
	defer done()
	return ui.Run(ctx, opts)
}

// consoleSetup wires the console: the source, the detectors and their run,
// the case file, exceptions and alerts. done releases what it opened.
func consoleSetup(ctx context.Context, e *env, cfg config, o consoleOptions) (opts ui.Options, done func(), err error) {
	done = func() {}
	isDemo := o.demo && len(o.files) == 0 && o.es == nil
	if isDemo {
		cfg.forDemo(e.getenv)
	}
	// Imported rules run in the console as in picket detect. Their
	// warnings, and a bad --only, show before the screen is taken.
	extra, err := loadRules(e, nil)
	if err != nil {
		return opts, done, err
	}
	dets, err := selectDetectors(cfg, cfg.Detect.Only, extra...)
	if err != nil {
		return opts, done, err
	}
	// Sources read the fields rules compare and findings capture as they
	// parse each document (triage.ReadPlan.Resolve).
	resolve := triage.ResolveFields(dets, consoleCapture)
	var (
		mu       sync.Mutex
		warnings []string
	)
	addWarning := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		if len(warnings) < 1000 {
			warnings = append(warnings, s)
		}
	}

	if !isDemo && len(o.files) == 0 && o.es == nil {
		return opts, done, usageError{errNoInput}
	}
	// A file that cannot be opened stops here, as in picket detect,
	// rather than open an empty console that says so in its status line.
	if err := checkInputs(o.files); err != nil {
		return opts, done, err
	}
	prog := &loadProgress{} // the load's progress, polled by the console
	newSource := func() triage.Source {
		prog.reset()
		if o.es != nil {
			return o.es.sourceWithProgress(addWarning, prog, resolve)
		}
		if isDemo {
			return demo.New(demo.DefaultSeed)
		}
		return ndjson.New(o.files, ndjson.Options{
			Warn:     func(where string, err error) { addWarning(where + ": " + err.Error()) },
			Stdin:    e.stdin,
			Progress: prog.fromFiles,
			Resolve:  resolve,
		})
	}
	src := newSource()
	title, kind := src.Name(), "files"
	if isDemo {
		title, kind = "web shop, 14 days of APM and firewall events", "demo data"
	}
	if o.es != nil {
		kind = "elasticsearch"
	}

	opts = ui.Options{
		Title:      title,
		Demo:       isDemo,
		CaseFile:   homeShort(cfg.DB, e.getenv),
		SourceKind: kind,
		Warnings: func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), warnings...)
		},
		// Imported rules' investigation guides fill the checklist as they
		// fill picket playbook's output.
		Playbooks: consolePlaybooks{rules: append(slices.Clip(extra), rules.Builtin()...)},
		Author:    casefile.LocalUser(),
		Progress:  prog.get,
	}
	if o.es != nil {
		opts.Alerts = o.es.consoleAlerts(cfg, addWarning)
	}

	// newRun builds fresh detectors, a collection and the engine that
	// fills it; the console calls it again for r (re-run). Standard input
	// can be read only once, so a run over it cannot be repeated.
	var infos sync.Map
	newRun := func(src triage.Source) (ui.RunSpec, error) {
		dets, err := selectDetectors(cfg, cfg.Detect.Only, extra...)
		if err != nil {
			return ui.RunSpec{}, err
		}
		var sp *spike.Detector
		for _, d := range dets {
			info := d.Info()
			infos.Store(info.ID, info)
			if s, ok := d.(*spike.Detector); ok {
				sp = s
			}
		}
		coll := triage.NewCollection(o.keep)
		// Findings carry the fields campaigns count their spread from
		// and the route, so the console folds and regroups by them
		// without reading events (the other fields are read from the
		// kept events; see triage.GroupValue).
		eng := &triage.Engine{Detectors: dets, Capture: consoleCapture}
		// Past maxGroups groups (a million distinct addresses), findings
		// and groups wait on disk and the console holds the top of the
		// queue once the run is over.
		bounded := &spill.Bounded{Coll: coll, MaxGroups: o.maxGroups, Fold: &triage.DefaultFold, Warn: addWarning,
			OnSpill: func() { boundHeap(e.getenv) }}
		bounded.Wire(eng)
		var (
			rmu    sync.Mutex
			lints  []triage.Lint
			series *ui.SpikeSeries
			done   bool
		)
		return ui.RunSpec{
			Collection: coll,
			Start: func(ctx context.Context) error {
				st, err := eng.Run(ctx, src)
				// Lints about the input are the console's warnings, not a
				// detector's row in the rules view.
				st.Lints = slices.DeleteFunc(st.Lints, func(l triage.Lint) bool {
					if l.Detector == triage.InputLint {
						addWarning(l.Message)
						return true
					}
					return false
				})
				var ser *ui.SpikeSeries
				if sp != nil {
					ser = spikeSeries(sp)
				}
				rmu.Lock()
				lints, series = st.Lints, ser
				// The detectors' state (per-actor tables, windows,
				// baselines) is not read once the run is over: let it go
				// before the held part of a big run is read back.
				eng, sp = nil, nil
				rmu.Unlock()
				if ferr := bounded.Finish(); ferr != nil {
					addWarning(ferr.Error())
				}
				if bounded.Spilled() {
					fitHeap(e.getenv)
				}
				coll.Seal() // the groups are final: snapshots share them
				rmu.Lock()
				done = true
				rmu.Unlock()
				return err
			},
			Lints: func() []triage.Lint {
				rmu.Lock()
				defer rmu.Unlock()
				return lints
			},
			Spike: func() *ui.SpikeSeries {
				rmu.Lock()
				defer rmu.Unlock()
				if !done {
					return nil
				}
				return series
			},
		}, nil
	}
	first, err := newRun(src)
	if err != nil {
		return opts, done, err
	}
	opts.Collection, opts.Start, opts.Lints, opts.Spike = first.Collection, first.Start, first.Lints, first.Spike
	opts.Rules = consoleRules(cfg, extra)
	opts.Feeds = alertFeeds
	opts.Detectors = func(id string) (triage.DetectorInfo, bool) {
		v, ok := infos.Load(id)
		if !ok {
			return triage.DetectorInfo{}, false
		}
		return v.(triage.DetectorInfo), true
	}
	if !usesStdin(o.files) {
		opts.Rerun = func() ui.RunSpec {
			mu.Lock()
			warnings = nil // the new run reads the files again
			mu.Unlock()
			r, err := newRun(newSource())
			if err != nil {
				return ui.RunSpec{}
			}
			return r
		}
	}

	store, err := casefile.Open(ctx, cfg.DB)
	if err != nil {
		addWarning(fmt.Sprintf("case file unavailable, notes will not be saved: %v", err))
	} else {
		done = func() { store.Close() }
		cases := &consoleCases{Store: store, author: opts.Author}
		cases.current = opts.Collection
		if opts.Rerun != nil {
			rerun := opts.Rerun
			opts.Rerun = func() ui.RunSpec {
				r := rerun()
				if r.Collection != nil {
					cases.mu.Lock()
					cases.current = r.Collection
					cases.mu.Unlock()
				}
				return r
			}
		}
		opts.Store = cases
		opts.Suppressions = store                           // also a ui.SuppressionRemover: E removes entries
		opts.RuleExceptionLists = rulesExceptionRefs(extra) // exceptions_list: lists bound to their rules
		opts.Exporter = caseExporter{store: store, dir: "."}
	}
	return opts, done, nil
}

func usesStdin(files []string) bool {
	for _, f := range files {
		if f == "-" {
			return true
		}
	}
	return false
}

// spikeSeries converts the spike detector's buckets for the histogram.
func spikeSeries(d *spike.Detector) *ui.SpikeSeries {
	bs := d.Buckets()
	out := &ui.SpikeSeries{Title: spike.Title, Span: d.Span(), Threshold: d.Threshold(), Buckets: make([]ui.SpikeBucket, len(bs))}
	for i, b := range bs {
		sb := ui.SpikeBucket{
			Start: b.Start, Count: b.Count, Expected: b.Expected, Lower: b.Lower, Upper: b.Upper,
			Score: b.Score, Scored: b.Scored, Anomalous: b.Anomalous,
		}
		for _, inf := range b.Influencers {
			si := ui.SpikeInfluencer{Field: inf.Field, Distinct: inf.Distinct}
			for _, v := range inf.Top {
				si.Top = append(si.Top, ui.SpikeValue{Value: v.Value, Count: v.Count, Share: v.Share})
			}
			sb.Influencers = append(sb.Influencers, si)
		}
		out.Buckets[i] = sb
	}
	return out
}

// consoleCapture are the fields the console's findings carry (at most
// triage.MaxGroupBy besides the address, user agent and detector).
var consoleCapture = []string{"source.as.organization.name", "source.geo.country_name", "url.path"}

// consoleCases is the case file as the console writes to it: before the
// first note, tick or status of a group, the group becomes a case
// (EnsureCase) with its findings linked, and a status change moves the
// case too. A group of any grouping is a case: its key
// (triage.GroupKey.String()) under the default grouping, another chain,
// or a folded campaign, whose members the console tells it (Campaigns).
// Bulk actions go through the embedded Store's ApplyBulk, in one
// transaction.
type consoleCases struct {
	*casefile.Store
	author    string
	mu        sync.Mutex
	current   *triage.Collection
	ids       map[string]int64
	campaigns map[triage.GroupKey]ui.CampaignInfo
}

// Campaigns records the campaigns the console folded (ui.CampaignStore).
func (c *consoleCases) Campaigns(cs map[triage.GroupKey]ui.CampaignInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.campaigns = cs
}

func (c *consoleCases) ensure(ctx context.Context, key string) (int64, error) {
	c.mu.Lock()
	if id, ok := c.ids[key]; ok {
		c.mu.Unlock()
		return id, nil
	}
	coll := c.current
	c.mu.Unlock()
	gk, err := triage.ParseGroupKey(key)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	camp, isCampaign := c.campaigns[gk]
	c.mu.Unlock()
	var fs []triage.Finding
	if coll != nil {
		fs = ui.FindingsFor(coll, gk, camp.Members)
	}
	var cs casefile.Case
	if isCampaign {
		// A campaign's case: its title and members, in one transaction.
		var res casefile.BulkResult
		res, err = c.ApplyBulk(ctx, casefile.Bulk{Targets: []casefile.BulkTarget{{Key: gk, Title: camp.Title, Findings: fs, Members: camp.Members}},
			Author: c.author})
		cs.ID = res.Cases[key]
		if err == nil {
			cs, err = c.Case(ctx, cs.ID)
		}
	} else {
		cs, err = c.GroupCase(ctx, gk, fs, c.author)
	}
	if err != nil {
		return cs.ID, err
	}
	c.mu.Lock()
	if c.ids == nil {
		c.ids = map[string]int64{}
	}
	c.ids[key] = cs.ID
	c.mu.Unlock()
	return cs.ID, nil
}

func (c *consoleCases) AddNote(ctx context.Context, n casefile.Note) (int64, error) {
	if n.TargetKind == casefile.TargetGroup {
		id, err := c.ensure(ctx, n.TargetKey)
		if err != nil {
			return 0, err
		}
		n.CaseID = id
	}
	return c.Store.AddNote(ctx, n)
}

func (c *consoleCases) SetChecklistItem(ctx context.Context, it casefile.ChecklistItem) error {
	if _, err := c.ensure(ctx, it.TargetKey); err != nil {
		return err
	}
	return c.Store.SetChecklistItem(ctx, it)
}

func (c *consoleCases) SetAlertStatus(ctx context.Context, a casefile.AlertStatus) error {
	if err := c.Store.SetAlertStatus(ctx, a); err != nil {
		return err
	}
	key, ok := strings.CutPrefix(a.AlertID, "group:")
	if !ok {
		return nil
	}
	id, err := c.ensure(ctx, key)
	if err != nil {
		return err
	}
	return c.SetCaseStatus(ctx, id, a.Status, a.UpdatedBy)
}

// caseExporter writes every case as Markdown into dir.
type caseExporter struct {
	store *casefile.Store
	dir   string
}

func (x caseExporter) Export(ctx context.Context) (string, error) {
	rs, err := x.store.Reports(ctx, casefile.CaseFilter{})
	if err != nil {
		return "", err
	}
	if len(rs) == 0 {
		return "", fmt.Errorf("no cases yet: a group becomes a case with its first note, tick or status")
	}
	name := filepath.Join(x.dir, "picket-cases-"+time.Now().UTC().Format("20060102-150405")+".md")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	if err := casefile.WriteMarkdown(f, rs, casefile.ExportOptions{}); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return name, nil
}

// alertFeeds tells the verdicts on pulled alerts whether a rule reads an
// event at all. Only the firewall-deny model is judged: its alert whose
// source events are no denies is not reproduced for that reason, not for
// a lint about the model's history.
func alertFeeds(detectorID string, ev *triage.Event) (string, bool) {
	if detectorID != spike.ID {
		return "", false
	}
	if spike.Counts(ev) {
		return "", true
	}
	return "its source events are no denied network events (the model counts event.category network with event.outcome deny or event.type denied)", true
}

// checkInputs checks every input file before anything is read: a run
// that would stop at its third file prints nothing of the first two.
func checkInputs(files []string) error {
	for _, f := range files {
		if err := readableFile(f); err != nil {
			return err
		}
	}
	return nil
}

// readableFile checks that an input path ("-" is standard input) exists,
// is no directory and, when it is a plain file, can be opened; the error
// names it. A named pipe or a device is not opened here: opening a pipe
// takes its writer, and the read after would wait for another.
func readableFile(path string) error {
	if path == "-" {
		return nil
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return fmt.Errorf("open %s: %w", path, unwrapPath(err)) // as os.Open says it
	case fi.IsDir():
		return fmt.Errorf("%s: is a directory, not an NDJSON file", triage.Escape(path))
	case !fi.Mode().IsRegular():
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err // *PathError names the file
	}
	return f.Close()
}

// unwrapPath is a *PathError's own error (the path is named by the caller).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// The case file is what the console's E view removes entries from.
var _ ui.SuppressionRemover = (*casefile.Store)(nil)
