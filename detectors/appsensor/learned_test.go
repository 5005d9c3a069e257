package appsensor

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/triage"
	"picket/triage/demo"
)

// runLearned feeds the requests to every learned point (whatever the
// catalogue says) and returns the findings by detector id.
func runLearned(t testing.TB, opts Options, evs []*triage.Event) (map[string][]triage.Finding, *learnedSet) {
	t.Helper()
	ls := newLearned(opts, &partsCache{})
	out := map[string][]triage.Finding{}
	emit := func(f triage.Finding) {
		if len(f.Evidence) == 0 {
			t.Errorf("%s raised a finding without evidence: %+v", f.Detector, f)
		}
		out[f.Detector] = append(out[f.Detector], f)
	}
	for _, ev := range evs {
		for _, d := range ls.points {
			d.Observe(ev, emit)
		}
	}
	for _, d := range ls.points {
		d.Flush(emit)
	}
	return out, ls
}

// events builds the requests (in time order) as events "r0", "r1", ...
func events(t *testing.T, reqs []rq) []*triage.Event {
	t.Helper()
	slices.SortStableFunc(reqs, func(a, b rq) int { return cmp.Compare(a.at, b.at) })
	evs := make([]*triage.Event, len(reqs))
	for i, r := range reqs {
		evs[i] = r.event(t, fmt.Sprintf("r%d", i))
	}
	return evs
}

// midnight is t0's day at 00:00, as an offset from t0.
const midnight = -12 * time.Hour

// crowd makes n requests spread over actors distinct addresses, one every
// step from start; mk fills in the rest.
func crowd(n, actors int, start, step time.Duration, mk func(i int, r *rq)) []rq {
	out := make([]rq, n)
	for i := range out {
		out[i] = rq{at: start + time.Duration(i)*step, ip: fmt.Sprintf("10.0.%d.%d", i%actors/250, i%actors%250+1), status: 200}
		mk(i, &out[i])
	}
	return out
}

// findingsFrom returns the findings of det about the address ip.
func findingsFrom(got map[string][]triage.Finding, det, ip string) []triage.Finding {
	var out []triage.Finding
	for _, f := range got[det] {
		if f.SourceIP.String() == ip {
			out = append(out, f)
		}
	}
	return out
}

const attackerIP = "203.0.113.66"

var words = []string{"boots", "socks", "coffee", "mug", "lamp", "chair", "desk", "poster", "scarf", "hat"}

// methodBaseline: /search only ever sees GET, /checkout only POST, /cart
// both; 150 successful requests each from 30 actors.
func methodBaseline() []rq {
	var reqs []rq
	reqs = append(reqs, crowd(150, 30, 0, 4*time.Second, func(i int, r *rq) {
		r.url = "/search?q=" + words[i%len(words)]
	})...)
	reqs = append(reqs, crowd(150, 30, time.Second, 4*time.Second, func(i int, r *rq) {
		r.method, r.url, r.body, r.status = "POST", "/checkout", "item=1", 302
	})...)
	reqs = append(reqs, crowd(150, 30, 2*time.Second, 4*time.Second, func(i int, r *rq) {
		r.url = "/cart"
		if i%2 == 1 {
			r.method, r.body = "POST", "item=2"
		}
	})...)
	return reqs
}

