package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"picket/detectors"
	"picket/detectors/rules"
	"picket/triage"
	"picket/triage/demo"
	"picket/triage/ndjson"
)

// rulesDir is where picket rules import keeps rule files:
// $XDG_CONFIG_HOME/picket/rules. Every rule there runs in picket detect
// and the console besides the built-in ones.
func rulesDir(getenv func(string) string) string {
	return filepath.Join(xdgDir(getenv, "XDG_CONFIG_HOME", ".config"), "picket", "rules")
}

// loadRules reads the imported rules, then the rule files and folders in
// extra (picket detect --rules), warning on stderr about each bad file or
// line of extra; the good rules still load. The imported rules' problems
// were named when they were imported, so they are summed up in one line
// here rather than repeated on every run. A path in extra that cannot be
// read at all is an error.
func loadRules(e *env, extra []string) ([]*rules.Rule, error) {
	return loadRulesReporting(e, extra, false)
}

// loadRulesReporting is loadRules; with everyProblem, each problem of the
// imported rules is named (picket rules), not summed up.
func loadRulesReporting(e *env, extra []string, everyProblem bool) ([]*rules.Rule, error) {
	stored, errs := rules.Store{Dir: rulesDir(e.getenv)}.Load()
	if everyProblem {
		for _, err := range errs {
			fmt.Fprintf(e.stderr, "picket: imported rules: %s\n", triage.Escape(err.Error()))
		}
	} else if sum := rules.Summarize(errs); sum != "" {
		fmt.Fprintf(e.stderr, "picket: imported rules: %s (picket rules names them)\n", triage.Escape(sum))
	}
	all := stored
	if len(extra) > 0 {
		more, errs := rules.Load(extra...)
		more, dups := rules.Dedupe(more)
		for _, err := range append(errs, dups...) {
			var le *rules.LoadError
			var dup *rules.DuplicateError
			if !errors.As(err, &le) && !errors.As(err, &dup) {
				// The path itself cannot be read: input that cannot be
				// read (exit 1, as a missing FILE), named by its flag.
				var pe *fs.PathError
				if errors.As(err, &pe) {
					return nil, fmt.Errorf("--rules %s: %v", triage.Escape(pe.Path), pe.Err)
				}
				return nil, fmt.Errorf("--rules: %s", triage.Escape(err.Error()))
			}
			fmt.Fprintf(e.stderr, "picket: %s\n", triage.Escape(err.Error()))
		}
		all = rules.Merge(stored, more)
	}
	// A rule whose query does not parse cannot run: say so here, once,
	// rather than leave it out of the run without a word.
	for _, r := range all {
		if why, broken := unparsable(r); broken {
			fmt.Fprintf(e.stderr, "picket: rule %s (%s, %s) does not run: %s\n",
				triage.Escape(r.DetectorID()), triage.Escape(r.Name), triage.Escape(r.Source), triage.Escape(why))
		}
	}
	return all, nil
}

// unparsable reports whether r is a KQL rule Picket would run but whose
// query does not parse, and why.
func unparsable(r *rules.Rule) (string, bool) {
	if ready, _ := r.Readiness(); ready != triage.RunsLocally || r.Type == rules.TypeMachineLearning {
		return "", false
	}
	if _, err := rules.New(r, rules.Options{}); err != nil {
		return "its query does not parse: " + err.Error(), true
	}
	return "", false
}

func newRulesCmd(e *env, g *globalFlags) *cobra.Command {
	var format string
	var extra []string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the detectors and Elastic rules Picket knows, and whether each runs locally",
		Long: `rules lists every detector and Elastic rule: its id, name, type, severity,
risk score, and whether Picket runs it locally (and if not, why). The Elastic
rules are the built-in seed rules, the rules imported with "picket rules
import" (kept in $XDG_CONFIG_HOME/picket/rules), and any given with --rules.

Problems in the imported rule files (bad lines, duplicate rule_ids) are
named here on stderr; other commands say only how many there are.`,
		Example: `  picket rules
  picket rules --format json | jq '.[] | select(.runs_locally | not)'
  picket rules --rules ./detection-rules/rules/apm`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load(e.getenv)
			if err != nil {
				return err
			}
			opts, err := detectorOptions(cfg)
			if err != nil {
				return err
			}
			if opts.Rules, err = loadRulesReporting(e, extra, true); err != nil {
				return err
			}
			return writeRuleList(e.stdout, format, ruleRows(opts))
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json or ndjson")
	cmd.PersistentFlags().StringSliceVar(&extra, "rules", nil, "also read rules from these TOML/NDJSON files or folders")
	cmd.AddCommand(newRulesImportCmd(e), newRulesLintCmd(e, g, &extra))
	return cmd
}

