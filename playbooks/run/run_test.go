package run

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/playbooks"
	"picket/triage"
)

var t0 = time.Date(2024, 3, 14, 9, 0, 0, 0, time.UTC)

// planted is an event the tests plant; the expected answers are worked
// out from these records, never from the package under test.
type planted struct {
	id, ip, ua, method, path, user, session string
	status                                  int
	at                                      time.Duration // after t0
}

const (
	ipA  = "203.0.113.7"
	uaA  = "sqlmap/1.7"
	ipB  = "198.51.100.4"
	uaB  = "python-requests/2.31"
	ipC  = "192.0.2.9"
	uaC  = "Go-http-client/1.1"
	user = "alice"
	sid  = "s3ss10n"
)

var events = []planted{
	{"a0", ipA, uaA, "POST", "/login", "", "", 403, -2 * time.Hour},
	{"a1", ipA, uaA, "POST", "/login", user, sid, 403, 10 * time.Minute},
	{"a2", ipA, uaA, "POST", "/login", "", sid, 403, 20 * time.Minute},
	{"a3", ipA, uaA, "POST", "/login", "", "", 200, 25 * time.Minute},
	{"a4", ipA, uaA, "GET", "/admin", "", "", 403, 28 * time.Minute},
	{"a5", ipA, uaA, "GET", "/late", "", "", 200, 3 * time.Hour},
	{"c1", ipA, "curl/8.5.0", "POST", "/login", "", "", 403, 15 * time.Minute},
	{"b1", ipB, uaB, "POST", "/login", user, "", 403, 5 * time.Minute},
	{"b2", ipB, uaB, "GET", "/cart", user, sid, 200, 6 * time.Minute},
	{"g1", ipC, uaC, "GET", "/cart", user, "", 200, 6 * time.Minute},
	{"d1", "192.0.2.77", "Mozilla/5.0", "GET", "/", "bob", "", 200, 7 * time.Minute},
}

// collection keeps the planted events (the first keep of them when keep
// is set) in a collection.
func collection(t *testing.T, keep int) *triage.Collection {
	t.Helper()
	c := triage.NewCollection(keep)
	for _, e := range events {
		at := t0.Add(e.at)
		extra := ""
		if e.user != "" {
			extra += fmt.Sprintf(`,"user":{"name":%q}`, e.user)
		}
		if e.session != "" {
			extra += fmt.Sprintf(`,"session":{"id":%q}`, e.session)
		}
		raw := fmt.Sprintf(`{"@timestamp":%q,"event":{"id":%q},"source":{"ip":%q},"user_agent":{"original":%q},`+
			`"http":{"request":{"method":%q},"response":{"status_code":%d}},"url":{"path":%q}%s}`,
			at.Format(time.RFC3339), e.id, e.ip, e.ua, e.method, e.status, e.path, extra)
		ev, err := triage.ParseEvent([]byte(raw), "test")
		if err != nil {
			t.Fatal(err)
		}
		c.AddEvent(ev)
	}
	return c
}

// finding is about source A's sqlmap, citing a1 and a2, ending at +30m.
func finding(c *triage.Collection) triage.Finding {
	f := triage.Finding{Detector: "appsensor:CIE1", Timestamp: t0.Add(20 * time.Minute), End: t0.Add(30 * time.Minute),
		SourceIP: netip.MustParseAddr(ipA), UserAgent: uaA}
	for _, id := range []string{"a1", "a2"} {
		ev, _ := c.EventByID(id)
		f.AddEvidence(ev)
	}
	return f
}

// within selects planted events, the first keep of them when keep > 0.
func within(keep int, pred func(planted) bool) []planted {
	var out []planted
	for i, e := range events {
		if keep > 0 && i >= keep {
			break
		}
		if pred(e) {
			out = append(out, e)
		}
	}
	return out
}

// inWindow is the window of an action on the finding: d before its end.
func inWindow(d time.Duration) func(planted) bool {
	end := 30 * time.Minute
	return func(e planted) bool { return d == 0 || (e.at >= end-d && e.at <= end) }
}

func and(ps ...func(planted) bool) func(planted) bool {
	return func(e planted) bool {
		for _, p := range ps {
			if !p(e) {
				return false
			}
		}
		return true
	}
}