func TestLearnedMethods(t *testing.T) {
	at := time.Hour
	attack := func(method, url string, n int) []rq {
		var out []rq
		for i := range n {
			out = append(out, rq{at: at + time.Duration(i)*30*time.Second, ip: attackerIP, method: method, url: url, status: 405})
		}
		return out
	}
	tests := []struct {
		name     string
		attack   []rq
		det      string
		hit      bool
		inReason string
	}{
		{"POST on a GET-only route", attack("POST", "/search", 1), "appsensor:RE4", true, "POST on GET-only route GET /search (learned from 150 successful requests by 30 other actors)"},
		{"GET on a POST-only route, 3 times", attack("GET", "/checkout", 3), "appsensor:RE3", true, "GET on POST-only route POST /checkout"},
		{"GET on a POST-only route once", attack("GET", "/checkout", 1), "appsensor:RE3", false, ""},
		{"TRACE at once", attack("TRACE", "/search", 1), "appsensor:RE1", true, "TRACE on /search, where other actors used only GET"},
		{"PUT 3 times", attack("PUT", "/cart", 3), "appsensor:RE1", true, "PUT on /cart, where other actors used only GET, POST"},
		{"PUT once", attack("PUT", "/cart", 1), "appsensor:RE1", false, ""},
		{"TRACE on a route never seen: site-wide", attack("TRACE", "/nowhere", 1), "appsensor:RE1", true, "no other actor used successfully anywhere on the site"},
		{"HEAD passes", attack("HEAD", "/checkout", 3), "appsensor:RE1", false, ""},
		{"OPTIONS passes", attack("OPTIONS", "/search", 3), "appsensor:RE1", false, ""},
		{"a known method", attack("POST", "/cart", 3), "appsensor:RE1", false, ""},
		{"lower-case get", attack("get", "/search", 3), "appsensor:RE1", false, ""},
		{"POST on /cart is no RE4", attack("POST", "/cart", 3), "appsensor:RE4", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := runLearned(t, Options{}, events(t, append(methodBaseline(), tt.attack...)))
			fs := findingsFrom(got, tt.det, attackerIP)
			if (len(fs) > 0) != tt.hit {
				t.Fatalf("%s fired %d times, want hit=%v: %+v", tt.det, len(fs), tt.hit, fs)
			}
			if tt.hit && !strings.Contains(fs[0].Reason, tt.inReason) {
				t.Errorf("reason %q lacks %q", fs[0].Reason, tt.inReason)
			}
			for det, fs := range got {
				for _, f := range fs {
					if f.SourceIP.String() != attackerIP && f.SourceIP.IsValid() {
						t.Errorf("%s fired on ordinary traffic: %s", det, f.Reason)
					}
				}
			}
		})
	}
}

// TestLearnedActorCannotTeachItself: an actor whose 500 POSTs to a
// GET-only route succeed does not make POST normal there.
func TestLearnedActorCannotTeachItself(t *testing.T) {
	reqs := methodBaseline()
	for i := range 500 {
		reqs = append(reqs, rq{at: time.Hour + time.Duration(i)*time.Second, ip: attackerIP, method: "POST", url: "/search", status: 200})
	}
	got, _ := runLearned(t, Options{}, events(t, reqs))
	fs := findingsFrom(got, "appsensor:RE4", attackerIP)
	if len(fs) != 1 || fs[0].EventCount != 500 {
		t.Fatalf("RE4 = %d findings %+v, want one citing all 500 requests", len(fs), fs)
	}
}

// paramBaseline: 150 searches by 30 actors with q always, page mostly,
// headers captured without Host (as Go's net/http records them), tracking
// parameters now and then; 150 contact forms with free text and a
// 32-character token.
func paramBaseline() []rq {
	var reqs []rq
	reqs = append(reqs, crowd(150, 30, 0, 4*time.Second, func(i int, r *rq) {
		r.url = "/search?q=" + words[i%len(words)]
		if i%3 != 0 {
			r.url += fmt.Sprintf("&page=%d", i%9+1)
		}
		if i%7 == 0 {
			r.url += "&utm_source=newsletter"
		}
		r.headers = map[string]string{"User-Agent": "Mozilla/5.0", "Accept": "text/html"}
	})...)
	reqs = append(reqs, crowd(150, 30, 2*time.Second, 4*time.Second, func(i int, r *rq) {
		msg := strings.Repeat("hello there ", 1+i%16)
		r.method, r.url, r.status = "POST", "/contact", 302
		r.body = fmt.Sprintf("name=n%d&message=%s&csrf=%032x", i, strings.ReplaceAll(msg, " ", "+"), i+1)
	})...)
	return reqs
}

