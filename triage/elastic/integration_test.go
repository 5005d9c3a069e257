package elastic

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"picket/triage/elastic/internal/esreq"

	"picket/triage"
)

// integrationClient connects to the cluster named by the environment, or
// skips the test saying how to run it.
func integrationClient(t *testing.T) *Client {
	t.Helper()
	url, cloud := os.Getenv("ELASTICSEARCH_URL"), os.Getenv("ELASTIC_CLOUD_ID")
	if url == "" && cloud == "" {
		t.Skip("integration test skipped: set ELASTICSEARCH_URL (and ELASTICSEARCH_API_KEY, or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD; ELASTICSEARCH_CA_FILE for a private CA) to run it against a real cluster; it creates and deletes an index picket-it-*")
	}
	cfg := Config{
		CloudID:  cloud,
		APIKey:   Secret(os.Getenv("ELASTICSEARCH_API_KEY")),
		Username: os.Getenv("ELASTICSEARCH_USERNAME"),
		Password: Secret(os.Getenv("ELASTICSEARCH_PASSWORD")),
		CAFile:   os.Getenv("ELASTICSEARCH_CA_FILE"),
	}
	if url != "" {
		cfg.URLs = strings.Split(url, ",")
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIntegrationPull(t *testing.T) {
	c := integrationClient(t)
	ctx := context.Background()
	index := "picket-it-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	const n = 25
	var bulk bytes.Buffer
	for i := range n {
		fmt.Fprintf(&bulk, `{"index":{"_index":%q,"_id":"d%d"}}`+"\n", index, i)
		bulk.Write(apmDoc(i))
		bulk.WriteByte('\n')
	}
	t.Cleanup(func() {
		var b bytes.Buffer
		_ = c.do(context.Background(), "delete index", esreq.Request{Method: "DELETE", Indices: []string{index}}, &b)
	})
	var buf bytes.Buffer
	if err := c.do(ctx, "bulk", bulkRequest(bulk.Bytes()), &buf); err != nil {
		t.Fatal(err)
	}

	q := Query{Indices: []string{index}, From: t0, To: t0.Add(time.Hour)}
	count, err := c.Count(ctx, q)
	if err != nil || count != n {
		t.Fatalf("Count = %d, %v; want %d", count, err, n)
	}
	var evs []*triage.Event
	err = c.NewSource(q, SourceOptions{PageSize: 10}).Events(ctx, func(ev *triage.Event) error {
		evs = append(evs, ev)
		return nil
	})
	if err != nil || len(evs) != n {
		t.Fatalf("pulled %d, %v; want %d", len(evs), err, n)
	}
	for i, ev := range evs {
		if !ev.Timestamp.Equal(t0.Add(time.Duration(i) * time.Second)) {
			t.Fatalf("event %d out of order: %v", i, ev.Timestamp)
		}
	}
	if _, err := c.Count(ctx, Query{Indices: []string{index + "-missing"}}); !errors.Is(err, ErrIndexNotFound) {
		t.Errorf("missing index: %v, want ErrIndexNotFound", err)
	}
	// Write-back on a throwaway alerts index of a made-up space, so the
	// painless script runs on a real node.
	space := "picket-it-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	alerts := AlertsIndex(space)
	// Kibana's templates map alert fields as keywords; so does this index.
	mapping := `{"mappings":{"dynamic_templates":[{"strings":{"match_mapping_type":"string","mapping":{"type":"keyword"}}}]}}`
	if err := c.do(ctx, "create index", esreq.Request{Method: "PUT", Indices: []string{alerts}, Body: []byte(mapping)}, &buf); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var b bytes.Buffer
		_ = c.do(context.Background(), "delete index", esreq.Request{Method: "DELETE", Indices: []string{alerts}}, &b)
	})
	var ab bytes.Buffer
	fmt.Fprintf(&ab, `{"index":{"_index":%q,"_id":"a1"}}`+"\n", alerts)
	ab.Write(alertDoc(1, "open", ""))
	ab.WriteByte('\n')
	if err := c.do(ctx, "bulk", bulkRequest(ab.Bytes()), &buf); err != nil {
		t.Fatal(err)
	}
	res, err := c.UpdateAlerts(ctx, StatusUpdate{Space: space, UUIDs: []string{"uuid-1"}, Status: triage.StatusAcknowledged, AddTags: []string{"picket-it"}, User: "picket-it"})
	if err != nil || res.Updated != 1 {
		t.Fatalf("UpdateAlerts = %+v, %v", res, err)
	}
	var got []*triage.Alert
	err = c.Alerts(ctx, AlertQuery{Space: space}, SourceOptions{}, func(a *triage.Alert) error { got = append(got, a); return nil })
	if err != nil || len(got) != 1 || got[0].Status != triage.StatusAcknowledged || strings.Join(got[0].Tags, ",") != "picket-it" {
		t.Fatalf("after write-back: %d alerts, %v", len(got), err)
	}
	if res, err := c.UpdateAlerts(ctx, StatusUpdate{Space: space, UUIDs: []string{"uuid-1"}, Status: triage.StatusAcknowledged}); err != nil || res.Unchanged != 1 {
		t.Errorf("repeating the update: %+v, %v; want it unchanged", res, err)
	}

	// Alerts of the default space: readable, or absent on a cluster
	// without Kibana's detection engine.
	err = c.Alerts(ctx, AlertQuery{From: time.Now().Add(-time.Hour)}, SourceOptions{}, func(*triage.Alert) error { return nil })
	if err != nil && !errors.Is(err, ErrIndexNotFound) && !errors.Is(err, ErrForbidden) {
		t.Errorf("alerts: %v", err)
	}
}

// bulkRequest is POST /_bulk?refresh=wait_for with an NDJSON body (sent
// as application/json, as esapi's BulkRequest sends it).
func bulkRequest(ndjson []byte) esreq.Request {
	return esreq.Request{Method: "POST", Endpoint: "_bulk", Params: url.Values{"refresh": {"wait_for"}}, Body: ndjson}
}
