package run

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/playbooks"
	"picket/triage"
)

// loginWorld plants login attempts whose truth is known as they are
// planted, and a few requests that are not logins.
type attempt struct {
	id, ip, path, route, body, user string
	status                          int
	login, worked                   bool
	tried                           string
}

var attempts = []attempt{
	{"l1", ipA, "/login", "POST /login", "username=alice&password=x", "", 401, true, false, "alice"},
	{"l2", ipA, "/login", "POST /login", "username=bob&password=x", "bob", 302, true, true, "bob"},
	{"l3", ipB, "/login", "POST /login", "username=alice&password=x", "", 403, true, false, "alice"},
	{"l4", ipB, "/login", "POST /login", "email=carol%40example.com&password=x", "carol@example.com", 200, true, true, "carol@example.com"},
	{"n1", ipA, "/cart", "GET /cart", "", "bob", 200, false, false, ""},
	{"n2", ipC, "/products/7", "GET /products/:id", "", "", 200, false, false, ""},
	{"n3", ipC, "/products/8", "", "", "", 200, false, false, ""},
}

func loginCollection(t *testing.T) *triage.Collection {
	t.Helper()
	c := triage.NewCollection(0)
	for i, a := range attempts {
		method := "GET"
		extra := ""
		if a.login {
			method = "POST"
			extra += fmt.Sprintf(`,"body":{"original":%q}`, a.body)
		}
		doc := fmt.Sprintf(`{"@timestamp":%q,"event":{"id":%q,"outcome":"success"},"source":{"ip":%q},"user_agent":{"original":"ua"},`+
			`"http":{"request":{"method":%q%s},"response":{"status_code":%d}},"url":{"path":%q}`,
			t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), a.id, a.ip, method, extra, a.status, a.path)
		if a.route != "" {
			doc += fmt.Sprintf(`,"transaction":{"name":%q}`, a.route)
		}
		if a.user != "" {
			doc += fmt.Sprintf(`,"user":{"name":%q}`, a.user)
		}
		ev, err := triage.ParseEvent([]byte(doc+"}"), "test")
		if err != nil {
			t.Fatal(err)
		}
		c.AddEvent(ev)
	}
	return c
}

func TestDerivedFieldsInQueries(t *testing.T) {
	c := loginCollection(t)
	f := triage.Finding{Detector: "appsensor:AE1", SourceIP: netip.MustParseAddr(ipA), UserAgent: "ua", Timestamp: t0, End: t0.Add(time.Hour)}
	f.AddEvidence(mustEvent(c, "l1"))
	f.AddEvidence(mustEvent(c, "n2"))
	tests := []struct {
		query string
		want  func(attempt) bool
	}{
		{"picket.login.outcome:*", func(a attempt) bool { return a.login }},
		{"picket.login.outcome:success", func(a attempt) bool { return a.login && a.worked }},
		{"picket.login.outcome:failure", func(a attempt) bool { return a.login && !a.worked }},
		{"picket.login.user:alice", func(a attempt) bool { return a.tried == "alice" }},
		{"picket.login.user:{{picket.login.user}}", func(a attempt) bool { return a.tried == "alice" }},
		{`picket.route:"GET /products/:id"`, func(a attempt) bool { return a.route == "GET /products/:id" }},
		{`picket.route:"GET /products/8"`, func(a attempt) bool { return a.route == "" && a.path == "/products/8" }},
		{"picket.route:{{picket.route}}", func(a attempt) bool { return a.route == "POST /login" }},
		{"not picket.login.outcome:*", func(a attempt) bool { return !a.login }},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			got, err := Count(mustAction(`count scope=site query=`+quoteArg(tc.query)), f, c)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, a := range attempts {
				if tc.want(a) {
					want++
				}
			}
			if got.Events != want || want == 0 {
				t.Errorf("%d events (query %s), want %d", got.Events, got.Query, want)
			}
		})
	}
}

func quoteArg(s string) string { return fmt.Sprintf("%q", s) }

