package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"picket/casefile"
	"picket/detectors/rules"
	"picket/triage"
	"picket/triage/demo"
	"picket/triage/ndjson"
)

// hideCountFlags is the source that exceptions list and allowlist list
// count hidden findings on: files, --demo or --es, as picket detect reads
// them. No source: nothing is counted.
type hideCountFlags struct {
	demo  bool
	rules []string
	es    esFlags
	cmd   *cobra.Command
}

func (h *hideCountFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&h.demo, "demo", false, "the demo's case file (demo.db), and count what each of its entries hides in the built-in demo data")
	cmd.Flags().StringSliceVar(&h.rules, "rules", nil, "also run the Elastic rules in these files or folders, as picket detect --rules")
	h.es.register(cmd, true, true, true)
	h.cmd = cmd
}

// run runs the configured detectors over the source without suppression
// and tallies which entry hides each finding, judged by the Suppressor
// that picket detect builds from the same case file. It returns nil when
// no source is given.
func (h *hideCountFlags) run(ctx context.Context, e *env, cfg config, st *casefile.Store, files []string) (*triage.Tally, error) {
	if !h.demo && !h.es.enabled && len(files) == 0 {
		return nil, nil
	}
	extra, err := loadRules(e, h.rules)
	if err != nil {
		return nil, err
	}
	dets, err := selectDetectors(cfg, cfg.Detect.Only, extra...)
	if err != nil {
		return nil, err
	}
	warn := newWarner(e.stderr, 100)
	var src triage.Source
	var fileSrc *ndjson.Source
	switch {
	case h.es.enabled:
		if h.demo || len(files) > 0 {
			return nil, usagef("give FILE arguments, --demo or --es, not several")
		}
		var finish func()
		if src, dets, finish, err = h.es.esDetectSource(ctx, h.cmd, e, cfg, dets, nil); err != nil {
			return nil, err
		}
		defer finish()
	case h.demo && len(files) > 0:
		return nil, usagef("give FILE arguments or --demo, not both")
	case h.demo:
		src = demo.New(demo.DefaultSeed)
	default:
		if err := checkInputs(files); err != nil {
			return nil, err
		}
		fileSrc = ndjson.New(files, ndjson.Options{Warn: warn.warn, Stdin: e.stdin})
		src = fileSrc
	}
	now := time.Now()
	xs, err := st.Exceptions(ctx, casefile.ExceptionFilter{ActiveAt: now})
	if err != nil {
		return nil, err
	}
	allow, err := st.Allowlist(ctx, now)
	if err != nil {
		return nil, err
	}
	opts, err := suppressOptions(ctx, st, ruleExceptionRefs(dets))
	if err != nil {
		return nil, err
	}
	sup := triage.NewSuppressor(xs, allow, now, opts...)
	tally := sup.NewTally()
	eng := &triage.Engine{Detectors: dets, OnEvent: tally.Observe, OnFinding: func(f triage.Finding) { tally.Add(&f, nil) }}
	stats, err := eng.Run(ctx, src)
	if err != nil {
		return nil, err
	}
	// Only what bears on the counts: the detectors' own lints are picket
	// detect's to tell.
	msg := fmt.Sprintf("picket: HIDES counts what each entry hides in %s: %d events, %d finding(s), %d hidden", triage.Escape(src.Name()), stats.Events, tally.Findings, tally.Hidden)
	if fileSrc != nil {
		msg += fmt.Sprintf(" (%d bad line(s) skipped)", fileSrc.Stats().Bad)
	}
	fmt.Fprintln(e.stderr, msg)
	for _, l := range sup.Lints() {
		fmt.Fprintf(e.stderr, "picket: lint: %s: %s\n", triage.Escape(l.Detector), triage.Escape(l.Message))
	}
	return tally, nil
}

// rulesExceptionRefs maps each rule's detector id to the exception lists
// its exceptions_list names, for the console (ui.Options.RuleExceptionLists).
func rulesExceptionRefs(rs []*rules.Rule) map[string][]triage.ExceptionListRef {
	refs := map[string][]triage.ExceptionListRef{}
	for _, r := range rs {
		if len(r.ExceptionsList) > 0 {
			refs[r.DetectorID()] = r.ExceptionsList
		}
	}
	return refs
}
