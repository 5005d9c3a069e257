package playbooks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ActionKind names what the console does for a checklist item.
type ActionKind string

// The action kinds. Every kind is answered from data Picket already holds
// (the run's findings and kept events, and the case file); none of them
// writes anything without the analyst confirming it.
const (
	// ActGroup opens the group the finding belongs to: every finding and
	// event from the same source address and user agent ("other activity
	// from this source"). No parameters.
	ActGroup ActionKind = "group"

	// ActEvidence opens the finding's evidence events. No parameters.
	ActEvidence ActionKind = "evidence"

	// ActCount counts the events that match Query within Scope and Window
	// and shows the number inline beside the item ("17 events").
	// Parameters: query (KQL, required), window, scope.
	ActCount ActionKind = "count"

	// ActValues lists the distinct values of Field, most frequent first
	// (at most Top), among the events in Scope and Window that match
	// Query (all events when Query is empty), inline beside the item.
	// Parameters: field (required), query, window, scope, top.
	ActValues ActionKind = "values"

	// ActPivot finds other groups (source address × user agent) whose
	// events share a value of Field with this finding's evidence: the
	// same user name from elsewhere, the same session id, the same path.
	// Parameters: field (required), window.
	ActPivot ActionKind = "pivot"

	// ActAllowlistCheck looks the finding's actor up in the case file's
	// allowlists and shows the matching entry with its reason and expiry,
	// or "not allowlisted". Parameter: kind (ip, user_agent, user; all
	// three when empty).
	ActAllowlistCheck ActionKind = "allowlist-check"

	// ActRoutes answers "which routes, and how much of each is this
	// client's": the client's requests in Scope and Window that match
	// Query (all when empty), counted by route (RouteField), each beside
	// the route's requests site-wide in the same window and how many
	// sources made them. Parameters: query, window, scope, top.
	ActRoutes ActionKind = "routes"

	// ActException opens the exception dialog prefilled with the evidence
	// events' values of Fields (match when all events agree, match_any
	// otherwise), scoped to this detector. Nothing is saved until the
	// analyst confirms. Parameter: fields (comma-separated ECS paths).
	ActException ActionKind = "exception"
)

// Scopes restrict which events an action looks at.
const (
	ScopeSource  = "source"  // same source address and user agent as the finding (its group); the default
	ScopeIP      = "ip"      // same source address, any user agent
	ScopeUser    = "user"    // same user.name, or a login attempt as that user (FieldLoginUser)
	ScopeSession = "session" // same session id
	ScopeSite    = "site"    // every event
)

// Action is a structured step the console can run. Its text form, used in
// content files and shown in Markdown, is the kind followed by key=value
// parameters; values with spaces are double-quoted with Go string escapes:
//
//	count query="http.request.method:(POST or post) and http.response.status_code:403" window=1h
//
// Placeholders {{field}} in Query are replaced with the first evidence
// event's value of that ECS field, quoted for KQL, before the query runs
// ("url.path:{{url.path}}").
type Action struct {
	Kind ActionKind
	// Query is a KQL filter (count, values).
	Query string
	// Field is an ECS path (values, pivot).
	Field string
	// Fields are ECS paths (exception).
	Fields []string
	// Window looks back from the end of the finding; zero means the
	// whole run for count, values and pivot.
	Window time.Duration
	// Scope is one of the Scope constants; empty means ScopeSource.
	Scope string
	// Top caps a values list; zero means 10.
	Top int
	// AllowKind limits allowlist-check to one kind (ip, user_agent, user).
	AllowKind string
}

var kinds = []ActionKind{ActGroup, ActEvidence, ActCount, ActValues, ActPivot, ActAllowlistCheck, ActRoutes, ActException}

// Fields Picket works out from an event rather than reads from it. Steps
// use them like ECS fields, in queries, placeholders, values and pivots;
// playbooks/run computes them with the triage functions that own each
// decision. They are not in the documents, so exceptions and allowlists,
// which Elasticsearch and Kibana must understand too, cannot use them.
const (
	// FieldLoginOutcome is "success", "failure" or "unknown" on a login
	// attempt (a POST to a login route), absent on every other event:
	// from the status and redirect, as triage.LoginOutcome decides, not
	// from event.outcome, which APM sets to success on a 401.
	// "picket.login.outcome:*" selects the login attempts.
	FieldLoginOutcome = "picket.login.outcome"
	// FieldLoginUser is the user name a login attempt tried: the login
	// body's user field, else user.name (triage.LoginUser). Failed logins
	// carry no user.name; the name tried is only in the body.
	FieldLoginUser = "picket.login.user"
	// RouteField is the route a request was served by: transaction.name,
	// APM's route template ("GET /products/:id"), else the method and
	// url.path. Requests for a thousand product URLs are one route.
	RouteField = "picket.route"
)

// DerivedFields lists the fields Picket computes.
var DerivedFields = []string{FieldLoginOutcome, FieldLoginUser, RouteField}

