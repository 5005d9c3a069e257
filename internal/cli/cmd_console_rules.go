package cli

import (
	"picket/detectors/rules"
	"picket/triage"
	"picket/ui"
)

// consoleRules describes every detector and Elastic rule for the
// console's rules view (R): the rows of picket rules, built-in and
// imported alike, each marked with whether this run includes it (--only
// may leave some out). It returns nil when the configuration is bad, which
// runConsole has reported already.
func consoleRules(cfg config, extra []*rules.Rule) []ui.RuleInfo {
	opts, err := detectorOptions(cfg)
	if err != nil {
		return nil
	}
	opts.Rules = extra
	dets, err := selectDetectors(cfg, cfg.Detect.Only, extra...)
	if err != nil {
		return nil
	}
	inRun := make(map[string]bool, len(dets))
	for _, d := range dets {
		inRun[d.Info().ID] = true
	}
	rows := ruleRows(opts)
	out := make([]ui.RuleInfo, len(rows))
	for i, r := range rows {
		src := r.Source
		if src == "built-in" {
			src = ""
		}
		out[i] = ui.RuleInfo{
			Info: triage.DetectorInfo{
				ID: r.ID, Title: r.Title, Severity: r.Severity, RiskScore: r.RiskScore, Summary: r.Summary,
				Readiness: triage.Readiness(r.Readiness), Why: r.Why,
			},
			Type:   r.Type,
			Source: src,
			InRun:  inRun[r.ID],
		}
	}
	return out
}
