package triage

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// loginEvent builds an APM-like document. extra is spliced into the
// top-level object ("" for nothing).
func loginEvent(t *testing.T, method, path string, status int, outcome, extra string) *Event {
	t.Helper()
	st := ""
	if status != 0 {
		st = fmt.Sprintf(`,"response":{"status_code":%d}`, status)
	}
	raw := fmt.Sprintf(`{"@timestamp":"2024-03-14T09:00:00Z","event":{"outcome":%q},"http":{"request":{"method":%q}%s},"url":{"path":%q}%s}`,
		outcome, method, st, path, extra)
	ev, err := ParseEvent([]byte(raw), "test")
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return ev
}

// withLocation adds a Location response header the way APM writes it.
func withLocation(t *testing.T, status int, loc string) *Event {
	t.Helper()
	raw := fmt.Sprintf(`{"event":{"outcome":"success"},"http":{"request":{"method":"POST"},"response":{"status_code":%d,"headers":{"Location":[%q]}}},"url":{"path":"/login"}}`, status, loc)
	ev, err := ParseEvent([]byte(raw), "test")
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestLoginOutcome(t *testing.T) {
	type want struct{ attempt, succeeded, known bool }
	tests := []struct {
		name string
		ev   func(t *testing.T) *Event
		want want
	}{
		{"401 with APM's success outcome", func(t *testing.T) *Event { return loginEvent(t, "POST", "/login", 401, "success", "") }, want{true, false, true}},
		{"403", func(t *testing.T) *Event { return loginEvent(t, "POST", "/login", 403, "success", "") }, want{true, false, true}},
		{"429 throttled", func(t *testing.T) *Event { return loginEvent(t, "POST", "/login", 429, "success", "") }, want{true, false, true}},
		{"500", func(t *testing.T) *Event { return loginEvent(t, "POST", "/login", 500, "failure", "") }, want{true, false, true}},
		{"200 JSON API", func(t *testing.T) *Event { return loginEvent(t, "POST", "/api/v1/auth/login", 200, "success", "") }, want{true, true, true}},
		{"204", func(t *testing.T) *Event { return loginEvent(t, "post", "/session/", 204, "", "") }, want{true, true, true}},
		{"302 without Location", func(t *testing.T) *Event { return loginEvent(t, "POST", "/login", 302, "success", "") }, want{true, true, true}},
		{"302 to the account", func(t *testing.T) *Event { return withLocation(t, 302, "/account") }, want{true, true, true}},
		{"303 absolute to the account", func(t *testing.T) *Event { return withLocation(t, 303, "https://shop.example.com/account?welcome=1") }, want{true, true, true}},
		{"302 back to the login page", func(t *testing.T) *Event { return withLocation(t, 302, "/login?error=1") }, want{true, false, true}},
		{"302 back, absolute", func(t *testing.T) *Event { return withLocation(t, 302, "https://shop.example.com/Login/") }, want{true, false, true}},
		{"302 to a second factor", func(t *testing.T) *Event { return withLocation(t, 302, "/login/mfa") }, want{true, true, true}},
		{"no status, outcome failure", func(t *testing.T) *Event { return loginEvent(t, "POST", "/login", 0, "failure", "") }, want{true, false, true}},
		{"no status, outcome success", func(t *testing.T) *Event { return loginEvent(t, "POST", "/login", 0, "success", "") }, want{true, true, true}},
		{"no status, no outcome", func(t *testing.T) *Event { return loginEvent(t, "POST", "/login", 0, "", "") }, want{true, false, false}},
		{"GET of the form", func(t *testing.T) *Event { return loginEvent(t, "GET", "/login", 200, "success", "") }, want{}},
		{"POST elsewhere", func(t *testing.T) *Event { return loginEvent(t, "POST", "/cart", 200, "success", "") }, want{}},
		{"POST to a path that only contains login", func(t *testing.T) *Event { return loginEvent(t, "POST", "/login-help", 200, "success", "") }, want{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, s, k := LoginOutcome(tc.ev(t))
			if got := (want{a, s, k}); got != tc.want {
				t.Errorf("LoginOutcome = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestLoginOutcomeFailure200(t *testing.T) {
	lf := DefaultLoginForm()
	lf.Failure200 = true
	tests := []struct {
		status    int
		succeeded bool
	}{{200, false}, {302, true}, {401, false}}
	for _, tc := range tests {
		ev := loginEvent(t, "POST", "/wp-login.php", tc.status, "success", "")
		if _, s, k := lf.Outcome(ev); s != tc.succeeded || !k {
			t.Errorf("%d: succeeded %v known %v, want %v", tc.status, s, k, tc.succeeded)
		}
	}
}

func TestLoginUser(t *testing.T) {
	form := func(body string) string {
		return fmt.Sprintf(`,"http":{"request":{"method":"POST","body":{"original":%q},"headers":{"Content-Type":["application/x-www-form-urlencoded"]}},"response":{"status_code":401}}`, body)
	}
	tests := []struct {
		name  string
		extra string
		path  string
		user  string
		ok    bool
	}{
		{"form body", form("csrf_token=abc&username=alice&password=[REDACTED]"), "/login", "alice", true},
		{"encoded e-mail", form("email=anna.k%40example.com&pass=x"), "/login", "anna.k@example.com", true},
		{"plus as space, case of the field", form("UserName=bob+smith&password=x"), "/login", "bob smith", true},
		{"malformed escape kept", form("login=50%zz&pwd=x"), "/login", "50%zz", true},
		{"first user field wins", form("user=first&username=second"), "/login", "first", true},
		{"redacted name falls back to user.name", form("username=[REDACTED]&password=x") + `,"user":{"name":"carol"}`, "/login", "carol", true},
		{"no body: user.name", `,"user":{"name":"dave"}`, "/login", "dave", true},
		{"JSON body", `,"http":{"request":{"method":"POST","body":{"original":"{\"credentials\":{\"email\":\"eve@example.org\",\"password\":\"[REDACTED]\"}}"}}}`, "/api/auth/login", "eve@example.org", true},
		{"body without a user field", form("password=x&remember=1"), "/login", "", false},
		{"not a login", form("username=mallory"), "/search", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := `{"url":{"path":` + fmt.Sprintf("%q", tc.path) + `}` + tc.extra + `}`
			if !strings.Contains(tc.extra, `"method"`) {
				raw = `{"url":{"path":` + fmt.Sprintf("%q", tc.path) + `},"http":{"request":{"method":"POST"}}` + tc.extra + `}`
			}
			ev, err := ParseEvent([]byte(raw), "test")
			if err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			u, ok := LoginUser(ev)
			if u != tc.user || ok != tc.ok {
				t.Errorf("LoginUser = %q, %v; want %q, %v", u, ok, tc.user, tc.ok)
			}
			if l := ParseLogin(ev); ok && l.User != u {
				t.Errorf("ParseLogin user %q, LoginUser %q", l.User, u)
			}
		})
	}
}

func TestParseLoginFields(t *testing.T) {
	raw := `{"url":{"path":"/login"},"http":{"request":{"method":"POST","body":{"original":"csrf_token=t&Username=alice&password=[REDACTED]&role=admin"}},"response":{"status_code":401}}}`
	ev, err := ParseEvent([]byte(raw), "test")
	if err != nil {
		t.Fatal(err)
	}
	l := ParseLogin(ev)
	want := []string{"csrf_token", "username", "password", "role"}
	if !l.Attempt || !l.Captured || !l.HasUser || !l.HasPassword || !l.BodyUser || l.User != "alice" || !slices.Equal(l.Fields, want) {
		t.Errorf("ParseLogin = %+v, want fields %v", l, want)
	}
	if !l.Known || l.Succeeded || l.Basis != BasisStatus {
		t.Errorf("outcome %+v", l)
	}
}
