package elastic

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestNoTypedAPIInBuild: Picket builds its client from esapi and the
// transport. The client's root package imports typedapi, about 900
// packages that made a newcomer's cold build take a quarter of an hour;
// this fails if either comes back into the main package's dependencies.
func TestNoTypedAPIInBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go tool is not on PATH: cannot list the dependencies")
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "picket")
	out, err := cmd.Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		t.Fatalf("go list -deps picket: %s", msg)
	}
	deps := strings.Fields(string(out))
	// The list must be the real one, with the parts Picket does use.
	for _, need := range []string{"picket", "github.com/elastic/go-elasticsearch/v8/esapi", "github.com/elastic/elastic-transport-go/v8/elastictransport"} {
		if !slices.Contains(deps, need) {
			t.Fatalf("go list -deps picket lacks %s; is the module layout different? (%d packages)", need, len(deps))
		}
	}
	for _, tc := range []struct {
		what  string
		match func(string) bool
	}{
		{"the client's root package", func(p string) bool { return p == "github.com/elastic/go-elasticsearch/v8" }},
		{"typedapi", func(p string) bool { return strings.HasPrefix(p, "github.com/elastic/go-elasticsearch/v8/typedapi") }},
	} {
		var found []string
		for _, p := range deps {
			if tc.match(p) {
				found = append(found, p)
			}
		}
		if len(found) > 0 {
			t.Errorf("picket depends on %s again (%d package(s), e.g. %s): build the client from esapi and elastictransport", tc.what, len(found), found[0])
		}
	}
}
