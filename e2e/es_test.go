//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"picket/triage/elastic/elastictest"
)

// TestClusterAlertsAndWriteBack opens the console on a fake cluster: the
// pull shows a progress bar, the open alert appears in a group of its own
// with why the local re-run does not reproduce it, and s writes its new
// status back to the alert document.
func TestClusterAlertsAndWriteBack(t *testing.T) {
	srv := elastictest.NewServer()
	defer srv.Close()
	srv.Delay = 150 * time.Millisecond // slow enough to see the bar
	for i := range 600 {
		srv.Add("logs-web", "", fmt.Appendf(nil, `{"@timestamp":"2026-11-27T10:%02d:%02dZ","source":{"ip":"10.0.0.%d"},`+
			`"user_agent":{"original":"Mozilla/5.0"},"url":{"path":"/"},"http":{"request":{"method":"GET"},"response":{"status_code":200}}}`,
			i/60, i%60, i%7))
	}
	idx := ".alerts-security.alerts-default"
	srv.Add(idx, "a1", []byte(`{"@timestamp":"2026-11-27T10:05:00Z","kibana.alert.uuid":"uuid-ml",`+
		`"kibana.alert.rule.rule_id":"ml-rare-agent","kibana.alert.rule.name":"Rare user agent","kibana.alert.rule.type":"machine_learning",`+
		`"kibana.alert.severity":"critical","kibana.alert.risk_score":99,"kibana.alert.reason":"rare agent",`+
		`"kibana.alert.workflow_status":"open","kibana.alert.ancestors":[{"id":"gone","index":"logs-web","type":"event","depth":0}],`+
		`"source":{"ip":"192.0.2.200"},"user_agent":{"original":"python-requests/2.31"}}`))

	s := start(t, 160, 30, env(t, "ELASTICSEARCH_URL="+srv.URL), "--db", filepath.Join(t.TempDir(), "case.db"),
		"--es", "--es-index", "logs-*", "--es-page-size", "50", "--from", "2026-11-27", "--to", "2026-11-28")
	s.waitFor("/600 docs", 15*time.Second)
	s.waitFor("1 alert (0 reproduced)", 15*time.Second)
	s.waitFor("192.0.2.200", 5*time.Second)
	s.keys("s")
	s.waitFor("elasticsearch: 1 alert set to acknowledged (1 updated)", 10*time.Second)
	s.keys("Enter")
	s.waitFor("ALERT [ack] ✗ rule not run locally", 5*time.Second)
	s.keys("q")
	s.waitFor("EXITED:0", 5*time.Second)

	var doc map[string]any
	if err := json.Unmarshal(srv.Source(idx, "a1"), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["kibana.alert.workflow_status"] != "acknowledged" || doc["kibana.alert.workflow_user"] != "analyst" {
		t.Errorf("alert document after s: %v", doc)
	}
}
