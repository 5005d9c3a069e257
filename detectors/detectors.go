// Package detectors assembles every detector Picket ships, so the command
// line, the console and tests agree on one list of ids.
package detectors

import (
	"picket/detectors/appsensor"
	"picket/triage"
)

// Options configure the detectors.
type Options struct {
	AppSensor appsensor.Options
}

// Runnable returns fresh instances of every detector that runs locally.
// Detectors keep per-run state: build a new set for each run.
func Runnable(opts Options) []triage.Detector {
	return appsensor.Detectors(opts.AppSensor)
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
	for _, p := range Pending() {
		if !running[p.ID] {
			out = append(out, p)
		}
	}
	return out
}

// Seed rules Picket knows by id.
const (
	PostRequestDeclinedID = "elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e"
	FirewallDenySpikeID   = "elastic:eaa77d63-9679-4ce3-be25-3ba8b795e5fa"
)

// Pending describes detectors Picket knows about but cannot run yet, so
// `picket rules` lists them honestly instead of leaving them out.
func Pending() []triage.DetectorInfo {
	return append(seedPending(), appsensor.Pending()...)
}

func seedPending() []triage.DetectorInfo {
	return []triage.DetectorInfo{
		{
			ID:        PostRequestDeclinedID,
			Title:     "Web Application Suspicious Activity: POST Request Declined",
			Severity:  triage.Medium,
			RiskScore: 47,
			Summary:   "Elastic query rule: http.response.status_code:403 and http.request.method:post over APM transactions",
			Readiness: triage.NotAvailable,
			Why:       "needs the local KQL engine, which is not built yet",
		},
		{
			ID:        FirewallDenySpikeID,
			Title:     "Spike in Firewall Denies",
			Severity:  triage.Low,
			RiskScore: 21,
			Summary:   "Elastic ML rule: unusually many denied network events in a 15-minute bucket",
			Readiness: triage.NotAvailable,
			Why:       "needs the local statistical model of the high_count_network_denies job, which is not built yet",
		},
	}
}
