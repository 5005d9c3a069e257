package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoKeepsItsOwnCaseFile: a run over the demo data uses the demo's
// own case file unless the analyst names one, so an allowlist entry made
// while trying the demo never hides findings in real work (issue 16).
func TestDemoKeepsItsOwnCaseFile(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home, "XDG_DATA_HOME": filepath.Join(home, "data"), "XDG_CONFIG_HOME": filepath.Join(home, "config")}
	getenv := func(k string) string { return env[k] }
	real := filepath.Join(home, "data", "picket", "picket.db")
	demoDB := filepath.Join(home, "data", "picket", "demo.db")
	tests := []struct {
		name   string
		flagDB string
		envDB  string
		demo   bool
		want   string
	}{
		{"real work: the default case file", "", "", false, real},
		{"the demo: its own", "", "", true, demoDB},
		{"the demo with --db: the analyst's choice", "/tmp/x.db", "", true, "/tmp/x.db"},
		{"the demo with PICKET_DB: the analyst's choice", "", "/tmp/env.db", true, "/tmp/env.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env[envDB] = tt.envDB
			g := &globalFlags{db: tt.flagDB}
			cfg, err := g.load(getenv)
			if err != nil {
				t.Fatal(err)
			}
			if tt.demo {
				cfg.forDemo(getenv)
			}
			if cfg.DB != tt.want {
				t.Errorf("case file %s, want %s", cfg.DB, tt.want)
			}
		})
	}
	env[envDB] = ""
	if got := homeShort(demoDB, getenv); !strings.HasPrefix(got, "~/data/picket/demo.db") {
		t.Errorf("title bar shows %s", got)
	}

	// End to end: an allowlist entry in the real case file does not hide
	// the demo's findings, and one in the demo's does not reach real work.
	code, _, errOut := cliHome(t, home, "allowlist", "add", "ip", "0.0.0.0/0", "--force", "--reason", "real work")
	if code != 0 {
		t.Fatalf("allowlist add: %d %s", code, errOut)
	}
	code, _, errOut = cliHome(t, home, "detect", "--demo")
	if code != 0 || strings.Contains(errOut, "suppressed") {
		t.Errorf("the real case file's allowlist reached the demo (exit %d): %s", code, errOut)
	}
	// The same entry does apply when the demo is pointed at that file.
	_, _, errOut = cliHome(t, home, "detect", "--demo", "--db", real)
	if !strings.Contains(errOut, "suppressed") {
		t.Errorf("with --db the entry should apply: %s", errOut)
	}
}
