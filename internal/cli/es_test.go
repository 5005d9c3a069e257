package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/detectors/spike"
	"picket/triage"
	"picket/triage/demo"
	"picket/triage/elastic"
	"picket/triage/elastic/elastictest"
)

// cliEnv runs picket in-process like cli, with extra environment
// variables (ELASTICSEARCH_URL and friends).
func cliEnv(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runIn(t.TempDir(), "", vars, args...)
}

var demoEnd = time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)

// demoSlice writes the demo events before demoEnd to an NDJSON file and
// loads the same documents into a fake cluster, each with the _id the
// file reader gives it (FILE:LINE), so both runs cite the same evidence.
func demoSlice(t *testing.T) (srv *elastictest.Server, file string, n int) {
	t.Helper()
	srv = elastictest.NewServer()
	t.Cleanup(srv.Close)
	file = filepath.Join(t.TempDir(), "demo.ndjson")
	var buf bytes.Buffer
	stop := fmt.Errorf("done")
	err := demo.New(demo.DefaultSeed).Events(context.Background(), func(ev *triage.Event) error {
		if !ev.Timestamp.Before(demoEnd) {
			return stop
		}
		n++
		buf.Write(ev.Raw)
		buf.WriteByte('\n')
		srv.Add("logs-demo", fmt.Sprintf("%s:%d", file, n), ev.Raw)
		return nil
	})
	if err != stop {
		t.Fatalf("demo: %v", err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, file, n
}

// detect --es over three days of demo data in the fake cluster finds what
// detect finds in the same data in a file.
func TestDetectESDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("loads three days of demo data into the fake cluster")
	}
	srv, file, n := demoSlice(t)
	detectESMatchesFile(t, srv, file, n)
}

// detect --es gives the same findings as detect over the same data in a
// file.
func detectESMatchesFile(t *testing.T, srv *elastictest.Server, file string, n int) {
	env := map[string]string{"ELASTICSEARCH_URL": srv.URL}
	code, fromFile, errFile := cliEnv(t, nil, "detect", file)
	if code != 0 {
		t.Fatalf("detect FILE: exit %d: %s", code, errFile)
	}
	code, fromES, errES := cliEnv(t, env, "detect", "--es", "--es-index", "logs-*", "--es-page-size", "3000",
		"--from", "2026-10-01", "--to", demoEnd.Format(time.RFC3339))
	if code != 0 {
		t.Fatalf("detect --es: exit %d: %s", code, errES)
	}
	if strings.Count(fromFile, "\n") < 5 {
		t.Fatalf("the slice raises too few findings to compare:\n%s", fromFile)
	}
	if fromES != fromFile {
		t.Errorf("findings differ:\n--- es\n%s\n--- file\n%s", fromES, fromFile)
	}
	if !strings.Contains(errES, fmt.Sprintf("picket: %d events", n)) || !strings.Contains(errES, fmt.Sprintf("pulled %d of %d documents", n, n)) {
		t.Errorf("stderr lacks the event count and final progress line:\n%s", errES)
	}
	if srv.OpenPITs() != 0 {
		t.Errorf("point in time left open")
	}
}

