package ui

// Why this file is long: it is the queue's tree of rows under a grouping
// chain (levels, expansion, campaigns and their members) and the one place
// that decides which findings a row holds; splitting it would put those
// two halves of one rule in different files.

import (
	"hash/maphash"
	"iter"
	"maps"
	"math"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"picket/triage"
)

// The queue's grouping: the chain of fields the findings are grouped by
// (G), and whether distributed campaigns are folded (F). The default
// chain, source.ip × user_agent.original, is one level (the groups
// picket detect --group prints) whose campaigns fold into one row each,
// their members under them. Another chain of 1 to 3 fields nests: the
// first field's values at the top, each with its groups by the first two
// fields under it, and so on, like Kibana's grouped alerts table. A row
// at any level is a group: its key (triage.GroupKey) is what statuses,
// notes and ticks are recorded against.

// grouping is what the queue groups by.
type grouping struct {
	by     triage.GroupBy // nil: the default
	noFold bool           // campaigns are not folded
}

func (g grouping) isDefault() bool { return g.by.IsDefault() }

// chain is the grouping's fields, the default's when none are set.
func (g grouping) chain() triage.GroupBy {
	if g.isDefault() {
		return triage.DefaultGroupBy
	}
	return g.by
}

func (g grouping) folds() bool { return g.isDefault() && !g.noFold }

// tree is a grouping's rows: the top level, and the rows under each row
// that has any (a campaign's members, a value's groups by the next field).
type tree struct {
	top  []*triage.Group
	kids map[triage.GroupKey][]*triage.Group
	// nLeaves counts the groups of the last level when the builder
	// knew it (leaves then need not walk the tree); 0 means unknown.
	nLeaves int
}

// size counts the groups of every level.
func (t tree) size() int {
	n := len(t.top)
	for _, ks := range t.kids {
		n += len(ks)
	}
	return n
}

// leaves counts the groups at the last level (a folded campaign counts
// its members).
func (t tree) leaves() int {
	if t.nLeaves > 0 {
		return t.nLeaves
	}
	n := 0
	var walk func(gs []*triage.Group)
	walk = func(gs []*triage.Group) {
		for _, g := range gs {
			if ks, ok := t.kids[g.Key]; ok {
				walk(ks)
			} else {
				n++
			}
		}
	}
	walk(t.top)
	return n
}

// fold folds the default groups' campaigns (triage.Fold, as picket detect
// --group does); the members go under their campaign (sorted when shown).
func fold(gs []*triage.Group) tree {
	top, members := triage.FoldMembers(gs, triage.DefaultFold)
	if len(top) == len(gs) {
		return tree{top: gs}
	}
	return tree{top: top, kids: members}
}

// memoEvent reads evidence events for triage.GroupValue, remembering the
// last one: every field of a finding's key reads the same event. It is
// for one goroutine.
func memoEvent(c *triage.Collection) func(triage.EventRef) (*triage.Event, bool) {
	if c == nil {
		return nil
	}
	var (
		last triage.EventRef
		ev   *triage.Event
		ok   bool
		have bool
	)
	return func(r triage.EventRef) (*triage.Event, bool) {
		if have && r == last {
			return ev, ok
		}
		last, have = r, true
		ev, ok = c.Event(r)
		return ev, ok
	}
}

// chainBuilder groups findings under a chain of fields: a trie of values
// whose nodes are the groups. Findings are counted in the groups of the
// last level only; the levels above are summed from them when the tree is
// made (mergeGroup), so a finding costs one group update whatever the
// depth.
type chainBuilder struct {
	by    triage.GroupBy
	event func(triage.EventRef) (*triage.Event, bool)
	root  map[string]*chainNode
	// levelBy is each level's chain as a key's By (by[:lvl+1] joined):
	// a new group's key is made from the values already read.
	levelBy [triage.MaxGroupBy]string
	// The last address written as text: a run's findings come in bursts
	// per address, and formatting it is the costliest value to find.
	lastIP  netip.Addr
	lastStr string
	// The last leaf and its values: so are runs of findings of one group.
	lastVals [triage.MaxGroupBy]string
	lastLeaf *triage.Group // nil: the leaf is another builder's (share)
	lastSet  bool
	// Groups, nodes and first hours are cut from slabs: a regroup makes
	// a hundred thousand of each, and one allocation per slab rather than
	// per group is most of what keeps it fast.
	groups []triage.Group
	nodes  []chainNode
	hours  triage.Hours
	dets   []string
	srcs   triage.SourceSlab
	// share, when set, is the part of the leaves this builder counts.
	share *leafShare
	// leafRoom is how many addresses a last-level group has room for at
	// first: one when the chain has the address, else a few.
	leafRoom int
}

