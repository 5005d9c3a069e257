package casefile

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

func TestSafeLink(t *testing.T) {
	tests := []struct {
		dest string
		safe bool
	}{
		{"https://example.com/a?b#c", true},
		{"http://example.com", true},
		{"mailto:soc@example.com", true},
		{"/relative/path", true},
		{"#anchor", true},
		{"//cdn.example.com/x", true},
		{"page.html?a=b:c", true}, // ':' after '?' is no scheme
		{"javascript:alert(1)", false},
		{"JaVaScRiPt:alert(1)", false},
		{"  javascript:alert(1)", false},
		{"<javascript:alert(1)>", false},
		{"java\tscript:alert(1)", false},
		{`java\x09script:alert(1)`, false}, // as triage.Escape shows a tab
		{"javascript&colon;alert(1)", false},
		{"&#106;avascript:alert(1)", false},
		{`javascript\:alert(1)`, false},
		{"data:text/html;base64,PHNjcmlwdD4=", false},
		{"vbscript:msgbox(1)", false},
		{"file:///etc/passwd", false},
	}
	for _, tt := range tests {
		if got := safeLink(tt.dest); got != tt.safe {
			t.Errorf("safeLink(%q) = %v, want %v", tt.dest, got, tt.safe)
		}
	}
	if got := linkTarget("javascript:alert(1)"); got != "#" {
		t.Errorf("linkTarget kept an unsafe target: %q", got)
	}
	if got := linkTarget("https://x.example/a b(c)"); got != "https://x.example/a%20b%28c%29" {
		t.Errorf("linkTarget = %q", got)
	}
}

