package triage

import (
	"bytes"
	"net/url"
	"strings"

	"github.com/valyala/fastjson"
)

// Logins: the one place that decides whether a request is a login
// attempt, whether it succeeded, and which user name it tried. Detectors,
// playbook answers and the console ask these functions rather than
// reading event.outcome or user.name themselves, because neither says
// what a login did:
//
//   - APM sets event.outcome from the status class: "success" for every
//     answer below 500, so a 401 "wrong password" is a success there.
//   - user.name is the authenticated user. A failed login has none; the
//     name that was tried is in the request body
//     (http.request.body.original), when the agent captured it.
//
// A login attempt is a POST to a login route. It succeeded when the
// application answered 2xx, or redirected (3xx) anywhere but back to a
// login page: the Location response header says where, when the agent
// recorded it; without it a redirect from the login route is taken as the
// post-login redirect that nearly every framework sends. 4xx and 5xx
// answers failed. Only when the status is absent does event.outcome
// decide.

// LoginForm says how to recognise logins: which routes take them and which
// body fields carry the user name and the password. The zero value is not
// useful; start from DefaultLoginForm.
type LoginForm struct {
	// Paths are login routes: a request path equal to one, or ending in
	// one ("/api/v1/auth/login" ends in "/login"), compared without case
	// and without a trailing slash.
	Paths []string
	// UserFields and PasswordFields name the body fields (any case).
	UserFields     []string
	PasswordFields []string
	// Failure200 counts a 200 answer as a failure, for applications that
	// re-render the login form rather than answer 401 (WordPress does).
	Failure200 bool
}

// DefaultLoginForm returns the login routes and field names common
// frameworks use.
func DefaultLoginForm() LoginForm {
	return LoginForm{
		Paths:          []string{"/login", "/signin", "/sign-in", "/log-in", "/logon", "/authenticate", "/wp-login.php", "/session", "/sessions", "/auth"},
		UserFields:     []string{"username", "user", "login", "email", "user_name", "userid", "user_id", "log", "j_username", "uname", "account"},
		PasswordFields: []string{"password", "pass", "passwd", "pwd", "j_password", "user_pass", "passphrase"},
	}
}

var defaultLoginForm = DefaultLoginForm()

// LoginBasis says what decided a login's outcome.
type LoginBasis uint8

// The bases of a login outcome, from the most to the least direct.
const (
	// BasisNone: the outcome is unknown.
	BasisNone LoginBasis = iota
	// BasisStatus: a 2xx, 4xx or 5xx status.
	BasisStatus
	// BasisLocation: a redirect whose Location header was recorded.
	BasisLocation
	// BasisRedirect: a redirect without a recorded Location.
	BasisRedirect
	// BasisEventOutcome: no status; event.outcome said it.
	BasisEventOutcome
)

// Login is what one request tells about a login.
type Login struct {
	// Attempt is set for a POST to a login route; the rest is meaningful
	// only then.
	Attempt bool
	// Succeeded is the outcome when Known.
	Succeeded, Known bool
	// Basis is what decided the outcome.
	Basis LoginBasis
	// User is the name tried: the body's user-name field when it holds
	// one, else user.name. BodyUser says it came from the body.
	User     string
	BodyUser bool
	// Fields are the body's field names, lower-cased, in order (form
	// fields, or the keys of a JSON body's string values).
	Fields []string
	// HasUser and HasPassword say the body carried a user-name or a
	// password field at all (empty or redacted counts: it was sent).
	HasUser, HasPassword bool
	// Captured says the body was recorded and read as a form or as JSON,
	// so Fields, HasUser and HasPassword mean something.
	Captured bool
}

// maxLoginFields bounds how many body fields one login is read for.
const maxLoginFields = 256

// redacted is what APM agents write in place of sensitive values.
const redacted = "[REDACTED]"

