package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"picket/kql"
	"picket/triage"
	"picket/triage/ndjson"
)

// trickyLines are documents whose bytes differ from their values: escapes,
// numbers written other ways, keys in other orders or dotted, arrays,
// case variants, Elasticsearch hits and pages, and ordinary traffic
// around them.
var trickyLines = []string{
	`{"@timestamp":"2026-11-01T10:00:00Z","source":{"ip":"198.51.100.1"},"http":{"request":{"method":"P\u004fST"},"response":{"status_code":403}},"url":{"path":"/a"}}`,
	`{"@timestamp":"2026-11-01T10:00:01Z","source":{"ip":"198.51.100.2"},"http":{"request":{"method":"POST"},"response":{"status_code":403.0}},"url":{"path":"/b"}}`,
	`{"http.response.status_code":403,"http.request.method":"POST","@timestamp":"2026-11-01T10:00:02Z","url.path":"/a"}`,
	`{"http":{"response":{"status_code":"403"},"request":{"method":"POST"}},"@timestamp":"2026-11-01T10:00:03Z"}`,
	`{"http":{"request.method":"POST","response.status_code":4.03e2},"@timestamp":"2026-11-01T10:00:04Z"}`,
	`{"http":{"request":{"method":"post"},"response":{"status_code":403}},"@timestamp":"2026-11-01T10:00:05Z"}`,
	`{"http":{"request":{"method":"GET"},"response":{"status_code":403}},"url":{"path":"/login"},"@timestamp":"2026-11-01T10:00:06Z"}`,
	`{"http":{"request":{"method":["GET","POST"]},"response":{"status_code":[200,403]}},"@timestamp":"2026-11-01T10:00:07Z"}`,
	`{"_index":"traces-apm-default","_id":"hit-1","_source":{"http":{"request":{"method":"POST"},"response":{"status_code":403}},"@timestamp":"2026-11-01T10:00:08Z"}}`,
	`{"hits":{"hits":[{"_id":"p1","_source":{"http":{"request":{"method":"POST"},"response":{"status_code":403}}}},{"_id":"p2","_source":{"http":{"request":{"method":"GET"}}}}]}}`,
	`{"hits":{"hits":[{"_id":"p3","_source":{"event":{"action":"allow"}}}]}}`,
	`{"\u0068its":{"hits":[{"_id":"p4","_source":{"event":{"action":"allow"}}}]}}`,
	`{"event":{"action":"BLOC\u212A","category":["network"]},"@timestamp":"2026-11-01T10:00:09Z"}`,
	"{\"event\":{\"action\":\"bloc\u212a\",\"category\":[\"network\"]},\"@timestamp\":\"2026-11-01T10:00:10Z\"}",
	`{"event":{"action":"block","category":["network"]},"@timestamp":"2026-11-01T10:00:11Z"}`,
	`{"event.action":"Block","@timestamp":"2026-11-01T10:00:12Z"}`,
	`{"url":{"path":"/login"},"http":{"response":{"status_code":401}},"@timestamp":"2026-11-01T10:00:13Z"}`,
	`{"url":{"original":"/login?next=%2F"},"http":{"response":{"status_code":401}},"@timestamp":"2026-11-01T10:00:14Z"}`,
	`{"user_agent":{"original":"curl/8.0"},"http":{"request":{"method":"GET"},"response":{"status_code":200}},"@timestamp":"2026-11-01T10:00:15Z"}`,
	`  {"http":{"request":{"method":"POST"},"response":{"status_code":403}}}  `,
	`{"http":{"request":{"method":"DELETE"},"response":{"status_code":404}},"@timestamp":"2026-11-01T10:00:16Z"}`,
}

// TestLineFilterSameFindings runs queries over trickyLines reading every
// field of every line, and again with projection and the line filter, and
// wants the same findings (with the same event numbers), the same lints
// and the same event count.
func TestLineFilterSameFindings(t *testing.T) {
	var data strings.Builder
	for i := range 3000 { // several batches of lines, most of them filler
		if i%100 < len(trickyLines) {
			data.WriteString(trickyLines[i%100] + "\n")
		} else {
			fmt.Fprintf(&data, `{"@timestamp":"2026-11-01T11:00:00Z","host":{"name":"h%d"},"event":{"kind":"metric"}}`+"\n", i)
		}
	}
	path := filepath.Join(t.TempDir(), "tricky.ndjson")
	if err := os.WriteFile(path, []byte(data.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query    string
		filtered bool // the query has a line filter
	}{
		{"http.response.status_code:403 and http.request.method:POST", true},
		{"http.response.status_code:403 and http.request.method:post", true},
		{"http.request.method:POST or http.request.method:DELETE", true},
		{"event.action:block", true},
		{"event.action:(block or deny) and event.category:network", true},
		{`url.path:("/login" or "/a") and http.response.status_code:(401 or 403)`, true},
		{"user_agent.original:curl*", true},
		{"not http.request.method:GET", false},
		{"http.response.status_code >= 400", false},
		{"no.such.field:x", true},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			full, fullLints, fullN, _ := runQuery(t, tc.query, path, false)
			got, lints, n, skipped := runQuery(t, tc.query, path, true)
			if full == "" && fullLints == "[]" {
				t.Errorf("no finding and no lint: the comparison proves nothing")
			}
			if tc.filtered && skipped == 0 {
				t.Errorf("the line filter skipped no line")
			}
			if got != full {
				t.Errorf("findings differ:\n got  %s\n full %s", got, full)
			}
			if lints != fullLints {
				t.Errorf("lints differ:\n got  %s\n full %s", lints, fullLints)
			}
			if n != fullN {
				t.Errorf("events: got %d, full read %d", n, fullN)
			}
			d, err := NewQuery(tc.query, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := d.LineFilter(); ok != tc.filtered {
				t.Errorf("LineFilter ok = %v, want %v", ok, tc.filtered)
			}
		})
	}
}

