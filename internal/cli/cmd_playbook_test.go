package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"picket/casefile"
	"picket/detectors"
	"picket/playbooks"
	"picket/triage"
)

// TestEveryShippedDetectorHasAPlaybook: every detector picket rules lists
// as running locally or needing configuration, the Elastic seed rules and
// the learned AppSensor points have a checklist of three sections with at
// least three non-empty items each.
func TestEveryShippedDetectorHasAPlaybook(t *testing.T) {
	ids := map[string]bool{
		detectors.PostRequestDeclinedID: true,
		detectors.FirewallDenySpikeID:   true,
	}
	for _, p := range []string{"RE1", "RE3", "RE4", "RE5", "RE6", "RE7", "CIE2", "UT1", "UT3", "UT4", "STE1", "STE2", "STE3"} {
		ids["appsensor:"+p] = true
	}
	for _, info := range detectors.Catalogue(detectors.Options{}) {
		if info.Readiness == triage.RunsLocally || info.Readiness == triage.NeedsConfig {
			ids[info.ID] = true
		}
	}
	if len(ids) < 40 {
		t.Fatalf("only %d shipped detectors found; the catalogue changed shape", len(ids))
	}
	for id := range ids {
		p, ok := playbooks.For(id)
		if !ok {
			t.Errorf("%s has no playbook", id)
			continue
		}
		for _, k := range playbooks.Kinds {
			s := p.Section(k)
			if len(s.Items) < 3 {
				t.Errorf("%s: %s has %d items, want at least 3", id, k.Heading(), len(s.Items))
			}
			for _, it := range s.Items {
				if strings.TrimSpace(it.Text) == "" {
					t.Errorf("%s: empty item %s", id, it.ID)
				}
			}
		}
	}
}

func TestPlaybookCommand(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "r.toml")
	note := "### Possible investigation steps\n- Look at the client.\n- Look at the route.\n- Look at the \\u001b[2J time.\n\n" +
		"### False positive analysis\n- Health checks.\n\n### Response and remediation\n1. Block it.\n"
	toml := "[metadata]\ncreation_date = \"2026/11/01\"\n\n[rule]\nrule_id = \"0000aaaa-test\"\nname = \"Test rule\"\ndescription = \"d\"\n" +
		"type = \"query\"\nlanguage = \"kuery\"\nquery = \"http.response.status_code:500\"\nindex = [\"traces-apm*\"]\nrisk_score = 21\nseverity = \"low\"\n" +
		"note = \"\"\"\n" + note + "\"\"\"\n"
	if err := os.WriteFile(rules, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"bare AppSensor id", []string{"playbook", "cie1"}, 0, []string{"# Injection probes", "## False positive analysis", "action: `group`"}},
		{"seed rule", []string{"playbook", detectors.PostRequestDeclinedID}, 0, []string{"POST answered 403", "action: `count query="}},
		{"list", []string{"playbook", "--list"}, 0, []string{"appsensor:STE3", "elastic:eaa77d63-9679-4ce3-be25-3ba8b795e5fa"}},
		{"rule note from --rules", []string{"playbook", "elastic:0000aaaa-test", "--rules", rules}, 0,
			[]string{"# Test rule", "- [ ] Look at the route.", "- [ ] Block it.", `\x1b[2J`}},
		{"unknown", []string{"playbook", "appsensor:SE1"}, 2, nil},
		{"not in --rules", []string{"playbook", "elastic:nope", "--rules", rules}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.ContainsRune(out, 0x1b) {
				t.Error("raw escape character in output")
			}
		})
	}
}

const kibanaList = `{"description":"tuned in Kibana","id":"l1","immutable":false,"list_id":"web-tuning","name":"Web tuning","namespace_type":"single","os_types":[],"tags":[],"type":"detection","version":1}
{"comments":[],"description":"authorised scan","entries":[{"field":"user_agent.original","operator":"included","type":"wildcard","value":"Nikto/*"}],"item_id":"nikto","list_id":"web-tuning","name":"Nikto scans","namespace_type":"single","os_types":[],"tags":[],"type":"simple"}
{"comments":[],"description":"health probe","entries":[{"field":"source.ip","operator":"included","type":"match","value":"203.0.113.51"}],"item_id":"probe","list_id":"web-tuning","name":"Probe","namespace_type":"single","os_types":[],"tags":["picket:detector=appsensor:CIE4"],"type":"simple"}
{"exported_exception_list_count":1,"exported_exception_list_item_count":2,"missing_exception_list_item_count":0,"missing_exception_list_items":[],"missing_exception_lists":[],"missing_exception_lists_count":0}
`

