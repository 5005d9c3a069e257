package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"picket/triage"
	"picket/triage/demo"
	"picket/triage/ndjson"
	"picket/triage/spill"
)

type detectFlags struct {
	format  string
	only    []string
	query   string
	rules   []string
	group   bool
	groupBy string
	fold    bool
	foldMin int
	foldGap time.Duration
	demo    bool
	es      esFlags // --es and its connection flags
	cmd     *cobra.Command
}

func newDetectCmd(e *env, g *globalFlags) *cobra.Command {
	f := &detectFlags{}
	cmd := &cobra.Command{
		Use:   "detect [flags] [FILE...]",
		Short: "Re-run detectors over events and print findings",
		Long: `detect streams events from NDJSON files (plain or gzip; - or a pipe for
standard input) or the demo data through every enabled detector and prints
one finding per line as JSON, or a table with --format table. Bad lines are
reported on stderr as FILE:LINE: reason and skipped.

Exit status: 0 on success, whether or not anything was found; 1 when input
cannot be read; 2 on a usage error.`,
		Example: `  picket detect access.ndjson.gz
  picket detect --only appsensor:CIE3,appsensor:CIE4 --format table export.ndjson
  picket detect --group --demo
  picket detect --group-by user.name,source.ip --format table access.ndjson
  picket detect --query 'http.response.status_code:403 and http.request.method:POST' --demo
  picket detect --rules ./my-rules/ --only elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e access.ndjson`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.load(e.getenv)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("format") {
				cfg.Detect.Format = f.format
			}
			if cmd.Flags().Changed("only") {
				cfg.Detect.Only = f.only
			}
			if cmd.Flags().Changed("group-by") {
				if strings.TrimSpace(f.groupBy) == "" {
					return usagef("--group-by is empty: give 1 to 3 fields, e.g. user.name,source.ip")
				}
				f.group = true
			}
			return runDetect(cmd.Context(), e, cfg, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "ndjson", "output format: ndjson or table (env "+envFormat+")")
	fl.StringSliceVar(&f.only, "only", nil, "run only these detector ids, comma-separated (env "+envOnly+")")
	fl.StringVar(&f.query, "query", "", "add an ad hoc KQL detector with id 'query' (--only query runs it alone)")
	fl.StringSliceVar(&f.rules, "rules", nil, "also run the Elastic rules in these TOML/NDJSON files or folders (this run only; see picket rules import)")
	fl.BoolVar(&f.group, "group", false, "print groups (source IP × user agent, or --group-by) instead of findings")
	fl.StringVar(&f.groupBy, "group-by", "", "group by 1 to 3 fields, outermost first, e.g. user.name,source.ip (implies --group; fields: any ECS path or 'detector')")
	fl.BoolVar(&f.fold, "fold", true, "fold groups that are one distributed attack into one campaign line (default grouping only; --fold=false to list every group)")
	fl.IntVar(&f.foldMin, "fold-min", triage.DefaultFold.MinMembers, "fewest groups that fold into a campaign")
	fl.DurationVar(&f.foldGap, "fold-window", triage.DefaultFold.Window, "longest quiet gap between the members of one campaign")
	fl.BoolVar(&f.demo, "demo", false, "read the built-in demo data")
	f.es.register(cmd, true, true, true)
	f.cmd = cmd
	return cmd
}

func runDetect(ctx context.Context, e *env, cfg config, f *detectFlags, files []string) error {
	softMemoryLimit(e.getenv)
	if f.demo {
		cfg.forDemo(e.getenv)
	}
	stopProfile, err := startProfile(e.getenv)
	if err != nil {
		return err
	}
	defer stopProfile()
	if e.getenv(envGCStats) == "1" {
		defer func() { fmt.Fprintln(e.stderr, "picket: "+gcShare()) }()
	}
	format := cfg.Detect.Format
	if format != "ndjson" && format != "table" {
		return usagef("unknown format %q from --format, %s or the config file's detect.format (want ndjson or table)", format, envFormat)
	}
	fullRead := e.getenv(envFullRead) == "1"
	query, only, err := adHocQuery(f.query, f.cmd.Flags().Changed("query"), cfg.Detect.Only)
	if err != nil {
		return err
	}
	extra, err := loadRules(e, f.rules)
	if err != nil {
		return err
	}
	var dets []triage.Detector
	if query == nil || len(only) > 0 || len(cfg.Detect.Only) == 0 {
		if dets, err = selectDetectors(cfg, only, extra...); err != nil {
			return err
		}
	}
	if query != nil {
		dets = append(dets, query)
	}
	by := triage.DefaultGroupBy
	if f.groupBy != "" {
		if by, err = triage.ParseGroupBy(f.groupBy); err != nil {
			return usageError{err}
		}
	}
	if f.foldMin < 2 {
		return usagef("--fold-min %d: a campaign folds at least 2 groups", f.foldMin)
	}
	if f.foldGap < 0 {
		return usagef("--fold-window %s: give a duration of 0 or more, such as 30m", f.foldGap)
	}
	folding := f.group && f.fold && by.IsDefault()
	// Grouping reads the chain's fields from the events that raise
	// findings, and folding their spread (triage.Engine.Capture).
	var capture []string
	if f.group {
		capture = slices.Clone(by)
		if folding {
			capture = append(capture, "source.as.organization.name", "source.geo.country_name")
		}
	}
	// The decoders read the captured fields while they parse, so capture
	// does not parse each document again; PICKET_FULL_READ stays the
	// reference with every optimisation off.
	resolve := triage.ResolveFields(dets, capture)
	if fullRead {
		resolve = nil
	}
	warn := newWarner(e.stderr, 100)
	var src triage.Source
	var files_ *ndjson.Source
	if !f.es.enabled {
		for _, name := range []string{"since", "from", "to"} {
			if f.cmd.Flags().Changed(name) {
				return usagef("--%s selects the events pulled from Elasticsearch: add --es (files and --demo are read whole)", name)
			}
		}
	}
	switch {
	case f.es.enabled:
		if f.demo || len(files) > 0 {
			return usagef("give FILE arguments, --demo or --es, not several")
		}
		var finish func()
		if src, dets, finish, err = f.es.esDetectSource(ctx, f.cmd, e, cfg, dets, resolve); err != nil {
			return err
		}
		defer finish()
	case f.demo && len(files) > 0:
		return usagef("give FILE arguments or --demo, not both")
	case f.demo:
		src = demo.New(demo.DefaultSeed)
	case len(files) == 0 && stdinIsTerminal(e.stdin):
		return usageError{errNoInput}
	default:
		if len(files) == 0 {
			files = []string{"-"}
		}
		if err := checkInputs(files); err != nil {
			return err
		}
		opts := ndjson.Options{Warn: warn.warn, Stdin: e.stdin, Resolve: resolve}
		if fullRead {
			opts.Workers = 1
		}
		files_ = ndjson.New(files, opts)
		src = files_
	}

	out := bufio.NewWriterSize(e.stdout, 64<<10)
	defer out.Flush()
	enc := json.NewEncoder(terminalSafeJSON{out})
	enc.SetEscapeHTML(false)
	// Groups past a memory budget wait on disk too (spill.Groups), so a
	// million distinct sources do not have to fit in memory.
	grouper := &spill.Groups{By: by}
	if folding {
		grouper.Fold = &triage.FoldOptions{MinMembers: f.foldMin, Window: f.foldGap}
	}
	var groupErr error
	// The table is sorted by time; rows beyond a memory budget wait on
	// disk, so a million findings do not have to fit in memory.
	table := spill.New(32<<20, "")
	var tableErr error
	// valued[i]: some finding had a value for the chain's field i; none
	// means a field that is misspelt or absent, said after the run.
	valued := make([]bool, len(by))
	eng := &triage.Engine{Detectors: dets, Project: !fullRead, OnFinding: func(fd triage.Finding) {
		switch {
		case f.group:
			if groupErr == nil {
				groupErr = grouper.Add(&fd)
			}
			for i, field := range by {
				if !valued[i] && triage.GroupValue(&fd, field, nil) != "" {
					valued[i] = true
				}
			}
		case format == "table":
			if tableErr == nil {
				tableErr = table.Add(spill.Int64Key(fd.Timestamp.UnixNano()), findingRow(&fd))
			}
		default:
			// Streamed as raised, so memory stays bounded by the
			// detectors' windows, not by the number of findings.
			_ = enc.Encode(fd)
		}
	}}
	if eng.Exceptions, eng.Allowlist, eng.Suppress, err = caseFileSuppression(ctx, e, cfg, dets); err != nil {
		return err
	}
	eng.Capture = capture
	stats, runErr := eng.Run(ctx, src)

	// Print whatever was found, even when the input failed part-way.
	var werr error
	switch {
	case f.group:
		werr = groupErr
		switch {
		case werr != nil:
		case format == "table":
			werr = writeGroupTable(out, grouper.Each, by)
		default:
			werr = grouper.Each(func(g *triage.Group) error { return enc.Encode(g) })
		}
	case format == "table":
		werr = tableErr
		if werr == nil {
			werr = writeFindingTable(out, table)
		}
	}
	if werr == nil {
		werr = out.Flush()
	}

	if f.group && stats.Findings > 0 && !by.IsDefault() {
		for i, field := range by {
			if !valued[i] {
				fmt.Fprintf(e.stderr, "picket: warning: no finding has a value for %s: every group's is (none); is it spelled as in the events?\n", triage.Escape(field))
			}
		}
	}
	warn.summary(files_, stats)
	if runErr != nil {
		return runErr
	}
	if werr != nil {
		return fmt.Errorf("writing output: %w", werr)
	}
	return nil
}

// warner prints the first few bad-line warnings and counts the rest, so a
// broken file cannot flood the terminal.
type warner struct {
	mu    sync.Mutex
	w     io.Writer
	limit int
	n     int
}

func newWarner(w io.Writer, limit int) *warner { return &warner{w: w, limit: limit} }

func (w *warner) warn(where string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n++
	if w.n <= w.limit {
		fmt.Fprintf(w.w, "%s: %s\n", where, triage.Escape(err.Error()))
	}
}

func (w *warner) summary(files *ndjson.Source, st triage.Stats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n > w.limit {
		fmt.Fprintf(w.w, "picket: %d more bad lines not shown\n", w.n-w.limit)
	}
	msg := fmt.Sprintf("picket: %d events", st.Events)
	if files != nil {
		fs := files.Stats()
		msg += fmt.Sprintf(" from %d file(s), %d bad line(s) skipped", fs.Files, fs.Bad)
	}
	msg += fmt.Sprintf(", %d finding(s)", st.Findings)
	if st.Suppressed > 0 {
		msg += fmt.Sprintf(", %d suppressed by exceptions or allowlists", st.Suppressed)
	}
	if st.Unproven > 0 {
		msg += fmt.Sprintf(", %d finding(s) without evidence dropped (a detector bug)", st.Unproven)
	}
	fmt.Fprintln(w.w, msg)
	for _, l := range mergeLints(st.Lints) {
		line := "picket: lint: " + triage.Escape(l.Detector) + ": " + triage.Escape(l.Message)
		if l.Count > 0 {
			line += fmt.Sprintf(" [%d event(s)]", l.Count)
		}
		fmt.Fprintln(w.w, line)
	}
}

// mergeLints joins lints that say the same thing about the same events for
// several detectors (the learned points share their warm-up), so the
// summary names them once: "appsensor:RE1,RE3,RE4: ...".
func mergeLints(ls []triage.Lint) []triage.Lint {
	var out []triage.Lint
	at := map[string]int{}
	for _, l := range ls {
		key := fmt.Sprintf("%d\x00%s", l.Count, l.Message)
		i, seen := at[key]
		if !seen {
			at[key] = len(out)
			out = append(out, l)
			continue
		}
		prefix, _, _ := strings.Cut(out[i].Detector, ":")
		if p, id, ok := strings.Cut(l.Detector, ":"); ok && p == prefix {
			out[i].Detector += "," + id
		} else {
			out[i].Detector += "," + l.Detector
		}
	}
	return out
}

// detectMemoryLimit is the heap size past which the garbage collector works
// harder. Detectors keep bounded state (about 150 MB at their caps), but
// Go's default lets the heap grow to twice the live data between
// collections; the soft limit keeps a streaming run under 300 MB of RSS.
const detectMemoryLimit = 220 << 20

// detectGCPercent lets the heap grow to three times the live data between
// collections instead of Go's two: a streaming run allocates its input
// (each batch of lines once), and collecting half as often halves the
// collector's share of the CPU, while the memory limit still bounds the
// heap.
const detectGCPercent = 200

// softMemoryLimit applies detectMemoryLimit unless GOMEMLIMIT says
// otherwise, and detectGCPercent unless GOGC does.
func softMemoryLimit(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(detectMemoryLimit)
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(detectGCPercent)
	}
}
