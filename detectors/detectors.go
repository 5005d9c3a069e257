// Package detectors assembles every detector Picket ships, so the command
// line, the console and tests agree on one list of ids.
package detectors

import (
	"picket/detectors/appsensor"
	"picket/detectors/rules"
	"picket/detectors/spike"
	"picket/triage"
)

// Options configure the detectors.
type Options struct {
	AppSensor appsensor.Options
	Spike     spike.Options
	// Rules are Elastic rules besides the built-in seed rules (imported
	// with picket rules import, or given with picket detect --rules). A
	// rule with a seed rule's rule_id replaces it.
	Rules []*rules.Rule
	// RuleOptions configure the KQL query rules.
	RuleOptions rules.Options
}

// ElasticRules returns the Elastic rules these options describe: the
// built-in seed rules with opts.Rules laid over them.
func ElasticRules(opts Options) []*rules.Rule {
	return rules.Merge(rules.Builtin(), opts.Rules)
}

// Runnable returns fresh instances of every detector that runs locally.
// Detectors keep per-run state: build a new set for each run.
func Runnable(opts Options) []triage.Detector {
	out := appsensor.Detectors(opts.AppSensor)
	out = append(out, spike.New(opts.Spike))
	ruleDets, _ := rules.Detectors(ElasticRules(opts), opts.RuleOptions)
	out = append(out, ruleDets...)
	return out
}

// Catalogue describes every detector Picket knows: those that run with
// these options first, then the ones that do not, each saying why. No
// detector is listed twice and none is left out.
func Catalogue(opts Options) []triage.DetectorInfo {
	var out []triage.DetectorInfo
	running := map[string]bool{}
	for _, d := range Runnable(opts) {
		info := d.Info()
		running[info.ID] = true
		out = append(out, info)
	}
	_, rulesPending := rules.Detectors(ElasticRules(opts), opts.RuleOptions)
	for _, p := range append(rulesPending, Pending()...) {
		if !running[p.ID] {
			out = append(out, p)
		}
	}
	return out
}

// Seed rules Picket knows by id.
const (
	PostRequestDeclinedID = "elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e"
	FirewallDenySpikeID   = spike.ID
)

// Pending describes detectors Picket knows about but cannot run yet, so
// `picket rules` lists them honestly instead of leaving them out. Elastic
// rules that do not run locally are listed by Catalogue, which knows the
// rules in use.
func Pending() []triage.DetectorInfo {
	return appsensor.Pending()
}
