package triage

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"
)

// A distributed attack shows up as many groups, one per source, each with
// the same finding: three hundred addresses that each try a few logins
// missing the same form field. Fold turns such groups into one campaign
// row, so the analyst triages the attack once.
//
// Groups fold together when all of these hold:
//   - they have the same signature: the same detectors, each with the same
//     reason shape (the reason with its numbers and addresses taken out);
//     a group with anything else (another detector, another reason) is set
//     apart from them;
//   - their activity overlaps in time, allowing gaps of at most Window
//     between one member's last finding and the next one's first;
//   - there are at least MinMembers of them.
//
// Groups with a mixed history (more than maxSignature distinct detector
// and reason pairs) never fold: they are worth a row of their own.

// FoldOptions are the fold's thresholds.
type FoldOptions struct {
	MinMembers int           // fewest groups that make a campaign
	Window     time.Duration // longest quiet gap inside a campaign
}

// DefaultFold folds five or more groups active within 30 minutes of each
// other.
var DefaultFold = FoldOptions{MinMembers: 5, Window: 30 * time.Minute}

// maxSignature bounds the detector/reason pairs a group remembers.
const maxSignature = 8

// Campaign describes a folded group: its members and why they folded.
type Campaign struct {
	Signature []string   // "detector: reason shape", sorted
	Members   []GroupKey // the folded groups, in queue order
	Fold      FoldOptions
	Spread    Spread
}

// Spread says how distributed a campaign is.
type Spread struct {
	Sources    int `json:"sources"`     // distinct addresses
	Slash24s   int `json:"networks"`    // distinct /24 (IPv4) or /48 (IPv6) networks
	ASNs       int `json:"asns"`        // distinct source.as.organization.name values seen
	Countries  int `json:"countries"`   // distinct source.geo.country_name values seen
	UserAgents int `json:"user_agents"` // distinct user agents
}

// reasonShape is a finding's reason with what varies between members of
// one attack taken out: numbers, addresses and hex ids become "#".
func reasonShape(reason string) string {
	var b strings.Builder
	b.Grow(len(reason))
	prevHash := false
	for _, word := range strings.Fields(reason) {
		w := strings.Trim(word, ",.;:()[]\"'")
		if _, err := netip.ParseAddr(w); err == nil || isNumberish(w) {
			if !prevHash {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteByte('#')
			}
			prevHash = true
			continue
		}
		prevHash = false
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(word)
	}
	return b.String()
}

// isNumberish: digits with at most separators and a unit ("61382",
// "3.5s", "10/min", "0x1f", "a3f9e2c1..." ids).
func isNumberish(w string) bool {
	digits, letters := 0, 0
	for _, r := range w {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			letters++
		}
	}
	return digits > 0 && digits >= letters
}

// signatureOf adds f's detector and reason shape to a group's signature;
// it returns false once the group has too many to fold.
func (g *Group) noteSignature(f *Finding, intern map[string]string) {
	if g.mixed {
		return
	}
	sig := f.Detector + ": " + reasonShape(f.Reason)
	if s, ok := intern[sig]; ok {
		sig = s
	} else if len(intern) < 1<<14 {
		intern[sig] = sig
	}
	i, found := slices.BinarySearch(g.signature, sig)
	if found {
		return
	}
	if len(g.signature) >= maxSignature {
		g.mixed, g.signature = true, nil
		return
	}
	g.signature = slices.Insert(g.signature, i, sig)
}

// Fold returns gs with campaigns in place of the groups they fold, sorted
// for the queue (SortGroups). Only default (source × user agent) groups
// fold; others are returned as they are. gs is not changed.
func Fold(gs []*Group, opt FoldOptions) []*Group {
	if opt.MinMembers < 2 {
		opt.MinMembers = 2
	}
	bySig := map[string][]*Group{}
	var out []*Group
	for _, g := range gs {
		if !g.Key.Default() || g.mixed || len(g.signature) == 0 {
			out = append(out, g)
			continue
		}
		k := strings.Join(g.signature, "\n")
		bySig[k] = append(bySig[k], g)
	}
	for _, members := range bySig {
		if len(members) < opt.MinMembers {
			out = append(out, members...)
			continue
		}
		slices.SortFunc(members, func(a, b *Group) int {
			if c := a.FirstSeen.Compare(b.FirstSeen); c != 0 {
				return c
			}
			return a.Key.Compare(b.Key)
		})
		start, end := 0, members[0].LastSeen
		flush := func(stop int) {
			run := members[start:stop]
			if len(run) >= opt.MinMembers {
				out = append(out, newCampaign(run, opt))
			} else {
				out = append(out, run...)
			}
		}
		for i := 1; i < len(members); i++ {
			m := members[i]
			if m.FirstSeen.Sub(end) > opt.Window {
				flush(i)
				start, end = i, m.LastSeen
				continue
			}
			if m.LastSeen.After(end) {
				end = m.LastSeen
			}
		}
		flush(len(members))
	}
	SortGroups(out)
	return out
}

// newCampaign aggregates members into one group.
func newCampaign(members []*Group, opt FoldOptions) *Group {
	c := &Campaign{Signature: members[0].signature, Fold: opt}
	g := &Group{signature: members[0].signature}
	nets, asns, countries, uas := map[netip.Prefix]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, m := range members {
		c.Members = append(c.Members, m.Key)
		g.Findings += m.Findings
		g.Risk += m.Risk
		g.MaxSeverity = max(g.MaxSeverity, m.MaxSeverity)
		for _, d := range m.Detectors {
			if i, found := slices.BinarySearch(g.Detectors, d); !found {
				g.Detectors = slices.Insert(g.Detectors, i, d)
			}
		}
		if g.FirstSeen.IsZero() || m.FirstSeen.Before(g.FirstSeen) {
			g.FirstSeen = m.FirstSeen
		}
		if m.LastSeen.After(g.LastSeen) {
			g.LastSeen = m.LastSeen
		}
		for _, hc := range m.Hourly {
			for range hc.Count {
				g.Hourly.Add(hc.Hour)
			}
		}
		if a := m.Key.SourceIP; a.IsValid() {
			g.Sources.Add(a)
			bits := 24
			if a.Unmap().Is6() {
				bits = 48
			}
			if p, err := a.Unmap().Prefix(bits); err == nil {
				nets[p] = true
			}
		}
		uas[m.Key.UserAgent] = true
		for _, at := range m.Attrs {
			switch at.Field {
			case "source.as.organization.name":
				if at.Value != "" {
					asns[at.Value] = true
				}
			case "source.geo.country_name":
				if at.Value != "" {
					countries[at.Value] = true
				}
			}
		}
	}
	c.Spread = Spread{Sources: len(members), Slash24s: len(nets), ASNs: len(asns), Countries: len(countries), UserAgents: len(uas)}
	g.Campaign = c
	sum := sha256.Sum256([]byte(strings.Join(c.Signature, "\n") + "\n" + g.FirstSeen.UTC().Format(time.RFC3339)))
	g.Key = GroupKey{By: CampaignBy, Values: [MaxGroupBy]string{hex.EncodeToString(sum[:8])}}
	return g
}
