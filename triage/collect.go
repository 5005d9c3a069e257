package triage

import (
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Collection keeps what one run produced for the console: every finding,
// the groups, and the events findings cite. It is safe for concurrent use:
// the engine fills it while the console reads it.
//
// Events are kept by stream position (Event.Seq), never by their id alone:
// ids come from clients and repeat, positions do not. They are kept
// outside the Go heap (see eventLog) and decoded again when asked for, so
// memory grows by about 20 bytes per kept event.
type Collection struct {
	mu       sync.Mutex
	findings []Finding
	grouper  Grouper
	log      *eventLog
	first    uint64 // Seq of the first kept event
	// byID maps an id to the first kept event carrying it; built on first
	// use (alerts pulled from Elasticsearch cite their events by id).
	byID    map[string]uint32
	maxKeep int
	// sealed is set once the run that fills the collection is over
	// (Seal): groups no longer change, so Groups shares them rather than
	// copying half a million groups for every snapshot.
	sealed bool
	groups []*Group // the sealed groups in queue order, sorted once
	// held says what part of a run too large to hold the collection
	// holds (SetHeld); the zero value means all of it.
	held Held
	// runCounts counts a large run's findings per detector, held or not
	// (SetRunCounts); nil when the collection holds the whole run.
	runCounts map[string]int
}

// Held describes a run larger than the console holds in memory
// (triage/spill.Bounded): while it loads, findings and groups wait on
// disk and the collection holds none; once loaded, it holds the top of
// the queue, the findings under it, and counts the rest.
type Held struct {
	// Loading is set while the run's groups wait on disk.
	Loading bool
	// Groups and Findings count the whole run (Findings so far while
	// loading; Groups is then unknown and 0). Groups counts campaigns'
	// members one by one.
	Groups, Findings int
	// HeldGroups and HeldFindings are the part held, from the top of the
	// queue down.
	HeldGroups, HeldFindings int
}

// Partial reports whether part of the run is not held.
func (h Held) Partial() bool {
	return h.Loading || h.Groups > h.HeldGroups || h.Findings > h.HeldFindings
}

// SetHeld records what part of the run the collection holds.
func (c *Collection) SetHeld(h Held) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = h
}

// Held says what part of the run the collection holds (the zero Held when
// it holds all of it).
func (c *Collection) Held() Held {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held
}

// GroupCount is how many groups the collection holds.
func (c *Collection) GroupCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.grouper.Len()
}

// TakeFindings returns every finding held, in the order raised, and
// forgets them and their groups: a run that outgrows memory moves them to
// disk (triage/spill.Bounded). Views handed out before keep their
// findings; groups handed out are not changed.
func (c *Collection) TakeFindings() []Finding {
	c.mu.Lock()
	defer c.mu.Unlock()
	fs := c.findings
	c.findings = nil
	c.grouper = Grouper{}
	c.sealed, c.groups = false, nil
	return fs
}

// NewCollection returns an empty collection that keeps at most maxEvents
// events for the event view (0 means no limit). Events beyond the cap are
// still run through detectors but cannot be opened in the console.
func NewCollection(maxEvents int) *Collection {
	return &Collection{log: newEventLog(), maxKeep: maxEvents}
}

// Close releases the kept events' file.
func (c *Collection) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log.close()
}

// Wire makes the engine report into the collection.
func (c *Collection) Wire(e *Engine) {
	e.OnEvent = c.AddEvent
	e.OnFinding = c.AddFinding
}

// AddEvent keeps an event so findings can show their evidence. Events must
// arrive in stream order; one without a position (not run by an engine) is
// given the next one.
func (c *Collection) AddEvent(ev *Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.log.len()
	if c.maxKeep > 0 && n >= c.maxKeep {
		return
	}
	if n == 0 {
		if ev.Seq == 0 {
			ev.Seq = 1
		}
		c.first = ev.Seq
	} else if want := c.first + uint64(n); ev.Seq != want {
		if ev.Seq != 0 {
			return // out of order: not a stream this collection can index
		}
		ev.Seq = want
	}
	i, ok := c.log.add(ev)
	if ok && c.byID != nil {
		if _, seen := c.byID[ev.ID]; !seen {
			c.byID[ev.ID] = i
		}
	}
}

// AddFinding records a finding and counts it in its group.
func (c *Collection) AddFinding(f Finding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sealed {
		// A late finding: the groups handed out stay as they were
		// (readers hold them without the lock); the collection goes on
		// with copies.
		c.grouper.cloneAll()
		c.sealed, c.groups = false, nil
	}
	c.findings = append(c.findings, f)
	c.grouper.Add(&f)
}

// Seal says the run is over: nothing more will be added. From then on
// Groups returns the same groups each time, which callers must not change
// (Clone one to change it).
func (c *Collection) Seal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sealed = true
}

