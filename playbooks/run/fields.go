package run

import (
	"picket/playbooks"
	"picket/triage"
)

// fieldValues is every value of field on ev: the fields Picket computes
// (playbooks.DerivedFields) from the triage function that owns each
// decision, every other field from triage.Event.Values.
func fieldValues(ev *triage.Event, field string) []triage.Value {
	if !playbooks.IsDerived(field) {
		return ev.Values(field)
	}
	if s, ok := derived(ev, field); ok {
		return []triage.Value{{Kind: triage.KindString, Str: s}}
	}
	return nil
}

// fieldStrings is the text of every scalar value of field on ev.
func fieldStrings(ev *triage.Event, field string) []string {
	if !playbooks.IsDerived(field) {
		return ev.Strings(field)
	}
	if s, ok := derived(ev, field); ok {
		return []string{s}
	}
	return nil
}

// Login outcomes as FieldLoginOutcome holds them.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeUnknown = "unknown"
)

// derived computes one of playbooks.DerivedFields.
func derived(ev *triage.Event, field string) (string, bool) {
	switch field {
	case playbooks.FieldLoginOutcome:
		attempt, ok, known := triage.LoginOutcome(ev)
		switch {
		case !attempt:
			return "", false
		case !known:
			return OutcomeUnknown, true
		case ok:
			return OutcomeSuccess, true
		}
		return OutcomeFailure, true
	case playbooks.FieldLoginUser:
		return triage.LoginUser(ev)
	case playbooks.RouteField:
		return RouteOf(ev)
	}
	return "", false
}

// RouteOf is the route that served a request: transaction.name (APM's
// route template, "GET /products/:id"), else the method and url.path
// ("GET /products/1001") for sources that record no route. ok is false
// for events that are no request.
func RouteOf(ev *triage.Event) (string, bool) {
	if vs := ev.Strings("transaction.name"); len(vs) > 0 && vs[0] != "" {
		return vs[0], true
	}
	if ev.Method != "" && ev.URLPath != "" {
		return ev.Method + " " + ev.URLPath, true
	}
	return "", false
}

// userOf is the user an event is by or tried: user.name, else the user
// name a login attempt tried.
func userOf(ev *triage.Event) string {
	if ev.UserName != "" {
		return ev.UserName
	}
	u, _ := triage.LoginUser(ev)
	return u
}

// madeBy reports whether ev was made by user or tried to log in as user.
func madeBy(ev *triage.Event, user string) bool {
	if ev.UserName == user {
		return true
	}
	u, ok := triage.LoginUser(ev)
	return ok && u == user
}
