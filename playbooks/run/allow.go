package run

import (
	"encoding/json"
	"slices"
	"time"

	"picket/playbooks"
	"picket/triage"
)

// Actor is one thing about a finding's actor an allowlist can name: its
// address ("ip"), user agent ("user_agent") or user ("user").
type Actor struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// AllowHit is an active allowlist entry that covers the finding's actor.
type AllowHit struct {
	Entry triage.AllowEntry
	// Applies is false for an entry limited to another detector: it
	// covers the actor but would not hide this finding.
	Applies bool
}

// MarshalJSON writes the entry as the case file's allowlist does, and
// whether it applies.
func (h AllowHit) MarshalJSON() ([]byte, error) {
	det := h.Entry.Detector
	if det == "" {
		det = triage.AllDetectors
	}
	return json.Marshal(struct {
		Kind     string `json:"kind"`
		Value    string `json:"value"`
		Detector string `json:"detector"`
		Reason   string `json:"reason"`
		Author   string `json:"author"`
		Expires  string `json:"expires_at"`
		Applies  bool   `json:"applies"`
	}{h.Entry.Kind, h.Entry.Value, det, h.Entry.Reason, h.Entry.Author, jsonTime(h.Entry.Expires), h.Applies})
}

// AllowVerdict is the answer of an allowlist-check action.
type AllowVerdict struct {
	// Hits are the active entries that cover the actor, in allowlist
	// order.
	Hits []AllowHit `json:"hits"`
	// Looked are what was looked up: the actor's address, user agent and
	// user (the one the finding names, else its evidence's), as far as
	// the finding has them and the action's kind asks for them.
	Looked []Actor `json:"looked"`
}

// Allowlisted reports whether some entry covers the actor.
func (v AllowVerdict) Allowlisted() bool { return len(v.Hits) > 0 }

// CheckAllowlist looks the finding's actor up in allow, as it stands at
// now. The action's AllowKind limits the lookup to one kind.
func CheckAllowlist(act playbooks.Action, f triage.Finding, evs Events, allow []triage.AllowEntry, now time.Time) AllowVerdict {
	actor := f
	actor.UserName = findingUser(&f, evs)
	kinds := []string{"ip", "user_agent", "user"}
	if act.AllowKind != "" {
		kinds = []string{act.AllowKind}
	}
	wants := func(a *triage.AllowEntry) bool {
		k := a.Kind
		if k == triage.AllowCIDR {
			k = triage.AllowIP
		}
		return slices.Contains(kinds, k)
	}
	var v AllowVerdict
	for i := range allow {
		a := &allow[i]
		if a.Active(now) && wants(a) && a.AllowsActor(&actor) {
			v.Hits = append(v.Hits, AllowHit{Entry: *a, Applies: a.AppliesTo(f.Detector)})
		}
	}
	for _, k := range kinds {
		var val string
		switch k {
		case "ip":
			if f.SourceIP.IsValid() {
				val = f.SourceIP.String()
			}
		case "user_agent":
			val = f.UserAgent
		case "user":
			val = actor.UserName
		}
		if val != "" {
			v.Looked = append(v.Looked, Actor{Kind: k, Value: val})
		}
	}
	return v
}
