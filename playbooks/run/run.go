// Package run answers a checklist step's action from what a run kept:
// count, values, pivot and allowlist-check walk the kept events (and the
// allowlist) and return data — counts, value counts, the groups a pivot
// found, the allowlist verdict, the time window covered and whether the
// answer is partial because the run stopped keeping events. The console
// formats the answers; nothing here writes display text.
//
// Every field is read with triage.Event.Values, the one field lookup, so
// an answer sees the same values as the rules and the exceptions.
//
// run imports triage, kql and playbooks, never ui.
package run

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"picket/kql"
	"picket/playbooks"
	"picket/triage"
)

// Events is the read access to a run's kept events that answering needs.
// *triage.Collection implements it.
type Events interface {
	// Event resolves an evidence reference to a kept event.
	Event(r triage.EventRef) (*triage.Event, bool)
	// EachEvent calls fn for every kept event until fn returns false.
	EachEvent(fn func(*triage.Event) bool)
	// EachEventBetween is EachEvent for the events of a time window
	// (zero bounds are open); it may skip what lies outside unread.
	EachEventBetween(from, to time.Time, fn func(*triage.Event) bool)
	// EachEventFrom is EachEvent for the events of one source address.
	EachEventFrom(ip netip.Addr, fn func(*triage.Event) bool)
	// EventCount is the number of kept events.
	EventCount() int
	// Full reports that the run stopped keeping events at a cap.
	Full() bool
}

var _ Events = (*triage.Collection)(nil)

// Coverage says which events an answer walked.
type Coverage struct {
	// Scope is the action's effective scope (one of playbooks.Scope*).
	Scope string
	// Actor is what the scope was narrowed to: the address for ScopeIP,
	// the user for ScopeUser, the session id for ScopeSession; "" for
	// ScopeSource (the finding's own group) and ScopeSite.
	Actor string
	// Members counts a campaign's groups when the answer is about all
	// of them (With.Members): the source or ip scope was theirs. With
	// RowClients, they are the clients under a regrouped row.
	Members    int
	RowClients bool
	// Window is the action's look-back; zero means the whole run.
	Window time.Duration
	// From and To bound the events looked at when Window is set: the
	// window ends at the finding, not at the wall clock.
	From, To time.Time
	// Partial is set when the run stopped keeping events at its cap: the
	// answer is over the Kept events only.
	Partial bool
	Kept    int
}

// window is the span an action looks at, ending at the finding's end
// (its time when it has no end).
func window(act playbooks.Action, f *triage.Finding) (from, to time.Time) {
	to = f.End
	if to.IsZero() || to.Before(f.Timestamp) {
		to = f.Timestamp
	}
	if act.Window > 0 {
		from = to.Add(-act.Window)
	}
	return from, to
}

func coverage(act playbooks.Action, f *triage.Finding, evs Events) Coverage {
	c := Coverage{Scope: act.EffectiveScope(), Window: act.Window, Partial: evs.Full(), Kept: evs.EventCount()}
	if act.Window > 0 {
		c.From, c.To = window(act, f)
	}
	return c
}

// inWindow reports whether ev falls in the coverage's window; an event
// without a time is outside every window.
// each walks the kept events of the coverage's window (all of them when
// it has none), skipping what lies outside without reading it.
func (c Coverage) each(evs Events, fn func(*triage.Event) bool) {
	if c.Window <= 0 {
		evs.EachEvent(fn)
		return
	}
	evs.EachEventBetween(c.From, c.To, fn)
}

func (c Coverage) inWindow(ev *triage.Event) bool {
	if c.Window <= 0 {
		return true
	}
	return !ev.Timestamp.IsZero() && !ev.Timestamp.Before(c.From) && !ev.Timestamp.After(c.To)
}

// firstEvidence is the finding's first evidence event that was kept.
func firstEvidence(f *triage.Finding, evs Events) (*triage.Event, bool) {
	for _, r := range f.Evidence {
		if ev, ok := evs.Event(r); ok {
			return ev, true
		}
	}
	return nil, false
}

