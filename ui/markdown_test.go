package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"picket/kql"
)

func TestRenderMarkdown(t *testing.T) {
	st := newStyles()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"heading", "# Verdict", []string{"Verdict"}},
		{"bullets", "- one\n* two\n+ three", []string{"• one", "• two", "• three"}},
		{"ordered", "1. first\n2) second", []string{"1. first", "2) second"}},
		{"tasks", "- [ ] todo\n- [x] done", []string{"☐ todo", "☑ done"}},
		{"nested", "- a\n  - b", []string{"• a", "  • b"}},
		{"inline", "run `curl -I` **now** or _later_", []string{"run curl -I now or", "later"}},
		{"fence", "```\nSELECT 1;\n```", []string{"│ SELECT 1;"}},
		{"indented code", "    x := 1", []string{"│ x := 1"}},
		{"quote", "> from the WAF", []string{"┃ from the WAF"}},
		{"rule", "---", []string{"────────"}},
		{"hostile", "ua \x1b[2J\u202e", []string{`ua \x1b[2J\u202e`}},
		{"wrap", "a " + strings.Repeat("word ", 10), []string{"a word word word", "word word word"}},
		{"unclosed code span", "a `b", []string{"a `b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(renderMarkdown(st, tc.src, 20), "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("rendered %q lacks %q", got, w)
				}
			}
			if strings.ContainsRune(got, 0x1b) {
				t.Errorf("raw ESC in %q", got)
			}
		})
	}
}

// TestMarkdownIdentifiers: underscores and stars inside words are text,
// not emphasis; emphasis at word boundaries still renders (without
// colour the markers are simply dropped).
func TestMarkdownIdentifiers(t *testing.T) {
	st := newStyles()
	tests := []struct {
		src, want string
	}{
		{"apm_403_response_to_a_post", "apm_403_response_to_a_post"},
		{"2*3*4", "2*3*4"},
		{"rule apm_403_response_to_a_post fired 2*3*4 times", "rule apm_403_response_to_a_post fired 2*3*4 times"},
		{"__strong__ at a word, a__b__c inside one", "strong at a word, a__b__c inside one"},
		{"snake_case and _emph_ here", "snake_case and emph here"},
		{"*emphasis*, **strong** and _emph_.", "emphasis, strong and emph."},
		{"(*a*) [_b_]", "(a) [b]"},
		{"a * b * c", "a * b * c"},
		{"**unclosed and *also", "**unclosed and *also"},
		{"file_name.go is _not_ empty", "file_name.go is not empty"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			got := strings.Join(renderMarkdown(st, tc.src, 200), "\n")
			if got != tc.want {
				t.Errorf("rendered %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMarkdownEmphasisStyled(t *testing.T) {
	st := newStyles()
	st.Label = st.Label.Foreground(lipgloss.Color("1"))
	st.Source = st.Source.Foreground(lipgloss.Color("2"))
	lipgloss.SetColorProfile(termenv.ANSI)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	for _, src := range []string{"_emph_", "*emph*", "**strong**"} {
		if got := inline(st, src); !strings.ContainsRune(got, 0x1b) || strings.ContainsAny(got, "*_") {
			t.Errorf("inline(%q) = %q: not styled", src, got)
		}
	}
	for _, src := range []string{"apm_403_response_to_a_post", "2*3*4"} {
		if got := inline(st, src); got != src {
			t.Errorf("inline(%q) = %q: styled inside a word", src, got)
		}
	}
}

func TestCompact(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{{0, "0"}, {9999, "9999"}, {12345, "12k"}, {999999, "999k"}, {1250000, "1.2M"}, {34000000, "34M"}}
	for _, tc := range tests {
		if got := compact(tc.n); got != tc.want {
			t.Errorf("compact(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

// TestGroupDocKQL: the queue's rows answer KQL queries by the fields the
// console documents (these were the built-in matcher's cases).
func TestGroupDocKQL(t *testing.T) {
	g := testCollection(t).Groups()[0] // the sqlmap group
	tests := []struct {
		q     string
		match bool
		err   bool
	}{
		{"source.ip:203.0.113.7", true, false},
		{"source.ip:203.0.113.0/24", true, false},
		{"source.ip:10.0.0.0/8", false, false},
		{"sqlmap", true, false},
		{"user_agent.name:sqlmap and severity:critical", true, false},
		{"not severity:critical", false, false},
		{`user_agent.original:"sqlmap/1.7.2#stable (https://sqlmap.org)"`, true, false},
		{`detector:appsensor\:*`, true, false},
		{"detector:CIE1 and status:open", true, false},
		{"risk >= 90 and findings:3", true, false},
		{"a or b", false, false},
		{"source.ip:", false, true},
		{"source.ip:(", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			q, err := kql.Parse(tc.q)
			if (err != nil) != tc.err {
				t.Fatalf("err %v", err)
			}
			if err != nil {
				return
			}
			if got := q.Match(&groupDoc{g: g, status: "open"}); got != tc.match {
				t.Errorf("match %v, want %v", got, tc.match)
			}
		})
	}
}
