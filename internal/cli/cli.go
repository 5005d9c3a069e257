package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"picket/detectors"
	"picket/detectors/rules"
	"picket/detectors/spike"
	"picket/triage"
)

// env is what commands read and write instead of the process globals, so
// tests can run them in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// usageError marks a mistake in the command line: exit code 2.
type usageError struct{ error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// isCobraUsageError recognises the argument errors cobra raises itself.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "invalid argument", "flag needs an argument", "accepts ", "requires "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// globalFlags are shared by every command.
type globalFlags struct {
	config string
	db     string
	// demoCases points a case-file command at the demo's case file
	// (--demo on case, export, allowlist list, exceptions list), where
	// the console keeps what is made on the demo data.
	demoCases bool
}

// demoCasesFlag registers --demo as "the demo's case file" on cmd.
func (g *globalFlags) demoCasesFlag(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&g.demoCases, "demo", false, "use the demo's case file (demo.db), where the console keeps what was made on the demo data")
}

// defaultMaxGroups is how many groups the console holds before a run
// spills to disk: about 60 MB of groups and their findings.
const defaultMaxGroups = 50_000

func newRootCmd(e *env) *cobra.Command {
	g := &globalFlags{}
	var demoFlag bool
	var keep, maxGroups int
	var esf esFlags
	root := &cobra.Command{
		Use:   "picket [FILE...]",
		Short: "Triage console for Elastic Security alerts and raw events",
		Long: `Picket re-runs Elastic and OWASP AppSensor detections locally over events
from NDJSON files (plain or gzip; - for standard input) or its built-in demo
data, groups the findings by source IP and user agent, and opens a console
to work through them. With no FILE it opens on demo data.`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.load(e.getenv)
			if err != nil {
				return err
			}
			if maxGroups < 0 {
				return usagef("--max-groups %d: give 0 (no limit) or more groups", maxGroups)
			}
			if keep < 0 {
				return usagef("--keep %d: give 0 (no limit) or more events", keep)
			}
			if err := notACommand(cmd, args); err != nil {
				return err
			}
			es, err := esf.esConsole(cmd.Context(), cmd, e, cfg)
			if err != nil {
				return err
			}
			return runConsole(cmd.Context(), e, cfg, consoleOptions{files: args, demo: demoFlag || len(args) == 0, keep: keep, maxGroups: maxGroups, es: es})
		},
	}
	root.PersistentFlags().StringVar(&g.config, "config", "", "config file (default $XDG_CONFIG_HOME/picket/config.toml; env "+envConfig+")")
	root.PersistentFlags().StringVar(&g.db, "db", "", "case file (default $XDG_DATA_HOME/picket/picket.db; env "+envDB+")")
	root.Flags().BoolVar(&demoFlag, "demo", false, "open on the built-in demo data (the default when no FILE is given)")
	root.Flags().IntVar(&keep, "keep", 500000, "keep at most this many events for the event view (0: no limit)")
	root.Flags().IntVar(&maxGroups, "max-groups", defaultMaxGroups, "past this many groups, wait on disk and hold the top of the queue once loaded (0: no limit)")
	esf.register(root, true, true, true)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newDetectCmd(e, g), newRulesCmd(e, g), newVersionCmd(e))
	root.AddCommand(newAlertsCmd(e, g))
	root.AddCommand(newPlaybookCmd(e, g), newCaseCmd(e, g), newExportCmd(e, g), newExceptionsCmd(e, g), newAllowlistCmd(e, g), newListsCmd(e, g))
	return root
}

// notACommand refuses a first argument that is no file but reads as a
// mistyped command ("picket finding"): the console would otherwise open
// on a missing file, or fail for want of a terminal.
func notACommand(root *cobra.Command, args []string) error {
	if len(args) == 0 || args[0] == "-" || strings.ContainsAny(args[0], "/.\\") {
		return nil
	}
	if _, err := os.Stat(args[0]); err == nil {
		return nil // a file of that name: open it
	}
	msg := fmt.Sprintf("unknown command or file %q (picket --help lists the commands; write ./%s for a file)", args[0], args[0])
	if s := root.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usagef("%s", msg)
}

// load reads the configuration and applies the global flags over it.
func (g *globalFlags) load(getenv func(string) string) (config, error) {
	cfg, err := loadConfig(g.config, getenv)
	if err != nil {
		// A mistake in the configuration is a usage error, as the same
		// mistake in a flag is (exit 2).
		return cfg, usageError{err}
	}
	if g.db != "" {
		cfg.DB, cfg.dbDefault = g.db, false
	}
	return cfg, nil
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Picket's version",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			fmt.Fprintln(e.stdout, versionString())
		},
	}
}

// version is set at link time (-ldflags "-X picket/internal/cli.version=v1.2.3"); otherwise
// the build's VCS stamp is used.
var version = ""

func versionString() string {
	v, rev, dirty, goVersion := version, "", false, ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	out := "picket " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		out += " (" + rev
		if dirty {
			out += ", modified"
		}
		out += ")"
	}
	if goVersion != "" {
		out += " " + goVersion
	}
	return out
}

func detectorOptions(cfg config) (detectors.Options, error) {
	if err := cfg.checkValues(); err != nil {
		return detectors.Options{}, usageError{fmt.Errorf("config %s: %w", cfg.file, err)}
	}
	as, err := cfg.AppSensor.appSensorOptions()
	if err != nil {
		// A list the config file names that cannot be read: a mistake in
		// the file, as a wrong value is (exit 2).
		return detectors.Options{}, usageError{fmt.Errorf("config %s: %w", cfg.file, err)}
	}
	opts := detectors.Options{AppSensor: as, Spike: spike.Options{Threshold: cfg.Spike.Threshold}}
	if cfg.demoData {
		opts = detectors.DemoOptions(opts)
	}
	return opts, nil
}

// selectDetectors returns the detectors to run: all runnable ones, or those
// named in only. Unknown or not-yet-available ids are usage errors. Rules
// are Elastic rules besides the built-in ones (imported, or --rules).
func selectDetectors(cfg config, only []string, extra ...*rules.Rule) ([]triage.Detector, error) {
	opts, err := detectorOptions(cfg)
	if err != nil {
		return nil, err
	}
	opts.Rules = extra
	all := detectors.Runnable(opts)
	if len(only) == 0 {
		return all, nil
	}
	var ids []string
	for _, d := range all {
		ids = append(ids, d.Info().ID)
	}
	var out []triage.Detector
	for _, id := range only {
		i := slices.Index(ids, id)
		if i >= 0 {
			out = append(out, all[i])
			continue
		}
		for _, p := range detectors.Catalogue(opts) {
			if p.ID == id {
				return nil, usagef("detector %s (%s) does not run: %s: %s", id, p.Title, p.Readiness, p.Why)
			}
		}
		return nil, usagef("unknown detector %q (known: %s; see picket rules)", id, strings.Join(ids, ", "))
	}
	return out, nil
}

// stdinIsTerminal reports whether r is an interactive terminal, where
// reading events makes no sense.
func stdinIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

var errNoInput = errors.New("no input: give FILE..., - for standard input, or --demo")
