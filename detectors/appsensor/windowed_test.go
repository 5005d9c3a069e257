package appsensor

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

// rq describes one request for scenario tests.
type rq struct {
	at      time.Duration
	ip, ua  string
	user    string
	sid     string
	method  string
	url     string
	status  int
	body    string // form body
	ctype   string
	headers map[string]string
	// methods, uas and users, when set, are written as arrays in place of
	// method, ua and user: multi-valued fields.
	methods, uas, users []string
}

func (r rq) event(t *testing.T, id string) *triage.Event {
	t.Helper()
	if r.ip == "" {
		r.ip = "198.51.100.7"
	}
	if r.ua == "" {
		r.ua = "Mozilla/5.0 test"
	}
	if r.method == "" {
		r.method = "GET"
	}
	if r.status == 0 {
		r.status = 200
	}
	req := map[string]any{"method": r.method}
	hdr := map[string][]string{}
	for k, v := range r.headers {
		hdr[k] = []string{v}
	}
	if r.body != "" {
		req["body"] = map[string]any{"original": r.body}
		if r.ctype == "" {
			r.ctype = "application/x-www-form-urlencoded"
		}
	}
	if r.ctype != "" {
		hdr["Content-Type"] = []string{r.ctype}
	}
	if len(hdr) > 0 {
		req["headers"] = hdr
	}
	if r.sid != "" {
		req["cookies"] = map[string]string{"JSESSIONID": r.sid}
	}
	doc := map[string]any{
		"@timestamp": t0.Add(r.at).Format(time.RFC3339Nano),
		"event":      map[string]any{"id": id},
		"source":     map[string]any{"ip": r.ip},
		"user_agent": map[string]any{"original": r.ua},
		"http":       map[string]any{"request": req, "response": map[string]any{"status_code": r.status}},
		"url":        map[string]any{"original": r.url},
	}
	if r.user != "" {
		doc["user"] = map[string]any{"name": r.user}
	}
	if r.methods != nil {
		req["method"] = r.methods
	}
	if r.uas != nil {
		doc["user_agent"] = map[string]any{"original": r.uas}
	}
	if r.users != nil {
		doc["user"] = map[string]any{"name": r.users}
	}
	b, _ := json.Marshal(doc)
	ev, err := triage.ParseEvent(b, "t:1")
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// runAll runs every AppSensor detector over the requests and returns the
// findings by detector id.
func runAll(t *testing.T, opts Options, reqs []rq) map[string][]triage.Finding {
	t.Helper()
	out := map[string][]triage.Finding{}
	emit := func(f triage.Finding) {
		if len(f.Evidence) == 0 {
			t.Errorf("%s raised a finding without evidence", f.Detector)
		}
		out[f.Detector] = append(out[f.Detector], f)
	}
	ds := Detectors(opts)
	for i, r := range reqs {
		ev := r.event(t, fmt.Sprintf("r%d", i))
		for _, d := range ds {
			d.Observe(ev, emit)
		}
	}
	for _, d := range ds {
		d.Flush(emit)
	}
	return out
}

func TestWindowedScenarios(t *testing.T) {
	attacker := "203.0.113.91"
	var stuffing []rq
	for i, u := range []string{"admin", "administrator", "test", "alice", "bob", "carol", "dave", "erin", "frank"} {
		stuffing = append(stuffing, rq{at: time.Duration(i) * 20 * time.Second, ip: attacker, method: "POST", url: "/login", status: 401,
			body: "username=" + u + "&password=[REDACTED]"})
	}
	var guessing []rq
	for i := range 6 {
		guessing = append(guessing, rq{at: time.Duration(i) * time.Minute, ip: fmt.Sprintf("198.51.100.%d", 10+i), method: "POST", url: "/login", status: 401,
			body: "username=carol&password=[REDACTED]"})
	}
	var walking []rq
	for i := range 5 {
		walking = append(walking, rq{at: time.Duration(i) * 10 * time.Second, user: "mallory", method: "GET", url: fmt.Sprintf("/api/orders/%d", 1000+i), status: 403})
	}
	var forcing []rq
	for i, p := range []string{"/admin", "/.git/config", "/wp-login.php", "/phpmyadmin/", "/backup.zip", "/.env", "/server-status", "/config.php", "/admin.php", "/db.sql", "/old/", "/test.php"} {
		forcing = append(forcing, rq{at: time.Duration(i) * 5 * time.Second, ip: attacker, ua: "Nikto/2.5.0", url: p, status: 404})
	}
	var hijack = []rq{
		{at: 0, ip: "198.51.100.20", sid: "s3cr3t-session-1", url: "/account"},
		{at: time.Minute, ip: "198.51.100.77", sid: "s3cr3t-session-1", url: "/account"},   // same /24: a mobile user moving
		{at: 2 * time.Minute, ip: "203.0.113.5", sid: "s3cr3t-session-1", url: "/account"}, // another network
		{at: 3 * time.Minute, ip: "203.0.113.5", ua: "curl/8", sid: "s3cr3t-session-1", url: "/account"},
	}
	var csrf = []rq{
		{at: 0, user: "dana", method: "GET", url: "/cart", status: 200},
		{at: time.Second, user: "dana", method: "POST", url: "/cart", status: 200},
		{at: time.Hour, user: "dana", method: "POST", url: "/cart", status: 403}, // expired CSRF token
		{at: time.Hour + time.Second, user: "dana", method: "POST", url: "/cart", status: 403},
	}
	var custom = []rq{
		{at: 0, user: "erin", method: "GET", url: "/cart", status: 200},
		{at: time.Second, user: "erin", method: "POST", url: "/admin/users/delete", status: 403},
		{at: 2 * time.Second, user: "erin", method: "POST", url: "/admin/config", status: 403},
	}
	var nat []rq // many users behind one address, each failing once
	for i := range 12 {
		nat = append(nat, rq{at: time.Duration(i) * 10 * time.Second, ip: "192.0.2.1", sid: fmt.Sprintf("sess-%d", i), method: "POST", url: "/login", status: 401,
			body: fmt.Sprintf("username=user%d&password=[REDACTED]", i)})
	}

	tests := []struct {
		name     string
		reqs     []rq
		want     map[string]int // detector → findings expected
		quiet    []string       // detectors that must stay silent
		inReason map[string]string
	}{
		{"credential stuffing", stuffing, map[string]int{"appsensor:AE1": 1, "appsensor:AE12": 1}, []string{"appsensor:AE2", "appsensor:AE3"},
			map[string]string{"appsensor:AE1": "9 usernames tried in 9 failed logins over 3m: admin, administrator, test"}},
		{"password guessing on one account", guessing, map[string]int{"appsensor:AE2": 1}, []string{"appsensor:AE1"},
			map[string]string{"appsensor:AE2": "6 failed logins for carol"}},
		{"object id walking", walking, map[string]int{"appsensor:ACE1": 1}, nil,
			map[string]string{"appsensor:ACE1": "5 object ids"}},
		{"force browsing", forcing, map[string]int{"appsensor:ACE3": 1}, []string{"appsensor:ACE1"},
			map[string]string{"appsensor:ACE3": "12 distinct paths"}},
		{"session from another network and another agent", hijack, map[string]int{"appsensor:SE5": 1, "appsensor:SE6": 1}, nil,
			map[string]string{"appsensor:SE5": "began in 198.51.100.0/24, now from 203.0.113.5"}},
		{"expired CSRF token", csrf, nil, []string{"appsensor:ACE4", "appsensor:ACE2"}, nil},
		{"custom POSTs to hidden functions", custom, map[string]int{"appsensor:ACE4": 1}, nil, nil},
		{"many users behind one NAT address", nat, nil, []string{"appsensor:AE1", "appsensor:AE2", "appsensor:AE3"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runAll(t, Options{}, tt.reqs)
			for det, n := range tt.want {
				if len(got[det]) != n {
					t.Errorf("%s: %d findings, want %d (all: %v)", det, len(got[det]), n, keys(got))
				}
			}
			for _, det := range tt.quiet {
				if len(got[det]) != 0 {
					t.Errorf("%s fired: %s", det, got[det][0].Reason)
				}
			}
			for det, sub := range tt.inReason {
				if fs := got[det]; len(fs) == 0 || !strings.Contains(fs[0].Reason, sub) {
					t.Errorf("%s reason lacks %q: %v", det, sub, fs)
				}
			}
		})
	}
}

func keys(m map[string][]triage.Finding) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s×%d", k, len(v)))
	}
	return out
}

