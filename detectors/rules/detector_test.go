package rules

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"picket/triage"
	"picket/triage/eventtest"
)

var (
	apm   = eventtest.APM
	parse = eventtest.Parse
)

// run streams evs through d and returns its findings and lints.
func run(d triage.Detector, evs []*triage.Event) ([]triage.Finding, []triage.Lint) {
	var fs []triage.Finding
	emit := func(f triage.Finding) { fs = append(fs, f) }
	for _, ev := range evs {
		d.Observe(ev, emit)
	}
	d.Flush(emit)
	var ls []triage.Lint
	if l, ok := d.(triage.Linter); ok {
		ls = l.Lints()
	}
	return fs, ls
}

func seedDetector(t testing.TB) *Detector {
	t.Helper()
	d, err := New(Builtin()[0], Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSeedRuleFinding(t *testing.T) {
	evs := parse(t,
		apm("e1", "post", 403, "/api/cart", ""),
		apm("e2", "POST", 403, "/api/cart", ""),
		apm("e3", "post", 200, "/api/cart", ""),
		apm("e4", "get", 403, "/api/cart", ""),
	)
	fs, _ := run(seedDetector(t), evs)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
	}
	f := fs[0]
	want := `post answered 403 on /api/cart matched rule "Web Application Suspicious Activity: POST Request Declined" (http.response.status_code:403 and http.request.method:post)`
	if f.Reason != want {
		t.Errorf("reason\n got %s\nwant %s", f.Reason, want)
	}
	if f.Detector != "elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e" || f.Title != "Web Application Suspicious Activity: POST Request Declined" ||
		f.Severity != triage.Medium || f.RiskScore != 47 || f.SourceIP.String() != "203.0.113.7" || f.UserAgent != "curl/8.5" ||
		f.UserName != "mallory" || len(f.Evidence) != 1 || f.Evidence[0].ID != "e1" || f.Timestamp.IsZero() {
		t.Errorf("finding %+v", f)
	}
}

func TestIndexScope(t *testing.T) {
	hit := func(index, id string) string {
		return fmt.Sprintf(`{"_index":%q,"_id":%q,"_source":{"http":{"request":{"method":"post"},"response":{"status_code":403}}}}`, index, id)
	}
	tests := []struct {
		name string
		doc  string
		want bool
	}{
		{"APM data stream", apm("a", "post", 403, "/x", ""), true},
		{"no location", `{"http":{"request":{"method":"post"},"response":{"status_code":403}}}`, true},
		{"dotted data stream", `{"data_stream.type":"traces","data_stream.dataset":"apm","data_stream.namespace":"prod","http.request.method":"post","http.response.status_code":403}`, true},
		{"logs data stream", `{"data_stream":{"type":"logs","dataset":"nginx.access","namespace":"default"},"http":{"request":{"method":"post"},"response":{"status_code":403}}}`, false},
		{"partial data stream", `{"data_stream":{"dataset":"nginx.access"},"http":{"request":{"method":"post"},"response":{"status_code":403}}}`, true},
		{"hit in legacy APM index", hit("apm-7.17.9-transaction-000001", "h1"), true},
		{"hit in backing index", hit(".ds-traces-apm-default-2026.11.03-000001", "h2"), true},
		{"hit in logs index", hit("logs-nginx.access-default", "h3"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, _ := run(seedDetector(t), parse(t, tt.doc))
			if got := len(fs) == 1; got != tt.want {
				t.Errorf("matched = %v, want %v", got, tt.want)
			}
		})
	}
}

// lintsOf runs rule (a KQL query over index) on docs and returns the lint
// messages.
func lintsOf(t *testing.T, query string, index []string, docs ...string) []string {
	t.Helper()
	r := &Rule{RuleID: "r", Name: "R", Severity: triage.Low, RiskScore: 1, Type: TypeQuery, Language: LanguageKuery, Query: query, Index: index, Enabled: true}
	d, err := New(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, ls := run(d, parse(t, docs...))
	var out []string
	for _, l := range ls {
		if l.Detector != "elastic:r" {
			t.Errorf("lint from %q", l.Detector)
		}
		out = append(out, l.Message)
	}
	return out
}

func TestLints(t *testing.T) {
	upper := []string{
		apm("u1", "POST", 403, "/api/cart", ""),
		apm("u2", "POST", 403, "/login", ""),
		apm("u3", "POST", 200, "/api/cart", ""),
		apm("u4", "Post", 403, "/api/cart", ""),
		apm("u5", "GET", 403, "/admin", ""),
	}
	tests := []struct {
		name  string
		query string
		index []string
		docs  []string
		want  []string // each must be one lint, in order
	}{
		{
			name: "case trap", query: "http.response.status_code:403 and http.request.method:post", docs: upper,
			want: []string{"http.request.method: 'post' never occurs; case variants 'POST' (2) and 'Post' (1) occur in 3 events that otherwise match the rule (4 events in all) — the rule misses all of them, e.g. u1, u2, u4; fixed query: http.response.status_code:403 and http.request.method:(post or POST or Post)"},
		},
		{
			name: "one variant", query: "http.request.method:post and url.path:/api/cart", docs: upper[:3],
			want: []string{"http.request.method: 'post' never occurs; 'POST' occurs in 2 events that otherwise match the rule (3 events in all) — the rule misses all of them, e.g. u1, u3; fixed query: http.request.method:(post or POST) and url.path:/api/cart"},
		},
		{
			name: "quoted value", query: `http.request.method:"post" and url.path:/api/cart`, docs: upper[:1],
			want: []string{`http.request.method: 'post' never occurs; 'POST' occurs in 1 event that otherwise matches the rule — the rule misses it, e.g. u1; fixed query: http.request.method:("post" or POST) and url.path:/api/cart`},
		},
		{
			name: "value list", query: "http.request.method:(post or put) and http.response.status_code:403", docs: upper[:2],
			want: []string{"http.request.method: 'post' never occurs; 'POST' occurs in 2 events that otherwise match the rule — the rule misses all of them, e.g. u1, u2; fixed query: http.request.method:((post or POST) or put) and http.response.status_code:403"},
		},
		{
			name: "both cases listed", query: "http.response.status_code:403 and http.request.method:(POST or post or Post)", docs: upper,
		},
		{
			name: "some exact, some missed", query: "http.request.method:POST and http.response.status_code:403", docs: upper,
			want: []string{"http.request.method: 'POST' occurs in 3 events, but 'Post' occurs in 1 event that otherwise matches the rule — the rule misses it, e.g. u4; fixed query: http.request.method:(POST or Post) and http.response.status_code:403"},
		},
		{
			name: "negated", query: "http.response.status_code:403 and not http.request.method:get", docs: upper,
			want: []string{"http.request.method: 'get' never occurs; 'GET' occurs in 1 event that the rule matches only because its not compares case-sensitively — the rule should not match it, e.g. u5; fixed query: http.response.status_code:403 and not http.request.method:(get or GET)"},
		},
		{
			name: "variant never otherwise matches", query: "http.response.status_code:500 and http.request.method:post", docs: upper,
			want: []string{"http.request.method: 'post' never occurs; 'POST' and 'Post' occur in 4 events, none of which would otherwise match the rule (keyword comparisons are case-sensitive); fixed query: http.response.status_code:500 and http.request.method:(post or POST or Post)"},
		},
		{
			name: "missing field", query: "process.name:cmd.exe or http.response.status_code:403", docs: upper,
			want: []string{"field process.name never occurs in the 5 events: every comparison on it is false (and true under not)"},
		},
		{
			name: "leading wildcard on keyword", query: "user_agent.original:*sqlmap*", docs: upper,
			want: []string{"user_agent.original:*sqlmap* starts with a wildcard: Elasticsearch must scan every term of user_agent.original, which is slow on large indices (a wildcard-type field, or a value without the leading *, avoids it)"},
		},
		{
			name: "leading wildcard on a wildcard field", query: "url.path:*admin*", docs: upper,
		},
		{
			name: "range on keyword", query: "http.request.method > M", docs: upper,
			want: []string{"http.request.method > M is a range on http.request.method, a keyword field: Elasticsearch compares its values as text, so \"10\" sorts before \"9\""},
		},
		{
			name: "range on unknown text field", query: "custom.level >= 3", docs: []string{`{"custom":{"level":"high"}}`, `{"custom":{"level":5}}`},
			want: []string{"custom.level >= 3 is a range on custom.level, which has no known type and holds text (e.g. \"high\"): Elasticsearch would compare such values as text, not as numbers"},
		},
		{
			name: "range on unknown numeric field", query: "custom.level >= 3", docs: []string{`{"custom":{"level":"7"}}`, `{"custom":{"level":5}}`},
		},
		{
			name: "only events outside the index patterns", query: "process.name:x", index: []string{"logs-windows*"}, docs: upper[:1],
			want: []string{"index patterns logs-windows* match none of the 1 event that says where it came from (e.g. traces-apm-default), so the rule could match none of the loaded events"},
		},
		{
			name: "index patterns match nothing", query: "http.response.status_code:403", index: []string{"logs-nginx*"}, docs: append(upper[:2:2], `{"http":{"response":{"status_code":403}}}`),
			want: []string{"index patterns logs-nginx* match none of the 2 events that say where they came from (e.g. traces-apm-default), so the rule ran only on the 1 event without _index or data_stream fields"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lintsOf(t, tt.query, tt.index, tt.docs...)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("lints\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestAlertCap(t *testing.T) {
	base := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	var docs []string
	add := func(n int, start time.Time, step time.Duration) {
		for i := range n {
			ts := start.Add(time.Duration(i) * step).Format(time.RFC3339Nano)
			docs = append(docs, fmt.Sprintf(`{"@timestamp":%q,"http":{"request":{"method":"post"},"response":{"status_code":403}}}`, ts))
		}
	}
	add(312, base, 500*time.Millisecond)         // one 5-minute run: 312 matches
	add(50, base.Add(time.Hour), time.Second)    // under the cap
	add(150, base.Add(2*time.Hour), time.Second) // a second run over the cap
	evs := parse(t, docs...)

	fs, ls := run(seedDetector(t), evs)
	if len(fs) != len(docs) {
		t.Errorf("%d findings, want every match (%d)", len(fs), len(docs))
	}
	var capLint *triage.Lint
	for i := range ls {
		if strings.HasPrefix(ls[i].Message, "Elastic would have") {
			capLint = &ls[i]
		}
	}
	want := "Elastic would have raised at most 100 of these 312 in one 5-minute run (from 2026-11-03 09:00 UTC); 2 runs went over the cap of 100 alerts, so Elastic would have raised 250 of all 512 matches; Picket reports every match"
	if capLint == nil || capLint.Message != want || capLint.Count != 262 {
		t.Errorf("cap lint = %+v\nwant %s", capLint, want)
	}

	// One run over the cap says just that.
	_, ls = run(seedDetector(t), evs[:312])
	if len(ls) != 1 || ls[0].Message != "Elastic would have raised at most 100 of these 312 in one 5-minute run (from 2026-11-03 09:00 UTC); Picket reports every match" {
		t.Errorf("lints %+v", ls)
	}
}

func TestAdHocQuery(t *testing.T) {
	d, err := NewQuery("http.request.method:POST and http.response.status_code >= 400", Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := run(d, parse(t, apm("q1", "POST", 403, "/api/cart", ""), apm("q2", "POST", 200, "/", ""), `{"data_stream":{"type":"logs","dataset":"x","namespace":"y"},"http":{"request":{"method":"POST"},"response":{"status_code":500}},"event":{"id":"q3"}}`))
	if len(fs) != 2 || fs[0].Detector != "query" || fs[0].Evidence[0].ID != "q1" || fs[1].Evidence[0].ID != "q3" {
		t.Fatalf("findings %+v", fs)
	}
	if want := "POST answered 403 on /api/cart matched the query (http.request.method:POST and http.response.status_code >= 400)"; fs[0].Reason != want {
		t.Errorf("reason %q", fs[0].Reason)
	}
	if want := "response 500 matched the query (http.request.method:POST and http.response.status_code >= 400)"; fs[1].Reason != want {
		t.Errorf("reason %q", fs[1].Reason)
	}
	fresh, _ := NewQuery("http.request.method:POST and http.response.status_code >= 400", Options{})
	_, ls := run(fresh, parse(t, apm("q4", "post", 403, "/api/cart", "")))
	if len(ls) != 1 || !strings.HasPrefix(ls[0].Message, "http.request.method: 'POST' never occurs; 'post' occurs in 1 event that otherwise matches the query — the query misses it, e.g. q4; fixed query: http.request.method:(POST or post) and http.response.status_code >= 400") || ls[0].Detector != "query" {
		t.Errorf("query lints %+v", ls)
	}
	if d.Info().ID != "query" || d.Info().Readiness != triage.RunsLocally {
		t.Errorf("info %+v", d.Info())
	}
	if _, err := NewQuery("http.request.method:", Options{}); err == nil || !strings.Contains(err.Error(), "column") {
		t.Errorf("parse error %v", err)
	}
}

func TestDetectorsAssembly(t *testing.T) {
	imported, _ := Load("testdata/rules")
	dets, pending := Detectors(Merge(Builtin(), imported), Options{})
	var ids []string
	for _, d := range dets {
		ids = append(ids, d.Info().ID)
	}
	// The imported v106 POST rule replaces the seed; the admin rule runs;
	// the ML rule is the spike detector's.
	if strings.Join(ids, " ") != "elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e elastic:0c3b7f52-0000-4000-8000-000000000010" {
		t.Errorf("runnable %v", ids)
	}
	why := map[string]string{}
	for _, p := range pending {
		why[p.ID] = string(p.Readiness) + ": " + p.Why
	}
	for id, want := range map[string]string{
		"elastic:0c3b7f52-0000-4000-8000-000000000001": "not available yet: EQL",
		"elastic:0c3b7f52-0000-4000-8000-000000000011": "not available yet: query rules in Lucene syntax are not run locally yet",
		"elastic:0c3b7f52-0000-4000-8000-000000000012": "not available yet: threshold rules",
	} {
		if !strings.HasPrefix(why[id], want) {
			t.Errorf("%s: %q, want prefix %q", id, why[id], want)
		}
	}
	if len(pending) != 3 {
		t.Errorf("pending %v", pending)
	}
	bad := &Rule{RuleID: "bad", Name: "Bad", Type: TypeQuery, Query: "a:(b", Enabled: true}
	off := &Rule{RuleID: "off", Name: "Off", Type: TypeQuery, Query: "a:b", Source: "x.ndjson:3"}
	_, pending = Detectors([]*Rule{bad, off}, Options{})
	if len(pending) != 2 || !strings.Contains(pending[0].Why, "does not parse") || pending[1].Readiness != triage.NeedsConfig || !strings.Contains(pending[1].Why, "x.ndjson:3") {
		t.Errorf("pending %+v", pending)
	}
}

// TestSeedRuleOnDemo runs the seed rule over the demo data, whose APM
// agent sends upper-case methods: the faithful rule finds nothing, and
// the linter counts the events it misses. The expected count is worked
// out here by scanning the events directly.
func TestSeedRuleOnDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("14 days of demo data")
	}
	missed, lower := 0, 0
	var firstMissed string
	d := seedDetector(t)
	var findings []triage.Finding
	src := demoSource()
	err := src.Events(context.Background(), func(ev *triage.Event) error {
		// Only documents that spell 403 somewhere can count; the check
		// itself reads the JSON through Event.Get, not the hot fields.
		if !bytes.Contains(ev.Raw, []byte("403")) {
			d.Observe(ev, func(f triage.Finding) { findings = append(findings, f) })
			return nil
		}
		ds := ev.GetString("data_stream.type") + "-" + ev.GetString("data_stream.dataset") + "-" + ev.GetString("data_stream.namespace")
		apmStream := strings.HasPrefix(ds, "traces-apm")
		status := ev.GetString("http.response.status_code")
		method := ev.GetString("http.request.method")
		if apmStream && status == "403" {
			switch {
			case method == "post":
				lower++
			case strings.EqualFold(method, "post"):
				if missed == 0 {
					firstMissed = ev.ID
				}
				missed++
			}
		}
		d.Observe(ev, func(f triage.Finding) { findings = append(findings, f) })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Flush(func(f triage.Finding) { findings = append(findings, f) })
	if lower != 0 || missed == 0 {
		t.Fatalf("demo data changed: %d lower-case and %d other-case POST 403s", lower, missed)
	}
	if len(findings) != 0 {
		t.Errorf("the faithful seed rule found %d events in upper-case data", len(findings))
	}
	want := fmt.Sprintf("http.request.method: 'post' never occurs; 'POST' occurs in %d events that otherwise match the rule", missed)
	var msgs []string
	found := false
	for _, l := range d.Lints() {
		msgs = append(msgs, l.Message)
		if strings.HasPrefix(l.Message, want) && l.Count == missed &&
			strings.Contains(l.Message, "— the rule misses all of them, e.g. "+firstMissed) &&
			strings.HasSuffix(l.Message, "fixed query: http.response.status_code:403 and http.request.method:(post or POST)") {
			found = true
		}
	}
	if !found {
		t.Errorf("no lint %q… (count %d) in:\n%s", want, missed, strings.Join(msgs, "\n"))
	}
	t.Logf("demo: %d POST 403s missed; lints:\n%s", missed, strings.Join(msgs, "\n"))
}

// BenchmarkValueListRule runs a rule whose query is a list of N paths
// (an IOC list) with its linter over APM events: a 1,000-value list must
// cost about what one value costs (issue 17: 1,000 paths took 214 s over
// the demo before the lint looked values up instead of walking them).
func BenchmarkValueListRule(b *testing.B) {
	var docs []string
	for i := range 2000 {
		docs = append(docs, apm(fmt.Sprint("e", i), "GET", 200, fmt.Sprintf("/p/%d", i*7), ""))
	}
	evs := parse(b, docs...)
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			paths := make([]string, n)
			for i := range paths {
				paths[i] = fmt.Sprintf("/p/%d", i)
			}
			d, err := NewQuery("url.path:("+strings.Join(paths, " or ")+")", Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				for _, ev := range evs {
					d.Observe(ev, func(triage.Finding) {})
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
		})
	}
}

// TestDescribeSaysEveryValue: an event holding two statuses (nested and
// dotted) is described with both, so a finding for :403 does not read
// "answered 200".
func TestDescribeSaysEveryValue(t *testing.T) {
	ev, err := triage.ParseEvent([]byte(`{"http":{"request":{"method":"POST"},"response":{"status_code":403}},"http.response.status_code":200,"url":{"path":"/login"}}`), "t")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := describe(ev), "POST answered 403/200 on /login"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	one, _ := triage.ParseEvent([]byte(`{"http":{"request":{"method":"POST"},"response":{"status_code":403}},"url":{"path":"/login"}}`), "t")
	if got, want := describe(one), "POST answered 403 on /login"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
}