// IsDerived reports whether field is one Picket computes.
func IsDerived(field string) bool { return slices.Contains(DerivedFields, field) }

// ActionKinds returns every kind the console must support.
func ActionKinds() []ActionKind { return slices.Clone(kinds) }

// ParseAction reads an action's text form.
func ParseAction(s string) (Action, error) {
	toks, err := tokenize(s)
	if err != nil {
		return Action{}, fmt.Errorf("action %q: %w", s, err)
	}
	if len(toks) == 0 {
		return Action{}, fmt.Errorf("empty action")
	}
	a := Action{Kind: ActionKind(toks[0])}
	if !slices.Contains(kinds, a.Kind) {
		return Action{}, fmt.Errorf("action %q: unknown kind %q", s, toks[0])
	}
	for _, t := range toks[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return Action{}, fmt.Errorf("action %q: %q is not key=value", s, t)
		}
		if len(v) > 0 && v[0] == '"' {
			if v, err = strconv.Unquote(v); err != nil {
				return Action{}, fmt.Errorf("action %q: %s: %w", s, k, err)
			}
		}
		switch k {
		case "query":
			a.Query = v
		case "field":
			a.Field = v
		case "fields":
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f != "" {
					a.Fields = append(a.Fields, f)
				}
			}
		case "window":
			d, err := parseWindow(v)
			if err != nil {
				return Action{}, fmt.Errorf("action %q: window: %w", s, err)
			}
			a.Window = d
		case "scope":
			switch v {
			case ScopeSource, ScopeIP, ScopeUser, ScopeSession, ScopeSite:
				a.Scope = v
			default:
				return Action{}, fmt.Errorf("action %q: unknown scope %q", s, v)
			}
		case "top":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return Action{}, fmt.Errorf("action %q: top must be a positive number", s)
			}
			a.Top = n
		case "kind":
			switch v {
			case "ip", "user_agent", "user":
				a.AllowKind = v
			default:
				return Action{}, fmt.Errorf("action %q: unknown allowlist kind %q", s, v)
			}
		default:
			return Action{}, fmt.Errorf("action %q: unknown parameter %q", s, k)
		}
	}
	if err := a.Validate(); err != nil {
		return Action{}, fmt.Errorf("action %q: %w", s, err)
	}
	return a, nil
}

// Validate reports parameters missing for the kind.
func (a Action) Validate() error {
	switch a.Kind {
	case ActCount:
		if a.Query == "" {
			return fmt.Errorf("count needs query")
		}
	case ActValues, ActPivot:
		if a.Field == "" {
			return fmt.Errorf("%s needs field", a.Kind)
		}
	case ActException:
		if len(a.Fields) == 0 {
			return fmt.Errorf("exception needs fields")
		}
		for _, f := range a.Fields {
			if IsDerived(f) {
				return fmt.Errorf("exception field %s is computed by Picket, not in the documents", f)
			}
		}
	}
	return nil
}

// String returns the action's text form; ParseAction(a.String()) == a.
func (a Action) String() string {
	parts := []string{string(a.Kind)}
	if a.Field != "" {
		parts = append(parts, "field="+quote(a.Field))
	}
	if len(a.Fields) > 0 {
		parts = append(parts, "fields="+quote(strings.Join(a.Fields, ",")))
	}
	if a.Query != "" {
		parts = append(parts, "query="+quote(a.Query))
	}
	if a.Window > 0 {
		parts = append(parts, "window="+formatWindow(a.Window))
	}
	if a.Scope != "" {
		parts = append(parts, "scope="+a.Scope)
	}
	if a.Top > 0 {
		parts = append(parts, "top="+strconv.Itoa(a.Top))
	}
	if a.AllowKind != "" {
		parts = append(parts, "kind="+a.AllowKind)
	}
	return strings.Join(parts, " ")
}

// EffectiveScope is Scope, or ScopeSource when empty.
func (a Action) EffectiveScope() string {
	if a.Scope == "" {
		return ScopeSource
	}
	return a.Scope
}

func quote(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\"\\=") || !strconv.CanBackquote(v) {
		return strconv.Quote(v)
	}
	return v
}

// tokenize splits on spaces outside double quotes.
func tokenize(s string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	inQuote, esc := false, false
	for _, r := range s {
		switch {
		case esc:
			esc = false
			cur.WriteRune(r)
		case inQuote && r == '\\':
			esc = true
			cur.WriteRune(r)
		case r == '"':
			inQuote = !inQuote
			cur.WriteRune(r)
		case !inQuote && (r == ' ' || r == '\t' || r == '\n'):
			if cur.Len() > 0 {
				toks = append(toks, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated quote")
	}
	if cur.Len() > 0 {
		toks = append(toks, cur.String())
	}
	return toks, nil
}

// parseWindow accepts Go durations plus a "d" (day) unit: 30m, 1h, 7d.
func parseWindow(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("bad duration %q", v)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad duration %q", v)
	}
	return d, nil
}

func formatWindow(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return d.String()
}