func TestLearnedParameters(t *testing.T) {
	at := time.Hour
	times := func(n int, r rq) []rq {
		var out []rq
		for i := range n {
			r.at, r.ip = at+time.Duration(i)*30*time.Second, attackerIP
			if r.status == 0 {
				r.status = 200
			}
			out = append(out, r)
		}
		return out
	}
	hdr := map[string]string{"User-Agent": "Mozilla/5.0", "Accept": "text/html"}
	long := strings.Repeat("a", 300)
	tests := []struct {
		name     string
		attack   []rq
		det      string
		hit      bool
		inReason string
	}{
		{"RE5 a parameter nobody sends", times(3, rq{url: "/search?q=boots&debug=1", headers: hdr}), "appsensor:RE5", true, "query parameter debug never seen on GET /search"},
		{"RE5 once is not enough", times(1, rq{url: "/search?q=boots&debug=1", headers: hdr}), "appsensor:RE5", false, ""},
		{"RE5 tracking parameters pass", times(3, rq{url: "/search?q=boots&utm_campaign=x&gclid=y&fbclid=z&msclkid=w&_ga=1&mc_eid=2&ref=home", headers: hdr}), "appsensor:RE5", false, ""},
		{"RE5 a repeated parameter", times(3, rq{url: "/search?q=boots&q=socks", headers: hdr}), "appsensor:RE5", true, "query parameter q sent 2 times"},
		{"RE5 a new form field", times(3, rq{method: "POST", url: "/contact", body: "name=x&message=hi&csrf=" + strings.Repeat("a", 32) + "&admin=true"}), "appsensor:RE5", true, "form field admin never seen on POST /contact"},
		{"RE6 the query always carries q", times(3, rq{url: "/search?page=2", headers: hdr}), "appsensor:RE6", true, "query parameter q missing on GET /search"},
		{"RE6 the form always carries csrf", times(3, rq{method: "POST", url: "/contact", body: "name=x&message=hi"}), "appsensor:RE6", true, "form field csrf missing"},
		{"RE6 optional page may be missing", times(3, rq{url: "/search?q=boots", headers: hdr}), "appsensor:RE6", false, ""},
		{"RE6 Accept and User-Agent missing", times(3, rq{url: "/search?q=boots", headers: map[string]string{"Referer": "https://x.example/"}}), "appsensor:RE6", true, "User-Agent, Accept header missing on GET /search"},
		{"RE6 Host is never captured here", times(3, rq{url: "/search?q=boots", headers: hdr}), "appsensor:RE6", false, ""},
		{"RE6 headers not captured at all", times(3, rq{url: "/search?q=boots"}), "appsensor:RE6", false, ""},
		{"RE7 an overlong value", times(1, rq{url: "/search?q=" + long, headers: hdr}), "appsensor:RE7", true, "query parameter q is 300 characters on GET /search, longest learned 6"},
		{"RE7 a token cut short", times(1, rq{method: "POST", url: "/contact", body: "name=x&message=hi&csrf=ab"}), "appsensor:RE7", true, "form field csrf is 2 characters on POST /contact, shortest learned 32"},
		{"RE7 long free text within reason", times(1, rq{method: "POST", url: "/contact", body: "name=x&csrf=" + strings.Repeat("a", 32) + "&message=" + strings.Repeat("word+", 200)}), "appsensor:RE7", false, ""},
		{"RE7 an overlong name", times(1, rq{url: "/search?q=boots&" + strings.Repeat("n", 150) + "=1", headers: hdr}), "appsensor:RE7", true, "query parameter name of 150 characters"},
		{"RE7 an unlearned query value over the cap", times(1, rq{url: "/unlearned?token=" + strings.Repeat("t", 5000)}), "appsensor:RE7", true, "holds 5000 characters and has no learned range"},
		{"RE7 unlearned free text is not capped", times(1, rq{method: "POST", url: "/unlearned", body: "comment=" + strings.Repeat("word+", 1000)}), "appsensor:RE7", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := runLearned(t, Options{}, events(t, append(paramBaseline(), tt.attack...)))
			fs := findingsFrom(got, tt.det, attackerIP)
			if (len(fs) > 0) != tt.hit {
				t.Fatalf("%s fired %d times, want hit=%v: %+v", tt.det, len(fs), tt.hit, fs)
			}
			if tt.hit && !strings.Contains(fs[0].Reason, tt.inReason) {
				t.Errorf("reason %q lacks %q", fs[0].Reason, tt.inReason)
			}
			for det, fs := range got {
				for _, f := range fs {
					if f.SourceIP.String() != attackerIP && f.SourceIP.IsValid() {
						t.Errorf("%s fired on ordinary traffic: %s", det, f.Reason)
					}
				}
			}
		})
	}
}

