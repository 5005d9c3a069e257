package elastic

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The parts of go-elasticsearch Picket must not build: the root package
// imports typedapi, about 900 packages that made a newcomer's cold build
// take a quarter of an hour; esapi, 565 generated files for the seven
// requests esreq makes, was the longest step of a cold build after that.
var banned = []struct {
	what  string
	match func(string) bool
}{
	{"the client's root package", func(p string) bool { return p == "github.com/elastic/go-elasticsearch/v8" }},
	{"typedapi", func(p string) bool { return strings.HasPrefix(p, "github.com/elastic/go-elasticsearch/v8/typedapi") }},
	{"esapi", func(p string) bool { return strings.HasPrefix(p, "github.com/elastic/go-elasticsearch/v8/esapi") }},
	{"esutil (it imports esapi)", func(p string) bool { return strings.HasPrefix(p, "github.com/elastic/go-elasticsearch/v8/esutil") }},
}

// esapiTestImporter is the one package whose tests may import esapi: they
// check esreq's requests against esapi's.
const esapiTestImporter = "picket/triage/elastic/internal/esreq"

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go tool is not on PATH: cannot list the dependencies")
	}
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		t.Fatalf("go list %s: %s", strings.Join(args, " "), msg)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// TestNoESAPIInBuild: neither the picket binary nor any package of the
// module (tests aside) depends on go-elasticsearch's root package,
// typedapi or esapi; Picket's client is esreq over elastictransport.
func TestNoESAPIInBuild(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		need []string // proof that the list is the real one
	}{
		{"the picket binary", []string{"-deps", "-f", "{{.ImportPath}}", "picket"},
			[]string{"picket", "picket/triage/elastic", "picket/triage/elastic/internal/esreq", "github.com/elastic/elastic-transport-go/v8/elastictransport"}},
		{"every package of the module", []string{"-deps", "-f", "{{.ImportPath}}", "picket/..."},
			[]string{"picket", "picket/pushdown", "picket/triage/elastic/elastictest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			deps := goList(t, tc.args...)
			for _, need := range tc.need {
				if !slices.Contains(deps, need) {
					t.Fatalf("go list lacks %s; is the module layout different? (%d packages)", need, len(deps))
				}
			}
			for _, b := range banned {
				var found []string
				for _, p := range deps {
					if b.match(p) {
						found = append(found, p)
					}
				}
				if len(found) > 0 {
					t.Errorf("%s depends on %s again (%d package(s), e.g. %s): build requests with esreq", tc.name, b.what, len(found), found[0])
				}
			}
		})
	}
}

// TestESAPIOnlyInConformanceTest: the tests of esreq compare its requests
// with esapi's (and keep go.mod pinning the release esreq.Version names);
// no other package or test imports any part of go-elasticsearch.
func TestESAPIOnlyInConformanceTest(t *testing.T) {
	lines := goList(t, "-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{join .TestImports \" \"}}|{{join .XTestImports \" \"}}", "picket/...")
	var conformance bool
	for _, line := range lines {
		f := strings.Split(line, "|")
		if len(f) != 4 {
			t.Fatalf("go list line %q", line)
		}
		for i, kind := range []string{"imports", "tests import", "external tests import"} {
			for _, imp := range strings.Fields(f[i+1]) {
				if !strings.HasPrefix(imp, "github.com/elastic/go-elasticsearch/") {
					continue
				}
				if f[0] == esapiTestImporter && i == 2 && imp == "github.com/elastic/go-elasticsearch/v8/esapi" {
					conformance = true
					continue
				}
				t.Errorf("%s %s %s: only %s's external tests may import go-elasticsearch (esapi, to check esreq against it)", f[0], kind, imp, esapiTestImporter)
			}
		}
	}
	if !conformance {
		t.Errorf("%s's tests no longer import esapi: the check of esreq against esapi is gone (or go list answered something else)", esapiTestImporter)
	}
}
