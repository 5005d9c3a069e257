package playbooks

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

func TestContentLoads(t *testing.T) {
	if err := Err(); err != nil {
		t.Fatal(err)
	}
	if len(All()) < 10 {
		t.Fatalf("only %d playbooks embedded", len(All()))
	}
}

// TestEveryPlaybookIsComplete checks each detector's narrowed checklist:
// three sections of at least three items, unique ids with the section's
// prefix, valid actions. (The main package checks that every shipped
// detector has one.)
func TestEveryPlaybookIsComplete(t *testing.T) {
	for _, id := range Detectors() {
		p, ok := For(id)
		if !ok {
			t.Fatalf("For(%s) = false although listed", id)
		}
		if len(p.Sections) != 3 {
			t.Errorf("%s: %d sections", id, len(p.Sections))
			continue
		}
		seen := map[string]bool{}
		for i, s := range p.Sections {
			if s.Kind != Kinds[i] {
				t.Errorf("%s: section %d is %s, want %s", id, i, s.Kind, Kinds[i])
			}
			if len(s.Items) < 3 {
				t.Errorf("%s: %s has %d items, want at least 3", id, s.Kind, len(s.Items))
			}
			for _, it := range s.Items {
				if !strings.HasPrefix(it.ID, prefixes[s.Kind]) || seen[it.ID] {
					t.Errorf("%s: item id %q duplicated or without prefix %s", id, it.ID, prefixes[s.Kind])
				}
				seen[it.ID] = true
				if len(strings.Fields(it.Text)) < 6 {
					t.Errorf("%s/%s: text too short to be a step: %q", id, it.ID, it.Text)
				}
				if it.Action != nil {
					if err := it.Action.Validate(); err != nil {
						t.Errorf("%s/%s: %v", id, it.ID, err)
					}
				}
			}
		}
		if p.About == "" || p.Title == "" {
			t.Errorf("%s: missing title or about", id)
		}
	}
}

// TestOwnWords guards against pasting Elastic's guide sentences into the
// seed rules' playbooks: no 8-word run of the seed guides may appear.
func TestOwnWords(t *testing.T) {
	var seeds strings.Builder
	for _, f := range []string{"elastic-rule-post-request-declined.txt", "elastic-rule-spike-in-firewall-denies.txt"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "shared", "seeds", f))
		if err != nil {
			t.Skipf("seed guides not available: %v", err)
		}
		seeds.Write(b)
		seeds.WriteString(" ")
	}
	norm := func(s string) []string {
		return strings.Fields(strings.ToLower(strings.NewReplacer(",", "", ".", "", ";", "", ":", "").Replace(s)))
	}
	seedText := " " + strings.Join(norm(seeds.String()), " ") + " "
	for _, p := range All() {
		for _, it := range p.Items() {
			w := norm(it.Text)
			for i := 0; i+8 <= len(w); i++ {
				run := strings.Join(w[i:i+8], " ")
				if strings.Contains(seedText, " "+run+" ") {
					t.Errorf("%s/%s repeats a seed guide's words: %q", p.ID, it.ID, run)
				}
			}
		}
	}
}

func TestForNarrowsFamily(t *testing.T) {
	tests := []struct {
		id       string
		hasItem  string
		lacksItm string
	}{
		{"appsensor:RE3", "fp-bookmarks", "fp-head-options"},
		{"appsensor:RE1", "fp-head-options", "fp-bookmarks"},
		{"appsensor:HT3", "inv-honeytoken-use", "inv-paths"},
		{"appsensor:CIE1", "inv-errors", "inv-reflected"},
	}
	for _, tt := range tests {
		p, ok := For(tt.id)
		if !ok {
			t.Fatalf("no playbook for %s", tt.id)
		}
		if _, ok := p.Item(tt.hasItem); !ok {
			t.Errorf("%s lacks %s", tt.id, tt.hasItem)
		}
		if _, ok := p.Item(tt.lacksItm); ok {
			t.Errorf("%s has %s, which belongs to another point", tt.id, tt.lacksItm)
		}
		if p.DetectorID != tt.id {
			t.Errorf("DetectorID = %q", p.DetectorID)
		}
	}
	if _, ok := For("appsensor:SE1"); ok {
		t.Error("SE1 (cannot be judged) should have no playbook")
	}
}

func TestMarkdownGolden(t *testing.T) {
	p, _ := For("elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e")
	golden(t, "post-request-declined.md", p.Markdown())
}

