package triage

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
)

// Picket never prints a credential. These are the one place that hides
// them in text it shows: URLs typed with a password, and messages (a
// server's error page, a transport error) that may quote one.

// Redacted stands where a secret was.
const Redacted = "[redacted]"

// userinfo splits a URL written by hand, which may not parse, as every
// function here reads it: the scheme's "://" (or nothing), the user and
// password before the last '@', and the rest from that '@' on. ok is
// false without an '@'.
func userinfo(raw string) (prefix, user, password, rest string, hasPassword, ok bool) {
	body := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, body = raw[:i+3], raw[i+3:]
	}
	at := strings.LastIndex(body, "@")
	if at < 0 {
		return prefix, "", "", body, false, false
	}
	user, password, hasPassword = strings.Cut(body[:at], ":")
	return prefix, user, password, body[at:], hasPassword, true
}

// HideURLPassword replaces the password of a URL written by hand, which
// may not parse, with [redacted]. Everything between the first colon
// after the scheme (or the start, when there is none) and the last @
// counts as the password: too much is hidden rather than too little.
func HideURLPassword(raw string) string {
	prefix, user, _, rest, hasPassword, ok := userinfo(raw)
	if !ok || !hasPassword {
		return raw
	}
	return prefix + user + ":" + Redacted + rest
}

// URLPassword is the password written into a URL, if any (as
// HideURLPassword finds it).
func URLPassword(raw string) string {
	_, _, pw, _, _, _ := userinfo(raw)
	return pw
}

// URLSecrets are the forms a password written into a URL can take in a
// message: as typed, percent-decoded, and inside the Basic token the HTTP
// client builds from the URL's user and password.
func URLSecrets(raw string) []string {
	_, user, pw, _, _, _ := userinfo(raw)
	if pw == "" {
		return nil
	}
	out := []string{pw}
	dec, err := url.PathUnescape(pw)
	if err != nil {
		dec = pw
	}
	if dec != pw {
		out = append(out, dec)
	}
	if u, err := url.PathUnescape(user); err == nil {
		user = u
	}
	return append(out, BasicAuth(user, dec))
}

// WebURLProblem says what keeps a hand-typed http or https URL from being
// used, in words that never quote its password ("" when it is fine):
// no scheme (a bare host:port, which must not be guessed: http would send
// credentials in clear to a server that expects TLS), a URL that does not
// parse (a '#', '/' or '?' in a password must be percent-encoded), another
// scheme, no host. hostport is what follows the userinfo, for a message
// that says what to write instead.
func WebURLProblem(raw string) (u *url.URL, problem, hostport string) {
	if !strings.Contains(raw, "://") {
		_, _, _, rest, _, ok := userinfo(raw)
		if ok {
			rest = rest[1:] // after the '@'
		}
		return nil, "has no scheme", strings.TrimRight(rest, "/")
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		// url.Error, and the error it wraps, may quote part of the
		// password ("invalid port \":hunter\""): say only that it does
		// not parse.
		return nil, "does not parse (a '#', '/', '?' or '@' in a user name or password must be percent-encoded, e.g. %23)", ""
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(u.Path, "@") {
		// "https://u:p@ss#word@host" parses, as host "ss": a server
		// address has no query or fragment and no '@' after its host,
		// so the password was not encoded, and its pieces must not
		// reach a resolver or an error message.
		return nil, "does not read as a server address (a '#', '/', '?' or '@' in a user name or password must be percent-encoded, e.g. %23; a server address has no ? or # part)", ""
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, "has scheme " + strconv.Quote(u.Scheme) + ", not http or https", ""
	}
	if u.Host == "" {
		return nil, "has no host", ""
	}
	return u, "", ""
}

// BasicAuth is the token an Authorization: Basic header carries for a
// user and password: a server that echoes the header would print it.
func BasicAuth(user, password string) string {
	if password == "" {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

// ScrubSecrets replaces every secret of at least 3 bytes in msg with
// [redacted] (shorter ones would blank ordinary words).
func ScrubSecrets(msg string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 3 {
			msg = strings.ReplaceAll(msg, sec, Redacted)
		}
	}
	return msg
}