// slab is how many groups (and nodes) one allocation holds; slabHours and
// slabDetectors are how many hours and detectors a new group may count
// before its list moves out.
const (
	slab          = 1024
	slabHours     = 4
	slabDetectors = 2
)

// newGroup returns a zeroed group from the slab, with room for its first
// hours.
func (b *chainBuilder) newGroup() *triage.Group {
	if len(b.groups) == 0 {
		b.groups = make([]triage.Group, slab)
		b.hours = make(triage.Hours, slab*slabHours)
		b.dets = make([]string, slab*slabDetectors)
	}
	g := &b.groups[0]
	g.Hourly, g.Detectors = b.hours[:0:slabHours], b.dets[:0:slabDetectors]
	b.groups, b.hours, b.dets = b.groups[1:], b.hours[slabHours:], b.dets[slabDetectors:]
	return g
}

func (b *chainBuilder) newNode() *chainNode {
	if len(b.nodes) == 0 {
		b.nodes = make([]chainNode, slab)
	}
	n := &b.nodes[0]
	b.nodes = b.nodes[1:]
	return n
}

type chainNode struct {
	g    *triage.Group
	kids map[string]*chainNode
}

func newChainBuilder(by triage.GroupBy, event func(triage.EventRef) (*triage.Event, bool)) *chainBuilder {
	b := &chainBuilder{by: by, event: event, root: map[string]*chainNode{}, leafRoom: 8}
	if slices.Contains(by, "source.ip") {
		b.leafRoom = 1
	}
	for lvl := range by {
		b.levelBy[lvl] = by[:lvl+1].String()
	}
	return b
}

// leaf finds (or makes) the group of the last level f belongs to; the
// nodes above are made on the way, with their keys.
func (b *chainBuilder) leaf(f *triage.Finding) *triage.Group {
	m := b.root
	var vals [triage.MaxGroupBy]string
	for lvl, field := range b.by {
		if field == "source.ip" && f.SourceIP.IsValid() {
			if f.SourceIP != b.lastIP {
				b.lastIP, b.lastStr = f.SourceIP, triage.GroupValue(f, field, b.event)
			}
			vals[lvl] = b.lastStr
			continue
		}
		vals[lvl] = triage.GroupValue(f, field, b.event)
	}
	if b.lastSet && vals == b.lastVals {
		return b.lastLeaf
	}
	b.lastVals, b.lastSet, b.lastLeaf = vals, true, nil
	if b.share != nil && !b.share.mine(vals[:len(b.by)]) {
		return nil
	}
	for lvl := range b.by {
		n := m[vals[lvl]]
		if n == nil {
			g := b.newGroup()
			g.Key, g.Attrs = b.key(f, lvl, &vals), f.Attrs
			if lvl == len(b.by)-1 && !g.Key.Default() {
				b.srcs.Reserve(&g.Sources, b.leafRoom)
			}
			n = b.newNode()
			n.g = g
			m[vals[lvl]] = n
		}
		if lvl == len(b.by)-1 {
			b.lastLeaf = n.g
			return n.g
		}
		if n.kids == nil {
			n.kids = map[string]*chainNode{}
		}
		m = n.kids
	}
	return nil
}

// key is the key of f's group at level lvl, from the values read: what
// triage.KeyFor gives, without reading them again.
func (b *chainBuilder) key(f *triage.Finding, lvl int, vals *[triage.MaxGroupBy]string) triage.GroupKey {
	if b.by[:lvl+1].IsDefault() {
		return triage.KeyFor(f, b.by[:lvl+1], b.event)
	}
	k := triage.GroupKey{By: b.levelBy[lvl]}
	copy(k.Values[:lvl+1], vals[:lvl+1])
	return k
}

// add counts f in its group, when the group is this builder's.
func (b *chainBuilder) add(f *triage.Finding) {
	if g := b.leaf(f); g != nil {
		g.Add(f)
	}
}