// ruleRow is one line of picket rules.
type ruleRow struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Type        string          `json:"type"`
	Severity    triage.Severity `json:"severity"`
	RiskScore   int             `json:"risk_score"`
	RunsLocally bool            `json:"runs_locally"`
	Readiness   string          `json:"readiness"`
	Why         string          `json:"why"`
	Summary     string          `json:"summary"`
	Version     int             `json:"version,omitempty"`
	Source      string          `json:"source,omitempty"`
}

// ruleRows describes every detector of opts, with the rule type of
// Elastic rules ("query", "machine_learning", ...) and the family of the
// others ("appsensor").
func ruleRows(opts detectors.Options) []ruleRow {
	byID := map[string]*rules.Rule{}
	for _, r := range detectors.ElasticRules(opts) {
		byID[r.DetectorID()] = r
	}
	var out []ruleRow
	for _, info := range detectors.Catalogue(opts) {
		row := ruleRow{
			ID: info.ID, Title: info.Title, Severity: info.Severity, RiskScore: info.RiskScore,
			RunsLocally: info.Readiness == triage.RunsLocally, Readiness: string(info.Readiness),
			Why: info.Why, Summary: info.Summary,
		}
		if r := byID[info.ID]; r != nil {
			row.Type, row.Version, row.Source = string(r.Type), r.Version, r.Source
			if row.Why == "" {
				_, row.Why = r.Readiness()
			}
		} else if family, _, ok := strings.Cut(info.ID, ":"); ok {
			row.Type = family
		} else {
			row.Type = info.ID
		}
		out = append(out, row)
	}
	return out
}

func writeRuleList(w io.Writer, format string, rows []ruleRow) error {
	switch format {
	case "json", "ndjson":
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(terminalSafeJSON{bw})
		enc.SetEscapeHTML(false)
		if format == "json" {
			enc.SetIndent("", "  ")
			if rows == nil {
				rows = []ruleRow{}
			}
			if err := enc.Encode(rows); err != nil {
				return err
			}
			return bw.Flush()
		}
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return bw.Flush()
	case "table":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tTYPE\tSEVERITY\tRISK\tRUNS LOCALLY")
		for _, r := range rows {
			runs := "yes"
			if !r.RunsLocally {
				runs = "no: " + r.Readiness
				if r.Why != "" {
					runs += ": " + r.Why
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", cell(r.ID, 60), cell(r.Title, 60), cell(r.Type, 20), r.Severity, r.RiskScore, cell(runs, 140))
		}
		return tw.Flush()
	}
	return usagef("unknown format %q (want table, json or ndjson)", format)
}

func newRulesImportCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE|DIR...",
		Short: "Import Elastic rules (detection-rules TOML, Kibana export NDJSON) for every run",
		Long: `import checks rule files and copies them into $XDG_CONFIG_HOME/picket/rules,
where picket detect, picket rules lint and the console read them besides the
built-in rules. A folder is searched for *.toml and *.ndjson files. Files are
kept as they are, at their path under the folder imported, so they can be
read, diffed or deleted by hand; importing a file of the same name again
replaces it, naming any rule the old file held that the new one lacks. Files
of one name given together are kept as rule.toml, rule-2.toml. A rule with a built-in rule's
rule_id replaces the built-in rule.

Bad files and lines are named on stderr and the rest is imported; a file
larger than a rule file can be (16 MiB for TOML, 64 MiB for NDJSON) or
holding binary data is refused. When two files hold one rule_id, the copy
with the highest version runs (then the latest updated date, then the
last imported) and both are named. Exit status 1 when nothing could be
imported.`,
		Example: `  picket rules import detection-rules/rules/apm/apm_403_response_to_a_post.toml
  picket rules import rules_export.ndjson`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store := rules.Store{Dir: rulesDir(e.getenv)}
			total, failed := 0, 0
			for _, res := range store.ImportPaths(args...) {
				path, imp := res.Path, res.Imported
				// A copy that loses to a duplicate rule_id does not run.
				shadowed := map[string]string{}
				for _, err := range res.Errs {
					fmt.Fprintf(e.stderr, "picket: %s\n", triage.Escape(err.Error()))
					var dup *rules.DuplicateError
					if errors.As(err, &dup) {
						for _, c := range dup.Copies {
							if c.Source != dup.Winner.Source {
								shadowed[c.Source] = dup.Winner.Source
							}
						}
					}
				}
				rs := imp.Rules
				if len(rs) == 0 {
					failed++
					continue
				}
				total += len(rs)
				fmt.Fprintf(e.stdout, "imported %d rule(s) from %s into %s\n", len(rs), triage.Escape(path), store.Dir)
				for _, r := range rs {
					ready, why := r.Readiness()
					state := "runs locally"
					if winner, ok := shadowed[r.Source]; ok {
						state = "does not run: its rule_id is also in " + winner + ", which runs"
					} else if broken, bad := unparsable(r); bad {
						state = "does not run: " + broken
					} else if ready != triage.RunsLocally {
						state = string(ready) + ": " + why
					} else if !r.Enabled {
						state = "disabled in its source"
					}
					fmt.Fprintf(e.stdout, "  %s  %s  (%s; %s)\n", triage.Escape(r.DetectorID()), triage.Escape(r.Name), triage.Escape(string(r.Type)), triage.Escape(state))
				}
				fmt.Fprintf(e.stdout, "  stored %s\n", triage.Escape(storedList(imp.Files)))
			}
			if total == 0 || failed == len(args) {
				return fmt.Errorf("no rules imported")
			}
			return nil
		},
	}
}

