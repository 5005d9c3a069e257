package demo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/netip"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"picket/triage"
)

// collect runs the demo source for seed and keeps every event.
func collect(t testing.TB, seed int64) []*triage.Event {
	t.Helper()
	var evs []*triage.Event
	if err := New(seed).Events(context.Background(), func(ev *triage.Event) error {
		evs = append(evs, ev)
		return nil
	}); err != nil {
		t.Fatalf("Events(seed %d): %v", seed, err)
	}
	return evs
}

// The default seed's events are generated once and shared by the tests
// that only read them.
var (
	defaultOnce sync.Once
	defaultEvs  []*triage.Event
)

func defaultEvents(t *testing.T) []*triage.Event {
	t.Helper()
	defaultOnce.Do(func() { defaultEvs = collect(t, DefaultSeed) })
	if len(defaultEvs) == 0 {
		t.Fatal("no demo events")
	}
	return defaultEvs
}

func TestSourceAPI(t *testing.T) {
	var src triage.Source = New(DefaultSeed)
	if got := src.Name(); got != "demo data" {
		t.Errorf("Name() = %q, want %q", got, "demo data")
	}
	if want := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC); !End.Equal(want) || Span != 14*24*time.Hour {
		t.Errorf("End, Span = %v, %v; want %v, 336h", End, Span, want)
	}
}

func TestDeterministic(t *testing.T) {
	a := defaultEvents(t)
	b := collect(t, DefaultSeed)
	if len(a) != len(b) {
		t.Fatalf("same seed, %d then %d events", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i].Raw, b[i].Raw) || a[i].ID != b[i].ID || a[i].Origin != b[i].Origin {
			t.Fatalf("same seed, event %d differs:\n%s\n%s", i+1, a[i].Raw, b[i].Raw)
		}
	}

	c := collect(t, DefaultSeed+1)
	same := len(a) == len(c)
	for i := 0; same && i < len(a); i++ {
		same = bytes.Equal(a[i].Raw, c[i].Raw)
	}
	if same {
		t.Fatal("seeds 0 and 1 apart gave identical data")
	}
	// Another seed changes the details, not the story: every scenario
	// is still there.
	checkScenarios(t, c)
}

