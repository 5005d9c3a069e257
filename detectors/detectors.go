// Package detectors assembles every detector Picket ships, so the command
// line, the console and tests agree on one list of ids.
package detectors

import (
	"picket/detectors/appsensor"
	"picket/detectors/spike"
	"picket/triage"
)

// Options configure the detectors.
type Options struct {
	AppSensor appsensor.Options
	Spike     spike.Options
}

// Runnable returns fresh instances of every detector that runs locally.
// Detectors keep per-run state: build a new set for each run.
func Runnable(opts Options) []triage.Detector {
	out := appsensor.Detectors(opts.AppSensor)
	out = append(out, spike.New(opts.Spike))
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
	FirewallDenySpikeID   = spike.ID
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
	}
}
