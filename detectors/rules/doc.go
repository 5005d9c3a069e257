// Package rules holds Elastic detection rules: the two seed rules Picket
// ships, importers for detection-rules TOML files and Kibana's rule export
// NDJSON, and the detector that re-runs a KQL query rule over events with
// its linter.
//
// # Which rules run here
//
// Query rules in KQL (language kuery) run locally through kql.
// The seed machine learning rule (Spike in Firewall Denies) is run by
// detectors/spike, a separate detector under the same id. Every other
// rule — Lucene, EQL, ES|QL, threshold, new_terms, indicator match, ML jobs
// without a local model — is described with the reason it does not run
// (Rule.Readiness), never dropped.
//
// # What a run looks like
//
// Elastic raises one alert per matching document, so a Detector raises one
// finding per matching event, citing it; grouping by source IP and user
// agent happens later, in the engine. Merging matches into bursts here
// would break the one-to-one link between a Picket finding and the alert
// Elastic would have raised (its status, its exceptions). Volume is told
// instead by a lint: Elastic caps each run at max_signals alerts (100), so
// when more matches fall in one run interval of event time, the lint says
// how many Elastic would have raised, while Picket still reports them all.
//
// A rule with a timestamp_override (the seed query rule's event.ingested)
// dates its findings and its alert-cap runs by that field. An event
// without a date there is dated by @timestamp, Elastic's fallback, unless
// the rule sets timestamp_override_fallback_disabled: Elastic would then
// never search the event, so Picket raises nothing for it and a lint
// counts such events.
//
// A rule runs on an event only when the event's _index, or its data
// stream (data_stream.type-dataset-namespace), matches the rule's index
// patterns; an event that names neither runs through every rule.
//
// # The linter
//
// A rule's answers stay Elastic's: the seed rule's http.request.method:post
// finds nothing in APM data that stores POST. The Linter, fed in the same
// streaming pass, finds that class of problem from the data: for each
// exact comparison on a keyword-like field it counts the case variants of
// the compared value and, re-evaluating the query with only that
// comparison made case-insensitive, the events whose answer would change;
// it also reports fields that never occur, ranges on text fields, leading
// wildcards on keyword fields, index patterns that select none of the
// events, and the alert cap. Its memory is bounded per comparison (at most
// 16 variants and 20 example event ids), not by the stream.
//
// # Speed
//
// A query is parsed once per run. Events are shown to the KQL engine
// through their hot fields where the decoder keeps them exactly as the
// document has them (http.request.method, http.response.status_code,
// user_agent.original, ...), so the seed rule reads no JSON for an APM
// event; any other field is looked up in the raw document, after a byte
// search shows it can be there.
package rules
