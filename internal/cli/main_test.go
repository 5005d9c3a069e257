package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"picket/triage"
)

// updating reports -update (rewrite golden files and README blocks). The
// flag is teatest's: its golden package defines it for every test binary
// that imports it, and one binary cannot define it twice.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// cli runs picket in-process with a clean environment rooted in a temp dir.
func cli(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runIn(t.TempDir(), stdin, nil, args...)
}

// runIn runs picket in-process with home as HOME (configuration and data
// under it), stdin as standard input and vars as the only other
// environment variables.
func runIn(home, stdin string, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	getenv := func(k string) string {
		switch k {
		case "HOME":
			return home
		case "XDG_CONFIG_HOME":
			return filepath.Join(home, "config")
		case "XDG_DATA_HOME":
			return filepath.Join(home, "data")
		}
		return vars[k]
	}
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(stdin), &out, &errb, getenv)
	return code, out.String(), errb.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if updating() {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

func TestDetectNDJSONGolden(t *testing.T) {
	code, out, errOut := cli(t, "", "detect", "testdata/sample.ndjson")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "detect.golden.ndjson", out)
	if strings.ContainsAny(out, "\x1b\u202e\x7f") {
		t.Errorf("NDJSON output carries raw control characters")
	}
	if !strings.Contains(out, `evil\u001b[31m\u202eUA`) {
		t.Errorf("hostile user agent not JSON-escaped")
	}
	// Every line is a finding with the contract keys and evidence.
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		for _, k := range []string{"detector", "title", "severity", "risk_score", "timestamp", "source_ip", "user_agent", "user_name", "event_ids", "reason"} {
			if _, ok := m[k]; !ok {
				t.Errorf("finding lacks %q: %s", k, line)
			}
		}
		if ids, _ := m["event_ids"].([]any); len(ids) == 0 {
			t.Errorf("finding without evidence: %s", line)
		}
	}
	// Bad lines named by file and line, then a summary.
	for _, want := range []string{
		"testdata/sample.ndjson:7: invalid JSON",
		"testdata/sample.ndjson:9: not a JSON object",
		"2 bad line(s) skipped",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestDetectFindsPlantedProbes(t *testing.T) {
	_, out, _ := cli(t, "", "detect", "testdata/sample.ndjson")
	// Identity: event.id, else the hit's _id, else FILE:LINE.
	for _, want := range []string{
		`"detector":"appsensor:RE2"`, `"evt-004","evt-005","page-2"`, // one burst, merged across a page
		`"detector":"appsensor:CIE3"`, `"evt-006"`,
		`"detector":"appsensor:CIE4"`, `"hitA1"`, `"testdata/sample.ndjson:11"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s", want)
		}
	}
	// Benign HEAD/OPTIONS and the apostrophe search raise nothing.
	for _, bad := range []string{`"evt-002"`, `"evt-003"`, `"page-1"`, `"evt-001"`} {
		if strings.Contains(out, bad) {
			t.Errorf("false positive cites %s", bad)
		}
	}
}

func TestDetectTableEscapes(t *testing.T) {
	code, out, _ := cli(t, "", "detect", "--format", "table", "testdata/sample.ndjson")
	if code != 0 {
		t.Fatal(code)
	}
	if strings.ContainsAny(out, "\x1b\u202e") {
		t.Errorf("table output carries raw control characters:\n%q", out)
	}
	if !strings.Contains(out, `evil\x1b[31m\u202eUA`) {
		t.Errorf("hostile user agent not shown escaped:\n%s", out)
	}
	golden(t, "detect.golden.table", out)
}

func TestDetectGroup(t *testing.T) {
	code, out, _ := cli(t, "", "detect", "--group", "testdata/sample.ndjson")
	if code != 0 {
		t.Fatal(code)
	}
	golden(t, "detect-group.golden.ndjson", out)
}

func TestDetectStdinAndOnly(t *testing.T) {
	data, err := os.ReadFile("testdata/sample.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, string(data), "detect", "--only", "appsensor:CIE3", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "\n"); n != 1 || !strings.Contains(out, "appsensor:CIE3") {
		t.Errorf("want one CIE3 finding, got:\n%s", out)
	}
	if !strings.Contains(errOut, "stdin:7: invalid JSON") {
		t.Errorf("stdin warnings not named: %s", errOut)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown flag", []string{"detect", "--nope", "x"}, 2, "unknown flag"},
		{"unknown detector", []string{"detect", "--only", "appsensor:ZZ9", "testdata/sample.ndjson"}, 2, `unknown detector "appsensor:ZZ9"`},
		{"pending detector", []string{"detect", "--rules", "testdata/rules/export.ndjson", "--only", "elastic:0c3b7f52-0000-4000-8000-000000000011", "testdata/sample.ndjson"}, 2, "Lucene syntax are not run locally yet"},
		{"point that cannot run", []string{"detect", "--only", "appsensor:IE6", "testdata/sample.ndjson"}, 2, "cannot be judged"},
		{"bad query", []string{"detect", "--query", "http.request.method:(POST or", "testdata/sample.ndjson"}, 2, "--query: kql: column"},
		{"missing rules", []string{"detect", "--rules", "testdata/no-such-rules", "testdata/sample.ndjson"}, 1, "no-such-rules"},
		{"import nothing", []string{"rules", "import", "testdata/sample.ndjson"}, 1, "no rules imported"},
		{"lint bad format", []string{"rules", "lint", "--format", "xml", "--demo"}, 2, "unknown format"},
		{"rules bad format", []string{"rules", "--format", "xml"}, 2, "unknown format"},
		{"bad format", []string{"detect", "--format", "xml", "testdata/sample.ndjson"}, 2, "unknown format"},
		{"missing file", []string{"detect", "testdata/does-not-exist.ndjson"}, 1, "does-not-exist.ndjson"},
		{"missing second file", []string{"detect", "testdata/sample.ndjson", "testdata/does-not-exist.ndjson"}, 1, "open testdata/does-not-exist.ndjson"},
		{"a directory", []string{"detect", "testdata"}, 1, "testdata: is a directory, not an NDJSON file"},
		{"console, missing file", []string{"testdata/does-not-exist.ndjson"}, 1, "open testdata/does-not-exist.ndjson"},
		{"demo and files", []string{"detect", "--demo", "testdata/sample.ndjson"}, 2, "not both"},
		{"empty query", []string{"detect", "--query", "   ", "testdata/sample.ndjson"}, 2, "--query is empty"},
		{"empty query, quoted", []string{"detect", "--query", "", "testdata/sample.ndjson"}, 2, "--query is empty"},
		{"only query without one", []string{"detect", "--only", "query", "testdata/sample.ndjson"}, 2, "runs the ad hoc --query detector: give --query too"},
		{"empty group-by", []string{"detect", "--group-by", "", "testdata/sample.ndjson"}, 2, "--group-by is empty"},
		{"negative keep", []string{"--keep", "-1", "testdata/sample.ndjson"}, 2, "--keep -1"},
		{"fold window", []string{"detect", "--group", "--fold-window", "-5m", "testdata/sample.ndjson"}, 2, "--fold-window -5m0s: give a duration of 0 or more"},
		{"fold min", []string{"detect", "--group", "--fold-min", "1", "testdata/sample.ndjson"}, 2, "--fold-min 1: a campaign folds at least 2 groups"},
		{"allowlist kind", []string{"allowlist", "add", "color", "red", "--db", "testdata/none.db"}, 2, `unknown allowlist kind "color" (want ip, cidr, user_agent, user, path or domain)`},
		{"time range without --es", []string{"detect", "--demo", "--since", "5m"}, 2, "--since selects the events pulled from Elasticsearch: add --es"},
		{"version", []string{"version"}, 0, ""},
		{"rules", []string{"rules"}, 0, ""},
		{"completion", []string{"completion", "bash"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tt.code, errOut, tt.msg)
			}
			if code == 1 && out != "" {
				// Inputs are checked before anything is read.
				t.Errorf("a failed run printed findings first:\n%s", out)
			}
		})
	}
}

func TestRulesListsEverything(t *testing.T) {
	_, out, _ := cli(t, "", "rules", "--format", "ndjson")
	for _, id := range []string{"appsensor:RE2", "appsensor:CIE3", "appsensor:CIE4", "elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e", "elastic:eaa77d63-9679-4ce3-be25-3ba8b795e5fa"} {
		if !strings.Contains(out, `"id":"`+id+`"`) {
			t.Errorf("rules lacks %s", id)
		}
	}
}

func TestDemoDetect(t *testing.T) {
	code, out, errOut := cli(t, "", "detect", "--demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, det := range []string{"appsensor:RE2", "appsensor:CIE3", "appsensor:CIE4"} {
		if !strings.Contains(out, `"detector":"`+det+`"`) {
			t.Errorf("demo data raised no %s finding", det)
		}
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config.toml")
	os.WriteFile(cfgFile, []byte("db = \"/from/file.db\"\n[detect]\nformat = \"table\"\nonly = [\"appsensor:RE2\"]\n"), 0o600)
	env := map[string]string{"HOME": dir, "PICKET_CONFIG": cfgFile}
	getenv := func(k string) string { return env[k] }

	c, err := loadConfig("", getenv)
	if err != nil || c.DB != "/from/file.db" || c.Detect.Format != "table" || len(c.Detect.Only) != 1 {
		t.Fatalf("file: %+v %v", c, err)
	}
	env["PICKET_DB"] = "/from/env.db"
	env["PICKET_ONLY"] = "appsensor:CIE3, appsensor:CIE4"
	c, _ = loadConfig("", getenv)
	if c.DB != "/from/env.db" || strings.Join(c.Detect.Only, ",") != "appsensor:CIE3,appsensor:CIE4" {
		t.Errorf("env: %+v", c)
	}
	g := &globalFlags{db: "/from/flag.db"}
	c, _ = g.load(getenv)
	if c.DB != "/from/flag.db" {
		t.Errorf("flag: %+v", c)
	}
	// Defaults follow XDG when nothing is set.
	c, _ = loadConfig("", func(k string) string { return map[string]string{"HOME": "/h"}[k] })
	if c.DB != "/h/.local/share/picket/picket.db" || c.Detect.Format != "ndjson" {
		t.Errorf("defaults: %+v", c)
	}
	// A named config that is missing or malformed is an error naming it.
	if _, err := loadConfig(filepath.Join(dir, "nope.toml"), getenv); err == nil {
		t.Error("missing explicit config accepted")
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("db = \n"), 0o600)
	if _, err := loadConfig(bad, getenv); err == nil || !strings.Contains(err.Error(), "bad.toml:1") {
		t.Errorf("malformed config: %v", err)
	}
	unknown := filepath.Join(dir, "unknown.toml")
	os.WriteFile(unknown, []byte("colour = \"red\"\n"), 0o600)
	if _, err := loadConfig(unknown, getenv); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown key: %v", err)
	}
}

// TestReadmeConfigExample keeps the README's configuration example valid:
// every key it shows must be one Picket reads.
func TestReadmeConfigExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "```toml\ndb = ")
	if start < 0 {
		t.Fatal("README has no configuration example starting with db =")
	}
	block := text[start+len("```toml\n"):]
	block = block[:strings.Index(block, "```")]
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(block), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(p, func(string) string { return "" })
	if err != nil {
		t.Fatalf("README example does not load: %v", err)
	}
	if c.Spike.Threshold != 75 || c.AppSensor.Learn.MinRequests != 100 || c.AppSensor.Thresholds["AE2"] != "10/15m" {
		t.Errorf("README example read as %+v", c)
	}
}

// cliHome is cli with a fixed home directory, so commands can share the
// imported rules.
func cliHome(t *testing.T, home string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runIn(home, "", nil, args...)
}

func TestRulesList(t *testing.T) {
	code, out, errOut := cli(t, "", "rules", "--format", "json", "--rules", "testdata/rules")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	byID := map[string]map[string]any{}
	for _, r := range rows {
		id, _ := r["id"].(string)
		if byID[id] != nil {
			t.Errorf("%s listed twice", id)
		}
		byID[id] = r
		for _, k := range []string{"title", "type", "severity", "risk_score", "runs_locally", "readiness", "why"} {
			if _, ok := r[k]; !ok {
				t.Errorf("%s lacks %q", id, k)
			}
		}
	}
	tests := []struct {
		id, typ, severity string
		risk              float64
		runs              bool
		why               string
	}{
		{"elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e", "query", "medium", 47, true, "KQL"},
		{"elastic:eaa77d63-9679-4ce3-be25-3ba8b795e5fa", "machine_learning", "low", 21, true, ""},
		{"elastic:0c3b7f52-0000-4000-8000-000000000010", "query", "high", 73, true, "KQL"},
		{"elastic:0c3b7f52-0000-4000-8000-000000000011", "query", "low", 21, false, "Lucene"},
		{"elastic:0c3b7f52-0000-4000-8000-000000000012", "threshold", "medium", 47, false, "threshold rules"},
		{"appsensor:RE2", "appsensor", "high", 73, true, ""},
	}
	for _, tt := range tests {
		r := byID[tt.id]
		if r == nil {
			t.Errorf("%s not listed", tt.id)
			continue
		}
		why, _ := r["why"].(string)
		if r["type"] != tt.typ || r["severity"] != tt.severity || r["risk_score"] != tt.risk || r["runs_locally"] != tt.runs || !strings.Contains(why, tt.why) {
			t.Errorf("%s: %v", tt.id, r)
		}
	}
	// The table says the same for people; bad files are named on stderr.
	code, out, errOut = cli(t, "", "rules", "--rules", "testdata/rules")
	if code != 0 || !strings.Contains(out, "threshold") || !strings.Contains(out, "no: not available yet: query rules in Lucene syntax") {
		t.Errorf("table (exit %d):\n%s", code, out)
	}
	if !strings.Contains(errOut, "testdata/rules/export.ndjson:4: invalid JSON") {
		t.Errorf("stderr lacks the bad line: %s", errOut)
	}
}

func TestRulesImportAndDetect(t *testing.T) {
	home := t.TempDir()
	code, out, errOut := cliHome(t, home, "rules", "import", "testdata/rules/web_post_403_any_case.toml")
	if code != 0 || !strings.Contains(out, "imported 1 rule(s) from testdata/rules/web_post_403_any_case.toml into "+filepath.Join(home, "config", "picket", "rules")) {
		t.Fatalf("import exit %d:\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(home, "config", "picket", "rules", "web_post_403_any_case.toml")); err != nil {
		t.Fatal(err)
	}
	// The imported rule now runs by default: it finds the 6 upper-case and
	// the 1 lower-case POST 403s; the faithful seed rule finds only the
	// lower-case one and its lint says what it misses.
	code, out, errOut = cliHome(t, home, "detect", "testdata/rules-apm.ndjson")
	if code != 0 {
		t.Fatalf("detect exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, `"detector":"elastic:0c3b7f52-0000-4000-8000-000000000020"`); n != 7 {
		t.Errorf("imported rule: %d findings, want 7\n%s", n, out)
	}
	if n := strings.Count(out, `"detector":"elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e"`); n != 1 || !strings.Contains(out, `"reason":"post answered 403 on /api/orders matched rule \"Web Application Suspicious Activity: POST Request Declined\" (http.response.status_code:403 and http.request.method:post)"`) {
		t.Errorf("seed rule: %d findings\n%s", n, out)
	}
	for _, want := range []string{
		"picket: lint: elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e: http.request.method: 'post' occurs in 1 event, but 'POST' occurs in 6 events that otherwise match the rule (7 events in all) — the rule misses them, e.g. r-001, r-002, r-003; fixed query: http.response.status_code:403 and http.request.method:(post or POST) [6 event(s)]",
		"picket: lint: elastic:0c3b7f52-0000-4000-8000-000000000020: Elastic would have raised at most 5 of these 6 in one 5-minute run (from 2026-11-03 10:00 UTC); Picket reports every match [1 event(s)]",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks\n%s\nin\n%s", want, errOut)
		}
	}
	// rules lint reads the same rules.
	code, out, errOut = cliHome(t, home, "rules", "lint", "testdata/rules-apm.ndjson")
	if code != 0 {
		t.Fatalf("lint exit %d: %s", code, errOut)
	}
	golden(t, "rules-lint.golden.txt", out)
}

func TestDetectQuery(t *testing.T) {
	code, out, errOut := cli(t, "", "detect", "--only", "query", "--query", "http.response.status_code >= 400 and not http.request.method:post", "testdata/rules-apm.ndjson")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d findings, want the 6 upper-case POST 403s:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.Contains(l, `"detector":"query"`) || !strings.Contains(l, `"reason":"POST answered 403 on /api/cart matched the query (http.response.status_code >= 400 and not http.request.method:post)"`) {
			t.Errorf("finding %s", l)
		}
	}
	// Without --only the query runs beside every other detector.
	_, out, _ = cli(t, "", "detect", "--query", "url.path:/api/orders", "testdata/rules-apm.ndjson")
	if !strings.Contains(out, `"detector":"query"`) || !strings.Contains(out, `"detector":"elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e"`) {
		t.Errorf("query beside the others:\n%s", out)
	}
}

func TestRulesLintDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("14 days of demo data")
	}
	code, out, errOut := cli(t, "", "rules", "lint", "--demo", "--only", "elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "http.request.method: 'post' never occurs; 'POST' occurs in ") || !strings.Contains(out, "the rule misses all of them") ||
		!strings.Contains(out, "fixed query: http.response.status_code:403 and http.request.method:(post or POST)") {
		t.Errorf("lint output:\n%s", out)
	}
}

func TestMergeLints(t *testing.T) {
	in := []triage.Lint{
		{Detector: "appsensor:RE1", Message: "warming up", Count: 9},
		{Detector: "appsensor:RE3", Message: "warming up", Count: 9},
		{Detector: "appsensor:RE5", Message: "warming up", Count: 11},
		{Detector: "elastic:x", Message: "warming up", Count: 9},
		{Detector: "appsensor:CIE2", Message: "no spans", Count: 0},
	}
	want := []triage.Lint{
		{Detector: "appsensor:RE1,RE3,elastic:x", Message: "warming up", Count: 9},
		{Detector: "appsensor:RE5", Message: "warming up", Count: 11},
		{Detector: "appsensor:CIE2", Message: "no spans", Count: 0},
	}
	if got := mergeLints(in); !reflect.DeepEqual(got, want) {
		t.Errorf("mergeLints =\n%v\nwant\n%v", got, want)
	}
}

// TestBrokenRuleQueryIsNamed: a rule whose KQL does not parse is never left
// out silently — import and detect both name it, with the column.
func TestBrokenRuleQueryIsNamed(t *testing.T) {
	p := filepath.Join(t.TempDir(), "broken.ndjson")
	rule := `{"rule_id":"broken-1","name":"Broken \u001b[31mrule","severity":"low","risk_score":1,"type":"query","language":"kuery","query":"a:\"unterminated","index":["traces-apm*"],"enabled":true}` + "\n"
	if err := os.WriteFile(p, []byte(rule), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "", "detect", "--rules", p, "testdata/sample.ndjson")
	if code != 0 || !strings.Contains(errOut, "rule elastic:broken-1") || !strings.Contains(errOut, "does not parse") || !strings.Contains(errOut, "column") {
		t.Errorf("detect: exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(errOut, "\x1b") {
		t.Errorf("raw ESC from a rule name reached stderr: %q", errOut)
	}
	_, out, _ := cli(t, "", "rules", "import", p)
	if strings.Contains(out, "runs locally") || !strings.Contains(out, "does not parse") {
		t.Errorf("import says: %q", out)
	}
}

// writeRuleTree writes rule files (slash-separated names) under a new
// temporary folder and returns it.
func writeRuleTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ndjsonRule is one line of a Kibana rule export.
func ndjsonRule(id, name string, version int) string {
	return `{"rule_id":"` + id + `","name":"` + name + `","version":` + strconv.Itoa(version) +
		`,"severity":"low","risk_score":1,"type":"query","language":"kuery","query":"url.path:/x"}` + "\n"
}

// TestRulesImportFolderKeepsSameNames is issue 17.6 from the command line:
// a/rule.ndjson and b/rule.ndjson were "imported 2" and one was kept; a
// rule_id held twice was shadowed without a word.
func TestRulesImportFolderKeepsSameNames(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		imported string
		listed   []string
		stderr   []string
	}{
		{
			name:     "same file name in two folders",
			files:    map[string]string{"a/rule.ndjson": ndjsonRule("r-a", "A", 1), "b/rule.ndjson": ndjsonRule("r-b", "B", 1)},
			imported: "imported 2 rule(s) from ",
			listed:   []string{`"id":"elastic:r-a"`, `"id":"elastic:r-b"`},
		},
		{
			name:     "one rule_id in two files",
			files:    map[string]string{"a/rule.ndjson": ndjsonRule("dup", "old", 1), "b/rule.ndjson": ndjsonRule("dup", "new", 2)},
			imported: "imported 2 rule(s) from ",
			listed:   []string{`"title":"new"`},
			stderr:   []string{"rule_id dup appears 2 times: ", filepath.Join("a", "rule.ndjson") + ":1 (v1)", filepath.Join("b", "rule.ndjson") + ":1 (v2)", "runs (highest version)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			src := writeRuleTree(t, tt.files)
			code, out, errOut := cliHome(t, home, "rules", "import", src)
			if code != 0 || !strings.Contains(out, tt.imported) {
				t.Fatalf("import exit %d:\n%s%s", code, out, errOut)
			}
			for name := range tt.files {
				if !strings.Contains(out, name) {
					t.Errorf("import output does not say it stored %s:\n%s", name, out)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("import stderr lacks %q:\n%s", want, errOut)
				}
			}
			_, list, _ := cliHome(t, home, "rules", "--format", "ndjson")
			for _, want := range tt.listed {
				if !strings.Contains(list, want) {
					t.Errorf("rules list lacks %s:\n%s", want, list)
				}
			}
		})
	}
}

// TestRuleFileAttacksOneMessage is issue 17.7 from the command line: a
// device or an events file given as rules is one message naming it, not
// an out-of-memory crash or a message per line.
func TestRuleFileAttacksOneMessage(t *testing.T) {
	var events strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&events, `{"@timestamp":"2026-11-03T10:00:00Z","event":{"id":"e%d"}}`+"\n", i)
	}
	dir := writeRuleTree(t, map[string]string{"events.ndjson": events.String()})
	eventsFile := filepath.Join(dir, "events.ndjson")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"import a device", []string{"rules", "import", "/dev/zero"}, 1, "/dev/zero: binary data (a NUL byte at offset 0): not a rule file"},
		{"import events", []string{"rules", "import", eventsFile}, 1, eventsFile + ":1: not a rule file: its first 10 non-empty lines are not rules"},
		{"events as --rules", []string{"detect", "--rules", eventsFile, "testdata/sample.ndjson"}, 0, eventsFile + ":1: not a rule file"},
		{"events as --rules of the list", []string{"rules", "--rules", eventsFile}, 0, eventsFile + ":1: not a rule file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := os.Stat("/dev/zero"); err != nil && strings.Contains(tt.name, "device") {
				t.Skip("no /dev/zero")
			}
			code, _, errOut := cli(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d: %s", code, tt.code, errOut)
			}
			var about []string
			for _, l := range strings.Split(errOut, "\n") {
				if strings.Contains(l, "/dev/zero") || strings.Contains(l, eventsFile) {
					about = append(about, l)
				}
			}
			if len(about) != 1 || !strings.Contains(about[0], tt.want) {
				t.Errorf("want one line saying %q, got %d:\n%s", tt.want, len(about), strings.Join(about, "\n"))
			}
		})
	}
}