// TestLearnedNewParameterAdopted: a parameter a release adds is used by
// many actors; none of them is reported, not even the first who used it
// three times before the others caught up.
func TestLearnedNewParameterAdopted(t *testing.T) {
	reqs := paramBaseline()
	at := time.Hour
	first := "198.51.100.200"
	reqs = append(reqs,
		rq{at: at, ip: first, url: "/search?q=boots&sort=price", status: 200},
		rq{at: at + 20*time.Second, ip: "198.51.100.201", url: "/search?q=socks&sort=price", status: 200},
		rq{at: at + 40*time.Second, ip: first, url: "/search?q=boots&sort=name", status: 200},
		rq{at: at + 60*time.Second, ip: first, url: "/search?q=boots&sort=new", status: 200},
	)
	for i := range 40 {
		for k := range 3 {
			reqs = append(reqs, rq{at: at + 2*time.Minute + time.Duration(i*3+k)*10*time.Second, ip: fmt.Sprintf("198.51.101.%d", i+1), url: "/search?q=hat&sort=price", status: 200})
		}
	}
	got, _ := runLearned(t, Options{}, events(t, reqs))
	if fs := got["appsensor:RE5"]; len(fs) != 0 {
		t.Errorf("RE5 fired on an adopted parameter: %v", fs[0].Reason)
	}
}

// dbSpan builds an APM db span recording rowsAffected.
func dbSpan(t testing.TB, id string, at time.Duration, route, stmt string, rows int, outcome string) *triage.Event {
	t.Helper()
	doc := fmt.Sprintf(`{"@timestamp":%q,"event":{"id":%q,"outcome":%q},"processor":{"event":"span"},"transaction":{"name":%q},"span":{"type":"db","subtype":"postgresql","name":%q,"db":{"rows_affected":%d}}}`,
		t0.Add(at).Format(time.RFC3339Nano), id, outcome, route, stmt, rows)
	ev, err := triage.ParseEvent([]byte(doc), "t:1")
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestLearnedCIE2(t *testing.T) {
	baseline := func(n int) []*triage.Event {
		var evs []*triage.Event
		for i := range n {
			evs = append(evs, dbSpan(t, fmt.Sprintf("s%d", i), time.Duration(i)*time.Second, "GET /api/users/:id", "SELECT FROM users", 1+i%5, "success"))
		}
		// Another statement of the same transaction returns more rows.
		for i := range n {
			evs = append(evs, dbSpan(t, fmt.Sprintf("l%d", i), time.Duration(i)*time.Second+time.Millisecond, "GET /api/users/:id", "SELECT FROM orders", 200+i%300, "success"))
		}
		return evs
	}
	tests := []struct {
		name     string
		n        int // baseline spans per statement
		stmt     string
		rows     int
		hit      bool
		inReason string
	}{
		{"ten thousand rows where five are usual", 150, "SELECT FROM users", 10000, true, "10000 rows from SELECT FROM users in GET /api/users/:id (learned 99th percentile at most 5 over 150 spans)"},
		{"under the floor", 150, "SELECT FROM users", 900, false, ""},
		{"a statement that returns hundreds", 150, "SELECT FROM orders", 3000, false, ""},
		{"far above hundreds", 150, "SELECT FROM orders", 90000, true, "90000 rows from SELECT FROM orders"},
		{"before the baseline", 20, "SELECT FROM users", 10000, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := append(baseline(tt.n), dbSpan(t, "odd", time.Hour, "GET /api/users/:id", tt.stmt, tt.rows, "success"))
			got, ls := runLearned(t, Options{}, evs)
			fs := got["appsensor:CIE2"]
			if (len(fs) > 0) != tt.hit {
				t.Fatalf("CIE2 fired %d times, want hit=%v: %+v", len(fs), tt.hit, fs)
			}
			if tt.hit && (!strings.Contains(fs[0].Reason, tt.inReason) || fs[0].Evidence[0].ID != "odd") {
				t.Errorf("finding %q %v lacks %q", fs[0].Reason, fs[0].EventIDs(), tt.inReason)
			}
			if tt.n < DefaultLearn().MinRequests && len(ls.cie2.Lints()) == 0 {
				t.Error("no warm-up lint")
			}
		})
	}
}