// TestFillQueryOneEvent: every placeholder is filled from the first
// evidence event that holds them all.
func TestFillQueryOneEvent(t *testing.T) {
	c := loginCollection(t)
	f := triage.Finding{}
	for _, id := range []string{"n3", "n1", "l2"} {
		f.AddEvidence(mustEvent(c, id))
	}
	tests := []struct {
		q, want, err string
	}{
		{"url.path:{{url.path}}", `url.path:"/products/8"`, ""},
		{"picket.route:{{picket.route}} and user.name:{{user.name}}", `picket.route:"GET /cart" and user.name:"bob"`, ""},
		{"picket.login.user:{{picket.login.user}} and url.path:{{url.path}}", `picket.login.user:"bob" and url.path:"/login"`, ""},
		{"destination.port:{{destination.port}}", "", "the first evidence event has no destination.port"},
	}
	for _, tc := range tests {
		got, err := FillQuery(tc.q, f, c)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.q, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("FillQuery(%s) = %q, %v; want %q", tc.q, got, err, tc.want)
		}
	}
}

// TestAnswerJSON: the answer the case file keeps names its kind, carries
// exactly one answer and writes the coverage with readable times.
func TestAnswerJSON(t *testing.T) {
	c := collection(t, 0)
	f := finding(c)
	allow := []triage.AllowEntry{{Kind: triage.AllowUserAgent, Value: uaA, Reason: "our scanner"}}
	kinds := map[playbooks.ActionKind]string{
		playbooks.ActCount:          `count query="*" window=1h`,
		playbooks.ActValues:         `values field=url.path scope=ip`,
		playbooks.ActPivot:          `pivot field=user.name window=7d`,
		playbooks.ActAllowlistCheck: `allowlist-check`,
		playbooks.ActRoutes:         `routes window=24h`,
	}
	keys := map[playbooks.ActionKind]string{playbooks.ActCount: "count", playbooks.ActValues: "values", playbooks.ActPivot: "pivot",
		playbooks.ActAllowlistCheck: "allowlist", playbooks.ActRoutes: "routes"}
	queued := []triage.GroupKey{{SourceIP: netip.MustParseAddr(ipB), UserAgent: uaB}}
	for _, k := range playbooks.ActionKinds() {
		if !Computed(k) {
			if _, err := Run(playbooks.Action{Kind: k}, f, c, With{}); err == nil {
				t.Errorf("%s answered", k)
			}
			continue
		}
		t.Run(string(k), func(t *testing.T) {
			a, err := Run(mustAction(kinds[k]), f, c, With{Queued: queued, Allow: allow, Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			var got []string
			for key := range m {
				got = append(got, key)
			}
			slices.Sort(got)
			want := []string{"action", "kind", keys[k]}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("keys %v, want %v: %s", got, want, b)
			}
			cov, ok := a.Coverage()
			if ok != (k != playbooks.ActAllowlistCheck) {
				t.Errorf("coverage %v", ok)
			}
			if ok && cov.Window > 0 && !strings.Contains(string(b), `"to":"`+cov.To.Format(time.RFC3339Nano)+`"`) {
				t.Errorf("coverage not written with its times: %s", b)
			}
			if k == playbooks.ActPivot && !strings.Contains(string(b), `"group":"`+queued[0].String()+`"`) {
				t.Errorf("pivot without its queued group: %s", b)
			}
			if k == playbooks.ActAllowlistCheck && !strings.Contains(string(b), `"reason":"our scanner"`) {
				t.Errorf("allowlist hit without its reason: %s", b)
			}
		})
	}
}

// TestSpanRouteIsItsRequests: a finding raised on a database span (CIE2)
// fills {{picket.route}} with the route of the request the span ran in,
// joined by transaction.id, and the step's count is that route's
// requests from the client.
func TestSpanRouteIsItsRequests(t *testing.T) {
	c := triage.NewCollection(0)
	add := func(doc string) *triage.Event {
		ev, err := triage.ParseEvent([]byte(doc), "test")
		if err != nil {
			t.Fatal(err)
		}
		c.AddEvent(ev)
		return ev
	}
	tx := func(i int, id, route, ip string) {
		add(fmt.Sprintf(`{"@timestamp":%q,"processor":{"event":"transaction"},"event":{"id":"t%d"},"transaction":{"id":%q,"name":%q},`+
			`"source":{"ip":%q},"http":{"request":{"method":"GET"},"response":{"status_code":200}},"url":{"path":"/x"}}`,
			t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i, id, route, ip))
	}
	tx(0, "a1", "GET /account/orders/export", ipA)
	tx(1, "a2", "GET /products/:id", ipA)
	tx(2, "a3", "GET /account/orders/export", ipA)
	tx(3, "b1", "GET /account/orders/export", ipB) // another client
	span := add(fmt.Sprintf(`{"@timestamp":%q,"processor":{"event":"span"},"event":{"id":"s1"},"transaction":{"id":"a3"},"trace":{"id":"tr"},`+
		`"span":{"type":"db","name":"SELECT FROM orders","db":{"rows_affected":61382}}}`, t0.Add(2*time.Minute+time.Second).Format(time.RFC3339)))
	f := triage.Finding{Detector: "appsensor:CIE2", SourceIP: netip.MustParseAddr(ipA), UserAgent: "ua", Timestamp: span.Timestamp}
	f.AddEvidence(span)

	got, err := FillQuery("picket.route:{{picket.route}}", f, c)
	if want := `picket.route:"GET /account/orders/export"`; err != nil || got != want {
		t.Fatalf("FillQuery = %q, %v; want %q", got, err, want)
	}
	a, err := Run(mustAction(`count query="picket.route:{{picket.route}}" scope=ip window=24h`), f, c, With{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Count == nil || a.Count.Events != 2 {
		t.Errorf("count %+v, want the client's 2 requests of the route", a.Count)
	}
}

// TestCampaignStepsCoverEveryMember: asked about as a campaign's, a step
// scoped to "this client" or "this address" covers every member group,
// so the wave's two successful logins (302) show beside its failures.
func TestCampaignStepsCoverEveryMember(t *testing.T) {
	c := triage.NewCollection(0)
	var members []triage.GroupKey
	for i, status := range []int{401, 401, 302, 401, 302} {
		ip := fmt.Sprintf("240.0.0.%d", i+1)
		ua := "wave/1." + fmt.Sprint(i%2)
		ev, err := triage.ParseEvent([]byte(fmt.Sprintf(`{"@timestamp":%q,"event":{"id":"w%d"},"source":{"ip":%q},"user_agent":{"original":%q},`+
			`"http":{"request":{"method":"POST"},"response":{"status_code":%d}},"url":{"path":"/login"}}`,
			t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i, ip, ua, status)), "test")
		if err != nil {
			t.Fatal(err)
		}
		c.AddEvent(ev)
		members = append(members, triage.GroupKey{SourceIP: netip.MustParseAddr(ip), UserAgent: ua})
	}
	// Another client's request, which no member made.
	other, _ := triage.ParseEvent([]byte(`{"@timestamp":"2024-03-14T09:00:00Z","event":{"id":"o"},"source":{"ip":"198.51.100.1"},"user_agent":{"original":"wave/1.0"},"http":{"response":{"status_code":302}}}`), "test")
	c.AddEvent(other)
	f := triage.Finding{Detector: "appsensor:AE11", SourceIP: members[0].SourceIP, UserAgent: members[0].UserAgent, Timestamp: t0}
	f.AddEvidence(mustEvent(c, "w0"))

	for _, scope := range []string{"source", "ip"} {
		act := mustAction("values field=http.response.status_code scope=" + scope)
		alone, err := Values(act, f, c)
		if err != nil {
			t.Fatal(err)
		}
		if len(alone.Values) != 1 || alone.Values[0] != (ValueCount{"401", 1}) {
			t.Errorf("%s, the finding's own group: %v", scope, alone.Values)
		}
		a, err := Run(act, f, c, With{Members: members})
		if err != nil {
			t.Fatal(err)
		}
		want := []ValueCount{{"401", 3}, {"302", 2}}
		if a.Values == nil || !slices.Equal(a.Values.Values, want) || a.Values.Coverage.Members != 5 {
			t.Errorf("%s, the campaign's: %+v, want %v over 5 groups", scope, a.Values, want)
		}
	}
}
