package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"picket/casefile"
)

func newExportCmd(e *env, g *globalFlags) *cobra.Command {
	var (
		caseID int64
		all    bool
		format string
		out    string
		status []string
	)
	cmd := &cobra.Command{
		Use:   "export (--case ID | --all) [--format md|json|csv] [--out FILE]",
		Short: "Export cases as a Markdown report, JSON (picket.case/v1) or CSV",
		Long: `export writes cases from the case file for a ticket or another tool:

  md    a report per case: summary, timeline, findings with reasons, the
        checklist with ticks and notes, notes, observables and the
        exceptions in force;
  json  one document with "schema": "picket.case/v1" (docs/case-schema.md);
  csv   one row per linked finding, cells made safe for spreadsheets.

Text that came from events is escaped in every format. Without --out the
export goes to standard output.`,
		Example: `  picket export --case 3 --format md --out case-3.md
  picket export --all --status open --format csv --out open-cases.csv
  picket export --all --format json | jq '.cases[].title'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case caseID > 0 && all:
				return usagef("give --case ID or --all, not both")
			case caseID <= 0 && !all:
				return usagef("give --case ID or --all")
			case len(status) > 0 && !all:
				return usagef("--status selects cases for --all; --case names one")
			}
			if err := checkStatusFlag(status); err != nil {
				return err
			}
			if format != "md" && format != "json" && format != "csv" {
				return usagef("unknown format %q (want md, json or csv)", format)
			}
			return withCaseFile(cmd.Context(), e, g, caseFileRead, func(cfg config, st *casefile.Store) error {
				var rs []casefile.Report
				var err error
				if all {
					rs, err = st.Reports(cmd.Context(), casefile.CaseFilter{Status: status})
				} else {
					var r casefile.Report
					r, err = st.Report(cmd.Context(), caseID)
					if errors.Is(err, casefile.ErrNotFound) {
						return fmt.Errorf("no case %d in %s", caseID, cfg.DB)
					}
					rs = []casefile.Report{r}
				}
				if err != nil {
					return err
				}
				return writeOut(e, out, func(w io.Writer) error {
					switch format {
					case "json":
						return casefile.WriteJSON(w, rs, casefile.ExportOptions{})
					case "csv":
						return casefile.WriteCSV(w, rs)
					}
					return casefile.WriteMarkdown(w, rs, casefile.ExportOptions{})
				})
			})
		},
	}
	fl := cmd.Flags()
	g.demoCasesFlag(cmd)
	fl.Int64Var(&caseID, "case", 0, "export this case")
	fl.BoolVar(&all, "all", false, "export every case (see --status)")
	fl.StringSliceVar(&status, "status", nil, "with --all: only cases with these statuses")
	fl.StringVar(&format, "format", "md", "md, json or csv")
	fl.StringVar(&out, "out", "", "write to FILE (replaced atomically) instead of standard output")
	return cmd
}

// writeOut runs write against standard output, or against a temporary
// file beside path that replaces path only when everything was written.
func writeOut(e *env, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		bw := bufio.NewWriter(e.stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	// Errors name the file asked for, not the temporary one beside it.
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("cannot write %s: it is a directory", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	// A failed write (a full disk) is about path, not the temporary file.
	named := func(err error) error {
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == tmp.Name() {
			return fmt.Errorf("cannot write %s: %w", path, pe.Err)
		}
		return err
	}
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		tmp.Close()
		return named(err)
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return named(err)
	}
	if err := tmp.Close(); err != nil {
		return named(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			err = le.Err
		}
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	fmt.Fprintf(e.stderr, "picket: wrote %s\n", path)
	return nil
}
