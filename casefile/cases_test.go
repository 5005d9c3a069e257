package casefile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"picket/triage"
)

var update = flag.Bool("update", false, "rewrite golden files")

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
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

// fixedClock makes the case file stamp t0, t0+1s, … and the local user
// alice, for reproducible exports.
func fixedClock(t *testing.T) time.Time {
	t.Helper()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	n := 0
	old := clock
	clock = func() time.Time { n++; return t0.Add(time.Duration(n) * time.Second) }
	t.Cleanup(func() { clock = old })
	t.Setenv("PICKET_USER", "alice")
	return t0
}

func TestEnsureCase(t *testing.T) {
	fixedClock(t)
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	c, err := s.EnsureCase(ctx, "203.0.113.9 sqlmap/1.7", "SQL injection from 203.0.113.9", "medium")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != StatusOpen || c.Assignee != "alice" || c.CreatedBy != "alice" || c.Severity != "medium" {
		t.Errorf("new case = %+v", c)
	}
	again, err := s.EnsureCase(ctx, "203.0.113.9 sqlmap/1.7", "another title", "high")
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != c.ID || again.Title != c.Title || again.Severity != "high" {
		t.Errorf("EnsureCase again = %+v, want same case raised to high", again)
	}
	if lower, _ := s.EnsureCase(ctx, "203.0.113.9 sqlmap/1.7", "", "low"); lower.Severity != "high" {
		t.Errorf("severity lowered to %s", lower.Severity)
	}
	if _, err := s.EnsureCase(ctx, "", "t", "low"); err == nil {
		t.Error("empty key accepted")
	}
	if _, err := s.EnsureCase(ctx, "k", "t", "urgent"); err == nil {
		t.Error("unknown severity accepted")
	}

	tests := []struct {
		status string
		ok     bool
	}{{StatusAcknowledged, true}, {StatusClosed, true}, {StatusOpen, true}, {"in_progress", false}, {"", false}}
	for _, tt := range tests {
		err := s.SetCaseStatus(ctx, c.ID, tt.status, "bob")
		if (err == nil) != tt.ok {
			t.Errorf("SetCaseStatus(%q) = %v", tt.status, err)
		}
	}
	if err := s.SetCaseStatus(ctx, 999, StatusClosed, "bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("status of a missing case: %v", err)
	}
	if _, err := s.Case(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Case(999) = %v", err)
	}
	other, _ := s.EnsureCase(ctx, "198.51.100.4 curl/8", "curl", "low")
	if err := s.SetCaseStatus(ctx, other.ID, StatusClosed, "bob"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		filter CaseFilter
		want   []int64
	}{
		{CaseFilter{}, []int64{other.ID, c.ID}},
		{CaseFilter{Status: []string{StatusOpen}}, []int64{c.ID}},
		{CaseFilter{Status: []string{StatusClosed, StatusOpen}}, []int64{other.ID, c.ID}},
		{CaseFilter{Limit: 1}, []int64{other.ID}},
		{CaseFilter{Assignee: "nobody"}, nil},
	} {
		cs, err := s.Cases(ctx, f.filter)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		if !reflect.DeepEqual(ids, f.want) {
			t.Errorf("Cases(%+v) = %v, want %v", f.filter, ids, f.want)
		}
	}
	if _, err := s.Cases(ctx, CaseFilter{Status: []string{"done"}}); err == nil {
		t.Error("unknown status filter accepted")
	}
	act, _ := s.CaseActivity(ctx, c.ID)
	var kinds []string
	for _, a := range act {
		kinds = append(kinds, a.Kind)
	}
	if want := []string{"opened", "severity", "status", "status", "status"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("activity kinds %v, want %v", kinds, want)
	}
}

