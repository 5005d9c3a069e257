package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/teatest"

	"picket/triage"
)

const postRuleID = "elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e"

// postLint is what the rule linter says about the seed POST rule on APM
// data.
var postLint = triage.Lint{Detector: postRuleID, Count: 68,
	Message: "http.request.method: 'post' never occurs; 'POST' occurs in 68 events that otherwise match the rule — " +
		"the rule misses all of them, e.g. ev-1, ev-2, ev-3; fixed query: " +
		"http.request.method:(post or POST) and http.response.status_code:403"}

// testRules is a small catalogue: AppSensor points that run and one that
// needs configuration, the seed POST rule (no findings, one lint), an ML
// rule that does not run and an imported rule left out by --only.
func testRules() []RuleInfo {
	return []RuleInfo{
		{Info: triage.DetectorInfo{ID: "appsensor:CIE1", Title: "Blocked SQL injection", Severity: triage.Critical, RiskScore: 90,
			Readiness: triage.RunsLocally, Summary: "requests the WAF blocked as SQL injection"}, Type: "appsensor", InRun: true},
		{Info: triage.DetectorInfo{ID: "appsensor:AE4", Title: "Login from a new country", Severity: triage.Medium, RiskScore: 47,
			Readiness: triage.NeedsConfig, Why: "set appsensor.geoip to a GeoLite2 database"}, Type: "appsensor"},
		{Info: triage.DetectorInfo{ID: postRuleID, Title: "Web Application Suspicious Activity: POST Request Declined",
			Severity: triage.Medium, RiskScore: 47, Readiness: triage.RunsLocally,
			Summary: "a POST the application refused with 403"}, Type: "query", InRun: true},
		{Info: triage.DetectorInfo{ID: "elastic:spike-ml", Title: "Spike in Firewall Denies", Severity: triage.Low, RiskScore: 21,
			Readiness: triage.NotAvailable, Why: "machine learning job high_count_network_denies"}, Type: "machine_learning"},
		{Info: triage.DetectorInfo{ID: "elastic:0000-imported", Title: "Imported scanner rule", Severity: triage.High, RiskScore: 73,
			Readiness: triage.RunsLocally}, Type: "query", Source: "rules/scanner.toml"},
	}
}

func rulesOptions(tb testing.TB, copied *[]string) Options {
	o := testOptions(tb, nil)
	o.Rules = testRules()
	o.Lints = func() []triage.Lint {
		return []triage.Lint{postLint, {Detector: "appsensor:CIE1", Message: "12 events had no url.path"}, {Detector: "appsensor:CIE1", Message: "second lint"}}
	}
	o.Copy = func(s string) error { *copied = append(*copied, s); return nil }
	return o
}

// ruleIndex finds a detector's row.
func ruleIndex(t *testing.T, m *model, id string) int {
	t.Helper()
	for i, r := range m.rules.rows {
		if r.Info.ID == id {
			return i
		}
	}
	t.Fatalf("no row for %s", id)
	return -1
}

func TestRulesKeys(t *testing.T) {
	var copied []string
	m := consoleAt(t, rulesOptions(t, &copied), 120, 30)
	keys(m, "R")
	if m.view != viewRules || m.rules.detail {
		t.Fatalf("R: view %d detail %v", m.view, m.rules.detail)
	}
	// The catalogue first, then what the run reported on that it lacks.
	var ids []string
	for _, r := range m.rules.rows {
		ids = append(ids, r.Info.ID)
	}
	want := []string{"appsensor:CIE1", "appsensor:AE4", postRuleID, "elastic:spike-ml", "elastic:0000-imported",
		"appsensor:AE3", "appsensor:RE2", "elastic:9a7c3f10-1111-2222-3333-444455556666", "query"}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("rows %v\nwant %v", ids, want)
	}
	if m.rules.counts["appsensor:CIE1"] != 2 || m.rules.counts[postRuleID] != 0 {
		t.Errorf("counts %v", m.rules.counts)
	}

	tests := []struct {
		name string
		keys []string
		want []string // in the view
		copy string   // what y copied, if pressed
	}{
		{"list badges", nil, []string{"[1 lint]", "[2 lints]", "no ", "not run"}, ""},
		{"id copied in the list", []string{"y"}, nil, "appsensor:CIE1"},
		{"detail of the POST rule", []string{"j", "j", "enter"}, []string{"LINTS (1)", "fixed query: http.request.method:(post or POST)", "[68 events]", "0 findings in this run"}, ""},
		{"fixed query copied", []string{"y"}, nil, "http.request.method:(post or POST) and http.response.status_code:403"},
		{"esc back to the list", []string{"esc"}, []string{"FINDINGS"}, ""},
		{"a rule without lints", []string{"j", "enter"}, []string{"none in this run", "does not run locally: not available yet: machine learning job"}, ""},
		{"second lint selected", []string{"esc", "g", "enter", "j"}, []string{"▸ 2. second lint"}, ""},
		{"lint copied without a fix", []string{"y"}, nil, "second lint"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(copied)
			keys(m, tc.keys...)
			v := m.View()
			for _, w := range tc.want {
				if !strings.Contains(v, w) {
					t.Errorf("view lacks %q:\n%s", w, v)
				}
			}
			if tc.copy != "" && (len(copied) != n+1 || copied[n] != tc.copy) {
				t.Errorf("copied %q, want %q", copied[n:], tc.copy)
			}
		})
	}

	keys(m, "esc", "esc")
	if m.view != viewQueue {
		t.Errorf("esc esc: view %d, want the queue", m.view)
	}
	keys(m, "enter", "R")
	if m.view != viewRules || m.rules.back != viewGroup {
		t.Fatalf("R from the group: view %d back %d", m.view, m.rules.back)
	}
	keys(m, "R")
	if m.view != viewGroup {
		t.Errorf("R again: view %d, want the group", m.view)
	}
}

