package triage

import (
	"context"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// projectionDocs cover every hot field, in nested, dotted and array
// forms, with escapes.
var projectionDocs = []string{
	`{"@timestamp":"2026-11-01T10:00:00Z","event":{"id":"e1","category":["web","network"],"type":["denied"],"action":"drop","outcome":"failure","kind":"event","dataset":"fw.log"},"source":{"ip":"198.51.100.7"},"client":{"ip":"10.0.0.1"},"user_agent":{"original":"curl/8.0"},"http":{"request":{"method":"P\u004fST","body":{"original":"a=1","bytes":3},"referrer":"https://x/","headers":{"Host":["shop"],"Content-Length":["3"],"Cookie":["s=1"]},"cookies":{"sid":"abc"}},"response":{"status_code":403}},"url":{"original":"/login?next=%2F","full":"https://shop/login?next=%2F"},"user":{"name":"bob"},"processor":{"event":"transaction"},"transaction":{"name":"POST /login"},"session":{"id":"s1"},"data_stream":{"dataset":"apm"}}`,
	`{"http.request.method":["GET","POST"],"http.response.status_code":"404","event.category":"network","client.ip":"192.0.2.9","url.path":"/a","url.query":"b=1","user.name":["a","b"],"event.dataset":"x"}`,
	`{"http":{"request.method":"PUT","response.status_code":403.0},"event":{"outcome":["success"]}}`,
	`{"_index":"logs-x","_id":"h1","_source":{"event":{"action":"allow"},"http":{"request":{"method":"GET"}},"url":{"full":"https://h/p?q=1"}}}`,
}

// hotPathList is every hot path, sorted for stable output.
func hotPathList() []string {
	var out []string
	for p := range hotPaths {
		out = append(out, p)
	}
	return out
}

// TestProjectionAnswersLikeFull: whatever a projection leaves out, Values
// gives what a full decode gives for every hot path, Hot and HotList
// never answer for a field that was not decoded, and Complete restores
// the full event.
func TestProjectionAnswersLikeFull(t *testing.T) {
	projections := []struct {
		name string
		p    Projection
	}{
		{"nothing extra", Projection{}},
		{"method and status", ProjectFields("http.request.method", "http.response.status_code")},
		{"url.path", ProjectFields("url.path")},
		{"an object", ProjectFields("http.request")},
		{"below a hot field", ProjectFields("http.request.headers.Host")},
		{"categorisation", ProjectFields("event.category", "event.type", "event.outcome")},
		{"all", AllFields()},
	}
	for _, doc := range projectionDocs {
		full := NewDecoder()
		want, err := full.Decode([]byte(doc), "f:1")
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range projections {
			d := NewDecoder()
			d.Project(pr.p)
			got, err := d.Decode([]byte(doc), "f:1")
			if err != nil {
				t.Fatal(err)
			}
			ev, fev := got[0], want[0]
			for _, path := range hotPathList() {
				if g, w := ev.Values(path), fev.Values(path); !reflect.DeepEqual(g, w) && !(len(g) == 0 && len(w) == 0) {
					t.Errorf("%s: %s: Values(%q) = %v, full decode %v", pr.name, doc[:30], path, g, w)
				}
				if _, ok := ev.Hot(path); ok && !ev.Decoded(path) {
					t.Errorf("%s: Hot(%q) answered for a field not decoded", pr.name, path)
				}
				if _, ok := ev.HotList(path); ok && !ev.Decoded(path) {
					t.Errorf("%s: HotList(%q) answered for a field not decoded", pr.name, path)
				}
			}
			c := ev.Complete()
			if !reflect.DeepEqual(*c, *fev) {
				t.Errorf("%s: Complete() = %+v\nfull decode     %+v", pr.name, *c, *fev)
			}
			if pr.p.All() && c != ev {
				t.Errorf("%s: Complete of a full event should be the event itself", pr.name)
			}
		}
	}
}

// TestProjectFields: paths map to the hot fields that fill them, with
// the fields decoded together.
func TestProjectFields(t *testing.T) {
	tests := []struct {
		paths []string
		count int
	}{
		{nil, 5}, // @timestamp, event.id, source.ip, client.ip, user_agent.original
		{[]string{"http.request.method"}, 6},
		{[]string{"url.path"}, 9},
		{[]string{"data_stream.dataset"}, 7},
		{[]string{"http.response"}, 6},
		{[]string{"http.request.headers.Host"}, 6},
		{[]string{"labels.custom"}, 5},
		{[]string{"http"}, 12},
	}
	for _, tc := range tests {
		if got := ProjectFields(tc.paths...).Count(); got != tc.count {
			t.Errorf("ProjectFields(%q).Count() = %d, want %d", tc.paths, got, tc.count)
		}
	}
	if !AllFields().All() || ProjectFields("http.request.method").All() {
		t.Error("All() is wrong")
	}
}

// TestDecodeToAppends: DecodeTo appends to the slice it is given.
func TestDecodeToAppends(t *testing.T) {
	d := NewDecoder()
	evs, err := d.DecodeTo(nil, []byte(`{"a":1}`), "f:1")
	if err != nil {
		t.Fatal(err)
	}
	evs, err = d.DecodeTo(evs, []byte(`{"hits":{"hits":[{"_source":{}},{"_source":{}}]}}`), "f:2")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ev := range evs {
		ids = append(ids, ev.ID)
	}
	if want := []string{"f:1", "f:2#1", "f:2#2"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids = %q, want %q", ids, want)
	}
}

// TestParseIPv4MatchesNetip: the fast path agrees with netip.ParseAddr on
// what it accepts, and leaves the rest to it.
func TestParseIPv4MatchesNetip(t *testing.T) {
	for _, s := range []string{"1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5",
		"1..3.4", "1.2.3.4 ", "", "a.b.c.d", "1.2.3.0004", "10.0.0.1%eth0", "::ffff:1.2.3.4", "192.168.001.1", "9.99.199.249"} {
		a, ok := parseIPv4([]byte(s))
		want, err := netip.ParseAddr(s)
		if ok && (err != nil || a != want) {
			t.Errorf("parseIPv4(%q) = %v, netip says %v, %v", s, a, want, err)
		}
		if !ok && err == nil && want.Is4() && want.Zone() == "" {
			t.Errorf("parseIPv4(%q) refused an address netip accepts", s)
		}
	}
}

// TestPageHitWithoutSource: a page whose hit has no _source (or is not an
// object) is a bad line, not a crash.
func TestPageHitWithoutSource(t *testing.T) {
	for _, line := range []string{`{"hits":{"hits":[{}]}}`, `{"hits":{"hits":[1]}}`, `{"hits":{"hits":[{"_source":{}},{"_id":"x"}]}}`} {
		evs, err := NewDecoder().Decode([]byte(line), "f:1")
		if err == nil || !strings.Contains(err.Error(), "_source") {
			t.Errorf("%s: err = %v, want one naming _source", line, err)
		}
		if strings.Contains(line, `"_source":{}`) && len(evs) != 1 {
			t.Errorf("%s: the hits before the bad one are kept, got %d", line, len(evs))
		}
	}
}

// planDetector is a detector that declares fields and, when keep is set,
// a line filter.
type planDetector struct {
	fields  []string
	keep    func([]byte) bool
	skipped int
}

func (d *planDetector) Info() DetectorInfo            { return DetectorInfo{ID: "plan"} }
func (d *planDetector) Observe(*Event, func(Finding)) {}
func (d *planDetector) Flush(func(Finding))           {}
func (d *planDetector) Fields() []string              { return d.fields }
func (d *planDetector) LineFilter() (func([]byte) bool, bool) {
	return d.keep, d.keep != nil
}
func (d *planDetector) Skipped(n int) { d.skipped += n }

// everything is a detector that declares nothing: it reads every field.
type everything struct{}

func (everything) Info() DetectorInfo            { return DetectorInfo{ID: "all"} }
func (everything) Observe(*Event, func(Finding)) {}
func (everything) Flush(func(Finding))           {}

func TestEnginePlan(t *testing.T) {
	// Every plan also decodes what the engine itself reads: the span
	// join's processor.event, transaction.id and trace.id, and user.name
	// and session.id, which file a finding under its user.
	const engine = 5
	keepA := func(l []byte) bool { return strings.Contains(string(l), "A") }
	keepB := func(l []byte) bool { return strings.Contains(string(l), "B") }
	tests := []struct {
		name       string
		eng        Engine
		hot        int  // hot fields decoded
		all        bool // every field
		keepA      bool // the plan's Keep on a line holding A (false: no Keep)
		keepB      bool
		filterLine bool // the plan has a Keep
	}{
		{"one rule", Engine{Detectors: []Detector{&planDetector{fields: []string{"http.request.method"}, keep: keepA}}}, 6 + engine, false, true, false, true},
		{"two rules: keep what either keeps", Engine{Detectors: []Detector{&planDetector{keep: keepA}, &planDetector{fields: []string{"url.path"}, keep: keepB}}}, 9 + engine, false, true, true, true},
		{"a detector without a filter reads every line", Engine{Detectors: []Detector{&planDetector{keep: keepA}, &planDetector{}}}, 5 + engine, false, false, false, false},
		{"a detector that does not declare reads everything", Engine{Detectors: []Detector{&planDetector{keep: keepA}, everything{}}}, 29, true, false, false, false},
		{"OnEvent sees every event", Engine{Detectors: []Detector{&planDetector{keep: keepA}}, OnEvent: func(*Event) {}}, 5 + engine, false, false, false, false},
		{"grouping and exceptions add fields", Engine{Detectors: []Detector{&planDetector{keep: keepA}}, Capture: []string{"user.name"},
			Exceptions: []Exception{{Entries: []ExceptionEntry{{Field: "event.action"}}}}}, 6 + engine, false, true, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.eng.Plan()
			if got := p.Fields.Count(); got != tc.hot {
				t.Errorf("hot fields = %d, want %d", got, tc.hot)
			}
			if p.Fields.All() != tc.all {
				t.Errorf("All() = %v, want %v", p.Fields.All(), tc.all)
			}
			if (p.Keep != nil) != tc.filterLine {
				t.Fatalf("Keep set = %v, want %v", p.Keep != nil, tc.filterLine)
			}
			if p.Keep != nil && (p.Keep([]byte("xAx")) != tc.keepA || p.Keep([]byte("xBx")) != tc.keepB) {
				t.Errorf("Keep(A) = %v, Keep(B) = %v, want %v, %v", p.Keep([]byte("xAx")), p.Keep([]byte("xBx")), tc.keepA, tc.keepB)
			}
		})
	}
}

