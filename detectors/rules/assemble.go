package rules

import (
	"fmt"

	"picket/triage"
)

// Detectors builds the detectors of the rules that Picket's query engine
// runs (enabled query rules in KQL) and describes every other rule with
// the reason it does not run here: another language or type, disabled in
// its source, or a query that does not parse. Machine learning rules whose
// job has a local model (see LocalRunner) are in neither list: their
// runner is a detector of its own, which describes itself.
func Detectors(rs []*Rule, opts Options) (dets []triage.Detector, pending []triage.DetectorInfo) {
	for _, r := range rs {
		info := r.Info()
		ready, _ := r.Readiness()
		switch {
		case r.Type == TypeMachineLearning && ready == triage.RunsLocally:
			continue
		case ready != triage.RunsLocally:
			pending = append(pending, info)
			continue
		case !r.Enabled:
			info.Readiness = triage.NeedsConfig
			info.Why = "disabled in its source (" + r.Source + "); enable it there to run it"
			pending = append(pending, info)
			continue
		}
		d, err := New(r, opts)
		if err != nil {
			info.Readiness = triage.NotAvailable
			info.Why = fmt.Sprintf("its query does not parse: %v", err)
			pending = append(pending, info)
			continue
		}
		dets = append(dets, d)
	}
	return dets, pending
}