// TestImportedExceptionsSuppressDetect imports a Kibana list and an
// allowlist entry into a case file and checks picket detect --db drops
// exactly the covered findings and says how many.
func TestImportedExceptionsSuppressDetect(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cases.db")
	list := filepath.Join(dir, "list.ndjson")
	if err := os.WriteFile(list, []byte(kibanaList), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "", "detect", "--db", db, "testdata/sample.ndjson")
	if code != 0 || !strings.Contains(errOut, "7 finding(s)") {
		t.Fatalf("baseline: exit %d: %s", code, errOut)
	}
	if code, _, errOut := cli(t, "", "exceptions", "import", "--db", db, list); code != 0 || !strings.Contains(errOut, "imported 2 exception(s) from 1 list(s)") {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	if code, _, errOut := cli(t, "", "allowlist", "add", "--db", db, "ip", "2001:db8::/32", "--reason", "lab", "--force"); code != 0 {
		t.Fatalf("allowlist add: exit %d: %s", code, errOut)
	}
	code, out, errOut := cli(t, "", "detect", "--db", db, "testdata/sample.ndjson")
	if code != 0 {
		t.Fatalf("detect: exit %d: %s", code, errOut)
	}
	var dets []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f struct {
			Detector string `json:"detector"`
			SourceIP string `json:"source_ip"`
		}
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if f.SourceIP != "203.0.113.52" {
			t.Errorf("finding %s from %s should have been suppressed", f.Detector, f.SourceIP)
		}
		dets = append(dets, f.Detector)
	}
	if len(dets) != 2 || !strings.Contains(errOut, "2 finding(s), 5 suppressed by exceptions or allowlists") ||
		!strings.Contains(errOut, "applying 2 exception(s) and 1 allowlist") {
		t.Errorf("kept %v; stderr:\n%s", dets, errOut)
	}

	// The list exports again with the same entries and the detector tag.
	code, out, errOut = cli(t, "", "exceptions", "export", "--db", db, "--list-id", "web-tuning")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], `"value":"Nikto/*"`) || !strings.Contains(lines[2], `"picket:detector=appsensor:CIE4"`) ||
		!strings.Contains(lines[3], `"exported_exception_list_item_count":2`) {
		t.Errorf("export:\n%s", out)
	}
	code, out, _ = cli(t, "", "allowlist", "export", "--db", db, "--kind", "ip")
	if code != 0 || out != "2001:db8::/32\n" {
		t.Errorf("allowlist export: exit %d %q", code, out)
	}
	// A value a line of text cannot hold is skipped, and the reason named.
	if code, _, errOut := cli(t, "", "allowlist", "add", "--db", db, "user_agent", "evil\x1b]0;pwned\x07", "--force"); code != 0 {
		t.Fatalf("allowlist add: exit %d: %s", code, errOut)
	}
	code, out, errOut = cli(t, "", "allowlist", "export", "--db", db, "--kind", "user_agent")
	if code != 0 || out != "" || !strings.Contains(errOut, "1 value(s) with control characters") {
		t.Errorf("allowlist export of a value with an escape: exit %d %q %s", code, out, errOut)
	}
}

func TestCaseAndExportCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cases.db")
	if code, _, errOut := cli(t, "", "case", "list", "--db", db); code != 1 || !strings.Contains(errOut, "no case file") {
		t.Errorf("missing case file: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("case list created the case file")
	}
	// A case file with one case, made the way the console makes it.
	seedCaseFile(t, db)
	tests := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"case", "list", "--db", db}, 0, []string{"ID", "open", "Probe from 198.51.100.7"}},
		{[]string{"case", "list", "--db", db, "--status", "closed"}, 0, nil},
		{[]string{"case", "list", "--db", db, "--status", "done"}, 2, nil},
		{[]string{"case", "list", "--db", db, "--format", "ndjson"}, 0, []string{`"status":"open"`}},
		{[]string{"case", "show", "1", "--db", db}, 0, []string{"# Case 1: Probe from 198.51.100.7", "## Checklist"}},
		{[]string{"case", "show", "9", "--db", db}, 1, nil},
		{[]string{"export", "--case", "1", "--format", "json", "--db", db}, 0, []string{`"schema": "picket.case/v1"`}},
		{[]string{"export", "--all", "--format", "csv", "--db", db}, 0, []string{"case_id,case_title", "'=cmd"}},
		{[]string{"export", "--db", db}, 2, nil},
		{[]string{"export", "--all", "--format", "pdf", "--db", db}, 2, nil},
	}
	for _, tt := range tests {
		code, out, errOut := cli(t, "", tt.args...)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d: %s", tt.args, code, tt.code, errOut)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", tt.args, w, out)
			}
		}
	}
	// Flag mistakes are usage errors that say which flag.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--all", "--status", "bogus", "--db", db}, "--status bogus: unknown status"},
		{[]string{"export", "--all", "--case", "1", "--db", db}, "give --case ID or --all, not both"},
		{[]string{"export", "--case", "1", "--status", "open", "--db", db}, "--status selects cases for --all"},
		{[]string{"case", "list", "--status", "done", "--db", db}, "--status done: unknown status"},
	} {
		if code, _, errOut := cli(t, "", tc.args...); code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d: %s; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	outFile := filepath.Join(dir, "report.csv")
	if code, _, errOut := cli(t, "", "export", "--all", "--format", "csv", "--out", outFile, "--db", db); code != 0 {
		t.Fatalf("export --out: %s", errOut)
	}
	f, err := os.Open(outFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Errorf("CSV file: %v, %d rows", err, len(rows))
	}
}

// seedCaseFile writes one case the way the console does: the group is
// acted on, its findings linked, a step ticked.
func seedCaseFile(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	st, err := casefile.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key := triage.GroupKey{SourceIP: netip.MustParseAddr("198.51.100.7"), UserAgent: "curl/8.5.0"}.String()
	c, err := st.EnsureCase(ctx, key, "Probe from 198.51.100.7", "high")
	if err != nil {
		t.Fatal(err)
	}
	f := triage.Finding{Detector: "appsensor:CIE4", Title: "CR/LF", Severity: triage.High, RiskScore: 73,
		Timestamp: time.Date(2026, 11, 3, 9, 2, 0, 0, time.UTC), SourceIP: netip.MustParseAddr("198.51.100.7"),
		UserAgent: "curl/8.5.0", Reason: "=cmd|' /C calc'!A0", Evidence: triage.RefsFromIDs([]string{"e1"}), EventCount: 1}
	if err := st.LinkFindings(ctx, c.ID, "alice", []triage.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetChecklistItem(ctx, casefile.ChecklistItem{DetectorID: "appsensor:CIE4", TargetKey: key, ItemID: "inv-payload", Checked: true, By: "alice"}); err != nil {
		t.Fatal(err)
	}
}

// A case file named with --db that is not there says so (a mistyped path
// would otherwise print what its entries hide as if nothing were
// suppressed); the default case file, not made yet, goes without a word.
func TestDetectSaysTheNamedCaseFileIsMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo", "cases.db")
	code, _, errOut := cli(t, "", "detect", "--db", missing, "testdata/sample.ndjson")
	if code != 0 || !strings.Contains(errOut, "picket: no case file at "+missing+": no exceptions or allowlist entries apply") {
		t.Errorf("--db missing: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("detect created the case file")
	}
	code, _, errOut = cliHome(t, t.TempDir(), "detect", "testdata/sample.ndjson")
	if code != 0 || strings.Contains(errOut, "no case file") {
		t.Errorf("default case file: exit %d: %s", code, errOut)
	}
}

// A --rules path that cannot be read is input that cannot be read (exit
// 1, as a missing FILE), named by its flag in every command that takes it.
func TestRulesFlagPathMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nosuch-rules")
	for _, args := range [][]string{{"detect", "--rules", missing, "testdata/sample.ndjson"}, {"rules", "--rules", missing}} {
		if code, _, errOut := cli(t, "", args...); code != 1 || !strings.Contains(errOut, "picket: --rules "+missing+": no such file or directory") {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
		}
	}
}

// A rule without a note says it has no guide, and nothing about the
// layout of a guide it does not have.
func TestPlaybookOfARuleWithoutNote(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(dir, "r.toml")
	if err := os.WriteFile(rule, []byte(`[rule]
name = "no guide"
rule_id = "0c3b7f52-0000-4000-8000-0000000000ee"
type = "query"
language = "kuery"
risk_score = 21
severity = "low"
query = "http.response.status_code:404"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "", "playbook", "--rules", rule, "elastic:0c3b7f52-0000-4000-8000-0000000000ee")
	if code != 0 || !strings.Contains(out, "has no investigation guide") || strings.Contains(out, "usual three lists") {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
}