var (
	fromSource   = func(e planted) bool { return e.ip == ipA && e.ua == uaA }
	fromIP       = func(e planted) bool { return e.ip == ipA }
	byUser       = func(e planted) bool { return e.user == user }
	inSession    = func(e planted) bool { return e.session == sid }
	anywhere     = func(planted) bool { return true }
	post403      = func(e planted) bool { return e.method == "POST" && e.status == 403 }
	loginPath    = func(e planted) bool { return e.path == "/login" }
	windowOf1h   = inWindow(time.Hour)
	windowOf10m  = inWindow(10 * time.Minute)
	wholeRun     = inWindow(0)
	defaultScope = playbooks.ScopeSource
)

func mustAction(s string) playbooks.Action {
	a, err := playbooks.ParseAction(s)
	if err != nil {
		panic(err)
	}
	return a
}

func TestCount(t *testing.T) {
	tests := []struct {
		name   string
		action string
		keep   int
		want   func(planted) bool
		scope  string
		actor  string
	}{
		{"source, 1h", `count query="http.request.method:POST and http.response.status_code:403" window=1h`, 0, and(fromSource, post403, windowOf1h), defaultScope, ""},
		{"source, 10m", `count query="http.request.method:POST and http.response.status_code:403" window=10m`, 0, and(fromSource, post403, windowOf10m), defaultScope, ""},
		{"address", `count query="http.request.method:POST and http.response.status_code:403" window=1h scope=ip`, 0, and(fromIP, post403, windowOf1h), playbooks.ScopeIP, ipA},
		{"site, placeholder", `count query="url.path:{{url.path}}" window=1h scope=site`, 0, and(loginPath, windowOf1h), playbooks.ScopeSite, ""},
		{"user from the evidence", `count query="*" scope=user`, 0, and(byUser, wholeRun), playbooks.ScopeUser, user},
		{"session from the evidence", `count query="http.request.method:*" scope=session`, 0, and(inSession, wholeRun), playbooks.ScopeSession, sid},
		{"whole run", `count query="http.response.status_code >= 400" scope=site`, 0, func(e planted) bool { return e.status >= 400 }, playbooks.ScopeSite, ""},
		{"partial: only kept events", `count query="*" scope=site`, 5, anywhere, playbooks.ScopeSite, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := collection(t, tc.keep)
			got, err := Count(mustAction(tc.action), finding(c), c)
			if err != nil {
				t.Fatal(err)
			}
			want := len(within(tc.keep, tc.want))
			if got.Events != want {
				t.Errorf("%d events, want %d", got.Events, want)
			}
			cov := got.Coverage
			if cov.Scope != tc.scope || cov.Actor != tc.actor || cov.Partial != (tc.keep > 0) || cov.Kept != c.EventCount() {
				t.Errorf("coverage %+v, want scope %q actor %q partial %v", cov, tc.scope, tc.actor, tc.keep > 0)
			}
			if a := mustAction(tc.action); a.Window > 0 && (!cov.To.Equal(t0.Add(30*time.Minute)) || cov.To.Sub(cov.From) != a.Window) {
				t.Errorf("window %v–%v, want %v ending at the finding", cov.From, cov.To, a.Window)
			}
			if strings.Contains(got.Query, "{{") {
				t.Errorf("query %q not filled", got.Query)
			}
		})
	}
}

