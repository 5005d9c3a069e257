package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"picket/casefile"
	"picket/detectors"
	"picket/detectors/rules"
	"picket/kibana"
	"picket/triage"
	"picket/triage/useragent"
)

func newExceptionsCmd(e *env, g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exceptions",
		Short: "Exchange exceptions with Kibana (exception list NDJSON)",
		Long: `Exceptions suppress findings whose every evidence event matches all of an
exception's conditions (Kibana's semantics: entries are ANDed, exceptions
ORed, values case-sensitive). They live in the case file and apply in the
console and in picket detect.

export writes them as a Kibana exception list (the NDJSON that Kibana's
exception list export writes and its import reads); import reads such a
file, so exceptions tuned in Kibana apply in Picket and the other way round.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}

	var (
		out, listID, name, detector string
	)
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the case file's exceptions as a Kibana exception list (NDJSON)",
		Args:  cobra.NoArgs,
		Example: `  picket exceptions export --out picket-exceptions.ndjson
  # then in Kibana: Rules > Shared exception lists > Import, or
  # curl -X POST "$KIBANA/api/exception_lists/_import" -H 'kbn-xsrf: true' -F file=@picket-exceptions.ndjson`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withCaseFile(cmd.Context(), e, g, caseFileRead, func(cfg config, st *casefile.Store) error {
				xs, err := st.Exceptions(cmd.Context(), casefile.ExceptionFilter{Detector: detector})
				if err != nil {
					return err
				}
				list := kibana.ExceptionList{ListID: listID, Name: name}
				return writeOut(e, out, func(w io.Writer) error {
					return kibana.WriteExceptions(terminalSafeJSON{w}, list, xs)
				})
			})
		},
	}
	export.Flags().StringVar(&out, "out", "", "write to FILE instead of standard output")
	export.Flags().StringVar(&listID, "list-id", casefile.DefaultListID, "list_id of the exported list (every item is moved into it)")
	export.Flags().StringVar(&name, "name", "Picket exceptions", "name of the exported list")
	export.Flags().StringVar(&detector, "detector", "", "only exceptions for this detector (and those for all detectors)")

	var importDetector string
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Read a Kibana exception list export (NDJSON) into the case file",
		Long: `import reads a Kibana exception list export (or a rule export that carries
exception lists) and stores every item. An item applies to the detector
named by its tag "picket:detector=ID", else to --detector (default: every
detector). Importing a list again updates its items.

A list that an imported rule names in its exceptions_list applies to that
rule only, as in Kibana (an explicit picket:detector tag still applies
too). Items with value-list entries ("is in list") need the value lists:
picket lists import FILE --type ip|ip_range|keyword --id LIST_ID.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			known, err := knownDetectors(e)
			if err != nil {
				return err
			}
			if err := checkDetectorFlag(known, importDetector); err != nil {
				return err
			}
			var r io.Reader = e.stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			xs, lists, stats, err := kibana.ReadExceptions(r, kibana.ReadOptions{DefaultDetector: importDetector, KnownDetector: known})
			if le := (*kibana.LineError)(nil); errors.As(err, &le) {
				return fmt.Errorf("%s:%d: %s", args[0], le.Line, triage.Escape(le.Err.Error()))
			}
			if err != nil {
				return fmt.Errorf("%s: %s", args[0], triage.Escape(err.Error()))
			}
			return withCaseFile(cmd.Context(), e, g, caseFileCreate, func(cfg config, st *casefile.Store) error {
				if _, err := st.AddExceptions(cmd.Context(), xs); err != nil {
					return err
				}
				containers := make([]casefile.ExceptionList, 0, len(lists))
				for _, l := range lists {
					containers = append(containers, casefile.ExceptionList{ListID: l.ListID, Namespace: l.Namespace,
						Name: l.Name, Description: l.Description, Type: l.Type})
				}
				if err := st.AddExceptionLists(cmd.Context(), containers); err != nil {
					return err
				}
				for _, n := range stats.Notes {
					fmt.Fprintf(e.stderr, "picket: %s\n", triage.Escape(n))
				}
				if len(stats.ValueLists) > 0 {
					have, err := st.ValueListInfos(cmd.Context())
					if err != nil {
						return err
					}
					for _, l := range stats.ValueLists {
						if !slices.ContainsFunc(have, func(v casefile.ValueList) bool { return v.ID == l.ID }) {
							fmt.Fprintf(e.stderr, "picket: value list %s is not imported: the items using it hide nothing until it is (picket lists import FILE --type %s --id %s)\n",
								triage.Escape(l.ID), triage.Escape(orType(l.Type)), triage.Escape(l.ID))
						}
					}
				}
				fmt.Fprintf(e.stderr, "picket: imported %d exception(s) from %d list(s) into %s", stats.Items, stats.Lists, cfg.DB)
				if stats.Skipped > 0 {
					fmt.Fprintf(e.stderr, "; %d other line(s) skipped", stats.Skipped)
				}
				fmt.Fprintln(e.stderr)
				return nil
			})
		},
	}
	imp.Flags().StringVar(&importDetector, "detector", triage.AllDetectors, "detector id for items without a picket:detector tag (checked against picket rules)")

	var counts hideCountFlags
	list := &cobra.Command{
		Use:   "list [--demo | --es | FILE...]",
		Short: "List the exceptions in the case file, and what each hides",
		Long: `list shows every exception: id, Kibana list, detector, name, conditions,
