package triage

import (
	"encoding/base64"
	"strings"
)

// Picket never prints a credential. These are the one place that hides
// them in text it shows: URLs typed with a password, and messages (a
// server's error page, a transport error) that may quote one.

// Redacted stands where a secret was.
const Redacted = "[redacted]"

// HideURLPassword replaces the password of a URL written by hand, which
// may not parse, with [redacted]. Everything between the first colon
// after the scheme (or the start, when there is none) and the last @
// counts as the password: too much is hidden rather than too little.
func HideURLPassword(raw string) string {
	prefix, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+3], raw[i+3:]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return raw
	}
	return prefix + user + ":" + Redacted + rest[at:]
}

// URLPassword is the password written into a URL, if any (as
// HideURLPassword finds it).
func URLPassword(raw string) string {
	rest := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		rest = raw[i+3:]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pw, _ := strings.Cut(rest[:at], ":")
	return pw
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