// TestMigrationKeepsCases opens a version-1 file holding a case in the
// old in_progress status, with items and notes, and checks 0002 keeps
// them, maps the status and keeps cascading deletes working.
func TestMigrationKeepsCases(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	v1, err := embeddedMigrations().Open("0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	body := new(bytes.Buffer)
	body.ReadFrom(v1)
	v1.Close()
	old, err := open(ctx, path, config{migrations: fstest.MapFS{"0001_init.sql": {Data: body.Bytes()}}, busyTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO cases (id, title, status, severity, created_at, updated_at) VALUES (7, 'old case', 'in_progress', 'high', 1, 2)`,
		`INSERT INTO case_items (case_id, item_kind, item_key, added_at) VALUES (7, 'alert', 'alert-1', 3)`,
		`INSERT INTO notes (case_id, target_kind, target_key, body, author, created_at) VALUES (7, 'case', '7', 'looked at it', 'bob', 4)`,
		`INSERT INTO exceptions (detector_id, entries, created_at) VALUES ('*', '[{"field":"a","type":"exists","operator":"included"}]', 5)`,
	} {
		if _, err := old.writer.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()

	s := openTest(t, path)
	c, err := s.Case(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != StatusAcknowledged || c.Title != "old case" || c.Severity != "high" {
		t.Errorf("migrated case = %+v", c)
	}
	items, _ := s.CaseItems(ctx, 7)
	notes, _ := s.CaseNotes(ctx, c)
	xs, _ := s.Exceptions(ctx, ExceptionFilter{})
	if len(items) != 1 || items[0].Key != "alert-1" || len(notes) != 1 || notes[0].Body != "looked at it" || len(xs) != 1 {
		t.Fatalf("after migration: items %+v notes %+v exceptions %+v", items, notes, xs)
	}
	if _, err := s.writer.ExecContext(ctx, `DELETE FROM cases WHERE id = 7`); err != nil {
		t.Fatal(err)
	}
	items, _ = s.CaseItems(ctx, 7)
	var n int
	s.reader.QueryRowContext(ctx, `SELECT count(*) FROM notes`).Scan(&n)
	if len(items) != 0 || n != 0 {
		t.Errorf("deleting the case left %d items and %d notes", len(items), n)
	}
	var fkProblems int
	s.reader.QueryRowContext(ctx, `SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fkProblems)
	if fkProblems != 0 {
		t.Errorf("%d foreign key problems", fkProblems)
	}
}

// hostile is what an attacker controls: a user agent with a pipe, a
// backtick, an escape sequence and HTML; a reason quoting a formula.
const hostileUA = "Mozilla/5.0 |x| `sqlmap` \x1b[31mred\x1b[0m <script>alert(1)</script>\u202e"

// buildCase fills a case file with one worked case and returns its id.
func buildCase(t *testing.T, s *Store) int64 {
	t.Helper()
	ctx := context.Background()
	key := triage.GroupKey{SourceIP: netip.MustParseAddr("203.0.113.9"), UserAgent: hostileUA}.String()
	c, err := s.EnsureCase(ctx, key, "SQL injection probes from 203.0.113.9", "high")
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Date(2026, 11, 19, 22, 14, 5, 0, time.UTC)
	fs := []triage.Finding{
		{Detector: "appsensor:CIE1", Title: "Blacklist Inspection for Common SQL Injection Values", Severity: triage.High, RiskScore: 73,
			Timestamp: t1, SourceIP: netip.MustParseAddr("203.0.113.9"), UserAgent: hostileUA,
			Reason: "=HYPERLINK(\"http://evil\") in q: ' OR '1'='1 -- | a\nb", Evidence: triage.RefsFromIDs([]string{"ev-1", "ev-2"}), EventCount: 2},
		{Detector: "appsensor:ACE3", Title: "Force Browsing Attempt", Severity: triage.Medium, RiskScore: 47,
			Timestamp: t1.Add(3 * time.Minute), End: t1.Add(5 * time.Minute), SourceIP: netip.MustParseAddr("203.0.113.9"), UserAgent: hostileUA,
			UserName: "@admin", Reason: "12 answers 404 on 12 paths", Evidence: triage.RefsFromIDs([]string{"ev-3"}), EventCount: 12},
	}
	if err := s.LinkFindings(ctx, c.ID, "alice", fs); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkFindings(ctx, c.ID, "alice", fs[:1]); err != nil { // twice: kept once
		t.Fatal(err)
	}
	ev := &triage.Event{ID: "ev-1", Raw: []byte(`{"url":{"full":"https://shop.example.com/search?q=%27+OR+%271%27%3D%271"},"user_agent":{"original":"x"}}`),
		Timestamp: t1, SourceIP: netip.MustParseAddr("203.0.113.9"), UserAgent: hostileUA, URLOriginal: "https://shop.example.com/search?q=%27+OR+%271%27%3D%271"}
	if err := s.LinkEvents(ctx, c.ID, "alice", ev); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkAlerts(ctx, c.ID, "alice", "4f1c0a9e8b7d"); err != nil {
		t.Fatal(err)
	}
	for _, tick := range []ChecklistItem{
		{DetectorID: "appsensor:CIE1", TargetKey: key, ItemID: "inv-payload", Checked: true, By: "alice", At: t1.Add(time.Hour), Note: "payload in q | classic tautology"},
		{DetectorID: "appsensor:CIE1", TargetKey: key, ItemID: "inv-answers", Checked: true, By: "alice", At: t1.Add(61 * time.Minute)},
		{DetectorID: "appsensor:CIE1", TargetKey: key, ItemID: "resp-block", Checked: false, By: "bob", At: t1.Add(62 * time.Minute)},
		{DetectorID: "appsensor:CIE1", TargetKey: key, ItemID: "inv-retired-step", Checked: true, By: "bob", At: t1.Add(63 * time.Minute)},
	} {
		if err := s.SetChecklistItem(ctx, tick); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []Note{
		{CaseID: c.ID, TargetKind: TargetCase, TargetKey: "case", Body: "All probes got **403**.\nBlocked at the WAF <b>today</b>.", Author: "alice", Created: t1.Add(70 * time.Minute)},
		{TargetKind: TargetGroup, TargetKey: key, Body: "Same UA seen last week \x1b]0;pwned\x07", Author: "bob", Created: t1.Add(80 * time.Minute)},
		{TargetKind: TargetGroup, TargetKey: "someone else", Body: "unrelated", Author: "bob", Created: t1},
	} {
		if _, err := s.AddNote(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddException(ctx, triage.Exception{ItemID: "office-scanner", Name: "Office scanner", Detector: "appsensor:ACE3", CaseID: c.ID,
		Entries: []triage.ExceptionEntry{{Field: "source.ip", Type: triage.EntryMatch, Operator: triage.OpIncluded, Value: "10.0.0.5"}},
		Reason:  "weekly | scan", Created: t1, Expires: t1.Add(30 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddException(ctx, triage.Exception{ItemID: "other-detector", Name: "Unrelated", Detector: "appsensor:UT2",
		Entries: []triage.ExceptionEntry{{Field: "user.name", Type: triage.EntryExists}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCaseStatus(ctx, c.ID, StatusAcknowledged, "alice"); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func TestExportGolden(t *testing.T) {
	t0 := fixedClock(t)
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	id := buildCase(t, s)
	r, err := s.Report(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 2 || len(r.Alerts) != 1 || len(r.Events) != 1 || len(r.Notes) != 2 || len(r.Exceptions) != 1 {
		t.Fatalf("report: %d findings %d alerts %d events %d notes %d exceptions",
			len(r.Findings), len(r.Alerts), len(r.Events), len(r.Notes), len(r.Exceptions))
	}
	opts := ExportOptions{Now: t0.Add(24 * time.Hour)}
	var md, js, cs bytes.Buffer
	if err := WriteMarkdown(&md, []Report{r}, opts); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, []Report{r}, opts); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(&cs, []Report{r}); err != nil {
		t.Fatal(err)
	}
	golden(t, "case.golden.md", md.String())
	golden(t, "case.golden.json", js.String())
	golden(t, "case.golden.csv", cs.String())

	// Whatever the content, no raw control character reaches any format,
	// and every Markdown table row keeps its column count.
	for name, out := range map[string]string{"md": md.String(), "json": js.String(), "csv": cs.String()} {
		if strings.ContainsAny(out, "\x1b\x07\u202e") {
			t.Errorf("%s export carries raw control characters", name)
		}
	}
	checkTables(t, md.String())
	var doc struct {
		Schema string            `json:"schema"`
		Cases  []json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || doc.Schema != ReportSchema || len(doc.Cases) != 1 {
		t.Errorf("JSON: %v, schema %q, %d cases", err, doc.Schema, len(doc.Cases))
	}
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("CSV: %v, %d rows", err, len(rows))
	}
	for _, row := range rows {
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("CSV cell %q can start a formula", c)
			}
		}
	}
}

// checkTables asserts every row of each Markdown table has as many cells
// as its header: an escaped '|' must not split a cell.
func checkTables(t *testing.T, md string) {
	t.Helper()
	cells := func(line string) int {
		n := 0
		for i := 0; i < len(line); i++ {
			if line[i] == '\\' {
				i++
				continue
			}
			if line[i] == '|' {
				n++
			}
		}
		return n
	}
	want := -1
	sc := bufio.NewScanner(strings.NewReader(md))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		if want < 0 {
			want = cells(line)
			continue
		}
		if got := cells(line); got != want {
			t.Errorf("table row has %d separators, header %d: %s", got, want, line)
		}
	}
}

func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+SUM(A1)", "'+SUM(A1)"},
		{"-2+3", "'-2+3"},
		{"@cmd", "'@cmd"},
		{"\t=1", `'\t=1`},
		{"\r=1", `'\r=1`},
		{"  =1", "'  =1"},
		{"＝1", "'＝1"},
		{"a=1", "a=1"},
		{"plain", "plain"},
		{"", ""},
		{"line\nbreak", `line\nbreak`},
		{"\x1b[2J", `\x1b[2J`},
		{"2026-11-19T22:14:05Z", "2026-11-19T22:14:05Z"},
	}
	for _, tt := range tests {
		if got := CSVCell(tt.in); got != tt.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	tests := []struct {
		fn       func(string) string
		in, want string
	}{
		{md, "a|b", `a\|b`},
		{md, "<script>", `\<script\>`},
		{md, "**bold** [x](y)", `\*\*bold\*\* \[x\](y)`},
		{md, "\x1b[31m", `\\x1b\[31m`}, // rendered: \x1b[31m
		{cellCode, "a|b", "`a\\|b`"},
		{code, "a|b", "`a|b`"},
		{code, "has `tick`", "`` has `tick` ``"},
		{code, "", "_(empty)_"},
		{mdBlock, "**ok**\n<img src=x>", "**ok**\n&lt;img src=x>"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAllowlist(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	for _, a := range []triage.AllowEntry{
		{Kind: triage.AllowIP, Value: "192.0.2.10", Reason: "monitor"},
		{Kind: triage.AllowIP, Value: "198.51.100.0/24"}, // stored as cidr
		{Kind: triage.AllowUserAgent, Value: "Pingdom.com_bot_version_1.4"},
		{Kind: triage.AllowUserAgent, Value: "evil\nline"},
		{Kind: triage.AllowIP, Value: "203.0.113.1", Expires: time.Now().Add(-time.Hour), Created: time.Now().Add(-2 * time.Hour)},
	} {
		if _, err := s.AddAllowEntry(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddAllowEntry(ctx, triage.AllowEntry{Kind: triage.AllowIP, Value: "not-an-ip"}); err == nil {
		t.Error("bad IP accepted")
	}
	active, err := s.Allowlist(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(active) != 4 {
		t.Errorf("%d active entries, want 4", len(active))
	}
}

// TestGroupCase pins down when and how a group becomes a case: the key,
// the title, the severity, and what a second call does.
func TestGroupCase(t *testing.T) {
	fixedClock(t)
	ip := netip.MustParseAddr("192.0.2.1")
	chrome := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	finding := func(sev triage.Severity, ua string, n int) triage.Finding {
		return triage.Finding{Detector: "appsensor:IE1", Severity: sev, Timestamp: time.Unix(int64(100+n), 0), SourceIP: ip, UserAgent: ua, Evidence: triage.RefsFromIDs([]string{strconv.Itoa(n)})}
	}
	many := make([]triage.Finding, MaxCaseFindings+5)
	for i := range many {
		many[i] = finding(triage.Medium, "curl/8.5.0", i)
	}
	tests := []struct {
		name     string
		key      triage.GroupKey
		findings []triage.Finding
		title    string
		severity string
		linked   int
		observed int // distinct observables
	}{
		{"known agent", triage.GroupKey{SourceIP: ip, UserAgent: chrome},
			[]triage.Finding{finding(triage.Medium, chrome, 1), finding(triage.High, chrome, 2)},
			"192.0.2.1 · Chrome 120 / Windows", "high", 2, 2},
		{"unrecognised agent: the agent itself", triage.GroupKey{SourceIP: ip, UserAgent: "ua\x1b"},
			[]triage.Finding{finding(triage.Medium, "ua\x1b", 1)}, "192.0.2.1 · ua\x1b", "medium", 1, 2},
		{"no address: the key", triage.GroupKey{UserAgent: chrome}, nil, "- " + chrome, "low", 0, 0},
		{"no findings: low", triage.GroupKey{SourceIP: ip, UserAgent: "curl/8.5.0"}, nil, "192.0.2.1 · curl (tool)", "low", 0, 0},
		{"low findings", triage.GroupKey{SourceIP: ip, UserAgent: "x"}, []triage.Finding{finding(triage.Low, "x", 1)}, "192.0.2.1 · x", "low", 1, 2},
		{"findings capped", triage.GroupKey{SourceIP: ip, UserAgent: "y"}, many, "192.0.2.1 · y", "medium", MaxCaseFindings, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
			c, err := s.GroupCase(ctx, tt.key, tt.findings, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if c.Key != tt.key.String() || c.Title != tt.title || c.Severity != tt.severity || c.Status != StatusOpen || c.Assignee != "alice" {
				t.Errorf("case %+v; want key %q title %q severity %s, open, assigned to alice", c, tt.key.String(), tt.title, tt.severity)
			}
			items, _ := s.CaseItems(ctx, c.ID)
			obs, _ := s.Observables(ctx, c.ID)
			if len(items) != tt.linked || len(obs) != tt.observed {
				t.Errorf("%d items, %d observables; want %d and %d", len(items), len(obs), tt.linked, tt.observed)
			}
			// Acting on the group again finds the same case; a more severe
			// finding raises it, the title stays.
			again, err := s.GroupCase(ctx, tt.key, append(tt.findings, finding(triage.Critical, tt.key.UserAgent, 999)), "bob")
			if err != nil || again.ID != c.ID || again.Title != c.Title || again.Severity != "critical" {
				t.Errorf("second call: %+v %v", again, err)
			}
			if cs, _ := s.Cases(ctx, CaseFilter{}); len(cs) != 1 {
				t.Errorf("%d cases after two calls", len(cs))
			}
			// A case that keeps part of its group's findings says so in
			// its timeline, once for each count, and in its report.
			r, _ := s.Report(ctx, c.ID)
			var cuts []string
			for _, a := range r.Timeline {
				if a.Kind == ActivityCut {
					cuts = append(cuts, a.Detail)
				}
			}
			if tt.linked == MaxCaseFindings {
				want := fmt.Sprintf("kept the first %d of the group's %d findings (a case keeps at most %d)", MaxCaseFindings, len(tt.findings)+1, MaxCaseFindings)
				if len(cuts) != 2 || cuts[1] != want || r.Cut() != want || !strings.Contains(Summary(r), want) {
					t.Errorf("cut lines %q, report's %q; want two, the last %q, in the summary too", cuts, r.Cut(), want)
				}
			} else if len(cuts) != 0 {
				t.Errorf("nothing was cut, the timeline says %q", cuts)
			}
		})
	}
}

func TestAddExceptionsRejects(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ok := []triage.ExceptionEntry{{Field: "a", Type: triage.EntryExists}}
	tests := []struct {
		name string
		x    triage.Exception
		want string
	}{
		{"no entries", triage.Exception{Name: "n"}, "without entries"},
		{"bad entry", triage.Exception{Entries: []triage.ExceptionEntry{{Field: "a", Type: "regex"}}}, "unknown type"},
		{"expires first", triage.Exception{Name: "late", Entries: ok, Created: t0, Expires: t0.Add(-time.Hour)}, "before it was created"},
	}
	for _, tt := range tests {
		if _, err := s.AddException(ctx, tt.x); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	// A batch with one bad exception stores none of them.
	_, err := s.AddExceptions(ctx, []triage.Exception{{Name: "good", Entries: ok}, tests[0].x})
	xs, _ := s.Exceptions(ctx, ExceptionFilter{})
	if err == nil || len(xs) != 0 {
		t.Errorf("partial batch stored %d exceptions (err %v)", len(xs), err)
	}
}

// A finding's impact survives the case file: kept when linked, read back
// in the report and written by the JSON export.
func TestFindingImpactInExports(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	f := triage.Finding{Detector: "appsensor:CIE2", Severity: triage.High, Timestamp: time.Unix(100, 0), SourceIP: netip.MustParseAddr("192.0.2.1"),
		Impact: triage.ImpactExfiltration, Evidence: triage.RefsFromIDs([]string{"e1"})}
	c, err := s.GroupCase(ctx, triage.GroupKey{SourceIP: f.SourceIP}, []triage.Finding{f}, "ana")
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Report(ctx, c.ID)
	if err != nil || len(r.Findings) != 1 || r.Findings[0].Finding.Impact != triage.ImpactExfiltration {
		t.Fatalf("report: %+v %v", r.Findings, err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, []Report{r}, ExportOptions{}); err != nil || !strings.Contains(b.String(), `"impact": "data exfiltration"`) && !strings.Contains(b.String(), `"impact":"data exfiltration"`) {
		t.Errorf("JSON export lacks the impact (%v):\n%s", err, b.String())
	}
}