func TestWriteNDJSONMatchesEvents(t *testing.T) {
	evs := defaultEvents(t)
	var buf bytes.Buffer
	if err := New(DefaultSeed).WriteNDJSON(&buf); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		if n >= len(evs) {
			t.Fatalf("more lines than events (%d)", len(evs))
		}
		line := sc.Bytes()
		if !bytes.Equal(line, evs[n].Raw) {
			t.Fatalf("line %d differs from event %d:\n%s\n%s", n+1, n+1, line, evs[n].Raw)
		}
		// An independent parser agrees the line is JSON (the event
		// itself proves the file source's decoder reads it). Under the
		// race detector only lines with escapes, where a string-escaping
		// bug would show, and a sample of the rest are checked.
		check := !raceEnabled || n%20 == 0 || bytes.IndexByte(line, '\\') >= 0
		if check && !json.Valid(line) {
			t.Fatalf("line %d is not valid JSON: %s", n+1, line)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(evs) {
		t.Fatalf("%d lines, %d events", n, len(evs))
	}
}

func TestEventsWellFormed(t *testing.T) {
	evs := defaultEvents(t)
	start := End.Add(-Span)
	ids := make(map[string]bool, len(evs))
	kinds := map[string]int{}
	var prev time.Time
	for i, ev := range evs {
		if want := "demo:" + strconv.Itoa(i+1); ev.Origin != want {
			t.Fatalf("event %d: origin %q, want %q", i+1, ev.Origin, want)
		}
		if ev.Timestamp.IsZero() || ev.Timestamp.Before(start) || !ev.Timestamp.Before(End) {
			t.Fatalf("event %s: timestamp %v outside [%v, %v)", ev.ID, ev.Timestamp, start, End)
		}
		if ev.Timestamp.Before(prev) {
			t.Fatalf("event %s: timestamp %v before the previous %v", ev.ID, ev.Timestamp, prev)
		}
		prev = ev.Timestamp
		if ids[ev.ID] {
			t.Fatalf("duplicate event id %q", ev.ID)
		}
		ids[ev.ID] = true
		if !ev.SourceIP.IsValid() && ev.Processor != "span" { // spans name no client
			t.Fatalf("event %s: no source.ip", ev.ID)
		}
		if bytes.IndexByte(ev.Raw, 0x1b) >= 0 || bytes.Contains(ev.Raw, []byte("\u202e")) {
			t.Fatalf("event %s: raw control characters in the document (want JSON escapes)", ev.ID)
		}

		switch {
		case ev.Processor == "span":
			kinds["apm span"]++
			if ev.Dataset != "apm" || ev.SourceIP.IsValid() || ev.Method != "" {
				t.Fatalf("event %s: a span with request fields: %s", ev.ID, ev.Raw)
			}
			if kinds["apm span"]%10 != 1 {
				break
			}
			for _, f := range []string{"trace.id", "transaction.id", "parent.id", "span.id", "span.name", "span.db.statement", "span.db.rows_affected", "service.name"} {
				if len(ev.Get(f)) == 0 {
					t.Fatalf("event %s: no %s: %s", ev.ID, f, ev.Raw)
				}
			}
			if ev.GetString("span.type") != "db" || ev.GetString("parent.id") != ev.GetString("transaction.id") {
				t.Fatalf("event %s: not a db span of its transaction: %s", ev.ID, ev.Raw)
			}
		case ev.Processor == "transaction":
			kinds["apm transaction"]++
			if ev.Dataset != "apm" || ev.Method == "" || ev.StatusCode == 0 || ev.URLOriginal == "" || ev.URLPath == "" {
				t.Fatalf("event %s: incomplete APM transaction: %s", ev.ID, ev.Raw)
			}
			if ev.Method != strings.ToUpper(ev.Method) {
				t.Fatalf("event %s: method %q not as sent (upper case)", ev.ID, ev.Method)
			}
			if ev.URLFull() != shopURL+ev.URLOriginal {
				t.Fatalf("event %s: url.full %q does not match url.original %q", ev.ID, ev.URLFull(), ev.URLOriginal)
			}
			if kinds["apm transaction"]%10 != 1 {
				break // the cold fields below are checked on a sample: Get parses the document
			}
			for _, f := range []string{"transaction.id", "transaction.name", "transaction.result", "transaction.duration.us",
				"url.full", "url.domain", "service.name", "event.outcome", "client.ip", "data_stream.type"} {
				if len(ev.Get(f)) == 0 {
					t.Fatalf("event %s: no %s: %s", ev.ID, f, ev.Raw)
				}
			}
			// Only a planted client leaves out the Host header.
			if len(ev.Get("http.request.headers.Host")) == 0 && !IsAttacker(ev.SourceIP) {
				t.Fatalf("event %s: no Host header: %s", ev.ID, ev.Raw)
			}
			if got := ev.GetString("service.name"); got != serviceName {
				t.Fatalf("event %s: service.name %q", ev.ID, got)
			}
		case triage.Has(ev.Category, "network"):
			kinds[ev.Dataset+" "+ev.Action]++
			if ev.ID == ev.Origin {
				t.Fatalf("event %s: firewall event without event.id", ev.ID)
			}
			switch ev.Action {
			case "block":
				if !triage.Has(ev.Type, "denied") || ev.Outcome != "failure" {
					t.Fatalf("event %s: block without denied/failure: %s", ev.ID, ev.Raw)
				}
			case "pass":
				if !triage.Has(ev.Type, "allowed") || ev.Outcome != "success" {
					t.Fatalf("event %s: pass without allowed/success: %s", ev.ID, ev.Raw)
				}
			case "drop":
				if triage.Has(ev.Type, "denied") {
					t.Fatalf("event %s: the second vendor should not say denied", ev.ID)
				}
			default:
				t.Fatalf("event %s: unexpected action %q", ev.ID, ev.Action)
			}
			if ev.Action == "block" && kinds["pfsense.log block"]%10 != 1 {
				break // the cold fields are checked on a sample of the commonest kind: Get parses the document
			}
			for _, f := range []string{"observer.vendor", "destination.ip", "destination.port", "source.port", "network.transport"} {
				if len(ev.Get(f)) == 0 {
					t.Fatalf("event %s: no %s: %s", ev.ID, f, ev.Raw)
				}
			}
			if ev.GetString("observer.type") != "firewall" {
				t.Fatalf("event %s: observer.type is not firewall: %s", ev.ID, ev.Raw)
			}
			if ev.Dataset == "pfsense.log" {
				// The ML job's influencers.
				for _, f := range []string{"destination.geo.country_name", "destination.as.organization.name"} {
					if len(ev.Get(f)) == 0 {
						t.Fatalf("event %s: no %s: %s", ev.ID, f, ev.Raw)
					}
				}
			}
		default:
			t.Fatalf("event %s: neither a transaction nor a network event: %s", ev.ID, ev.Raw)
		}
	}
	t.Logf("%d events: %v", len(evs), kinds)
	// Enough for two weeks of baselines, few enough to start in a moment.
	if n := len(evs); n < 40000 || n > 80000 {
		t.Errorf("%d events, want 40,000 to 80,000", n)
	}
	if kinds["apm transaction"] < 20000 || kinds["apm span"] < 1000 || kinds["pfsense.log block"] < 5000 || kinds["pfsense.log pass"] == 0 || kinds["iptables.log drop"] == 0 {
		t.Errorf("unexpected mix: %v", kinds)
	}
}

// TestBenignStaysClean checks the invariants detectors rely on: ordinary
// traffic never carries NUL or CR/LF in the URL, never uses a non-standard
// method, and never comes from an attacker's range.
func TestBenignStaysClean(t *testing.T) {
	for _, ev := range defaultEvents(t) {
		if IsAttacker(ev.SourceIP) {
			if !slices.ContainsFunc(Scenarios, func(sc Scenario) bool { return sc.From(ev.SourceIP) }) {
				t.Fatalf("event %s from %v: an attacker range, but no scenario's address", ev.ID, ev.SourceIP)
			}
			continue
		}
		u := strings.ToLower(ev.URLOriginal)
		if strings.Contains(u, "%00") || strings.Contains(u, "%0d") || strings.Contains(u, "%0a") {
			t.Fatalf("benign event %s has NUL or CR/LF in its URL: %s", ev.ID, ev.URLOriginal)
		}
		if strings.ContainsFunc(ev.URLPath, func(r rune) bool { return r < 0x20 }) {
			t.Fatalf("benign event %s has a control character in url.path: %q", ev.ID, ev.URLPath)
		}
		if ev.Method != "" && !slices.Contains(stdMethods, ev.Method) {
			t.Fatalf("benign event %s uses method %q", ev.ID, ev.Method)
		}
		if strings.Contains(u, "..") || strings.Contains(u, "%3cscript") || strings.Contains(ev.UserAgent, "sqlmap") {
			t.Fatalf("benign event %s looks like an attack: %s %s", ev.ID, ev.URLOriginal, ev.UserAgent)
		}
	}
}

func TestScenarios(t *testing.T) {
	names := map[string]bool{}
	start := End.Add(-Span)
	for i, sc := range Scenarios {
		if sc.Name == "" || names[sc.Name] || sc.Description == "" || len(sc.Detectors) == 0 || sc.run == nil || sc.Evidence == nil {
			t.Errorf("scenario %d (%q): incomplete or duplicate row", i, sc.Name)
		}
		names[sc.Name] = true
		if !sc.Start.Before(sc.End) || sc.Start.Before(start) || sc.End.After(End) {
			t.Errorf("%s: window [%v, %v) not inside the span", sc.Name, sc.Start, sc.End)
		}
		if i > 0 && sc.Start.Before(Scenarios[i-1].Start) {
			t.Errorf("%s: table not in time order", sc.Name)
		}
		switch {
		case sc.SourceIP.IsValid() == sc.Sources.IsValid():
			t.Errorf("%s: wants one address or one range, has %v and %v", sc.Name, sc.SourceIP, sc.Sources)
		case sc.SourceIP.IsValid() && !IsAttacker(sc.SourceIP):
			t.Errorf("%s: %v is not in an attacker range", sc.Name, sc.SourceIP)
		case sc.Sources.IsValid() && !slices.ContainsFunc(attackerNets, func(p netip.Prefix) bool {
			return p.Bits() <= sc.Sources.Bits() && p.Contains(sc.Sources.Addr())
		}):
			t.Errorf("%s: %v is not inside an attacker range", sc.Name, sc.Sources)
		}
	}
	checkScenarios(t, defaultEvents(t))
}

// checkScenarios asserts that every scenario produced its planted events
// inside its window, and checks each one's defining property directly.
func checkScenarios(t *testing.T, evs []*triage.Event) {
	t.Helper()
	by := map[string][]*triage.Event{} // scenario name → its attacker's events
	evidence := map[string]int{}
	txs := map[string]map[string]bool{} // scenario name → its transactions' ids
	for _, ev := range evs {
		for i := range Scenarios {
			sc := &Scenarios[i]
			if sc.Evidence(ev) {
				evidence[sc.Name]++
				switch {
				case ev.Processor == "span":
					// A span names no client: it must belong to one of
					// the attacker's transactions (which come first).
					if !txs[sc.Name][ev.GetString("transaction.id")] {
						t.Errorf("%s: evidence span %s of another transaction", sc.Name, ev.ID)
					}
				case !sc.From(ev.SourceIP):
					t.Errorf("%s: evidence %s from %v", sc.Name, ev.ID, ev.SourceIP)
				}
			}
			if !sc.From(ev.SourceIP) {
				continue
			}
			if txs[sc.Name] == nil {
				txs[sc.Name] = map[string]bool{}
			}
			txs[sc.Name][ev.GetString("transaction.id")] = true
			by[sc.Name] = append(by[sc.Name], ev)
			if ev.Timestamp.Before(sc.Start) || !ev.Timestamp.Before(sc.End) {
				t.Errorf("%s: event %s at %v outside [%v, %v)", sc.Name, ev.ID, ev.Timestamp, sc.Start, sc.End)
			}
			if sc.UserAgent != "" && ev.UserAgent != sc.UserAgent {
				t.Errorf("%s: event %s has user agent %q", sc.Name, ev.ID, ev.UserAgent)
			}
		}
	}
	for _, sc := range Scenarios {
		if evidence[sc.Name] < 3 {
			t.Errorf("%s: %d evidence events, want at least 3", sc.Name, evidence[sc.Name])
		}
	}

	count := func(name string, pred func(*triage.Event) bool) int {
		n := 0
		for _, ev := range by[name] {
			if pred(ev) {
				n++
			}
		}
		return n
	}
	atLeast := func(name, what string, n, min int) {
		t.Helper()
		if n < min {
			t.Errorf("%s: %d %s, want at least %d", name, n, what, min)
		}
	}

	// (a) RE2: invented and WebDAV methods.
	methods := map[string]bool{}
	for _, ev := range by["odd-methods-scanner"] {
		methods[ev.Method] = true
	}
	for _, m := range []string{"PROPFIND", "TRACK", "DEBUG", "GETS"} {
		if !methods[m] {
			t.Errorf("odd-methods-scanner: no %s request", m)
		}
	}
	// (b) CIE3: %00 in a query parameter and in the path.
	atLeast("nul-byte-probe", "%00 in the query", count("nul-byte-probe", func(ev *triage.Event) bool {
		return strings.Contains(ev.URLQuery, "%00")
	}), 5)
	atLeast("nul-byte-probe", "%00 in the path", count("nul-byte-probe", func(ev *triage.Event) bool {
		path, _ := triage.SplitURL(ev.URLOriginal, "")
		// url.path holds the path decoded, as the Go agent records it.
		return strings.Contains(path, "%00") && strings.Contains(ev.URLPath, "\x00")
	}), 2)
	if count("nul-byte-probe", func(ev *triage.Event) bool { return ev.URLOriginal == "/download?file=report.pdf%00.jpg" }) != 1 {
		t.Error("nul-byte-probe: no /download?file=report.pdf%00.jpg")
	}
	// (c) CIE4: CR LF in a query parameter and in the path.
	atLeast("crlf-injection", "CR/LF in the query", count("crlf-injection", func(ev *triage.Event) bool {
		return strings.Contains(strings.ToLower(ev.URLQuery), "%0d%0a")
	}), 4)
	atLeast("crlf-injection", "CR/LF in the path", count("crlf-injection", func(ev *triage.Event) bool {
		path, _ := triage.SplitURL(ev.URLOriginal, "")
		return strings.Contains(strings.ToLower(path), "%0d%0a") && strings.Contains(ev.URLPath, "\r\n")
	}), 1)
	// (i) ACE3: many distinct missing resources in minutes.
	missing := map[string]bool{}
	for _, ev := range by["force-browsing"] {
		if ev.StatusCode == 404 {
			missing[ev.URLOriginal] = true
		}
	}
	atLeast("force-browsing", "distinct 404 paths", len(missing), 60)
	for _, p := range []string{"/.git/config", "/wp-login.php", "/.env"} {
		if !missing[p] {
			t.Errorf("force-browsing: no 404 for %s", p)
		}
	}
	// (d) POST answered 403, in a burst.
	atLeast("post-403-burst", "POSTs answered 403", count("post-403-burst", func(ev *triage.Event) bool {
		return ev.Method == "POST" && ev.StatusCode == 403
	}), 50)
	// Hostile text: ESC and RLO arrive in the decoded user agent, and the
	// document carried them as JSON escapes.
	atLeast("terminal-escape-ua", "hostile user agents", count("terminal-escape-ua", func(ev *triage.Event) bool {
		return strings.Contains(ev.UserAgent, "\x1b[31m") && strings.ContainsRune(ev.UserAgent, '\u202e') &&
			bytes.Contains(ev.Raw, []byte(`\u001b[31m`)) && bytes.Contains(ev.Raw, []byte(`\u202e`))
	}), 3)
	// (e) CIE1: sqlmap's payloads, time-based ones taking five seconds.
	atLeast("sqlmap-injection", "UNION SELECT payloads", count("sqlmap-injection", func(ev *triage.Event) bool {
		return strings.Contains(ev.URLQuery, "UNION%20ALL%20SELECT")
	}), 10)
	atLeast("sqlmap-injection", "five-second requests", count("sqlmap-injection", func(ev *triage.Event) bool {
		vs := ev.Get("transaction.duration.us")
		d, ok := vs[0].Number()
		return ok && d >= 5e6 && strings.Contains(ev.URLQuery, "SLEEP")
	}), 5)
	// (f) IE1: script tags and javascript: URLs.
	atLeast("xss-probes", "<script> payloads", count("xss-probes", func(ev *triage.Event) bool {
		return strings.Contains(strings.ToLower(ev.URLQuery), "%3cscript%3e")
	}), 3)
	// (g) IE3: ../../etc/passwd.
	atLeast("path-traversal", "../etc/passwd requests", count("path-traversal", func(ev *triage.Event) bool {
		return strings.Contains(ev.URLOriginal, "../../etc/passwd")
	}), 2)
	// (h) AE1/AE2/AE3: many usernames, admin over and over, a high rate,
	// two successes that open real accounts.
	users, failed, admin, wins := map[string]bool{}, 0, 0, 0
	var first, last time.Time
	for _, ev := range by["credential-stuffing"] {
		if ev.Method != "POST" || ev.URLPath != "/login" {
			continue
		}
		form, err := url.ParseQuery(ev.GetString("http.request.body.original"))
		if err != nil || form.Get("password") != "[REDACTED]" {
			t.Fatalf("credential-stuffing: body %q", ev.GetString("http.request.body.original"))
		}
		users[form.Get("username")] = true
		if form.Get("username") == "admin" {
			admin++
		}
		switch ev.StatusCode {
		case 401:
			failed++
		case 302:
			wins++
			if ev.UserName != form.Get("username") {
				t.Errorf("credential-stuffing: successful login without user.name")
			}
		}
		if first.IsZero() {
			first = ev.Timestamp
		}
		last = ev.Timestamp
	}
	atLeast("credential-stuffing", "distinct usernames", len(users), 300)
	atLeast("credential-stuffing", "401s", failed, 350)
	atLeast("credential-stuffing", "admin attempts", admin, 10)
	if wins != 2 {
		t.Errorf("credential-stuffing: %d successful logins, want 2", wins)
	}
	if rate := float64(failed+wins) / last.Sub(first).Minutes(); rate < 10 {
		t.Errorf("credential-stuffing: %.1f attempts a minute, want at least 10", rate)
	}
	// The points added with the learned, windowed and configured
	// detectors: each scenario's defining property, counted.
	for _, c := range []struct {
		name, what string
		min        int
		pred       func(ev *triage.Event) bool
	}{
		{"encoding-evasion", "%u escapes", 3, func(ev *triage.Event) bool { return strings.Contains(strings.ToLower(ev.URLOriginal), "%u") }},
		{"encoding-evasion", "overlong UTF-8", 4, func(ev *triage.Event) bool {
			u := strings.ToLower(ev.URLOriginal)
			return strings.Contains(u, "%c0%") || strings.Contains(u, "%c1%") || strings.Contains(u, "%e0%80")
		}},
		{"encoding-evasion", "UTF-7 markup", 2, func(ev *triage.Event) bool { return strings.Contains(strings.ToUpper(ev.URLQuery), "ADW-") }},
		{"oversized-upload", "bodies over 10 MiB answered 413", 8, func(ev *triage.Event) bool {
			return ev.StatusCode == 413 && ev.Headers.ContentLength > 10<<20
		}},
		{"session-tool-switch", "script requests", 50, func(ev *triage.Event) bool { return ev.UserAgent == uaScript }},
		{"session-tool-switch", "browser requests", 2, func(ev *triage.Event) bool { return ev.UserAgent == uaOpChrome }},
		{"robots-honeypaths", "honey path requests", 5, func(ev *triage.Event) bool { return isHoneyPath(ev.URLPath) }},
		{"upload-flood", "multipart uploads", 60, func(ev *triage.Event) bool {
			return ev.Method == "POST" && strings.HasPrefix(ev.Headers.ContentType, "multipart/form-data")
		}},
		{"order-id-walking", "refused order ids", 50, func(ev *triage.Event) bool {
			return strings.HasPrefix(ev.URLPath, "/api/orders/") && ev.StatusCode == 403
		}},
		{"cart-tampering", "changed decoys", 2, func(ev *triage.Event) bool {
			form, _ := url.ParseQuery(ev.Body)
			return ev.URLPath == "/cart" && form.Has("admin") && form.Get("admin") != "false"
		}},
		{"cart-tampering", "invented or repeated fields", 4, func(ev *triage.Event) bool {
			form, _ := url.ParseQuery(ev.Body)
			return ev.URLPath == "/cart" && (form.Has("price") || form.Has("discount") || len(form["qty"]) > 1 || len(form["product_id"]) > 1)
		}},
		{"comment-spam-bot", "POSTs answered 405", 10, func(ev *triage.Event) bool { return ev.Method == "POST" && ev.StatusCode == 405 }},
		{"headerless-checker", "HTTP/1.0 requests without Host or User-Agent", 20, func(ev *triage.Event) bool {
			return ev.Headers.Present&(triage.HeaderHost|triage.HeaderUserAgent) == 0 && ev.Headers.Present&triage.HeaderAccept != 0 &&
				ev.GetString("http.version") == "1.0"
		}},
		{"honeytoken-login", "logins as the honeytoken", 3, func(ev *triage.Event) bool { return strings.Contains(ev.Body, "username=ops.backup&") }},
		{"tor-visitor", "requests from a listed exit", 5, func(ev *triage.Event) bool {
			return slices.ContainsFunc(ReputationList, func(p netip.Prefix) bool { return p.Contains(ev.SourceIP) })
		}},
		{"card-testing", "declined checkouts", 60, func(ev *triage.Event) bool {
			return ev.Method == "POST" && ev.URLPath == "/checkout" && ev.StatusCode == 402 && ev.UserName == regularUser
		}},
		{"subscription-bombing", "GETs to the POST-only form", 10, func(ev *triage.Event) bool { return ev.Method == "GET" && ev.StatusCode == 405 }},
		{"prefetch-proxy-logouts", "prefetched logouts", 40, func(ev *triage.Event) bool {
			return ev.URLPath == "/logout" && ev.GetString("http.request.headers.Sec-Purpose") == "prefetch"
		}},
		{"price-scraper", "dynamic requests", 30, func(ev *triage.Event) bool { return !strings.HasPrefix(ev.URLPath, "/static/") }},
	} {
		atLeast(c.name, c.what, count(c.name, c.pred), c.min)
	}
	atLeast("login-form-fuzzer", "malformed logins", count("login-form-fuzzer", func(ev *triage.Event) bool {
		form, err := url.ParseQuery(ev.Body)
		u := form.Get("username")
		return err == nil && ev.URLPath == "/login" && (len(u) > 100 || strings.ContainsFunc(u, func(r rune) bool { return r < 0x20 }) ||
			!form.Has("password") || !form.Has("username") || !form.Has("csrf_token") || form.Has("role") || form.Has("is_admin"))
	}), 10)
	atLeast("order-export-dump", "spans of 10,000 rows or more", evidence["order-export-dump"], 3)
	// The stolen session began at the victim's address, in another
	// network, with the very user agent the thief replays.
	var victimSID string
	for _, ev := range evs {
		if ev.SourceIP == victimIP && ev.UserName == victimUser && victimSID == "" {
			victimSID = ev.GetString("http.request.cookies.sid")
		}
	}
	if victimSID == "" || count("stolen-session-replay", func(ev *triage.Event) bool {
		return ev.GetString("http.request.cookies.sid") == victimSID && ev.UserAgent == uaVictim
	}) < 5 {
		t.Errorf("stolen-session-replay: the victim's session (%q) is not replayed", victimSID)
	}
	// The scraper's request rate and the price bot's routes.
	perMinute := map[int64]int{}
	for _, ev := range by["catalogue-scraper"] {
		perMinute[ev.Timestamp.Unix()/60]++
	}
	atLeast("catalogue-scraper", "requests in its busiest minute", slices.Max(slices.Collect(maps.Values(perMinute))), 150)
	routes := map[string]bool{}
	for _, ev := range by["price-scraper"] {
		if ev.GetString("http.request.cookies.sid") != "" {
			routes[strings.TrimPrefix(strings.TrimPrefix(ev.Route, "GET "), "POST ")] = true
		}
	}
	atLeast("price-scraper", "routes within its session", len(routes), 11)
	checkWave(t, evs, by["stuffing-wave"])

	// (j) deny spike: far above every 15-minute bucket of the baseline,
	// across many ports, on day 10 or later.
	sc := scenario("firewall-deny-spike")
	if sc.Start.Before(End.Add(-Span).Add(9 * 24 * time.Hour)) {
		t.Errorf("firewall-deny-spike starts %v, before day 10", sc.Start)
	}
	buckets := map[int64]int{}
	spike := map[int64]int{}
	ports := map[string]bool{}
	for _, ev := range evs {
		if !triage.Has(ev.Type, "denied") {
			continue
		}
		b := ev.Timestamp.Truncate(15 * time.Minute).Unix()
		if ev.SourceIP == sc.SourceIP {
			spike[b]++
			ports[ev.GetString("destination.port")] = true
		} else {
			buckets[b]++
		}
	}
	maxBase, maxSpike := 0, 0
	for _, n := range buckets {
		maxBase = max(maxBase, n)
	}
	for _, n := range spike {
		maxSpike = max(maxSpike, n)
	}
	if maxSpike < 4*maxBase {
		t.Errorf("firewall-deny-spike: busiest bucket %d denies, baseline's busiest %d: not clearly above", maxSpike, maxBase)
	}
	atLeast("firewall-deny-spike", "distinct destination ports", len(ports), 500)

	// (k) night beacon: each of its buckets holds fewer denies than a
	// weekday afternoon's median, yet several times the same night hour's
	// usual count.
	nb := scenario("night-beacon")
	beacon := map[int64]int{}
	for _, ev := range evs {
		if nb.Evidence(ev) {
			beacon[ev.Timestamp.Truncate(15*time.Minute).Unix()]++
		}
	}
	var afternoon, nightly []int
	for b, n := range buckets {
		tm := time.Unix(b, 0).UTC()
		wd := tm.Weekday()
		switch {
		case wd >= time.Monday && wd <= time.Thursday && tm.Hour() >= 13 && tm.Hour() < 16:
			afternoon = append(afternoon, n)
		case tm.Hour() == nb.Start.Hour():
			nightly = append(nightly, n)
		}
	}
	slices.Sort(afternoon)
	slices.Sort(nightly)
	dayMedian, nightMedian := afternoon[len(afternoon)/2], nightly[len(nightly)/2]
	if len(beacon) < 4 {
		t.Errorf("night-beacon: spread over %d buckets, want 4", len(beacon))
	}
	for b, n := range beacon {
		if n >= dayMedian || n < 5*nightMedian {
			t.Errorf("night-beacon: bucket %v holds %d denies; want below the afternoon median %d and at least 5× the night median %d",
				time.Unix(b, 0).UTC(), n, dayMedian, nightMedian)
		}
	}
}

// checkWave checks the distributed stuffing wave against what makes it
// one campaign: hundreds of addresses in many networks, each with two or
// three logins (the third over five minutes after the first) and one user
// agent, every body missing the field that every clean login carries,
// all answered 401 but two that open real customers' accounts.
func checkWave(t *testing.T, evs, wave []*triage.Event) {
	t.Helper()
	customers := map[string]bool{}
	clean, withToken := 0, 0
	for _, ev := range evs {
		if IsAttacker(ev.SourceIP) {
			continue
		}
		if ev.UserName != "" {
			customers[ev.UserName] = true
		}
		if ev.Method == "POST" && ev.URLPath == "/login" && ev.StatusCode < 400 {
			clean++
			if form, _ := url.ParseQuery(ev.Body); form.Has("csrf_token") {
				withToken++
			}
		}
	}
	if clean == 0 || withToken != clean {
		t.Errorf("%d of %d clean logins carry csrf_token, want every one", withToken, clean)
	}

	type source struct {
		logins []time.Time
		uas    map[string]bool
	}
	per := map[netip.Addr]*source{}
	nets, orgs, countries, uas := map[netip.Prefix]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	names := map[string]int{}
	hits := 0
	for _, ev := range wave {
		form, err := url.ParseQuery(ev.Body)
		if ev.Method != "POST" || ev.URLPath != "/login" || err != nil || form.Has("csrf_token") ||
			form.Get("username") == "" || form.Get("password") != "[REDACTED]" || ev.GetString("http.request.cookies.sid") != "" {
			t.Errorf("stuffing-wave: event %s is not a tokenless, cookieless login: %s %s %q", ev.ID, ev.Method, ev.URLPath, ev.Body)
			continue
		}
		names[form.Get("username")]++
		switch ev.StatusCode {
		case 401:
		case 302:
			hits++
			if ev.UserName != form.Get("username") || !customers[ev.UserName] {
				t.Errorf("stuffing-wave: success %s for %q (user.name %q), want a customer's account", ev.ID, form.Get("username"), ev.UserName)
			}
		default:
			t.Errorf("stuffing-wave: event %s answered %d", ev.ID, ev.StatusCode)
		}
		org, country := ev.GetString("source.as.organization.name"), ev.GetString("source.geo.country_name")
		if org == "" || country == "" {
			t.Errorf("stuffing-wave: event %s without source.as or source.geo", ev.ID)
		}
		orgs[org], countries[country], uas[ev.UserAgent] = true, true, true
		net, _ := ev.SourceIP.Prefix(24)
		nets[net] = true
		s := per[ev.SourceIP]
		if s == nil {
			s = &source{uas: map[string]bool{}}
			per[ev.SourceIP] = s
		}
		s.logins = append(s.logins, ev.Timestamp)
		s.uas[ev.UserAgent] = true
	}
	if hits != 2 {
		t.Errorf("stuffing-wave: %d successful logins, want 2", hits)
	}
	if len(per) < 200 || len(nets) < 100 || len(orgs) < 5 || len(countries) < 5 || len(uas) < 3 {
		t.Errorf("stuffing-wave: %d addresses in %d /24s, %d ASNs, %d countries, %d user agents; want a wide spread",
			len(per), len(nets), len(orgs), len(countries), len(uas))
	}
	returning := 0
	for ip, s := range per {
		switch n := len(s.logins); {
		case n < 2 || n > 3 || len(s.uas) != 1:
			t.Errorf("stuffing-wave: %v sent %d logins with %d user agents, want 2 or 3 with one", ip, n, len(s.uas))
		case n == 3:
			returning++
			// RE6 wants three within five minutes: the wave stays AE11's.
			if s.logins[2].Sub(s.logins[0]) <= 5*time.Minute {
				t.Errorf("stuffing-wave: %v sent three logins within %v", ip, s.logins[2].Sub(s.logins[0]))
			}
		}
	}
	if returning < 20 {
		t.Errorf("stuffing-wave: %d addresses came back for a third login, want at least 20", returning)
	}
	for name, n := range names {
		if n > 2 {
			t.Errorf("stuffing-wave: %q tried %d times, want at most 2 (one per password)", name, n)
		}
	}
}

func scenario(name string) *Scenario {
	for i := range Scenarios {
		if Scenarios[i].Name == name {
			return &Scenarios[i]
		}
	}
	panic("no scenario " + name)
}

func TestBenignTraps(t *testing.T) {
	evs := defaultEvents(t)
	names := map[string]bool{}
	for _, tr := range BenignTraps {
		if tr.Name == "" || names[tr.Name] || tr.Description == "" || tr.Match == nil {
			t.Errorf("trap %q: incomplete or duplicate row", tr.Name)
		}
		names[tr.Name] = true
		n := 0
		for _, ev := range evs {
			if tr.Match(ev) {
				n++
				if IsAttacker(ev.SourceIP) {
					t.Errorf("trap %s matches attacker event %s", tr.Name, ev.ID)
				}
			}
		}
		if n == 0 {
			t.Errorf("trap %s: no event", tr.Name)
		}
	}

	has := func(what string, pred func(*triage.Event) bool) {
		t.Helper()
		for _, ev := range evs {
			if pred(ev) {
				return
			}
		}
		t.Errorf("no %s", what)
	}
	has("CORS preflight", func(ev *triage.Event) bool {
		return ev.Method == "OPTIONS" && ev.StatusCode == 204 && ev.GetString("http.request.headers.Origin") != "" &&
			ev.GetString("http.request.headers.Access-Control-Request-Method") == "POST"
	})
	has("HEAD from the uptime monitor", func(ev *triage.Event) bool { return ev.Method == "HEAD" && ev.UserAgent == uptimeUA })
	has("search with an apostrophe", func(ev *triage.Event) bool {
		return ev.URLPath == "/search" && strings.Contains(ev.URLQuery, "%27") && !IsAttacker(ev.SourceIP)
	})
	has("q=50%25+off", func(ev *triage.Event) bool { return ev.URLQuery == "q=50%25+off" })
	has("a product search with an SQL word", func(ev *triage.Event) bool { return ev.URLQuery == "q=union+station+poster" })
	has("a shopper's POST answered 403", func(ev *triage.Event) bool {
		return ev.Method == "POST" && ev.StatusCode == 403 && !IsAttacker(ev.SourceIP)
	})
	has("a shopper's 404", func(ev *triage.Event) bool { return ev.StatusCode == 404 && !IsAttacker(ev.SourceIP) })
	has("a /healthz probe", func(ev *triage.Event) bool { return ev.URLPath == "/healthz" && ev.UserAgent == probeUA })
	has("a multi-line contact form", func(ev *triage.Event) bool {
		body := ev.GetString("http.request.body.original")
		form, err := url.ParseQuery(body)
		return ev.URLPath == "/contact" && err == nil && strings.Contains(form.Get("message"), "\r\n") &&
			!strings.Contains(strings.ToLower(ev.URLOriginal), "%0d")
	})
	has("a login body", func(ev *triage.Event) bool {
		return ev.URLPath == "/login" && ev.Method == "POST" &&
			strings.HasSuffix(ev.GetString("http.request.body.original"), "&password=[REDACTED]") && !IsAttacker(ev.SourceIP)
	})
	has("a logged-in shopper with a session cookie", func(ev *triage.Event) bool {
		return ev.UserName != "" && len(ev.GetString("http.request.cookies.sid")) == 32
	})
	has(`a search for "O'Reilly"`, func(ev *triage.Event) bool { return ev.URLQuery == "q=O%27Reilly" })
	has(`a search for "i <3 tea"`, func(ev *triage.Event) bool { return ev.URLQuery == "q=i+%3C3+tea" })
	has("a Google Ads landing", func(ev *triage.Event) bool {
		return strings.Contains(ev.URLQuery, "gclid=Cj0KCQiA") && strings.Contains(ev.URLQuery, "utm_medium=cpc")
	})
	has("a Facebook ad landing", func(ev *triage.Event) bool { return strings.Contains(ev.URLQuery, "&fbclid=IwAR") })
	has("a login form with its anti-forgery token", func(ev *triage.Event) bool {
		return ev.URLPath == "/login" && strings.HasPrefix(ev.Body, "csrf_token=") && !IsAttacker(ev.SourceIP)
	})
	has("a cart form with its decoy field", func(ev *triage.Event) bool {
		return ev.URLPath == "/cart" && strings.HasSuffix(ev.Body, "&"+cartDecoy) && !IsAttacker(ev.SourceIP)
	})

	// Sessions: a mobile user moves inside one /24, but no ordinary
	// session ever leaves its network (SE5 must stay quiet) or changes
	// its user agent (SE6).
	type seen struct {
		net   netip.Prefix
		ua    string
		addrs map[netip.Addr]bool
	}
	sessions := map[string]*seen{}
	roamed := 0
	for _, ev := range evs {
		sid := ev.GetString("http.request.cookies.sid")
		if sid == "" || IsAttacker(ev.SourceIP) {
			continue
		}
		net, _ := ev.SourceIP.Prefix(24)
		if ev.SourceIP.Is6() {
			net, _ = ev.SourceIP.Prefix(48)
		}
		st := sessions[sid]
		if st == nil {
			sessions[sid] = &seen{net: net, ua: ev.UserAgent, addrs: map[netip.Addr]bool{ev.SourceIP: true}}
			continue
		}
		if st.net != net || st.ua != ev.UserAgent {
			t.Fatalf("benign session %s… moved from %v (%s) to %v (%s)", sid[:8], st.net, st.ua, ev.SourceIP, ev.UserAgent)
		}
		if !st.addrs[ev.SourceIP] {
			st.addrs[ev.SourceIP] = true
			if len(st.addrs) == 2 {
				roamed++
			}
		}
	}
	if roamed < 20 {
		t.Errorf("%d sessions moved to another address of their /24, want at least 20", roamed)
	}

	// Many users behind one NAT address; uploads under the limit; the
	// regular customer's steady history; a POST-only newsletter form.
	natSessions, natUsers, natFailed := map[string]bool{}, map[string]bool{}, 0
	uploads, maxUpload := 0, int64(0)
	orderDays := map[string]bool{}
	subscribe := 0
	for _, ev := range evs {
		if IsAttacker(ev.SourceIP) {
			continue
		}
		if ev.SourceIP == officeNATIP {
			natSessions[ev.GetString("http.request.cookies.sid")] = true
			if ev.UserName != "" {
				natUsers[ev.UserName] = true
			}
			if ev.URLPath == "/login" && ev.StatusCode == 401 {
				natFailed++
			}
		}
		if ev.Method == "POST" && strings.HasSuffix(ev.URLPath, "/reviews") {
			uploads++
			maxUpload = max(maxUpload, ev.Headers.ContentLength)
		}
		if ev.UserName == regularUser && ev.Method == "POST" && ev.URLPath == "/checkout" {
			orderDays[ev.Timestamp.Format(time.DateOnly)] = true
		}
		switch {
		case ev.URLPath == "/newsletter" && ev.Method == "POST":
			subscribe++
		case ev.URLPath == "/newsletter":
			t.Errorf("benign %s %s", ev.Method, ev.URLOriginal)
		}
	}
	if len(natSessions) < 50 || len(natUsers) < 10 || natFailed == 0 {
		t.Errorf("office NAT: %d sessions, %d users, %d failed logins; want many of each", len(natSessions), len(natUsers), natFailed)
	}
	if uploads < 50 || maxUpload >= 10<<20 {
		t.Errorf("review photos: %d uploads, largest %d bytes; want many, all under 10 MiB", uploads, maxUpload)
	}
	if len(orderDays) < 13 {
		t.Errorf("the regular customer ordered on %d days, want every day", len(orderDays))
	}
	if subscribe < 100 {
		t.Errorf("%d newsletter sign-ups, want at least 100 (RE3's baseline)", subscribe)
	}
}

// TestTraffic checks the traffic's shape: a diurnal rhythm and the range
// of clients.
func TestTraffic(t *testing.T) {
	evs := defaultEvents(t)
	var night, evening int
	uas := map[string]int{}
	for _, ev := range evs {
		if ev.Processor != "transaction" || IsAttacker(ev.SourceIP) {
			continue
		}
		switch h := ev.Timestamp.Hour(); {
		case h >= 2 && h < 5:
			night++
		case h >= 18 && h < 21:
			evening++
		}
		switch {
		case strings.HasPrefix(ev.UserAgent, "ShopApp/"):
			uas["app"]++
		case strings.Contains(ev.UserAgent, "bot"):
			uas["crawler"]++
		case ev.UserAgent == probeUA || ev.UserAgent == uptimeUA:
			uas["monitor"]++
		case strings.Contains(ev.UserAgent, "Mobile"):
			uas["mobile browser"]++
		case strings.HasPrefix(ev.UserAgent, "Mozilla/5.0"):
			uas["desktop browser"]++
		default:
			uas["other"]++
		}
	}
	if evening < 3*night {
		t.Errorf("evening %d transactions, night %d: want a diurnal pattern", evening, night)
	}
	for _, k := range []string{"app", "crawler", "monitor", "mobile browser", "desktop browser"} {
		if uas[k] < 100 {
			t.Errorf("only %d %s transactions: %v", uas[k], k, uas)
		}
	}
	if uas["other"] != 0 {
		t.Errorf("unexpected clients: %v", uas)
	}
}

func TestStopEarly(t *testing.T) {
	before := runtime.NumGoroutine()
	stop := errors.New("enough")
	n := 0
	err := New(DefaultSeed).Events(context.Background(), func(*triage.Event) error {
		n++
		if n == 500 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 500 {
		t.Fatalf("got %v after %d events, want %v after 500", err, n, stop)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = New(DefaultSeed).Events(ctx, func(*triage.Event) error {
		n++
		if n == 100 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: got %v", err)
	}
	if n > 5000 {
		t.Errorf("%d events delivered after cancel", n)
	}
	for i := 0; runtime.NumGoroutine() > before && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines after, %d before: the generator leaked", g, before)
	}
}

// TestScenarioIsolation checks the promise made to whoever plants the next
// scenario: removing (or adding) one leaves every other document as it was.
func TestScenarioIsolation(t *testing.T) {
	docs := func() [][]byte {
		var out [][]byte
		if err := New(DefaultSeed).generate(context.Background(), func(d [][]byte) error {
			out = append(out, d...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	all := docs()
	saved := Scenarios
	defer func() { Scenarios = saved }()
	txID := regexp.MustCompile(`"transaction":\{(?:"duration":\{"us":\d+\},)?"id":"([0-9a-f]+)"`)
	clientIP := regexp.MustCompile(`"client":\{"ip":"([^"]+)"`)
	// One scenario with an address, and the distributed one.
	for _, k := range []int{2, slices.IndexFunc(saved, func(sc Scenario) bool { return sc.Sources.IsValid() })} {
		dropped := saved[k]
		Scenarios = slices.Delete(slices.Clone(saved), k, k+1)
		without := docs()

		// The dropped scenario's documents: its attackers' transactions
		// and firewall events, and the database spans of those
		// transactions (spans name no client).
		marker := []byte(`"ip":"` + dropped.SourceIP.String() + `"`)
		ours := func(d []byte) bool {
			if dropped.SourceIP.IsValid() {
				return bytes.Contains(d, marker)
			}
			m := clientIP.FindSubmatch(d)
			if m == nil {
				return false
			}
			a, err := netip.ParseAddr(string(m[1]))
			return err == nil && dropped.From(a)
		}
		mine := map[string]bool{}
		var rest [][]byte
		for _, d := range all {
			m := txID.FindSubmatch(d)
			switch {
			case ours(d):
				if m != nil {
					mine[string(m[1])] = true
				}
			case m != nil && bytes.Contains(d, []byte(`"event":"span"`)) && mine[string(m[1])]:
			default:
				rest = append(rest, d)
			}
		}
		if len(rest) == len(all) {
			t.Fatalf("no documents of %s found", dropped.Name)
		}
		if len(rest) != len(without) {
			t.Fatalf("without %s: %d documents, want %d", dropped.Name, len(without), len(rest))
		}
		for i := range rest {
			if !bytes.Equal(rest[i], without[i]) {
				t.Fatalf("without %s, document %d changed:\n%s\n%s", dropped.Name, i+1, rest[i], without[i])
			}
		}
	}
}

// TestBoundedMemory checks that documents are handed over hour by hour,
// never accumulated.
func TestBoundedMemory(t *testing.T) {
	hours, most := 0, 0
	err := New(DefaultSeed).generate(context.Background(), func(docs [][]byte) error {
		hours++
		most = max(most, len(docs))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if hours != int(Span/time.Hour) || most > 2500 {
		t.Errorf("%d batches, largest %d documents; want one per hour, each small", hours, most)
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`q"uo\te`, `"q\"uo\\te"`},
		{"a\r\nb\tc", `"a\r\nb\tc"`},
		{"\x00\x1f\x7f", `"\u0000\u001f\u007f"`},
		{"\x1b[31mred", `"\u001b[31mred"`},
		{"bidi \u202e \u2066 \u200f", `"bidi \u202e \u2066 \u200f"`},
		{"line\u2028sep", `"line\u2028sep"`},
		{"c1 \u0085", `"c1 \u0085"`},
		{"café ü 日本 😀", `"café ü 日本 😀"`},
		{"bad \xff\xfe utf8", `"bad \ufffd\ufffd utf8"`},
		{"<script>&", `"<script>&"`},
	} {
		got := string(appendJSONString(nil, tc.in))
		if got != tc.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tc.in, got, tc.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("appendJSONString(%q) = %s: not JSON: %v", tc.in, got, err)
		} else if want := strings.ToValidUTF8(tc.in, "\ufffd"); utf8.ValidString(tc.in) && back != want {
			t.Errorf("appendJSONString(%q) round-trips to %q", tc.in, back)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x1b[0m", "\u202e", "\xff", "\\u0000", "\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendJSONString([]byte("x"), s)[1:]
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q → %s: invalid JSON: %v", s, out, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("%q → %s → %q", s, out, back)
		}
		for _, r := range string(out) {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || needsUnicodeEscape(r) {
				t.Fatalf("%q → %s: raw control %U in output", s, out, r)
			}
		}
	})
}

// BenchmarkEvents measures a full pass over the demo span: generation,
// decoding and delivery of every event.
func BenchmarkEvents(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		if err := New(DefaultSeed).Events(context.Background(), func(*triage.Event) error {
			n++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "events/op")
}
