package rules

import (
	_ "embed"

	"picket/triage"
)

// Seed rule ids (detection-rules rule_id; detector ids add "elastic:").
const (
	PostRequestDeclinedRuleID = "a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e"
	FirewallDenySpikeRuleID   = "eaa77d63-9679-4ce3-be25-3ba8b795e5fa"
)

// The investigation guides of the seed rules (their note field), as
// Markdown, for the playbooks package.
var (
	//go:embed notes/post-request-declined.md
	postRequestDeclinedNote string
	//go:embed notes/spike-in-firewall-denies.md
	firewallDenySpikeNote string
)

// Builtin returns fresh copies of the rules Picket ships: the two seed
// rules at the versions the seeds give (query rule v103, ML rule v105).
//
// The query rule keeps its v103 query, http.request.method:post, which
// never matches the upper-case methods modern APM stores; re-running it
// faithfully finds nothing on such data, and the linter says why.
// The seed gives no look-back ("Searches indices from: None"), so
// Elastic's default, now-6m, applies.
//
// The ML rule's job, high_count_network_denies, has no query here: the
// job's datafeed decides what is counted, and detectors/spike models it.
func Builtin() []*Rule {
	return []*Rule{
		{
			RuleID:            PostRequestDeclinedRuleID,
			Name:              "Web Application Suspicious Activity: POST Request Declined",
			Version:           103,
			Description:       "A POST request to a web application returned a 403 response, which indicates the web application declined to process the request because the action requested was not allowed.",
			Severity:          triage.Medium,
			RiskScore:         47,
			Type:              TypeQuery,
			Language:          LanguageKuery,
			Query:             "http.response.status_code:403 and http.request.method:post",
			Index:             []string{"apm-*-transaction*", "traces-apm*"},
			Interval:          "5m",
			MaxSignals:        100,
			TimestampOverride: "event.ingested",
			Note:              postRequestDeclinedNote,
			Tags:              []string{"Data Source: APM", "Resources: Investigation Guide"},
			Enabled:           true,
			Source:            "built-in",
		},
		{
			RuleID:           FirewallDenySpikeRuleID,
			Name:             "Spike in Firewall Denies",
			Version:          105,
			Description:      "A machine learning job detected an unusually large spike in network traffic that was denied by network access control lists (ACLs) or firewall rules. Such a burst of denied traffic is usually caused by either 1) a mis-configured application or firewall or 2) suspicious or malicious activity. Unsuccessful attempts at network transit, in order to connect to command-and-control (C2), or engage in data exfiltration, may produce a burst of failed connections. This could also be due to unusually large amounts of reconnaissance or enumeration traffic. Denial-of-service attacks or traffic floods may also produce such a surge in traffic.",
			Severity:         triage.Low,
			RiskScore:        21,
			Type:             TypeMachineLearning,
			MLJobIDs:         []string{"high_count_network_denies"},
			AnomalyThreshold: 75,
			Interval:         "15m",
			From:             "now-30m",
			MaxSignals:       100,
			Note:             firewallDenySpikeNote,
			Tags:             []string{"Use Case: Threat Detection", "Rule Type: ML", "Rule Type: Machine Learning", "Resources: Investigation Guide"},
			Enabled:          true,
			Source:           "built-in",
		},
	}
}
