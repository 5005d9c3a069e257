package run

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"picket/playbooks"
	"picket/triage"
)

// Answer is a step's answer whatever its action's kind: exactly one of
// the answer fields is set. It is what the console shows and what the
// case file keeps (as JSON) with the step.
type Answer struct {
	// Action is the action's text form, as the playbook has it.
	Action string               `json:"action"`
	Kind   playbooks.ActionKind `json:"kind"`

	Count  *Counted      `json:"count,omitempty"`
	Values *ValueCounts  `json:"values,omitempty"`
	Pivot  *Pivoted      `json:"pivot,omitempty"`
	Allow  *AllowVerdict `json:"allowlist,omitempty"`
	Routes *RouteCounts  `json:"routes,omitempty"`
}

// Coverage is which events the answer walked; an allowlist check walks
// none (ok is false).
func (a Answer) Coverage() (c Coverage, ok bool) {
	switch {
	case a.Count != nil:
		return a.Count.Coverage, true
	case a.Values != nil:
		return a.Values.Coverage, true
	case a.Pivot != nil:
		return a.Pivot.Coverage, true
	case a.Routes != nil:
		return a.Routes.Coverage, true
	}
	return Coverage{}, false
}

// With is what answering needs beyond the action, the finding and the
// events: the queue's groups (pivot), the allowlist and the time it is
// judged at (allowlist-check).
type With struct {
	Queued []triage.GroupKey
	Allow  []triage.AllowEntry
	Now    time.Time
	// Members are a campaign's groups when the finding is asked about
	// as the campaign's: "this client" (scope source) and "this address"
	// (scope ip) then mean every member, not the finding's own.
	Members []triage.GroupKey
	// RowClients says Members are instead the clients (source × user
	// agent) under a row of another grouping (user.name, a country…):
	// the same reach, named for what it is.
	RowClients bool
}

// ErrNotComputed is returned for actions that open something rather than
// answer (group, evidence, exception).
var ErrNotComputed = errors.New("the action opens a view; it has no answer to compute")

// Computed reports whether an action kind is answered by Run.
func Computed(k playbooks.ActionKind) bool {
	switch k {
	case playbooks.ActCount, playbooks.ActValues, playbooks.ActPivot, playbooks.ActAllowlistCheck, playbooks.ActRoutes:
		return true
	}
	return false
}

// Run answers a computed action (count, values, pivot, allowlist-check,
// routes) on finding f over the kept events.
func Run(act playbooks.Action, f triage.Finding, evs Events, with With) (Answer, error) {
	a := Answer{Action: act.String(), Kind: act.Kind}
	var err error
	switch act.Kind {
	case playbooks.ActCount:
		var c Counted
		c, err = Count(act, f, evs, with.Members...)
		a.Count = &c
	case playbooks.ActValues:
		var v ValueCounts
		v, err = Values(act, f, evs, with.Members...)
		a.Values = &v
	case playbooks.ActPivot:
		var p Pivoted
		p, err = Pivot(act, f, evs, with.Queued)
		a.Pivot = &p
	case playbooks.ActAllowlistCheck:
		v := CheckAllowlist(act, f, evs, with.Allow, with.Now)
		a.Allow = &v
	case playbooks.ActRoutes:
		var r RouteCounts
		r, err = Routes(act, f, evs, with.Members...)
		a.Routes = &r
	default:
		return Answer{}, fmt.Errorf("%s: %w", act.Kind, ErrNotComputed)
	}
	if err != nil {
		return Answer{}, err
	}
	if c := a.coverage(); with.RowClients && c != nil && c.Members > 0 {
		c.RowClients = true
	}
	return a, nil
}

// coverage is the answer's coverage, nil for kinds without one.
func (a *Answer) coverage() *Coverage {
	switch {
	case a.Count != nil:
		return &a.Count.Coverage
	case a.Values != nil:
		return &a.Values.Coverage
	case a.Routes != nil:
		return &a.Routes.Coverage
	}
	return nil
}

// MarshalJSON writes a coverage with its window as a Go duration
// ("24h0m0s", "" for the whole run) and its bounds as RFC 3339 times
// ("" when open), as the case file's JSON export writes times.
func (c Coverage) MarshalJSON() ([]byte, error) {
	w := ""
	if c.Window > 0 {
		w = c.Window.String()
	}
	return json.Marshal(struct {
		Scope   string `json:"scope"`
		Actor   string `json:"actor"`
		Window  string `json:"window"`
		From    string `json:"from"`
		To      string `json:"to"`
		Members int    `json:"campaign_groups,omitempty"`
		Clients int    `json:"row_clients,omitempty"`
		Partial bool   `json:"partial"`
		Kept    int    `json:"events_kept"`
	}{c.Scope, c.Actor, w, jsonTime(c.From), jsonTime(c.To), c.campaignGroups(), c.rowClients(), c.Partial, c.Kept})
}

func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (c Coverage) campaignGroups() int {
	if c.RowClients {
		return 0
	}
	return c.Members
}

func (c Coverage) rowClients() int {
	if c.RowClients {
		return c.Members
	}
	return 0
}
