package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"picket/casefile"
	"picket/internal/asnobody"
	"picket/triage"
)

// TestReadOnlyCaseFileCommands: reading commands list and export a case
// file that cannot be written, whether its mode or its directory's stops
// writes; writing commands fail with one message naming the file, and the
// file is left as it was (issue 17, item 10).
func TestReadOnlyCaseFileCommands(t *testing.T) {
	if asnobody.Rerun(t, "internal/cli") {
		return
	}
	for _, tc := range []struct {
		name              string
		fileMode, dirMode os.FileMode
	}{
		{"file mode 0444", 0o444, 0o755},
		{"directory 0555", 0o644, 0o555},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cases")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(dir, "cases.db")
			seedCaseFile(t, db)
			st, err := casefile.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.AddException(context.Background(), triage.Exception{ItemID: "scanner", Name: "Scanner",
				Entries: []triage.ExceptionEntry{{Field: "source.ip", Type: triage.EntryMatch, Operator: triage.OpIncluded, Value: "10.0.0.5"}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.AddAllowEntry(context.Background(), triage.AllowEntry{Kind: triage.AllowIP, Value: "192.0.2.10"}); err != nil {
				t.Fatal(err)
			}
			st.Close()
			if err := os.Chmod(db, tc.fileMode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tc.dirMode); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o755) })
			before, _ := os.ReadFile(db)

			for _, tt := range []struct {
				args []string
				want string // on stdout
			}{
				{[]string{"case", "list"}, "Probe from 198.51.100.7"},
				{[]string{"case", "show", "1"}, "# Case 1: Probe from 198.51.100.7"},
				{[]string{"export", "--case", "1", "--format", "json"}, `"schema": "picket.case/v1"`},
				{[]string{"export", "--all", "--format", "csv"}, "'=cmd"},
				{[]string{"exceptions", "list"}, "Scanner"},
				{[]string{"exceptions", "export"}, `"item_id":"scanner"`},
				{[]string{"allowlist", "export"}, "192.0.2.10"},
				{[]string{"detect", "--demo"}, `"detector"`},
			} {
				code, out, errOut := cli(t, "", append(tt.args, "--db", db)...)
				if code != 0 || !strings.Contains(out, tt.want) {
					t.Errorf("%v: exit %d, stdout lacks %q: %s", tt.args, code, tt.want, errOut)
				}
			}
			for _, args := range [][]string{
				{"exceptions", "import", "testdata/does-not-matter.ndjson"},
				{"allowlist", "add", "ip", "192.0.2.99"},
				{"case", "push", "1", "--kibana-url", "http://127.0.0.1:9"},
			} {
				if args[1] == "import" {
					list := filepath.Join(t.TempDir(), "list.ndjson")
					os.WriteFile(list, []byte(kibanaList), 0o600)
					args[2] = list
				}
				code, _, errOut := cli(t, "", append(args, "--db", db)...)
				if code != 1 || strings.Count(errOut, "\n") != 1 || strings.Count(errOut, db) != 1 || !strings.Contains(errOut, "read-only") {
					t.Errorf("%v: exit %d, want 1 and one line naming the file as read-only: %q", args, code, errOut)
				}
			}
			after, _ := os.ReadFile(db)
			if string(before) != string(after) {
				t.Error("the case file changed")
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("directory holds %d files, want the case file alone", len(entries))
			}
		})
	}
}