// runQuery runs one ad hoc query over path and returns its findings and
// lints as text and the number of events.
func runQuery(t *testing.T, query, path string, project bool) (findings, lints string, events int, skipped int64) {
	t.Helper()
	d, err := NewQuery(query, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	eng := &triage.Engine{Detectors: []triage.Detector{d}, Project: project, OnFinding: func(f triage.Finding) {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
		out.WriteByte('\n')
	}}
	workers := 1
	if project {
		workers = 2
	}
	src := ndjson.New([]string{path}, ndjson.Options{Workers: workers, Warn: func(where string, err error) {
		t.Errorf("%s: %v", where, err)
	}})
	st, err := eng.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), fmt.Sprint(st.Lints), st.Events, src.Stats().Skipped
}

// TestFieldsOfRules: a rule reads the fields it compares and the time,
// so a run of one rule decodes only a few fields beyond those every run
// needs.
func TestFieldsOfRules(t *testing.T) {
	tests := []struct {
		query string
		want  []string
	}{
		{"http.response.status_code:403 and http.request.method:POST", []string{"@timestamp", "http.response.status_code", "http.request.method"}},
		{"http.response.status_*:403", []string{"@timestamp"}},
		{"threat.enrichments:{ indicator.ip:1.2.3.4 }", []string{"@timestamp", "threat.enrichments.indicator.ip"}},
	}
	for _, tc := range tests {
		d, err := NewQuery(tc.query, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Fields(); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: Fields() = %v, want %v", tc.query, got, tc.want)
		}
	}
	seed := seedDetector(t)
	if got := seed.Fields(); !contains(got, "data_stream.dataset") {
		t.Errorf("a rule with index patterns reads the dataset: Fields() = %v", got)
	}
	p := triage.ProjectFields(seed.Fields()...)
	if n := p.Count(); n > 9 {
		t.Errorf("the seed rule decodes %d hot fields, want at most 9 (5 every run needs)", n)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestMayHoldVariant: lines that may hold a case variant of a value
// through escapes or the non-ASCII letters that fold to ASCII are kept;
// a plain line only when it holds the value as a whole string.
func TestMayHoldVariant(t *testing.T) {
	tests := []struct {
		line  string
		value string
		want  bool
	}{
		{`{"m":"POST"}`, "post", true},
		{`{"m" : "pOsT"}`, "post", true},
		{`{"http.request.m":"Post"}`, "post", true},
		{`{"m":"GET"}`, "post", false},
		{`{"m":"PO\u0053T"}`, "post", true},
		{"{\"m\":\"po\u017ft\"}", "post", true},
		{"{\"m\":\"\u212aey\"}", "key", true},
		{"{\"m\":\"\u212aey\"}", "post", false},
		{`{"m":"GET"}`, "", false},
		{`{"path":"/posts","m":"GET","x":"POST"}`, "post", false},
		{`{"m":["GET","Post"]}`, "post", true},
		{`{"m":[1, ["GET", ["post"]]]}`, "post", true},
		{`{"m":[1,"x",{"a":"b"}]}`, "post", true},
		{`{"m":[1,"x"],"y":"post"}`, "post", false},
		{`{"m":{"post":1}}`, "post", false},
		{`{"x":"m","m":"POST"}`, "post", true},
	}
	for _, tc := range tests {
		var values []caseValue
		if tc.value != "" {
			values = []caseValue{{key: lastKey("a.m"), value: []byte(tc.value)}}
		}
		if got := mayHoldVariant([]byte(tc.line), values); got != tc.want {
			t.Errorf("mayHoldVariant(%q, %q) = %v, want %v", tc.line, tc.value, got, tc.want)
		}
	}
}

// FuzzLineFilter: a line the filter rejects is one the query does not
// match and whose compared fields hold no case variant of the values the
// rule compares exactly, judged on the line decoded in full. Seeds are
// trickyLines; go test -fuzz FuzzLineFilter ./detectors/rules/ searches.
func FuzzLineFilter(f *testing.F) {
	for _, l := range trickyLines {
		f.Add(l)
	}
	queries := []string{
		"http.response.status_code:403 and http.request.method:POST",
		"http.request.method:post or event.action:block",
		`url.path:("/login" or "/a") and http.response.status_code:(401 or 403)`,
		"user_agent.original:curl* and not event.action:allow",
	}
	var dets []*Detector
	for _, q := range queries {
		d, err := NewQuery(q, Options{})
		if err != nil {
			f.Fatal(err)
		}
		d.allSeen.Store(true) // the strictest filter: every field seen
		dets = append(dets, d)
	}
	f.Fuzz(func(t *testing.T, line string) {
		ev, err := triage.ParseEvent([]byte(line), "fuzz:1")
		if err != nil {
			return // not a document: the reader reports it or skips it unvalidated
		}
		for _, d := range dets {
			keep, ok := d.LineFilter()
			if !ok || keep([]byte(line)) {
				continue
			}
			d.doc.Reset(ev)
			if d.q.Match(&d.doc) {
				t.Errorf("%s: filter rejected a matching line: %s", d.q.Source(), line)
			}
			for _, c := range d.lint.cases {
				for _, v := range d.doc.Values(c.field) {
					if v.Kind == kql.KindString && strings.EqualFold(v.Str, c.value) {
						t.Errorf("%s: filter rejected a line with %s %q: %s", d.q.Source(), c.field, v.Str, line)
					}
				}
			}
		}
	})
}