// takeAll makes b count every leaf (its trie holds all of them, the
// other parts' merged in).
func (b *chainBuilder) takeAll() { b.share, b.lastSet, b.lastLeaf = nil, false, nil }

// leafShare picks the leaves one of several builders counts: those whose
// values hash to its part.
type leafShare struct {
	seed        maphash.Seed
	part, parts uint64
}

func (s *leafShare) mine(vals []string) bool {
	var h maphash.Hash
	h.SetSeed(s.seed)
	for _, v := range vals {
		h.WriteString(v)
		h.WriteByte(0)
	}
	return h.Sum64()%s.parts == s.part
}

// tree sums the levels above the last from it and returns the groups,
// the top level in queue order (the rows under a row are sorted when they
// are shown: computeRows).
func (b *chainBuilder) tree() tree {
	// The top level's subtrees are summed on every core, each part
	// into its own map of kids.
	parts := make([][]*chainNode, 1)
	if len(b.by) > 1 && len(b.root) >= 2 {
		parts = make([][]*chainNode, min(runtime.GOMAXPROCS(0), len(b.root)))
	}
	i := 0
	for _, n := range b.root {
		parts[i%len(parts)] = append(parts[i%len(parts)], n)
		i++
	}
	tops, kids := make([][]*triage.Group, len(parts)), make([]map[triage.GroupKey][]*triage.Group, len(parts))
	leaves := make([]int, len(parts))
	var wg sync.WaitGroup
	for p, ns := range parts {
		wg.Go(func() {
			kids[p] = map[triage.GroupKey][]*triage.Group{}
			tops[p], leaves[p] = sumNodes(slices.Values(ns), len(ns), kids[p])
		})
	}
	wg.Wait()
	t := tree{top: slices.Concat(tops...), kids: kids[0]}
	for p := 1; p < len(parts); p++ {
		maps.Copy(t.kids, kids[p])
	}
	for _, n := range leaves {
		t.nLeaves += n
	}
	triage.SortGroups(t.top)
	return t
}

// sumNodes sums each node's subtree into its group (sumGroups), records
// the groups under each in kids, and returns the nodes' groups and how
// many groups of the last level are under them.
func sumNodes(ns iter.Seq[*chainNode], n int, kids map[triage.GroupKey][]*triage.Group) (gs []*triage.Group, leaves int) {
	gs = make([]*triage.Group, 0, n)
	for nd := range ns {
		if len(nd.kids) == 0 {
			leaves++
		} else {
			ks, l := sumNodes(maps.Values(nd.kids), len(nd.kids), kids)
			sumGroups(nd.g, ks)
			kids[nd.g.Key] = ks
			leaves += l
		}
		gs = append(gs, nd.g)
	}
	return gs, leaves
}

// mergeGroup adds the counts of k, a group one level down, to g.
func mergeGroup(g, k *triage.Group) {
	mergeCounts(g, k)
	g.Hourly = mergeHours(g.Hourly, k.Hourly)
	if !g.Key.Default() {
		if k.Key.Default() {
			g.Sources.Add(k.Key.SourceIP)
		} else {
			g.Sources.Merge(&k.Sources)
		}
	}
}

// mergeCounts adds k's counts, detectors, rank and times to g:
// mergeGroup without the hours and the sources, which sumGroups adds in
// bulk.
func mergeCounts(g, k *triage.Group) { g.MergeCounts(k) }

// sumGroups sums the groups one level down into g (empty): mergeGroup
// for each, with their hours added in one pass rather than one merge
// each: counted in a dense array when they span at most denseHours
// hours (the usual case), else sorted.
func sumGroups(g *triage.Group, kids []*triage.Group) {
	n := 0
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, k := range kids {
		if h := k.Hourly; len(h) > 0 {
			n += len(h)
			lo, hi = min(lo, h[0].Hour), max(hi, h[len(h)-1].Hour)
		}
	}
	for _, k := range kids {
		mergeCounts(g, k)
		switch {
		case g.Key.Default():
		case k.Key.Default():
			g.Sources.Add(k.Key.SourceIP)
		default:
			g.Sources.Merge(&k.Sources)
		}
	}
	if n == 0 {
		g.Hourly = nil
		return
	}
	if span := hi - lo + 1; span <= denseHours {
		counts := make([]int32, span)
		distinct := 0
		for _, k := range kids {
			for _, hc := range k.Hourly {
				if counts[hc.Hour-lo] == 0 {
					distinct++
				}
				counts[hc.Hour-lo] += hc.Count
			}
		}
		out := make(triage.Hours, 0, distinct)
		for i, c := range counts {
			if c != 0 {
				out = append(out, triage.HourCount{Hour: lo + int64(i), Count: c})
			}
		}
		g.Hourly = out
		return
	}
	hours := make(triage.Hours, 0, n)
	for _, k := range kids {
		hours = append(hours, k.Hourly...)
	}
	slices.SortFunc(hours, func(a, b triage.HourCount) int { return cmpInt64(a.Hour, b.Hour) })
	out := hours[:0]
	for _, hc := range hours {
		if l := len(out); l > 0 && out[l-1].Hour == hc.Hour {
			out[l-1].Count += hc.Count
			continue
		}
		out = append(out, hc)
	}
	g.Hourly = slices.Clip(out)
}

