package detectors

import (
	"slices"
	"strings"

	"picket/detectors/appsensor"
	"picket/triage/demo"
)

// DemoOptions returns base with the demo shop's own configuration merged
// in: its honey paths (HT2), its decoy form field (HT1), its honeytoken
// account (HT3) and its Tor exit list (RP1), as the shop's operators would
// configure them (see picket/triage/demo's config.go). Without them those
// four points have nothing to judge and their planted attacks never show.
// Use it whenever detectors run over the demo data.
//
// What base already sets stays: its entries come first, a demo entry
// already there is not repeated, a decoy field base names keeps base's
// value, and a reputation list of the demo list's name gains the demo's
// prefixes. base itself is not modified.
func DemoOptions(base Options) Options {
	o := base
	as := &o.AppSensor

	as.HoneyPaths = slices.Clone(as.HoneyPaths)
	for _, p := range demo.HoneyPaths {
		if !slices.Contains(as.HoneyPaths, p) {
			as.HoneyPaths = append(as.HoneyPaths, p)
		}
	}

	as.HoneyParams = slices.Clone(as.HoneyParams)
	for _, hp := range demo.HoneyParams {
		if !slices.ContainsFunc(as.HoneyParams, func(h appsensor.HoneyParam) bool { return h.Name == hp.Name }) {
			as.HoneyParams = append(as.HoneyParams, appsensor.HoneyParam{Name: hp.Name, Value: hp.Value})
		}
	}

	as.HoneyUsers = slices.Clone(as.HoneyUsers)
	for _, u := range demo.HoneyUsers {
		if !slices.ContainsFunc(as.HoneyUsers, func(v string) bool { return strings.EqualFold(v, u) }) {
			as.HoneyUsers = append(as.HoneyUsers, u)
		}
	}

	as.Reputation = slices.Clone(as.Reputation)
	i := slices.IndexFunc(as.Reputation, func(r appsensor.Reputation) bool { return r.Name == demo.ReputationListName })
	if i < 0 {
		as.Reputation = append(as.Reputation, appsensor.Reputation{Name: demo.ReputationListName})
		i = len(as.Reputation) - 1
	}
	list := &as.Reputation[i]
	list.Prefixes = slices.Clone(list.Prefixes)
	for _, p := range demo.ReputationList {
		if !slices.Contains(list.Prefixes, p) {
			list.Prefixes = append(list.Prefixes, p)
		}
	}
	return o
}
