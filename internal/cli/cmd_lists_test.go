package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// plantedLogins: one login per address; what Kibana would hide for each
// exception is in the tests' tables.
const plantedLogins = `{"@timestamp":"2026-01-05T10:00:00Z","source":{"ip":"10.20.0.5"},"user":{"name":"anna"},"url":{"path":"/login"}}
{"@timestamp":"2026-01-05T10:01:00Z","source":{"ip":"192.0.2.15"},"user":{"name":"svc-backup"},"url":{"path":"/login"}}
{"@timestamp":"2026-01-05T10:02:00Z","source":{"ip":"203.0.113.9"},"user":{"name":"admin"},"url":{"path":"/login"}}
{"@timestamp":"2026-01-05T10:03:00Z","user":{"name":"anna"},"url":{"path":"/login"}}
{"@timestamp":"2026-01-05T10:04:00Z","source":{"ip":"2001:db8:7::42"},"user":{"name":"Anna"},"url":{"path":"/login"}}
`

// loginRule is a Kibana rule export whose exceptions_list attaches one
// list that will be imported and one that will not.
const loginRule = `{"rule_id":"r-login","name":"Login seen","severity":"low","risk_score":21,"type":"query","language":"kuery","query":"url.path:\"/login\"",` +
	`"exceptions_list":[{"id":"x1","list_id":"login-rule-exceptions","namespace_type":"single","type":"rule_default"},{"list_id":"never-imported","namespace_type":"single","type":"detection"}]}
{"exported_count":1,"exported_rules_count":1,"missing_rules":[],"missing_rules_count":0}
`

// kibanaListWith is an exception list export of one item with entries.
func kibanaListWith(listID, entries string) string {
	return `{"list_id":"` + listID + `","name":"` + listID + `","type":"detection","namespace_type":"single"}
{"item_id":"` + listID + `-1","list_id":"` + listID + `","name":"item of ` + listID + `","type":"simple","namespace_type":"single","entries":` + entries + `}
`
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// findingsBy runs detect and returns, per detector, the source addresses
// of its findings ("-" for none).
func findingsBy(t *testing.T, args ...string) (map[string][]string, string) {
	t.Helper()
	code, out, errOut := cli(t, "", append([]string{"detect"}, args...)...)
	if code != 0 {
		t.Fatalf("detect: exit %d: %s", code, errOut)
	}
	got := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var f struct {
			Detector string `json:"detector"`
			SourceIP string `json:"source_ip"`
		}
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		ip := f.SourceIP
		if ip == "" {
			ip = "-"
		}
		got[f.Detector] = append(got[f.Detector], ip)
	}
	for _, v := range got {
		slices.Sort(v)
	}
	return got, errOut
}

