package triage

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestGet(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		path string
		want []string
	}{
		{"nested", `{"http":{"request":{"method":"GET"}}}`, "http.request.method", []string{"GET"}},
		{"dotted key", `{"http.request.method":"POST"}`, "http.request.method", []string{"POST"}},
		{"mixed prefix dotted", `{"http":{"request.method":"PUT"}}`, "http.request.method", []string{"PUT"}},
		{"mixed suffix dotted", `{"http.request":{"method":"PATCH"}}`, "http.request.method", []string{"PATCH"}},
		{"both forms present", `{"http":{"request":{"method":"A"}},"http.request.method":"B"}`, "http.request.method", []string{"A", "B"}},
		{"number keeps literal", `{"http":{"response":{"status_code":403}}}`, "http.response.status_code", []string{"403"}},
		{"multi-valued", `{"event":{"category":["network","web"]}}`, "event.category", []string{"network", "web"}},
		{"array of objects", `{"threat":{"enrichments":[{"indicator":{"ip":"1.1.1.1"}},{"indicator":{"ip":"2.2.2.2"}}]}}`, "threat.enrichments.indicator.ip", []string{"1.1.1.1", "2.2.2.2"}},
		{"nested arrays flatten", `{"tags":[["a","b"],["c"]]}`, "tags", []string{"a", "b", "c"}},
		{"missing", `{"http":{"request":{}}}`, "http.request.method", nil},
		{"missing root", `{}`, "a.b", nil},
		{"null is no value", `{"user":{"name":null}}`, "user.name", nil},
		{"null in array skipped", `{"tags":["x",null,"y"]}`, "tags", []string{"x", "y"}},
		{"path stops at scalar", `{"url":"http://x"}`, "url.path", nil},
		{"prefix of a key is not a match", `{"http.requestx":{"method":"GET"}}`, "http.request.method", nil},
		{"bool", `{"tls":{"established":true}}`, "tls.established", []string{"true"}},
		{"object value", `{"user":{"name":"a"}}`, "user", []string{`{"name":"a"}`}},
		{"escaped key", `{"us\u0065r":{"name":"bob"}}`, "user.name", []string{"bob"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := &Event{Raw: []byte(tt.doc)}
			var got []string
			for _, v := range ev.Get(tt.path) {
				got = append(got, v.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Get(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestGetKinds(t *testing.T) {
	ev := &Event{Raw: []byte(`{"n":1.5,"s":"403","b":false,"o":{}}`)}
	if v := ev.Get("n"); len(v) != 1 || v[0].Kind != KindNumber || v[0].Num != 1.5 {
		t.Errorf("n = %+v", v)
	}
	if v := ev.Get("s"); len(v) != 1 || v[0].Kind != KindString {
		t.Errorf("s = %+v", v)
	} else if n, ok := v[0].Number(); !ok || n != 403 {
		t.Errorf("s.Number() = %v, %v", n, ok)
	}
	if v := ev.Get("b"); len(v) != 1 || v[0].Kind != KindBool || v[0].Bool {
		t.Errorf("b = %+v", v)
	}
	if v := ev.Get("o"); len(v) != 1 || v[0].Kind != KindObject {
		t.Errorf("o = %+v", v)
	}
}

func TestDecodeHotFields(t *testing.T) {
	doc := `{"@timestamp":"2026-11-01T10:00:00.123Z","event":{"id":"e1","category":["web"],"type":"access","action":"get","outcome":"failure","kind":"event"},
	"source.ip":"203.0.113.7","client":{"ip":"10.0.0.1"},"user_agent":{"original":"curl/8"},
	"http":{"request":{"method":"POST"},"response.status_code":403},
	"url":{"original":"/login?next=%2F"},"user":{"name":"alice"},"data_stream":{"dataset":"apm"},"processor":{"event":"transaction"}}`
	ev, err := ParseEvent([]byte(strings.ReplaceAll(doc, "\n", "")), "f:1")
	if err != nil {
		t.Fatal(err)
	}
	want := Event{
		ID: "e1", Origin: "f:1",
		Timestamp:   time.Date(2026, 11, 1, 10, 0, 0, 123e6, time.UTC),
		SourceIP:    netip.MustParseAddr("203.0.113.7"),
		UserAgent:   "curl/8",
		Method:      "POST",
		StatusCode:  403,
		URLOriginal: "/login?next=%2F",
		URLPath:     "/login",
		URLQuery:    "next=%2F",
		UserName:    "alice",
		Category:    []string{"web"},
		Type:        []string{"access"},
		Action:      "get",
		Outcome:     "failure",
		Kind:        "event",
		Dataset:     "apm",
		Processor:   "transaction",
	}
	ev.Raw = nil
	if !reflect.DeepEqual(*ev, want) {
		t.Errorf("got  %+v\nwant %+v", *ev, want)
	}
}

func TestDecodeVariants(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		wantIDs []string
		wantErr error
		errText string
	}{
		{"raw doc without id uses origin", `{"a":1}`, []string{"f:3"}, nil, ""},
		{"event.id wins", `{"event":{"id":"x"}}`, []string{"x"}, nil, ""},
		{"hit uses _id", `{"_index":"logs","_id":"h1","_source":{"a":1}}`, []string{"h1"}, nil, ""},
		{"hit with event.id", `{"_id":"h1","_source":{"event.id":"e9"}}`, []string{"e9"}, nil, ""},
		{"hit without ids", `{"_source":{"a":1}}`, []string{"f:3"}, nil, ""},
		{"search page", `{"took":1,"hits":{"total":{"value":2},"hits":[{"_id":"a","_source":{}},{"_source":{}}]}}`, []string{"a", "f:3#2"}, nil, ""},
		{"not an object", `[1,2]`, nil, ErrNotObject, ""},
		{"string", `"x"`, nil, ErrNotObject, ""},
		{"invalid json", `{"a":`, nil, nil, "invalid JSON"},
		{"nul byte", "{\"a\":\"\x00\"}", nil, ErrNUL, ""},
		{"hit source not object", `{"_source":3}`, nil, ErrNotObject, ""},
		{"trailing garbage", `{"a":1} x`, nil, nil, "invalid JSON"},
	}
	d := NewDecoder()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := d.Decode([]byte(tt.line), "f:3")
			if tt.wantErr != nil || tt.errText != "" {
				if err == nil {
					t.Fatalf("no error, want %v %q", tt.wantErr, tt.errText)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("err = %v, want it to contain %q", err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range evs {
				ids = append(ids, e.ID)
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) {
				t.Errorf("ids = %q, want %q", ids, tt.wantIDs)
			}
		})
	}
}

func TestDecodeHitKeepsSourceAndIndex(t *testing.T) {
	ev, err := ParseEvent([]byte(`{"_index":".ds-logs-1","_id":"h","_source":{"user":{"name":"bob"}}}`), "f:1")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Index != ".ds-logs-1" || ev.UserName != "bob" || ev.GetString("user.name") != "bob" {
		t.Errorf("index %q user %q get %q", ev.Index, ev.UserName, ev.GetString("user.name"))
	}
}

func TestDecodeFieldQuirks(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		check func(*Event) bool
	}{
		{"client.ip fallback", `{"client":{"ip":"10.1.2.3"}}`, func(e *Event) bool { return e.SourceIP == netip.MustParseAddr("10.1.2.3") }},
		{"source.ip beats client.ip in any order", `{"client":{"ip":"10.1.2.3"},"source":{"ip":"::1"}}`, func(e *Event) bool { return e.SourceIP == netip.MustParseAddr("::1") }},
		{"mapped v4 unmapped", `{"source":{"ip":"::ffff:192.0.2.1"}}`, func(e *Event) bool { return e.SourceIP == netip.MustParseAddr("192.0.2.1") }},
		{"bad ip ignored", `{"source":{"ip":"not-an-ip"}}`, func(e *Event) bool { return !e.SourceIP.IsValid() }},
		{"ipv6 zone dropped", `{"source":{"ip":"fe80::1%\u001b]0;PWNED\u0007"}}`, func(e *Event) bool { return e.SourceIP == netip.MustParseAddr("fe80::1") && e.SourceIP.Zone() == "" }},
		{"ip of wrong type ignored", `{"source":{"ip":42}}`, func(e *Event) bool { return !e.SourceIP.IsValid() }},
		{"status as string", `{"http":{"response":{"status_code":"404"}}}`, func(e *Event) bool { return e.StatusCode == 404 }},
		{"status huge ignored", `{"http":{"response":{"status_code":1e300}}}`, func(e *Event) bool { return e.StatusCode == 0 }},
		{"epoch millis", `{"@timestamp":1700000000000}`, func(e *Event) bool { return e.Timestamp.Equal(time.UnixMilli(1700000000000)) }},
		{"no zone", `{"@timestamp":"2026-01-02T03:04:05"}`, func(e *Event) bool { return e.Timestamp.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) }},
		{"epoch millis past year 9999 is no time", `{"@timestamp":12345678901234567890}`, func(e *Event) bool { return e.Timestamp.IsZero() }},
		{"negative epoch millis is no time", `{"@timestamp":-99999999999999}`, func(e *Event) bool { return e.Timestamp.IsZero() }},
		{"huge float epoch is no time", `{"@timestamp":1e300}`, func(e *Event) bool { return e.Timestamp.IsZero() }},
		{"bad time is zero", `{"@timestamp":"yesterday"}`, func(e *Event) bool { return e.Timestamp.IsZero() }},
		{"url.full derives path", `{"url":{"full":"https://shop.example/a/b?x=1#frag"}}`, func(e *Event) bool { return e.URLPath == "/a/b" && e.URLQuery == "x=1" }},
		{"scheme inside query is not absolute", `{"url":{"original":"/page?inc=http://evil/x.txt?"}}`, func(e *Event) bool { return e.URLPath == "/page" && e.URLQuery == "inc=http://evil/x.txt?" }},
		{"url.path kept", `{"url":{"path":"/p","original":"/other?q"}}`, func(e *Event) bool { return e.URLPath == "/p" }},
		{"category string", `{"event":{"category":"network"}}`, func(e *Event) bool { return Has(e.Category, "network") }},
		{"event.dataset fallback", `{"event":{"dataset":"pfsense.log"}}`, func(e *Event) bool { return e.Dataset == "pfsense.log" }},
		{"data_stream wins", `{"event":{"dataset":"x"},"data_stream":{"dataset":"y"}}`, func(e *Event) bool { return e.Dataset == "y" }},
		{"numeric event id", `{"event":{"id":17}}`, func(e *Event) bool { return e.ID == "17" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseEvent([]byte(tt.doc), "f:1")
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(ev) {
				t.Errorf("check failed: %+v", *ev)
			}
		})
	}
}

func TestDecodeDeepNestingBounded(t *testing.T) {
	doc := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	ev, err := ParseEvent([]byte(doc), "f:1")
	if err != nil {
		// fastjson refuses very deep documents; that is fine too.
		return
	}
	if got := ev.Get(strings.TrimSuffix(strings.Repeat("a.", 10000), ".")); got != nil {
		t.Errorf("resolved a path deeper than maxDepth: %v", got)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"Mozilla/5.0 (Windows NT 10.0)", "Mozilla/5.0 (Windows NT 10.0)"},
		{"\x1b[31mred", `\x1b[31mred`},
		{"a\nb\rc\td", `a\nb\rc\td`},
		{"nul\x00", `nul\x00`},
		{"del\x7f", `del\u007f`},
		{"c1 \u009b2J", `c1 \u009b2J`},
		{"bidi \u202eevil", `bidi \u202eevil`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"ünïcödé ✓", "ünïcödé ✓"},
		{`C:\path`, `C:\path`},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeRequestDetails(t *testing.T) {
	doc := `{"transaction":{"name":"POST /login"},"http":{"request":{"method":"POST",
	"headers":{"host":["shop.example"],"User-Agent":["ua1","ua2"],"CONTENT-LENGTH":["42"],"Content-Type":["application/x-www-form-urlencoded"],"Cookie":["[REDACTED]"]},
	"cookies":{"sid":"abc","_ga":"[REDACTED]"},"body":{"original":"username=bob&password=[REDACTED]","bytes":42},"referrer":"https://shop.example/"}}}`
	ev, err := ParseEvent([]byte(strings.ReplaceAll(doc, "\n", "")), "f:1")
	if err != nil {
		t.Fatal(err)
	}
	want := Headers{
		Present:       HeaderHost | HeaderUserAgent | HeaderContentLength | HeaderContentType | HeaderCookie,
		Host:          "shop.example",
		UserAgent:     "ua1",
		ContentType:   "application/x-www-form-urlencoded",
		ContentLength: 42,
	}
	if ev.Headers != want {
		t.Errorf("headers = %+v\nwant      %+v", ev.Headers, want)
	}
	if ev.Headers.Present&HeaderAccept != 0 {
		t.Error("Accept reported present")
	}
	if !reflect.DeepEqual(ev.Cookies, []Cookie{{"sid", "abc"}, {"_ga", "[REDACTED]"}}) {
		t.Errorf("cookies = %+v", ev.Cookies)
	}
	if ev.Route != "POST /login" || ev.Body != "username=bob&password=[REDACTED]" || ev.BodyBytes != 42 || ev.Referrer != "https://shop.example/" {
		t.Errorf("route %q body %q bytes %d referrer %q", ev.Route, ev.Body, ev.BodyBytes, ev.Referrer)
	}
}

// TestBadTimestampIsSaid: an @timestamp that is no date marks the event
// (it counts as undated) and the run says how many there were and where
// the first was; a missing or null one, or a date, does not.
func TestBadTimestampIsSaid(t *testing.T) {
	docs := []struct {
		doc string
		bad bool
	}{
		{`{"@timestamp":"2026-11-13T19:00:00Z"}`, false},
		{`{"@timestamp":1763060400000}`, false},
		{`{}`, false},
		{`{"@timestamp":null}`, false},
		{`{"@timestamp":"not a date"}`, true},
		{`{"@timestamp":{"at":"2026-11-13"}}`, true},
		{`{"@timestamp":-5}`, true},
	}
	var src sliceSource
	for i, d := range docs {
		ev, err := ParseEvent([]byte(d.doc), fmt.Sprintf("in.ndjson:%d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		if ev.BadTimestamp != d.bad {
			t.Errorf("%s: BadTimestamp %v, want %v", d.doc, ev.BadTimestamp, d.bad)
		}
		src = append(src, ev)
	}
	st, err := (&Engine{}).Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	var lint *Lint
	for i := range st.Lints {
		if st.Lints[i].Detector == InputLint {
			lint = &st.Lints[i]
		}
	}
	if lint == nil || lint.Count != 3 || !strings.Contains(lint.Message, "3 event(s) have an @timestamp that is no date (first at in.ndjson:5)") {
		t.Errorf("lint %+v", lint)
	}
}

// Invalid UTF-8 is replaced, not refused: the event comes back with
// ErrUTF8Replaced, its values and its Raw valid UTF-8 with U+FFFD.
func TestDecodeReplacesInvalidUTF8(t *testing.T) {
	evs, err := NewDecoder().Decode([]byte("{\"event\":{\"id\":\"u\"},\"user_agent\":{\"original\":\"x\xff\xfey\"},\"http\":{\"request\":{\"method\":\"TRACK\"}}}"), "f:1")
	if !errors.Is(err, ErrUTF8Replaced) || len(evs) != 1 {
		t.Fatalf("%d events, %v; want one and ErrUTF8Replaced", len(evs), err)
	}
	if ev := evs[0]; ev.ID != "u" || ev.UserAgent != "x\uFFFDy" || ev.Method != "TRACK" || !utf8.Valid(ev.Raw) {
		t.Errorf("event %q %q %q, raw valid %v", ev.ID, ev.UserAgent, ev.Method, utf8.Valid(ev.Raw))
	}
	if _, err := ParseEvent([]byte("{\"a\":\"\xff\"}"), "f:2"); err != nil {
		t.Errorf("ParseEvent refused a repaired line: %v", err)
	}
}

// TestFieldSpeltTwiceHasBothValues: a field written both nested and as a
// dotted key holds both values, as Elasticsearch indexes them, in either
// order; the decoder's one value would have hidden one of them from a
// query.
func TestFieldSpeltTwiceHasBothValues(t *testing.T) {
	for _, doc := range []string{
		`{"http":{"response":{"status_code":403}},"http.response.status_code":200,"http.request.method":"GET","http":{"request":{"method":"POST"}}}`,
		`{"http.response.status_code":200,"http":{"response":{"status_code":403},"request":{"method":"POST"}},"http.request.method":"GET"}`,
	} {
		ev, err := ParseEvent([]byte(doc), "t")
		if err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string][]string{"http.response.status_code": {"200", "403"}, "http.request.method": {"GET", "POST"}} {
			got := ev.Strings(path)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s = %q, want %q", doc, path, got, want)
			}
		}
	}
}

// TestListSpeltTwiceHasBothValues: event.category written nested and
// dotted holds both lists.
func TestListSpeltTwiceHasBothValues(t *testing.T) {
	ev, err := ParseEvent([]byte(`{"event":{"category":["authentication"]},"event.category":"web"}`), "t")
	if err != nil {
		t.Fatal(err)
	}
	got := ev.Strings("event.category")
	slices.Sort(got)
	if !slices.Equal(got, []string{"authentication", "web"}) {
		t.Errorf("event.category = %q, want both", got)
	}
}