// LoginOutcome reports whether ev is a login attempt and, when the outcome
// is known, whether it succeeded; see the package rules above. It uses the
// default login routes.
func LoginOutcome(ev *Event) (attempt, succeeded, known bool) {
	return defaultLoginForm.Outcome(ev)
}

// LoginUser returns the user name a login attempt tried (the body's
// user-name field, else user.name); ok is false for other events and for
// attempts that name nobody. It uses the default login form.
func LoginUser(ev *Event) (string, bool) {
	return defaultLoginForm.User(ev)
}

// ParseLogin reads everything ev says about a login with the default
// login form.
func ParseLogin(ev *Event) Login { return defaultLoginForm.Parse(ev) }

// IsAttempt reports whether ev is a POST to one of the login routes.
func (lf *LoginForm) IsAttempt(ev *Event) bool {
	return strings.EqualFold(ev.Method, "POST") && lf.IsLoginPath(ev.URLPath)
}

// IsLoginPath reports whether a request path is a login route.
func (lf *LoginForm) IsLoginPath(p string) bool {
	p = strings.ToLower(strings.TrimSuffix(p, "/"))
	if p == "" {
		return false
	}
	if p[0] != '/' {
		p = "/" + p
	}
	for _, lr := range lf.Paths {
		if p == lr || strings.HasSuffix(p, lr) {
			return true
		}
	}
	return false
}

// Outcome is LoginOutcome with this form's routes.
func (lf *LoginForm) Outcome(ev *Event) (attempt, succeeded, known bool) {
	if !lf.IsAttempt(ev) {
		return false, false, false
	}
	ok, basis := lf.outcome(ev)
	return true, ok, basis != BasisNone
}

// User is LoginUser with this form's fields.
func (lf *LoginForm) User(ev *Event) (string, bool) {
	if !lf.IsAttempt(ev) {
		return "", false
	}
	name := ""
	eachBodyField(ev, func(field, value string) bool {
		if containsFold(lf.UserFields, field) {
			name = value
			return false
		}
		return true
	})
	if name == "" || name == redacted {
		name = ev.UserName
	}
	return name, name != ""
}

// Parse reads everything ev says about a login.
func (lf *LoginForm) Parse(ev *Event) Login {
	if !lf.IsAttempt(ev) {
		return Login{}
	}
	l := Login{Attempt: true}
	l.Succeeded, l.Basis = lf.outcome(ev)
	l.Known = l.Basis != BasisNone
	l.Captured = eachBodyField(ev, func(field, value string) bool {
		name := strings.ToLower(field)
		if len(l.Fields) < maxLoginFields {
			l.Fields = append(l.Fields, name)
		}
		switch {
		case containsFold(lf.UserFields, name):
			if !l.HasUser {
				l.HasUser = true
				if value != redacted {
					l.User, l.BodyUser = value, value != ""
				}
			}
		case containsFold(lf.PasswordFields, name):
			l.HasPassword = true // "[REDACTED]" still means it was sent
		}
		return len(l.Fields) < maxLoginFields
	})
	if l.User == "" {
		l.User = ev.UserName
	}
	return l
}

// outcome decides a login attempt's outcome from its status, its
// redirect's target and, without a status, event.outcome.
func (lf *LoginForm) outcome(ev *Event) (succeeded bool, basis LoginBasis) {
	switch s := ev.StatusCode; {
	case s >= 200 && s < 300:
		return !(lf.Failure200 && s == 200), BasisStatus
	case s >= 300 && s < 400:
		if loc, ok := responseLocation(ev); ok {
			return !lf.IsLoginPath(locationPath(loc)), BasisLocation
		}
		return true, BasisRedirect
	case s >= 400 && s < 600:
		return false, BasisStatus
	case s != 0:
		return false, BasisNone // 1xx or nonsense: nothing to say
	}
	switch ev.Outcome {
	case "success":
		return true, BasisEventOutcome
	case "failure":
		return false, BasisEventOutcome
	}
	return false, BasisNone
}

