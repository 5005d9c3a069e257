package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"picket/triage"
	"picket/triage/elastic/internal/esreq"
)

// DefaultSpace is the Kibana space whose alerts are read unless told.
const DefaultSpace = "default"

// AlertsIndex returns the security alerts index (an alias) of a Kibana
// space: .alerts-security.alerts-<space>.
func AlertsIndex(space string) string {
	if space == "" {
		space = DefaultSpace
	}
	return ".alerts-security.alerts-" + space
}

// AlertQuery selects alerts.
type AlertQuery struct {
	Space    string    // Kibana space; default "default"
	From, To time.Time // bound @timestamp (when the alert was written)
	// Statuses keeps only alerts in these workflow statuses; empty: all.
	Statuses []triage.WorkflowStatus
	// BuildingBlocks includes building-block alerts, which Kibana's alert
	// table hides by default.
	BuildingBlocks bool
}

func (q AlertQuery) query() Query {
	out := Query{Indices: []string{AlertsIndex(q.Space)}, From: q.From, To: q.To}
	if len(q.Statuses) > 0 {
		out.Filter = mustJSON(map[string]any{"terms": map[string]any{"kibana.alert.workflow_status": q.Statuses}})
	}
	if !q.BuildingBlocks {
		out.Not = []json.RawMessage{mustJSON(map[string]any{"exists": map[string]any{"field": "kibana.alert.building_block_type"}})}
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Alerts streams the alerts q selects, oldest first, to fn. Documents
// that are not alerts are reported through o.Warn and skipped.
func (c *Client) Alerts(ctx context.Context, q AlertQuery, o SourceOptions, fn func(*triage.Alert) error) error {
	src := c.NewSource(q.query(), o)
	return src.Events(ctx, func(ev *triage.Event) error {
		a, err := triage.AlertFromEvent(ev)
		if err != nil {
			if o.Warn != nil {
				o.Warn(err.Error())
			}
			return nil
		}
		return fn(a)
	})
}

// StatusUpdate is a change to alerts, made as Kibana makes it.
type StatusUpdate struct {
	Space string   // Kibana space; default "default"
	UUIDs []string // kibana.alert.uuid of each alert to change
	// Status is the new workflow status; "" leaves it as is.
	Status triage.WorkflowStatus
	// AddTags and RemoveTags change kibana.alert.workflow_tags.
	AddTags, RemoveTags []string
	// User is recorded as kibana.alert.workflow_user.
	User string
	// Now is the time recorded as workflow_status_updated_at (default now).
	Now time.Time
}

// UpdateResult says what an update did.
type UpdateResult struct {
	Matched   int // alerts found by uuid
	Updated   int // alerts changed
	Unchanged int // alerts already in that state
	Conflicts int // alerts changed concurrently by someone else and skipped
}

// MaxUpdateIDs bounds one update's ids (a terms query's default limit is
// 65,536).
const MaxUpdateIDs = 10000

// updateScript sets status and tags. It runs on each matched alert;
// params carry the values, never string concatenation. An alert already
// in the wanted state is left alone (a noop, no new version).
const updateScript = `
boolean changed = false;
if (params.status != null && ctx._source['kibana.alert.workflow_status'] != params.status) {
  ctx._source['kibana.alert.workflow_status'] = params.status;
  ctx._source['kibana.alert.workflow_status_updated_at'] = params.now;
  ctx._source['kibana.alert.workflow_user'] = params.user;
  if (ctx._source.signal != null && ctx._source.signal.status != null) {
    ctx._source.signal.status = params.status;
  }
  changed = true;
}
if (params.add.size() > 0 || params.remove.size() > 0) {
  def old = ctx._source['kibana.alert.workflow_tags'];
  List tags = new ArrayList();
  if (old instanceof List) {
    for (def t : old) { if (params.remove.contains(t)) { changed = true; } else { tags.add(t); } }
  } else if (old != null) {
    if (params.remove.contains(old)) { changed = true; } else { tags.add(old); }
  }
  for (def t : params.add) { if (!tags.contains(t)) { tags.add(t); changed = true; } }
  ctx._source['kibana.alert.workflow_tags'] = tags;
}
if (!changed) { ctx.op = 'noop'; }
`

// UpdateAlerts sets workflow status and tags on alerts by uuid with
// _update_by_query on the space's alerts index, refreshing it and
// proceeding over version conflicts. It writes nothing else: source
// indices are never touched.
func (c *Client) UpdateAlerts(ctx context.Context, u StatusUpdate) (UpdateResult, error) {
	var res UpdateResult
	ids := make([]string, 0, len(u.UUIDs))
	for _, id := range u.UUIDs {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return res, fmt.Errorf("elasticsearch: update alerts: no alert ids given")
	case len(ids) > MaxUpdateIDs:
		return res, fmt.Errorf("elasticsearch: update alerts: %d ids, at most %d at a time", len(ids), MaxUpdateIDs)
	case u.Status == "" && len(u.AddTags) == 0 && len(u.RemoveTags) == 0:
		return res, fmt.Errorf("elasticsearch: update alerts: nothing to change (give a status or tags)")
	}
	if u.Status != "" {
		if _, err := triage.ParseWorkflowStatus(string(u.Status)); err != nil {
			return res, fmt.Errorf("elasticsearch: update alerts: %w", err)
		}
	}
	now := u.Now
	if now.IsZero() {
		now = time.Now()
	}
	params := map[string]any{
		"status": nil,
		"now":    now.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		"user":   nil,
		"add":    nonNil(u.AddTags),
		"remove": nonNil(u.RemoveTags),
	}
	if u.Status != "" {
		params["status"] = string(u.Status)
	}
	if u.User != "" {
		params["user"] = u.User
	}
	body := map[string]any{
		"query": map[string]any{"bool": map[string]any{"filter": []any{
			map[string]any{"terms": map[string]any{"kibana.alert.uuid": ids}},
		}}},
		"script": map[string]any{"lang": "painless", "source": updateScript, "params": params},
	}
	index := AlertsIndex(u.Space)
	req := esreq.UpdateByQuery([]string{index}, jsonBody(body), true, "proceed")
	var out struct {
		Total            int               `json:"total"`
		Updated          int               `json:"updated"`
		Noops            int               `json:"noops"`
		VersionConflicts int               `json:"version_conflicts"`
		Failures         []json.RawMessage `json:"failures"`
	}
	op := "update alerts in " + index
	if err := c.doJSON(ctx, op, req, &out); err != nil {
		return res, err
	}
	res = UpdateResult{Matched: out.Total, Updated: out.Updated, Unchanged: out.Noops, Conflicts: out.VersionConflicts}
	if len(out.Failures) > 0 {
		return res, &Error{Op: op, Reason: fmt.Sprintf("%d alerts failed to update: %s", len(out.Failures), firstFailure(out.Failures[0]))}
	}
	return res, nil
}

// SetAlertStatus writes a workflow status to any number of alerts of a
// space, recording user as kibana.alert.workflow_user: UpdateAlerts,
// MaxUpdateIDs alerts at a time, with the results summed. It is the
// console's write-back (s on an alert or a group). No uuids is no request.
// On an error the result counts what the earlier requests did.
func (c *Client) SetAlertStatus(ctx context.Context, space, user string, uuids []string, status triage.WorkflowStatus) (UpdateResult, error) {
	var sum UpdateResult
	for len(uuids) > 0 {
		n := min(len(uuids), MaxUpdateIDs)
		res, err := c.UpdateAlerts(ctx, StatusUpdate{Space: space, UUIDs: uuids[:n], Status: status, User: user})
		sum.Matched += res.Matched
		sum.Updated += res.Updated
		sum.Unchanged += res.Unchanged
		sum.Conflicts += res.Conflicts
		if err != nil {
			return sum, err
		}
		uuids = uuids[n:]
	}
	return sum, nil
}

// Summary says what an update did in a few words: "3 updated, 1 already
// so, 1 changed meanwhile by someone else".
func (r UpdateResult) Summary() string {
	out := fmt.Sprintf("%d updated", r.Updated)
	if r.Unchanged > 0 {
		out += fmt.Sprintf(", %d already so", r.Unchanged)
	}
	if r.Conflicts > 0 {
		out += fmt.Sprintf(", %d changed meanwhile by someone else", r.Conflicts)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func firstFailure(raw json.RawMessage) string {
	var f struct {
		ID    string `json:"id"`
		Cause struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"cause"`
	}
	if json.Unmarshal(raw, &f) != nil {
		return clean(string(raw))
	}
	return f.ID + ": " + f.Cause.Type + ": " + f.Cause.Reason
}
