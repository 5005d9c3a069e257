package appsensor

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"picket/triage"
)

// LoginOptions say how to recognise logins in APM data. The defaults fit
// common frameworks; override them for unusual applications.
type LoginOptions struct {
	// Paths are login routes: a request path equal to one, or ending in
	// one of them ("/api/v1/auth/login" ends in "/login").
	Paths []string
	// UsernameFields and PasswordFields name the body fields (any case).
	UsernameFields []string
	PasswordFields []string
	// FailureStatuses are the answers that mean "wrong credentials".
	FailureStatuses []int
	// Failure200 counts a 200 answer on a login route as a failure, for
	// applications that re-render the form instead of answering 401
	// (WordPress does). APM data has no response Location header, so a
	// redirect back to the login page cannot be told from success.
	Failure200 bool
	// MaxUsernameLength is AE4's limit.
	MaxUsernameLength int
	// CommonUsernames is AE12's list.
	CommonUsernames []string
	// Thresholds for the windowed login points.
	AE1, AE2, AE3 Threshold
}

// DefaultLogin returns the login defaults; each threshold's source is in
// the README.
func DefaultLogin() LoginOptions {
	// The login routes and body fields are triage's (triage/login.go),
	// the one owner of what a login looks like, so the points and the
	// checklists' answers recognise the same logins.
	form := triage.DefaultLoginForm()
	return LoginOptions{
		Paths:             form.Paths,
		UsernameFields:    form.UserFields,
		PasswordFields:    form.PasswordFields,
		FailureStatuses:   []int{401, 403},
		MaxUsernameLength: 100,
		CommonUsernames: []string{"admin", "administrator", "root", "test", "guest", "user", "demo", "oracle",
			"postgres", "sa", "support", "info", "webmaster", "operator", "manager", "sysadmin", "ubnt", "pi",
			"default", "system", "backup", "ftp", "mysql", "tomcat", "apache", "nagios", "test1", "testuser"},
		AE1: Threshold{3, 5 * time.Minute},
		AE2: Threshold{5, 10 * time.Minute},
		AE3: Threshold{50, 5 * time.Minute},
	}
}

func (o LoginOptions) withDefaults() LoginOptions {
	d := DefaultLogin()
	if len(o.Paths) == 0 {
		o.Paths = d.Paths
	}
	if len(o.UsernameFields) == 0 {
		o.UsernameFields = d.UsernameFields
	}
	if len(o.PasswordFields) == 0 {
		o.PasswordFields = d.PasswordFields
	}
	if len(o.FailureStatuses) == 0 {
		o.FailureStatuses = d.FailureStatuses
	}
	if o.MaxUsernameLength <= 0 {
		o.MaxUsernameLength = d.MaxUsernameLength
	}
	if len(o.CommonUsernames) == 0 {
		o.CommonUsernames = d.CommonUsernames
	}
	for _, p := range []struct{ t, d *Threshold }{{&o.AE1, &d.AE1}, {&o.AE2, &d.AE2}, {&o.AE3, &d.AE3}} {
		if p.t.Count <= 0 || p.t.Window <= 0 {
			*p.t = *p.d
		}
	}
	return o
}

// login is what one request to a login route tells: the fields sent, the
// username, and whether it failed.
type login struct {
	fields      []string // body field names, lower-cased, in order
	username    string
	hasUsername bool
	hasPassword bool
	failed      bool
	captured    bool // the body was captured, so fields mean something
	fromUser    bool // username is user.name, the body naming none
}

// loginParser recognises login attempts; it memoises the last event so all
// login points share one parse.
type loginParser struct {
	opts  LoginOptions
	cache *partsCache
	ev    *triage.Event
	cur   login
	ok    bool
}

func (lp *loginParser) get(ev *triage.Event) (login, bool) {
	if lp.ev == ev {
		return lp.cur, lp.ok
	}
	lp.ev = ev
	lp.cur, lp.ok = lp.parse(ev)
	return lp.cur, lp.ok
}

func (lp *loginParser) isLoginRoute(ev *triage.Event) bool {
	form := triage.LoginForm{Paths: lp.opts.Paths}
	return form.IsLoginPath(ev.URLPath)
}