// TestImportedRuleProblemsOnce is issue 17.10: an imported export with bad
// lines had them printed again by every later command. Import names them;
// picket rules names them again on request; every other command says one
// line.
func TestImportedRuleProblemsOnce(t *testing.T) {
	home := t.TempDir()
	code, _, errOut := cliHome(t, home, "rules", "import", "testdata/rules/export.ndjson")
	if code != 0 || !strings.Contains(errOut, "export.ndjson:4: invalid JSON") || !strings.Contains(errOut, "export.ndjson:5: not a rule") {
		t.Fatalf("import exit %d: %s", code, errOut)
	}
	stored := filepath.Join(home, "config", "picket", "rules", "export.ndjson")
	summary := "picket: imported rules: 2 bad lines in " + stored + " (picket rules names them)"
	tests := []struct {
		name  string
		args  []string
		full  bool // every problem named
		lines int  // stderr lines about the stored file
	}{
		{"detect", []string{"detect", "testdata/rules-apm.ndjson"}, false, 1},
		{"lint", []string{"rules", "lint", "testdata/rules-apm.ndjson"}, false, 1},
		{"rules list", []string{"rules"}, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cliHome(t, home, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			n := strings.Count(errOut, stored)
			if n != tt.lines {
				t.Errorf("%d lines name %s, want %d:\n%s", n, stored, tt.lines, errOut)
			}
			if full := strings.Contains(errOut, stored+":4: invalid JSON"); full != tt.full {
				t.Errorf("bad line named: %v, want %v:\n%s", full, tt.full, errOut)
			}
			if !tt.full && !strings.Contains(errOut, summary) {
				t.Errorf("stderr lacks %q:\n%s", summary, errOut)
			}
		})
	}
}