// denseHours is the span of hours (a little over six weeks) up to which
// sumGroups counts in an array.
const denseHours = 1024

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// mergeHours adds two sorted hour counts.
func mergeHours(a, b triage.Hours) triage.Hours {
	if len(a) == 0 {
		return slices.Clone(b)
	}
	out := make(triage.Hours, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].Hour < b[j].Hour:
			out = append(out, a[i])
			i++
		case a[i].Hour > b[j].Hour:
			out = append(out, b[j])
			j++
		default:
			out = append(out, triage.HourCount{Hour: a[i].Hour, Count: a[i].Count + b[j].Count})
			i, j = i+1, j+1
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// groupChain groups fs under by, the suppressed findings apart: the
// regroup G asks for, run off the input loop for big runs. Big runs are
// grouped on every core: each core reads every finding but counts only
// the leaves whose values hash to it, so the cores' tries share no leaf
// (a leaf counted on two cores would be made, grown and merged twice,
// the garbage most of a regroup's time went to collecting). Which
// findings are suppressed is judged first, in slices, once each.
func groupChain(fs []triage.Finding, by triage.GroupBy, c *triage.Collection, sup *suppressor, alerts []*alertItem) (active, hidden tree, nAct, nHid int) {
	parts := runtime.GOMAXPROCS(0)
	if len(fs) < parallelRows || parts < 2 {
		parts = 1
	}
	isHidden := suppressedOf(fs, sup, parts)
	acts, hids := make([]*chainBuilder, parts), make([]*chainBuilder, parts)
	seed := maphash.MakeSeed()
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			ev := memoEvent(c)
			act, hid := newChainBuilder(by, ev), newChainBuilder(by, ev)
			if parts > 1 {
				act.share = &leafShare{seed: seed, part: uint64(p), parts: uint64(parts)}
				hid.share = &leafShare{seed: seed, part: uint64(p), parts: uint64(parts)}
			}
			for i := range fs {
				if isHidden != nil && isHidden[i] {
					hid.add(&fs[i])
				} else {
					act.add(&fs[i])
				}
			}
			acts[p], hids[p] = act, hid
		})
	}
	wg.Wait()
	act, hid := acts[0], hids[0]
	for p := 1; p < parts; p++ {
		mergeTries(act.root, acts[p].root)
		mergeTries(hid.root, hids[p].root)
	}
	act.takeAll()
	hid.takeAll()
	nHid = 0
	for _, h := range isHidden {
		if h {
			nHid++
		}
	}
	nAct = len(fs) - nHid
	for _, it := range alerts {
		b := act
		if it.hidden() {
			b = hid
		}
		addAlert(b.leaf(&it.row), it)
	}
	return act.tree(), hid.tree(), nAct, nHid
}

// suppressedOf says which of fs are suppressed (nil when none can be),
// judged in parts slices at once.
func suppressedOf(fs []triage.Finding, sup *suppressor, parts int) []bool {
	if sup.empty() {
		return nil
	}
	out := make([]bool, len(fs))
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := len(fs)*p/parts, len(fs)*(p+1)/parts
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				_, out[i] = sup.suppressed(&fs[i])
			}
		})
	}
	wg.Wait()
	return out
}

// mergeNodes merges trie b into a (the last level's groups summed).
func mergeNodes(a, b map[string]*chainNode) {
	for v, nb := range b {
		if na := a[v]; na == nil {
			a[v] = nb
		} else {
			mergeNode(na, nb)
		}
	}
}