func TestCountErrors(t *testing.T) {
	noAddr := func(f triage.Finding) triage.Finding { f.SourceIP = netip.Addr{}; return f }
	noEvidence := func(f triage.Finding) triage.Finding { f.Evidence = nil; return f }
	same := func(f triage.Finding) triage.Finding { return f }
	tests := []struct {
		name   string
		action string
		change func(triage.Finding) triage.Finding
		want   string
	}{
		{"placeholder the event lacks", `count query="destination.port:{{destination.port}}"`, same, "the first evidence event has no destination.port for {{destination.port}}"},
		{"placeholder without evidence", `count query="url.path:{{url.path}}"`, noEvidence, "needs an evidence event"},
		{"bad query", `count query="url.path:("`, same, "query url.path:("},
		{"address scope without address", `count query="*" scope=ip`, noAddr, "has no source address"},
		{"user scope without user", `count query="*" scope=user`, noEvidence, "names no user"},
		{"session scope without session", `count query="*" scope=session`, noEvidence, "has no session id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := collection(t, 0)
			_, err := Count(mustAction(tc.action), tc.change(finding(c)), c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		action string
		field  func(planted) string
		want   func(planted) bool
	}{
		{`values field=url.path window=1h`, func(e planted) string { return e.path }, and(fromSource, windowOf1h)},
		{`values field=http.request.method scope=ip`, func(e planted) string { return e.method }, fromIP},
		{`values field=user.name scope=site`, func(e planted) string { return e.user }, anywhere},
		{`values field=url.path query="http.response.status_code:403" scope=site window=1h`, func(e planted) string { return e.path },
			and(func(e planted) bool { return e.status == 403 }, windowOf1h)},
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			c := collection(t, 0)
			got, err := Values(mustAction(tc.action), finding(c), c)
			if err != nil {
				t.Fatal(err)
			}
			counts := map[string]int{}
			matched, with := 0, 0
			for _, e := range within(0, tc.want) {
				matched++
				if v := tc.field(e); v != "" {
					with++
					counts[v]++
				}
			}
			if got.Matched != matched || got.With != with || len(got.Values) != len(counts) {
				t.Fatalf("matched %d with %d, %d values; want %d %d %d", got.Matched, got.With, len(got.Values), matched, with, len(counts))
			}
			for i, v := range got.Values {
				if counts[v.Value] != v.Count {
					t.Errorf("%s: %d, want %d", v.Value, v.Count, counts[v.Value])
				}
				if i > 0 {
					p := got.Values[i-1]
					if p.Count < v.Count || (p.Count == v.Count && p.Value > v.Value) {
						t.Errorf("not ordered: %v before %v", p, v)
					}
				}
			}
		})
	}
}

func TestPivot(t *testing.T) {
	type key struct{ ip, ua string }
	tests := []struct {
		name   string
		action string
		value  func(planted) string
		values []string
		queued []key
		window func(planted) bool
	}{
		{"user in the window", `pivot field=user.name window=7d`, func(e planted) string { return e.user }, []string{user},
			[]key{{ipB, uaB}}, inWindow(7 * 24 * time.Hour)},
		{"session ids", `pivot field=session.id`, func(e planted) string { return e.session }, []string{sid}, nil, wholeRun},
		{"paths, nothing queued", `pivot field=url.path window=1h`, func(e planted) string { return e.path }, []string{"/login"},
			[]key{{ipC, uaC}}, windowOf1h},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := collection(t, 0)
			var queued []triage.GroupKey
			for _, k := range tc.queued {
				queued = append(queued, triage.GroupKey{SourceIP: netip.MustParseAddr(k.ip), UserAgent: k.ua})
			}
			got, err := Pivot(mustAction(tc.action), finding(c), c, queued)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Values, tc.values) {
				t.Errorf("values %v, want %v", got.Values, tc.values)
			}
			shared := map[key]int{}
			for _, e := range within(0, and(tc.window, func(e planted) bool {
				return !fromSource(e) && slices.Contains(tc.values, tc.value(e))
			})) {
				shared[key{e.ip, e.ua}]++
			}
			events := 0
			for _, n := range shared {
				events += n
			}
			if got.Sources != len(shared) || got.Events != events {
				t.Errorf("%d sources, %d events; want %d, %d", got.Sources, got.Events, len(shared), events)
			}
			var wantQueued []Shared
			for _, k := range tc.queued {
				if n := shared[k]; n > 0 {
					wantQueued = append(wantQueued, Shared{Key: triage.GroupKey{SourceIP: netip.MustParseAddr(k.ip), UserAgent: k.ua}, Events: n})
				}
			}
			if !slices.Equal(got.Queued, wantQueued) {
				t.Errorf("queued %v, want %v", got.Queued, wantQueued)
			}
		})
	}
	t.Run("nothing to look for", func(t *testing.T) {
		c := collection(t, 0)
		if _, err := Pivot(mustAction("pivot field=destination.port"), finding(c), c, nil); err == nil ||
			!strings.Contains(err.Error(), "the evidence events kept have no destination.port") {
			t.Errorf("error %v", err)
		}
	})
}