func TestCodeEscapers(t *testing.T) {
	tests := []struct {
		name     string
		fn       func(string) string
		in, want string
	}{
		{"span keeps <", code, "<script>", "`<script>`"},
		{"span keeps |", code, "a|b", "`a|b`"},
		{"span outgrows a backtick run", code, "a``b", "``` a``b ```"},
		{"span pads a leading backtick", code, "`x", "`` `x ``"},
		{"span keeps edge spaces", code, " a ", "`  a  `"},
		{"span escapes controls", code, "a\x1b[2Jb", "`a\\x1b[2Jb`"},
		{"cell span escapes |", cellCode, "a|`b`", "`` a\\|`b` ``"},
		{"block keeps <", codeBlock, "<b>\nx", "```\n<b>\nx\n```"},
		{"block outgrows fences inside", codeBlock, "```\n<b>\n````", "`````\n```\n<b>\n````\n`````"},
		{"block escapes controls", codeBlock, "a\x1b]0;t\x07", "```\na\\x1b]0;t\\x07\n```"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%s: %q -> %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestMarkdownNote covers analyst Markdown: code verbatim where it is
// surely code, HTML and unsafe links neutralised everywhere else.
func TestMarkdownNote(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"html", "**ok**\n<img src=x onerror=alert(1)>", "**ok**\n&lt;img src=x onerror=alert(1)>"},
		{"code span verbatim", "payload `<script>alert(1)</script>` in q", "payload `<script>alert(1)</script>` in q"},
		{"longer code span", "``a ` <b>``", "``a ` <b>``"},
		{"fenced block verbatim", "```html\n<b>x</b>\n```\nafter <i>", "```html\n<b>x</b>\n```\nafter &lt;i>"},
		{"tilde fence", "~~~\n<b>\n~~~", "~~~\n<b>\n~~~"},
		{"unclosed fence is closed", "````\n<b>", "````\n<b>\n````"},
		{"indented fence: not trusted", "- item\n   ```\n<b>\n   ```", "- item\n   ```\n&lt;b>\n   ```"},
		{"backtick info string is no fence", "``` a`b\n<b>", "``` a`b\n&lt;b>"},
		{"unpaired backtick: no span trusted", "a `b\n`<x>` `y`", "a `b\n`&lt;x>` `y`"},
		{"escaped backtick opens nothing", "\\`<x>`", "\\`&lt;x>`"},
		{"table row: not trusted", "| `<x>` | y |", "| `&lt;x>` | y |"},
		{"javascript link", "[click](javascript:alert(1))", "[click]\\(javascript:alert(1))"},
		{"data image", "![x](data:image/svg+xml;base64,PHN2Zz4=)", "![x]\\(data:image/svg+xml;base64,PHN2Zz4=)"},
		{"vbscript in brackets", "[x](<vbscript:msgbox(1)>)", "[x]\\(&lt;vbscript:msgbox(1)>)"},
		{"entity", "[x](javascript&colon;alert(1))", "[x]\\(javascript&colon;alert(1))"},
		{"destination on the next line", "[x](\njavascript:alert(1))", "[x]\\(\njavascript:alert(1))"},
		{"reference definition", "[x]\n\n[x]: javascript:alert(1)", "[x]\n\n[x\\]: javascript:alert(1)"},
		{"autolink", "<javascript:alert(1)>", "&lt;javascript:alert(1)>"},
		{"safe link kept", "[ticket](https://tickets.example.com/42)", "[ticket](https://tickets.example.com/42)"},
		{"link in code kept", "`[x](javascript:1)`", "`[x](javascript:1)`"},
		{"controls", "a\x1b]52;c;eA==\x07\r\nb", "a\\x1b]52;c;eA==\\x07\nb"},
	}
	for _, tt := range tests {
		if got := mdBlock(tt.in); got != tt.want {
			t.Errorf("%s:\n in   %q\n got  %q\n want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// hostileNote is an analyst note (or a description pasted from an
// attacker's payload) that tries every way out of Markdown.
const hostileNote = "Decoded payload: `<script>alert(1)</script>` and ``a`<b>`` \n" +
	"[open me](javascript:alert(document.cookie)) ![pixel](data:image/png;base64,iVBOR) [vb](<vbscript:msgbox(1)>)\n" +
	"[ref][evil] <img src=x onerror=alert(1)> <https://ok.example/>\n\n" +
	"[evil]: JavaScript&#58;alert(1)\n\n" +
	"```\n<?php system($_GET['c']); ?>\n`` not a fence\n```\n\n" +
	"~~~ unclosed\n</details>\x1b]0;pwned\x07"

// TestMarkdownHostileGolden exports two cases full of hostile text: the
// golden file is what a ticket gets.
func TestMarkdownHostileGolden(t *testing.T) {
	t0 := fixedClock(t)
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	first := buildCase(t, s)
	c, err := s.NewCase(ctx, "Pasted `payload` <b>|</b> [x](javascript:alert(1))", "critical")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCaseDescription(ctx, c.ID, hostileNote, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddNote(ctx, Note{CaseID: c.ID, TargetKind: TargetCase, TargetKey: "``` `x`", Body: hostileNote, Author: "[bob](javascript:1)", Created: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkFindings(ctx, c.ID, "alice", []triage.Finding{{Detector: "appsensor:IE1", Title: "<svg onload=alert(1)>",
		Severity: triage.High, Timestamp: t0, UserAgent: "``x`` <b>", UserName: "| a | b |",
		Reason: "[click](javascript:alert(1)) <script>", Evidence: triage.RefsFromIDs([]string{"`", "<e>"}), EventCount: 2}}); err != nil {
		t.Fatal(err)
	}
	var rs []Report
	for _, id := range []int64{first, c.ID} {
		r, err := s.Report(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, rs, ExportOptions{Now: t0.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	golden(t, "hostile.golden.md", out)
	checkTables(t, out)
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Error("raw control characters in the export")
	}
	// No link anywhere leads to a script or data URL.
	links := regexp.MustCompile(`\]\(\s*<?([^\s)>]*)|\]:\s*<?([^\s>]*)`)
	for _, m := range links.FindAllStringSubmatchIndex(out, -1) {
		if m[0] > 0 && out[m[0]-1] == '\\' {
			continue // an escaped ']' closes no link text
		}
		dest := out[m[2]:m[3]]
		if m[2] < 0 {
			dest = out[m[4]:m[5]]
		}
		if !safeLink(dest) {
			t.Errorf("live link to %q", dest)
		}
	}
	// The code in the note survives verbatim, in a span and in a block.
	for _, want := range []string{"`<script>alert(1)</script>`", "\n<?php system($_GET['c']); ?>\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks verbatim code %q", want)
		}
	}
}