// visitReqs is one visit of n dynamic requests over routes distinct
// routes, with a static asset first when static.
func visitReqs(ip, ua string, start time.Duration, n, routes int, static bool) []rq {
	var out []rq
	if static {
		out = append(out, rq{at: start, ip: ip, ua: ua, url: "/static/app.js", status: 200})
	}
	for i := range n {
		out = append(out, rq{at: start + time.Duration(i+1)*5*time.Second, ip: ip, ua: ua, url: fmt.Sprintf("/page%d/view", i%routes), status: 200})
	}
	return out
}

func TestLearnedUT1(t *testing.T) {
	var norm []rq
	for i := range 25 {
		norm = append(norm, visitReqs(fmt.Sprintf("10.1.0.%d", i+1), "Mozilla/5.0", time.Duration(i)*4*time.Minute, 32, 12, true)...)
	}
	later := 3 * time.Hour
	tests := []struct {
		name string
		reqs []rq
		hit  bool
	}{
		{"dynamic pages only, after the norm", append(slices.Clone(norm), visitReqs(attackerIP, "python-requests/2.31", later, 40, 12, false)...), true},
		{"a visitor who fetched assets", append(slices.Clone(norm), visitReqs(attackerIP, "Mozilla/5.0", later, 40, 12, true)...), false},
		{"a declared crawler", append(slices.Clone(norm), visitReqs(attackerIP, "Mozilla/5.0 (compatible; Googlebot/2.1)", later, 40, 12, false)...), false},
		{"few routes", append(slices.Clone(norm), visitReqs(attackerIP, "python-requests/2.31", later, 40, 4, false)...), false},
		{"before the norm is known", visitReqs(attackerIP, "python-requests/2.31", 0, 40, 12, false), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ls := runLearned(t, Options{}, events(t, tt.reqs))
			fs := findingsFrom(got, "appsensor:UT1", attackerIP)
			if (len(fs) > 0) != tt.hit {
				t.Fatalf("UT1 fired %d times, want hit=%v: %+v", len(fs), tt.hit, fs)
			}
			if tt.hit {
				f := fs[0]
				if !strings.Contains(f.Reason, "40 dynamic requests to at least 10 distinct routes in one visit without a single static asset (100% of 25 comparable visits") || f.EventCount != 11 {
					t.Errorf("finding %d events: %s", f.EventCount, f.Reason)
				}
			}
			if tt.name == "before the norm is known" && len(ls.ut1.Lints()) == 0 {
				t.Error("no warm-up lint")
			}
			if len(got["appsensor:UT1"]) != len(fs) {
				t.Errorf("UT1 fired on ordinary visitors: %v", got["appsensor:UT1"])
			}
		})
	}
}

// userDays makes one user's visits: visits[d] visits on day d, each of
// per requests to GET /api/orders, visits 31 minutes apart from 08:00.
func userDays(user string, visits []int, per int) []rq {
	var out []rq
	for d, n := range visits {
		for v := range n {
			for k := range per {
				at := midnight + time.Duration(d)*24*time.Hour + 8*time.Hour + time.Duration(v)*31*time.Minute + time.Duration(k)*10*time.Second
				out = append(out, rq{at: at, ip: "192.0.2.10", user: user, url: "/api/orders", status: 200})
			}
		}
	}
	return out
}

