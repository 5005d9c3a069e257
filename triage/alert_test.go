package triage

import (
	"strings"
	"testing"
)

func TestAlertFromEvent(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      Alert
		wantErr   string
	}{
		{
			name: "dotted keys",
			doc: `{"@timestamp":"2026-11-27T10:01:00Z","kibana.alert.uuid":"u1","kibana.alert.rule.rule_id":"r1","kibana.alert.rule.name":"Rule",` +
				`"kibana.alert.severity":"high","kibana.alert.risk_score":73.5,"kibana.alert.workflow_status":"closed",` +
				`"kibana.alert.workflow_tags":["fp","scanner"],"kibana.alert.ancestors":[{"id":"e1","depth":0},{"id":"e2","depth":1}],` +
				`"source.ip":"192.0.2.1","user_agent.original":"curl/8"}`,
			want: Alert{UUID: "u1", RuleID: "r1", RuleName: "Rule", Severity: High, RiskScore: 74, Status: StatusClosed,
				Tags: []string{"fp", "scanner"}, Ancestors: []string{"e1", "e2"}, UserAgent: "curl/8"},
		},
		{
			name: "nested objects, no status means open",
			doc:  `{"kibana":{"alert":{"uuid":"u2","rule":{"rule_id":"r2","type":"machine_learning"},"severity":"low","risk_score":21,"building_block_type":"default"}}}`,
			want: Alert{UUID: "u2", RuleID: "r2", RuleType: "machine_learning", Severity: Low, RiskScore: 21, Status: StatusOpen, BuildingBlock: true},
		},
		{name: "not an alert", doc: `{"message":"hello"}`, wantErr: "not an alert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ParseEvent([]byte(tc.doc), "t:1")
			if err != nil {
				t.Fatal(err)
			}
			a, err := AlertFromEvent(ev)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if a.UUID != w.UUID || a.RuleID != w.RuleID || a.RuleName != w.RuleName || a.RuleType != w.RuleType ||
				a.Severity != w.Severity || a.RiskScore != w.RiskScore || a.Status != w.Status || a.BuildingBlock != w.BuildingBlock ||
				strings.Join(a.Tags, ",") != strings.Join(w.Tags, ",") || strings.Join(a.Ancestors, ",") != strings.Join(w.Ancestors, ",") ||
				a.UserAgent != w.UserAgent || a.Event != ev {
				t.Errorf("got %+v\nwant %+v", *a, w)
			}
		})
	}
}

func TestParseWorkflowStatus(t *testing.T) {
	for in, want := range map[string]WorkflowStatus{"open": StatusOpen, " Acknowledged": StatusAcknowledged, "CLOSED": StatusClosed, "resolved": ""} {
		got, err := ParseWorkflowStatus(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseWorkflowStatus(%q) = %q, %v", in, got, err)
		}
	}
}
