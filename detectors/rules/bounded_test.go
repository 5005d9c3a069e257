package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sparse creates a file of size bytes that takes no disk space.
func sparse(t *testing.T, name string, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// TestRuleFilesAreBounded is issue 17.7: rule files were read whole, so
// picket rules import /dev/zero ran out of memory and a 324 MB events file
// was read line by line into a million messages. Each is now one message
// naming the file, and nothing is read past the cap.
func TestRuleFilesAreBounded(t *testing.T) {
	tests := []struct {
		name string
		path func(t *testing.T) string
		want string
	}{
		{"a huge export", func(t *testing.T) string { return sparse(t, "events.ndjson", 324<<20) }, "324.0 MiB is more than a rule file may hold (64 MiB)"},
		{"a huge TOML file", func(t *testing.T) string { return sparse(t, "big.toml", 17<<20) }, "17.0 MiB is more than a rule file may hold (16 MiB)"},
		{"a huge file without a rule extension", func(t *testing.T) string { return sparse(t, "rules", 100<<20) }, "more than a rule file may hold"},
		{"binary data", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "x.ndjson")
			os.WriteFile(p, []byte("{\"rule_id\":\"a\"}\n\x00\x01\x02"), 0o644)
			return p
		}, "binary data (a NUL byte at offset 16): not a rule file"},
		{"an endless device", func(t *testing.T) string {
			if _, err := os.Stat("/dev/zero"); err != nil {
				t.Skip("no /dev/zero")
			}
			return "/dev/zero"
		}, "binary data (a NUL byte at offset 0): not a rule file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.path(t)
			rs, errs := LoadFile(p)
			if len(rs) != 0 || len(errs) != 1 {
				t.Fatalf("LoadFile: %d rules, errors %v", len(rs), errs)
			}
			var le *LoadError
			if !errors.As(errs[0], &le) || le.File != p || !strings.Contains(errs[0].Error(), tt.want) {
				t.Errorf("error %q, want a *LoadError on %s saying %q", errs[0], p, tt.want)
			}
			// Import refuses it the same way and stores nothing.
			st := Store{Dir: filepath.Join(t.TempDir(), "rules")}
			rs, errs = st.Import(p)
			if len(rs) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want) {
				t.Errorf("import: %d rules, errors %v", len(rs), errs)
			}
			if got := storeFiles(t, st.Dir); len(got) != 0 {
				t.Errorf("stored %v", got)
			}
		})
	}
}

// TestFolderSkipsSpecialFiles: a named pipe in a rules folder would block
// the reader forever; it is named and skipped.
func TestFolderSkipsSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"ok.toml": tomlRule("r-1", "one", 1, "")})
	fifo := filepath.Join(dir, "pipe.toml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	tests := []struct {
		name string
		load func() ([]*Rule, []error)
	}{
		{"load", func() ([]*Rule, []error) { return Load(dir) }},
		{"import", func() ([]*Rule, []error) { return Store{Dir: filepath.Join(t.TempDir(), "rules")}.Import(dir) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var rs []*Rule
			var errs []error
			go func() { rs, errs = tt.load(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("blocked on a named pipe")
			}
			if len(rs) != 1 || len(errs) != 1 || !strings.Contains(errs[0].Error(), fifo+": not a regular file") {
				t.Errorf("%d rules, errors %v", len(rs), errs)
			}
		})
	}
}

// eventLine is a typical event, not a rule.
func eventLine(i int) string {
	return fmt.Sprintf(`{"@timestamp":"2026-11-03T10:00:%02dZ","event":{"id":"e%d"},"url":{"path":"/x"}}`, i%60, i)
}

// TestNDJSONMessagesAreCapped: a file that is not a rule export stops with
// one message; a rule export with many bad lines names the first ten and
// counts the rest.
func TestNDJSONMessagesAreCapped(t *testing.T) {
	rule := `{"rule_id":"r1","name":"one","severity":"low","risk_score":1,"type":"query","query":"a:b"}`
	lines := func(first []string, n int, line func(int) string) string {
		out := append([]string{}, first...)
		for i := range n {
			out = append(out, line(i))
		}
		return strings.Join(out, "\n") + "\n"
	}
	tests := []struct {
		name  string
		in    string
		rules int
		errs  []string // each error, in order, by prefix
	}{
		{
			name: "events, not rules",
			in:   lines(nil, 100000, eventLine),
			errs: []string{"x.ndjson:1: not a rule file: its first 10 non-empty lines are not rules (not a rule: no rule_id), and they look like events; stopped reading"},
		},
		{
			name: "blank lines and garbage first",
			in:   "\n\n" + lines(nil, 50, func(int) string { return "garbage" }),
			errs: []string{"x.ndjson:3: not a rule file: its first 10 non-empty lines are not rules (invalid JSON: "},
		},
		{
			name:  "a rule, then many bad lines",
			in:    lines([]string{rule}, 50, eventLine),
			rules: 1,
			errs: []string{
				"x.ndjson:2: not a rule: no rule_id", "x.ndjson:3: ", "x.ndjson:4: ", "x.ndjson:5: ", "x.ndjson:6: ",
				"x.ndjson:7: ", "x.ndjson:8: ", "x.ndjson:9: ", "x.ndjson:10: ", "x.ndjson:11: ",
				"x.ndjson: and 40 more lines that are not rules",
			},
		},
		{
			name:  "exception lists before the rules are not bad lines",
			in:    lines(nil, 12, func(i int) string { return fmt.Sprintf(`{"list_id":"l","item_id":"i%d"}`, i) }) + rule + "\n",
			rules: 1,
		},
		{
			name:  "nine bad lines then a rule",
			in:    lines(nil, 9, eventLine) + rule + "\n",
			rules: 1,
			errs: []string{"x.ndjson:1: ", "x.ndjson:2: ", "x.ndjson:3: ", "x.ndjson:4: ", "x.ndjson:5: ",
				"x.ndjson:6: ", "x.ndjson:7: ", "x.ndjson:8: ", "x.ndjson:9: "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, errs := ParseNDJSON("x.ndjson", strings.NewReader(tt.in))
			if len(rs) != tt.rules || len(errs) != len(tt.errs) {
				t.Fatalf("%d rules (want %d), %d errors (want %d): %v", len(rs), tt.rules, len(errs), len(tt.errs), errs)
			}
			for i, want := range tt.errs {
				if !strings.HasPrefix(errs[i].Error(), want) {
					t.Errorf("error %d: %q, want it to start %q", i, errs[i], want)
				}
			}
		})
	}
}