func TestLearnedUT3UT4(t *testing.T) {
	var reqs []rq
	reqs = append(reqs, userDays("alice", []int{2, 2, 2, 2, 2, 2, 15, 15}, 1)...) // UT3: 15 visits, at most 2 before, twice
	reqs = append(reqs, userDays("dave", []int{1, 1, 1, 1, 1, 1, 1}, 10)...)      // UT4 below, on day 7
	reqs = append(reqs, userDays("bob", []int{1, 12, 2, 10, 3, 11, 20}, 5)...)    // bursty: within his history
	reqs = append(reqs, userDays("carol", []int{1, 1, 1, 30}, 3)...)              // too little history
	for k := range 200 {                                                          // dave's day 7: 200 requests in one visit
		reqs = append(reqs, rq{at: midnight + 6*24*time.Hour + 14*time.Hour + time.Duration(k)*5*time.Second, ip: "192.0.2.10", user: "dave", url: "/api/orders", status: 200})
	}
	got, ls := runLearned(t, Options{}, events(t, reqs))
	byUser := func(det string) map[string]triage.Finding {
		m := map[string]triage.Finding{}
		for _, f := range got[det] {
			m[f.UserName] = f
		}
		return m
	}
	ut3, ut4 := byUser("appsensor:UT3"), byUser("appsensor:UT4")
	// A reported day stays out of the history: the second such day is
	// still measured against the ordinary ones.
	if fs := got["appsensor:UT3"]; len(fs) != 2 || !strings.Contains(fs[0].Reason, "15 visits by alice on 2026-11-09, against at most 2 on any of their 6 previous active days") ||
		!strings.Contains(fs[1].Reason, "15 visits by alice on 2026-11-10, against at most 2 on any of their 6 previous active days") {
		t.Errorf("UT3 = %v", fs)
	}
	if f := ut3["alice"]; f.EventCount != 13 { // the visits beyond her busiest day
		t.Errorf("UT3 evidence %d events", f.EventCount)
	}
	if len(ut4) != 1 || !strings.Contains(ut4["dave"].Reason, "210 requests to GET /api/orders by dave on 2026-11-09, against at most 10") {
		t.Errorf("UT4 = %v", got["appsensor:UT4"])
	}
	for _, l := range append(ls.ut3.Lints(), ls.ut4.Lints()...) {
		if l.Count == 0 || !strings.Contains(l.Message, "fewer than 5 earlier active days") {
			t.Errorf("lint %+v", l)
		}
	}
}

func TestLearnedSystemTrends(t *testing.T) {
	day := 24 * time.Hour
	hourly := func(url, method string, status int, hour time.Duration, perDay []int) []rq {
		var out []rq
		for d, n := range perDay {
			for i := range n {
				out = append(out, rq{at: midnight + time.Duration(d)*day + hour + time.Duration(i)*time.Minute, ip: fmt.Sprintf("10.2.%d.%d", d, i+1),
					method: method, url: url, status: status, body: map[bool]string{true: "username=u&password=[REDACTED]"}[method == "POST"]})
			}
		}
		return out
	}
	var reqs []rq
	reqs = append(reqs, hourly("/login", "POST", 302, 2*time.Hour, []int{2, 2, 2})...)
	reqs = append(reqs, hourly("/login", "POST", 401, 2*time.Hour+30*time.Second, []int{0, 0, 0, 50, 50, 50, 50})...) // four nights of stuffing
	reqs = append(reqs, hourly("/logout", "GET", 302, 3*time.Hour, []int{3, 3, 3, 40})...)
	reqs = append(reqs, hourly("/export", "GET", 200, 10*time.Hour, []int{4, 30, 4, 30})...)     // day 2's spike has one day of history only
	reqs = append(reqs, hourly("/products", "GET", 200, 12*time.Hour, []int{10, 10, 10, 17})...) // a sale day
	reqs = append(reqs, hourly("/rare", "GET", 200, 14*time.Hour, []int{1, 1, 1, 12})...)        // 12 times the usual, under the floor
	reqs = append(reqs, rq{at: midnight + 3*day + 20*time.Hour, ip: "10.9.9.9", url: "/products", status: 200})
	got, ls := runLearned(t, Options{}, events(t, reqs))
	want := map[string]string{
		"appsensor:STE2": "50 login attempts (writes to login routes) between 02:00 and 03:00 UTC on 2026-11-06, against a median of 2 at that hour over 3 previous days",
		"appsensor:STE1": "40 logouts between 03:00 and 04:00 UTC on 2026-11-06, against a median of 3",
		"appsensor:STE3": "30 requests to GET /export between 10:00 and 11:00 UTC on 2026-11-06, against a median of 4 at that hour over 3 previous days",
	}
	for det, reason := range want {
		n := 1
		if det == "appsensor:STE2" {
			n = 4 // reported hours stay out of the baseline, so every night counts
		}
		if fs := got[det]; len(fs) != n || !strings.Contains(fs[0].Reason, reason) {
			t.Errorf("%s = %v, want %d findings, the first with %q", det, fs, n, reason)
		}
	}
	if lints := ls.points[len(ls.points)-1].(triage.Linter).Lints(); len(lints) != 1 || lints[0].Count == 0 {
		t.Errorf("STE3 lints = %v", lints)
	}
}

