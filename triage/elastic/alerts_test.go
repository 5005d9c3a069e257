package elastic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/triage"
	"picket/triage/elastic/elastictest"
)

const postRule = "a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e"

// alertDoc is a security alert as the detection engine writes it: kibana.*
// fields as dotted keys beside the copied source event.
func alertDoc(i int, status string, extra string) []byte {
	return fmt.Appendf(nil, `{"@timestamp":%q,"kibana.alert.uuid":"uuid-%d","kibana.alert.rule.rule_id":%q,`+
		`"kibana.alert.rule.uuid":"rule-so-1","kibana.alert.rule.name":"Web Application Suspicious Activity: POST Request Declined",`+
		`"kibana.alert.rule.type":"query","kibana.alert.severity":"medium","kibana.alert.risk_score":47,`+
		`"kibana.alert.reason":"web event with source 10.0.0.%d by curl/8.1 created medium alert",`+
		`"kibana.alert.original_time":%q,"kibana.alert.workflow_status":%q,`+
		`"kibana.alert.ancestors":[{"id":"src-%d","index":"traces-apm-default","type":"event","depth":0}],`+
		`"kibana.alert.depth":1,"kibana.space_ids":["default"],"event.kind":"signal",%s`+
		`"source":{"ip":"10.0.0.%d"},"user_agent":{"original":"curl/8.1"},"user":{"name":"bob"},`+
		`"http":{"request":{"method":"POST"},"response":{"status_code":403}}}`,
		t0.Add(time.Duration(i)*time.Minute+time.Minute).Format(time.RFC3339Nano), i, postRule, i,
		t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339Nano), status, i, extra, i)
}

func alertServer(t *testing.T) *elastictest.Server {
	t.Helper()
	srv := elastictest.NewServer()
	t.Cleanup(srv.Close)
	idx := AlertsIndex("")
	statuses := []string{"open", "acknowledged", "closed", "open", "open"}
	for i, st := range statuses {
		srv.Add(idx, fmt.Sprintf("doc-%d", i), alertDoc(i, st, ""))
	}
	srv.Add(idx, "bb", alertDoc(9, "open", `"kibana.alert.building_block_type":"default",`))
	srv.Add(AlertsIndex("soc"), "soc-0", alertDoc(20, "open", ""))
	srv.Add("traces-apm-default", "src-0", apmDoc(0))
	return srv
}

