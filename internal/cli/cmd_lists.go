package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"picket/casefile"
	"picket/kibana"
	"picket/triage"
)

func newListsCmd(e *env, g *globalFlags) *cobra.Command {
	listRun := func(cmd *cobra.Command, _ []string) error {
		return withCaseFile(cmd.Context(), e, g, caseFileRead, func(cfg config, st *casefile.Store) error {
			ls, err := st.ValueListInfos(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTYPE\tCOUNT\tIMPORTED\tBY\tFROM")
			for _, l := range ls {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", cell(l.ID, 40), l.Type, l.Count, timeCell(l.ImportedAt), cell(l.ImportedBy, 20), cell(l.Source, 60))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(ls) == 0 {
				fmt.Fprintf(e.stderr, "picket: no value lists in %s (picket lists import FILE --type ip|ip_range|keyword --id NAME)\n", cfg.DB)
			}
			return nil
		})
	}
	cmd := &cobra.Command{
		Use:   "lists",
		Short: "Elastic value lists for exceptions' \"is in list\" entries",
		Long: `Value lists are what Kibana's exception entries of type list ("is in list",
"is not in list") match against: ip lists hold addresses, ip_range lists
CIDR blocks or first-last ranges, keyword lists exact text. Import the
same files you upload to Kibana (Rules > Manage value lists), with the id
the exception entries name, and those entries match in picket detect and
the console as in Kibana.

Without a subcommand, lists shows the imported lists.`,
		Args: cobra.NoArgs,
		RunE: listRun,
	}
	list := &cobra.Command{Use: "list", Short: "Show the imported value lists: id, type, count, imported at", Args: cobra.NoArgs, RunE: listRun}

	var typ, id, name string
	var appendTo bool
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a value list file (one value per line) into the case file",
		Long: `import reads a value list file as Kibana's import does: one value per line
(.txt or .csv alike: a line with commas is one value), each trimmed, blank
lines skipped, duplicates kept once, at most 9,000,000 bytes. There are no
comments: a line starting with # is a value, which an ip or ip_range list
refuses. --type ip takes addresses; ip_range takes CIDR blocks
(10.0.0.0/8), ranges (10.0.0.1-10.0.0.9) or single addresses; keyword
takes any text, matched exactly and case-sensitively.

A bad line fails the import (all of it) and is named FILE:LINE. Importing
into an existing list replaces its values; --append adds to them, as
Kibana's import into an existing list does.`,
		Example: `  picket lists import office-ips.txt --type ip --id office-ips
  picket lists import internal-nets.txt --type ip_range --id internal-nets
  picket lists import service-accounts.txt --type keyword --id service-accounts --append`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if id = strings.TrimSpace(id); id == "" {
				return usagef("--id is required: the list id the exception entries name (\"list\": {\"id\": ...})")
			}
			if typ == "" {
				return usagef("--type is required: ip, ip_range or keyword")
			}
			if !validType(typ) {
				return usagef("--type %s: want ip, ip_range or keyword", triage.Escape(typ))
			}
			var r io.Reader = e.stdin
			source := "standard input"
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r, source = f, args[0]
			}
			vals, stats, err := kibana.ReadValueList(r, source, typ)
			if err != nil {
				return escapedLines(err)
			}
			return withCaseFile(cmd.Context(), e, g, caseFileCreate, func(cfg config, st *casefile.Store) error {
				stored := source
				if args[0] != "-" {
					stored = filepath.Base(args[0])
				}
				n, err := st.ImportValueList(cmd.Context(), casefile.ValueList{ID: id, Type: typ, Name: name, Source: stored}, vals, !appendTo)
				if err != nil {
					return errors.New(triage.Escape(err.Error()))
				}
				msg := fmt.Sprintf("picket: value list %s (%s): %d value(s) read", triage.Escape(id), typ, len(vals))
				if stats.Duplicates > 0 {
					msg += fmt.Sprintf(", %d duplicate(s) kept once", stats.Duplicates)
				}
				if stats.Blank > 0 {
					msg += fmt.Sprintf(", %d blank line(s) skipped", stats.Blank)
				}
				fmt.Fprintf(e.stderr, "%s; the list holds %d in %s\n", msg, n, cfg.DB)
				return nil
			})
		},
	}
	imp.Flags().StringVar(&typ, "type", "", "ip, ip_range or keyword (required)")
	imp.Flags().StringVar(&id, "id", "", "the list id exception entries name (required)")
	imp.Flags().StringVar(&name, "name", "", "a name for the list (shown nowhere else yet)")
	imp.Flags().BoolVar(&appendTo, "append", false, "add to the list's values instead of replacing them")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Print a value list's values, one per line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCaseFile(cmd.Context(), e, g, caseFileRead, func(cfg config, st *casefile.Store) error {
				vals, err := st.ValueListValues(cmd.Context(), args[0])
				if errors.Is(err, casefile.ErrNotFound) {
					return fmt.Errorf("no value list %s in %s (picket lists shows them)", triage.Escape(args[0]), cfg.DB)
				}
				if err != nil {
					return err
				}
				for _, v := range vals {
					fmt.Fprintln(e.stdout, triage.Escape(v))
				}
				return nil
			})
		},
	}

	remove := &cobra.Command{
		Use:     "remove ID...",
		Aliases: []string{"rm"},
		Short:   "Remove value lists (entries naming them then hide nothing)",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCaseFile(cmd.Context(), e, g, caseFileWrite, func(cfg config, st *casefile.Store) error {
				for _, id := range args {
					err := st.DeleteValueList(cmd.Context(), id)
					if errors.Is(err, casefile.ErrNotFound) {
						return fmt.Errorf("no value list %s in %s (picket lists shows them)", triage.Escape(id), cfg.DB)
					}
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stderr, "picket: removed value list %s\n", triage.Escape(id))
				}
				return nil
			})
		},
	}
	cmd.AddCommand(list, imp, show, remove)
	return cmd
}

// escapedLines escapes each line of err's message, keeping the line
// breaks between them (one bad line of a file per line).
func escapedLines(err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = triage.Escape(l)
	}
	return errors.New(strings.Join(lines, "\n"))
}

func validType(t string) bool {
	for _, v := range triage.ValueListTypes {
		if t == v {
			return true
		}
	}
	return false
}
