package triage

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// GroupKey identifies who a group is about: one client address with one
// user agent. Scanners and bots rotate neither within a campaign, so the
// pair separates them from the people sharing a NAT address.
type GroupKey struct {
	SourceIP  netip.Addr
	UserAgent string
}

// String renders the key for display and for case-file references.
func (k GroupKey) String() string {
	ip := "-"
	if k.SourceIP.IsValid() {
		ip = k.SourceIP.String()
	}
	return ip + " " + k.UserAgent
}

// Group gathers the findings about one GroupKey.
type Group struct {
	Key         GroupKey
	Findings    int
	Detectors   []string // sorted, distinct
	MaxSeverity Severity
	Risk        int // sum of the findings' risk scores
	FirstSeen   time.Time
	LastSeen    time.Time
	// Hourly counts findings per hour (Unix hour number → count), for the
	// activity sparkline.
	Hourly map[int64]int
}

func (g *Group) add(f *Finding) {
	g.Findings++
	if i, found := slices.BinarySearch(g.Detectors, f.Detector); !found {
		g.Detectors = slices.Insert(g.Detectors, i, f.Detector)
	}
	if f.Severity > g.MaxSeverity {
		g.MaxSeverity = f.Severity
	}
	g.Risk += f.RiskScore
	if t := f.Timestamp; !t.IsZero() {
		if g.FirstSeen.IsZero() || t.Before(g.FirstSeen) {
			g.FirstSeen = t
		}
		end := t
		if f.End.After(end) {
			end = f.End
		}
		if end.After(g.LastSeen) {
			g.LastSeen = end
		}
		g.Hourly[t.Unix()/3600]++
	}
}

// Activity returns the group's findings per hour from its first to its last
// hour, at most n buckets (hours are merged evenly when the span is longer).
func (g *Group) Activity(n int) []int {
	if n <= 0 || g.FirstSeen.IsZero() {
		return nil
	}
	first, last := g.FirstSeen.Unix()/3600, g.LastSeen.Unix()/3600
	span := last - first + 1
	buckets := int64(n)
	if span < buckets {
		buckets = span
	}
	out := make([]int, buckets)
	for h, c := range g.Hourly {
		i := (h - first) * buckets / span
		if i >= 0 && i < buckets {
			out[i] += c
		}
	}
	return out
}

// MarshalJSON writes the group with Picket's output keys.
func (g Group) MarshalJSON() ([]byte, error) {
	w := struct {
		SourceIP    string   `json:"source_ip"`
		UserAgent   string   `json:"user_agent"`
		Findings    int      `json:"findings"`
		Detectors   []string `json:"detectors"`
		MaxSeverity Severity `json:"max_severity"`
		Risk        int      `json:"risk"`
		FirstSeen   string   `json:"first_seen"`
		LastSeen    string   `json:"last_seen"`
	}{
		UserAgent:   g.Key.UserAgent,
		Findings:    g.Findings,
		Detectors:   g.Detectors,
		MaxSeverity: g.MaxSeverity,
		Risk:        g.Risk,
		FirstSeen:   formatTime(g.FirstSeen),
		LastSeen:    formatTime(g.LastSeen),
	}
	if g.Key.SourceIP.IsValid() {
		w.SourceIP = g.Key.SourceIP.String()
	}
	if w.Detectors == nil {
		w.Detectors = []string{}
	}
	return json.Marshal(w)
}

// Grouper accumulates findings into groups. The zero value is ready to use.
type Grouper struct {
	groups map[GroupKey]*Group
}

// Add counts a finding in its group.
func (gr *Grouper) Add(f *Finding) {
	if gr.groups == nil {
		gr.groups = make(map[GroupKey]*Group)
	}
	k := GroupKey{SourceIP: f.SourceIP, UserAgent: f.UserAgent}
	g := gr.groups[k]
	if g == nil {
		g = &Group{Key: k, Hourly: make(map[int64]int)}
		gr.groups[k] = g
	}
	g.add(f)
}

// Groups returns the groups in queue order: highest severity first, then
// highest summed risk, then most findings, then by key for a stable order.
func (gr *Grouper) Groups() []*Group {
	out := make([]*Group, 0, len(gr.groups))
	for _, g := range gr.groups {
		out = append(out, g)
	}
	SortGroups(out)
	return out
}

// SortGroups orders groups for the queue (see Grouper.Groups).
func SortGroups(gs []*Group) {
	slices.SortFunc(gs, func(a, b *Group) int {
		switch {
		case a.MaxSeverity != b.MaxSeverity:
			return int(b.MaxSeverity - a.MaxSeverity)
		case a.Risk != b.Risk:
			return b.Risk - a.Risk
		case a.Findings != b.Findings:
			return b.Findings - a.Findings
		}
		if c := a.Key.SourceIP.Compare(b.Key.SourceIP); c != 0 {
			return c
		}
		return strings.Compare(a.Key.UserAgent, b.Key.UserAgent)
	})
}