func TestAlerts(t *testing.T) {
	srv := alertServer(t)
	c := newClient(t, srv.URL)
	for _, tc := range []struct {
		name string
		q    AlertQuery
		want []string
	}{
		{"all but building blocks", AlertQuery{}, []string{"uuid-0", "uuid-1", "uuid-2", "uuid-3", "uuid-4"}},
		{"open", AlertQuery{Statuses: []triage.WorkflowStatus{triage.StatusOpen}}, []string{"uuid-0", "uuid-3", "uuid-4"}},
		{"acknowledged or closed", AlertQuery{Statuses: []triage.WorkflowStatus{triage.StatusAcknowledged, triage.StatusClosed}}, []string{"uuid-1", "uuid-2"}},
		{"with building blocks", AlertQuery{Statuses: []triage.WorkflowStatus{triage.StatusOpen}, BuildingBlocks: true}, []string{"uuid-0", "uuid-3", "uuid-4", "uuid-9"}},
		{"time range", AlertQuery{From: t0.Add(2 * time.Minute), To: t0.Add(4 * time.Minute)}, []string{"uuid-1", "uuid-2"}},
		{"other space", AlertQuery{Space: "soc"}, []string{"uuid-20"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := c.Alerts(context.Background(), tc.q, SourceOptions{}, func(a *triage.Alert) error {
				got = append(got, a.UUID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAlertFields(t *testing.T) {
	srv := alertServer(t)
	c := newClient(t, srv.URL)
	var alerts []*triage.Alert
	err := c.Alerts(context.Background(), AlertQuery{Statuses: []triage.WorkflowStatus{triage.StatusAcknowledged}}, SourceOptions{}, func(a *triage.Alert) error {
		alerts = append(alerts, a)
		return nil
	})
	if err != nil || len(alerts) != 1 {
		t.Fatalf("got %d alerts, %v", len(alerts), err)
	}
	a := alerts[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"uuid", a.UUID, "uuid-1"},
		{"rule id", a.RuleID, postRule},
		{"rule uuid", a.RuleUUID, "rule-so-1"},
		{"rule name", a.RuleName, "Web Application Suspicious Activity: POST Request Declined"},
		{"rule type", a.RuleType, "query"},
		{"severity", a.Severity, triage.Medium},
		{"risk", a.RiskScore, 47},
		{"reason", a.Reason, "web event with source 10.0.0.1 by curl/8.1 created medium alert"},
		{"original time", a.OriginalTime, t0.Add(time.Minute)},
		{"timestamp", a.Timestamp, t0.Add(2 * time.Minute)},
		{"status", a.Status, triage.StatusAcknowledged},
		{"ancestors", strings.Join(a.Ancestors, ","), "src-1"},
		{"source ip", a.SourceIP.String(), "10.0.0.1"},
		{"user agent", a.UserAgent, "curl/8.1"},
		{"user", a.UserName, "bob"},
		{"detector", a.Detector(), "elastic:" + postRule},
		{"index", a.Event.Index, AlertsIndex("default")},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestAlertsSkipNonAlerts(t *testing.T) {
	srv := alertServer(t)
	srv.Add(AlertsIndex(""), "stray", []byte(`{"@timestamp":"2026-11-27T09:00:00Z","message":"not an alert"}`))
	var warns []string
	n := 0
	err := newClient(t, srv.URL).Alerts(context.Background(), AlertQuery{}, SourceOptions{Warn: func(m string) { warns = append(warns, m) }}, func(*triage.Alert) error {
		n++
		return nil
	})
	if err != nil || n != 5 {
		t.Fatalf("got %d alerts, %v", n, err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "stray") || !strings.Contains(warns[0], "not an alert") {
		t.Errorf("warnings %q, want one naming the stray document", warns)
	}
}

func TestUpdateAlerts(t *testing.T) {
	now := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		u       StatusUpdate
		want    UpdateResult
		check   func(t *testing.T, doc map[string]any)
		wantErr string
	}{
		{
			name: "acknowledge two",
			u:    StatusUpdate{UUIDs: []string{"uuid-0", "uuid-3"}, Status: triage.StatusAcknowledged, User: "analyst"},
			want: UpdateResult{Matched: 2, Updated: 2},
			check: func(t *testing.T, doc map[string]any) {
				if doc["kibana.alert.workflow_status"] != "acknowledged" || doc["kibana.alert.workflow_user"] != "analyst" ||
					doc["kibana.alert.workflow_status_updated_at"] != "2026-11-28T06:00:00.000Z" {
					t.Errorf("doc after update: %v", doc)
				}
			},
		},
		{
			name: "already in that state",
			u:    StatusUpdate{UUIDs: []string{"uuid-2"}, Status: triage.StatusClosed},
			want: UpdateResult{Matched: 1, Unchanged: 1},
		},
		{
			name: "unknown id matches nothing",
			u:    StatusUpdate{UUIDs: []string{"nope"}, Status: triage.StatusClosed},
			want: UpdateResult{},
		},
		{
			name: "tags",
			u:    StatusUpdate{UUIDs: []string{"uuid-0"}, AddTags: []string{"false positive", "scanner"}},
			want: UpdateResult{Matched: 1, Updated: 1},
			check: func(t *testing.T, doc map[string]any) {
				tags, _ := json.Marshal(doc["kibana.alert.workflow_tags"])
				if string(tags) != `["false positive","scanner"]` || doc["kibana.alert.workflow_status"] != "open" {
					t.Errorf("doc after tagging: %v", doc)
				}
			},
		},
		{name: "no ids", u: StatusUpdate{Status: triage.StatusClosed}, wantErr: "no alert ids"},
		{name: "nothing to change", u: StatusUpdate{UUIDs: []string{"uuid-0"}}, wantErr: "nothing to change"},
		{name: "bad status", u: StatusUpdate{UUIDs: []string{"uuid-0"}, Status: "resolved"}, wantErr: "unknown workflow status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := alertServer(t)
			c := newClient(t, srv.URL)
			tc.u.Now = now
			res, err := c.UpdateAlerts(context.Background(), tc.u)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if len(srv.Updates()) != 0 {
					t.Errorf("an invalid update reached the server")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res != tc.want {
				t.Errorf("result %+v, want %+v", res, tc.want)
			}
			ups := srv.Updates()
			if len(ups) != 1 {
				t.Fatalf("%d update requests, want 1", len(ups))
			}
			if u := ups[0]; u.Index != AlertsIndex("default") || u.Refresh != "true" || u.Conflicts != "proceed" {
				t.Errorf("update went to %q refresh=%q conflicts=%q; want the alerts index, refresh=true, conflicts=proceed", u.Index, u.Refresh, u.Conflicts)
			}
			if tc.check != nil {
				var doc map[string]any
				if err := json.Unmarshal(srv.Source(AlertsIndex(""), "doc-0"), &doc); err != nil {
					t.Fatal(err)
				}
				tc.check(t, doc)
			}
			// Source indices are never written.
			if got := string(srv.Source("traces-apm-default", "src-0")); got != string(apmDoc(0)) {
				t.Errorf("a source event changed")
			}
		})
	}
}

func TestUpdateAlertsForbidden(t *testing.T) {
	srv := alertServer(t)
	srv.Forbid(".alerts-security.alerts-*", true)
	_, err := newClient(t, srv.URL).UpdateAlerts(context.Background(), StatusUpdate{UUIDs: []string{"uuid-0"}, Status: triage.StatusClosed})
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "missing the write privilege on .alerts-security.alerts-default") {
		t.Errorf("err = %v, want a 403 naming the write privilege", err)
	}
}

// SetAlertStatus is the console's write-back: any number of alerts,
// MaxUpdateIDs per _update_by_query, with the results summed.
func TestSetAlertStatus(t *testing.T) {
	many := make([]string, MaxUpdateIDs+5)
	for i := range many {
		many[i] = fmt.Sprintf("none-%d", i)
	}
	many[3], many[len(many)-1] = "uuid-0", "uuid-4" // one in each request
	for _, tc := range []struct {
		name     string
		uuids    []string
		status   triage.WorkflowStatus
		forbid   bool
		want     UpdateResult
		summary  string
		requests int // _update_by_query calls
		wantErr  error
	}{
		{name: "no alerts", status: triage.StatusClosed, summary: "0 updated"},
		{name: "two", uuids: []string{"uuid-0", "uuid-3"}, status: triage.StatusAcknowledged,
			want: UpdateResult{Matched: 2, Updated: 2}, summary: "2 updated", requests: 1},
		{name: "one already so", uuids: []string{"uuid-0", "uuid-2"}, status: triage.StatusClosed,
			want: UpdateResult{Matched: 2, Updated: 1, Unchanged: 1}, summary: "1 updated, 1 already so", requests: 1},
		{name: "more than one request", uuids: many, status: triage.StatusClosed,
			want: UpdateResult{Matched: 2, Updated: 2}, summary: "2 updated", requests: 2},
		{name: "write refused", uuids: []string{"uuid-0"}, status: triage.StatusClosed, forbid: true, wantErr: ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := alertServer(t)
			if tc.forbid {
				srv.Forbid(".alerts-security.alerts-*", true)
			}
			res, err := newClient(t, srv.URL).SetAlertStatus(context.Background(), "", "analyst", tc.uuids, tc.status)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res != tc.want || res.Summary() != tc.summary {
				t.Errorf("result %+v (%q), want %+v (%q)", res, res.Summary(), tc.want, tc.summary)
			}
			ups := srv.Updates()
			if len(ups) != tc.requests {
				t.Errorf("%d update requests, want %d", len(ups), tc.requests)
			}
			matched := 0
			for _, u := range ups {
				matched += len(u.IDs)
				if u.Params["user"] != "analyst" || u.Params["status"] != string(tc.status) {
					t.Errorf("update params %v", u.Params)
				}
			}
			if matched != tc.want.Matched {
				t.Errorf("the requests matched %d alerts, want %d", matched, tc.want.Matched)
			}
		})
	}
}

func TestUpdateResultSummary(t *testing.T) {
	for _, tc := range []struct {
		r    UpdateResult
		want string
	}{
		{UpdateResult{}, "0 updated"},
		{UpdateResult{Matched: 3, Updated: 3}, "3 updated"},
		{UpdateResult{Matched: 4, Updated: 1, Unchanged: 2, Conflicts: 1}, "1 updated, 2 already so, 1 changed meanwhile by someone else"},
		{UpdateResult{Matched: 1, Conflicts: 1}, "0 updated, 1 changed meanwhile by someone else"},
	} {
		if got := tc.r.Summary(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}
