package appsensor

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestMultiValuedFields: a document holding the method, user agent or
// user name as an array matches a point when any of its values does, as
// in Elasticsearch; single values behave as before.
func TestMultiValuedFields(t *testing.T) {
	repeat := func(n int, step time.Duration, mk func(i int) rq) []rq {
		var out []rq
		for i := range n {
			r := mk(i)
			r.at = time.Duration(i) * step
			out = append(out, r)
		}
		return out
	}
	opts := Options{HoneyUsers: []string{"svc-backup"}}
	tests := []struct {
		name     string
		reqs     []rq
		det      string
		hit      bool
		inReason string
	}{
		{"RE2: an odd method among several", []rq{{methods: []string{"GET", "PROPFIND"}, url: "/"}}, "appsensor:RE2", true, "method PROPFIND"},
		{"RE2: standard methods only", []rq{{methods: []string{"GET", "post"}, url: "/"}}, "appsensor:RE2", false, ""},
		{"RE2: one value, as before", []rq{{method: "GET", url: "/"}}, "appsensor:RE2", false, ""},
		{"ACE2: a write among the methods", repeat(3, 10*time.Second, func(i int) rq {
			return rq{methods: []string{"GET", "DELETE"}, url: fmt.Sprintf("/api/orders/%d", 10+i), status: 403}
		}), "appsensor:ACE2", true, "DELETE /api/orders/10"},
		{"ACE1: a read among the methods", repeat(3, 10*time.Second, func(i int) rq {
			return rq{methods: []string{"POST", "GET"}, url: fmt.Sprintf("/api/orders/%d", 10+i), status: 404}
		}), "appsensor:ACE1", true, "3 object ids"},
		{"ACE1: writes only", repeat(3, 10*time.Second, func(i int) rq {
			return rq{methods: []string{"POST", "PUT"}, url: fmt.Sprintf("/api/orders/%d", 10+i), status: 404}
		}), "appsensor:ACE1", false, ""},
		{"ACE4: POST among the methods, answered 403", repeat(2, time.Minute, func(i int) rq {
			return rq{methods: []string{"OPTIONS", "POST"}, url: fmt.Sprintf("/admin/users/%c", 'a'+i), status: 403}
		}), "appsensor:ACE4", true, "POST /admin/users/a"},
		{"ACE4: the route was reached by a request listing POST", append([]rq{{methods: []string{"GET", "POST"}, url: "/cart", status: 200}},
			repeat(2, time.Minute, func(int) rq { return rq{method: "POST", url: "/cart", status: 403} })...), "appsensor:ACE4", false, ""},
		{"FIO2: uploads with a write among the methods", repeat(20, 10*time.Second, func(int) rq {
			return rq{methods: []string{"HEAD", "POST"}, url: "/upload", ctype: "multipart/form-data; boundary=x"}
		}), "appsensor:FIO2", true, "20 uploads"},
		{"AE12: a login listing POST among its methods", []rq{{methods: []string{"OPTIONS", "POST"}, url: "/login", status: 401, body: "username=admin&password=x"}},
			"appsensor:AE12", true, "failed login as admin"},
		{"AE12: a common name among the user names", []rq{{method: "POST", url: "/login", status: 401, users: []string{"carol", "root"}}},
			"appsensor:AE12", true, "failed login as root"},
		{"AE12: no common name", []rq{{method: "POST", url: "/login", status: 401, users: []string{"carol", "dave"}}}, "appsensor:AE12", false, ""},
		{"HT3: a honeytoken among the user names", []rq{{url: "/account", users: []string{"alice", "svc-backup"}}}, "appsensor:HT3", true, "honeytoken account svc-backup"},
		{"HT3: the body's user name decides", []rq{{method: "POST", url: "/login", users: []string{"svc-backup"}, body: "username=alice&password=x"}}, "appsensor:HT3", false, ""},
		{"SE6: a new agent among the agents", []rq{
			{sid: "abc123", ua: "Mozilla/5.0 A", url: "/a"},
			{at: time.Minute, sid: "abc123", uas: []string{"Mozilla/5.0 A", "curl/8.5.0"}, url: "/b"},
		}, "appsensor:SE6", true, "now curl/8.5.0"},
		{"SE6: the same agent twice", []rq{
			{sid: "abc123", ua: "Mozilla/5.0 A", url: "/a"},
			{at: time.Minute, sid: "abc123", uas: []string{"Mozilla/5.0 A", "Mozilla/5.0 A"}, url: "/b"},
		}, "appsensor:SE6", false, ""},
		{"IE1: a script in the second user agent", []rq{{uas: []string{"Mozilla/5.0", "<script>alert(1)</script>"}, url: "/"}}, "appsensor:IE1", true, "XSS probe in user agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runAll(t, opts, tt.reqs)[tt.det]
			if !tt.hit {
				if len(got) != 0 {
					t.Fatalf("false positive: %s", got[0].Reason)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0].Reason, tt.inReason) {
				t.Fatalf("want one finding saying %q, got %d: %v", tt.inReason, len(got), got)
			}
		})
	}
}

// TestMultiValuedLearned: RE1 judges every method a document lists
// against the route's baseline, and UT1 leaves alone a visit whose agents
// include a declared crawler.
func TestMultiValuedLearned(t *testing.T) {
	reqs := methodBaseline()
	for i := range 3 {
		reqs = append(reqs, rq{at: time.Hour + time.Duration(i)*30*time.Second, ip: attackerIP, methods: []string{"GET", "PUT"}, url: "/search", status: 405})
	}
	got, _ := runLearned(t, Options{}, events(t, reqs))
	if fs := findingsFrom(got, "appsensor:RE1", attackerIP); len(fs) != 1 || !strings.Contains(fs[0].Reason, "PUT on /search, where other actors used only GET") {
		t.Errorf("RE1 = %v", fs)
	}

	for _, tt := range []struct {
		uas     []string
		crawler bool
	}{
		{[]string{"Mozilla/5.0"}, false},
		{[]string{"Mozilla/5.0", "Googlebot/2.1"}, true},
		{[]string{"Mozilla/5.0", "Safari"}, false},
	} {
		ev := rq{uas: tt.uas, url: "/"}.event(t, "x")
		if got := declaredCrawler(ev, nil); got != tt.crawler {
			t.Errorf("declaredCrawler(%v) = %v", tt.uas, got)
		}
	}
}
