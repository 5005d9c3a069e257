package rules

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// tomlRule writes a minimal detection-rules file.
func tomlRule(id, name string, version int, updated string) string {
	s := "[metadata]\nmaturity = \"production\"\n"
	if updated != "" {
		s += "updated_date = \"" + updated + "\"\n"
	}
	s += "\n[rule]\nrule_id = \"" + id + "\"\nname = \"" + name + "\"\nseverity = \"low\"\nrisk_score = 21\ntype = \"query\"\nlanguage = \"kuery\"\nquery = \"a:b\"\n"
	if version > 0 {
		s += "version = " + strconv.Itoa(version) + "\n"
	}
	return s
}

// writeTree creates files (slash-separated relative names) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// storeFiles lists the rule files in a store, relative and slash-separated.
func storeFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && IsRuleFile(d.Name()) {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// TestStoreImportFolderKeepsEveryFile is the attack of issue 17.6: files
// of the same name in different folders were stored under one name, so
// "imported 2" kept one.
func TestStoreImportFolderKeepsEveryFile(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // stored files
		rules int
	}{
		{
			name: "same name in two folders",
			files: map[string]string{
				"a/rule.toml": tomlRule("r-a", "A", 1, ""),
				"b/rule.toml": tomlRule("r-b", "B", 1, ""),
			},
			want:  []string{"a/rule.toml", "b/rule.toml"},
			rules: 2,
		},
		{
			name: "nested folders keep their path",
			files: map[string]string{
				"apm/web/x.toml": tomlRule("r-1", "one", 1, ""),
				"apm/x.toml":     tomlRule("r-2", "two", 1, ""),
				"x.toml":         tomlRule("r-3", "three", 1, ""),
			},
			want:  []string{"apm/web/x.toml", "apm/x.toml", "x.toml"},
			rules: 3,
		},
		{
			name: "names that differ only in case stay apart",
			files: map[string]string{
				"Rule.toml": tomlRule("r-up", "upper", 1, ""),
				"rule.toml": tomlRule("r-low", "lower", 1, ""),
			},
			want:  []string{"Rule.toml", "rule-2.toml"},
			rules: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			writeTree(t, src, tt.files)
			st := Store{Dir: filepath.Join(t.TempDir(), "rules")}
			rs, errs := st.Import(src)
			if len(rs) != tt.rules || len(errs) != 0 {
				t.Fatalf("import: %d rules, errors %v", len(rs), errs)
			}
			if got := storeFiles(t, st.Dir); !slices.Equal(got, tt.want) {
				t.Errorf("stored %v, want %v", got, tt.want)
			}
			loaded, errs := st.Load()
			if len(loaded) != tt.rules || len(errs) != 0 {
				t.Errorf("store holds %d rules (want %d), errors %v", len(loaded), tt.rules, errs)
			}
			// Each imported rule says where it is stored, and that file exists.
			for _, r := range rs {
				if _, err := os.Stat(r.Source); err != nil {
					t.Errorf("rule %s: source %q: %v", r.RuleID, r.Source, err)
				}
			}
		})
	}
}

// TestStoreImportReport says which files were stored and which replaced an
// earlier import.
func TestStoreImportReport(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string]string{
		"a/rule.toml": tomlRule("r-a", "A", 1, ""),
		"b/rule.toml": tomlRule("r-b", "B", 1, ""),
	})
	st := Store{Dir: filepath.Join(t.TempDir(), "rules")}
	first, errs := st.ImportDetail(src)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	again, _ := st.ImportDetail(src)
	tests := []struct {
		name     string
		got      Imported
		replaced bool
	}{
		{"first import", first, false},
		{"second import", again, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var names []string
			for _, f := range tt.got.Files {
				names = append(names, f.Name)
				if f.Replaced != tt.replaced || f.Rules != 1 {
					t.Errorf("%s: %+v", f.Name, f)
				}
			}
			if !slices.Equal(names, []string{"a/rule.toml", "b/rule.toml"}) {
				t.Errorf("files %v", names)
			}
		})
	}
}