// TestRuleMessagesEscapeHostileText: file names and rule names from an
// imported folder reach the terminal escaped in the new import, duplicate
// and summary messages.
func TestRuleMessagesEscapeHostileText(t *testing.T) {
	home := t.TempDir()
	src := writeRuleTree(t, map[string]string{
		"a\x1b]0;pwned\x07/rule.ndjson": ndjsonRule("dup", `evil \u001b[2J name`, 1) + "{not json\n",
		"b/rule.ndjson":                 ndjsonRule("dup", `other \u009b31m`, 2),
	})
	tests := []struct {
		name string
		args []string
	}{
		{"import", []string{"rules", "import", src}},
		{"list", []string{"rules"}},
		{"detect", []string{"detect", "testdata/sample.ndjson"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out, errOut := cliHome(t, home, tt.args...)
			if !strings.Contains(out+errOut, "dup") {
				t.Fatalf("nothing said about the rules:\n%s%s", out, errOut)
			}
			for _, s := range []string{out, errOut} {
				if strings.ContainsAny(s, "\x1b\x07\u009b") {
					t.Errorf("raw control characters in %q", s)
				}
			}
		})
	}
}

// TestRulesImportSameNameTogether: two files of one name given to one
// import are both kept, and replacing a file names the rules it drops.
func TestRulesImportSameNameTogether(t *testing.T) {
	home := t.TempDir()
	src := writeRuleTree(t, map[string]string{
		"x/rule.ndjson": ndjsonRule("r-x", "X", 1),
		"y/rule.ndjson": ndjsonRule("r-y", "Y", 1),
	})
	x, y := filepath.Join(src, "x", "rule.ndjson"), filepath.Join(src, "y", "rule.ndjson")
	tests := []struct {
		name   string
		args   []string
		stdout []string
		stderr string
		listed []string
	}{
		{"together", []string{"rules", "import", x, y}, []string{"stored rule.ndjson (new)", "stored rule-2.ndjson (new)"}, "", []string{"elastic:r-x", "elastic:r-y"}},
		{"one over the other", []string{"rules", "import", y}, []string{"stored rule.ndjson (replaced the earlier import)"}, "rule.ndjson: replaced; the rule it held that the new file lacks is no longer imported: r-x (X)", []string{"elastic:r-y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cliHome(t, home, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if tt.stderr != "" && !strings.Contains(errOut, tt.stderr) || tt.stderr == "" && errOut != "" {
				t.Errorf("stderr %q, want %q", errOut, tt.stderr)
			}
			_, list, _ := cliHome(t, home, "rules", "--format", "ndjson")
			for _, id := range tt.listed {
				if !strings.Contains(list, `"id":"`+id+`"`) {
					t.Errorf("rules list lacks %s", id)
				}
			}
		})
	}
}