// TestValueListExceptionsInDetect is issue 14's done-when through the
// CLI: a Kibana exception list with list entries, imported together with
// its value lists, hides exactly the findings Kibana would, and a rule's
// own exception list applies to that rule only.
func TestValueListExceptionsInDetect(t *testing.T) {
	all := []string{"-", "10.20.0.5", "192.0.2.15", "2001:db8:7::42", "203.0.113.9"}
	tests := []struct {
		name    string
		entries string
		lists   [][3]string // file body, type, id
		kept    []string    // addresses of the query's findings left
		stderr  string
	}{
		{"ip: is in list", `[{"field":"source.ip","operator":"included","type":"list","list":{"id":"office","type":"ip"}}]`,
			[][3]string{{"10.20.0.5\n192.0.2.15\n", "ip", "office"}}, []string{"-", "2001:db8:7::42", "203.0.113.9"}, ""},
		{"ip: is not in list (an absent address is not in it)", `[{"field":"source.ip","operator":"excluded","type":"list","list":{"id":"office","type":"ip"}}]`,
			[][3]string{{"10.20.0.5\n192.0.2.15\n", "ip", "office"}}, []string{"10.20.0.5", "192.0.2.15"}, ""},
		{"ip_range: CIDR and range", `[{"field":"source.ip","operator":"included","type":"list","list":{"id":"nets","type":"ip_range"}}]`,
			[][3]string{{"10.0.0.0/8\n192.0.2.0-192.0.2.31\n2001:db8:7::/48\n", "ip_range", "nets"}}, []string{"-", "203.0.113.9"}, ""},
		{"keyword: exact, case-sensitive", `[{"field":"user.name","operator":"included","type":"list","list":{"id":"people","type":"keyword"}}]`,
			[][3]string{{"anna\nsvc-backup\n", "keyword", "people"}}, []string{"2001:db8:7::42", "203.0.113.9"}, ""},
		{"two lists ANDed", `[{"field":"user.name","operator":"included","type":"list","list":{"id":"people","type":"keyword"}},{"field":"source.ip","operator":"excluded","type":"list","list":{"id":"office","type":"ip"}}]`,
			[][3]string{{"anna\n", "keyword", "people"}, {"10.20.0.5\n", "ip", "office"}}, []string{"10.20.0.5", "192.0.2.15", "2001:db8:7::42", "203.0.113.9"}, ""},
		{"missing value list hides nothing", `[{"field":"source.ip","operator":"excluded","type":"list","list":{"id":"partners","type":"ip"}}]`,
			nil, all, `value list "partners"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "cases.db")
			writeFiles(t, dir, map[string]string{"events.ndjson": plantedLogins, "list.ndjson": kibanaListWith("web", tt.entries)})
			for i, l := range tt.lists {
				name := filepath.Join(dir, "list"+string(rune('a'+i))+".txt")
				writeFiles(t, dir, map[string]string{filepath.Base(name): l[0]})
				if code, _, errOut := cli(t, "", "lists", "import", "--db", db, name, "--type", l[1], "--id", l[2]); code != 0 {
					t.Fatalf("lists import: exit %d: %s", code, errOut)
				}
			}
			if code, _, errOut := cli(t, "", "exceptions", "import", "--db", db, filepath.Join(dir, "list.ndjson")); code != 0 {
				t.Fatalf("exceptions import: exit %d: %s", code, errOut)
			}
			got, errOut := findingsBy(t, "--db", db, "--query", `url.path:"/login"`, "--only", "query", filepath.Join(dir, "events.ndjson"))
			if !slices.Equal(got["query"], tt.kept) {
				t.Errorf("kept %v, want %v\n%s", got["query"], tt.kept, errOut)
			}
			if tt.stderr != "" && !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, errOut)
			}
		})
	}
}

func TestRuleExceptionListInDetect(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cases.db")
	writeFiles(t, dir, map[string]string{
		"events.ndjson": plantedLogins,
		"rules.ndjson":  loginRule,
		"list.ndjson": kibanaListWith("login-rule-exceptions",
			`[{"field":"source.ip","operator":"included","type":"list","list":{"id":"office","type":"ip"}}]`),
		"office.txt": "10.20.0.5\n192.0.2.15\n",
	})
	for _, args := range [][]string{
		{"lists", "import", "--db", db, filepath.Join(dir, "office.txt"), "--type", "ip", "--id", "office"},
		{"exceptions", "import", "--db", db, filepath.Join(dir, "list.ndjson")},
	} {
		if code, _, errOut := cli(t, "", args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args[:2], code, errOut)
		}
	}
	rule := "elastic:r-login"
	got, errOut := findingsBy(t, "--db", db, "--rules", filepath.Join(dir, "rules.ndjson"), "--query", `url.path:"/login"`,
		"--only", rule+",query", filepath.Join(dir, "events.ndjson"))
	all := []string{"-", "10.20.0.5", "192.0.2.15", "2001:db8:7::42", "203.0.113.9"}
	if want := []string{"-", "2001:db8:7::42", "203.0.113.9"}; !slices.Equal(got[rule], want) {
		t.Errorf("the rule kept %v, want %v (its list applied)\n%s", got[rule], want, errOut)
	}
	if !slices.Equal(got["query"], all) {
		t.Errorf("the query kept %v, want all %v: the rule's list applies to the rule only", got["query"], all)
	}
	if !strings.Contains(errOut, `lint: elastic:r-login: the rule's exceptions_list names exception list "never-imported"`) {
		t.Errorf("no lint names the missing list:\n%s", errOut)
	}
}

// TestListsCommands: import, list, show, append, replace, type clash,
// remove, and bad files named FILE:LINE; nothing raw reaches the terminal.
func TestListsCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cases.db")
	writeFiles(t, dir, map[string]string{
		"ips.txt":   "192.0.2.1\n\n192.0.2.2\r\n192.0.2.1\n",
		"more.txt":  "192.0.2.3\n",
		"bad.txt":   "192.0.2.1\n# office\n" + hostile + "\n",
		"words.txt": "svc" + hostile + "\n",
	})
	f := func(n string) string { return filepath.Join(dir, n) }
	steps := []struct {
		args []string
		code int
		out  string // in stdout+stderr
	}{
		{[]string{"lists", "--db", db}, 1, "no case file"},
		{[]string{"lists", "import", "--db", db, f("ips.txt"), "--type", "ip", "--id", "office"}, 0, "2 value(s) read, 1 duplicate(s) kept once, 1 blank line(s) skipped; the list holds 2"},
		{[]string{"lists", "import", "--db", db, f("more.txt"), "--type", "ip", "--id", "office", "--append"}, 0, "the list holds 3"},
		{[]string{"lists", "--db", db}, 0, "office  ip    3"},
		{[]string{"lists", "show", "--db", db, "office"}, 0, "192.0.2.1\n192.0.2.2\n192.0.2.3\n"},
		{[]string{"lists", "import", "--db", db, f("more.txt"), "--type", "ip", "--id", "office"}, 0, "the list holds 1"},
		{[]string{"lists", "import", "--db", db, f("more.txt"), "--type", "ip_range", "--id", "office"}, 1, "office is ip, not ip_range"},
		{[]string{"lists", "import", "--db", db, f("bad.txt"), "--type", "ip", "--id", "x"}, 1, "bad.txt:2: \"# office\" is not an IP address"},
		{[]string{"lists", "import", "--db", db, f("bad.txt"), "--type", "ip", "--id", "x"}, 1, "bad.txt:3:"},
		{[]string{"lists", "import", "--db", db, f("ips.txt"), "--type", "text", "--id", "x"}, 2, "want ip, ip_range or keyword"},
		{[]string{"lists", "import", "--db", db, f("ips.txt"), "--type", "ip"}, 2, "--id is required"},
		{[]string{"lists", "import", "--db", db, f("words.txt"), "--type", "keyword", "--id", "w" + hostile}, 0, `\x1b]52`},
		{[]string{"lists", "--db", db}, 0, `w\x1b]52`},
		{[]string{"lists", "show", "--db", db, "w" + hostile}, 0, `svc\x1b]52`},
		{[]string{"lists", "remove", "--db", db, "office"}, 0, "removed value list office"},
		{[]string{"lists", "remove", "--db", db, "office"}, 1, "no value list office"},
		{[]string{"lists", "show", "--db", db, "office"}, 1, "no value list office"},
	}
	for _, st := range steps {
		code, out, errOut := cli(t, "", st.args...)
		if code != st.code || !strings.Contains(out+errOut, st.out) {
			t.Errorf("%v: exit %d (want %d), output lacks %q:\n%s%s", st.args, code, st.code, st.out, out, errOut)
		}
		for name, s := range map[string]string{"stdout": out, "stderr": errOut} {
			if r, _, ok := rawControl(s); ok {
				t.Errorf("%v: raw %U on %s", st.args[:2], r, name)
			}
		}
	}
}