func TestParseAction(t *testing.T) {
	tests := []struct {
		in   string
		want Action
		err  string
	}{
		{in: "group", want: Action{Kind: ActGroup}},
		{in: `count query="http.request.method:POST and http.response.status_code:403" window=1h`,
			want: Action{Kind: ActCount, Query: "http.request.method:POST and http.response.status_code:403", Window: time.Hour}},
		{in: `values field=url.path query="a:\"b c\"" window=7d scope=site top=5`,
			want: Action{Kind: ActValues, Field: "url.path", Query: `a:"b c"`, Window: 7 * 24 * time.Hour, Scope: ScopeSite, Top: 5}},
		{in: "allowlist-check kind=ip", want: Action{Kind: ActAllowlistCheck, AllowKind: "ip"}},
		{in: "exception fields=source.ip,user_agent.original", want: Action{Kind: ActException, Fields: []string{"source.ip", "user_agent.original"}}},
		{in: "pivot field=user.name window=30m", want: Action{Kind: ActPivot, Field: "user.name", Window: 30 * time.Minute}},
		{in: "", err: "empty"},
		{in: "explode", err: "unknown kind"},
		{in: "count window=1h", err: "needs query"},
		{in: `count query="unterminated`, err: "unterminated"},
		{in: "values field=x window=soon", err: "window"},
		{in: "values field=x scope=galaxy", err: "scope"},
		{in: "group colour=red", err: "unknown parameter"},
		{in: "exception", err: "needs fields"},
		{in: `routes query="picket.route:{{picket.route}}" window=24h top=5`,
			want: Action{Kind: ActRoutes, Query: "picket.route:{{picket.route}}", Window: 24 * time.Hour, Top: 5}},
		{in: "values field=picket.login.user scope=ip", want: Action{Kind: ActValues, Field: FieldLoginUser, Scope: ScopeIP}},
		{in: "exception fields=user_agent.original,picket.login.user", err: "computed by Picket"},
	}
	for _, tt := range tests {
		got, err := ParseAction(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseAction(%q) error = %v, want one containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseAction(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseAction(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		back, err := ParseAction(got.String())
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Errorf("round trip of %q via %q = %+v, %v", tt.in, got.String(), back, err)
		}
	}
}

func TestFromNote(t *testing.T) {
	type want struct {
		parsed  bool
		counts  [3]int
		texts   map[string]string   // item id → text prefix
		details map[string][]string // item id → details
		query   map[string]string   // item id → action query
		about   string
	}
	tests := []struct {
		file string
		want want
	}{
		{"note-atx.md", want{
			parsed: true, counts: [3]int{4, 3, 3},
			texts: map[string]string{
				"inv-01":  "Identify the client address and user agent behind the 401s and check whether they belong",
				"inv-04":  "Show 401s from this client",
				"fp-03":   "Load tests in staging",
				"resp-03": "Review whether the admin console",
			},
			details: map[string][]string{"inv-02": {"Routes ending in `/login` point at password guessing.", "Routes such as `/api/keys` point at token replay."}},
			query:   map[string]string{"inv-04": `source.ip:{{source.ip}} and http.response.status_code:"401"`},
			about:   "Admin consoles answer 401",
		}},
		{"note-bold.md", want{
			parsed: true, counts: [3]int{3, 2, 2},
			texts: map[string]string{
				"inv-02":  "Count the exports per hour and compare with the account's history. Large jumps deserve attention even for administrators.",
				"resp-02": "Tell the data owner",
			},
			details: map[string][]string{"inv-03": {"CSV exports of customer tables are the most sensitive.", "PDF invoices are less so."}},
		}},
		{"note-deep.md", want{
			parsed: true, counts: [3]int{2, 3, 3},
			details: map[string][]string{"inv-01": {"Tab-indented sub-step about the request body."}},
		}},
		{"note-freeform.md", want{parsed: false}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			p := FromNote("0000-test", "Test rule", string(b))
			if p.Parsed != tt.want.parsed {
				t.Fatalf("Parsed = %v, want %v", p.Parsed, tt.want.parsed)
			}
			if p.DetectorID != "elastic:0000-test" || p.Guide == "" || len(p.Sections) != 3 {
				t.Errorf("DetectorID %q, guide %d bytes, %d sections", p.DetectorID, len(p.Guide), len(p.Sections))
			}
			for i, k := range Kinds {
				if n := len(p.Section(k).Items); n != tt.want.counts[i] {
					t.Errorf("%s: %d items, want %d: %+v", k, n, tt.want.counts[i], p.Section(k).Items)
				}
			}
			for id, prefix := range tt.want.texts {
				it, ok := p.Item(id)
				if !ok || !strings.HasPrefix(it.Text, prefix) {
					t.Errorf("%s = %q, want prefix %q", id, it.Text, prefix)
				}
			}
			for id, d := range tt.want.details {
				it, _ := p.Item(id)
				if !reflect.DeepEqual(it.Details, d) {
					t.Errorf("%s details = %q, want %q", id, it.Details, d)
				}
			}
			for id, q := range tt.want.query {
				it, _ := p.Item(id)
				if it.Action == nil || it.Action.Kind != ActCount || it.Action.Query != q {
					t.Errorf("%s action = %+v, want count %q", id, it.Action, q)
				}
			}
			if !strings.HasPrefix(p.About, tt.want.about) {
				t.Errorf("About = %q, want prefix %q", p.About, tt.want.about)
			}
			md := p.Markdown()
			if !tt.want.parsed && !strings.Contains(md, "only paragraphs") {
				t.Errorf("fallback Markdown lacks the guide:\n%s", md)
			}
			if tt.want.parsed && strings.Contains(md, "!{investigate") {
				t.Errorf("Markdown still holds button syntax:\n%s", md)
			}
		})
	}
}

func TestFromNoteMarkdownGolden(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "note-atx.md"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "note-atx.golden.md", FromNote("0000-test", "Repeated 401 responses on admin routes", string(b)).Markdown())
}
