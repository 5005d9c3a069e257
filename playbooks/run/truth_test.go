package run_test

import (
	"fmt"
	"maps"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/playbooks"
	"picket/playbooks/run"
	"picket/triage"
)

// Ground truth for the shipped checklist answers. The planted requests
// carry what is true of them (a login attempt, whether its credentials
// worked, the name tried, the route) as the scenario plants them; the
// expected answers are counted from those facts, never from the
// functions under test, and the shipped steps must give the same answer.

var base = time.Date(2024, 3, 14, 9, 0, 0, 0, time.UTC)

// req is one planted request: what an APM agent records of it, and the
// truth about it.
type req struct {
	ip, ua        string
	method, path  string
	route         string // transaction.name; "" for a source that records none
	status        int    // 0: the agent recorded no status
	outcome       string // event.outcome as APM writes it (success below 500)
	body, ctype   string // http.request.body.original and its Content-Type
	location      string // Location response header, when recorded
	userName      string // user.name: set by the application once logged in
	at            time.Duration
	seq           int
	login, worked bool   // truth: a login attempt, and whether it let the client in
	tried         string // truth: the user name a login tried
}

func (r req) doc() string {
	resp := ""
	if r.status != 0 {
		resp = fmt.Sprintf(`"status_code":%d`, r.status)
	}
	if r.location != "" {
		if resp != "" {
			resp += ","
		}
		resp += fmt.Sprintf(`"headers":{"Location":[%q]}`, r.location)
	}
	reqBody := ""
	if r.body != "" {
		reqBody = fmt.Sprintf(`,"body":{"original":%q},"headers":{"Content-Type":[%q]}`, r.body, r.ctype)
	}
	extra := ""
	if r.route != "" {
		extra += fmt.Sprintf(`,"transaction":{"name":%q}`, r.route)
	}
	if r.userName != "" {
		extra += fmt.Sprintf(`,"user":{"name":%q}`, r.userName)
	}
	return fmt.Sprintf(`{"@timestamp":%q,"event":{"id":"e%d","outcome":%q},"processor":{"event":"transaction"},"source":{"ip":%q},"user_agent":{"original":%q},`+
		`"http":{"request":{"method":%q%s},"response":{%s}},"url":{"path":%q}%s}`,
		base.Add(r.at).Format(time.RFC3339Nano), r.seq, r.outcome, r.ip, r.ua, r.method, reqBody, resp, r.path, extra)
}

// apmOutcome is what APM writes in event.outcome: a failure only for 5xx.
func apmOutcome(status int) string {
	if status >= 500 {
		return "failure"
	}
	return "success"
}

// The planted clients.
const (
	stuffIP, stuffUA = "2001:db8::66", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0"
	otherIP, otherUA = "198.51.100.23", "python-requests/2.31"
	scanIP, scanUA   = "203.0.113.50", "gobuster/3.6"
	botIP, botUA     = "192.0.2.80", "Mozilla/5.0 (X11; Linux x86_64) Chrome/123.0"
	productRoute     = "GET /products/:id"
)

// world is the planted data: a credential-stuffing client whose failed
// logins name the user only in the body and whose successes are
// redirects, a second client trying some of the same names, a scanner,
// and a price bot behind most of a product route among ordinary
// visitors.
type world struct {
	reqs []req
	c    *triage.Collection
}