// TestLearnedWarmupHonesty: before a route's baseline is complete nothing
// is judged, and the lints say how much went unjudged.
func TestLearnedWarmupHonesty(t *testing.T) {
	reqs := crowd(30, 3, 0, 10*time.Second, func(i int, r *rq) { r.url = "/search?q=" + words[i%len(words)] })
	reqs = append(reqs, rq{at: time.Hour, ip: attackerIP, method: "POST", url: "/search?q=x&debug=1", status: 405})
	got, ls := runLearned(t, Options{}, events(t, reqs))
	for det, fs := range got {
		t.Errorf("%s judged before learning: %v", det, fs)
	}
	for _, d := range ls.points[:6] { // RE1, RE3, RE4, RE5, RE6, RE7
		lints := d.(triage.Linter).Lints()
		if len(lints) != 1 || lints[0].Count != 31 || !strings.Contains(lints[0].Message, "31 of 31 requests") || !strings.Contains(lints[0].Message, "100 successful requests from 5 other actors") {
			t.Errorf("%s lints = %+v", d.Info().ID, lints)
		}
	}
}

// TestLearnedMemoryBounded: 100,000 distinct routes, users and parameter
// names leave every table at its cap.
func TestLearnedMemoryBounded(t *testing.T) {
	opts := Options{Learn: LearnOptions{MaxRoutes: 500, MaxActors: 300, MaxUserRoutes: 400, MaxParams: 16}}
	ls := newLearned(opts, &partsCache{})
	emit := func(triage.Finding) {}
	n := 100000
	if testing.Short() {
		n = 20000
	}
	for i := range n {
		ev := &triage.Event{
			ID:         fmt.Sprint(i),
			Timestamp:  t0.Add(time.Duration(i) * time.Second),
			SourceIP:   netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}),
			UserName:   fmt.Sprintf("user%d", i),
			Method:     "GET",
			URLPath:    fmt.Sprintf("/r/x%x", i),
			URLQuery:   fmt.Sprintf("p%d=1", i),
			StatusCode: 200,
		}
		if i%10 == 0 { // one route collects ever new parameter names
			ev.URLPath = "/many"
		}
		for _, d := range ls.points {
			d.Observe(ev, emit)
		}
	}
	for _, tb := range []struct {
		name     string
		len, max int
	}{
		{"routes", ls.routes.res.len(), 500},
		{"UT1 actors", ls.ut1.visits.len(), 300},
		{"UT3 users", ls.ut3.table.len(), 300},
		{"UT4 user routes", ls.ut4.table.len(), 400},
	} {
		if tb.len > tb.max || tb.len < tb.max/2 {
			t.Errorf("%s table holds %d entries, cap %d", tb.name, tb.len, tb.max)
		}
	}
	r := ls.routes.res.peek(hashString(hashSeed, "/many"))
	if r == nil || len(r.methods) != 1 || len(r.methods[0].params) != 16 {
		t.Fatalf("/many not tracked with 16 parameters: %+v", r)
	}
	if ls.routes.res.evicted == 0 || len(ls.points[0].(triage.Linter).Lints()) != 2 {
		t.Errorf("evictions not reported: %v", ls.points[0].(triage.Linter).Lints())
	}
}

// TestLearnedDemoData runs the learned points over the demo's two weeks:
// the planted odd-method scan and credential stuffing are caught, and no
// finding names an ordinary visitor (its benign traps: CORS preflights,
// HEAD monitors, the sale day, crawlers, staff, newsletter redirects).
func TestLearnedDemoData(t *testing.T) {
	got, _ := runLearned(t, Options{}, demoEvents(t))
	for det, fs := range got {
		for _, f := range fs {
			if f.SourceIP.IsValid() && !demo.IsAttacker(f.SourceIP) {
				t.Errorf("%s fired on ordinary traffic from %s: %s", det, f.SourceIP, f.Reason)
			}
		}
	}
	if len(got["appsensor:RE1"]) == 0 || !strings.Contains(got["appsensor:RE1"][0].Reason, "TRACK") {
		t.Errorf("the odd-methods scanner went unnoticed: %v", got["appsensor:RE1"])
	}
	// Each scenario that plants a login surge gets exactly one STE2
	// finding in its hour, and no other hour gets one.
	fs := got["appsensor:STE2"]
	want := 0
	for _, sc := range demo.Scenarios {
		if !slices.Contains(sc.Detectors, "appsensor:STE2") {
			continue
		}
		want++
		n := 0
		for _, f := range fs {
			if !f.End.Before(sc.Start) && !f.Timestamp.After(sc.End) && strings.Contains(f.Reason, "login attempts") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("scenario %s: %d STE2 findings in its hour, want 1", sc.Name, n)
		}
	}
	if want == 0 || len(fs) != want {
		t.Errorf("%d STE2 findings for %d login-surge scenarios: %v", len(fs), want, fs)
	}
}

