package triage

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/netip"
	"slices"
	"time"
)

// Group gathers the findings about one GroupKey.
type Group struct {
	Key         GroupKey
	Findings    int
	Detectors   []string // sorted, distinct
	MaxSeverity Severity
	Risk        int // sum of the findings' risk scores
	FirstSeen   time.Time
	LastSeen    time.Time
	// Hourly counts findings per hour, for the activity sparkline.
	Hourly Hours
	// Sources counts the distinct source addresses of the group's
	// findings (exactly up to MaxSources, then at least that many); kept
	// for groups whose key is not an address.
	Sources SourceSet
	// Attrs are the captured field values of the group's first finding
	// (Engine.Capture): what a campaign's spread is counted from.
	Attrs []Attr
	// Campaign is set when the group is a campaign of folded groups.
	Campaign *Campaign
	// Worst is what ranks the group: the impact and severity of its worst
	// finding (see WorstFinding), and which detector raised it.
	Worst Worst

	signature []string // detector and reason shapes seen (see Fold)
	mixed     bool     // too many to fold
}

// Worst describes a group's worst finding, which places it in the queue.
type Worst struct {
	Class    int // rank class: severity and impact on one scale
	Impact   Impact
	Severity Severity
	Detector string
}

// Why says in words why the group ranks where it does ("data
// exfiltration (appsensor:CIE2)", "high: appsensor:CIE1").
func (w Worst) Why() string {
	if w.Detector == "" {
		return ""
	}
	if w.Impact != ImpactNone {
		return w.Impact.String() + " (" + w.Detector + ")"
	}
	return w.Severity.String() + ": " + w.Detector
}

func (w *Worst) note(sev Severity, imp Impact, detector string) {
	c := rankClass(sev, imp)
	if w.Detector == "" || c > w.Class || (c == w.Class && imp > w.Impact) {
		*w = Worst{Class: c, Impact: imp, Severity: sev, Detector: detector}
	}
}

// NoteWorst lets f rank the group if it is its worst finding (Add does
// this; the console's pulled alerts, which count otherwise, call it).
func (g *Group) NoteWorst(f *Finding) { g.Worst.note(f.Severity, f.Impact, f.Detector) }

func (g *Group) add(f *Finding) {
	g.Worst.note(f.Severity, f.Impact, f.Detector)
	g.Findings++
	g.Detectors = AddDetector(g.Detectors, f.Detector)
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
		g.Hourly.Add(t.Unix() / 3600)
	}
	if !g.Key.Default() {
		g.Sources.addSourcesOf(f)
	}
}

// AddDetector adds d to ds, a sorted list of distinct detectors, and
// returns the list. Groups have a few detectors, and a finding's is
// usually one the group has: a scan that compares the strings' pointers
// first beats a binary search, and the list is kept sorted for output.
func AddDetector(ds []string, d string) []string {
	if len(ds) > 8 {
		i, found := slices.BinarySearch(ds, d)
		if !found {
			ds = slices.Insert(ds, i, d)
		}
		return ds
	}
	for _, x := range ds {
		if x == d { // a detector's id is one string: equal means same bytes
			return ds
		}
	}
	i := 0
	for i < len(ds) && ds[i] < d {
		i++
	}
	return slices.Insert(ds, i, d)
}

// Clone returns a copy of g that shares nothing it could change.
func (g *Group) Clone() *Group {
	cp := *g
	cp.Detectors = slices.Clone(g.Detectors)
	cp.Hourly = slices.Clone(g.Hourly)
	cp.Sources = g.Sources.clone()
	cp.Attrs = slices.Clone(g.Attrs)
	cp.signature = slices.Clone(g.signature)
	return &cp
}

// SourceCount is how many distinct source addresses the group's findings
// came from (a lower bound past MaxSources).
func (g *Group) SourceCount() int {
	if g.Key.Default() {
		if g.Key.SourceIP.IsValid() {
			return 1
		}
		return 0
	}
	return g.Sources.Len()
}