// TestDuplicateRuleIDs: two files with one rule_id were shadowed silently;
// now every copy is named with the one that runs.
func TestDuplicateRuleIDs(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		winner string // file of the rule that runs
		why    string
	}{
		{
			name: "higher version wins",
			files: map[string]string{
				"a/rule.toml": tomlRule("dup", "new", 5, ""),
				"b/rule.toml": tomlRule("dup", "old", 3, ""),
			},
			winner: "a/rule.toml", why: "highest version",
		},
		{
			name: "same version: later updated_date wins",
			files: map[string]string{
				"a/rule.toml": tomlRule("dup", "older", 2, "2026/01/01"),
				"b/rule.toml": tomlRule("dup", "newer", 2, "2026/03/01"),
			},
			winner: "b/rule.toml", why: "latest updated date",
		},
		{
			name: "same version and date: the last loaded wins",
			files: map[string]string{
				"a/rule.toml": tomlRule("dup", "first", 0, ""),
				"b/rule.toml": tomlRule("dup", "second", 0, ""),
			},
			winner: "b/rule.toml", why: "last",
		},
		{
			name: "Kibana export against a TOML file",
			files: map[string]string{
				"export.ndjson": `{"rule_id":"dup","name":"kibana","version":7,"updated_at":"2026-05-01T00:00:00Z","severity":"low","risk_score":1,"type":"query","query":"a:b"}` + "\n",
				"rule.toml":     tomlRule("dup", "toml", 4, "2026/06/01"),
			},
			winner: "export.ndjson", why: "highest version",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			writeTree(t, src, tt.files)
			st := Store{Dir: filepath.Join(t.TempDir(), "rules")}
			_, errs := st.Import(src)
			if len(errs) != 1 {
				t.Fatalf("import: want one message about the duplicate, got %v", errs)
			}
			msg := errs[0].Error()
			for name := range tt.files {
				if !strings.Contains(msg, filepath.Join(st.Dir, filepath.FromSlash(name))) {
					t.Errorf("message does not name %s: %s", name, msg)
				}
			}
			verdict := msg[strings.LastIndex(msg, "; ")+2:]
			if !strings.Contains(msg, "dup") || !strings.Contains(verdict, tt.why) || !strings.Contains(verdict, " runs") ||
				!strings.HasPrefix(verdict, filepath.Join(st.Dir, filepath.FromSlash(tt.winner))) {
				t.Errorf("message %q: want %s to run (%s)", msg, tt.winner, tt.why)
			}
			// The store runs the winner alone, and says so on every load.
			loaded, errs := st.Load()
			if len(loaded) != 1 || !strings.HasPrefix(loaded[0].Source, filepath.Join(st.Dir, filepath.FromSlash(tt.winner))) {
				t.Errorf("store runs %v", loaded)
			}
			if len(errs) != 1 || errs[0].Error() != msg {
				t.Errorf("load errors %v, want %q", errs, msg)
			}
		})
	}
}

// TestDedupeKeepsOrder: the winner takes the place of the first copy, and
// rules without duplicates are untouched.
func TestDedupeKeepsOrder(t *testing.T) {
	rs := []*Rule{
		{RuleID: "x", Version: 1, Source: "one"},
		{RuleID: "y", Source: "two"},
		{RuleID: "x", Version: 2, Source: "three"},
	}
	got, errs := Dedupe(rs)
	if len(got) != 2 || got[0].Source != "three" || got[1].Source != "two" || len(errs) != 1 {
		t.Errorf("Dedupe = %v, %v", got, errs)
	}
}

// TestStoreImportPathsSameBaseName: files of one name given together
// (picket rules import x/rule.toml y/rule.toml) are both kept.
func TestStoreImportPathsSameBaseName(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string]string{
		"x/rule.toml": tomlRule("r-x", "X", 1, ""),
		"y/rule.toml": tomlRule("r-y", "Y", 1, ""),
		"z/rule.toml": tomlRule("r-z", "Z", 1, ""),
	})
	st := Store{Dir: filepath.Join(t.TempDir(), "rules")}
	paths := []string{filepath.Join(src, "x", "rule.toml"), filepath.Join(src, "y", "rule.toml"), filepath.Join(src, "z")}
	for round := range 2 { // the same command again replaces the same files
		res := st.ImportPaths(paths...)
		if len(res) != 3 {
			t.Fatalf("%d results", len(res))
		}
		for i, r := range res {
			if r.Path != paths[i] || len(r.Rules) != 1 || len(r.Errs) != 0 || len(r.Files) != 1 || r.Files[0].Replaced != (round == 1) {
				t.Errorf("round %d, %s: %+v", round, paths[i], r)
			}
		}
		if got, want := storeFiles(t, st.Dir), []string{"rule-2.toml", "rule-3.toml", "rule.toml"}; !slices.Equal(got, want) {
			t.Errorf("round %d: stored %v, want %v", round, got, want)
		}
		if loaded, errs := st.Load(); len(loaded) != 3 || len(errs) != 0 {
			t.Errorf("round %d: store holds %d rules, errors %v", round, len(loaded), errs)
		}
	}
}

// TestStoreReplaceNamesDroppedRules: replacing a stored file with one that
// lacks some of its rules says which rules are no longer imported.
func TestStoreReplaceNamesDroppedRules(t *testing.T) {
	tests := []struct {
		name   string
		second string
		want   string // "" for no message
	}{
		{"same rules again", tomlRule("r-1", "one", 2, ""), ""},
		{"another rule under the same name", tomlRule("r-2", "two", 1, ""), "rule.toml: replaced; the rule it held that the new file lacks is no longer imported: r-1 (one)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			writeTree(t, src, map[string]string{"a/rule.toml": tomlRule("r-1", "one", 1, ""), "b/rule.toml": tt.second})
			st := Store{Dir: filepath.Join(t.TempDir(), "rules")}
			if _, errs := st.Import(filepath.Join(src, "a", "rule.toml")); len(errs) != 0 {
				t.Fatal(errs)
			}
			_, errs := st.Import(filepath.Join(src, "b", "rule.toml"))
			switch {
			case tt.want == "" && len(errs) != 0:
				t.Errorf("errors %v", errs)
			case tt.want != "" && (len(errs) != 1 || !strings.HasSuffix(errs[0].Error(), tt.want)):
				t.Errorf("errors %v, want one ending %q", errs, tt.want)
			}
		})
	}
}