// Groups returns the groups in queue order: copies while the run goes on
// (the engine may still be adding), the groups themselves once it is
// sealed. Either way callers must not change them.
func (c *Collection) Groups() []*Group {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sealed {
		if c.groups == nil {
			c.groups = c.grouper.Groups()
		}
		return slices.Clone(c.groups)
	}
	gs := c.grouper.Groups()
	for i, g := range gs {
		gs[i] = g.Clone()
	}
	return gs
}

// Sealed reports whether the run is over (Seal).
func (c *Collection) Sealed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sealed
}

// TopGroups returns copies of the n groups that rank highest, in queue
// order, with how many groups and findings there are in all: what a
// console shows while a big run loads, without copying every group for
// every refresh. The rank numbers are read under the lock, the choice is
// made outside it, and the chosen groups are copied under it again (so
// their counts may be a little newer than the choice).
func (c *Collection) TopGroups(n int) (top []*Group, groups, findings int) {
	c.mu.Lock()
	rs := make([]rankedGroup, 0, c.grouper.Len())
	c.grouper.each(func(g *Group) { rs = append(rs, ranked(g)) })
	findings = len(c.findings)
	c.mu.Unlock()
	groups = len(rs)
	if n < len(rs) {
		slices.SortFunc(rs, compareRanked) // keys never change: safe to read
		rs = rs[:n]
	}
	c.mu.Lock()
	top = make([]*Group, len(rs))
	for i, r := range rs {
		top[i] = r.g.Clone()
	}
	c.mu.Unlock()
	SortGroups(top)
	return top, groups, findings
}

// FindingsFor returns the findings of one group, in the order raised.
//
// A key of another chain is matched on the findings' own fields and
// captured values (KeyFor without reading events).
func (c *Collection) FindingsFor(k GroupKey) []Finding {
	c.mu.Lock()
	defer c.mu.Unlock()
	by := k.Fields()
	var out []Finding
	for i := range c.findings {
		if KeyFor(&c.findings[i], by, nil) == k {
			out = append(out, c.findings[i])
		}
	}
	return out
}

// FindingsView returns every finding raised so far, in the order raised,
// without copying them: the collection only ever appends, and never
// changes a finding once added, so the view stays valid and the engine
// may go on adding meanwhile. Callers must not change its elements (copy
// a finding to change it); at a million findings a copy costs hundreds of
// megabytes.
func (c *Collection) FindingsView() []Finding {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.findings[:len(c.findings):len(c.findings)]
}

// Findings returns a copy of every finding, in the order raised.
func (c *Collection) Findings() []Finding {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Finding(nil), c.findings...)
}

// Event returns a kept event: by stream position when the reference has
// one, else the first kept event with the reference's id.
func (c *Collection) Event(r EventRef) (*Event, bool) {
	if r.Seq == 0 {
		return c.EventByID(r.ID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Seq < c.first || r.Seq-c.first >= uint64(c.log.len()) {
		return nil, false
	}
	return c.decodeLocked(uint32(r.Seq - c.first))
}

// decodeLocked decodes kept event i (c.mu held).
func (c *Collection) decodeLocked(i uint32) (*Event, bool) {
	if ev, ok := c.log.cached(i); ok {
		return ev, true
	}
	if c.log.sync() != nil {
		return nil, false
	}
	buf := make([]byte, c.log.recordLen(int(i)))
	off, _ := c.log.span(int(i), int(i)+1)
	if c.log.readAt(buf, off) != nil {
		return nil, false
	}
	ev, err := decodeRecord(buf, c.first+uint64(i))
	if err != nil {
		return nil, false
	}
	c.log.remember(i, ev)
	return ev, true
}

// EventByID returns the first kept event with id. Ids come from clients
// and may repeat: prefer Event with a position wherever one is known. The
// id index is built on first use by reading the kept events once.
func (c *Collection) EventByID(id string) (*Event, bool) {
	c.mu.Lock()
	if c.byID == nil {
		n := c.log.len()
		c.mu.Unlock()
		idx := make(map[string]uint32, n)
		i := uint32(0)
		c.eachFrom(0, n, time.Time{}, time.Time{}, func(ev *Event) bool {
			if _, seen := idx[ev.ID]; !seen {
				idx[ev.ID] = i
			}
			i++
			return true
		})
		c.mu.Lock()
		if c.byID == nil {
			c.byID = idx
			// Events kept while the index was built.
			for j := n; j < c.log.len(); j++ {
				if ev, ok := c.decodeLocked(uint32(j)); ok {
					if _, seen := c.byID[ev.ID]; !seen {
						c.byID[ev.ID] = uint32(j)
					}
				}
			}
		}
	}
	defer c.mu.Unlock()
	i, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	return c.decodeLocked(i)
}

// EventCount returns how many events are kept.
func (c *Collection) EventCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log.len()
}

// Full reports whether the collection stopped keeping events because it
// reached its cap: answers computed over kept events are then partial.
func (c *Collection) Full() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxKeep > 0 && c.log.len() >= c.maxKeep
}