// Add counts one more finding in the group (the Grouper does this; the
// console adds pulled alerts the same way).
func (g *Group) Add(f *Finding) { g.add(f) }

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
	for _, hc := range g.Hourly {
		i := (hc.Hour - first) * buckets / span
		if i >= 0 && i < buckets {
			out[i] += int(hc.Count)
		}
	}
	return out
}

// MarshalJSON writes the group with Picket's output keys.
func (g Group) MarshalJSON() ([]byte, error) {
	w := struct {
		SourceIP    *string           `json:"source_ip,omitempty"`
		UserAgent   *string           `json:"user_agent,omitempty"`
		GroupBy     []string          `json:"group_by"`
		Key         map[string]string `json:"key"`
		Sources     int               `json:"sources"`
		Findings    int               `json:"findings"`
		Detectors   []string          `json:"detectors"`
		MaxSeverity Severity          `json:"max_severity"`
		Risk        int               `json:"risk"`
		FirstSeen   string            `json:"first_seen"`
		LastSeen    string            `json:"last_seen"`
		RankedBy    string            `json:"ranked_by,omitempty"`
		*campaignJSON
	}{
		GroupBy:     g.Key.Fields(),
		Key:         map[string]string{},
		Sources:     g.SourceCount(),
		Findings:    g.Findings,
		Detectors:   g.Detectors,
		MaxSeverity: g.MaxSeverity,
		Risk:        g.Risk,
		FirstSeen:   formatTime(g.FirstSeen),
		LastSeen:    formatTime(g.LastSeen),
		RankedBy:    g.Worst.Why(),
	}
	for _, p := range g.Key.Pairs() {
		w.Key[p.Field] = p.Value
	}
	if g.Key.Default() {
		// The default grouping keeps the keys it always had.
		ip, ua := "", g.Key.UserAgent
		if g.Key.SourceIP.IsValid() {
			ip = g.Key.SourceIP.String()
		}
		w.SourceIP, w.UserAgent = &ip, &ua
	}
	if w.Detectors == nil {
		w.Detectors = []string{}
	}
	if c := g.Campaign; c != nil {
		w.campaignJSON = &campaignJSON{Campaign: true, Members: len(c.Members), Signature: c.Signature,
			Spread: c.Spread, Fold: foldJSON{MinMembers: c.Fold.MinMembers, Window: c.Fold.Window.String()}}
		for _, m := range c.Members {
			if m.SourceIP.IsValid() {
				w.SourceIPs = append(w.SourceIPs, m.SourceIP.String())
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// campaignJSON is what a campaign line adds: the output keys are a
// contract with other tools ("campaign", "members", "source_ips").
type campaignJSON struct {
	Campaign  bool     `json:"campaign"`
	Members   int      `json:"members"`
	SourceIPs []string `json:"source_ips"`
	Signature []string `json:"signature"`
	Spread    Spread   `json:"spread"`
	Fold      foldJSON `json:"fold"`
}

type foldJSON struct {
	MinMembers int    `json:"min_members"`
	Window     string `json:"window"`
}

// Grouper accumulates findings into groups. The zero value groups by the
// default source IP × user agent.
type Grouper struct {
	// By is the grouping chain; empty means DefaultGroupBy.
	By GroupBy
	// Event reads evidence events for grouping fields the findings do
	// not carry (see GroupValue); nil when none can be read.
	Event  func(EventRef) (*Event, bool)
	groups map[GroupKey]*Group // groups of other keys
	actors map[actorKey]*Group // default groups, by a smaller key
	shapes map[string]string   // interned signatures
}

type actorKey struct {
	ip netip.Addr
	ua string
}

// Add counts a finding in its group.
func (gr *Grouper) Add(f *Finding) {
	if gr.groups == nil {
		gr.groups = make(map[GroupKey]*Group)
		gr.actors = make(map[actorKey]*Group)
	}
	var g *Group
	if gr.By.IsDefault() && f.Subject.Field == "" {
		// Most groups are one client: a small key hashes faster.
		ak := actorKey{f.SourceIP, f.UserAgent}
		if g = gr.actors[ak]; g == nil {
			g = &Group{Key: GroupKey{SourceIP: f.SourceIP, UserAgent: f.UserAgent}, Attrs: f.Attrs}
			gr.actors[ak] = g
		}
	} else {
		k := KeyFor(f, gr.By, gr.Event)
		if g = gr.groups[k]; g == nil {
			g = &Group{Key: k, Attrs: f.Attrs}
			gr.groups[k] = g
		}
	}
	if gr.shapes == nil {
		gr.shapes = map[string]string{}
	}
	g.noteSignature(f, gr.shapes)
	g.add(f)
}

// cloneAll replaces every group held by a copy, so that groups handed
// out earlier never change.
func (gr *Grouper) cloneAll() {
	for k, g := range gr.actors {
		gr.actors[k] = g.Clone()
	}
	for k, g := range gr.groups {
		gr.groups[k] = g.Clone()
	}
}

// Len is how many groups the Grouper holds.
func (gr *Grouper) Len() int { return len(gr.groups) + len(gr.actors) }

// each calls fn with every group held, in no order.
func (gr *Grouper) each(fn func(*Group)) {
	for _, g := range gr.actors {
		fn(g)
	}
	for _, g := range gr.groups {
		fn(g)
	}
}

// Take returns the groups held, in no order, and forgets them: a run too
// large to hold every group writes them out and goes on (triage/spill).
func (gr *Grouper) Take() []*Group {
	out := make([]*Group, 0, gr.Len())
	gr.each(func(g *Group) { out = append(out, g) })
	gr.groups, gr.actors = nil, nil
	return out
}

// Groups returns the groups in queue order: the worst finding's impact and
// severity first (a data breach before a scanner's many probes), then
// highest severity, then highest summed risk, then most findings, then by
// key for a stable order.
func (gr *Grouper) Groups() []*Group {
	out := make([]*Group, 0, gr.Len())
	gr.each(func(g *Group) { out = append(out, g) })
	SortGroups(out)
	return out
}

// SortGroups orders groups for the queue: worst finding's rank class,
// then maximum severity, risk and findings, all highest first, then the
// key. The numbers are read into a flat slice first, so comparing does
// not chase a pointer, and big lists are sorted in two halves at once.
func SortGroups(gs []*Group) {
	rs := make([]rankedGroup, len(gs))
	for i, g := range gs {
		rs[i] = ranked(g)
	}
	if len(rs) < parallelSortMin {
		slices.SortFunc(rs, compareRanked)
	} else {
		half := len(rs) / 2
		done := make(chan struct{})
		go func() { slices.SortFunc(rs[:half], compareRanked); close(done) }()
		slices.SortFunc(rs[half:], compareRanked)
		<-done
		a, b := rs[:half], rs[half:]
		for i := range gs {
			if len(b) == 0 || len(a) > 0 && compareRanked(a[0], b[0]) <= 0 {
				gs[i], a = a[0].g, a[1:]
			} else {
				gs[i], b = b[0].g, b[1:]
			}
		}
		return
	}
	for i := range rs {
		gs[i] = rs[i].g
	}
}

// parallelSortMin is the list size from which SortGroups sorts two halves
// at once: below it the goroutine is not worth it.
const parallelSortMin = 20_000

// CompareGroups orders two groups as SortGroups does: the one queue order
// every list of groups follows (the console's default sort, rows shown
// with suppressed ones, the rows under a row).
func CompareGroups(a, b *Group) int { return compareRanked(ranked(a), ranked(b)) }

// rankedGroup is a group with its rank numbers packed, highest first.
type rankedGroup struct {
	hi, lo uint64 // class, severity, risk; findings
	g      *Group
}

func ranked(g *Group) rankedGroup {
	return rankedGroup{
		hi: uint64(min(max(g.Worst.Class, 0), 0xff))<<56 | uint64(min(max(int(g.MaxSeverity), 0), 0xff))<<48 | uint64(min(max(g.Risk, 0), 1<<48-1)),
		lo: uint64(max(g.Findings, 0)),
		g:  g,
	}
}

func compareRanked(a, b rankedGroup) int {
	switch {
	case a.hi != b.hi:
		return cmp.Compare(b.hi, a.hi)
	case a.lo != b.lo:
		return cmp.Compare(b.lo, a.lo)
	}
	return a.g.Key.Compare(b.g.Key)
}