func plant(t *testing.T, failed, succeeded int) *world {
	t.Helper()
	w := &world{}
	add := func(r req) {
		r.seq = len(w.reqs) + 1
		if r.outcome == "" && r.status != 0 {
			r.outcome = apmOutcome(r.status)
		}
		w.reqs = append(w.reqs, r)
	}
	form := func(name string) string {
		return "csrf_token=4f2a9c&username=" + url.QueryEscape(name) + "&password=[REDACTED]"
	}
	const ctForm = "application/x-www-form-urlencoded"
	login := func(ip, ua, name string, status int, at time.Duration) req {
		return req{ip: ip, ua: ua, method: "POST", path: "/login", route: "POST /login", status: status,
			body: form(name), ctype: ctForm, at: at, login: true, tried: name}
	}

	// The stuffing client: the form first, then failed logins, with
	// default accounts tried again and again. The hits fall among them,
	// the application redirecting into the account and naming the user
	// from then on; the last hit comes after every failure, when the
	// finding about the failures has ended.
	add(req{ip: stuffIP, ua: stuffUA, method: "GET", path: "/login", route: "GET /login", status: 200})
	at := time.Minute
	hit := func(i int) {
		name := fmt.Sprintf("customer%02d@example.com", i)
		r := login(stuffIP, stuffUA, name, 302, at)
		r.userName, r.worked = name, true
		if i == 0 {
			r.location = "https://shop.example.com/account"
		}
		add(r)
		add(req{ip: stuffIP, ua: stuffUA, method: "GET", path: "/account", route: "GET /account", status: 200, userName: name, at: at + time.Second})
		at += 3 * time.Second
	}
	hits := 0
	for i := range failed {
		if hits < succeeded-1 && i == (hits+1)*failed/succeeded {
			hit(hits)
			hits++
		}
		name := fmt.Sprintf("user%03d@example.net", i)
		switch i % 10 {
		case 3:
			name = "admin"
		case 7:
			name = "test"
		}
		r := login(stuffIP, stuffUA, name, 401, at)
		switch i % 50 {
		case 11:
			r.status = 403 // a locked account
		case 23:
			r.status, r.location = 302, "/login?error=1" // sent back to the form
		case 37:
			r.status = 429 // throttled
		case 41:
			// An agent that recorded no status: the outcome decides.
			r.status, r.outcome = 0, "failure"
		}
		add(r)
		at += 3 * time.Second
	}
	for hits < succeeded {
		hit(hits)
		hits++
	}
	// A JSON login API the same client tried once.
	add(req{ip: stuffIP, ua: stuffUA, method: "POST", path: "/api/v1/auth/login", route: "POST /api/v1/auth/login", status: 401,
		body: `{"email":"json.user@example.org","password":"[REDACTED]"}`, ctype: "application/json", at: at, login: true, tried: "json.user@example.org"})

	// Another client tries admin and two of the stuffing client's names.
	for i, name := range []string{"admin", "admin", "user001@example.net", "customer00@example.com"} {
		add(login(otherIP, otherUA, name, 401, time.Duration(i+2)*time.Minute))
	}

	// A scanner: unknown paths, and a POST that is no login.
	for i := range 40 {
		add(req{ip: scanIP, ua: scanUA, method: "GET", path: fmt.Sprintf("/backup-%d.zip", i), route: "GET unknown route", status: 404, at: time.Duration(i) * time.Second})
	}
	add(req{ip: scanIP, ua: scanUA, method: "POST", path: "/xmlrpc.php", route: "POST unknown route", status: 405, at: time.Minute})

	// The price bot walks product pages; visitors browse a few products
	// and the cart.
	for i := range 84 {
		add(req{ip: botIP, ua: botUA, method: "GET", path: fmt.Sprintf("/products/%d", 1000+i), route: productRoute, status: 200,
			at: 30*time.Minute + time.Duration(i)*10*time.Second})
	}
	for range 4 {
		add(req{ip: botIP, ua: botUA, method: "GET", path: "/api/prices", route: "GET /api/prices", status: 200, at: 45 * time.Minute})
	}
	for v := range 5 {
		ip := fmt.Sprintf("192.0.2.%d", 10+v)
		for j := range v + 1 {
			add(req{ip: ip, ua: "Mozilla/5.0 (Macintosh) Safari/17.4", method: "GET", path: fmt.Sprintf("/products/%d", 1000+j*7),
				route: productRoute, status: 200, at: 40*time.Minute + time.Duration(v*j)*time.Second})
		}
		add(req{ip: ip, ua: "Mozilla/5.0 (Macintosh) Safari/17.4", method: "GET", path: "/cart", route: "GET /cart", status: 200, at: 41 * time.Minute})
	}
	// A source without routes: method and path stand in.
	add(req{ip: "192.0.2.99", ua: "curl/8.5.0", method: "GET", path: "/products/1001", status: 200, at: 44 * time.Minute})

	w.c = triage.NewCollection(0)
	for _, r := range w.reqs {
		ev, err := triage.ParseEvent([]byte(r.doc()), "plant")
		if err != nil {
			t.Fatalf("%s: %v", r.doc(), err)
		}
		w.c.AddEvent(ev)
	}
	return w
}

