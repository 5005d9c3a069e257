package cli

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"picket/internal/bench/gen"
	"picket/triage/demo"
)

// detectBoth runs picket detect on args twice, reading every field of
// every line on one goroutine (PICKET_FULL_READ=1) and the usual way
// (projection, line filters, parallel decoding), and fails unless both
// print the same bytes on both streams.
func detectBoth(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	run := func(full bool) (int, string, string) {
		var vars map[string]string
		if full {
			vars = map[string]string{envFullRead: "1"}
		}
		return runIn(t.TempDir(), "", vars, append([]string{"detect"}, args...)...)
	}
	fullCode, fullOut, fullErr := run(true)
	code, out, errOut := run(false)
	if fullCode != 0 || code != 0 {
		t.Fatalf("exit %d (full read %d): %s %s", code, fullCode, errOut, fullErr)
	}
	if out != fullOut {
		t.Errorf("detect %s: stdout differs from the full read's:\n%s", strings.Join(args, " "), firstDiff(out, fullOut))
	}
	if errOut != fullErr {
		t.Errorf("detect %s: stderr differs from the full read's:\n%s", strings.Join(args, " "), firstDiff(errOut, fullErr))
	}
	return out, errOut
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n  got  " + clipLine(x) + "\n  full " + clipLine(y)
		}
	}
	return "(lengths differ)"
}

func clipLine(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// writeDemo saves the demo data as NDJSON, cut to its first n lines when
// n > 0.
func writeDemo(t *testing.T, n int) string {
	t.Helper()
	var buf bytes.Buffer
	if err := demo.New(demo.DefaultSeed).WriteNDJSON(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if n > 0 {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 64<<20)
		var cut bytes.Buffer
		for i := 0; i < n && sc.Scan(); i++ {
			cut.Write(sc.Bytes())
			cut.WriteByte('\n')
		}
		data = cut.Bytes()
	}
	p := filepath.Join(t.TempDir(), "demo.ndjson")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const seedQuery = "http.response.status_code:403 and http.request.method:POST"

// detectVariants are the runs whose output must not depend on how the
// input is read: every detector, each kind alone, ad hoc queries (with a
// line filter), grouping (and a table of groups).
var detectVariants = []struct {
	name string
	args []string
	// lints: the run finds nothing and says why in a lint, which the
	// comparison covers instead.
	lints bool
}{
	{"all detectors", nil, false},
	{"grouped", []string{"--group"}, false},
	{"grouped by user", []string{"--group-by", "user.name,source.ip", "--format", "table"}, false},
	{"seed query alone", []string{"--only", "query", "--query", seedQuery}, false},
	{"lower-case query alone", []string{"--only", "query", "--query", "http.response.status_code:403 and http.request.method:post"}, true},
	{"value list", []string{"--only", "query", "--query", `url.path:("/login" or "/api/cart") and http.response.status_code:(401 or 403)`}, false},
	{"seed rule", []string{"--only", "elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e"}, true},
	{"spike", []string{"--only", "elastic:eaa77d63-9679-4ce3-be25-3ba8b795e5fa"}, false},
	{"query beside the rest", []string{"--query", seedQuery}, false},
	// Fields the decoder does not hold, which the file decoders read as
	// they parse (ReadPlan.Resolve) where the full read parses again.
	{"query on fields not decoded", []string{"--only", "query", "--query", `service.name:shop-web and transaction.result:"HTTP 4xx" and not service.node.name:none`}, false},
	{"grouped by a field not decoded", []string{"--group-by", "service.node.name,source.ip"}, false},
}

// TestDetectSameFindingsOnDemo: on the demo data, projection, line
// filters and parallel decoding change nothing detect prints.
func TestDetectSameFindingsOnDemo(t *testing.T) {
	lines := 0
	if raceEnabled {
		lines = 20000
	}
	path := writeDemo(t, lines)
	for _, v := range detectVariants {
		t.Run(v.name, func(t *testing.T) {
			out, errOut := detectBoth(t, append(v.args, path)...)
			if raceEnabled && v.name == "spike" {
				return // the cut data is shorter than the model's warm-up
			}
			checkSaidSomething(t, out, errOut, v.lints)
		})
	}
}

// TestDetectSameFindingsOnLargeFile is TestDetectSameFindingsOnDemo on
// several fortnights of generated data (about 600 MB): skipped with
// -short and under the race detector.
func TestDetectSameFindingsOnLargeFile(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("reads a large generated file; run without -short")
	}
	path := filepath.Join(t.TempDir(), "large.ndjson")
	if _, err := gen.Write(path, 600<<20); err != nil {
		t.Fatal(err)
	}
	for _, v := range detectVariants[:4] {
		t.Run(v.name, func(t *testing.T) {
			out, errOut := detectBoth(t, append(v.args, path)...)
			checkSaidSomething(t, out, errOut, v.lints)
		})
	}
}

// checkSaidSomething fails a comparison of two empty outputs, which would
// prove nothing: a run prints findings, or for lints a lint.
func checkSaidSomething(t *testing.T, out, errOut string, lints bool) {
	t.Helper()
	switch {
	case !lints && out == "":
		t.Errorf("no findings: the comparison proves nothing")
	case lints && !strings.Contains(errOut, "picket: lint: "):
		t.Errorf("no lint: the comparison proves nothing\n%s", errOut)
	}
}