// TestListAndRemoveEntries: exceptions list and allowlist list show every
// column, count what each hides in a source given as detect takes it,
// and remove takes ids.
func TestListAndRemoveEntries(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cases.db")
	writeFiles(t, dir, map[string]string{
		"events.ndjson": plantedLogins,
		"list.ndjson":   kibanaListWith("web", `[{"field":"user.name","operator":"included","type":"match","value":"anna"}]`),
		"rules.ndjson":  strings.Replace(loginRule, `"exceptions_list"`, `"x_exceptions_list"`, 1),
	})
	setup := [][]string{
		{"exceptions", "import", "--db", db, filepath.Join(dir, "list.ndjson")},
		{"allowlist", "add", "--db", db, "ip", "203.0.113.9", "--reason", "pentest " + hostile},
		{"allowlist", "add", "--db", db, "user", "nobody", "--expires", "1h"},
	}
	for _, args := range setup {
		if code, _, errOut := cli(t, "", args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args[:2], code, errOut)
		}
	}
	src := []string{"--rules", filepath.Join(dir, "rules.ndjson"), filepath.Join(dir, "events.ndjson")}
	steps := []struct {
		args  []string
		code  int
		want  []string // in stdout+stderr
		not   []string
		hides map[string]string // row id -> its HIDES cell
	}{
		{[]string{"exceptions", "list", "--db", db}, 0,
			[]string{"ID  LIST  DETECTOR  NAME", "AUTHOR", "CREATED", "1   web   *         item of web  user.name: anna", "never"}, []string{"HIDES"}, nil},
		{append([]string{"exceptions", "list", "--db", db}, src...), 0, []string{"HIDES", "5 finding(s), 3 hidden"}, nil, map[string]string{"1": "2"}},
		{[]string{"allowlist", "list", "--db", db}, 0,
			[]string{"ID  KIND  VALUE", "ip    203.0.113.9", `pentest \x1b]52`, "user  nobody"}, []string{"HIDES"}, nil},
		{append([]string{"allowlist", "list", "--db", db}, src...), 0, []string{"HIDES"}, nil, map[string]string{"1": "1", "2": "0"}},
		{[]string{"exceptions", "remove", "--db", db, "9"}, 1, []string{"no exception 9"}, nil, nil},
		{[]string{"exceptions", "remove", "--db", db, "x"}, 2, []string{`"x" is not an id`}, nil, nil},
		{[]string{"exceptions", "remove", "--db", db, "1"}, 0, []string{"removed exception 1 (item of web on *: user.name: anna)"}, nil, nil},
		{[]string{"exceptions", "list", "--db", db}, 0, []string{"no exceptions in"}, []string{"item of web"}, nil},
		{[]string{"allowlist", "rm", "--db", db, "1"}, 0, []string{"removed allowlist entry 1 (ip 203.0.113.9 on *)"}, nil, nil},
		{[]string{"allowlist", "remove", "--db", db, "1"}, 1, []string{"no allowlist entry 1"}, nil, nil},
		{[]string{"allowlist", "list", "--db", db}, 0, []string{"nobody"}, []string{"203.0.113.9"}, nil},
		{[]string{"exceptions", "list", "--db", db, "--demo", src[len(src)-1]}, 2, []string{"not both"}, nil, nil},
	}
	for _, st := range steps {
		code, out, errOut := cli(t, "", st.args...)
		all := out + errOut
		if code != st.code {
			t.Errorf("%v: exit %d, want %d:\n%s", st.args, code, st.code, all)
		}
		for _, w := range st.want {
			if !strings.Contains(all, w) {
				t.Errorf("%v: output lacks %q:\n%s", st.args, w, all)
			}
		}
		for _, w := range st.not {
			if strings.Contains(all, w) {
				t.Errorf("%v: output has %q:\n%s", st.args, w, all)
			}
		}
		for id, want := range st.hides {
			found := false
			for _, line := range strings.Split(out, "\n") {
				if f := strings.Fields(line); len(f) > 0 && f[0] == id {
					found = true
					if f[len(f)-1] != want {
						t.Errorf("%v: row %s hides %s, want %s", st.args[:2], id, f[len(f)-1], want)
					}
				}
			}
			if !found {
				t.Errorf("%v: no row %s:\n%s", st.args[:2], id, out)
			}
		}
		for name, s := range map[string]string{"stdout": out, "stderr": errOut} {
			if r, _, ok := rawControl(s); ok {
				t.Errorf("%v: raw %U on %s", st.args[:2], r, name)
			}
		}
	}
}