// where returns the planted requests that satisfy pred.
func (w *world) where(pred func(req) bool) []req {
	var out []req
	for _, r := range w.reqs {
		if pred(r) {
			out = append(out, r)
		}
	}
	return out
}

// finding cites the planted requests pred selects (at most ten) and
// spans them; the actor is the first one's.
func (w *world) finding(t *testing.T, detector string, pred func(req) bool) triage.Finding {
	t.Helper()
	cited := w.where(pred)
	if len(cited) == 0 {
		t.Fatal("the finding cites nothing")
	}
	f := triage.Finding{Detector: detector, SourceIP: netip.MustParseAddr(cited[0].ip), UserAgent: cited[0].ua,
		Timestamp: base.Add(cited[0].at), End: base.Add(cited[0].at)}
	for _, r := range cited {
		f.Timestamp = minTime(f.Timestamp, base.Add(r.at))
		if at := base.Add(r.at); at.After(f.End) {
			f.End = at
		}
	}
	for _, r := range cited[:min(len(cited), 10)] {
		ev, ok := w.c.EventByID(fmt.Sprintf("e%d", r.seq))
		if !ok {
			t.Fatalf("e%d not kept", r.seq)
		}
		f.AddEvidence(ev)
	}
	return f
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// during selects the planted requests in an answer's window (the whole
// run when it has none). The window is the action's look-back from the
// finding's end, which the test sets from the requests it cites.
func during(cov run.Coverage) func(req) bool {
	return func(r req) bool {
		at := base.Add(r.at)
		return cov.Window == 0 || (!at.Before(cov.From) && !at.After(cov.To))
	}
}

// shipped is the action a shipped playbook gives a step.
func shipped(t *testing.T, detector, item string) playbooks.Action {
	t.Helper()
	pb, ok := playbooks.For(detector)
	if !ok {
		t.Fatalf("no playbook for %s", detector)
	}
	it, ok := pb.Item(item)
	if !ok || it.Action == nil {
		t.Fatalf("%s has no step %s with an action", detector, item)
	}
	return *it.Action
}

// countBy counts the planted requests by key; "" keys are left out.
func countBy(rs []req, key func(req) string) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		if k := key(r); k != "" {
			out[k]++
		}
	}
	return out
}

func valueMap(v *run.ValueCounts) map[string]int {
	out := map[string]int{}
	for _, vc := range v.Values {
		out[vc.Value] = vc.Count
	}
	return out
}

func outcomeOf(r req) string {
	switch {
	case !r.login:
		return ""
	case r.worked:
		return run.OutcomeSuccess
	}
	return run.OutcomeFailure
}

func sameAddr(ip string) func(req) bool { return func(r req) bool { return r.ip == ip } }

func fromClient(ip, ua string) func(req) bool {
	return func(r req) bool { return r.ip == ip && r.ua == ua }
}

func both(a, b func(req) bool) func(req) bool { return func(r req) bool { return a(r) && b(r) } }

