package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"picket/triage"
)

// Type is an Elastic detection rule type, as Kibana and detection-rules
// spell it.
type Type string

// Rule types Elastic ships. Only query rules in KQL run locally; the
// others are listed with the reason.
const (
	TypeQuery           Type = "query"
	TypeSavedQuery      Type = "saved_query"
	TypeMachineLearning Type = "machine_learning"
	TypeEQL             Type = "eql"
	TypeESQL            Type = "esql"
	TypeThreshold       Type = "threshold"
	TypeNewTerms        Type = "new_terms"
	TypeThreatMatch     Type = "threat_match"
)

// Query languages.
const (
	LanguageKuery  = "kuery"
	LanguageLucene = "lucene"
	LanguageEQL    = "eql"
	LanguageESQL   = "esql"
)

// Defaults Elastic applies when a rule leaves the setting out.
const (
	DefaultInterval   = 5 * time.Minute
	DefaultFrom       = "now-6m"
	DefaultMaxSignals = 100
)

// Rule is an Elastic detection rule: what detection-rules TOML files and
// Kibana's rule export describe, reduced to what Picket uses. Fields keep
// the values the source gave; the methods apply Elastic's defaults.
type Rule struct {
	RuleID      string
	Name        string
	Version     int // 0 when the source does not say
	Description string
	Severity    triage.Severity
	RiskScore   int
	Type        Type
	Language    string // kuery, lucene, eql, esql; empty for machine_learning
	Query       string
	Index       []string // index patterns; empty means the rule's data view or job decides

	// MLJobIDs and AnomalyThreshold describe machine_learning rules.
	MLJobIDs         []string
	AnomalyThreshold int

	// Interval is how often Elastic runs the rule ("5m"); From is the
	// start of the window each run searches ("now-6m"). Empty: default.
	Interval string
	From     string
	// MaxSignals caps the alerts one run raises; 0 means the default, 100.
	MaxSignals int
	// TimestampOverride names the field a run's window applies to instead
	// of @timestamp (the seed query rule uses event.ingested). Events
	// without it are searched by @timestamp, as Elastic does, unless
	// TimestampOverrideFallbackDisabled.
	TimestampOverride                 string
	TimestampOverrideFallbackDisabled bool

	// ExceptionsList names the exception lists attached to the rule (its
	// exceptions_list); their exceptions apply to this rule only.
	ExceptionsList []triage.ExceptionListRef

	// Note is the investigation guide, Markdown, for the playbooks package.
	Note    string
	Tags    []string
	Tactics []string // MITRE ATT&CK tactic names from the rule's threat mapping
	Enabled bool

	// Updated is when the rule last changed, as its source says
	// (detection-rules updated_date, Kibana's updated_at); zero when it
	// does not. With Version it decides which of two copies runs.
	Updated time.Time

	// Source says where the rule came from: "built-in", "FILE" or
	// "FILE:LINE".
	Source string
	// file is the file the rule was read from; empty for built-in rules.
	file string
}

// DetectorID is the id findings of this rule carry: elastic:<rule_id>.
func (r *Rule) DetectorID() string { return "elastic:" + r.RuleID }

// IntervalDuration returns how often Elastic runs the rule.
func (r *Rule) IntervalDuration() time.Duration {
	if d, err := ParseDuration(r.Interval); err == nil && d > 0 {
		return d
	}
	return DefaultInterval
}

// EffectiveFrom returns the look-back start of a run, Elastic's default
// when the rule does not set one.
func (r *Rule) EffectiveFrom() string {
	if r.From == "" {
		return DefaultFrom
	}
	return r.From
}

// LookBack returns how far back each run searches ("now-6m": 6 minutes).
func (r *Rule) LookBack() time.Duration {
	from := strings.TrimSpace(r.EffectiveFrom())
	if rest, ok := strings.CutPrefix(from, "now-"); ok {
		if d, err := ParseDuration(rest); err == nil {
			return d
		}
	}
	return r.IntervalDuration()
}

// EffectiveMaxSignals returns the per-run alert cap.
func (r *Rule) EffectiveMaxSignals() int {
	if r.MaxSignals <= 0 {
		return DefaultMaxSignals
	}
	return r.MaxSignals
}

// EffectiveLanguage returns the rule's query language with Elastic's default for
// its type: query rules without a language are KQL.
func (r *Rule) EffectiveLanguage() string {
	if r.Language != "" {
		return strings.ToLower(r.Language)
	}
	switch r.Type {
	case TypeQuery, TypeSavedQuery, TypeThreshold, TypeNewTerms, TypeThreatMatch:
		return LanguageKuery
	case TypeEQL:
		return LanguageEQL
	case TypeESQL:
		return LanguageESQL
	}
	return ""
}

// LocalRunner names what runs a machine learning job locally, by job id.
// Only the seed job has a local model.
var LocalRunner = map[string]string{
	"high_count_network_denies": "the spike model (detectors/spike)",
}

