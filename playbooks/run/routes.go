package run

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"picket/kql"
	"picket/playbooks"
	"picket/triage"
)

// RouteShare is one route the client used, beside everyone's use of it.
type RouteShare struct {
	// Route is the route template (see RouteOf).
	Route string `json:"route"`
	// Requests counts the client's requests to the route: the events of
	// the action's scope and window that match its query.
	Requests int `json:"requests"`
	// Site counts every request to the route in the same window that
	// matches the query, the client's included; Addresses counts the
	// distinct source addresses that made them.
	Site      int `json:"site"`
	Addresses int `json:"addresses"`
}

// Share is the part of the route's requests that were the client's, 0 to 1.
func (r RouteShare) Share() float64 {
	if r.Site == 0 {
		return 0
	}
	return float64(r.Requests) / float64(r.Site)
}

// RouteCounts is the answer of a routes action.
type RouteCounts struct {
	// Routes are every route of the client's requests, most requests
	// first, then by route. The action's Top is how many are worth
	// showing.
	Routes []RouteShare `json:"routes"`
	// Matched counts the client's events that match the query; NoRoute
	// those of them that are no request (no route, no method and path).
	Matched  int      `json:"matched"`
	NoRoute  int      `json:"no_route"`
	Coverage Coverage `json:"coverage"`
}

// Routes counts the client's requests by route (transaction.name, else
// method and path) and, for each route, every request to it site-wide in
// the same window: how much of the route was this client (every member,
// for a campaign's: With.Members).
func Routes(act playbooks.Action, f triage.Finding, evs Events, members ...triage.GroupKey) (RouteCounts, error) {
	mine := map[string]int{}
	var out RouteCounts
	cov, filled, err := walk(act, &f, evs, members, func(ev *triage.Event) {
		out.Matched++
		r, ok := RouteOf(ev)
		if !ok {
			out.NoRoute++
			return
		}
		mine[r]++
	})
	if err != nil {
		return RouteCounts{}, err
	}
	out.Coverage = cov
	type siteCount struct {
		n     int
		addrs map[netip.Addr]struct{}
	}
	site := make(map[string]*siteCount, len(mine))
	for r := range mine {
		site[r] = &siteCount{addrs: map[netip.Addr]struct{}{}}
	}
	var query *kql.Query
	if filled != "" {
		if query, err = kql.Parse(filled); err != nil {
			return RouteCounts{}, fmt.Errorf("query %s: %w", filled, err)
		}
	}
	doc := newEventDoc()
	if len(mine) > 0 {
		cov.each(evs, func(ev *triage.Event) bool {
			if !cov.inWindow(ev) {
				return true
			}
			r, ok := RouteOf(ev)
			if !ok {
				return true
			}
			sc := site[r]
			if sc == nil {
				return true
			}
			if query != nil {
				doc.Reset(ev)
				if !query.Match(doc) {
					return true
				}
			}
			sc.n++
			if ev.SourceIP.IsValid() {
				sc.addrs[ev.SourceIP] = struct{}{}
			}
			return true
		})
	}
	for r, n := range mine {
		sc := site[r]
		out.Routes = append(out.Routes, RouteShare{Route: r, Requests: n, Site: sc.n, Addresses: len(sc.addrs)})
	}
	slices.SortFunc(out.Routes, func(a, b RouteShare) int {
		if c := cmp.Compare(b.Requests, a.Requests); c != 0 {
			return c
		}
		return strings.Compare(a.Route, b.Route)
	})
	return out, nil
}
