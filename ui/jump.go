package ui

import (
	"net/netip"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"picket/kql"
	"picket/triage"
)

// Jumps from the histogram (H) and the rules view (R) to the groups they
// are about: enter filters the queue with a KQL query naming them (the
// same filter / takes), so the analyst sees the query, can edit it, and
// esc clears it.

// jumpToGroups filters the queue with q, the query selecting the groups
// in reports; what names them for the status line ("with findings of
// AE11"). With no such group in the queue it says so and stays.
func (a *app) jumpToGroups(q, what string, in func(*triage.Group) bool) tea.Cmd {
	match, err := kql.Parse(q)
	if err != nil {
		a.setErr(err)
		return nil
	}
	shown, hidden := 0, 0
	for _, g := range a.snap.groups {
		if in(g) {
			shown++
		}
	}
	for _, g := range a.snap.suppressed {
		if in(g) {
			if a.showSupp {
				shown++
			} else {
				hidden++
			}
		}
	}
	if shown == 0 {
		a.info = "no group in the queue " + what
		if hidden > 0 {
			a.info += "; " + plural(hidden, "suppressed group") + " (S shows them)"
		}
		return nil
	}
	cmd := a.nav.filterQueue(q, match)
	a.info = "queue filtered to the " + plural(shown, "group") + " " + what
	return cmd
}

// detectorQuery is the queue filter selecting the groups with findings of
// detector id.
func detectorQuery(id string) string { return "detector:" + kql.Quote(id) }

// jumpToDetector filters the queue to the groups with findings of the
// detector id.
func (a *app) jumpToDetector(id string) tea.Cmd {
	return a.jumpToGroups(detectorQuery(id), "with findings of "+shortDetector(id), func(g *triage.Group) bool {
		return slices.Contains(g.Detectors, id)
	})
}

// spikeTargets are the groups a histogram bucket is about: those of its
// sources (the source.ip influencer's values, or the one selected), and,
// for the bucket as a whole, the spike's own group when the denies had no
// dominant address (its finding is then filed without one).
type spikeTargets struct {
	ips      map[string]bool
	detector string // the spike detector, for its address-less group; "" for none
}

func (t spikeTargets) query() string {
	var parts []string
	for _, ip := range sortedKeys(t.ips) {
		parts = append(parts, "source.ip:"+kql.Quote(ip))
	}
	if t.detector != "" {
		parts = append(parts, "(not source.ip:* and "+detectorQuery(t.detector)+")")
	}
	return strings.Join(parts, " or ")
}

func (t spikeTargets) has(g *triage.Group) bool {
	if g.Key.SourceIP.IsValid() {
		return t.ips[g.Key.SourceIP.String()]
	}
	return t.detector != "" && slices.Contains(g.Detectors, t.detector)
}

// sources are the selected bucket's source addresses: the source.ip
// influencer's top values.
func (b SpikeBucket) sources() []string {
	for _, inf := range b.Influencers {
		if inf.Field == "source.ip" {
			out := make([]string, len(inf.Top))
			for i, v := range inf.Top {
				out[i] = v.Value
			}
			return out
		}
	}
	return nil
}

// jumpToBucket filters the queue to the groups of the selected bucket's
// sources, or of the one source picked with ↑/↓.
func (m *spikeModel) jumpToBucket() tea.Cmd {
	a := m.a
	if m.series == nil || m.list.cursor >= len(m.series.Buckets) {
		return nil
	}
	b := m.series.Buckets[m.list.cursor]
	srcs := b.sources()
	t := spikeTargets{ips: map[string]bool{}}
	when := "of the " + fmtTime(b.Start, "Jan 02 15:04") + " bucket's sources"
	// Only addresses can be a group's: a value that is none (the data
	// is the attacker's) matches no group.
	addIP := func(s string) {
		if ip, err := netip.ParseAddr(s); err == nil {
			t.ips[ip.String()] = true
		}
	}
	if m.source >= 0 && m.source < len(srcs) {
		addIP(srcs[m.source])
		when = "of " + clipText(triage.Escape(srcs[m.source]), 40)
		if len(t.ips) == 0 {
			a.info = "no group in the queue " + when
			return nil
		}
	} else {
		for _, s := range srcs {
			addIP(s)
		}
		if b.Anomalous {
			t.detector = m.spikeDetector()
		}
	}
	if len(t.ips) == 0 && t.detector == "" {
		a.info = "no source addresses in this bucket"
		return nil
	}
	return a.jumpToGroups(t.query(), when, t.has)
}

// spikeDetector finds the spike model's detector id among the queue's
// address-less groups: the one whose title is the series'.
func (m *spikeModel) spikeDetector() string {
	describe := m.a.opts.Detectors
	if describe == nil {
		return ""
	}
	for _, gs := range [][]*triage.Group{m.a.snap.groups, m.a.snap.suppressed} {
		for _, g := range gs {
			if g.Key.SourceIP.IsValid() {
				continue
			}
			for _, d := range g.Detectors {
				if info, ok := describe(d); ok && info.Title == m.series.Title {
					return d
				}
			}
		}
	}
	return ""
}