// Readiness says whether Picket re-runs the rule itself and, if not, why.
func (r *Rule) Readiness() (triage.Readiness, string) {
	lang := r.EffectiveLanguage()
	switch r.Type {
	case TypeQuery, TypeSavedQuery:
		switch lang {
		case LanguageKuery:
			if strings.TrimSpace(r.Query) == "" && r.Type == TypeSavedQuery {
				return triage.NotAvailable, "saved query rule without its query text: the saved query lives in Kibana"
			}
			return triage.RunsLocally, "KQL query evaluated by Picket's KQL engine"
		case LanguageLucene:
			return triage.NotAvailable, "query rules in Lucene syntax are not run locally yet; only KQL (kuery) is"
		default:
			return triage.NotAvailable, fmt.Sprintf("query language %q is not run locally", lang)
		}
	case TypeMachineLearning:
		for _, j := range r.MLJobIDs {
			if runner, ok := LocalRunner[j]; ok {
				return triage.RunsLocally, "machine learning job " + j + " approximated by " + runner
			}
		}
		return triage.NotAvailable, fmt.Sprintf("machine learning job %s has no local model yet; its anomalies exist only in Elasticsearch", strings.Join(r.MLJobIDs, ", "))
	case TypeEQL:
		return triage.NotAvailable, "EQL (event correlation and sequences) is not run locally yet"
	case TypeESQL:
		return triage.NotAvailable, "ES|QL (piped queries with aggregations) is not run locally yet"
	case TypeThreshold:
		return triage.NotAvailable, "threshold rules (counts per field value over the run's window) are not run locally yet"
	case TypeNewTerms:
		return triage.NotAvailable, "new_terms rules (values unseen in a history window) are not run locally yet"
	case TypeThreatMatch:
		return triage.NotAvailable, "indicator match rules need the threat intelligence indices, which are not run locally yet"
	}
	return triage.NotAvailable, fmt.Sprintf("rule type %q is not known to Picket", r.Type)
}

// Info describes the rule as a detector.
func (r *Rule) Info() triage.DetectorInfo {
	ready, why := r.Readiness()
	return triage.DetectorInfo{
		ID:        r.DetectorID(),
		Title:     r.Name,
		Severity:  r.Severity,
		RiskScore: r.RiskScore,
		Summary:   r.Summary(),
		Readiness: ready,
		Why:       why,
	}
}

// Summary says in one line what the rule is: its type and query or job.
func (r *Rule) Summary() string {
	var b strings.Builder
	b.WriteString("Elastic ")
	b.WriteString(string(r.Type))
	b.WriteString(" rule")
	switch {
	case r.Type == TypeMachineLearning:
		fmt.Fprintf(&b, ": job %s, anomaly score >= %d", strings.Join(r.MLJobIDs, ", "), r.AnomalyThreshold)
	case r.Query != "":
		b.WriteString(" (")
		b.WriteString(r.EffectiveLanguage())
		b.WriteString("): ")
		b.WriteString(OneLine(r.Query))
	}
	if len(r.Index) > 0 {
		b.WriteString(" over ")
		b.WriteString(strings.Join(r.Index, ", "))
	}
	fmt.Fprintf(&b, "; every %s from %s, at most %d alerts per run", FormatDuration(r.IntervalDuration()), r.EffectiveFrom(), r.EffectiveMaxSignals())
	return b.String()
}

// OneLine collapses a (multi-line) query to one line.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// check reports what makes a rule unusable: no id, no name, an unknown
// severity or a risk score out of range.
func (r *Rule) check() error {
	switch {
	case r.RuleID == "":
		return fmt.Errorf("rule %q has no rule_id", r.Name)
	case r.Name == "":
		return fmt.Errorf("rule %s has no name", r.RuleID)
	case r.Type == "":
		return fmt.Errorf("rule %s has no type", r.RuleID)
	case r.RiskScore < 0 || r.RiskScore > 100:
		return fmt.Errorf("rule %s: risk_score %d is outside 0-100", r.RuleID, r.RiskScore)
	}
	if r.Interval != "" {
		if _, err := ParseDuration(r.Interval); err != nil {
			return fmt.Errorf("rule %s: interval: %w", r.RuleID, err)
		}
	}
	return nil
}

// ParseDuration reads an Elastic schedule duration: a whole number and one
// of s, m, h, d ("5m", "1h", "2d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return 0, fmt.Errorf("bad duration %q (want e.g. 5m)", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad duration %q (want e.g. 5m)", s)
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("bad duration %q (unit must be s, m, h or d)", s)
	}
	return time.Duration(n) * unit, nil
}

// FormatDuration writes d the way people say it: "5 minutes", "1 hour",
// "90 seconds".
func FormatDuration(d time.Duration) string {
	unit, name := time.Second, "second"
	switch {
	case d%(24*time.Hour) == 0:
		unit, name = 24*time.Hour, "day"
	case d%time.Hour == 0:
		unit, name = time.Hour, "hour"
	case d%time.Minute == 0:
		unit, name = time.Minute, "minute"
	}
	n := int64(d / unit)
	if n == 1 {
		return "1 " + name
	}
	return strconv.FormatInt(n, 10) + " " + name + "s"
}

// runLength writes d as an adjective: "5-minute", "1-hour".
func runLength(d time.Duration) string {
	s := FormatDuration(d)
	s = strings.TrimSuffix(s, "s")
	return strings.Replace(s, " ", "-", 1)
}
