package triage

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"
	"time"
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
	Members   []GroupKey // the folded groups, in fold order (signature, first activity, key)
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
// one attack taken out: numbers, addresses and hex ids become "#", and a
// reason that joins several of one shape ("…; …", a finding covering
// several requests) keeps that shape once. What follows the joined
// reasons (" (# login attempts over #s) — AppSensor AE11, …") rides on
// the last one and is set apart first, so "A; A (tail)" is "A (tail)": a
// member whose two attempts read differently is still of its attack.
func reasonShape(reason string) string {
	parts := strings.Split(reason, "; ")
	if len(parts) == 1 {
		return wordShape(reason)
	}
	for i, p := range parts {
		parts[i] = wordShape(p)
	}
	n := len(parts) - 1
	tail := ""
	for _, p := range parts[:n] {
		if rest, ok := strings.CutPrefix(parts[n], p+" "); ok {
			parts[n], tail = p, " "+rest
			break
		}
	}
	var out []string
	for _, p := range parts {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ") + tail
}

func wordShape(reason string) string {
	b := make([]byte, 0, len(reason))
	prevHash := false
	for i := 0; i < len(reason); {
		// One word: up to the next space.
		for i < len(reason) && reason[i] == ' ' {
			i++
		}
		j := i
		for j < len(reason) && reason[j] != ' ' {
			j++
		}
		if i == j {
			break
		}
		word := reason[i:j]
		i = j
		if variable(word) {
			if !prevHash {
				if len(b) > 0 {
					b = append(b, ' ')
				}
				b = append(b, '#')
			}
			prevHash = true
			continue
		}
		prevHash = false
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, word...)
	}
	return string(b)
}

// variable reports a word that differs between members of one attack: a
// number with or without a unit ("61382", "3.5s", "10/min"), an id with
// more digits than letters, or an address (IPv4 is digits and dots; IPv6
// is hex digits and colons).
func variable(w string) bool {
	if detectorName(w) {
		return false
	}
	digits, letters, colons := 0, 0, 0
	hexOnly := true
	for k := 0; k < len(w); k++ {
		c := w[k]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			letters++
		case c >= 'g' && c <= 'z', c >= 'G' && c <= 'Z', c >= 0x80:
			letters++
			hexOnly = false
		case c == ':':
			colons++
		case c == ',' || c == '.' || c == ';' || c == '(' || c == ')' || c == '[' || c == ']' || c == '"' || c == '\'' || c == '/' || c == '%' || c == '-' || c == '_':
		default:
			hexOnly = false
		}
	}
	if colons >= 2 && hexOnly {
		return true // an IPv6 address
	}
	return digits > 0 && digits >= letters
}