reason, author, when it was made and when it expires. Given a source as
picket detect takes it (FILE..., --demo or --es), it runs the detectors
over it and adds HIDES: how many findings each exception hides there
(a finding hidden by two exceptions together counts for both). Without a
source nothing is run and HIDES is left out.`,
		Example: `  picket exceptions list
  picket exceptions list access.ndjson.gz
  picket exceptions list --demo`,
		RunE: func(cmd *cobra.Command, args []string) error {
			g.demoCases = counts.demo // the demo's findings, judged by the demo's entries
			return withCaseFile(cmd.Context(), e, g, caseFileRead, func(cfg config, st *casefile.Store) error {
				xs, err := st.Exceptions(cmd.Context(), casefile.ExceptionFilter{})
				if err != nil {
					return err
				}
				tally, err := counts.run(cmd.Context(), e, cfg, st, args)
				if err != nil {
					return err
				}
				now := time.Now()
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				head := "ID\tLIST\tDETECTOR\tNAME\tCONDITIONS\tREASON\tAUTHOR\tCREATED\tEXPIRES"
				if tally != nil {
					head += "\tHIDES"
				}
				fmt.Fprintln(tw, head)
				for _, x := range xs {
					// Every text cell can come from an imported list.
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", x.ID, cell(x.ListID, 30), cell(x.Detector, 40), cell(x.Name, 40),
						cell(triage.ExceptionSummary(x.Entries), 80), cell(x.Reason, 40), cell(x.Author, 20), timeCell(x.Created), expiresCell(x.Expires, now))
					if tally != nil {
						fmt.Fprintf(tw, "\t%s", hidesCell(tally.Exceptions[x.ID], x.Active(now)))
					}
					fmt.Fprintln(tw)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				if len(xs) == 0 {
					fmt.Fprintf(e.stderr, "picket: no exceptions in %s\n", cfg.DB)
				}
				return nil
			})
		},
	}
	counts.register(list)

	remove := &cobra.Command{
		Use:     "remove ID...",
		Aliases: []string{"rm"},
		Short:   "Remove exceptions by id (picket exceptions list shows ids)",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			return withCaseFile(cmd.Context(), e, g, caseFileWrite, func(cfg config, st *casefile.Store) error {
				xs, err := st.Exceptions(cmd.Context(), casefile.ExceptionFilter{})
				if err != nil {
					return err
				}
				return removeByID(e.stderr, ids, xs, "exception", cfg.DB, "picket exceptions list",
					func(x triage.Exception) int64 { return x.ID },
					func(id int64) error { return st.DeleteException(cmd.Context(), id) },
					func(x triage.Exception) string {
						return fmt.Sprintf("%s on %s: %s", cell(x.Name, 40), cell(x.Detector, 40), cell(triage.ExceptionSummary(x.Entries), 80))
					})
			})
		},
	}
	cmd.AddCommand(export, imp, list, remove)
	return cmd
}

func newAllowlistCmd(e *env, g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "allowlist",
		Short: "Manage and export allowlisted addresses, user agents and users",
		Long: `Allowlisted source addresses (IP or CIDR), user agents and users suppress