func TestShippedAnswersAgainstTruth(t *testing.T) {
	sizes := []struct{ failed, succeeded int }{{400, 2}, {120, 5}, {30, 0}}
	for _, size := range sizes {
		w := plant(t, size.failed, size.succeeded)
		stuffer := fromClient(stuffIP, stuffUA)
		failedLogin := func(r req) bool { return r.login && !r.worked }
		ae1 := w.finding(t, "appsensor:AE1", both(stuffer, failedLogin))
		ae2 := w.finding(t, "appsensor:AE2", both(stuffer, func(r req) bool { return r.tried == "admin" }))
		ae2.UserName = "admin"
		ste3 := w.finding(t, "appsensor:STE3", both(sameAddr(botIP), func(r req) bool { return r.route == productRoute }))
		ut1 := w.finding(t, "appsensor:UT1", sameAddr(botIP))
		var queued []triage.GroupKey
		for _, ip := range []string{stuffIP, otherIP, scanIP, botIP} {
			r := w.where(sameAddr(ip))[0]
			queued = append(queued, triage.GroupKey{SourceIP: netip.MustParseAddr(ip), UserAgent: r.ua})
		}

		tests := []struct {
			name, detector, item string
			f                    triage.Finding
			check                func(t *testing.T, a run.Answer)
		}{
			{"login success from the status and redirects", "appsensor:AE1", "inv-success", ae1, func(t *testing.T, a run.Answer) {
				in := both(stuffer, during(a.Values.Coverage))
				want := countBy(w.where(in), outcomeOf)
				if got := valueMap(a.Values); !maps.Equal(got, want) {
					t.Errorf("outcomes %v, want %v", got, want)
				}
				if a.Values.With != len(w.where(both(in, func(r req) bool { return r.login }))) {
					t.Errorf("%d login attempts, want every one of the client's", a.Values.With)
				}
				if want[run.OutcomeSuccess] != size.succeeded {
					t.Errorf("the step looks at %d of the %d successes planted", want[run.OutcomeSuccess], size.succeeded)
				}
			}},
			{"the accounts that got in", "appsensor:AE1", "inv-success-users", ae1, func(t *testing.T, a run.Answer) {
				in := both(stuffer, during(a.Values.Coverage))
				want := countBy(w.where(both(in, func(r req) bool { return r.worked })), func(r req) string { return r.tried })
				if got := valueMap(a.Values); !maps.Equal(got, want) {
					t.Errorf("accounts %v, want %v", got, want)
				}
			}},
			{"usernames tried, from the body", "appsensor:AE1", "inv-usernames", ae1, func(t *testing.T, a run.Answer) {
				want := countBy(w.where(both(stuffer, during(a.Values.Coverage))), func(r req) string { return r.tried })
				if got := valueMap(a.Values); !maps.Equal(got, want) {
					t.Errorf("%d names %v…, want %d", len(got), a.Values.Values[:min(5, len(a.Values.Values))], len(want))
				}
			}},
			{"login rate", "appsensor:AE1", "inv-rate", ae1, func(t *testing.T, a run.Answer) {
				want := len(w.where(func(r req) bool { return stuffer(r) && r.login && during(a.Count.Coverage)(r) }))
				if a.Count.Events != want || want == 0 {
					t.Errorf("%d attempts in the hour, want %d", a.Count.Events, want)
				}
			}},
			{"the targeted name from other addresses", "appsensor:AE2", "inv-other-sources", ae2, func(t *testing.T, a run.Answer) {
				others := w.where(func(r req) bool { return r.tried == "admin" && !stuffer(r) && during(a.Pivot.Coverage)(r) })
				srcs := countBy(others, func(r req) string { return r.ip + " " + r.ua })
				if a.Pivot.Sources != len(srcs) || a.Pivot.Events != len(others) || !slices.Equal(a.Pivot.Values, []string{"admin"}) {
					t.Errorf("pivot %d sources %d events on %v, want %d, %d on admin", a.Pivot.Sources, a.Pivot.Events, a.Pivot.Values, len(srcs), len(others))
				}
				if len(a.Pivot.Queued) != len(srcs) {
					t.Errorf("queued %v", a.Pivot.Queued)
				}
			}},
			{"site surge: addresses on the route, not one URL", "appsensor:STE3", "inv-sources", ste3, func(t *testing.T, a run.Answer) {
				want := countBy(w.where(func(r req) bool { return r.route == productRoute && during(a.Values.Coverage)(r) }), func(r req) string { return r.ip })
				if got := valueMap(a.Values); !maps.Equal(got, want) {
					t.Errorf("addresses %v, want %v", got, want)
				}
			}},
			{"routes dominating the bot's visit, with their share", "appsensor:UT1", "inv-pages", ut1, func(t *testing.T, a run.Answer) {
				in := during(a.Routes.Coverage)
				mine := countBy(w.where(both(fromClient(botIP, botUA), in)), func(r req) string { return r.route })
				all := countBy(w.where(in), func(r req) string {
					if r.route == "" {
						return r.method + " " + r.path
					}
					return r.route
				})
				if len(a.Routes.Routes) != len(mine) {
					t.Fatalf("routes %+v, want %v", a.Routes.Routes, mine)
				}
				for i, rs := range a.Routes.Routes {
					addrs := countBy(w.where(func(r req) bool { return r.route == rs.Route && in(r) }), func(r req) string { return r.ip })
					if rs.Requests != mine[rs.Route] || rs.Site != all[rs.Route] || rs.Addresses != len(addrs) {
						t.Errorf("%s: %d of %d from %d addresses, want %d of %d from %d", rs.Route, rs.Requests, rs.Site, rs.Addresses,
							mine[rs.Route], all[rs.Route], len(addrs))
					}
					if i > 0 && a.Routes.Routes[i-1].Requests < rs.Requests {
						t.Errorf("not ordered: %v", a.Routes.Routes)
					}
				}
			}},
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%d+%d/%s", size.failed, size.succeeded, tc.name), func(t *testing.T) {
				act := shipped(t, tc.detector, tc.item)
				a, err := run.Run(act, tc.f, w.c, run.With{Queued: queued, Now: base.Add(24 * time.Hour)})
				if err != nil {
					t.Fatalf("%s: %v", act, err)
				}
				tc.check(t, a)
			})
		}
	}
}

