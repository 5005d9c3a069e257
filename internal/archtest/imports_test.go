// Package archtest holds the tests of Picket's package layout: which
// package may import which (docs/architecture.md says why).
package archtest

import (
	"os/exec"
	"path"
	"strings"
	"testing"
)

// allowed lists, for each of our packages (a pattern: "x/..." is x and
// everything below it), the packages of ours it may import. Code imports
// point downward only: the domain (triage) and the query language (kql)
// import nothing of ours; adapters import the domain; the CLI wires
// everything; nothing imports the CLI or the console but main and the CLI.
var allowed = []struct {
	pkg     string
	imports []string
}{
	{"picket", []string{"picket/internal/cli"}},
	{"picket/internal/cli", []string{"picket/..."}},
	{"picket/internal/archtest", nil},
	{"picket/internal/asnobody", nil},
	{"picket/internal/bench/...", []string{"picket/triage/...", "picket/internal/bench/..."}},
	{"picket/ui/...", []string{"picket/triage/...", "picket/kql", "picket/casefile", "picket/playbooks/...", "picket/ui/..."}},
	{"picket/casefile/...", []string{"picket/triage/...", "picket/playbooks", "picket/casefile/..."}},
	{"picket/kibana/...", []string{"picket/triage", "picket/casefile", "picket/kibana/..."}},
	{"picket/pushdown/...", []string{"picket/triage", "picket/triage/elastic", "picket/kql", "picket/detectors/...", "picket/pushdown/..."}},
	{"picket/playbooks/...", []string{"picket/triage/...", "picket/kql", "picket/playbooks/..."}},
	{"picket/kql/...", []string{"picket/kql/..."}},
	{"picket/detectors/...", []string{"picket/triage/...", "picket/kql", "picket/detectors/..."}},
	{"picket/triage", nil},
	{"picket/triage/elastic/elastictest", []string{"picket/triage", "picket/triage/elastic"}},
	{"picket/triage/eventtest", []string{"picket/triage"}},
	{"picket/triage/elastic/internal/esreq", nil},
	{"picket/triage/elastic", []string{"picket/triage", "picket/triage/elastic/internal/esreq"}},
	{"picket/triage/kqldoc", []string{"picket/triage", "picket/kql"}},
	{"picket/triage/...", []string{"picket/triage"}},
}

// match reports whether import path p matches pattern pat.
func match(pat, p string) bool {
	if base, ok := strings.CutSuffix(pat, "/..."); ok {
		return p == base || strings.HasPrefix(p, base+"/")
	}
	return p == pat
}

// rulesFor returns the allowed imports of pkg: the first entry whose
// pattern matches, most specific first as listed.
func rulesFor(pkg string) ([]string, bool) {
	for _, a := range allowed {
		if match(a.pkg, pkg) {
			return a.imports, true
		}
	}
	return nil, false
}

// Detectors are siblings that must not lean on each other: the umbrella
// package picket/detectors assembles them, but appsensor never imports
// rules, and so on.
func siblingDetector(pkg, imp string) bool {
	seg := func(p string) string {
		rest, ok := strings.CutPrefix(p, "picket/detectors/")
		if !ok {
			return ""
		}
		first, _, _ := strings.Cut(rest, "/")
		return first
	}
	a, b := seg(pkg), seg(imp)
	return a != "" && b != "" && a != b
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "picket/...").Output()
	if err != nil {
		t.Skipf("go list is not available here (%v): the import rules cannot be checked", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := fields[0]
		rules, ok := rulesFor(pkg)
		if !ok {
			t.Errorf("%s has no import rule: add it to allowed (and to docs/architecture.md)", pkg)
			continue
		}
		checked++
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, "picket/") && imp != "picket" {
				continue
			}
			ok := false
			for _, r := range rules {
				if match(r, imp) {
					ok = true
					break
				}
			}
			if !ok || siblingDetector(pkg, imp) {
				t.Errorf("%s imports %s, which docs/architecture.md does not allow", pkg, imp)
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d packages checked: go list output not understood", checked)
	}
}

// TestRulesCatchViolations proves the checker can fail: each pair below
// breaks a rule and must be refused.
func TestRulesCatchViolations(t *testing.T) {
	bad := [][2]string{
		{"picket/triage", "picket/kql"},
		{"picket/triage", "picket/ui"},
		{"picket/detectors/appsensor", "picket/ui"},
		{"picket/detectors/appsensor", "picket/detectors/rules"},
		{"picket/kql", "picket/triage"},
		{"picket/casefile", "picket/ui"},
		{"picket/playbooks/run", "picket/ui"},
		{"picket/triage/ndjson", "picket/casefile"},
		{"picket/ui", "picket/internal/cli"},
	}
	for _, b := range bad {
		rules, ok := rulesFor(b[0])
		if !ok {
			t.Errorf("%s has no rule", b[0])
			continue
		}
		allowed := false
		for _, r := range rules {
			if match(r, b[1]) {
				allowed = true
			}
		}
		if allowed && !siblingDetector(b[0], b[1]) {
			t.Errorf("%s importing %s would pass: the rules are too loose", b[0], path.Clean(b[1]))
		}
	}
}