every finding about them (for one detector or all); allowlisted URL paths
and domains suppress findings whose every event requested them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var kind, out string
	export := &cobra.Command{
		Use:   "export",
		Short: "Write allowlisted values as an Elastic value list (one per line)",
		Long: `export writes one kind of allowlisted value, one per line, the text format
Kibana's value lists import (Rules > Manage value lists): --kind ip writes
addresses and CIDRs for an ip or ip_range list; user_agent, user, path and
domain write keyword lists.`,
		Example: `  picket allowlist export --kind ip --out allowed-ips.txt
  picket allowlist export --kind user_agent`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch kind {
			case triage.AllowIP, triage.AllowUserAgent, triage.AllowUser, triage.AllowPath, triage.AllowDomain:
			default:
				return usagef("unknown kind %q (want ip, user_agent, user, path or domain)", kind)
			}
			return withCaseFile(cmd.Context(), e, g, caseFileRead, func(cfg config, st *casefile.Store) error {
				entries, err := st.Allowlist(cmd.Context(), time.Now())
				if err != nil {
					return err
				}
				return writeOut(e, out, func(w io.Writer) error {
					_, skipped, err := kibana.WriteValueList(terminalSafeJSON{w}, entries, kind)
					if skipped > 0 {
						fmt.Fprintf(e.stderr, "picket: %d value(s) with control characters (a line break, an escape such as \\x1b) cannot be written to a value list and were skipped\n", skipped)
					}
					return err
				})
			})
		},
	}
	export.Flags().StringVar(&kind, "kind", triage.AllowIP, "ip, user_agent, user, path or domain")
	export.Flags().StringVar(&out, "out", "", "write to FILE instead of standard output")

	var reason, detector, expires string
	var force bool
	add := &cobra.Command{
		Use:   "add KIND VALUE",
		Short: "Allowlist a value (KIND: ip, user_agent, user, path, domain)",
		Example: `  picket allowlist add ip 192.0.2.0/24 --reason "our scanner" --expires 30d
  picket allowlist add user_agent 'Pingdom.com_bot_version_1.4' --detector appsensor:UT2`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a := triage.AllowEntry{Kind: args[0], Value: args[1], Detector: detector, Reason: reason}
			var err error
			if a.Expires, err = triage.ParseExpiry(expires, time.Now()); err != nil {
				return usagef("--expires %s: %v", triage.Escape(expires), err)
			}
			if err := a.Validate(); err != nil {
				return usageError{err}
			}
			known, err := knownDetectors(e)
			if err != nil {
				return err
			}
			if err := checkDetectorFlag(known, a.Detector); err != nil {
				return err // an entry for no detector would never apply
			}
			if broad := useragent.BroadAllow(a); broad != "" {
				if !force {
					return usagef("not allowlisted: %s; give --force if that is what you mean", broad)
				}
				fmt.Fprintf(e.stderr, "picket: warning: %s (--force)\n", broad)
			}
			return withCaseFile(cmd.Context(), e, g, caseFileCreate, func(cfg config, st *casefile.Store) error {
				id, err := st.AddAllowEntry(cmd.Context(), a)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "picket: allowlist entry %d saved in %s\n", id, cfg.DB)
				return nil
			})
		},
	}
	add.Flags().StringVar(&reason, "reason", "", "why the value is allowlisted")
	add.Flags().StringVar(&detector, "detector", triage.AllDetectors, "only for this detector")
	add.Flags().StringVar(&expires, "expires", "", "expire after this long (12h, 30d) or at the end of a day (2026-12-31), or at an RFC 3339 time")
	add.Flags().BoolVar(&force, "force", false, "allowlist a stock browser user agent or a network wider than /24 (/48 for IPv6) all the same")

	var counts hideCountFlags
	list := &cobra.Command{
		Use:   "list [--demo | --es | FILE...]",
		Short: "List the allowlist entries, and what each hides",
		Long: `list shows every allowlist entry: id, kind, value, detector, reason, author,
when it was made and when it expires. Given a source as picket detect takes
it (FILE..., --demo or --es), it runs the detectors over it and adds HIDES:
how many findings each entry hides there. Without a source nothing is run
and HIDES is left out.`,
		Example: `  picket allowlist list
  picket allowlist list --demo`,
		RunE: func(cmd *cobra.Command, args []string) error {
			g.demoCases = counts.demo // the demo's findings, judged by the demo's entries
			return withCaseFile(cmd.Context(), e, g, caseFileRead, func(cfg config, st *casefile.Store) error {
				entries, err := st.Allowlist(cmd.Context(), time.Time{})
				if err != nil {
					return err
				}
				tally, err := counts.run(cmd.Context(), e, cfg, st, args)
				if err != nil {
					return err
				}
				now := time.Now()
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				head := "ID\tKIND\tVALUE\tDETECTOR\tREASON\tAUTHOR\tCREATED\tEXPIRES"
				if tally != nil {
					head += "\tHIDES"
				}
				fmt.Fprintln(tw, head)
				for _, a := range entries {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s", a.ID, cell(a.Kind, 12), cell(a.Value, 80), cell(a.Detector, 40),
						cell(a.Reason, 40), cell(a.Author, 20), timeCell(a.Created), expiresCell(a.Expires, now))
					if tally != nil {
						fmt.Fprintf(tw, "\t%s", hidesCell(tally.Allow[a.ID], a.Active(now)))
					}
					fmt.Fprintln(tw)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				if len(entries) == 0 {
					fmt.Fprintf(e.stderr, "picket: no allowlist entries in %s\n", cfg.DB)
				}
				return nil
			})
		},
	}
	counts.register(list)

	remove := &cobra.Command{
		Use:     "remove ID...",
		Aliases: []string{"rm"},
		Short:   "Remove allowlist entries by id (picket allowlist list shows ids)",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			return withCaseFile(cmd.Context(), e, g, caseFileWrite, func(cfg config, st *casefile.Store) error {
				entries, err := st.Allowlist(cmd.Context(), time.Time{})
				if err != nil {
					return err
				}
				return removeByID(e.stderr, ids, entries, "allowlist entry", cfg.DB, "picket allowlist list",
					func(a triage.AllowEntry) int64 { return a.ID },
					func(id int64) error { return st.DeleteAllowEntry(cmd.Context(), id) },
					func(a triage.AllowEntry) string {
						return fmt.Sprintf("%s %s on %s", a.Kind, cell(a.Value, 80), cell(a.Detector, 40))
					})
			})
		},
	}
	cmd.AddCommand(export, add, list, remove)
	return cmd
}