// mergeNode merges node b into a, the same value's node.
func mergeNode(a, b *chainNode) {
	if len(b.kids) == 0 && len(a.kids) == 0 {
		mergeGroup(a.g, b.g)
		return
	}
	if a.kids == nil {
		a.kids = map[string]*chainNode{}
	}
	mergeNodes(a.kids, b.kids)
}

// mergeTries merges trie b into a on every core: the top level's values
// found in both are merged in parts (each pair touches only its own
// subtree), the rest are moved over first.
func mergeTries(a, b map[string]*chainNode) {
	var pairs [][2]*chainNode
	for v, nb := range b {
		if na := a[v]; na == nil {
			a[v] = nb
		} else {
			pairs = append(pairs, [2]*chainNode{na, nb})
		}
	}
	parts := min(runtime.GOMAXPROCS(0), len(pairs))
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			for _, pr := range pairs[len(pairs)*p/parts : len(pairs)*(p+1)/parts] {
				mergeNode(pr[0], pr[1])
			}
		})
	}
	wg.Wait()
}

// keyMatcher tells whether a finding belongs to a group of any level and
// any grouping: a default key by the finding's address and user agent, a
// key of another chain by the finding's values of its fields
// (triage.GroupValue, reading evidence events when the finding does not
// carry them), a campaign by its members' keys.
type keyMatcher struct {
	defaults map[triage.GroupKey]bool
	chains   map[string]map[triage.GroupKey]bool // by chain
	event    func(triage.EventRef) (*triage.Event, bool)
}

func newKeyMatcher(keys []triage.GroupKey, members map[triage.GroupKey][]triage.GroupKey, c *triage.Collection) *keyMatcher {
	km := &keyMatcher{defaults: map[triage.GroupKey]bool{}, chains: map[string]map[triage.GroupKey]bool{}, event: memoEvent(c)}
	var add func(k triage.GroupKey)
	add = func(k triage.GroupKey) {
		switch {
		case k.Default():
			km.defaults[k] = true
		case k.By == triage.CampaignBy:
			for _, m := range members[k] {
				add(m)
			}
		default:
			if km.chains[k.By] == nil {
				km.chains[k.By] = map[triage.GroupKey]bool{}
			}
			km.chains[k.By][k] = true
		}
	}
	for _, k := range keys {
		add(k)
	}
	return km
}

// keys returns the wanted keys f belongs to (default first, then chains
// in no order). It reuses out.
func (km *keyMatcher) keys(f *triage.Finding, out []triage.GroupKey) []triage.GroupKey {
	out = out[:0]
	if len(km.defaults) > 0 {
		if k := (triage.GroupKey{SourceIP: f.SourceIP, UserAgent: f.UserAgent}); km.defaults[k] {
			out = append(out, k)
		}
	}
	for by, want := range km.chains {
		k := triage.KeyFor(f, triage.GroupBy(strings.Split(by, ",")), km.event)
		if want[k] {
			out = append(out, k)
		}
	}
	return out
}

// findingsFor reads the findings of a group under any grouping (a
// campaign's are its members'), in the order raised. It scans the
// collection: the caller runs it off the input loop when the run is big.
func findingsFor(c *triage.Collection, all *findingsCache, k triage.GroupKey, members []triage.GroupKey) []triage.Finding {
	if k.Default() {
		return c.FindingsFor(k)
	}
	km := newKeyMatcher([]triage.GroupKey{k}, map[triage.GroupKey][]triage.GroupKey{k: members}, c)
	var out []triage.Finding
	var buf []triage.GroupKey
	fs := all.get(c)
	for i := range fs {
		if buf = km.keys(&fs[i], buf); len(buf) > 0 {
			out = append(out, fs[i])
		}
	}
	return out
}

// FindingsFor returns the findings of the group with key k as the console
// shows it, for the case file (picket's console wiring): triage's
// Collection.FindingsFor for the default grouping, the findings whose
// values of k's fields are k's for another chain (evidence events read as
// triage.GroupValue does), and the members' findings for a campaign
// (members are its groups' keys). It scans the collection.
func FindingsFor(c *triage.Collection, k triage.GroupKey, members []triage.GroupKey) []triage.Finding {
	return findingsFor(c, nil, k, members)
}