// TestOldQueriesWereWrong keeps the reason for the change: the queries
// the steps used to run give other answers than the truth on the same
// data.
func TestOldQueriesWereWrong(t *testing.T) {
	w := plant(t, 400, 2)
	stuffer := fromClient(stuffIP, stuffUA)
	ae1 := w.finding(t, "appsensor:AE1", both(stuffer, func(r req) bool { return r.login && !r.worked }))
	ste3 := w.finding(t, "appsensor:STE3", both(sameAddr(botIP), func(r req) bool { return r.route == productRoute }))
	worked := len(w.where(both(stuffer, func(r req) bool { return r.worked })))
	tried := len(countBy(w.where(stuffer), func(r req) string { return r.tried }))
	onRoute := len(w.where(func(r req) bool { return r.route == productRoute }))
	tests := []struct {
		name   string
		action string
		f      triage.Finding
		got    func(run.Answer) int
		truth  int
	}{
		{"event.outcome counts 401s as successes", `count query="event.outcome:success and http.request.method:(POST or post)" window=24h`, ae1,
			func(a run.Answer) int { return a.Count.Events }, worked},
		{"user.name misses the names in the body", `values field=user.name window=24h top=20`, ae1,
			func(a run.Answer) int { return len(a.Values.Values) }, tried},
		{"one URL is not the route", `values field=source.ip query="url.path:{{url.path}}" window=1h scope=site top=20`, ste3,
			func(a run.Answer) int { return a.Values.With }, onRoute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := run.Run(mustParse(t, tc.action), tc.f, w.c, run.With{})
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.got(a); got == tc.truth {
				t.Errorf("the old query answers %d, the truth: it was right after all", got)
			} else {
				t.Logf("old answer %d, truth %d", got, tc.truth)
			}
		})
	}
}