// knownDetectors says whether a detector id is one Picket has: built in,
// imported (picket rules import) or listed as not yet running. An
// exception for any other id would be stored and never apply.
func knownDetectors(e *env) (func(string) bool, error) {
	extra, err := loadRules(e, nil)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, info := range detectors.Catalogue(detectors.Options{Rules: extra}) {
		ids[info.ID] = true
	}
	return func(id string) bool { return ids[id] }, nil
}

// checkDetectorFlag refuses a --detector value that names no detector
// Picket knows; "" and "*" mean every detector.
func checkDetectorFlag(known func(string) bool, id string) error {
	if id == "" || id == triage.AllDetectors || known(id) {
		return nil
	}
	return usagef("--detector %s: not a detector Picket knows (picket rules lists them)", triage.Escape(id))
}

// caseFileSuppression loads the exceptions and allowlist entries in force
// from the case file at path, for picket detect, with the value lists
// their list entries use and the exception lists the rules among dets
// attach (see triage.WithRuleLists). A missing file holds none and is not
// created; the rules' references to lists are still linted then.
func caseFileSuppression(ctx context.Context, e *env, cfg config, dets []triage.Detector) ([]triage.Exception, []triage.AllowEntry, []triage.SuppressOption, error) {
	refs := ruleExceptionRefs(dets)
	path := cfg.DB
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if !cfg.dbDefault {
			// A case file named on purpose (--db, PICKET_DB, the config
			// file) that is not there may be a mistyped path: say that
			// nothing is suppressed. (A fresh path is also how a script
			// runs apart from real work, so this is no error.)
			fmt.Fprintf(e.stderr, "picket: no case file at %s: no exceptions or allowlist entries apply\n", triage.Escape(path))
		}
		return nil, nil, []triage.SuppressOption{triage.WithRuleLists(refs, nil)}, nil
	}
	st, err := casefile.OpenReadOnly(ctx, path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer st.Close()
	now := time.Now()
	xs, err := st.Exceptions(ctx, casefile.ExceptionFilter{ActiveAt: now})
	if err != nil {
		return nil, nil, nil, err
	}
	allow, err := st.Allowlist(ctx, now)
	if err != nil {
		return nil, nil, nil, err
	}
	opts, err := suppressOptions(ctx, st, refs)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(xs)+len(allow) > 0 {
		fmt.Fprintf(e.stderr, "picket: applying %d exception(s) and %d allowlist entr(ies) from %s\n", len(xs), len(allow), path)
	}
	return xs, allow, opts, nil
}