// A negative --max-groups is a usage error, before any screen is taken.
func TestMaxGroupsMustNotBeNegative(t *testing.T) {
	code, _, stderr := cli(t, "", "--max-groups", "-1")
	if code != 2 || !strings.Contains(stderr, "--max-groups -1: give 0 (no limit) or more") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestMistypedCommand: a first argument that is no file and reads as a
// command is refused with the commands' names, before any console opens.
func TestMistypedCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"finding"}, `unknown command or file "finding"`},
		{[]string{"detec", "x.ndjson"}, "did you mean detect?"},
	} {
		code, _, errOut := cli(t, "", tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d: %s", tc.args, code, errOut)
		}
	}
	// A file of that name still opens (here: its console fails for want
	// of a terminal, not with the usage error).
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "events"), []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if _, _, errOut := cli(t, "", "events"); strings.Contains(errOut, "unknown command") {
		t.Errorf("an existing file was taken for a command: %s", errOut)
	}
}

// TestGroupByFieldWithoutValues: grouping by a field no finding has a
// value for (misspelt, absent) says so rather than silently putting
// everything under (none).
func TestGroupByFieldWithoutValues(t *testing.T) {
	for _, tc := range []struct {
		by   string
		warn bool
	}{
		{"usr.name,source.ip", true},
		{"user.name,source.ip", false},
		{"detector", false},
	} {
		code, _, errOut := cli(t, "", "detect", "--demo", "--group-by", tc.by)
		said := strings.Contains(errOut, "no finding has a value for usr.name")
		if code != 0 || said != tc.warn || (tc.warn && strings.Contains(errOut, "value for source.ip")) {
			t.Errorf("--group-by %s: exit %d, warned %v, want %v:\n%s", tc.by, code, said, tc.warn, errOut)
		}
	}
}

// TestInterruptedExit: a command stopped by Ctrl-C (its context cancelled)
// says so and exits 130, not 1 with "context canceled".
func TestInterruptedExit(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	home := t.TempDir()
	getenv := func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	code := Run(ctx, []string{"detect", "--demo"}, strings.NewReader(""), &out, &errb, getenv)
	if code != exitInterrupted || !strings.Contains(errb.String(), "picket: interrupted") || strings.Contains(errb.String(), "context canceled") {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}