// TestBroadAllowlistNeedsForce: a stock browser user agent or a network
// wider than /24 (/48) is refused without --force and warned about with it.
func TestBroadAllowlistNeedsForce(t *testing.T) {
	chrome := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	tests := []struct {
		kind, value string
		force       bool
		code        int
		want        string
	}{
		{"user_agent", chrome, false, 2, "not allowlisted: this is a stock Chrome 124 / Windows user agent"},
		{"user_agent", chrome, true, 0, "warning: this is a stock Chrome 124"},
		{"user_agent", chrome + " UptimeProbe/3.0", false, 0, "saved"},
		{"user_agent", "curl/8.5.0", false, 0, "saved"},
		{"ip", "10.0.0.0/16", false, 2, "/16 is wider than /24"},
		{"cidr", "10.0.0.0/8", true, 0, "warning: /8 is wider than /24"},
		{"ip", "192.0.2.0/24", false, 0, "saved"},
		{"ip", "2001:db8::/40", false, 2, "/40 is wider than /48"},
		{"ip", "2001:db8::/48", false, 0, "saved"},
	}
	for _, tt := range tests {
		db := filepath.Join(t.TempDir(), "cases.db")
		args := []string{"allowlist", "add", "--db", db, tt.kind, tt.value}
		if tt.force {
			args = append(args, "--force")
		}
		code, out, errOut := cli(t, "", args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%s %q force=%v: exit %d (want %d), output lacks %q:\n%s", tt.kind, tt.value, tt.force, code, tt.code, tt.want, errOut)
		}
		if tt.code != 0 {
			if _, err := os.Stat(db); err == nil {
				t.Errorf("%s %q: a refused entry created the case file", tt.kind, tt.value)
			}
		}
	}
}