// storedList names the files an import wrote: "a/rule.toml (new),
// b/rule.toml (replaced the earlier import)", the first 20 of them.
func storedList(files []rules.StoredFile) string {
	const show = 20
	var parts []string
	for i, f := range files {
		if i == show {
			parts = append(parts, fmt.Sprintf("and %d more file(s)", len(files)-show))
			break
		}
		state := "new"
		if f.Replaced {
			state = "replaced the earlier import"
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", f.Name, state))
	}
	return strings.Join(parts, ", ")
}

type lintFlags struct {
	format string
	demo   bool
	only   []string
}

func newRulesLintCmd(e *env, g *globalFlags, extra *[]string) *cobra.Command {
	f := &lintFlags{}
	cmd := &cobra.Command{
		Use:   "lint [flags] [FILE...]",
		Short: "Check the Elastic rules against events: case traps, missing fields, slow wildcards",
		Long: `lint runs every enabled Elastic rule whose query is KQL over the events
(NDJSON files, - for standard input, or --demo) and reports where rule and
data do not fit: a keyword value that never occurs while a case variant does
(with the events the rule misses, and a fixed query), fields that never
occur, ranges on fields that are not numbers, leading wildcards, index
patterns that match none of the events, and what Elastic's per-run alert
cap would have done. Rules in other languages are listed as not linted.

The rules are the built-in ones, the imported ones and any given with
--rules. Exit status 0 whether or not anything was found.`,
		Example: `  picket rules lint --demo
  picket rules lint --rules my-rules/ apm-export.ndjson.gz`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.load(e.getenv)
			if err != nil {
				return err
			}
			return runRulesLint(cmd.Context(), e, cfg, f, *extra, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "output format: text or ndjson")
	fl.BoolVar(&f.demo, "demo", false, "read the built-in demo data")
	fl.StringSliceVar(&f.only, "only", nil, "lint only these rule ids (elastic:<rule_id>), comma-separated")
	return cmd
}

func runRulesLint(ctx context.Context, e *env, cfg config, f *lintFlags, extra, files []string) error {
	if f.format != "text" && f.format != "ndjson" {
		return usagef("unknown format %q (want text or ndjson)", f.format)
	}
	opts, err := detectorOptions(cfg)
	if err != nil {
		return err
	}
	if opts.Rules, err = loadRules(e, extra); err != nil {
		return err
	}
	all := detectors.ElasticRules(opts)
	var dets []triage.Detector
	var skipped []string
	var linted []*rules.Rule
	known := map[string]bool{}
	for _, r := range all {
		known[r.DetectorID()] = true
	}
	for _, id := range f.only {
		if !known[id] {
			return usagef("unknown rule %q (see picket rules)", id)
		}
	}
	for _, r := range all {
		if len(f.only) > 0 && !slices.Contains(f.only, r.DetectorID()) {
			continue
		}
		var d *rules.Detector
		var err error
		if ready, _ := r.Readiness(); ready == triage.RunsLocally && r.Enabled && r.Type != rules.TypeMachineLearning {
			d, err = rules.New(r, opts.RuleOptions)
		} else {
			d, err = rules.NewLintOnly(r, opts.RuleOptions)
		}
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: not linted: %v", ruleHead(r), err))
			continue
		}
		dets = append(dets, d)
		linted = append(linted, r)
	}

	warn := newWarner(e.stderr, 100)
	src, files_, err := eventSource(e, f.demo, files, warn)
	if err != nil {
		return err
	}
	eng := &triage.Engine{Detectors: dets}
	stats, runErr := eng.Run(ctx, src)

	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	byRule := map[string][]triage.Lint{}
	for _, l := range stats.Lints {
		byRule[l.Detector] = append(byRule[l.Detector], l)
	}
	if f.format == "ndjson" {
		enc := json.NewEncoder(terminalSafeJSON{out})
		enc.SetEscapeHTML(false)
		for _, r := range linted {
			for _, l := range byRule[r.DetectorID()] {
				enc.Encode(struct {
					Rule    string `json:"rule"`
					Name    string `json:"name"`
					Message string `json:"message"`
					Count   int    `json:"count"`
				}{r.DetectorID(), r.Name, l.Message, l.Count})
			}
		}
	} else {
		for _, r := range linted {
			ls := byRule[r.DetectorID()]
			head := ruleHead(r)
			if len(ls) == 0 {
				fmt.Fprintf(out, "%s: ok\n", head)
				continue
			}
			fmt.Fprintf(out, "%s:\n", head)
			for _, l := range ls {
				fmt.Fprintf(out, "  - %s\n", triage.Escape(l.Message))
			}
		}
		for _, s := range skipped {
			fmt.Fprintln(out, triage.Escape(s))
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	stats.Lints = nil // printed above, not again in the summary
	warn.summary(files_, stats)
	fmt.Fprintf(e.stderr, "picket: %d rule(s) linted, %d lint(s), %d rule(s) not linted\n", len(linted), lintCount(byRule), len(skipped))
	return runErr
}

// ruleHead names a rule in lint output: id, name, type and version.
func ruleHead(r *rules.Rule) string {
	head := fmt.Sprintf("%s  %s (%s", r.DetectorID(), triage.Escape(r.Name), r.Type)
	if r.Version > 0 {
		head += ", v" + strconv.Itoa(r.Version)
	}
	return head + ")"
}

func lintCount(m map[string][]triage.Lint) int {
	n := 0
	for _, ls := range m {
		n += len(ls)
	}
	return n
}

// eventSource opens the events of a command: the demo data, or files
// (standard input when none is given and it is not a terminal).
func eventSource(e *env, useDemo bool, files []string, warn *warner) (triage.Source, *ndjson.Source, error) {
	switch {
	case useDemo && len(files) > 0:
		return nil, nil, usagef("give FILE arguments or --demo, not both")
	case useDemo:
		return demo.New(demo.DefaultSeed), nil, nil
	case len(files) == 0 && stdinIsTerminal(e.stdin):
		return nil, nil, usageError{errNoInput}
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	if err := checkInputs(files); err != nil {
		return nil, nil, err
	}
	src := ndjson.New(files, ndjson.Options{Warn: warn.warn, Stdin: e.stdin})
	return src, src, nil
}

// adHocQuery builds the detector of picket detect --query (nil without
// one) and returns only without the id "query", which names it: --only
// query runs the query alone. A query that does not parse is a usage
// error naming the column.
func adHocQuery(query string, given bool, only []string) (*rules.Detector, []string, error) {
	switch {
	case given && strings.TrimSpace(query) == "":
		// An empty KQL query matches every event: a finding for each.
		return nil, nil, usagef("--query is empty: give a KQL query such as 'http.response.status_code:403'")
	case query == "" && slices.Contains(only, rules.QueryID):
		return nil, nil, usagef("--only %s (or %s, or the config file's detect.only) runs the ad hoc --query detector: give --query too", rules.QueryID, envOnly)
	case query == "":
		return nil, only, nil
	}
	d, err := rules.NewQuery(query, rules.Options{})
	if err != nil {
		return nil, nil, usagef("--query: %v", err)
	}
	return d, slices.DeleteFunc(slices.Clone(only), func(id string) bool { return id == rules.QueryID }), nil
}
