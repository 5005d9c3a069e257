package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// cli runs picket in-process with a clean environment rooted in a temp dir.
func cli(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	home := t.TempDir()
	getenv := func(k string) string {
		switch k {
		case "HOME":
			return home
		case "XDG_CONFIG_HOME":
			return filepath.Join(home, "config")
		case "XDG_DATA_HOME":
			return filepath.Join(home, "data")
		}
		return ""
	}
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, getenv)
	return code, out.String(), errb.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
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
		{"pending detector", []string{"detect", "--only", "elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e", "testdata/sample.ndjson"}, 2, "not available yet"},
		{"point that cannot run", []string{"detect", "--only", "appsensor:IE6", "testdata/sample.ndjson"}, 2, "cannot be judged"},
		{"query not yet", []string{"detect", "--query", "a:b", "testdata/sample.ndjson"}, 2, "KQL engine"},
		{"bad format", []string{"detect", "--format", "xml", "testdata/sample.ndjson"}, 2, "unknown format"},
		{"missing file", []string{"detect", "testdata/does-not-exist.ndjson"}, 1, "does-not-exist.ndjson"},
		{"demo and files", []string{"detect", "--demo", "testdata/sample.ndjson"}, 2, "not both"},
		{"version", []string{"version"}, 0, ""},
		{"rules", []string{"rules"}, 0, ""},
		{"completion", []string{"completion", "bash"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(t, "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tt.code, errOut, tt.msg)
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