// BenchmarkLearned runs the learned points over the demo's two weeks of
// APM transactions and firewall events.
//
// "alone" hands the points each request already split into parts, as the
// other points leave it, so ns/event is the learned points' own share. "all-points" runs every
// AppSensor point the way Detectors builds them, with the learned ones
// switched on in the catalogue for the run: events/s is the throughput
// of the whole family on one core (run with -cpu 1).
func BenchmarkLearned(b *testing.B) {
	evs := demoEvents(b)
	b.Run("alone", func(b *testing.B) {
		parts := make([][]Part, len(evs))
		for i, ev := range evs {
			parts[i] = requestParts(ev)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			cache := &partsCache{}
			ds := newLearned(Options{}, cache).points
			emit := func(triage.Finding) {}
			for i, ev := range evs {
				cache.ev, cache.parts = ev, parts[i]
				for _, d := range ds {
					d.Observe(ev, emit)
				}
			}
			for _, d := range ds {
				d.Flush(emit)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
	})
	b.Run("all-points", func(b *testing.B) {
		saved := slices.Clone(Catalogue)
		defer func() { Catalogue = saved }()
		for i, e := range Catalogue {
			if e.Readiness == triage.NotAvailable && slices.Contains(learnedIDs, e.ID) {
				Catalogue[i].Readiness, Catalogue[i].Why = triage.RunsLocally, ""
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			ds := Detectors(Options{})
			emit := func(triage.Finding) {}
			for _, ev := range evs {
				for _, d := range ds {
					d.Observe(ev, emit)
				}
			}
			for _, d := range ds {
				d.Flush(emit)
			}
		}
		b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
	})
}

var learnedIDs = []string{"RE1", "RE3", "RE4", "RE5", "RE6", "RE7", "CIE2", "UT1", "UT3", "UT4", "STE1", "STE2", "STE3"}

// TestLearnedIDs: the learned points are the ones listed above, each
// described by its catalogue entry.
func TestLearnedIDs(t *testing.T) {
	var ids []string
	for _, d := range newLearned(Options{}, &partsCache{}).points {
		i := d.Info()
		ids = append(ids, strings.TrimPrefix(i.ID, "appsensor:"))
		if i.Title == "" || i.Summary == "" || i.RiskScore <= 0 {
			t.Errorf("incomplete info %+v", i)
		}
	}
	if !slices.Equal(ids, learnedIDs) {
		t.Errorf("learned points %v, want %v", ids, learnedIDs)
	}
}

// TestGatedHitsKeepStreamPositions: hits held below a gate cite their
// events by stream position too, as exceptions need.
func TestGatedHitsKeepStreamPositions(t *testing.T) {
	g := &gate{b: newBursts(pointInfo("RE5", "test"), "request")}
	var got []triage.Finding
	emit := func(f triage.Finding) { got = append(got, f) }
	for i := range 3 {
		ev := &triage.Event{ID: fmt.Sprint("e", i), Seq: uint64(10 + i), Timestamp: t0.Add(time.Duration(i) * time.Second), SourceIP: netip.MustParseAddr("203.0.113.5")}
		g.hit(ev, "odd", 3, nil, emit)
	}
	g.b.flushAll(emit)
	want := []triage.EventRef{{Seq: 10, ID: "e0"}, {Seq: 11, ID: "e1"}, {Seq: 12, ID: "e2"}}
	if len(got) != 1 || !slices.Equal(got[0].Evidence, want) {
		t.Fatalf("findings = %+v, want one citing %v", got, want)
	}
}