// TestImportDetectorChecked: --detector names a known detector, like the
// picket:detector tags do.
func TestImportDetectorChecked(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cases.db")
	writeFiles(t, dir, map[string]string{"list.ndjson": kibanaListWith("web", `[{"field":"user.name","operator":"included","type":"match","value":"anna"}]`)})
	code, _, errOut := cli(t, "", "exceptions", "import", "--db", db, "--detector", "appsensor:NOPE"+hostile, filepath.Join(dir, "list.ndjson"))
	if code != 2 || !strings.Contains(errOut, "--detector appsensor:NOPE") || !strings.Contains(errOut, "not a detector Picket knows") {
		t.Errorf("unknown --detector: exit %d: %s", code, errOut)
	}
	if r, _, ok := rawControl(errOut); ok {
		t.Errorf("raw %U on stderr", r)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a refused import created the case file")
	}
	if code, _, errOut := cli(t, "", "exceptions", "import", "--db", db, "--detector", "appsensor:AE2", filepath.Join(dir, "list.ndjson")); code != 0 {
		t.Errorf("known --detector: exit %d: %s", code, errOut)
	}
}

// TestDemoCaseFileCommands: --demo points the case-file commands at the
// demo's case file, where the console keeps what is made on the demo
// data, and the lists count what its entries hide as detect --demo
// judges the demo (with the demo shop's honey paths: HT2 fires on
// 203.0.113.88). Without --demo, a missing default file names the demo's.
func TestDemoCaseFileCommands(t *testing.T) {
	home := t.TempDir()
	demoDB := filepath.Join(home, "data", "picket", "demo.db")
	if code, _, errOut := runIn(home, "", nil, "allowlist", "add", "--db", demoDB, "ip", "203.0.113.88", "--reason", "demo honey path visitor"); code != 0 {
		t.Fatalf("add: exit %d: %s", code, errOut)
	}
	code, out, errOut := runIn(home, "", nil, "allowlist", "list", "--demo")
	if code != 0 || !strings.Contains(out, "203.0.113.88") {
		t.Fatalf("allowlist list --demo: exit %d:\n%s%s", code, out, errOut)
	}
	_, detOut, detErr := runIn(home, "", nil, "detect", "--demo", "--only", "appsensor:HT2")
	if !strings.Contains(detErr, "1 suppressed") || strings.Contains(detOut, "203.0.113.88") {
		t.Fatalf("detect --demo does not hide the HT2 finding: %s", detErr)
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "1" && f[len(f)-1] != "1" {
			t.Errorf("entry 1 hides %s of the demo's findings, detect --demo hides 1:\n%s", f[len(f)-1], out)
		}
	}
	for _, args := range [][]string{{"case", "list", "--demo"}, {"export", "--all", "--demo", "--out", filepath.Join(home, "r.md")}} {
		if code, _, errOut := runIn(home, "", nil, args...); code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
		}
	}
	code, _, errOut = runIn(home, "", nil, "case", "list")
	if code == 0 || !strings.Contains(errOut, "demo.db: add --demo") {
		t.Errorf("case list without a default file: exit %d: %s", code, errOut)
	}
}