func (lp *loginParser) parse(ev *triage.Event) (login, bool) {
	if _, post := lp.cache.anyOf(ev, fieldMethod, func(m string) bool { return m == "POST" || m == "post" }); !post || !lp.isLoginRoute(ev) {
		return login{}, false
	}
	l := login{failed: slices.Contains(lp.opts.FailureStatuses, ev.StatusCode) || (lp.opts.Failure200 && ev.StatusCode == 200)}
	for _, p := range lp.cache.get(ev) {
		var name, value string
		switch p.Where {
		case InFormValue, InJSONValue:
			name, value = strings.ToLower(p.Name), p.Value
		default:
			continue
		}
		l.captured = true
		l.fields = append(l.fields, name)
		switch {
		case containsFold(lp.opts.UsernameFields, name):
			if !l.hasUsername {
				l.username, l.hasUsername = value, true
			}
		case containsFold(lp.opts.PasswordFields, name):
			l.hasPassword = true // "[REDACTED]" still means the field was sent
		}
	}
	if !l.hasUsername && ev.UserName != "" {
		// APM's user context names who tried, even without the body.
		l.username, l.fromUser = ev.UserName, true
	}
	return l, true
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// clientKey is who AE1 and AE3 count per: the session, else the address.
// A NAT address shared by many users is split as soon as sessions exist.
func clientKey(ev *triage.Event, sessionNames []string) string {
	if s := sessionID(ev, sessionNames); s != "" {
		return "session:" + s
	}
	if ev.SourceIP.IsValid() {
		return "ip:" + ev.SourceIP.String()
	}
	return ""
}

// newLoginPoints builds the login family.
func newLoginPoints(opts Options, cache *partsCache) []triage.Detector {
	lo := opts.Login.withDefaults()
	lp := &loginParser{opts: lo, cache: cache}
	sess := opts.sessionCookies()
	single := func(id, summary string, check func(ev *triage.Event, l login) (string, bool)) *point {
		return &point{b: newBursts(pointInfo(id, summary), "login attempt"), check: func(ev *triage.Event) (string, bool) {
			l, ok := lp.get(ev)
			if !ok {
				return "", false
			}
			return check(ev, l)
		}}
	}
	ae4 := single("AE4", fmt.Sprintf("username longer than %d characters in a captured login body", lo.MaxUsernameLength), func(_ *triage.Event, l login) (string, bool) {
		if n := utf8.RuneCountInString(l.username); l.hasUsername && n > lo.MaxUsernameLength {
			return fmt.Sprintf("%d-character username %s", n, clip(l.username, 40)), true
		}
		return "", false
	})
	ae6 := single("AE6", "control characters in the username of a captured login body", func(_ *triage.Event, l login) (string, bool) {
		u := strings.TrimRight(l.username, " \t\r\n") // pasted trailing line breaks are honest
		for i := 0; i < len(u); i++ {
			if u[i] < 0x20 || u[i] == 0x7f {
				return fmt.Sprintf("control character 0x%02x in username %s", u[i], clip(u, 40)), true
			}
		}
		if !utf8.ValidString(u) {
			return "invalid UTF-8 in username " + clip(u, 40), true
		}
		return "", false
	})
	ae8 := single("AE8", "a login body with a username field but no password field at all (absent, not empty)", func(_ *triage.Event, l login) (string, bool) {
		if l.captured && l.hasUsername && !l.hasPassword {
			return "login without a password field for " + clip(l.username, 40), true
		}
		return "", false
	})
	ae9 := single("AE9", "a login body with a password field but no username field at all (absent, not empty)", func(_ *triage.Event, l login) (string, bool) {
		if l.captured && l.hasPassword && !l.hasUsername {
			return "login without a username field (fields: " + clip(strings.Join(l.fields, ", "), 60) + ")", true
		}
		return "", false
	})
	ae12 := single("AE12", "a failed login with a common username (admin, administrator, root, test, guest, …)", func(ev *triage.Event, l login) (string, bool) {
		if !l.failed {
			return "", false
		}
		common := func(u string) bool { return containsFold(lo.CommonUsernames, strings.TrimSpace(u)) }
		if l.fromUser {
			if u, ok := lp.cache.anyOf(ev, fieldUserName, common); ok {
				return "failed login as " + clip(u, 40), true
			}
		} else if common(l.username) {
			return "failed login as " + clip(l.username, 40), true
		}
		return "", false
	})

	ae1 := newWindowPoint("AE1", "several usernames tried from one client (session, else address) in failed logins", lo.AE1, true)
	ae1.qualify = func(ev *triage.Event) (string, string, bool) {
		l, ok := lp.get(ev)
		if !ok || !l.failed || l.username == "" {
			return "", "", false
		}
		return clientKey(ev, sess), l.username, true
	}
	ae1.describe = func(vals []string, n, events int, d time.Duration) string {
		return fmt.Sprintf("%d usernames tried in %d failed logins over %s: %s", n, events, span(d), listValues(vals, n))
	}

	ae2 := newWindowPoint("AE2", "many failed logins for one username", lo.AE2, false)
	ae2.qualify = func(ev *triage.Event) (string, string, bool) {
		l, ok := lp.get(ev)
		if !ok || !l.failed || l.username == "" {
			return "", "", false
		}
		return "username:" + strings.ToLower(l.username), l.username, true
	}
	ae2.describe = func(vals []string, n, events int, d time.Duration) string {
		return fmt.Sprintf("%d failed logins for %s over %s", events, listValues(vals, n), span(d))
	}

	ae3 := newWindowPoint("AE3", "a high rate of login attempts from one client, whatever their outcome", lo.AE3, false)
	ae3.qualify = func(ev *triage.Event) (string, string, bool) {
		if _, ok := lp.get(ev); !ok {
			return "", "", false
		}
		return clientKey(ev, sess), "", true
	}
	ae3.describe = func(_ []string, _, events int, d time.Duration) string {
		return fmt.Sprintf("%d login attempts in %s", events, span(d))
	}
	ae10, ae11 := newLoginFields(lp, sess)
	ds := []triage.Detector{ae1, ae2, ae3, ae4, ae6, ae8, ae9, ae10, ae11, ae12}
	if len(opts.HoneyUsers) > 0 {
		ds = append(ds, newHT3(opts.HoneyUsers, lp))
	}
	for _, d := range ds {
		if w, ok := d.(*windowPoint); ok {
			w.reputation = opts.Reputation
		}
	}
	return ds
}