func mustParse(t *testing.T, s string) playbooks.Action {
	t.Helper()
	a, err := playbooks.ParseAction(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRoutesScopes checks the routes action's arithmetic on a query and
// across scopes against the planted requests.
func TestRoutesScopes(t *testing.T) {
	w := plant(t, 20, 1)
	bot := fromClient(botIP, botUA)
	f := w.finding(t, "appsensor:UT4", both(bot, func(r req) bool { return r.route == productRoute }))
	tests := []struct {
		action string
		mine   func(req) bool
		site   func(req) bool
	}{
		{`routes window=24h`, bot, func(req) bool { return true }},
		{`routes query="picket.route:{{picket.route}}" window=24h`, both(bot, func(r req) bool { return r.route == productRoute }),
			func(r req) bool { return r.route == productRoute }},
		{`routes query="url.path:/products/1000" window=24h`, both(bot, func(r req) bool { return r.path == "/products/1000" }),
			func(r req) bool { return r.path == "/products/1000" }},
		{`routes scope=ip window=24h`, sameAddr(botIP), func(req) bool { return true }},
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			a, err := run.Run(mustParse(t, tc.action), f, w.c, run.With{})
			if err != nil {
				t.Fatal(err)
			}
			in := during(a.Routes.Coverage)
			mine := countBy(w.where(both(tc.mine, in)), func(r req) string { return r.route })
			site := countBy(w.where(both(tc.site, in)), func(r req) string { return r.route })
			got := map[string]int{}
			for _, rs := range a.Routes.Routes {
				got[rs.Route] = rs.Requests
				if rs.Site != site[rs.Route] {
					t.Errorf("%s: %d site-wide, want %d", rs.Route, rs.Site, site[rs.Route])
				}
				if s := rs.Share(); s <= 0 || s > 1 {
					t.Errorf("%s: share %v", rs.Route, s)
				}
			}
			if !maps.Equal(got, mine) || a.Routes.Matched != len(w.where(both(tc.mine, in))) {
				t.Errorf("routes %v (matched %d), want %v", got, a.Routes.Matched, mine)
			}
		})
	}
}

// TestUserScopeIncludesLoginAttempts: scope=user finds the failed logins
// as the user, which carry the name only in the body.
func TestUserScopeIncludesLoginAttempts(t *testing.T) {
	w := plant(t, 60, 1)
	f := w.finding(t, "appsensor:AE12", func(r req) bool { return r.tried == "admin" })
	f.UserName = ""
	a, err := run.Run(shipped(t, "appsensor:AE12", "fp-admin-user"), f, w.c, run.With{})
	if err != nil {
		t.Fatal(err)
	}
	want := countBy(w.where(func(r req) bool {
		return (r.tried == "admin" || r.userName == "admin") && during(a.Values.Coverage)(r)
	}), func(r req) string { return r.ip })
	if got := valueMap(a.Values); !maps.Equal(got, want) || a.Values.Coverage.Actor != "admin" {
		t.Errorf("addresses %v for %q, want %v", got, a.Values.Coverage.Actor, want)
	}
}

// TestShippedStepsUseTheOwners: no shipped step reads event.outcome or
// user.name to judge a login, and page steps count routes.
func TestShippedStepsUseTheOwners(t *testing.T) {
	for _, pb := range playbooks.All() {
		for _, it := range pb.Items() {
			if it.Action == nil {
				continue
			}
			s := it.Action.String()
			if strings.Contains(s, "event.outcome") && strings.Contains(s, "POST") {
				t.Errorf("%s %s judges logins by event.outcome: %s", pb.ID, it.ID, s)
			}
			if strings.Contains(s, "url.path:*login*") {
				t.Errorf("%s %s finds logins by a path pattern: %s", pb.ID, it.ID, s)
			}
			if it.Action.Kind == playbooks.ActValues && it.Action.Field == "user.name" && strings.Contains(pb.ID, "login") {
				t.Errorf("%s %s lists user.name, which failed logins lack: %s", pb.ID, it.ID, s)
			}
		}
	}
}
