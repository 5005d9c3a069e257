package cli

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"picket/detectors/rules"
	"picket/playbooks"
	"picket/triage"
)

func newPlaybookCmd(e *env, _ *globalFlags) *cobra.Command {
	var ruleFiles []string
	var list bool
	cmd := &cobra.Command{
		Use:   "playbook ID",
		Short: "Print a detector's investigation, false-positive and response checklist",
		Long: `playbook prints the checklist Picket shows beside a detector's findings, as
Markdown: Investigation, False positive analysis, Response and remediation.
Steps the console can answer from the data carry an action (see README).

ID is a detector id from picket rules (appsensor:IE1, elastic:<rule_id>);
AppSensor ids may be given bare (IE1). For an Elastic rule imported with
picket rules import, or given with --rules, the checklist is read from the
rule's investigation guide (its note).`,
		Example: `  picket playbook appsensor:CIE1
  picket playbook elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e
  picket playbook elastic:0123-my-rule --rules ./my-rules/
  picket playbook --list`,
		Args: func(cmd *cobra.Command, args []string) error {
			if list {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				return writePlaybookList(e.stdout)
			}
			p, err := findPlaybook(e, args[0], ruleFiles)
			if err != nil {
				return err
			}
			_, err = io.WriteString(e.stdout, p.Markdown()) // escaped by the CLI's writer
			return err
		},
	}
	cmd.Flags().StringSliceVar(&ruleFiles, "rules", nil, "read the rule's note from these TOML/NDJSON rule files or folders")
	cmd.Flags().BoolVar(&list, "list", false, "list the detectors that have a built-in playbook")
	return cmd
}

// findPlaybook resolves id: rules given with --rules first (their note is
// what the analyst asked for), then the built-in playbooks, then imported
// and built-in Elastic rules' notes.
func findPlaybook(e *env, id string, ruleFiles []string) (playbooks.Playbook, error) {
	candidates := []string{id}
	if !strings.Contains(id, ":") {
		candidates = append(candidates, "appsensor:"+strings.ToUpper(id), "elastic:"+id)
	}
	if len(ruleFiles) > 0 {
		rs, errs := rules.Load(ruleFiles...)
		for _, err := range errs {
			var le *rules.LoadError
			if !errors.As(err, &le) {
				return playbooks.Playbook{}, err
			}
			fmt.Fprintf(e.stderr, "picket: %s\n", triage.Escape(err.Error()))
		}
		if p, ok := playbookFromRules(rs, candidates); ok {
			return p, nil
		}
		return playbooks.Playbook{}, usagef("no rule %s in %s", id, strings.Join(ruleFiles, ", "))
	}
	stored, _ := rules.Store{Dir: rulesDir(e.getenv)}.Load()
	if p, ok := detectorPlaybook(candidates, append(stored, rules.Builtin()...)); ok {
		return p, nil
	}
	return playbooks.Playbook{}, usagef("no playbook for %q (picket playbook --list shows the built-in ones)", id)
}

// detectorPlaybook decides a detector's playbook, for picket playbook and
// the console alike: Picket's own checklist first, then the
// investigation guide (note) of the Elastic rule with that id among rs.
// candidates are the ids the detector may go by.
func detectorPlaybook(candidates []string, rs []*rules.Rule) (playbooks.Playbook, bool) {
	for _, c := range candidates {
		if p, ok := playbooks.For(c); ok {
			return p, true
		}
	}
	return playbookFromRules(rs, candidates)
}

// consolePlaybooks gives the console's checklist panel the playbook
// picket playbook would print for the same detector.
type consolePlaybooks struct{ rules []*rules.Rule }

func (c consolePlaybooks) For(detectorID string) (playbooks.Playbook, bool) {
	return detectorPlaybook([]string{detectorID}, c.rules)
}

func playbookFromRules(rs []*rules.Rule, candidates []string) (playbooks.Playbook, bool) {
	for _, r := range rs {
		for _, c := range candidates {
			if c == r.RuleID || c == "elastic:"+r.RuleID {
				if strings.TrimSpace(r.Note) == "" {
					p := playbooks.FromNote(r.RuleID, r.Name, "")
					p.Guide, p.NoGuide = "_This rule has no investigation guide (note)._", true
					return p, true
				}
				return playbooks.FromNote(r.RuleID, r.Name, r.Note), true
			}
		}
	}
	return playbooks.Playbook{}, false
}

func writePlaybookList(w io.Writer) error {
	ids := playbooks.Detectors()
	sort.Strings(ids)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DETECTOR\tPLAYBOOK\tSTEPS")
	for _, id := range ids {
		p, _ := playbooks.For(id)
		fmt.Fprintf(tw, "%s\t%s\t%d\n", id, p.Title, len(p.Items()))
	}
	return tw.Flush()
}
