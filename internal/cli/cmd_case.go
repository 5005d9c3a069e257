package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"picket/casefile"
	"picket/kibana"
	"picket/triage"
)

// caseFileMode says how a command uses the case file.
type caseFileMode int

const (
	// caseFileRead: the file must exist and is opened read-only, so a
	// file that cannot be written can still be listed and exported.
	caseFileRead caseFileMode = iota
	// caseFileWrite: the file must exist and is opened for writing.
	caseFileWrite
	// caseFileCreate: the file is created when missing.
	caseFileCreate
)

// openCaseFile opens the configured case file as mode says. Only
// caseFileCreate makes a missing file: otherwise that is an error naming
// the path.
func openCaseFile(ctx context.Context, cfg config, mode caseFileMode) (*casefile.Store, error) {
	if mode != caseFileCreate {
		if _, err := os.Stat(cfg.DB); errors.Is(err, fs.ErrNotExist) {
			hint := ""
			if demo := filepath.Join(filepath.Dir(cfg.DB), "demo.db"); !cfg.demoData && cfg.dbDefault {
				if _, err := os.Stat(demo); err == nil {
					hint = "; what was made on the demo data is in " + demo + ": add --demo"
				}
			}
			return nil, fmt.Errorf("no case file at %s (cases are created in the console; --db or %s choose another file%s)", cfg.DB, envDB, hint)
		}
	}
	if mode == caseFileRead {
		return casefile.OpenReadOnly(ctx, cfg.DB)
	}
	return casefile.Open(ctx, cfg.DB)
}

// withCaseFile loads the configuration, opens its case file as mode says,
// runs fn and closes the file.
func withCaseFile(ctx context.Context, e *env, g *globalFlags, mode caseFileMode, fn func(cfg config, st *casefile.Store) error) error {
	cfg, err := g.load(e.getenv)
	if err != nil {
		return err
	}
	if g.demoCases {
		cfg.forDemo(e.getenv)
	}
	st, err := openCaseFile(ctx, cfg, mode)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(cfg, st)
}