// foldedKey is where g stands in this snapshot after F: a campaign
// unfolded stands at its first member in the queue, a group folded at
// its campaign.
func (s snapshot) foldedKey(g *triage.Group) triage.GroupKey {
	if g.Campaign != nil && len(g.Campaign.Members) > 0 {
		// The member the queue lists first (its rank order), not the
		// first one folded.
		in := make(map[triage.GroupKey]bool, len(g.Campaign.Members))
		for _, k := range g.Campaign.Members {
			in[k] = true
		}
		for _, mg := range s.groups {
			if in[mg.Key] {
				return mg.Key
			}
		}
		return g.Campaign.Members[0]
	}
	for ck, ms := range s.kids {
		if ck.By != triage.CampaignBy {
			continue
		}
		for _, m := range ms {
			if m.Key == g.Key {
				return ck
			}
		}
	}
	return g.Key
}

// members returns the keys a campaign in the snapshot folds.
func (s snapshot) members(k triage.GroupKey) []triage.GroupKey {
	if k.By != triage.CampaignBy {
		return nil
	}
	if g := s.findGroup(k); g != nil && g.Campaign != nil {
		return g.Campaign.Members
	}
	return nil
}

// findingsFunc returns what reads the findings of group k; it holds what
// it needs, so it may run in a command.
func (a *app) findingsFunc(k triage.GroupKey) func() []triage.Finding {
	c, ms, all := a.opts.Collection, a.snap.members(k), a.all()
	return func() []triage.Finding { return findingsFor(c, all, k, ms) }
}

// findingsCache reads every finding of a collection in place
// (Collection.FindingsView: read-only, no copy), for regroups, filters and
// bulk actions.
type findingsCache struct {
	coll *triage.Collection // the run it reads
}

func (fc *findingsCache) get(c *triage.Collection) []triage.Finding {
	return c.FindingsView()
}

// all is how commands read every finding of the current run, in place
// once the run is done (nil while it loads).
func (a *app) all() *findingsCache {
	if a.loading {
		return nil
	}
	if a.fc == nil || a.fc.coll != a.opts.Collection {
		a.fc = &findingsCache{coll: a.opts.Collection} // a new run: the old copy goes
	}
	return a.fc
}

// findingsAtOnce reports whether reading a group's findings is quick
// enough for the key handler: the default grouping's index for runs of up
// to syncRows findings; another chain's scan, which may read evidence
// events, for a quarter of that.
func (a *app) findingsAtOnce(k triage.GroupKey) bool {
	n := a.snap.findings + a.snap.hidden
	if k.Default() {
		return n <= syncRows
	}
	return n <= syncRows/4
}

// The labels of keys, escaped.

// valueLabel shows a value of a grouping field: user agents with their
// parsed label, detectors short, an empty value as "(none)".
func valueLabel(field, v string) string {
	switch {
	case v == "":
		return "(none)"
	case field == "user_agent.original":
		return uaCell(v)
	case field == triage.FieldDetector:
		return shortDetector(v)
	}
	return triage.Escape(v)
}

// keyLabel names a group in messages and titles: its address and user
// agent for the default grouping, "field value › field value" for
// another chain, the campaign's line for a campaign.
func keyLabel(k triage.GroupKey) string {
	if k.Default() {
		return ipString(k) + " · " + uaCell(k.UserAgent)
	}
	if k.By == triage.CampaignBy {
		return "campaign " + triage.Escape(k.Values[0])
	}
	var parts []string
	for _, p := range k.Pairs() {
		parts = append(parts, triage.Escape(p.Field)+" "+valueLabel(p.Field, p.Value))
	}
	return strings.Join(parts, " › ")
}

// groupTitle names a group for headings: a campaign by its line
// (campaignLine), others by keyLabel.
func groupTitle(g *triage.Group) string {
	if g.Campaign != nil {
		return campaignLine(g)
	}
	return keyLabel(g.Key)
}

// campaignLine is a campaign's row text: "campaign · 316 sources · AE11 ·
// Nov 13 19:00–19:40".
func campaignLine(g *triage.Group) string {
	c := g.Campaign
	srcs := g.Sources.Len()
	s := "campaign · " + plural(srcs, "source")
	if g.Sources.Partial() {
		s = "campaign · " + strconv.Itoa(srcs) + "+ sources"
	}
	if len(c.Members) != srcs {
		s += " (" + plural(len(c.Members), "group") + ")"
	}
	return s + " · " + shortDetectors(g.Detectors) + " · " + timeSpan(g)
}

