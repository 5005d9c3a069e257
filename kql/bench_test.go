package kql

import (
	"strings"
	"testing"
	"time"
)

// extractedEvent is a Document over fields extracted once, the way
// Picket's events hold their hot fields: Values returns prepared slices
// without allocating.
type extractedEvent struct {
	status, method, ip []Value
}

func (e *extractedEvent) Values(path string) []Value {
	switch path {
	case "http.response.status_code":
		return e.status
	case "http.request.method":
		return e.method
	case "source.ip":
		return e.ip
	}
	return nil
}

func (e *extractedEvent) Fields() []string {
	return []string{"http.response.status_code", "http.request.method", "source.ip"}
}

func (e *extractedEvent) Objects(string) []Document { return nil }

func benchEvents() []*extractedEvent {
	methods := []string{"GET", "POST", "post", "PUT", "DELETE", "GET", "GET", "HEAD"}
	codes := []float64{200, 403, 404, 500, 403, 302, 200, 401}
	out := make([]*extractedEvent, 1024)
	for i := range out {
		out[i] = &extractedEvent{
			status: []Value{NumberValue(codes[i%len(codes)])},
			method: []Value{StringValue(methods[(i/5)%len(methods)])},
			ip:     []Value{StringValue("10.0.0.1")},
		}
	}
	return out
}

var benchSink int

func BenchmarkSeedQuery(b *testing.B) {
	q := MustParse(`http.response.status_code:403 and http.request.method:post`, WithNow(testNow))
	evs := benchEvents()
	hits := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if q.Match(evs[i&1023]) {
			hits++
		}
	}
	b.StopTimer()
	benchSink = hits
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkParse(b *testing.B) {
	src := `http.response.status_code:403 and http.request.method:(POST or post) and not source.ip:10.0.0.0/8 and @timestamp >= now-15m and user_agent.original:*bot*`
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(src, WithNow(testNow)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSeedQueryThroughput guards the ≥ 1M events/s target with margin for
// slow, shared and race-instrumented machines.
func TestSeedQueryThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	q := MustParse(`http.response.status_code:403 and http.request.method:post`)
	evs := benchEvents()
	const n = 2_000_000
	start := time.Now()
	hits := 0
	for i := 0; i < n; i++ {
		if q.Match(evs[i&1023]) {
			hits++
		}
	}
	rate := n / time.Since(start).Seconds()
	if hits == 0 {
		t.Fatal("no event matched")
	}
	if rate < 250_000 {
		t.Errorf("seed query ran at %.0f events/s; want well over 1M/s (250k is the floor under -race)", rate)
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		``, `*`, `*:*`, `a:b`, `a:"b c"`, `a:(b or c and not d)`, `not a:b`, `(a:b or c:d) and e:f`,
		`http.response.status_code:403 and http.request.method:post`,
		`a:{ b:c and d:{ e:f } }`, `a < 5`, `a >= now-15m/d`, `@timestamp:"2026-11-28T11:55:00Z||+1d"`,
		`a:\(\)\:\<\>\"\*\{\}\\`, `a:\or \and \not`, `a:\u0041\t\n`, `a:*b*c*`, `*.ip:1.2.3.4`, `ip:10.0.0.0/8`,
		`a:"unterminated`, `((((`, `a:(b`, `a:{`, `not not`, `a:b c:d`, "a:\u00a0b", `é:ü or 日本:語`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	docs := []Document{
		mustDoc(conformanceDocs["apm403"]), mustDoc(conformanceDocs["threat"]), mustDoc(conformanceDocs["special"]),
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s, WithNow(testNow))
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("Parse(%q) returned %T, want *ParseError", s, err)
			}
			return
		}
		for _, d := range docs {
			got := q.Match(d)
			// The normalised form parses and means the same.
			q2, err := Parse(q.String(), WithNow(testNow))
			if err != nil {
				t.Fatalf("String() of %q = %q does not parse: %v", s, q.String(), err)
			}
			if q2.Match(d) != got {
				t.Fatalf("String() of %q = %q matches differently", s, q.String())
			}
		}
		_ = q.ToDSL()
		for _, c := range q.Comparisons() {
			if c.ValueStart < 0 || c.ValueEnd > len(s) || c.ValueStart > c.ValueEnd {
				t.Fatalf("%q: bad value offsets %d..%d", s, c.ValueStart, c.ValueEnd)
			}
		}
	})
}

// TestHugeInputs bounds time on large and deeply nested queries.
func TestHugeInputs(t *testing.T) {
	cases := []struct {
		name  string
		query string
	}{
		{"long value", "a:" + strings.Repeat("x", 1<<20)},
		{"long space run", "a:b" + strings.Repeat(" ", 1<<20) + "c"},
		{"many ors", strings.Repeat("a:b or ", 50_000) + "a:c"},
		{"many wildcards", "a:" + strings.Repeat("*x", 50_000)},
		{"deep parens", strings.Repeat("(", 100_000)},
		{"deep lists", "a:" + strings.Repeat("(", 100_000)},
		{"deep nested", strings.Repeat("a:{", 100_000)},
		{"many nots", strings.Repeat("not (", 100_000)},
	}
	for _, tc := range cases {
		start := time.Now()
		q, err := Parse(tc.query)
		if err == nil {
			q.Match(mustDoc(`{"a":"xxxx"}`))
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", tc.name, d)
		}
	}
}
