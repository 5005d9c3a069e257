package triage

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// WorkflowStatus is where an analyst is with an alert, as Kibana's alert
// table shows it (kibana.alert.workflow_status).
type WorkflowStatus string

// The workflow statuses Elastic Security knows.
const (
	StatusOpen         WorkflowStatus = "open"
	StatusAcknowledged WorkflowStatus = "acknowledged"
	StatusClosed       WorkflowStatus = "closed"
)

// ParseWorkflowStatus accepts open, acknowledged or closed in any case.
func ParseWorkflowStatus(s string) (WorkflowStatus, error) {
	switch st := WorkflowStatus(strings.ToLower(strings.TrimSpace(s))); st {
	case StatusOpen, StatusAcknowledged, StatusClosed:
		return st, nil
	}
	return "", fmt.Errorf("unknown workflow status %q (want open, acknowledged or closed)", s)
}

// Alert is an alert Elastic Security raised: one document of a
// .alerts-security.alerts-<space> index. Its kibana.alert.* fields are
// read into typed fields; the copied source-event fields stay reachable
// through Event.
type Alert struct {
	UUID      string    // kibana.alert.uuid: how write-back finds the alert
	Timestamp time.Time // @timestamp: when the rule wrote the alert

	RuleID   string // kibana.alert.rule.rule_id: the rule's stable id (detection-rules)
	RuleUUID string // kibana.alert.rule.uuid: the rule's saved-object id in Kibana
	RuleName string // kibana.alert.rule.name
	RuleType string // kibana.alert.rule.type: query, machine_learning, threshold, ...

	Severity     Severity // kibana.alert.severity
	RiskScore    int      // kibana.alert.risk_score
	Reason       string   // kibana.alert.reason
	OriginalTime time.Time

	Status          WorkflowStatus // kibana.alert.workflow_status (open when unset)
	StatusUpdatedAt time.Time      // kibana.alert.workflow_status_updated_at
	Tags            []string       // kibana.alert.workflow_tags
	BuildingBlock   bool           // kibana.alert.building_block_type is set

	// Ancestors are the ids of the source documents the alert was raised
	// on (kibana.alert.ancestors.id), the evidence a local re-run should
	// reproduce.
	Ancestors []string

	// Actor fields copied from the source event.
	SourceIP  netip.Addr // source.ip, else client.ip
	UserAgent string     // user_agent.original
	UserName  string     // user.name

	// Event is the alert document itself (its Index is the concrete
	// backing index).
	Event *Event
}

// Detector returns the id a local re-run of the alert's rule reports its
// findings under, "elastic:<rule_id>", so pulled alerts and local findings
// can be matched.
func (a *Alert) Detector() string { return "elastic:" + a.RuleID }

// AlertFromEvent reads an alert document decoded as an Event. Alert
// documents keep kibana.* fields as dotted keys; nested objects are read
// too. It fails only when the document is not an alert (no
// kibana.alert.uuid).
func AlertFromEvent(ev *Event) (*Alert, error) {
	p := getParsers.Get()
	defer getParsers.Put(p)
	v, err := p.ParseBytes(ev.Raw)
	if err != nil {
		return nil, fmt.Errorf("alert %s: %w", ev.ID, err)
	}
	str := func(path string) string {
		if vs := resolve(v, path, nil, 0); len(vs) > 0 {
			return vs[0].String()
		}
		return ""
	}
	a := &Alert{
		UUID:      str("kibana.alert.uuid"),
		Timestamp: ev.Timestamp,
		RuleID:    str("kibana.alert.rule.rule_id"),
		RuleUUID:  str("kibana.alert.rule.uuid"),
		RuleName:  str("kibana.alert.rule.name"),
		RuleType:  str("kibana.alert.rule.type"),
		Reason:    str("kibana.alert.reason"),
		Status:    WorkflowStatus(str("kibana.alert.workflow_status")),
		SourceIP:  ev.SourceIP,
		UserAgent: ev.UserAgent,
		UserName:  ev.UserName,
		Event:     ev,
	}
	if a.UUID == "" {
		return nil, fmt.Errorf("document %s is not an alert: it has no kibana.alert.uuid", ev.ID)
	}
	if a.Status == "" {
		a.Status = StatusOpen
	}
	a.Severity, _ = ParseSeverity(str("kibana.alert.severity"))
	if vs := resolve(v, "kibana.alert.risk_score", nil, 0); len(vs) > 0 {
		if f, ok := vs[0].Number(); ok {
			a.RiskScore = int(f + 0.5)
		}
	}
	a.OriginalTime = ParseTimestamp(str("kibana.alert.original_time"))
	a.StatusUpdatedAt = ParseTimestamp(str("kibana.alert.workflow_status_updated_at"))
	a.BuildingBlock = str("kibana.alert.building_block_type") != ""
	for _, t := range resolve(v, "kibana.alert.workflow_tags", nil, 0) {
		a.Tags = append(a.Tags, t.String())
	}
	for _, id := range resolve(v, "kibana.alert.ancestors.id", nil, 0) {
		a.Ancestors = append(a.Ancestors, id.String())
	}
	return a, nil
}