// campaignSpread is a campaign's spread in words.
func campaignSpread(c *triage.Campaign) string {
	sp := c.Spread
	return plural(sp.Slash24s, "network") + " (/24, /48) · " + plural(sp.ASNs, "ASN") + " · " +
		countries(sp.Countries) + " · " + plural(sp.UserAgents, "user agent")
}

func countries(n int) string {
	if n == 1 {
		return "1 country"
	}
	return strconv.Itoa(n) + " countries"
}

// campaignWhy says what folded a campaign: its shared signature and the
// thresholds.
func campaignWhy(c *triage.Campaign) string {
	sig := make([]string, len(c.Signature))
	for i, s := range c.Signature {
		sig[i] = triage.Escape(strings.TrimPrefix(s, "appsensor:"))
	}
	return "folded on " + strings.Join(sig, "; ") + " · ≥" + strconv.Itoa(c.Fold.MinMembers) + " groups, gaps ≤" +
		shortDuration(c.Fold.Window.String())
}

// shortDuration drops Go's zero units: "30m0s" → "30m".
func shortDuration(s string) string {
	for _, z := range []string{"0s", "0m"} {
		if t, ok := strings.CutSuffix(s, z); ok && t != "" && (strings.HasSuffix(t, "m") || strings.HasSuffix(t, "h")) {
			s = t
		}
	}
	return s
}

// timeSpan is a group's first to last seen: "Nov 13 19:00–19:40", the
// date written twice when the span crosses midnight.
func timeSpan(g *triage.Group) string {
	if g.FirstSeen.IsZero() {
		return "-"
	}
	f, l := g.FirstSeen.UTC(), g.LastSeen.UTC()
	end := l.Format("15:04")
	if f.YearDay() != l.YearDay() || f.Year() != l.Year() {
		end = l.Format(shortTime)
	}
	return f.Format(shortTime) + "–" + end
}

// keyField is the value of field in k, and whether k has the field.
func keyField(k triage.GroupKey, field string) (string, bool) {
	for _, p := range k.Pairs() {
		if p.Field == field {
			return p.Value, true
		}
	}
	return "", false
}

// keyAddr is the source address a key names, if any.
func keyAddr(k triage.GroupKey) (netip.Addr, bool) {
	if k.Default() {
		return k.SourceIP, k.SourceIP.IsValid()
	}
	v, ok := keyField(k, "source.ip")
	if !ok {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(v)
	return a, err == nil
}

// leafKeys expands campaigns into their members' keys (deduplicated,
// order kept).
func leafKeys(keys []triage.GroupKey, members func(triage.GroupKey) []triage.GroupKey) []triage.GroupKey {
	seen := map[triage.GroupKey]bool{}
	var out []triage.GroupKey
	for _, k := range keys {
		ks := []triage.GroupKey{k}
		if k.By == triage.CampaignBy {
			ks = members(k)
		}
		for _, k := range ks {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return slices.Clip(out)
}

// same reports whether g and o group alike.
func (g grouping) same(o grouping) bool {
	return g.isDefault() == o.isDefault() && (g.isDefault() || slices.Equal(g.by, o.by)) && g.noFold == o.noFold
}

// label names the grouping for the status line.
func (g grouping) label() string {
	s := strings.Join(g.chain(), " › ")
	if g.isDefault() && g.noFold {
		s += ", not folded"
	}
	return s
}

// groupHeading is the group view's first line after the badge: the
// address and user agent, a campaign's line, or another chain's key.
func groupHeading(st *Styles, g *triage.Group) string {
	switch {
	case g.Campaign != nil:
		return st.Source.Render(campaignLine(g))
	case !g.Key.Default():
		return st.Source.Render(keyLabel(g.Key))
	}
	return st.Source.Render(ipString(g.Key)) + "  " + uaCell(g.Key.UserAgent)
}

// detectorsLine is the group view's detectors line; a campaign's says
// what folded it, with what thresholds, and how spread it is.
func detectorsLine(st *Styles, g *triage.Group, dets []string) string {
	if c := g.Campaign; c != nil {
		return st.Label.Render("why ") + campaignWhy(c) + st.Label.Render("  spread ") + campaignSpread(c)
	}
	return st.Label.Render("detectors ") + strings.Join(dets, ", ")
}
