package cli

// The alerts commands: list Elastic Security alerts, and set their
// workflow status as Kibana does.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"picket/triage"
	"picket/triage/elastic"
)

// newAlertsCmd is `picket alerts` and `picket alerts set-status`.
func newAlertsCmd(e *env, g *globalFlags) *cobra.Command {
	var (
		f              esFlags
		format         string
		statuses       []string
		buildingBlocks bool
	)
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "List Elastic Security alerts (the .alerts-security.alerts-<space> index)",
		Long: `alerts lists the security alerts Kibana's detection engine wrote to the
alerts index of a space, oldest first: one JSON object per line, or a table
with --format table. Building-block alerts are hidden unless
--building-blocks is given.`,
		Example: `  picket alerts --status open --since 7d --format table
  picket alerts set-status --id 5b1c...,9f0e... --status acknowledged`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load(e.getenv)
			if err != nil {
				return err
			}
			if format != "ndjson" && format != "table" {
				return usagef("unknown format %q (want ndjson or table)", format)
			}
			q := elastic.AlertQuery{BuildingBlocks: buildingBlocks}
			for _, st := range statuses {
				ws, err := triage.ParseWorkflowStatus(st)
				if err != nil {
					return usageError{err}
				}
				q.Statuses = append(q.Statuses, ws)
			}
			s, err := f.resolve(cmd, cfg, time.Now())
			if err != nil {
				return err
			}
			q.Space, q.From, q.To = s.space, s.from, s.to
			c, err := s.client(e.stderr)
			if err != nil {
				return err
			}
			return listAlerts(cmd.Context(), e, c, q, s.pageSize, format)
		},
	}
	f.register(cmd, false, false, true)
	f.registerPageSize(cmd)
	cmd.Flags().StringVar(&format, "format", "ndjson", "output format: ndjson or table")
	cmd.Flags().StringSliceVar(&statuses, "status", nil, "only alerts in these workflow statuses: open, acknowledged, closed (default all)")
	cmd.Flags().BoolVar(&buildingBlocks, "building-blocks", false, "include building-block alerts")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	cmd.AddCommand(newAlertsSetStatusCmd(e, g))
	return cmd
}