// suppressOptions gives the Suppressor the case file's value lists and the
// exception lists that rules attach.
func suppressOptions(ctx context.Context, st *casefile.Store, refs map[string][]triage.ExceptionListRef) ([]triage.SuppressOption, error) {
	lists, err := st.ValueLists(ctx)
	if err != nil {
		return nil, err
	}
	has, err := st.HasExceptionList(ctx)
	if err != nil {
		return nil, err
	}
	return []triage.SuppressOption{triage.WithValueLists(lists), triage.WithRuleLists(refs, has)}, nil
}

// ruleExceptionRefs maps each Elastic rule among dets to the exception
// lists its exceptions_list names.
func ruleExceptionRefs(dets []triage.Detector) map[string][]triage.ExceptionListRef {
	refs := map[string][]triage.ExceptionListRef{}
	for _, d := range dets {
		if rd, ok := d.(interface{ Rule() *rules.Rule }); ok {
			if r := rd.Rule(); r != nil && len(r.ExceptionsList) > 0 {
				refs[d.Info().ID] = r.ExceptionsList
			}
		}
	}
	return refs
}

// parseIDs reads entry ids given as arguments.
// removeByID removes the items with the given ids one by one, each
// after checking it is there, and says on w what went (describe); what
// names the kind of item, db the case file and lister the command that
// shows the ids.
func removeByID[T any](w io.Writer, ids []int64, items []T, what, db, lister string, id func(T) int64, del func(int64) error, describe func(T) string) error {
	for _, want := range ids {
		i := slices.IndexFunc(items, func(it T) bool { return id(it) == want })
		if i < 0 {
			return fmt.Errorf("no %s %d in %s (%s shows them)", what, want, db, lister)
		}
		if err := del(want); err != nil {
			return err
		}
		fmt.Fprintf(w, "picket: removed %s %d (%s)\n", what, want, describe(items[i]))
	}
	return nil
}

func parseIDs(args []string) ([]int64, error) {
	ids := make([]int64, 0, len(args))
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, usagef("%q is not an id (a whole number, as the list shows)", triage.Escape(a))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// expiresCell says when an entry expires: never, a time, or that it has.
func expiresCell(t, now time.Time) string {
	switch {
	case t.IsZero():
		return "never"
	case !now.Before(t):
		return "expired " + timeCell(t)
	}
	return timeCell(t)
}

// hidesCell is the HIDES column: the count, or "-" for an expired entry.
func hidesCell(n int, active bool) string {
	if !active {
		return "-"
	}
	return strconv.Itoa(n)
}

func orType(t string) string {
	if t == "" {
		return triage.ListIP
	}
	return t
}
