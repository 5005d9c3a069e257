package cli

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"picket/casefile"
	"picket/triage"
)

// hostileText is what attackers put in fields, file names and imported
// lists to act on an analyst's terminal: an OSC 52 clipboard write, a
// window title, a screen clear, a C1 CSI, a bidi override, a zero-width
// space and a BOM.
const hostileText = "\x1b]52;c;cGF5bG9hZA==\x07\x1b]0;pwned\x07\x1b[2J\u009b31m\u202egnp.exe\u200b\ufeff"

// rawControl reports the first character in s a terminal would act on:
// C0 controls but tab and newline, DEL, C1 controls, invisible format
// characters, and invalid UTF-8.
func rawControl(s string) (rune, int, bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1,
			r < 0x20 && r != '\t' && r != '\n',
			r == 0x7f, r >= 0x80 && r <= 0x9f,
			r >= 0x200b && r <= 0x200f, r >= 0x2028 && r <= 0x202e, r >= 0x2060 && r <= 0x2069, r == 0xfeff:
			return r, i, true
		}
		i += size
	}
	return 0, 0, false
}

// TestEveryCommandEscapesHostileText runs every subcommand over a case
// file, events, rules and an exception list full of hostile text, and
// fails on any raw control character in what they print (issue 17 item 2:
// one escaping path for every terminal output).
func TestEveryCommandEscapesHostileText(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cases"+hostileText+".db")
	ctx := context.Background()
	st, err := casefile.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr("198.51.100.7")
	key := triage.GroupKey{SourceIP: ip, UserAgent: "curl" + hostileText}.String()
	c, err := st.EnsureCase(ctx, key, "Probe "+hostileText, "high")
	if err != nil {
		t.Fatal(err)
	}
	f := triage.Finding{Detector: "appsensor:CIE4", Title: "CR/LF" + hostileText, Severity: triage.High, RiskScore: 73,
		Timestamp: time.Date(2026, 11, 3, 9, 2, 0, 0, time.UTC), SourceIP: ip, UserAgent: "curl" + hostileText,
		Reason: "reason " + hostileText, Evidence: triage.RefsFromIDs([]string{"id" + hostileText}), EventCount: 1}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.LinkFindings(ctx, c.ID, "alice"+hostileText, []triage.Finding{f}))
	_, err = st.AddNote(ctx, casefile.Note{TargetKind: casefile.TargetGroup, TargetKey: key, Author: "alice", Body: "note " + hostileText})
	must(err)
	_, err = st.AddAllowEntry(ctx, triage.AllowEntry{Kind: triage.AllowUserAgent, Value: "ua" + hostileText, Reason: "why" + hostileText, Author: "a"})
	must(err)
	_, err = st.AddException(ctx, triage.Exception{Name: "x" + hostileText, Detector: "appsensor:CIE4", Reason: "r" + hostileText,
		Entries: []triage.ExceptionEntry{{Field: "url.path", Operator: triage.OpIncluded, Type: triage.EntryMatch, Value: "/p" + hostileText}}})
	must(err)
	must(st.Close())

	events := filepath.Join(dir, "events"+hostileText+".ndjson")
	doc := `{"@timestamp":"2026-11-03T09:02:00Z","event":{"id":"e\u001b[2J"},"source":{"ip":"198.51.100.7"},` +
		`"user_agent":{"original":"sqlmap\u001b]0;x\u0007\u202e"},"http":{"request":{"method":"GET"},"response":{"status_code":403}},` +
		`"url":{"original":"/item?id=1%27%20OR%201=1--\u001b[2J","path":"/item"}}`
	must(os.WriteFile(events, []byte(doc+"\n"+"not json \x1b[2J\n"), 0o600))
	rulesDir := filepath.Join(dir, "rules")
	must(os.Mkdir(rulesDir, 0o700))
	must(os.WriteFile(filepath.Join(rulesDir, "r"+hostileText+".toml"), []byte(`[rule]
name = "rule `+strings.ReplaceAll(hostileText, "\x1b", `\u001b`)+`"
rule_id = "0c3b7f52-0000-4000-8000-0000000000aa"
type = "query"
language = "kuery"
risk_score = 47
severity = "medium"
query = "http.response.status_code:403"
`), 0o600))

	cmds := [][]string{
		{"detect", "--db", db, events},
		{"detect", "--db", db, "--format", "table", events},
		{"detect", "--db", db, "--group", events},
		{"detect", "--db", db, "--group", "--format", "table", events},
		{"detect", "--db", db, "--group-by", "user_agent.original,url.path", events},
		{"detect", "--db", db, "--rules", rulesDir, events},
		{"detect", "--db", db, "--query", "url.path:\"" + hostileText + "\"", events},
		{"rules", "--rules", rulesDir},
		{"rules", "lint", "--rules", rulesDir, events},
		{"playbook", "appsensor:CIE4"},
		{"case", "list", "--db", db},
		{"case", "show", "--db", db, "1"},
		{"case", "show", "--db", db, "--format", "json", "1"},
		{"export", "--db", db, "--format", "md"},
		{"export", "--db", db, "--format", "json"},
		{"export", "--db", db, "--format", "csv"},
		{"exceptions", "list", "--db", db},
		{"exceptions", "export", "--db", db},
		{"allowlist", "export", "--db", db},
		{"alerts", "--es-url", "http://127.0.0.1:1/" + hostileText},
		{"detect", "--db", db, "no-such-file" + hostileText},
		{"version"},
	}
	for _, args := range cmds {
		name := strings.Join(args, " ")
		_, out, errOut := cli(t, "", args...)
		for what, s := range map[string]string{"stdout": out, "stderr": errOut} {
			if r, at, bad := rawControl(s); bad {
				t.Errorf("picket %q: raw %U on %s at %d: %q", name, r, what, at, s[max(0, at-40):min(len(s), at+40)])
			}
		}
	}
}
