package detectors

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"picket/detectors/appsensor"
	"picket/triage"
	"picket/triage/demo"
)

func TestDemoOptions(t *testing.T) {
	own := netip.MustParsePrefix("192.0.2.0/24")
	for _, tc := range []struct {
		name string
		base Options
		// what the merged options must hold, besides the demo's own
		paths  []string
		params []appsensor.HoneyParam
		users  []string
		lists  []appsensor.Reputation
	}{
		{name: "empty"},
		{
			name: "user's own entries come first and stay",
			base: Options{AppSensor: appsensor.Options{
				HoneyPaths:  []string{"/wp-admin/", "/internal/"},
				HoneyParams: []appsensor.HoneyParam{{Name: "admin", Value: "0"}, {Name: "debug", Value: "off"}},
				HoneyUsers:  []string{"svc.canary", "OPS.BACKUP"},
				Reputation:  []appsensor.Reputation{{Name: "blocklist", Prefixes: []netip.Prefix{own}}, {Name: demo.ReputationListName, Prefixes: []netip.Prefix{own}}},
			}},
			paths:  []string{"/wp-admin/", "/internal/"},
			params: []appsensor.HoneyParam{{Name: "admin", Value: "0"}, {Name: "debug", Value: "off"}},
			users:  []string{"svc.canary", "OPS.BACKUP"},
			lists:  []appsensor.Reputation{{Name: "blocklist", Prefixes: []netip.Prefix{own}}, {Name: demo.ReputationListName, Prefixes: []netip.Prefix{own}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Room to spare in every slice, so an append that wrote
			// through to the caller's array would show.
			base := tc.base
			a := &base.AppSensor
			a.HoneyPaths = slices.Grow(slices.Clone(a.HoneyPaths), 8)
			a.HoneyParams = slices.Grow(slices.Clone(a.HoneyParams), 8)
			a.HoneyUsers = slices.Grow(slices.Clone(a.HoneyUsers), 8)
			a.Reputation = slices.Grow(slices.Clone(a.Reputation), 8)
			for i := range a.Reputation {
				a.Reputation[i].Prefixes = slices.Grow(slices.Clone(a.Reputation[i].Prefixes), 8)
			}
			before := clone(base)

			got := DemoOptions(base).AppSensor
			if !equalOptions(base, before) || !untouched(base) {
				t.Fatalf("DemoOptions changed its argument: %+v, was %+v", base.AppSensor, before.AppSensor)
			}

			if !slices.Equal(got.HoneyPaths[:len(tc.paths)], tc.paths) {
				t.Errorf("honey paths %q, want %q first", got.HoneyPaths, tc.paths)
			}
			for _, p := range demo.HoneyPaths {
				if n := count(got.HoneyPaths, p); n != 1 {
					t.Errorf("honey path %s listed %d times in %q", p, n, got.HoneyPaths)
				}
			}
			if !slices.Equal(got.HoneyParams[:len(tc.params)], tc.params) {
				t.Errorf("decoy fields %v, want %v first", got.HoneyParams, tc.params)
			}
			for _, hp := range demo.HoneyParams {
				i := slices.IndexFunc(got.HoneyParams, func(h appsensor.HoneyParam) bool { return h.Name == hp.Name })
				if i < 0 || slices.ContainsFunc(got.HoneyParams[i+1:], func(h appsensor.HoneyParam) bool { return h.Name == hp.Name }) {
					t.Errorf("decoy field %s not listed exactly once: %v", hp.Name, got.HoneyParams)
				}
			}
			if !slices.Equal(got.HoneyUsers[:len(tc.users)], tc.users) {
				t.Errorf("honeytoken users %q, want %q first", got.HoneyUsers, tc.users)
			}
			for _, u := range demo.HoneyUsers {
				if n := countFunc(got.HoneyUsers, func(v string) bool { return strings.EqualFold(u, v) }); n != 1 {
					t.Errorf("honeytoken user %s listed %d times (any case) in %q", u, n, got.HoneyUsers)
				}
			}
			if len(got.Reputation) != max(len(tc.lists), 1) {
				t.Errorf("%d reputation lists, want %d", len(got.Reputation), max(len(tc.lists), 1))
			}
			for _, l := range tc.lists {
				i := slices.IndexFunc(got.Reputation, func(r appsensor.Reputation) bool { return r.Name == l.Name })
				if i < 0 || !slices.Equal(got.Reputation[i].Prefixes[:len(l.Prefixes)], l.Prefixes) {
					t.Errorf("list %s lost its own prefixes: %v", l.Name, got.Reputation)
				}
			}
			i := slices.IndexFunc(got.Reputation, func(r appsensor.Reputation) bool { return r.Name == demo.ReputationListName })
			for _, p := range demo.ReputationList {
				if i < 0 || count(got.Reputation[i].Prefixes, p) != 1 {
					t.Errorf("%s lacks %v once: %v", demo.ReputationListName, p, got.Reputation)
				}
			}

			// And so every point that needs configuration runs.
			running := map[string]bool{}
			for _, d := range Runnable(DemoOptions(base)) {
				running[d.Info().ID] = true
			}
			for _, id := range []string{"appsensor:HT1", "appsensor:HT2", "appsensor:HT3", "appsensor:RP1"} {
				if !running[id] {
					t.Errorf("%s does not run with DemoOptions", id)
				}
			}
		})
	}
}

func count[T comparable](s []T, v T) int { return countFunc(s, func(x T) bool { return x == v }) }

func countFunc[T any](s []T, match func(T) bool) int {
	n := 0
	for _, x := range s {
		if match(x) {
			n++
		}
	}
	return n
}

// spareZero reports whether s's spare capacity is untouched.
func spareZero[T comparable](s []T) bool {
	var zero T
	for _, x := range s[len(s):cap(s)] {
		if x != zero {
			return false
		}
	}
	return true
}

// clone deep-copies the configuration DemoOptions touches.
func clone(o Options) Options {
	a := &o.AppSensor
	a.HoneyPaths = slices.Clone(a.HoneyPaths)
	a.HoneyParams = slices.Clone(a.HoneyParams)
	a.HoneyUsers = slices.Clone(a.HoneyUsers)
	a.Reputation = slices.Clone(a.Reputation)
	for i := range a.Reputation {
		a.Reputation[i].Prefixes = slices.Clone(a.Reputation[i].Prefixes)
	}
	return o
}

func equalOptions(x, y Options) bool {
	a, b := x.AppSensor, y.AppSensor
	return slices.Equal(a.HoneyPaths, b.HoneyPaths) && slices.Equal(a.HoneyParams, b.HoneyParams) &&
		slices.Equal(a.HoneyUsers, b.HoneyUsers) &&
		slices.EqualFunc(a.Reputation, b.Reputation, func(r, s appsensor.Reputation) bool {
			return r.Name == s.Name && slices.Equal(r.Prefixes, s.Prefixes)
		})
}

// untouched reports whether nothing was appended into the spare capacity
// of o's slices, where a change would not show in their lengths.
func untouched(o Options) bool {
	a := o.AppSensor
	ok := spareZero(a.HoneyPaths) && spareZero(a.HoneyParams) && spareZero(a.HoneyUsers)
	for _, r := range a.Reputation[len(a.Reputation):cap(a.Reputation)] {
		ok = ok && r.Name == "" && r.Prefixes == nil
	}
	for _, r := range a.Reputation {
		ok = ok && spareZero(r.Prefixes)
	}
	return ok
}

// TestCatalogueReadiness: the points that need configuration say so when
// it is missing, and say they run once it is given (the demo's): the
// rules view and picket rules read this.
func TestCatalogueReadiness(t *testing.T) {
	configured := []string{"appsensor:HT1", "appsensor:HT2", "appsensor:HT3", "appsensor:RP1"}
	for _, tc := range []struct {
		name string
		opts Options
		want triage.Readiness
	}{
		{"not configured", Options{}, triage.NeedsConfig},
		{"demo configuration", DemoOptions(Options{}), triage.RunsLocally},
	} {
		t.Run(tc.name, func(t *testing.T) {
			running := map[string]bool{}
			for _, d := range Runnable(tc.opts) {
				running[d.Info().ID] = true
			}
			seen := 0
			for _, info := range Catalogue(tc.opts) {
				if !slices.Contains(configured, info.ID) {
					continue
				}
				seen++
				if info.Readiness != tc.want || running[info.ID] != (tc.want == triage.RunsLocally) {
					t.Errorf("%s: %q (why %q), running %v; want %q", info.ID, info.Readiness, info.Why, running[info.ID], tc.want)
				}
				if (info.Why == "") != (tc.want == triage.RunsLocally) {
					t.Errorf("%s: why %q", info.ID, info.Why)
				}
			}
			if seen != len(configured) {
				t.Errorf("catalogue lists %d of %d", seen, len(configured))
			}
		})
	}
}
