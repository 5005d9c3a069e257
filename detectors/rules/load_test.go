package rules

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"picket/triage"
)

func TestLoadDirectory(t *testing.T) {
	rules, errs := Load("testdata/rules")
	byID := map[string]*Rule{}
	for _, r := range rules {
		byID[r.RuleID] = r
	}
	tests := []struct {
		id, name string
		typ      Type
		version  int
		sev      triage.Severity
		risk     int
		ready    triage.Readiness
		why      string
		source   string
	}{
		{"a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e", "Web Application Suspicious Activity: POST Request Declined", TypeQuery, 106, triage.Medium, 47, triage.RunsLocally, "KQL", "apm_403_response_to_a_post.toml"},
		{"eaa77d63-9679-4ce3-be25-3ba8b795e5fa", "Spike in Firewall Denies", TypeMachineLearning, 0, triage.Low, 21, triage.RunsLocally, "spike model", "ml_high_count_network_denies.toml"},
		{"0c3b7f52-0000-4000-8000-000000000001", "Picket test: EQL sequence", TypeEQL, 0, triage.High, 73, triage.NotAvailable, "EQL", "eql_sequence.toml"},
		{"0c3b7f52-0000-4000-8000-000000000010", "Picket test: admin path probed", TypeQuery, 3, triage.High, 73, triage.RunsLocally, "KQL", "export.ndjson:1"},
		{"0c3b7f52-0000-4000-8000-000000000011", "Picket test: Lucene rule", TypeQuery, 1, triage.Low, 21, triage.NotAvailable, "Lucene", "export.ndjson:2"},
		{"0c3b7f52-0000-4000-8000-000000000012", "Picket test: threshold", TypeThreshold, 1, triage.Medium, 47, triage.NotAvailable, "threshold", "export.ndjson:3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := byID[tt.id]
			if r == nil {
				t.Fatalf("rule %s not loaded", tt.id)
			}
			ready, why := r.Readiness()
			if r.Name != tt.name || r.Type != tt.typ || r.Version != tt.version || r.Severity != tt.sev || r.RiskScore != tt.risk {
				t.Errorf("got %q %s v%d %s %d", r.Name, r.Type, r.Version, r.Severity, r.RiskScore)
			}
			if ready != tt.ready || !strings.Contains(why, tt.why) {
				t.Errorf("readiness %s: %s", ready, why)
			}
			if !strings.HasSuffix(r.Source, tt.source) {
				t.Errorf("source %q, want …%s", r.Source, tt.source)
			}
		})
	}
	if len(rules) != len(tests) {
		t.Errorf("loaded %d rules, want %d", len(rules), len(tests))
	}
	// One error per bad file or line, naming it.
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	for _, want := range []string{
		filepath.Join("testdata", "rules", "broken.toml") + ":4: ",
		filepath.Join("testdata", "rules", "no_severity.toml") + ": rule 0c3b7f52-0000-4000-8000-000000000003 has no severity",
		filepath.Join("testdata", "rules", "export.ndjson") + ":4: invalid JSON",
		filepath.Join("testdata", "rules", "export.ndjson") + ":5: not a rule: no rule_id",
	} {
		if !slices.ContainsFunc(msgs, func(m string) bool { return strings.HasPrefix(m, want) }) {
			t.Errorf("no error starting %q in:\n%s", want, strings.Join(msgs, "\n"))
		}
	}
	if len(errs) != 4 {
		t.Errorf("%d errors, want 4:\n%s", len(errs), strings.Join(msgs, "\n"))
	}
}

func TestLoadFields(t *testing.T) {
	rules, _ := Load("testdata/rules/export.ndjson", "testdata/rules/ml_high_count_network_denies.toml", "testdata/rules/apm_403_response_to_a_post.toml")
	admin, ml, post := rules[0], rules[3], rules[4]
	if admin.IntervalDuration().String() != "1m0s" || admin.LookBack().String() != "2m0s" || admin.EffectiveMaxSignals() != 50 ||
		!slices.Equal(admin.Tactics, []string{"Reconnaissance"}) || !admin.Enabled || admin.Query != "url.path:/admin* and not http.request.method:get" {
		t.Errorf("admin rule: %+v", admin)
	}
	if rules[2].Enabled {
		t.Error("threshold rule exported disabled but loaded enabled")
	}
	if !slices.Equal(ml.MLJobIDs, []string{"high_count_network_denies"}) || ml.AnomalyThreshold != 75 || ml.LookBack().String() != "30m0s" ||
		ml.IntervalDuration().String() != "15m0s" || ml.EffectiveMaxSignals() != 100 || !slices.Equal(ml.Tactics, []string{"Command and Control"}) {
		t.Errorf("ML rule: %+v", ml)
	}
	if post.Query != "http.response.status_code:403 and http.request.method:(POST or post)" || post.TimestampOverride != "event.ingested" ||
		!strings.HasPrefix(post.Note, "## Triage and analysis") || !slices.Equal(post.Index, []string{"apm-*-transaction*", "traces-apm*"}) ||
		post.LookBack().String() != "6m0s" || post.EffectiveFrom() != "now-6m" {
		t.Errorf("POST rule: %+v", post)
	}
}

func TestParseNDJSONTruncated(t *testing.T) {
	in := `{"rule_id":"r1","name":"one","severity":"low","risk_score":1,"type":"query","query":"a:b"}
{"exported_count":3,"exported_rules_count":3}
`
	rules, errs := ParseNDJSON("cut.ndjson", strings.NewReader(in))
	if len(rules) != 1 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "cut.ndjson: the export's summary counts 3 rules but the file holds 1") {
		t.Errorf("rules %d, errs %v", len(rules), errs)
	}
	var le *LoadError
	if !errors.As(errs[0], &le) || le.File != "cut.ndjson" {
		t.Errorf("not a *LoadError: %#v", errs[0])
	}
}