// responseLocation is the Location response header
// (http.response.headers, any case; APM writes header values as arrays).
func responseLocation(ev *Event) (string, bool) {
	if !bytes.Contains(ev.Raw, []byte("ocation")) && !bytes.Contains(ev.Raw, []byte("OCATION")) {
		return "", false // spares parsing the headers of nearly every event
	}
	for _, h := range ev.Values("http.response.headers") {
		if h.Kind != KindObject {
			continue
		}
		var p fastjson.Parser
		v, err := p.Parse(h.Str)
		if err != nil {
			continue
		}
		o, err := v.Object()
		if err != nil {
			continue
		}
		loc, found := "", false
		o.Visit(func(k []byte, hv *fastjson.Value) {
			if found || !equalFold(k, "location") {
				return
			}
			if hv.Type() == fastjson.TypeArray {
				if arr, _ := hv.Array(); len(arr) > 0 {
					hv = arr[0]
				}
			}
			if s := scalarString(hv); s != "" {
				loc, found = s, true
			}
		})
		if found {
			return loc, true
		}
	}
	for _, path := range []string{"http.response.headers.Location", "http.response.headers.location"} {
		if vs := ev.Strings(path); len(vs) > 0 && vs[0] != "" {
			return vs[0], true // a dotted key that Values did not nest
		}
	}
	return "", false
}

// locationPath is the path a Location header points to.
func locationPath(loc string) string {
	if u, err := url.Parse(strings.TrimSpace(loc)); err == nil {
		return u.Path
	}
	p, _, _ := strings.Cut(loc, "?")
	return p
}

// eachBodyField calls fn with the name and value of each field of a
// captured login body: the pairs of a form body (percent-decoded once,
// '+' as a space, malformed escapes kept), or the string values of a JSON
// body with the key that holds them, in document order. It reports
// whether the body was read as a form or as JSON.
func eachBodyField(ev *Event, fn func(name, value string) bool) bool {
	body := strings.TrimSpace(ev.Body)
	if body == "" {
		return false
	}
	ct := strings.ToLower(ev.Headers.ContentType)
	switch {
	case strings.Contains(ct, "json") || (ct == "" && (strings.HasPrefix(body, "{") || strings.HasPrefix(body, "["))):
		var p fastjson.Parser
		v, err := p.Parse(body)
		if err != nil {
			return false
		}
		n := 0
		var walk func(v *fastjson.Value, name string, depth int) bool
		walk = func(v *fastjson.Value, name string, depth int) bool {
			if depth > 16 || n >= maxLoginFields {
				return false
			}
			switch v.Type() {
			case fastjson.TypeObject:
				o, _ := v.Object()
				more := true
				o.Visit(func(k []byte, child *fastjson.Value) {
					if more {
						more = walk(child, string(k), depth+1)
					}
				})
				return more
			case fastjson.TypeArray:
				arr, _ := v.Array()
				for _, e := range arr {
					if !walk(e, name, depth+1) {
						return false
					}
				}
			case fastjson.TypeString:
				n++
				return fn(name, string(v.GetStringBytes()))
			}
			return true
		}
		walk(v, "", 0)
		return n > 0
	case strings.Contains(ct, "x-www-form-urlencoded") || (ct == "" && strings.Contains(body, "=") && !strings.ContainsAny(body, " \n{<")):
		read := false
		for n := 0; body != "" && n < maxLoginFields; n++ {
			var pair string
			pair, body, _ = strings.Cut(body, "&")
			if pair == "" {
				continue
			}
			name, value, _ := strings.Cut(pair, "=")
			read = true
			if !fn(formDecode(name), formDecode(value)) {
				break
			}
		}
		return read
	}
	return false
}

// formDecode percent-decodes a form name or value once, '+' as a space.
func formDecode(s string) string { return PercentDecode(s, true) }

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