func newCaseCmd(e *env, g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "case",
		Short: "List and show the cases in the case file",
		Long: `A group (source IP × user agent) becomes a case the first time it is worked
in the console: a checklist tick, a note, a status change or an exception.
These commands read the case file (--db, ` + envDB + `, or the default).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var status []string
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List cases, most recently updated first",
		Args:  cobra.NoArgs,
		Example: `  picket case list
  picket case list --status open,acknowledged --format ndjson`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "ndjson" {
				return usagef("unknown format %q (want table or ndjson)", format)
			}
			if err := checkStatusFlag(status); err != nil {
				return err
			}
			return withCaseFile(cmd.Context(), e, g, caseFileRead, func(cfg config, st *casefile.Store) error {
				cs, err := st.Cases(cmd.Context(), casefile.CaseFilter{Status: status})
				if err != nil {
					return err
				}
				if format == "ndjson" {
					enc := json.NewEncoder(terminalSafeJSON{e.stdout})
					enc.SetEscapeHTML(false)
					for _, c := range cs {
						if err := enc.Encode(caseLine(c)); err != nil {
							return err
						}
					}
					return nil
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSTATUS\tSEVERITY\tASSIGNEE\tUPDATED\tTITLE")
				for _, c := range cs {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Status, c.Severity, cell(c.Assignee, 20), timeCell(c.Updated), cell(c.Title, 80))
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringSliceVar(&status, "status", nil, "only cases with these statuses: open, acknowledged, closed")
	list.Flags().StringVar(&format, "format", "table", "output format: table or ndjson")
	g.demoCasesFlag(list)

	var showFormat string
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one case as a Markdown report (or JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usagef("case id %q is not a number", args[0])
			}
			if showFormat != "md" && showFormat != "json" {
				return usagef("unknown format %q (want md or json)", showFormat)
			}
			return withCaseFile(cmd.Context(), e, g, caseFileRead, func(cfg config, st *casefile.Store) error {
				r, err := st.Report(cmd.Context(), id)
				if errors.Is(err, casefile.ErrNotFound) {
					return fmt.Errorf("no case %d in %s", id, cfg.DB)
				}
				if err != nil {
					return err
				}
				if showFormat == "json" {
					return casefile.WriteJSON(terminalSafeJSON{e.stdout}, []casefile.Report{r}, casefile.ExportOptions{})
				}
				return casefile.WriteMarkdown(e.stdout, []casefile.Report{r}, casefile.ExportOptions{})
			})
		},
	}
	show.Flags().StringVar(&showFormat, "format", "md", "output format: md or json")
	g.demoCasesFlag(show)

	var kibanaURL, space string
	var again bool
	push := &cobra.Command{
		Use:   "push ID --kibana-url URL",
		Short: "Create a Kibana case from a Picket case (Kibana Cases API)",
		Long: `push creates a case in Kibana's Security Cases: title, severity, a
description with the summary and findings, a comment per note and one with
the checklist, the linked alerts attached, and the status (acknowledged
becomes in-progress). It authenticates with KIBANA_API_KEY, else
the Elasticsearch API key (` + envESAPIKey + `), else KIBANA_USERNAME and
KIBANA_PASSWORD; the config's [kibana] table can hold the same. A case
already pushed is refused unless --again is given.`,
		Example: `  KIBANA_API_KEY=... picket case push 3 --kibana-url https://kibana.example.com:5601 --space soc`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usagef("case id %q is not a number", args[0])
			}
			cfg, err := g.load(e.getenv)
			if err != nil {
				return err
			}
			k := kibanaClient(cfg, kibanaURL, space)
			if k.URL == "" {
				return usagef("give --kibana-url, set %s or url in the config's [kibana] table", envKibanaURL)
			}
			if err := k.CheckURL(); err != nil {
				return usagef("%v", err)
			}
			return withCaseFile(cmd.Context(), e, g, caseFileWrite, func(cfg config, st *casefile.Store) error {
				r, err := st.Report(cmd.Context(), id)
				if errors.Is(err, casefile.ErrNotFound) {
					return fmt.Errorf("no case %d in %s", id, cfg.DB)
				}
				if err != nil {
					return err
				}
				if k.APIKey == "" && k.Username == "" && triage.URLPassword(k.URL) == "" {
					// Kibana may run without security; say so rather than
					// leave a 401 to explain it.
					fmt.Fprintf(e.stderr, "picket: no Kibana credentials set (%s, %s, or %s and %s): the request goes without authentication\n",
						envKibanaAPIKey, envESAPIKey, envKibanaUsername, envKibanaPassword)
				}
				res, err := k.Push(cmd.Context(), st, r, casefile.LocalUser(), again)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s\n", res.URL)
				fmt.Fprintf(e.stderr, "picket: Kibana case %s created with %d comment(s) and %d alert(s)\n", res.CaseID, res.Comments, res.Alerts)
				return nil
			})
		},
	}
	push.Flags().StringVar(&kibanaURL, "kibana-url", "", "Kibana base URL (env KIBANA_URL, config kibana.url)")
	push.Flags().StringVar(&space, "space", "", "Kibana space (config kibana.space; default: the default space)")
	push.Flags().BoolVar(&again, "again", false, "push even if the case was pushed before (creates another Kibana case)")
	cmd.AddCommand(list, show, push)
	return cmd
}

// kibanaClient is the Kibana Cases client the configuration describes,
// with the --kibana-url and --space flags (when given) over it.
func kibanaClient(cfg config, flagURL, flagSpace string) kibana.Cases {
	kc := cfg.Kibana
	if flagURL != "" {
		kc.URL = flagURL
	}
	if flagSpace != "" {
		kc.Space = flagSpace
	}
	k := kibana.Cases{URL: kc.URL, Space: kc.Space, APIKey: kc.APIKey.Reveal(), Username: kc.Username, Password: kc.Password.Reveal()}
	if k.APIKey == "" {
		k.APIKey = cfg.Elasticsearch.APIKey.Reveal()
	}
	return k
}

// caseLine is the NDJSON form of a case in picket case list.
func caseLine(c casefile.Case) any {
	return struct {
		ID        int64  `json:"id"`
		Key       string `json:"key"`
		Title     string `json:"title"`
		Status    string `json:"status"`
		Severity  string `json:"severity"`
		Assignee  string `json:"assignee"`
		CreatedAt string `json:"created_at"`
		UpdatedAt string `json:"updated_at"`
	}{c.ID, c.Key, c.Title, c.Status, c.Severity, c.Assignee, timeJSON(c.Created), timeJSON(c.Updated)}
}

func timeJSON(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// checkStatusFlag refuses a --status value that is no case status (case
// list, export --all).
func checkStatusFlag(status []string) error {
	for _, s := range status {
		if !casefile.ValidStatus(s) {
			return usagef("--status %s: unknown status (want open, acknowledged or closed)", triage.Escape(s))
		}
	}
	return nil
}
