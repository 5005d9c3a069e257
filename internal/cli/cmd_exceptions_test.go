package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"picket/casefile"
	"picket/triage"
)

// hostile is what a crafted list carries: OSC 52 (write the clipboard),
// a window title, a screen clear, a C1 CSI and a right-to-left override.
const hostile = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e"

// TestExceptionsHostileList imports a crafted Kibana list, and lists and
// exports what a crafted list stored by an older Picket holds: no raw
// control character may reach standard output or standard error
// (issue 17, item 2).
func TestExceptionsHostileList(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cases.db")
	j := func(s string) string { return strings.Trim(jsonString(t, s), `"`) }
	accepted := `{"list_id":"web` + j(hostile) + `","name":"` + j(hostile) + `","type":"detection","namespace_type":"single"}
{"item_id":"i` + j(hostile) + `","list_id":"web","name":"n` + j(hostile) + `","description":"` + j(hostile) + `","type":"simple","entries":[{"field":"user_agent.original` + j(hostile) + `","operator":"included","type":"match","value":"` + j(hostile) + `"},{"field":"source.ip","operator":"included","type":"list","list":{"id":"ips` + j(hostile) + `","type":"ip"}}],"os_types":["linux` + j(hostile) + `"],"tags":["` + j(hostile) + `"]}
`
	refused := `{"item_id":"x","list_id":"web","name":"n","type":"simple","entries":[{"field":"a","operator":"included","type":"exists"}],"tags":["picket:detector=` + j(hostile) + `"]}
`
	files := map[string]string{"accepted.ndjson": accepted, "refused.ndjson": refused}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A list an older Picket imported without checking the detector tag.
	st, err := casefile.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddException(context.Background(), triage.Exception{ItemID: "old", Name: "old" + hostile, Detector: hostile,
		Entries: []triage.ExceptionEntry{{Field: "url.path", Type: triage.EntryMatch, Operator: triage.OpIncluded, Value: hostile}}}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	tests := []struct {
		args []string
		code int
		want string // in stdout or stderr
	}{
		{[]string{"exceptions", "import", "--db", db, filepath.Join(dir, "accepted.ndjson")}, 0, "imported 1 exception(s)"},
		{[]string{"exceptions", "import", "--db", db, filepath.Join(dir, "refused.ndjson")}, 1, `refused.ndjson:1: exception item "x": tag`},
		{[]string{"exceptions", "list", "--db", db}, 0, `\x1b]52;c;`},
		{[]string{"exceptions", "export", "--db", db}, 0, `\u001b]52;c;`},
	}
	for _, tt := range tests {
		code, out, errOut := cli(t, "", tt.args...)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d: %s", tt.args[:2], code, tt.code, errOut)
		}
		if !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: output lacks %q:\n%s\n%s", tt.args[:2], tt.want, out, errOut)
		}
		for name, s := range map[string]string{"stdout": out, "stderr": errOut} {
			if r, _, ok := rawControl(s); ok {
				t.Errorf("%v: raw %U on %s:\n%q", tt.args[:2], r, name, s)
			}
		}
	}
}

// jsonString is s as a JSON string literal.
func jsonString(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