func TestBuiltin(t *testing.T) {
	b := Builtin()
	post, spike := b[0], b[1]
	if post.DetectorID() != "elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e" || post.Version != 103 || post.Severity != triage.Medium || post.RiskScore != 47 ||
		post.Query != "http.response.status_code:403 and http.request.method:post" || !slices.Equal(post.Index, []string{"apm-*-transaction*", "traces-apm*"}) ||
		post.IntervalDuration().String() != "5m0s" || post.EffectiveFrom() != "now-6m" || post.EffectiveMaxSignals() != 100 {
		t.Errorf("POST seed: %+v", post)
	}
	if spike.DetectorID() != "elastic:eaa77d63-9679-4ce3-be25-3ba8b795e5fa" || spike.Version != 105 || spike.Severity != triage.Low || spike.RiskScore != 21 ||
		spike.Type != TypeMachineLearning || !slices.Equal(spike.MLJobIDs, []string{"high_count_network_denies"}) || spike.AnomalyThreshold != 75 ||
		spike.IntervalDuration().String() != "15m0s" || spike.EffectiveFrom() != "now-30m" || spike.EffectiveMaxSignals() != 100 {
		t.Errorf("spike seed: %+v", spike)
	}
	for _, r := range b {
		if !strings.Contains(r.Note, "### Possible investigation steps") || !strings.Contains(r.Note, "### Response and remediation") {
			t.Errorf("%s: note lacks the guide's sections", r.Name)
		}
		if ready, _ := r.Readiness(); ready != triage.RunsLocally {
			t.Errorf("%s: %s", r.Name, ready)
		}
	}
	// Fresh copies: changing one does not change the next.
	b[0].Name = "x"
	if Builtin()[0].Name == "x" {
		t.Error("Builtin shares its rules")
	}
}

func TestMerge(t *testing.T) {
	base := Builtin()
	imported, _ := Load("testdata/rules/apm_403_response_to_a_post.toml", "testdata/rules/eql_sequence.toml")
	got := Merge(base, imported)
	if len(got) != 3 || got[0].Version != 106 || got[1] != base[1] || got[2].Type != TypeEQL {
		t.Errorf("merge: %v", got)
	}
}

func TestStoreImport(t *testing.T) {
	dir := t.TempDir()
	st := Store{Dir: filepath.Join(dir, "rules")}
	if rs, errs := st.Load(); len(rs) != 0 || len(errs) != 0 {
		t.Fatalf("empty store: %v %v", rs, errs)
	}
	rs, errs := st.Import("testdata/rules/export.ndjson")
	if len(rs) != 3 || len(errs) != 2 {
		t.Fatalf("import: %d rules, errors %v", len(rs), errs)
	}
	if _, errs := st.Import("testdata/rules/broken.toml"); len(errs) != 1 {
		t.Errorf("broken import: %v", errs)
	}
	// A file without a rule extension is stored under one.
	plain := filepath.Join(dir, "rule-from-somewhere")
	data, _ := os.ReadFile("testdata/rules/eql_sequence.toml")
	os.WriteFile(plain, data, 0o644)
	if rs, errs := st.Import(plain); len(rs) != 1 || len(errs) != 0 {
		t.Errorf("plain import: %v %v", rs, errs)
	}
	loaded, _ := st.Load()
	if len(loaded) != 4 {
		t.Errorf("store holds %d rules, want 4", len(loaded))
	}
	ents, _ := os.ReadDir(st.Dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"export.ndjson", "rule-from-somewhere.toml"}) {
		t.Errorf("store files: %v", names)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{"5m", "5m0s", false}, {"15m", "15m0s", false}, {"1h", "1h0m0s", false}, {"2d", "48h0m0s", false}, {"30s", "30s", false},
		{"5", "", true}, {"m", "", true}, {"5w", "", true}, {"-5m", "", true}, {"", "", true},
	}
	for _, tt := range tests {
		d, err := ParseDuration(tt.in)
		if (err != nil) != tt.err || !tt.err && d.String() != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v", tt.in, d, err)
		}
	}
	for d, want := range map[string]string{"5m": "5-minute", "1h": "1-hour", "90s": "90-second", "1d": "1-day"} {
		dd, _ := ParseDuration(d)
		if got := runLength(dd); got != want {
			t.Errorf("runLength(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestTOMLErrorAt: syntax errors and values of the wrong type both give
// their line and key (the library words the second as a plain error).
func TestTOMLErrorAt(t *testing.T) {
	for _, tc := range []struct {
		doc      string
		line     int
		contains string
	}{
		{"[rule]\nname = 3\n", 2, "key rule.name: incompatible types"},
		{"[rule]\nname = \"x\nquery = 1\n", 2, "key rule.name: "},
		{"[rule\n", 2, "end table name"}, // the library counts the line its newline ends
	} {
		var v struct{ Rule struct{ Name string } }
		_, err := toml.Decode(tc.doc, &v)
		if err == nil {
			t.Fatalf("%q decoded", tc.doc)
		}
		line, msg := TOMLErrorAt(err)
		if line != tc.line || !strings.Contains(msg, tc.contains) || strings.HasPrefix(msg, "toml:") {
			t.Errorf("%q: line %d, %q; want line %d and %q", tc.doc, line, msg, tc.line, tc.contains)
		}
	}
}