// alertJSON is the NDJSON form of an alert: the keys are a contract.
type alertJSON struct {
	UUID         string   `json:"uuid"`
	Timestamp    string   `json:"timestamp"`
	RuleID       string   `json:"rule_id"`
	RuleUUID     string   `json:"rule_uuid"`
	RuleName     string   `json:"rule_name"`
	RuleType     string   `json:"rule_type"`
	Detector     string   `json:"detector"`
	Severity     string   `json:"severity"`
	RiskScore    int      `json:"risk_score"`
	Reason       string   `json:"reason"`
	OriginalTime string   `json:"original_time"`
	Status       string   `json:"workflow_status"`
	Tags         []string `json:"tags"`
	Ancestors    []string `json:"ancestors"`
	SourceIP     string   `json:"source_ip"`
	UserAgent    string   `json:"user_agent"`
	UserName     string   `json:"user_name"`
	Index        string   `json:"index"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func toAlertJSON(a *triage.Alert) alertJSON {
	j := alertJSON{
		UUID: a.UUID, Timestamp: rfc3339(a.Timestamp), RuleID: a.RuleID, RuleUUID: a.RuleUUID, RuleName: a.RuleName,
		RuleType: a.RuleType, Detector: a.Detector(), Severity: a.Severity.String(), RiskScore: a.RiskScore, Reason: a.Reason,
		OriginalTime: rfc3339(a.OriginalTime), Status: string(a.Status), Tags: a.Tags, Ancestors: a.Ancestors,
		UserAgent: a.UserAgent, UserName: a.UserName,
	}
	if a.SourceIP.IsValid() {
		j.SourceIP = a.SourceIP.String()
	}
	if a.Event != nil {
		j.Index = a.Event.Index
	}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	if j.Ancestors == nil {
		j.Ancestors = []string{}
	}
	return j
}

// listAlerts writes the alerts q selects to stdout, and their count to
// stderr. When the pull fails, the count is printed only if some alerts
// were written, saying they came before the error: "0 alert(s)" would
// read as an empty index.
func listAlerts(ctx context.Context, e *env, c *elastic.Client, q elastic.AlertQuery, pageSize int, format string) error {
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	defer out.Flush()
	enc := json.NewEncoder(terminalSafeJSON{out})
	enc.SetEscapeHTML(false)
	var tw *tabwriter.Writer
	headed := false
	// The table's header comes with its first row (or an answer with
	// none): a pull that fails before any alert prints no table at all.
	header := func() {
		if tw != nil && !headed {
			headed = true
			fmt.Fprintln(tw, "TIME (UTC)\tSTATUS\tSEVERITY\tRISK\tRULE\tSOURCE IP\tUSER AGENT\tUUID")
		}
	}
	if format == "table" {
		tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	}
	n := 0
	var werr error
	err := c.Alerts(ctx, q, elastic.SourceOptions{PageSize: pageSize, Warn: func(m string) {
		fmt.Fprintln(e.stderr, esWarning(m))
	}}, func(a *triage.Alert) error {
		n++
		if tw != nil {
			header()
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", timeCell(a.Timestamp), a.Status, a.Severity, a.RiskScore,
				cell(a.RuleName, 50), ipCell(a.SourceIP), cell(a.UserAgent, 40), cell(a.UUID, 64))
			return nil
		}
		werr = enc.Encode(toAlertJSON(a))
		return werr
	})
	if tw != nil {
		if err == nil {
			header()
		}
		werr = tw.Flush()
	}
	if werr == nil {
		werr = out.Flush()
	}
	switch {
	case err == nil:
		fmt.Fprintf(e.stderr, "picket: %d alert(s) from %s\n", n, elastic.AlertsIndex(q.Space))
	case n > 0:
		fmt.Fprintf(e.stderr, "picket: %d alert(s) from %s before the error\n", n, elastic.AlertsIndex(q.Space))
	}
	if err != nil {
		return err
	}
	if werr != nil {
		return fmt.Errorf("writing output: %w", werr)
	}
	return nil
}

func newAlertsSetStatusCmd(e *env, g *globalFlags) *cobra.Command {
	var (
		f               esFlags
		ids             []string
		status, user    string
		addTags, rmTags []string
	)
	cmd := &cobra.Command{
		Use:   "set-status --id UUID[,UUID...] --status open|acknowledged|closed",
		Short: "Set the workflow status (and tags) of alerts, as Kibana does",
		Long: `set-status changes alerts in the space's alerts index the way Kibana does:
an _update_by_query by kibana.alert.uuid (refreshing the index, proceeding
over version conflicts) that sets kibana.alert.workflow_status,
workflow_status_updated_at and workflow_user, and adds or removes
kibana.alert.workflow_tags. It needs the write privilege on the alerts
index. Source event indices are never written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load(e.getenv)
			if err != nil {
				return err
			}
			u := elastic.StatusUpdate{UUIDs: splitIDs(ids), AddTags: addTags, RemoveTags: rmTags}
			if len(ids) == 0 {
				return usagef("give the alerts with --id UUID[,UUID...]")
			}
			if status != "" {
				if u.Status, err = triage.ParseWorkflowStatus(status); err != nil {
					return usageError{err}
				}
			} else if len(addTags) == 0 && len(rmTags) == 0 {
				return usagef("give --status open|acknowledged|closed, or tags to add or remove")
			}
			s, err := f.resolve(cmd, cfg, time.Now())
			if err != nil {
				return err
			}
			c, err := s.client(e.stderr)
			if err != nil {
				return err
			}
			u.Space, u.User = s.space, s.user
			if cmd.Flags().Changed("user") {
				u.User = user
			}
			if u.User == "" {
				// Record who did it, as Kibana does; best effort.
				u.User, _ = c.Ping(cmd.Context())
			}
			res, err := c.UpdateAlerts(cmd.Context(), u)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "picket: %d alert(s) matched, %d updated, %d already so", res.Matched, res.Updated, res.Unchanged)
			if res.Conflicts > 0 {
				fmt.Fprintf(e.stdout, ", %d changed meanwhile by someone else (skipped)", res.Conflicts)
			}
			fmt.Fprintln(e.stdout)
			if missing := len(splitIDs(ids)) - res.Matched; missing > 0 {
				// A script must not take a mistyped id for done: the
				// others are changed all the same, and the exit says so.
				return unmatchedIDs{missing, elastic.AlertsIndex(u.Space)}
			}
			return nil
		},
	}
	f.register(cmd, false, false, false)
	fl := cmd.Flags()
	fl.StringSliceVar(&ids, "id", nil, "kibana.alert.uuid of the alerts, comma-separated")
	fl.StringVar(&status, "status", "", "new workflow status: open, acknowledged or closed")
	fl.StringSliceVar(&addTags, "add-tag", nil, "tags to add (kibana.alert.workflow_tags)")
	fl.StringSliceVar(&rmTags, "remove-tag", nil, "tags to remove")
	fl.StringVar(&user, "user", "", "recorded as kibana.alert.workflow_user (default: the authenticated user)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return cmd
}

// unmatchedIDs is set-status's error when some ids matched no alert
// (exit status 1, after the count line).
type unmatchedIDs struct {
	n     int
	index string
}

func (u unmatchedIDs) Error() string {
	return fmt.Sprintf("%d id(s) matched no alert in %s", u.n, u.index)
}

// splitIDs is the distinct ids given (an id given twice matches one
// alert, and must not be counted as unmatched).
func splitIDs(ids []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