// detectorName reports whether w is a detection point's name such as
// "AE11" or "CIE2," (capitals then digits, a comma or full stop after):
// fixed text, which the shape keeps.
func detectorName(w string) bool {
	w = strings.TrimRight(w, ",.;)")
	i := 0
	for i < len(w) && w[i] >= 'A' && w[i] <= 'Z' {
		i++
	}
	if i < 2 || i == len(w) || len(w)-i > 2 {
		return false
	}
	for ; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// noteSignature adds f's detector and reason shape to a group's
// signature; past maxSignature the group is mixed and never folds.
func (g *Group) noteSignature(f *Finding, intern map[string]string) {
	if g.mixed || !g.Key.Default() {
		return // only groups of the default key ever fold
	}
	sig := f.Detector + ": " + reasonShape(f.Reason)
	if s, ok := intern[sig]; ok {
		sig = s
	} else if len(intern) < 1<<14 {
		intern[sig] = sig
	}
	g.addSignature(sig)
}

func (g *Group) addSignature(sig string) {
	if g.mixed {
		return
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

// Foldable says whether g may fold into a campaign, and under which
// signature (groups fold only with groups of the same one).
func (g *Group) Foldable() (string, bool) {
	if !g.Key.Default() || g.mixed || len(g.signature) == 0 || g.Campaign != nil {
		return "", false
	}
	return strings.Join(g.signature, "\n"), true
}

// compareFoldOrder is the order a fold sweeps candidates in: by
// signature, then first activity, then key.
func compareFoldOrder(a, b *Group, sigA, sigB string) int {
	if c := strings.Compare(sigA, sigB); c != 0 {
		return c
	}
	if c := a.FirstSeen.Compare(b.FirstSeen); c != 0 {
		return c
	}
	return a.Key.Compare(b.Key)
}

// Fold returns gs with campaigns in place of the groups they fold, sorted
// for the queue (SortGroups). Only default (source × user agent) groups
// fold; others are returned as they are. gs is not changed.
func Fold(gs []*Group, opt FoldOptions) []*Group {
	top, _ := fold(gs, opt, false)
	return top
}

// FoldMembers is Fold that also returns each campaign's member groups
// (elements of gs), by campaign key, in fold order.
func FoldMembers(gs []*Group, opt FoldOptions) ([]*Group, map[GroupKey][]*Group) {
	return fold(gs, opt, true)
}

func fold(gs []*Group, opt FoldOptions, withMembers bool) ([]*Group, map[GroupKey][]*Group) {
	type cand struct {
		g     *Group
		sig   string
		id    int   // the signature's rank by text: cheaper to compare
		first int64 // g.FirstSeen, read once
	}
	var cands []cand
	var out []*Group
	ids := map[string]int{}
	for _, g := range gs {
		if sig, ok := g.Foldable(); ok {
			id, seen := ids[sig]
			if !seen {
				id = len(ids)
				ids[sig] = id
			}
			cands = append(cands, cand{g, sig, id, g.FirstSeen.UnixNano()})
		} else {
			out = append(out, g)
		}
	}
	// The sweep needs candidates ordered by signature: rank the ids so.
	sigs := make([]string, len(ids))
	for sig, id := range ids {
		sigs[id] = sig
	}
	byText := make([]int, len(sigs))
	for i := range byText {
		byText[i] = i
	}
	slices.SortFunc(byText, func(a, b int) int { return strings.Compare(sigs[a], sigs[b]) })
	order := make([]int, len(sigs))
	for rank, id := range byText {
		order[id] = rank
	}
	for i := range cands {
		cands[i].id = order[cands[i].id]
	}
	slices.SortFunc(cands, func(a, b cand) int {
		switch {
		case a.id != b.id:
			return a.id - b.id
		case a.first != b.first:
			return cmp.Compare(a.first, b.first)
		}
		return a.g.Key.Compare(b.g.Key)
	})
	sw := NewFoldSweep(opt, func(g *Group) error { out = append(out, g); return nil })
	var byCampaign map[*Group][]*Group
	if withMembers {
		byCampaign = map[*Group][]*Group{}
		sw.onMember = func(c, m *Group) { byCampaign[c] = append(byCampaign[c], m) }
	}
	for _, c := range cands {
		sw.Add(c.g, c.sig)
	}
	sw.Close()
	SortGroups(out)
	if !withMembers {
		return out, nil
	}
	members := make(map[GroupKey][]*Group, len(byCampaign))
	for c, ms := range byCampaign {
		members[c.Key] = ms // the key is set once the campaign is done
	}
	return out, members
}

// FoldSweep folds candidates that arrive in fold order (by signature,
// then first activity, then key): the one implementation of the fold rule
// for groups in memory (Fold) and groups read back from disk. It holds at
// most MinMembers-1 groups plus the campaign being built, whose members
// it keeps only as keys.
type FoldSweep struct {
	opt     FoldOptions
	emit    func(*Group) error
	sig     string
	pending []*Group // the current run, until it is long enough
	camp    *campaignBuilder
	end     time.Time // latest activity of the current run
	err     error
	// onMember, when set, is told each group that joins a campaign (the
	// campaign's group, whose key is set only when it is done).
	onMember func(campaign, member *Group)
}

// NewFoldSweep returns a sweep that passes every group, folded or not, to
// emit.
func NewFoldSweep(opt FoldOptions, emit func(*Group) error) *FoldSweep {
	if opt.MinMembers < 2 {
		opt.MinMembers = 2
	}
	return &FoldSweep{opt: opt, emit: emit}
}

// Add takes the next candidate, with its signature (see Foldable).
func (s *FoldSweep) Add(g *Group, sig string) {
	if s.sig != sig || (s.count() > 0 && g.FirstSeen.Sub(s.end) > s.opt.Window) {
		s.flush()
		s.sig = sig
	}
	if s.count() == 0 || g.LastSeen.After(s.end) {
		s.end = g.LastSeen
	}
	if s.camp != nil {
		s.join(g)
		return
	}
	s.pending = append(s.pending, g)
	if len(s.pending) >= s.opt.MinMembers {
		s.camp = newCampaignBuilder(s.opt)
		for _, m := range s.pending {
			s.join(m)
		}
		s.pending = s.pending[:0]
	}
}

// join adds g to the campaign being built.
func (s *FoldSweep) join(g *Group) {
	s.camp.add(g)
	if s.onMember != nil {
		s.onMember(s.camp.g, g)
	}
}

func (s *FoldSweep) count() int {
	if s.camp != nil {
		return len(s.camp.c.Members)
	}
	return len(s.pending)
}

func (s *FoldSweep) flush() {
	if s.camp != nil {
		s.put(s.camp.group())
		s.camp = nil
	}
	for _, g := range s.pending {
		s.put(g)
	}
	s.pending = s.pending[:0]
}

func (s *FoldSweep) put(g *Group) {
	if s.err == nil {
		s.err = s.emit(g)
	}
}

// Close emits what is still held and returns the first emit error.
func (s *FoldSweep) Close() error {
	s.flush()
	return s.err
}

// campaignBuilder aggregates members into one campaign group.
type campaignBuilder struct {
	c                       *Campaign
	g                       *Group
	nets                    map[netip.Prefix]bool
	asns, countries, agents map[string]bool
}

func newCampaignBuilder(opt FoldOptions) *campaignBuilder {
	return &campaignBuilder{c: &Campaign{Fold: opt}, g: &Group{},
		nets: map[netip.Prefix]bool{}, asns: map[string]bool{}, countries: map[string]bool{}, agents: map[string]bool{}}
}

func (b *campaignBuilder) add(m *Group) {
	c, g := b.c, b.g
	if c.Signature == nil {
		c.Signature, g.signature = m.signature, m.signature
	}
	c.Members = append(c.Members, m.Key)
	g.Findings += m.Findings
	if m.Worst.Detector != "" {
		g.Worst.note(m.Worst.Severity, m.Worst.Impact, m.Worst.Detector)
	}
	g.Risk += m.Risk
	g.MaxSeverity = max(g.MaxSeverity, m.MaxSeverity)
	for _, d := range m.Detectors {
		g.Detectors = AddDetector(g.Detectors, d)
	}
	if g.FirstSeen.IsZero() || m.FirstSeen.Before(g.FirstSeen) {
		g.FirstSeen = m.FirstSeen
	}
	if m.LastSeen.After(g.LastSeen) {
		g.LastSeen = m.LastSeen
	}
	g.Hourly.merge(m.Hourly)
	if a := m.Key.SourceIP; a.IsValid() {
		g.Sources.Add(a)
		bits := 24
		if a.Unmap().Is6() {
			bits = 48
		}
		if p, err := a.Unmap().Prefix(bits); err == nil {
			b.nets[p] = true
		}
	}
	b.agents[m.Key.UserAgent] = true
	for _, at := range m.Attrs {
		switch {
		case at.Value == "":
		case at.Field == "source.as.organization.name":
			b.asns[at.Value] = true
		case at.Field == "source.geo.country_name":
			b.countries[at.Value] = true
		}
	}
}

// group finishes the campaign: its spread and its key, which is stable
// for the same signature and start.
func (b *campaignBuilder) group() *Group {
	c, g := b.c, b.g
	c.Spread = Spread{Sources: len(c.Members), Slash24s: len(b.nets), ASNs: len(b.asns), Countries: len(b.countries), UserAgents: len(b.agents)}
	g.Campaign = c
	sum := sha256.Sum256([]byte(strings.Join(c.Signature, "\n") + "\n" + g.FirstSeen.UTC().Format(time.RFC3339)))
	g.Key = GroupKey{By: CampaignBy, Values: [MaxGroupBy]string{hex.EncodeToString(sum[:8])}}
	return g
}
