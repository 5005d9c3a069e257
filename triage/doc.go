// Package triage is Picket's domain: the Event an analyst investigates, the
// Findings detectors raise about events, the Groups findings are gathered
// into, and the Engine that streams events from a Source through Detectors.
//
// It imports nothing else from Picket. Sources (triage/ndjson, triage/demo,
// triage/elastic) and detectors (detectors/...) implement the interfaces
// declared here; main wires them together.
package triage
