package triage

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func rawEvent(id, doc string) *Event {
	ev := &Event{ID: id, Raw: []byte(doc)}
	// Hot fields the way the decoder fills them, for the fast path.
	ev.UserAgent = ev.GetString("user_agent.original")
	ev.Method = ev.GetString("http.request.method")
	ev.UserName = ev.GetString("user.name")
	if a, err := netip.ParseAddr(ev.GetString("source.ip")); err == nil {
		ev.SourceIP = a
	}
	return ev
}

const bot = `{"source":{"ip":"66.249.66.1"},"user_agent":{"original":"Mozilla/5.0 (compatible; Googlebot/2.1)"},
 "http":{"request":{"method":"POST"},"response":{"status_code":403}},"url.path":"/cart",
 "event":{"category":["web"]},"tags":["a","b"],
 "threat":{"enrichments":[{"indicator":{"type":"ipv4-addr","ip":"66.249.66.1"},"matched":{"field":"source.ip"}},
                          {"indicator":{"type":"url"},"matched":{"field":"url.full"}}]}}`

func TestExceptionMatches(t *testing.T) {
	ev := rawEvent("e1", bot)
	m := func(field, typ, op, value string, values ...string) ExceptionEntry {
		return ExceptionEntry{Field: field, Type: typ, Operator: op, Value: value, Values: values}
	}
	tests := []struct {
		name    string
		entries []ExceptionEntry
		want    bool
	}{
		{"match", []ExceptionEntry{m("http.request.method", EntryMatch, OpIncluded, "POST")}, true},
		{"match is case-sensitive", []ExceptionEntry{m("http.request.method", EntryMatch, OpIncluded, "post")}, false},
		{"match number", []ExceptionEntry{m("http.response.status_code", EntryMatch, "", "403")}, true},
		{"match dotted key", []ExceptionEntry{m("url.path", EntryMatch, OpIncluded, "/cart")}, true},
		{"match CIDR on ip", []ExceptionEntry{m("source.ip", EntryMatch, OpIncluded, "66.249.64.0/19")}, true},
		{"match CIDR outside", []ExceptionEntry{m("source.ip", EntryMatch, OpIncluded, "10.0.0.0/8")}, false},
		{"excluded match", []ExceptionEntry{m("http.request.method", EntryMatch, OpExcluded, "GET")}, true},
		{"excluded match that holds", []ExceptionEntry{m("http.request.method", EntryMatch, OpExcluded, "POST")}, false},
		{"match_any", []ExceptionEntry{m("tags", EntryMatchAny, OpIncluded, "", "x", "b")}, true},
		{"match_any none", []ExceptionEntry{m("tags", EntryMatchAny, OpIncluded, "", "x", "y")}, false},
		{"excluded match_any", []ExceptionEntry{m("tags", EntryMatchAny, OpExcluded, "", "x", "y")}, true},
		{"wildcard", []ExceptionEntry{m("user_agent.original", EntryWildcard, OpIncluded, "*Googlebot/?.?*")}, true},
		{"wildcard anchored", []ExceptionEntry{m("user_agent.original", EntryWildcard, OpIncluded, "Googlebot*")}, false},
		{"exists", []ExceptionEntry{m("event.category", EntryExists, OpIncluded, "")}, true},
		{"not exists", []ExceptionEntry{m("user.name", EntryExists, OpExcluded, "")}, true},
		{"exists on missing", []ExceptionEntry{m("user.name", EntryExists, OpIncluded, "")}, false},
		{"AND of entries", []ExceptionEntry{
			m("http.request.method", EntryMatch, OpIncluded, "POST"),
			m("user_agent.original", EntryWildcard, OpIncluded, "*Googlebot*")}, true},
		{"AND with one false", []ExceptionEntry{
			m("http.request.method", EntryMatch, OpIncluded, "POST"),
			m("url.path", EntryMatch, OpIncluded, "/login")}, false},
		{"nested, same object", []ExceptionEntry{{Field: "threat.enrichments", Type: EntryNested, Entries: []ExceptionEntry{
			m("indicator.type", EntryMatch, OpIncluded, "ipv4-addr"), m("matched.field", EntryMatch, OpIncluded, "source.ip")}}}, true},
		{"nested, values from two objects", []ExceptionEntry{{Field: "threat.enrichments", Type: EntryNested, Entries: []ExceptionEntry{
			m("indicator.type", EntryMatch, OpIncluded, "url"), m("matched.field", EntryMatch, OpIncluded, "source.ip")}}}, false},
		{"list entry without its list never matches", []ExceptionEntry{{Field: "source.ip", Type: EntryList, Operator: OpIncluded, List: &ListRef{ID: "ips", Type: "ip"}}}, false},
		{"no entries", nil, false},
	}
	for _, tt := range tests {
		x := Exception{Entries: tt.entries}
		if got := x.Matches(ev); got != tt.want {
			t.Errorf("%s: Matches = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"/api/*/orders", "/api/v1/x/orders", true},
		{"*a*a*a*a*a*b", strings.Repeat("a", 200), false}, // no exponential blow-up
		{"é?", "éü", true},
	}
	for _, tt := range tests {
		if got := Glob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Glob(%q, %q) = %v", tt.pattern, tt.s, got)
		}
	}
}

func TestExceptionEntryJSON(t *testing.T) {
	in := `[{"field":"user_agent.original","operator":"included","type":"wildcard","value":"*bot*"},
	 {"field":"source.ip","operator":"excluded","type":"match_any","value":["10.0.0.1","10.0.0.2"]},
	 {"field":"user.name","operator":"included","type":"exists"},
	 {"field":"threat.enrichments","type":"nested","entries":[{"field":"matched.field","operator":"included","type":"match","value":"source.ip"}]},
	 {"field":"source.ip","operator":"included","type":"list","list":{"id":"blocked","type":"ip"}}]`
	var es []ExceptionEntry
	if err := json.Unmarshal([]byte(in), &es); err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if err := e.Validate(); err != nil {
			t.Errorf("Validate(%+v): %v", e, err)
		}
	}
	out, err := json.Marshal(es)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	json.Unmarshal([]byte(in), &a)
	json.Unmarshal(out, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("round trip changed the entries:\n in  %s\n out %s", in, out)
	}
	bad := []ExceptionEntry{
		{Type: EntryMatch, Value: "x"},
		{Field: "f", Type: EntryMatch},
		{Field: "f", Type: "regex", Value: "x"},
		{Field: "f", Type: EntryMatch, Operator: "is", Value: "x"},
		{Field: "f", Type: EntryNested},
		{Field: "f", Type: EntryMatchAny},
	}
	for _, e := range bad {
		if e.Validate() == nil {
			t.Errorf("Validate(%+v) = nil, want an error", e)
		}
	}
}

// fakeDetector raises one finding per event whose path is /probe, citing
// that event, and one finding at Flush citing every /probe event.
type fakeDetector struct{ refs []EventRef }

func (d *fakeDetector) Info() DetectorInfo { return DetectorInfo{ID: "test:probe", Title: "probe"} }
func (d *fakeDetector) Observe(ev *Event, emit func(Finding)) {
	if ev.GetString("url.path") != "/probe" {
		return
	}
	d.refs = append(d.refs, ev.Ref())
	emit(Finding{SourceIP: ev.SourceIP, UserAgent: ev.UserAgent, Evidence: []EventRef{ev.Ref()}})
}
func (d *fakeDetector) Flush(emit func(Finding)) {
	if len(d.refs) > 0 {
		emit(Finding{Detector: "test:probe", Evidence: d.refs})
	}
}

func TestEngineSuppression(t *testing.T) {
	src := sliceSource{
		rawEvent("a", `{"source.ip":"10.1.1.1","user_agent.original":"scanner/1","url.path":"/probe"}`),
		rawEvent("b", `{"source.ip":"10.1.1.2","user_agent.original":"curl/8","url.path":"/probe"}`),
		rawEvent("c", `{"source.ip":"192.0.2.7","user_agent.original":"Mozilla","url.path":"/probe"}`),
		rawEvent("d", `{"source.ip":"192.0.2.7","user_agent.original":"Mozilla","url.path":"/home"}`),
	}
	uaScanner := Exception{Name: "scanner", Entries: []ExceptionEntry{{Field: "user_agent.original", Type: EntryWildcard, Value: "scanner/*"}}}
	tests := []struct {
		name       string
		exceptions []Exception
		allow      []AllowEntry
		wantIDs    [][]string // evidence of the findings kept
		suppressed int
	}{
		{"nothing applied", nil, nil, [][]string{{"a"}, {"b"}, {"c"}, {"a", "b", "c"}}, 0},
		{"exception suppresses only findings whose every event matches", []Exception{uaScanner}, nil,
			[][]string{{"b"}, {"c"}, {"a", "b", "c"}}, 1},
		{"exception for another detector does nothing", []Exception{{Detector: "other", Entries: uaScanner.Entries}}, nil,
			[][]string{{"a"}, {"b"}, {"c"}, {"a", "b", "c"}}, 0},
		{"expired exception does nothing", []Exception{{Entries: uaScanner.Entries, Expires: time.Now().Add(-time.Hour)}}, nil,
			[][]string{{"a"}, {"b"}, {"c"}, {"a", "b", "c"}}, 0},
		{"two exceptions cover the aggregate together", []Exception{uaScanner,
			{Detector: "test:probe", Entries: []ExceptionEntry{{Field: "source.ip", Type: EntryMatch, Value: "10.1.1.2"}}},
			{Entries: []ExceptionEntry{{Field: "user_agent.original", Type: EntryMatch, Value: "Mozilla"}}}}, nil,
			nil, 4},
		{"allowlisted CIDR", nil, []AllowEntry{{Kind: AllowCIDR, Value: "192.0.2.0/24"}}, [][]string{{"a"}, {"b"}, {"a", "b", "c"}}, 1},
		{"allowlisted user agent", nil, []AllowEntry{{Kind: AllowUserAgent, Value: "curl/8", Detector: "test:probe"}}, [][]string{{"a"}, {"c"}, {"a", "b", "c"}}, 1},
		{"allowlisted path acts on events", nil, []AllowEntry{{Kind: AllowPath, Value: "/probe"}}, nil, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][]string
			eng := &Engine{Detectors: []Detector{&fakeDetector{}}, Exceptions: tt.exceptions, Allowlist: tt.allow,
				OnFinding: func(f Finding) { got = append(got, f.EventIDs()) }}
			st, err := eng.Run(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.wantIDs) {
				t.Errorf("kept %v, want %v", got, tt.wantIDs)
			}
			if st.Suppressed != tt.suppressed || st.Findings != len(tt.wantIDs) {
				t.Errorf("Suppressed %d Findings %d, want %d and %d", st.Suppressed, st.Findings, tt.suppressed, len(tt.wantIDs))
			}
		})
	}
}

func TestAllowEntryValidate(t *testing.T) {
	for _, a := range []AllowEntry{{Kind: AllowIP, Value: "10.0.0.1"}, {Kind: AllowCIDR, Value: "2001:db8::/32"}, {Kind: AllowUserAgent, Value: "x"}} {
		if err := a.Validate(); err != nil {
			t.Errorf("%+v: %v", a, err)
		}
	}
	for _, a := range []AllowEntry{{Kind: AllowIP, Value: "10.0.0.300"}, {Kind: "colour", Value: "red"}, {Kind: AllowUser}} {
		if a.Validate() == nil {
			t.Errorf("%+v: no error", a)
		}
	}
}

func TestExceptionSummary(t *testing.T) {
	got := ExceptionSummary([]ExceptionEntry{
		{Field: "user_agent.original", Type: EntryWildcard, Value: "*bot*"},
		{Field: "source.ip", Type: EntryMatchAny, Operator: OpExcluded, Values: []string{"10.0.0.1", "a b"}},
		{Field: "user.name", Type: EntryExists},
	})
	want := `user_agent.original: *bot* AND NOT source.ip: (10.0.0.1 OR "a b") AND user.name: *`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// methodDetector raises one finding per event whose method is not GET,
// citing that event: a stand-in for AppSensor's RE2.
type methodDetector struct{}

func (methodDetector) Info() DetectorInfo {
	return DetectorInfo{ID: "test:method", Title: "odd method"}
}
func (methodDetector) Observe(ev *Event, emit func(Finding)) {
	if ev.Method != "GET" {
		f := Finding{SourceIP: ev.SourceIP}
		f.AddEvidence(ev)
		emit(f)
	}
}
func (methodDetector) Flush(func(Finding)) {}

// TestSharedEventIDDoesNotHideFinding is the attack of issue 17 item 1: a
// benign request on an allowlisted path carries the same event.id as an
// attacker's request; the exception covers the benign one only, so the
// attacker's finding must stay, and the collection must show the
// attacker's own event as its evidence.
func TestSharedEventIDDoesNotHideFinding(t *testing.T) {
	for _, order := range []string{"benign first", "attacker first"} {
		t.Run(order, func(t *testing.T) {
			benign := rawEvent("req-1", `{"event.id":"req-1","source.ip":"10.0.0.5","http.request.method":"GET","url.path":"/healthz"}`)
			attack := rawEvent("req-1", `{"event.id":"req-1","source.ip":"203.0.113.66","http.request.method":"PROPFIND","url.path":"/admin"}`)
			src := sliceSource{benign, attack}
			if order == "attacker first" {
				src = sliceSource{attack, benign}
			}
			c := NewCollection(0)
			eng := &Engine{Detectors: []Detector{methodDetector{}},
				Allowlist: []AllowEntry{{Kind: AllowPath, Value: "/healthz"}}}
			c.Wire(eng)
			st, err := eng.Run(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			if st.Findings != 1 || st.Suppressed != 0 {
				t.Fatalf("findings %d, suppressed %d: want the attacker's finding kept", st.Findings, st.Suppressed)
			}
			f := c.Findings()[0]
			ev, ok := c.Event(f.Evidence[0])
			if !ok || ev.Method != "PROPFIND" {
				t.Errorf("evidence resolves to %+v, want the PROPFIND request", ev)
			}
			// The console judges on kept events through the same Suppressor.
			sup := NewSuppressor(nil, []AllowEntry{{Kind: AllowPath, Value: "/healthz"}}, time.Now())
			if h, hidden := sup.Judge(&f, c.Hits(sup)); hidden {
				t.Errorf("console view hides the attacker's finding by %s", h)
			}
		})
	}
}

// TestExceptionsJudgeEveryEvent is issue 17 item 4: 200 allowlisted
// requests followed by 50 others from the same actor must not hide a
// 250-event finding, though only the first 200 ids are listed.
func TestExceptionsJudgeEveryEvent(t *testing.T) {
	// events makes healthz requests then admin ones (fresh events per run:
	// the engine numbers them).
	events := func(healthz, admin int) sliceSource {
		var src sliceSource
		for i := range healthz + admin {
			path := "/healthz"
			if i >= healthz {
				path = "/admin"
			}
			src = append(src, rawEvent(fmt.Sprint("e", i), `{"source.ip":"203.0.113.9","url.path":"`+path+`"}`))
		}
		return src
	}
	allowHealthz := []AllowEntry{{Kind: AllowPath, Value: "/healthz"}}
	tests := []struct {
		name           string
		healthz, admin int
		suppressed     int
	}{
		{"padded burst stays", 200, 50, 0},
		{"all allowlisted is hidden", 200, 0, 1},
		{"beyond the id cap, all allowlisted is hidden", 300, 0, 1},
		{"one odd event beyond the id cap keeps it", 299, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCollection(0)
			eng := &Engine{Detectors: []Detector{&burstDetector{}}, Allowlist: allowHealthz}
			c.Wire(eng)
			st, err := eng.Run(context.Background(), events(tt.healthz, tt.admin))
			if err != nil {
				t.Fatal(err)
			}
			if st.Suppressed != tt.suppressed {
				t.Fatalf("engine: suppressed %d, want %d", st.Suppressed, tt.suppressed)
			}
			// The console agrees, judging its kept events.
			all := &Engine{Detectors: []Detector{&burstDetector{}}}
			c2 := NewCollection(0)
			c2.Wire(all)
			if _, err := all.Run(context.Background(), events(tt.healthz, tt.admin)); err != nil {
				t.Fatal(err)
			}
			sup := NewSuppressor(nil, allowHealthz, time.Now())
			f := c2.Findings()[0]
			if _, hidden := sup.Judge(&f, c2.Hits(sup)); hidden != (tt.suppressed == 1) {
				t.Errorf("console: hidden %v, want %v", hidden, tt.suppressed == 1)
			}
		})
	}
}

// burstDetector cites every event in one finding at Flush.
type burstDetector struct{ f Finding }

func (d *burstDetector) Info() DetectorInfo { return DetectorInfo{ID: "test:burst"} }
func (d *burstDetector) Observe(ev *Event, _ func(Finding)) {
	d.f.SourceIP = ev.SourceIP
	d.f.AddEvidence(ev)
}
func (d *burstDetector) Flush(emit func(Finding)) { emit(d.f) }

// Values from attackers' requests read the same in an exception's summary
// as everywhere else (Escape's \x1b), quoted as a KQL phrase when needed.
func TestExceptionSummaryValues(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"curl/8", `ua: curl/8`},
		{"", `ua: ""`},
		{"a\x1b[31mb", `ua: a\x1b[31mb`},
		{"Mozilla <x> & co", `ua: "Mozilla <x> & co"`},
		{"say \"hi\" \x1b]0;t\x07", `ua: "say \"hi\" \x1b]0;t\x07"`},
		{`C:\temp (x)`, `ua: "C:\\temp (x)"`},
		{"bad \xff\u202e", `ua: "bad \xff\u202e"`},
	} {
		got := ExceptionSummary([]ExceptionEntry{{Field: "ua", Type: EntryMatch, Value: tc.value}})
		if got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.value, got, tc.want)
		}
	}
}