func TestCheckAllowlist(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	entries := []triage.AllowEntry{
		{Kind: triage.AllowCIDR, Value: "203.0.113.0/24", Detector: "appsensor:RE2", Reason: "our scanner"},
		{Kind: triage.AllowUserAgent, Value: uaA},
		{Kind: triage.AllowUser, Value: user, Expires: now.Add(-time.Hour)}, // expired
		{Kind: triage.AllowIP, Value: ipB},                                  // someone else
		{Kind: triage.AllowUser, Value: user},
	}
	tests := []struct {
		action string
		hits   []int // indexes into entries
		looked []Actor
	}{
		{"allowlist-check", []int{0, 1, 4}, []Actor{{"ip", ipA}, {"user_agent", uaA}, {"user", user}}},
		{"allowlist-check kind=ip", []int{0}, []Actor{{"ip", ipA}}},
		{"allowlist-check kind=user", []int{4}, []Actor{{"user", user}}},
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			c := collection(t, 0)
			f := finding(c)
			got := CheckAllowlist(mustAction(tc.action), f, c, entries, now)
			var want []AllowHit
			for _, i := range tc.hits {
				want = append(want, AllowHit{Entry: entries[i], Applies: entries[i].AppliesTo(f.Detector)})
			}
			if len(got.Hits) != len(want) {
				t.Fatalf("hits %+v, want %+v", got.Hits, want)
			}
			for i := range want {
				if got.Hits[i].Entry.Value != want[i].Entry.Value || got.Hits[i].Applies != want[i].Applies {
					t.Errorf("hit %d: %+v, want %+v", i, got.Hits[i], want[i])
				}
			}
			if !slices.Equal(got.Looked, tc.looked) || got.Allowlisted() != (len(want) > 0) {
				t.Errorf("looked %v, want %v", got.Looked, tc.looked)
			}
		})
	}
}

func TestExceptionEntries(t *testing.T) {
	c := collection(t, 0)
	f := finding(c)
	f.AddEvidence(mustEvent(c, "a4"))
	entries, missing := ExceptionEntries([]string{"user_agent.original", "url.path", "no.such.field"}, f, c)
	want := []triage.ExceptionEntry{
		{Field: "user_agent.original", Operator: triage.OpIncluded, Type: triage.EntryMatch, Value: uaA},
		{Field: "url.path", Operator: triage.OpIncluded, Type: triage.EntryMatchAny, Values: []string{"/login", "/admin"}},
	}
	if len(entries) != len(want) {
		t.Fatalf("entries %+v", entries)
	}
	for i := range want {
		g, w := entries[i], want[i]
		if g.Field != w.Field || g.Type != w.Type || g.Value != w.Value || !slices.Equal(g.Values, w.Values) {
			t.Errorf("entry %d: %+v, want %+v", i, g, w)
		}
	}
	if !slices.Equal(missing, []string{"no.such.field"}) {
		t.Errorf("missing %v", missing)
	}
}

func mustEvent(c *triage.Collection, id string) *triage.Event {
	ev, ok := c.EventByID(id)
	if !ok {
		panic(id)
	}
	return ev
}

func TestSessionOf(t *testing.T) {
	tests := []struct {
		name string
		ev   triage.Event
		want string
	}{
		{"session.id", triage.Event{SessionID: "abc", Cookies: []triage.Cookie{{Name: "sid", Value: "zzz"}}}, "abc"},
		{"redacted falls to cookie", triage.Event{SessionID: "[REDACTED]", Cookies: []triage.Cookie{{Name: "PHPSESSID", Value: "p1"}}}, "p1"},
		{"connect.sid", triage.Event{Cookies: []triage.Cookie{{Name: "theme", Value: "dark"}, {Name: "connect.sid", Value: "s%3Aq"}}}, "s%3Aq"},
		{"no session cookie", triage.Event{Cookies: []triage.Cookie{{Name: "theme", Value: "dark"}}}, ""},
		{"redacted cookie", triage.Event{Cookies: []triage.Cookie{{Name: "session", Value: "[REDACTED]"}}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SessionOf(&tc.ev); got != tc.want {
				t.Errorf("SessionOf = %q, want %q", got, tc.want)
			}
			if tc.want != "" && !InSession(&tc.ev, tc.want) {
				t.Errorf("InSession(%q) = false", tc.want)
			}
		})
	}
}

func TestPlainJSON(t *testing.T) {
	tests := []struct {
		in    string
		plain bool
	}{
		{"/login", false}, {"alice", true}, {`say "hi"`, false}, {"a*b", true}, {"", false}, {"é", false},
	}
	for _, tc := range tests {
		if got := plainJSON(tc.in); got != tc.plain {
			t.Errorf("plainJSON(%q) = %v", tc.in, got)
		}
	}
}