// eachBatch is how many events EachEvent reads from the kept events'
// file at a time.
const eachBatch = 512

// EachEvent calls fn for every kept event, in arrival order, until fn
// returns false. The lock is held only while a batch's location is read,
// never while fn runs, so the engine goes on adding events during a long
// scan (those that arrive before the scan reaches the end are seen).
// Events are read-only: fn must not change them.
func (c *Collection) EachEvent(fn func(*Event) bool) {
	c.eachFrom(0, -1, time.Time{}, time.Time{}, fn)
}

// EachEventBetween is EachEvent over the kept events whose @timestamp is
// in [from, to] (a zero bound is open; events without a time are always
// visited). Runs of events entirely outside the window are skipped
// without reading them, so a question about the hour before a finding
// costs that hour, not the whole collection.
func (c *Collection) EachEventBetween(from, to time.Time, fn func(*Event) bool) {
	c.eachFrom(0, -1, from, to, func(ev *Event) bool {
		if !ev.Timestamp.IsZero() && (ev.Timestamp.Before(from) && !from.IsZero() || !to.IsZero() && ev.Timestamp.After(to)) {
			return true
		}
		return fn(ev)
	})
}

// eachFrom is EachEvent over kept events [from, to); to < 0 means to the
// end, including events added during the scan. Blocks of events entirely
// outside [since, until] are skipped (zero bounds are open).
func (c *Collection) eachFrom(from, to int, since, until time.Time, fn func(*Event) bool) {
	var buf []byte
	for i := from; ; {
		c.mu.Lock()
		end := c.log.len()
		if to >= 0 {
			end = min(end, to)
		}
		end = min(end, (i/eachBatch+1)*eachBatch)
		if i >= end {
			c.mu.Unlock()
			return
		}
		if !c.log.blockOverlaps(i, since, until) {
			c.mu.Unlock()
			i = end
			continue
		}
		lens := make([]int, end-i)
		for k := range lens {
			lens[k] = c.log.recordLen(i + k)
		}
		off, stop := c.log.span(i, end)
		err := c.log.sync()
		first := c.first
		c.mu.Unlock()
		if err != nil {
			return
		}
		buf = slices.Grow(buf[:0], int(stop-off))[:stop-off]
		if c.readAt(buf, off) != nil {
			return
		}
		for k, n := range lens {
			ev, err := decodeRecord(buf[:n], first+uint64(i+k))
			buf = buf[n:]
			if err != nil {
				continue
			}
			if !fn(ev) {
				return
			}
		}
		i = end
	}
}

// readAt reads kept-event bytes outside the lock when they are in a file
// (appends never touch them); in-memory records are read under it.
func (c *Collection) readAt(p []byte, off int64) error {
	if c.log.f != nil {
		_, err := c.log.f.ReadAt(p, off)
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log.readAt(p, off)
}

// EachEventFrom is EachEvent restricted to the kept events whose source
// address is ip (source.ip, else client.ip; IPv4-mapped IPv6 addresses
// count as IPv4). It reads an index, so its cost grows with that source's
// events, not with the collection.
func (c *Collection) EachEventFrom(ip netip.Addr, fn func(*Event) bool) {
	if !ip.IsValid() {
		return
	}
	ip = ip.Unmap()
	c.mu.Lock()
	idx := c.log.fromSource(ip)
	c.mu.Unlock()
	for _, i := range idx {
		c.mu.Lock()
		ev, ok := c.decodeLocked(i)
		c.mu.Unlock()
		if ok && ev.SourceIP.Unmap() == ip && !fn(ev) {
			return
		}
	}
}

// Hits resolves evidence positions for a Suppressor from the kept events:
// an event that was not kept cannot be judged. memo remembers each
// event's matches, so judging many findings matches each event once.
func (c *Collection) Hits(s *Suppressor) EventHits {
	memo := map[uint64][]int32{}
	var mu sync.Mutex
	return func(seq uint64) ([]int32, bool) {
		mu.Lock()
		hits, ok := memo[seq]
		mu.Unlock()
		if ok {
			return hits, true
		}
		ev, kept := c.Event(EventRef{Seq: seq})
		if !kept {
			return nil, false
		}
		hits = s.Matching(ev)
		mu.Lock()
		memo[seq] = hits
		mu.Unlock()
		return hits, true
	}
}

// SetRunCounts records how many findings each detector raised in a run
// the collection holds only part of (triage/spill.Bounded), for
// CountByDetector.
func (c *Collection) SetRunCounts(byDetector map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runCounts = maps.Clone(byDetector)
}

// CountByDetector returns how many findings each detector raised: in the
// whole run, also when the collection holds only the top of a large one.
func (c *Collection) CountByDetector() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runCounts != nil {
		return maps.Clone(c.runCounts)
	}
	out := make(map[string]int)
	for i := range c.findings {
		out[c.findings[i].Detector]++
	}
	return out
}
