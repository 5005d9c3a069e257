package kibana

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"picket/casefile"
	"picket/triage"
)

// workedCase fills s with one case as the console leaves it: findings, an
// alert, two notes (one carrying an escape sequence), ticked steps and the
// status acknowledged. It returns the case id.
func workedCase(t *testing.T, s *casefile.Store) int64 {
	t.Helper()
	ctx := context.Background()
	ua := "sqlmap/1.7 \x1b[31mred"
	key := triage.GroupKey{SourceIP: netip.MustParseAddr("203.0.113.9"), UserAgent: ua}.String()
	c, err := s.EnsureCase(ctx, key, "SQL injection probes from 203.0.113.9", "high")
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Date(2026, 11, 19, 22, 14, 5, 0, time.UTC)
	fs := []triage.Finding{
		{Detector: "appsensor:CIE1", Title: "SQL injection", Severity: triage.High, RiskScore: 73,
			Timestamp: t1, SourceIP: netip.MustParseAddr("203.0.113.9"), UserAgent: ua,
			Reason: "' OR '1'='1 -- | a\nb", Evidence: triage.RefsFromIDs([]string{"ev-1", "ev-2"}), EventCount: 2},
		{Detector: "appsensor:ACE3", Title: "Force Browsing Attempt", Severity: triage.Medium, RiskScore: 47,
			Timestamp: t1.Add(3 * time.Minute), SourceIP: netip.MustParseAddr("203.0.113.9"), UserAgent: ua,
			Reason: "12 answers 404 on 12 paths", Evidence: triage.RefsFromIDs([]string{"ev-3"}), EventCount: 12},
	}
	if err := s.LinkFindings(ctx, c.ID, "alice", fs); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkAlerts(ctx, c.ID, "alice", "4f1c0a9e8b7d"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetChecklistItem(ctx, casefile.ChecklistItem{DetectorID: "appsensor:CIE1", TargetKey: key, ItemID: "inv-payload",
		Checked: true, By: "alice", At: t1.Add(time.Hour), Note: "payload in q"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []casefile.Note{
		{CaseID: c.ID, TargetKind: casefile.TargetCase, TargetKey: "case", Body: "All probes got **403**.", Author: "alice", Created: t1.Add(70 * time.Minute)},
		{TargetKind: casefile.TargetGroup, TargetKey: key, Body: "Same UA seen last week \x1b]0;pwned\x07", Author: "bob", Created: t1.Add(80 * time.Minute)},
	} {
		if _, err := s.AddNote(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetCaseStatus(ctx, c.ID, casefile.StatusAcknowledged, "alice"); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestPushToKibanaCases pushes a worked case to a test server that checks
// each call against the documented Cases API.
func TestPushToKibanaCases(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id := workedCase(t, s)
	if err := s.LinkAlertRefs(ctx, id, "alice", casefile.AlertRef{ID: "a-2", Index: ".internal.alerts-security.alerts-soc-000001", RuleID: "r-uuid", RuleName: "POST declined"}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Report(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	var alerts []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		calls = append(calls, req.Method+" "+req.URL.Path)
		if req.Header.Get("kbn-xsrf") != "true" || req.Header.Get("Authorization") != "ApiKey a2V5" || req.Header.Get("Content-Type") != "application/json" {
			http.Error(w, `{"message":"missing headers"}`, http.StatusBadRequest)
			return
		}
		var body map[string]any
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
			http.Error(w, `{"message":"bad json"}`, http.StatusBadRequest)
			return
		}
		switch {
		case req.Method == http.MethodPost && req.URL.Path == "/s/soc/api/cases":
			for _, k := range []string{"title", "description", "tags", "owner", "settings", "connector"} {
				if _, ok := body[k]; !ok {
					http.Error(w, `{"message":"missing `+k+`"}`, http.StatusBadRequest)
					return
				}
			}
			if body["owner"] != "securitySolution" || body["severity"] != "high" {
				http.Error(w, `{"message":"bad owner or severity"}`, http.StatusBadRequest)
				return
			}
			w.Write([]byte(`{"id":"kc-1","version":"v1","title":"x"}`))
		case req.Method == http.MethodPost && req.URL.Path == "/s/soc/api/cases/kc-1/comments":
			switch body["type"] {
			case "user":
				if c, _ := body["comment"].(string); c == "" || strings.ContainsRune(c, 0x1b) {
					http.Error(w, `{"message":"bad comment"}`, http.StatusBadRequest)
					return
				}
			case "alert":
				alerts = append(alerts, body)
			default:
				http.Error(w, `{"message":"bad type"}`, http.StatusBadRequest)
				return
			}
			w.Write([]byte(`{"id":"kc-1","version":"v` + strconv.Itoa(len(calls)) + `"}`))
		case req.Method == http.MethodPatch && req.URL.Path == "/s/soc/api/cases":
			cs, _ := body["cases"].([]any)
			c, _ := cs[0].(map[string]any)
			if c["id"] != "kc-1" || c["status"] != "in-progress" || c["version"] != "v"+strconv.Itoa(len(calls)-1) {
				http.Error(w, `{"message":"conflict"}`, http.StatusConflict)
				return
			}
			w.Write([]byte(`[{"id":"kc-1"}]`))
		default:
			http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	k := Cases{URL: srv.URL + "/", Space: "soc", APIKey: "a2V5"}
	res, err := k.Push(ctx, s, r, "alice", false)
	if err != nil {
		t.Fatalf("push: %v (calls %v)", err, calls)
	}
	if res.CaseID != "kc-1" || res.Comments != 3 || res.Alerts != 2 || !strings.HasSuffix(res.URL, "/s/soc/app/security/cases/kc-1") {
		t.Errorf("result %+v, calls %v", res, calls)
	}
	if len(alerts) != 2 || alerts[0]["index"] != ".alerts-security.alerts-soc" || alerts[1]["index"] != ".internal.alerts-security.alerts-soc-000001" {
		t.Errorf("alert attachments %v", alerts)
	}
	if _, err := k.Push(ctx, s, r, "alice", false); err == nil || !strings.Contains(err.Error(), "already pushed") {
		t.Errorf("second push: %v", err)
	}
	bad := Cases{URL: srv.URL, Space: "soc", APIKey: "wrong"}
	if _, err := bad.Push(ctx, s, r, "alice", true); err == nil || !strings.Contains(err.Error(), "missing headers") {
		t.Errorf("push with a wrong key: %v", err)
	}
}

// A client printed by mistake shows no credential.
func TestCasesPrintsNoSecret(t *testing.T) {
	for _, k := range []Cases{{URL: "https://k", APIKey: "s3cret-key"}, {URL: "https://k", Username: "u", Password: "s3cret-pw"}} {
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			if out := fmt.Sprintf(format, k); strings.Contains(out, "s3cret") {
				t.Errorf("%s prints a credential: %s", format, out)
			}
		}
	}
}

// TestErrorsPrintNoSecret: a URL without a scheme is refused before any
// request, without its password; a server echoing the credentials in its
// error page has them hidden.
func TestErrorsPrintNoSecret(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ url, want string }{
		{"u:hunter2@kibana:5601", "has no scheme: write https://kibana:5601"},
		{"ftp://u:hunter2@kibana", `has scheme "ftp", not http or https`},
		{"https://u:hunter#2@kibana:5601", "does not parse"},
		{"https://u:hun/ter2@kibana:5601", "does not parse"},
		{"https://", "has no host"},
	} {
		k := Cases{URL: tc.url}
		err := k.CheckURL()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hun") {
			t.Errorf("%s: %v, want %q without the password", tc.url, err, tc.want)
		}
		if err := k.call(ctx, http.MethodGet, "/api/cases", nil, nil); err == nil || strings.Contains(err.Error(), "hun") {
			t.Errorf("%s: call: %v", tc.url, err)
		}
	}
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"message":"denied for %s (password in URL: %s)"}`, r.Header.Get("Authorization"), r.URL.User)
	}))
	defer echo.Close()
	for _, k := range []Cases{
		{URL: echo.URL, Username: "elastic", Password: "hunter2"},
		{URL: echo.URL, APIKey: "aGVsbG86d29ybGQ="},
		// In the URL: the client sends it as Basic auth, percent-decoded.
		{URL: strings.Replace(echo.URL, "://", "://elastic:hunter%32@", 1)},
	} {
		err := k.call(ctx, http.MethodGet, "/api/cases", nil, nil)
		if err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("want the 403, got %v", err)
		}
		for _, secret := range []string{"hunter2", triage.BasicAuth("elastic", "hunter2"), "aGVsbG86d29ybGQ="} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error prints %q: %v", secret, err)
			}
		}
	}
}
