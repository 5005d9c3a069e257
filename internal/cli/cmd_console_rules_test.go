package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"picket/detectors"
	"picket/detectors/rules"
	"picket/triage"
)

func TestConsoleRules(t *testing.T) {
	imported, errs := rules.Load("testdata/rules/web_post_403_any_case.toml")
	if len(errs) > 0 || len(imported) != 1 {
		t.Fatalf("loading the test rule: %v (%d rules)", errs, len(imported))
	}
	importedID := imported[0].DetectorID()
	tests := []struct {
		name  string
		only  []string
		extra []*rules.Rule
		id    string
		want  bool // listed
		inRun bool
		typ   string
		src   string
	}{
		{"seed POST rule runs", nil, nil, detectors.PostRequestDeclinedID, true, true, "query", ""},
		{"appsensor point", nil, nil, "appsensor:CIE1", true, true, "appsensor", ""},
		{"left out by --only", []string{"appsensor:CIE1"}, nil, detectors.PostRequestDeclinedID, true, false, "query", ""},
		{"imported rule listed and run", nil, imported, importedID, true, true, "query", "testdata/rules/web_post_403_any_case.toml"},
		{"imported rule absent without import", nil, nil, importedID, false, false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg config
			cfg.Detect.Only = tc.only
			got := consoleRules(cfg, tc.extra)
			if len(got) == 0 {
				t.Fatal("no rules described")
			}
			var found bool
			for _, r := range got {
				if r.Info.ID != tc.id {
					continue
				}
				found = true
				if r.InRun != tc.inRun || r.Type != tc.typ || r.Source != tc.src {
					t.Errorf("%s: inRun %v type %q source %q; want %v %q %q", tc.id, r.InRun, r.Type, r.Source, tc.inRun, tc.typ, tc.src)
				}
				if r.InRun && r.Info.Readiness != triage.RunsLocally {
					t.Errorf("%s runs but says %q", tc.id, r.Info.Readiness)
				}
			}
			if found != tc.want {
				t.Errorf("%s listed = %v, want %v", tc.id, found, tc.want)
			}
		})
	}
}

// TestConsolePlaybooksMatchPlaybookCommand: the console's checklist panel
// gets the playbook picket playbook prints for the same detector,
// imported rules' investigation guides included.
func TestConsolePlaybooksMatchPlaybookCommand(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return dir
		}
		return ""
	}
	src := filepath.Join(t.TempDir(), "r.toml")
	rule := func(id, note string) string {
		return "[metadata]\ncreation_date = \"2026/11/01\"\n\n[rule]\nrule_id = \"" + id + "\"\nname = \"Imported " + id + "\"\ndescription = \"d\"\n" +
			"type = \"query\"\nlanguage = \"kuery\"\nquery = \"http.response.status_code:500\"\nindex = [\"traces-apm*\"]\nrisk_score = 21\nseverity = \"low\"\n" +
			"note = \"\"\"\n" + note + "\"\"\"\n"
	}
	guide := "### Possible investigation steps\n- Look at the client.\n- Look at the route.\n\n" +
		"### False positive analysis\n- Health checks.\n\n### Response and remediation\n1. Block it.\n"
	if err := os.WriteFile(src, []byte(rule("0000aaaa-guide", guide)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs := (rules.Store{Dir: rulesDir(getenv)}).Import(src); len(errs) > 0 {
		t.Fatal(errs)
	}
	var stderr strings.Builder
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, getenv: getenv}
	extra, err := loadRules(e, nil) // what runConsole reads
	if err != nil {
		t.Fatal(err)
	}
	console := consolePlaybooks{rules: append(extra, rules.Builtin()...)}
	tests := []struct {
		id    string
		found bool
		title string
	}{
		{"elastic:0000aaaa-guide", true, "Imported 0000aaaa-guide"},
		{"appsensor:CIE1", true, "Injection probes"},
		{detectors.PostRequestDeclinedID, true, ""},
		{"elastic:no-such-rule", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			want, err := findPlaybook(e, tc.id, nil)
			got, ok := console.For(tc.id)
			if ok != tc.found || (err == nil) != tc.found {
				t.Fatalf("console found %v, picket playbook err %v; want found %v", ok, err, tc.found)
			}
			if !ok {
				return
			}
			if got.Markdown() != want.Markdown() {
				t.Errorf("console playbook differs from picket playbook's:\n%s\n---\n%s", got.Markdown(), want.Markdown())
			}
			if !strings.HasPrefix(got.Title, tc.title) {
				t.Errorf("title %q, want %q", got.Title, tc.title)
			}
			if len(got.Items()) == 0 {
				t.Error("no steps")
			}
		})
	}
}
