package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"picket/casefile"
	"picket/detectors"
	"picket/kibana"
	"picket/triage"
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
detector). Importing a list again updates its items.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r io.Reader = e.stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			known, err := knownDetectors(e)
			if err != nil {
				return err
			}
			xs, _, stats, err := kibana.ReadExceptions(r, kibana.ReadOptions{DefaultDetector: importDetector, KnownDetector: known})
			if err != nil {
				return fmt.Errorf("%s: %s", args[0], triage.Escape(err.Error()))
			}
			return withCaseFile(cmd.Context(), e, g, caseFileCreate, func(cfg config, st *casefile.Store) error {
				if _, err := st.AddExceptions(cmd.Context(), xs); err != nil {
					return err
				}
				for _, n := range stats.Notes {
					fmt.Fprintf(e.stderr, "picket: %s\n", triage.Escape(n))
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
	imp.Flags().StringVar(&importDetector, "detector", triage.AllDetectors, "detector id for items without a picket:detector tag")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the exceptions in the case file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withCaseFile(cmd.Context(), e, g, caseFileRead, func(cfg config, st *casefile.Store) error {
				xs, err := st.Exceptions(cmd.Context(), casefile.ExceptionFilter{})
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tDETECTOR\tNAME\tCONDITIONS\tEXPIRES")
				for _, x := range xs {
					exp := "never"
					if !x.Expires.IsZero() {
						exp = timeCell(x.Expires)
					}
					// Every text cell can come from an imported list.
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", x.ID, triage.Escape(x.Detector), cell(x.Name, 40), cell(triage.ExceptionSummary(x.Entries), 80), exp)
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(export, imp, list)
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
						fmt.Fprintf(e.stderr, "picket: %d value(s) with line breaks cannot be written to a value list and were skipped\n", skipped)
					}
					return err
				})
			})
		},
	}
	export.Flags().StringVar(&kind, "kind", triage.AllowIP, "ip, user_agent, user, path or domain")
	export.Flags().StringVar(&out, "out", "", "write to FILE instead of standard output")

	var reason, detector, expires string
	add := &cobra.Command{
		Use:   "add KIND VALUE",
		Short: "Allowlist a value (KIND: ip, user_agent, user, path, domain)",
		Example: `  picket allowlist add ip 192.0.2.0/24 --reason "our scanner" --expires 30d
  picket allowlist add user_agent 'Pingdom.com_bot_version_1.4' --detector appsensor:UT2`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a := triage.AllowEntry{Kind: args[0], Value: args[1], Detector: detector, Reason: reason}
			if expires != "" {
				d, err := parseExpiry(expires)
				if err != nil {
					return usagef("--expires: %v", err)
				}
				a.Expires = time.Now().Add(d)
			}
			if err := a.Validate(); err != nil {
				return usageError{err}
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
	add.Flags().StringVar(&expires, "expires", "", "expire after this long (e.g. 12h, 30d)")
	cmd.AddCommand(export, add)
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

// parseExpiry accepts Go durations and whole days ("30d").
func parseExpiry(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err != nil || days <= 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	return d, nil
}

// caseFileSuppression loads the exceptions and allowlist entries in force
// from the case file at path, for picket detect. A missing file holds
// none and is not created.
func caseFileSuppression(ctx context.Context, e *env, path string) ([]triage.Exception, []triage.AllowEntry, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	st, err := casefile.OpenReadOnly(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	now := time.Now()
	xs, err := st.Exceptions(ctx, casefile.ExceptionFilter{ActiveAt: now})
	if err != nil {
		return nil, nil, err
	}
	allow, err := st.Allowlist(ctx, now)
	if err != nil {
		return nil, nil, err
	}
	if len(xs)+len(allow) > 0 {
		fmt.Fprintf(e.stderr, "picket: applying %d exception(s) and %d allowlist entr(ies) from %s\n", len(xs), len(allow), path)
	}
	return xs, allow, nil
}