// TestRulesViewWithoutCatalogue: with no catalogue wired, the view lists
// what the run reported on.
func TestRulesViewWithoutCatalogue(t *testing.T) {
	o := testOptions(t, nil)
	o.Lints = func() []triage.Lint { return []triage.Lint{postLint} }
	m := consoleAt(t, o, 100, 30)
	keys(m, "R")
	if i := ruleIndex(t, m, postRuleID); len(m.rules.rows[i].lints) != 1 {
		t.Errorf("POST rule row %+v", m.rules.rows[i])
	}
	ruleIndex(t, m, "appsensor:CIE1")
}

func TestLintBadge(t *testing.T) {
	st := newStyles()
	tests := []struct {
		n    int
		want string
	}{{0, ""}, {1, "[1 lint]"}, {3, "[3 lints]"}}
	for _, tc := range tests {
		if got := st.lintBadge(tc.n); got != tc.want {
			t.Errorf("lintBadge(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if lipglossWidth("⚑") != 1 {
		t.Errorf("the flag is %d cells wide", lipglossWidth("⚑"))
	}
}

func TestSplitFix(t *testing.T) {
	tests := []struct{ in, text, fix string }{
		{postLint.Message, postLint.Message[:strings.Index(postLint.Message, "; fixed query")], "http.request.method:(post or POST) and http.response.status_code:403"},
		{"field x never occurs", "field x never occurs", ""},
	}
	for _, tc := range tests {
		text, fix := splitFix(tc.in)
		if text != tc.text || fix != tc.fix {
			t.Errorf("splitFix(%q) = %q, %q", tc.in, text, fix)
		}
	}
}

// TestRulesGolden renders the rules view and a rule's lints.
func TestRulesGolden(t *testing.T) {
	tests := []struct {
		name string
		w, h int
		keys []string
	}{
		{"list_80x24", 80, 24, []string{"R", "j", "j"}},
		{"list_120x30", 120, 30, []string{"R", "j", "j"}},
		{"lints_80x24", 80, 24, []string{"R", "j", "j", "enter"}},
		{"lints_120x30", 120, 30, []string{"R", "j", "j", "enter"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var copied []string
			m := consoleAt(t, rulesOptions(t, &copied), tc.w, tc.h)
			keys(m, tc.keys...)
			v := m.View()
			if n := strings.Count(v, "\n") + 1; n != tc.h {
				t.Errorf("%d lines, want %d", n, tc.h)
			}
			for i, l := range strings.Split(v, "\n") {
				if w := lipglossWidth(l); w > tc.w {
					t.Errorf("line %d is %d wide: %q", i, w, l)
				}
			}
			if !strings.Contains(v, "[1 lint]") {
				t.Errorf("no lint badge:\n%s", v)
			}
			teatest.RequireEqualOutput(t, []byte(v))
		})
	}
}

// TestLintMarks: a detector with lints is marked where its findings are
// listed, in the queue and in the group view.
func TestLintMarks(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want string
	}{
		{"queue row", nil, "!elastic:9a…"},
		{"finding row", []string{"j", "enter"}, "!elastic:9a7c"},
		{"unmarked detector", []string{"enter"}, " CIE1 "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(t, nil)
			o.Lints = func() []triage.Lint {
				return []triage.Lint{{Detector: "elastic:9a7c3f10-1111-2222-3333-444455556666", Message: "field x never occurs"}}
			}
			m := consoleAt(t, o, 120, 30)
			keys(m, tc.keys...)
			if v := m.View(); !strings.Contains(v, tc.want) {
				t.Errorf("view lacks %q:\n%s", tc.want, v)
			}
		})
	}
}

func TestLintDetectors(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"appsensor:AE10,AE11", []string{"appsensor:AE10", "appsensor:AE11"}},
		{postRuleID, []string{postRuleID}},
		{"query", []string{"query"}},
		{"appsensor:AE1, AE2,", []string{"appsensor:AE1", "appsensor:AE2"}},
	}
	for _, tc := range tests {
		if got := lintDetectors(tc.in); strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("lintDetectors(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