func TestDetectESFlags(t *testing.T) {
	srv := elastictest.NewServer()
	defer srv.Close()
	for i := range 5 {
		srv.Add("logs-a", "", fmt.Appendf(nil, `{"@timestamp":"2026-11-27T10:00:0%dZ","source":{"ip":"10.0.0.1"}}`, i))
	}
	srv.Forbid("logs-secret", false)
	url := map[string]string{"ELASTICSEARCH_URL": srv.URL}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		args     []string
		code     int
		inStderr []string
	}{
		{"no address", nil, []string{"detect", "--es"}, 2, []string{"no Elasticsearch address", "ELASTICSEARCH_URL"}},
		{"with a file", url, []string{"detect", "--es", "x.ndjson"}, 2, []string{"not several"}},
		{"since and from", url, []string{"detect", "--es", "--since", "1h", "--from", "2026-11-27"}, 2, []string{"not both"}},
		{"to without from", url, []string{"detect", "--es", "--to", "2026-11-27"}, 2, []string{"--to needs --from"}},
		{"bad since", url, []string{"detect", "--es", "--since", "soon"}, 2, []string{"--since"}},
		{"page size", url, []string{"detect", "--es", "--es-page-size", "20000"}, 2, []string{"--es-page-size"}},
		{"forbidden", url, []string{"detect", "--es", "--es-index", "logs-secret"}, 1, []string{"403", "missing the read privilege on logs-secret"}},
		{"missing index", url, []string{"detect", "--es", "--es-index", "nope"}, 1, []string{"no such index nope"}},
		{"over the limit", url, []string{"detect", "--es", "--es-index", "logs-a", "--from", "2026-11-27", "--es-limit", "3"}, 0, []string{"5 documents in range exceed the limit of 3", "counting in Elasticsearch", "scored on the denies Elasticsearch counted (0 in 0 buckets of 15m, not pulled)", "not run, they need the events"}},
		{"ok", url, []string{"detect", "--es", "--es-index", "logs-a", "--from", "2026-11-27", "--to", "2026-11-28"}, 0, []string{"picket: 5 events", "pulled 5 of 5 documents"}},
		{"url flag", nil, []string{"detect", "--es", "--es-url", srv.URL, "--es-index", "logs-a", "--from", "2026-11-27"}, 0, []string{"picket: 5 events"}},
		{"url without scheme", nil, []string{"detect", "--es", "--es-url", "localhost:9200"}, 2, []string{`"localhost:9200" has no scheme`, "https://localhost:9200", "http://localhost:9200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cliEnv(t, tc.env, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			for _, w := range tc.inStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// alertsServer holds three alerts (open, acknowledged, closed) in the
// default space.
func alertsServer(t *testing.T) *elastictest.Server {
	t.Helper()
	srv := elastictest.NewServer()
	t.Cleanup(srv.Close)
	for i, st := range []string{"open", "acknowledged", "closed"} {
		srv.Add(elastic.AlertsIndex(""), fmt.Sprintf("d%d", i), fmt.Appendf(nil, `{"@timestamp":"2026-11-27T10:0%d:00Z",`+
			`"kibana.alert.uuid":"uuid-%d","kibana.alert.rule.rule_id":"a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e",`+
			`"kibana.alert.rule.name":"Web Application Suspicious Activity: POST Request Declined","kibana.alert.rule.type":"query",`+
			`"kibana.alert.severity":"medium","kibana.alert.risk_score":47,"kibana.alert.reason":"web event created medium alert",`+
			`"kibana.alert.original_time":"2026-11-27T09:59:00Z","kibana.alert.workflow_status":%q,`+
			`"kibana.alert.ancestors":[{"id":"ev-%d","index":"traces-apm-default","type":"event","depth":0}],`+
			`"source":{"ip":"10.0.0.%d"},"user_agent":{"original":"evil\u001b[31m agent"},"user":{"name":"bob"}}`, i, i, st, i, i))
	}
	return srv
}

func TestAlertsList(t *testing.T) {
	srv := alertsServer(t)
	env := map[string]string{"ELASTICSEARCH_URL": srv.URL}
	for _, tc := range []struct {
		name  string
		args  []string
		want  []string // uuids in order
		table bool
	}{
		{"all", []string{"alerts", "--from", "2026-11-27"}, []string{"uuid-0", "uuid-1", "uuid-2"}, false},
		{"open", []string{"alerts", "--status", "open", "--from", "2026-11-27"}, []string{"uuid-0"}, false},
		{"two statuses", []string{"alerts", "--status", "open,closed", "--from", "2026-11-27"}, []string{"uuid-0", "uuid-2"}, false},
		{"table", []string{"alerts", "--format", "table", "--status", "acknowledged", "--from", "2026-11-27"}, []string{"uuid-1"}, true},
		{"outside the range", []string{"alerts", "--from", "2026-11-28"}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := cliEnv(t, env, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if strings.Contains(out, "\x1b") {
				t.Errorf("raw escape sequence in output: %q", out)
			}
			var got []string
			if tc.table {
				lines := strings.Split(strings.TrimSpace(out), "\n")
				if !strings.HasPrefix(lines[0], "TIME (UTC)") {
					t.Errorf("no table header: %q", lines[0])
				}
				for _, l := range lines[1:] {
					f := strings.Fields(l)
					got = append(got, f[len(f)-1])
					if !strings.Contains(l, `evil\x1b[31m`) {
						t.Errorf("user agent not shown escaped: %q", l)
					}
				}
			} else {
				for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
					if l == "" {
						continue
					}
					var a map[string]any
					if err := json.Unmarshal([]byte(l), &a); err != nil {
						t.Fatalf("not JSON: %q", l)
					}
					for _, k := range []string{"uuid", "rule_id", "rule_name", "severity", "risk_score", "reason", "original_time", "workflow_status", "ancestors", "source_ip", "user_agent", "detector"} {
						if _, ok := a[k]; !ok {
							t.Errorf("alert lacks %q: %s", k, l)
						}
					}
					got = append(got, a["uuid"].(string))
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("alerts %v, want %v", got, tc.want)
			}
			if !strings.Contains(stderr, fmt.Sprintf("picket: %d alert(s) from .alerts-security.alerts-default", len(tc.want))) {
				t.Errorf("stderr lacks the count: %q", stderr)
			}
		})
	}
	if code, _, stderr := cliEnv(t, env, "alerts", "--status", "resolved"); code != 2 || !strings.Contains(stderr, "unknown workflow status") {
		t.Errorf("bad status: exit %d, %q", code, stderr)
	}
	if code, _, stderr := cliEnv(t, env, "alerts", "--space", "nospace"); code != 1 || !strings.Contains(stderr, "no such index .alerts-security.alerts-nospace") {
		t.Errorf("missing space: exit %d, %q", code, stderr)
	}
}

func TestAlertsSetStatus(t *testing.T) {
	srv := alertsServer(t)
	env := map[string]string{"ELASTICSEARCH_URL": srv.URL}
	// An id that matches nothing fails the command (exit 1), after the
	// others are changed and counted.
	code, out, stderr := cliEnv(t, env, "alerts", "set-status", "--id", "uuid-0,uuid-2,uuid-9", "--status", "acknowledged")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	if !strings.Contains(out, "2 alert(s) matched, 2 updated") || !strings.Contains(stderr, "picket: 1 id(s) matched no alert in .alerts-security.alerts-default") {
		t.Errorf("stdout %q stderr %q", out, stderr)
	}
	ups := srv.Updates()
	if len(ups) != 1 || ups[0].Index != ".alerts-security.alerts-default" || ups[0].Refresh != "true" || ups[0].Conflicts != "proceed" {
		t.Fatalf("updates %+v", ups)
	}
	if ups[0].Params["user"] != "analyst" {
		t.Errorf("workflow_user %v, want the authenticated user", ups[0].Params["user"])
	}
	var doc map[string]any
	_ = json.Unmarshal(srv.Source(elastic.AlertsIndex(""), "d2"), &doc)
	if doc["kibana.alert.workflow_status"] != "acknowledged" || doc["kibana.alert.workflow_status_updated_at"] == nil {
		t.Errorf("alert not updated: %v", doc)
	}
	// An id given twice is one alert, not an unmatched one.
	if code, _, stderr := cliEnv(t, env, "alerts", "set-status", "--id", "uuid-1,uuid-1", "--status", "closed"); code != 0 || strings.Contains(stderr, "matched no alert") {
		t.Errorf("repeated id: exit %d, %q", code, stderr)
	}
	code, out, _ = cliEnv(t, env, "alerts", "set-status", "--id", "uuid-0", "--add-tag", "scanner", "--user", "carol")
	if code != 0 || !strings.Contains(out, "1 updated") || srv.Updates()[2].Params["user"] != "carol" {
		t.Errorf("tagging: exit %d, %q, %+v", code, out, srv.Updates())
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"alerts", "set-status", "--status", "closed"}, "--id"},
		{[]string{"alerts", "set-status", "--id", "uuid-0"}, "--status"},
		{[]string{"alerts", "set-status", "--id", "uuid-0", "--status", "done"}, "unknown workflow status"},
	} {
		if code, _, stderr := cliEnv(t, env, tc.args...); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	srv.Forbid(".alerts-security.alerts-*", true)
	code, _, stderr = cliEnv(t, env, "alerts", "set-status", "--id", "uuid-0", "--status", "closed")
	if code != 1 || !strings.Contains(stderr, "missing the write privilege") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("forbidden write: exit %d, %q", code, stderr)
	}
}

// Credentials from the environment never reach the output, even when
// the cluster refuses them; --es-insecure warns.
func TestESSecretsNotPrinted(t *testing.T) {
	srv := alertsServer(t)
	srv.APIKey = "the-right-key"
	const secret = "s3cr3t-api-key-value"
	env := map[string]string{"ELASTICSEARCH_URL": srv.URL, "ELASTICSEARCH_API_KEY": secret, "ELASTICSEARCH_PASSWORD": "pw-" + secret}
	code, out, stderr := cliEnv(t, env, "alerts", "--es-insecure")
	if code != 1 || !strings.Contains(stderr, "401") {
		t.Errorf("exit %d, %q; want a 401", code, stderr)
	}
	if strings.Contains(out+stderr, secret) {
		t.Errorf("a secret was printed:\n%s%s", out, stderr)
	}
	if !strings.Contains(stderr, "TLS verification is off") {
		t.Errorf("no warning for --es-insecure: %q", stderr)
	}
	env["ELASTICSEARCH_API_KEY"] = "the-right-key"
	if code, _, stderr := cliEnv(t, env, "alerts", "--from", "2026-11-27"); code != 0 {
		t.Errorf("with the right key: exit %d, %q", code, stderr)
	}
}

// The [elasticsearch] table is read, and the environment overrides it.
func TestESConfigPrecedence(t *testing.T) {
	home := t.TempDir()
	cfgFile := filepath.Join(home, "config.toml")
	if err := os.WriteFile(cfgFile, []byte("[elasticsearch]\nurl = \"http://file:9200\"\napi_key = \"file-key\"\nspace = \"soc\"\nindex = [\"logs-x-*\"]\ntimeout = \"5s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want func(c config) bool
	}{
		{"file", nil, func(c config) bool {
			return c.Elasticsearch.URL == "http://file:9200" && c.Elasticsearch.APIKey.Reveal() == "file-key" && c.Elasticsearch.Space == "soc"
		}},
		{"env over file", map[string]string{"ELASTICSEARCH_URL": "http://env:9200", "ELASTICSEARCH_API_KEY": "env-key"}, func(c config) bool {
			return c.Elasticsearch.URL == "http://env:9200" && c.Elasticsearch.APIKey.Reveal() == "env-key"
		}},
		{"cloud id replaces the file's url", map[string]string{"ELASTIC_CLOUD_ID": "x:eA=="}, func(c config) bool {
			return c.Elasticsearch.URL == "" && c.Elasticsearch.CloudID == "x:eA=="
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(cfgFile, func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(c) {
				t.Errorf("config %+v", c.Elasticsearch)
			}
			if s := fmt.Sprintf("%+v", c); strings.Contains(s, "file-key") || strings.Contains(s, "env-key") {
				t.Errorf("printing the config shows a key: %s", s)
			}
		})
	}
}

// picket --es fails before taking the screen when the cluster cannot be
// used, and refuses to mix sources.
func TestConsoleESChecksFirst(t *testing.T) {
	srv := elastictest.NewServer()
	defer srv.Close()
	srv.APIKey = "key"
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no address", nil, []string{"--es"}, 2, "no Elasticsearch address"},
		{"url without scheme", map[string]string{"ELASTICSEARCH_URL": "es.example:9200"}, []string{"--es"}, 2, "https://es.example:9200"},
		{"with files", map[string]string{"ELASTICSEARCH_URL": srv.URL}, []string{"--es", "a.ndjson"}, 2, "not several"},
		{"with demo", map[string]string{"ELASTICSEARCH_URL": srv.URL}, []string{"--es", "--demo"}, 2, "not several"},
		{"refused credentials", map[string]string{"ELASTICSEARCH_URL": srv.URL, "ELASTICSEARCH_API_KEY": "wrong"}, []string{"--es"}, 1, "401 unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cliEnv(t, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, %q; want %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}

// picket alerts exits 1 when the cluster fails it and 2 when the command
// line or configuration is wrong, and prints no count line when nothing
// was listed: "0 alert(s)" before an error read as an empty index.
func TestAlertsErrors(t *testing.T) {
	srv := alertsServer(t)
	srv.APIKey = "right"
	closed := elastictest.NewServer()
	closed.Close() // nothing listens there now
	// A proxy that fails every second search: a listing of pages of one
	// breaks after its first page (each case through it makes two).
	searches := 0
	midway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_search" {
			if searches++; searches%2 == 0 {
				w.Header().Set("X-Elastic-Product", "Elasticsearch")
				w.WriteHeader(400)
				io.WriteString(w, `{"error":{"type":"search_phase_execution_exception","reason":"all shards failed"},"status":400}`)
				return
			}
		}
		httputil.NewSingleHostReverseProxy(mustParseURL(t, srv.URL)).ServeHTTP(w, r)
	}))
	defer midway.Close()
	pageOfOne := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(pageOfOne, []byte("[elasticsearch]\npage_size = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bogusTimeout := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(bogusTimeout, []byte("[elasticsearch]\nurl = \"https://127.0.0.1:1\"\ntimeout = \"bogus\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key := map[string]string{"ELASTICSEARCH_URL": srv.URL, "ELASTICSEARCH_API_KEY": "right"}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		args     []string
		code     int
		inStderr []string
		alerts   int // NDJSON lines on stdout
	}{
		{"no address", nil, []string{"alerts"}, 2, []string{"no Elasticsearch address"}, 0},
		{"url without scheme", nil, []string{"alerts", "--es-url", "localhost:9200"}, 2, []string{`"localhost:9200" has no scheme`, "https://localhost:9200"}, 0},
		{"url without scheme from the environment", map[string]string{"ELASTICSEARCH_URL": "localhost:9200"}, []string{"alerts"}, 2, []string{"no scheme"}, 0},
		{"bogus timeout in the config", nil, []string{"alerts", "--config", bogusTimeout}, 2, []string{`config elasticsearch.timeout "bogus"`}, 0},
		{"malformed CA fingerprint", nil, []string{"alerts", "--es-url", "https://127.0.0.1:1", "--es-ca-fingerprint", "00ff"}, 2, []string{"CA fingerprint"}, 0},
		{"missing CA file", nil, []string{"alerts", "--es-url", "https://127.0.0.1:1", "--es-ca", "/nonexistent/ca.pem"}, 2, []string{"CA file"}, 0},
		{"negative timeout", nil, []string{"alerts", "--es-url", "https://127.0.0.1:1", "--es-timeout", "-1s"}, 2, []string{"--es-timeout -1s: want a positive duration"}, 0},
		{"page size 0", nil, []string{"detect", "--es", "--es-url", "https://127.0.0.1:1", "--es-page-size", "0"}, 2, []string{"--es-page-size 0"}, 0},
		{"password with an unencoded #", nil, []string{"alerts", "--es-url", "https://elastic:p@ss#word@127.0.0.1:1"}, 2, []string{"does not read as a server address", "elastic:[redacted]@127.0.0.1:1"}, 0},
		{"set-status, url without scheme", nil, []string{"alerts", "set-status", "--es-url", "es:9200", "--id", "u", "--status", "closed"}, 2, []string{"no scheme"}, 0},
		{"unreachable", map[string]string{"ELASTICSEARCH_URL": closed.URL}, []string{"alerts", "--es-timeout", "1s"}, 1, []string{"cannot connect"}, 0},
		{"refused credentials", map[string]string{"ELASTICSEARCH_URL": srv.URL, "ELASTICSEARCH_API_KEY": "wrong"}, []string{"alerts"}, 1, []string{"401 unauthorized"}, 0},
		{"missing space", key, []string{"alerts", "--space", "nospace"}, 1, []string{"no such index .alerts-security.alerts-nospace"}, 0},
		{"fails midway", map[string]string{"ELASTICSEARCH_URL": midway.URL, "ELASTICSEARCH_API_KEY": "right"}, []string{"alerts", "--config", pageOfOne, "--from", "2026-11-27"}, 1,
			[]string{"picket: 1 alert(s) from .alerts-security.alerts-default before the error", "all shards failed"}, 1},
		// The same pull paged by the flag: the second page is the one that fails.
		{"fails midway, --es-page-size", map[string]string{"ELASTICSEARCH_URL": midway.URL, "ELASTICSEARCH_API_KEY": "right"}, []string{"alerts", "--es-page-size", "1", "--from", "2026-11-27"}, 1,
			[]string{"picket: 1 alert(s) from .alerts-security.alerts-default before the error", "all shards failed"}, 1},
		{"alerts, page size 0", nil, []string{"alerts", "--es-url", "https://127.0.0.1:1", "--es-page-size", "0"}, 2, []string{"--es-page-size 0"}, 0},
		{"ok", key, []string{"alerts", "--from", "2026-11-27"}, 0, []string{"picket: 3 alert(s) from .alerts-security.alerts-default"}, 3},
		// A table has its header only when the pull answers.
		{"table, refused credentials", map[string]string{"ELASTICSEARCH_URL": srv.URL, "ELASTICSEARCH_API_KEY": "wrong"}, []string{"alerts", "--format", "table"}, 1, []string{"401 unauthorized"}, 0},
		{"table, ok", key, []string{"alerts", "--format", "table", "--from", "2026-11-27"}, 0, []string{"picket: 3 alert(s)"}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, out, stderr := cliEnv(t, tc.env, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			for _, w := range tc.inStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if tc.code != 0 {
				if strings.Contains(stderr, "0 alert(s)") {
					t.Errorf("a failed listing reports an empty one:\n%s", stderr)
				}
				// The error is the last line of stderr, and there is one.
				lines := strings.Split(strings.TrimSpace(stderr), "\n")
				if last := lines[len(lines)-1]; !strings.HasPrefix(last, "picket: ") || strings.Contains(last, "alert(s)") {
					t.Errorf("stderr does not end with the error:\n%s", stderr)
				}
			}
			if n := strings.Count(out, "\n"); n != tc.alerts {
				t.Errorf("%d alerts on stdout, want %d:\n%s", n, tc.alerts, out)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("took %v: a mistake should be reported at once", el)
			}
		})
	}
}

func mustParseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestESWarningPrefixOnce(t *testing.T) {
	for in, want := range map[string]string{
		"elasticsearch: close point in time: 404": "picket: elasticsearch: close point in time: 404",
		"page 3 took 40s":                         "picket: elasticsearch: page 3 took 40s",
		"bad \x1b[2J":                             `picket: elasticsearch: bad \x1b[2J`,
	} {
		if got := esWarning(in); got != want {
			t.Errorf("esWarning(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAlertFeeds(t *testing.T) {
	deny, _ := triage.ParseEvent([]byte(`{"event":{"category":"network","outcome":"deny"}}`), "t")
	web, _ := triage.ParseEvent([]byte(`{"event":{"category":"web"},"http":{"response":{"status_code":403}}}`), "t")
	if why, judged := alertFeeds(spike.ID, deny); !judged || why != "" {
		t.Errorf("a deny: %q %v", why, judged)
	}
	if why, judged := alertFeeds(spike.ID, web); !judged || !strings.Contains(why, "no denied network events") {
		t.Errorf("an HTTP event: %q %v", why, judged)
	}
	if _, judged := alertFeeds("elastic:other", web); judged {
		t.Error("another rule judged")
	}
}