func TestLoginBodyPoints(t *testing.T) {
	long := strings.Repeat("a", 150)
	tests := []struct {
		body   string
		status int
		det    string
		hit    bool
	}{
		{"username=" + long + "&password=[REDACTED]", 401, "appsensor:AE4", true},
		{"username=alice%40example.com&password=[REDACTED]", 401, "appsensor:AE4", false},
		{"username=al%01ice&password=[REDACTED]", 401, "appsensor:AE6", true},
		{"username=alice%0D%0A&password=[REDACTED]", 401, "appsensor:AE6", false}, // pasted line break
		{"username=alice", 401, "appsensor:AE8", true},
		{"username=alice&password=", 401, "appsensor:AE8", false}, // empty is not absent
		{"password=[REDACTED]", 401, "appsensor:AE9", true},
		{"username=&password=[REDACTED]", 401, "appsensor:AE9", false},
		{"username=root&password=[REDACTED]", 401, "appsensor:AE12", true},
		{"username=admin&password=[REDACTED]", 302, "appsensor:AE12", false}, // a successful admin login is not a probe
	}
	for _, tt := range tests {
		t.Run(tt.det+" "+tt.body[:min(len(tt.body), 30)], func(t *testing.T) {
			got := runAll(t, Options{}, []rq{{method: "POST", url: "/login", status: tt.status, body: tt.body}})
			if (len(got[tt.det]) > 0) != tt.hit {
				t.Errorf("%s fired = %v, want %v", tt.det, len(got[tt.det]) > 0, tt.hit)
			}
		})
	}
	// JSON bodies count too.
	got := runAll(t, Options{}, []rq{{method: "POST", url: "/api/v1/auth/login", status: 401, ctype: "application/json", body: `{"password":"[REDACTED]"}`}})
	if len(got["appsensor:AE9"]) != 1 {
		t.Errorf("JSON login without username not flagged: %v", keys(got))
	}
}