var placeholder = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}`)

// FillQuery replaces each {{field}} in q with a kept evidence event's
// value of the field, quoted for KQL, so the value is matched literally
// whatever it holds. Every placeholder is filled from one event: the
// first kept evidence event that holds all of them. Fields Picket
// computes (playbooks.DerivedFields) fill placeholders too.
func FillQuery(q string, f triage.Finding, evs Events) (string, error) {
	if !strings.Contains(q, "{{") {
		return q, nil
	}
	var fields []string
	for _, m := range placeholder.FindAllStringSubmatch(q, -1) {
		fields = append(fields, m[1])
	}
	var ev *triage.Event
	missing, kept := "", false
	for _, r := range f.Evidence {
		e, ok := evs.Event(r)
		if !ok {
			continue
		}
		lacks := ""
		for _, field := range fields {
			if len(fillValues(e, field, evs)) == 0 {
				lacks = field
				break
			}
		}
		if lacks == "" {
			ev = e
			break
		}
		if !kept {
			missing = lacks // what the first kept event lacks
		}
		kept = true
	}
	if ev != nil {
		kept = true
	}
	if !kept {
		return "", errors.New("the query needs an evidence event, and none was kept")
	}
	if ev == nil {
		return "", fmt.Errorf("the first evidence event has no %s for {{%s}}, nor does any other kept evidence event", missing, missing)
	}
	return placeholder.ReplaceAllStringFunc(q, func(s string) string {
		return kql.Quote(fillValues(ev, placeholder.FindStringSubmatch(s)[1], evs)[0])
	}), nil
}

// fillValues is an evidence event's values of a placeholder's field. A
// span or error serves no route itself: the request it ran in does, so
// its route is its kept transaction's (a CIE2 finding is raised on the
// database span of a request).
func fillValues(ev *triage.Event, field string, evs Events) []string {
	vs := fieldStrings(ev, field)
	if len(vs) > 0 || field != playbooks.RouteField {
		return vs
	}
	if tx, ok := triage.RequestOf(ev, evs.EachEventBetween); ok {
		return fieldStrings(tx, field)
	}
	return nil
}

// walk calls fn for the events of the action's scope and window that
// match its query (filled), and says what it covered. With members (a
// campaign's groups), the source and ip scopes are theirs.
func walk(act playbooks.Action, f *triage.Finding, evs Events, members []triage.GroupKey, fn func(*triage.Event)) (Coverage, string, error) {
	cov := coverage(act, f, evs)
	var query *kql.Query
	filled := act.Query
	if act.Query != "" {
		var err error
		if filled, err = FillQuery(act.Query, *f, evs); err != nil {
			return cov, "", err
		}
		if query, err = kql.Parse(filled); err != nil {
			return cov, filled, fmt.Errorf("query %s: %w", filled, err)
		}
	}
	doc := newEventDoc()
	visit := func(ev *triage.Event) bool {
		if !cov.inWindow(ev) {
			return true
		}
		if query != nil {
			doc.Reset(ev)
			if !query.Match(doc) {
				return true
			}
		}
		fn(ev)
		return true
	}
	switch {
	case len(members) > 0 && (cov.Scope == playbooks.ScopeSource || cov.Scope == playbooks.ScopeIP):
		walkMembers(members, cov.Scope == playbooks.ScopeSource, evs, visit)
		cov.Members = len(members)
		return cov, filled, nil
	}
	switch cov.Scope {
	case playbooks.ScopeSource:
		ua := f.UserAgent
		same := func(ev *triage.Event) bool {
			if ev.UserAgent != ua {
				return true
			}
			return visit(ev)
		}
		if !f.SourceIP.IsValid() {
			cov.each(evs, func(ev *triage.Event) bool {
				if ev.SourceIP.IsValid() {
					return true
				}
				return same(ev)
			})
			break
		}
		evs.EachEventFrom(f.SourceIP, same)
	case playbooks.ScopeIP:
		if !f.SourceIP.IsValid() {
			return cov, filled, errors.New("the finding has no source address")
		}
		cov.Actor = f.SourceIP.String()
		evs.EachEventFrom(f.SourceIP, visit)
	case playbooks.ScopeUser:
		user := findingUser(f, evs)
		if user == "" {
			return cov, filled, errors.New("the finding names no user")
		}
		cov.Actor = user
		cov.each(evs, func(ev *triage.Event) bool {
			if !madeBy(ev, user) {
				return true
			}
			return visit(ev)
		})
	case playbooks.ScopeSession:
		sid := f.SessionID
		if ev, ok := firstEvidence(f, evs); ok && sid == "" {
			sid = SessionOf(ev)
		}
		if sid == "" {
			return cov, filled, errors.New("the finding has no session id")
		}
		cov.Actor = sid
		cov.each(evs, func(ev *triage.Event) bool {
			if !InSession(ev, sid) {
				return true
			}
			return visit(ev)
		})
	default:
		cov.each(evs, visit)
	}
	return cov, filled, nil
}

// walkMembers visits the events of a campaign's groups: each group's
// address and user agent (sameUA), or every member address once.
func walkMembers(members []triage.GroupKey, sameUA bool, evs Events, visit func(*triage.Event) bool) {
	seen := map[netip.Addr]bool{}
	for _, m := range members {
		switch {
		case !m.SourceIP.IsValid():
		case sameUA:
			ua := m.UserAgent
			evs.EachEventFrom(m.SourceIP, func(ev *triage.Event) bool {
				return ev.UserAgent != ua || visit(ev)
			})
		case !seen[m.SourceIP]:
			seen[m.SourceIP] = true
			evs.EachEventFrom(m.SourceIP, visit)
		}
	}
}

// findingUser is the user a finding is about: the one it names, else its
// first kept evidence event's user, or the name it tried to log in as.
func findingUser(f *triage.Finding, evs Events) string {
	if f.UserName != "" {
		return f.UserName
	}
	if ev, ok := firstEvidence(f, evs); ok {
		return userOf(ev)
	}
	return ""
}

// Counted is the answer of a count action.
type Counted struct {
	// Events is how many events of the scope and window match the query.
	Events int `json:"events"`
	// Query is the query as run, placeholders filled.
	Query    string   `json:"query"`
	Coverage Coverage `json:"coverage"`
}

// Count counts the events of the action's scope and window that match
// its query; members, when given, are the campaign the finding is asked
// about as (With.Members).
func Count(act playbooks.Action, f triage.Finding, evs Events, members ...triage.GroupKey) (Counted, error) {
	n := 0
	cov, q, err := walk(act, &f, evs, members, func(*triage.Event) { n++ })
	if err != nil {
		return Counted{}, err
	}
	return Counted{Events: n, Query: q, Coverage: cov}, nil
}

// redactedValue is what APM agents write in place of sensitive values.
const redactedValue = "[REDACTED]"

// SessionOf is an event's session id: session.id, else the first cookie
// whose name says it holds one (sid, PHPSESSID, connect.sid, …), as the
// detectors find it by default. Redacted values are no session id.
func SessionOf(ev *triage.Event) string {
	if ev.SessionID != "" && ev.SessionID != redactedValue {
		return ev.SessionID
	}
	for _, c := range ev.Cookies {
		n := strings.ToLower(c.Name)
		if c.Value != "" && c.Value != redactedValue && (strings.Contains(n, "sess") || strings.HasSuffix(n, "sid")) {
			return c.Value
		}
	}
	return ""
}

// InSession reports whether an event belongs to session sid: its
// session.id, or a cookie carrying the id (detectors read sessions from
// cookies whose names are configured; the value is what identifies it).
func InSession(ev *triage.Event, sid string) bool {
	if ev.SessionID == sid {
		return true
	}
	for _, c := range ev.Cookies {
		if c.Value == sid {
			return true
		}
	}
	return false
}