// TestAllowDetectorChecked: allowlist add refuses an entry for a detector
// Picket does not know (it would never apply), as exceptions import does.
func TestAllowDetectorChecked(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cases.db")
	code, _, errOut := cli(t, "", "allowlist", "add", "--db", db, "ip", "192.0.2.5", "--detector", "nosuch")
	if code != 2 || !strings.Contains(errOut, "--detector nosuch: not a detector Picket knows") {
		t.Errorf("unknown --detector: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a refused entry created the case file")
	}
	for _, det := range []string{"appsensor:UT2", "*"} {
		if code, _, errOut := cli(t, "", "allowlist", "add", "--db", db, "ip", "192.0.2.5", "--detector", det); code != 0 {
			t.Errorf("--detector %s: exit %d: %s", det, code, errOut)
		}
	}
}

// TestAllowExpiresAsTheConsole: --expires reads what the console's
// dialog reads (triage.ParseExpiry): a duration, whole days, a date (the
// end of that day) or an RFC 3339 time; a past date is refused.
func TestAllowExpiresAsTheConsole(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cases.db")
	day := time.Now().UTC().AddDate(1, 0, 0).Format("2006-01-02")
	for i, exp := range []string{"12h", "30d", day, time.Now().UTC().AddDate(0, 2, 0).Format(time.RFC3339)} {
		ip := fmt.Sprintf("192.0.2.%d", i+1)
		if code, _, errOut := cli(t, "", "allowlist", "add", "--db", db, "ip", ip, "--expires", exp); code != 0 {
			t.Errorf("--expires %s: exit %d: %s", exp, code, errOut)
		}
	}
	code, out, errOut := cli(t, "", "allowlist", "list", "--db", db)
	if code != 0 || !strings.Contains(out, day) {
		t.Errorf("list: exit %d, no expiry on %s:\n%s%s", code, day, out, errOut)
	}
	for _, bad := range []string{"2020-01-01", "soon"} {
		if code, _, errOut := cli(t, "", "allowlist", "add", "--db", db, "ip", "192.0.2.99", "--expires", bad); code != 2 || !strings.Contains(errOut, "--expires "+bad) {
			t.Errorf("--expires %s: exit %d: %s", bad, code, errOut)
		}
	}
}

// TestWriteOutNamesTheFile: a write that cannot happen names the file
// asked for, not the temporary file written beside it.
func TestWriteOutNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	e := &env{stdout: io.Discard, stderr: io.Discard}
	write := func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing", "x.md"), filepath.Join(dir, "missing", "x.md") + ": no such file or directory"},
		{dir, dir + ": it is a directory"},
	} {
		err := writeOut(e, tc.path, write)
		if err == nil || err.Error() != "cannot write "+tc.want {
			t.Errorf("writeOut(%s) = %v, want %q", tc.path, err, "cannot write "+tc.want)
		}
	}
	if err := writeOut(e, filepath.Join(dir, "ok.md"), write); err != nil {
		t.Errorf("a plain write: %v", err)
	}
}