func TestLoginFieldsLearned(t *testing.T) {
	var reqs []rq
	for i := range 25 { // clean logins by 25 users teach the field set
		reqs = append(reqs, rq{at: time.Duration(i) * time.Minute, ip: fmt.Sprintf("198.51.100.%d", i+1), method: "POST", url: "/login", status: 302,
			body: fmt.Sprintf("username=u%d&password=[REDACTED]&csrf_token=t%d", i, i)})
	}
	reqs = append(reqs,
		rq{at: time.Hour, ip: "203.0.113.9", method: "POST", url: "/login", status: 401, body: "username=x&password=[REDACTED]&csrf_token=t&admin=true"},
		rq{at: 2 * time.Hour, ip: "203.0.113.10", method: "POST", url: "/login", status: 401, body: "username=y&password=[REDACTED]"},
	)
	got := runAll(t, Options{}, reqs)
	if fs := got["appsensor:AE10"]; len(fs) != 1 || !strings.Contains(fs[0].Reason, "admin") {
		t.Errorf("AE10 = %v", fs)
	}
	if fs := got["appsensor:AE11"]; len(fs) != 1 || !strings.Contains(fs[0].Reason, "csrf_token") {
		t.Errorf("AE11 = %v", fs)
	}
	// A successful login without the field is judged against the logins
	// before it: its reason counts those, never itself (it was learned
	// between AE10 and AE11 and counted in its own reason).
	ok := append(reqs[:25:25], rq{at: time.Hour, ip: "203.0.113.11", method: "POST", url: "/login", status: 302, body: "username=z&password=[REDACTED]"})
	carried, clean := 0, 0
	for _, r := range ok[:len(ok)-1] {
		if r.status < 400 {
			clean++
			if strings.Contains(r.body, "csrf_token=") {
				carried++
			}
		}
	}
	want := fmt.Sprintf("which %d of %d clean logins carried", carried, clean)
	if fs := runAll(t, Options{}, ok)["appsensor:AE11"]; len(fs) != 1 || !strings.Contains(fs[0].Reason, want) {
		t.Errorf("AE11 = %v, want a reason with %q", fs, want)
	}
	// Before enough clean logins, nothing is judged.
	early := runAll(t, Options{}, append(reqs[:3:3], reqs[len(reqs)-1]))
	if len(early["appsensor:AE10"])+len(early["appsensor:AE11"]) != 0 {
		t.Errorf("judged before learning: %v", keys(early))
	}
}

func TestWindowStateIsBounded(t *testing.T) {
	opts := Options{Actor: ActorOptions{MaxActors: 100}}
	w := newAccessPoints(opts, nil)[2].(*windowPoint) // ACE3
	emit := func(triage.Finding) {}
	for i := range 5000 {
		ev := rq{at: time.Duration(i) * time.Millisecond, ip: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), url: "/nope", status: 404}.event(t, "x")
		w.Observe(ev, emit)
	}
	if w.actors.len() > 100 {
		t.Errorf("actor table grew to %d", w.actors.len())
	}
}