// skippingSource is a PlannedSource that skips every line its plan's
// Keep rejects, numbering lines as events.
type skippingSource struct{ lines []string }

func (s skippingSource) Name() string { return "skipping" }
func (s skippingSource) Events(ctx context.Context, fn func(*Event) error) error {
	return s.EventsPlanned(ctx, ReadPlan{}, fn, func(int) {})
}
func (s skippingSource) EventsPlanned(_ context.Context, plan ReadPlan, fn func(*Event) error, skipped func(int)) error {
	for _, l := range s.lines {
		if plan.Keep != nil && !plan.Keep([]byte(l)) {
			skipped(1)
			continue
		}
		if err := fn(&Event{ID: l, Raw: []byte(l)}); err != nil {
			return err
		}
	}
	return nil
}

// TestEngineCountsSkippedEvents: skipped lines keep their numbers, are
// counted as events, and are reported to the detectors' Skipped.
func TestEngineCountsSkippedEvents(t *testing.T) {
	seen := map[string]uint64{}
	d := &planDetector{keep: func(l []byte) bool { return strings.Contains(string(l), "A") }}
	eng := Engine{Detectors: []Detector{d}, Project: true}
	src := skippingSource{lines: []string{"x1", "A2", "x3", "x4", "A5", "x6"}}
	st, err := eng.Run(context.Background(), observingSource{src, func(ev *Event) { seen[ev.ID] = ev.Seq }})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 6 || d.skipped != 4 {
		t.Errorf("Events = %d, Skipped = %d; want 6 and 4", st.Events, d.skipped)
	}
	if want := map[string]uint64{"A2": 2, "A5": 5}; !reflect.DeepEqual(seen, want) {
		t.Errorf("numbers = %v, want %v", seen, want)
	}
}

// observingSource passes a PlannedSource through, showing each event to
// look after the engine numbered it.
type observingSource struct {
	skippingSource
	look func(*Event)
}

func (s observingSource) EventsPlanned(ctx context.Context, plan ReadPlan, fn func(*Event) error, skipped func(int)) error {
	return s.skippingSource.EventsPlanned(ctx, plan, func(ev *Event) error {
		err := fn(ev)
		s.look(ev)
		return err
	}, skipped)
}
