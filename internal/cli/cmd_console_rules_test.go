package cli

import (
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
