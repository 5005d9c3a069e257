package triage

import (
	"maps"
	"net/netip"
	"sync"
)

// Collection keeps what one run produced for the console: every finding,
// the groups, and the events findings cite. It is safe for concurrent use:
// the engine fills it while the console reads it.
//
// Events are kept by stream position (Event.Seq), never by their id alone:
// ids come from clients and repeat, positions do not.
type Collection struct {
	mu       sync.RWMutex
	findings []Finding
	grouper  Grouper
	events   []*Event // kept events; events[i].Seq == first+i
	first    uint64   // Seq of events[0]
	// bySource indexes kept events by source address (positions into
	// events), so a question about one source (a playbook action) does not
	// scan every event.
	bySource map[netip.Addr][]uint32
	// byID maps an id to the first kept event carrying it; built on first
	// use (alerts pulled from Elasticsearch cite their events by id).
	byID    map[string]uint32
	maxKeep int
}

// NewCollection returns an empty collection that keeps at most maxEvents
// events for the event view (0 means no limit). Events beyond the cap are
// still run through detectors but cannot be opened in the console.
func NewCollection(maxEvents int) *Collection {
	return &Collection{bySource: make(map[netip.Addr][]uint32), maxKeep: maxEvents}
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
	if c.maxKeep > 0 && len(c.events) >= c.maxKeep {
		return
	}
	if len(c.events) == 0 {
		if ev.Seq == 0 {
			ev.Seq = 1
		}
		c.first = ev.Seq
	} else if want := c.first + uint64(len(c.events)); ev.Seq != want {
		if ev.Seq != 0 {
			return // out of order: not a stream this collection can index
		}
		ev.Seq = want
	}
	i := uint32(len(c.events))
	c.events = append(c.events, ev)
	if ev.SourceIP.IsValid() {
		a := ev.SourceIP.Unmap()
		c.bySource[a] = append(c.bySource[a], i)
	}
	if c.byID != nil {
		if _, ok := c.byID[ev.ID]; !ok {
			c.byID[ev.ID] = i
		}
	}
}

// AddFinding records a finding and counts it in its group.
func (c *Collection) AddFinding(f Finding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.findings = append(c.findings, f)
	c.grouper.Add(&f)
}

// Groups returns the groups in queue order.
func (c *Collection) Groups() []*Group {
	c.mu.RLock()
	defer c.mu.RUnlock()
	gs := c.grouper.Groups()
	out := make([]*Group, len(gs))
	for i, g := range gs {
		cp := *g // a snapshot: the engine may still be adding
		cp.Detectors = append([]string(nil), g.Detectors...)
		cp.Hourly = maps.Clone(g.Hourly)
		out[i] = &cp
	}
	return out
}

// FindingsFor returns the findings of one group, in the order raised.
func (c *Collection) FindingsFor(k GroupKey) []Finding {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []Finding
	for _, f := range c.findings {
		if f.SourceIP == k.SourceIP && f.UserAgent == k.UserAgent {
			out = append(out, f)
		}
	}
	return out
}

// Findings returns every finding, in the order raised.
func (c *Collection) Findings() []Finding {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]Finding(nil), c.findings...)
}

// Event returns a kept event: by stream position when the reference has
// one, else the first kept event with the reference's id.
func (c *Collection) Event(r EventRef) (*Event, bool) {
	if r.Seq != 0 {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return c.at(r.Seq)
	}
	return c.EventByID(r.ID)
}

func (c *Collection) at(seq uint64) (*Event, bool) {
	if seq < c.first || seq-c.first >= uint64(len(c.events)) {
		return nil, false
	}
	return c.events[seq-c.first], true
}

// EventByID returns the first kept event with id. Ids come from clients
// and may repeat: prefer Event with a position wherever one is known.
func (c *Collection) EventByID(id string) (*Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = make(map[string]uint32, len(c.events))
		for i := len(c.events) - 1; i >= 0; i-- {
			c.byID[c.events[i].ID] = uint32(i)
		}
	}
	i, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	return c.events[i], true
}

// EventCount returns how many events are kept.
func (c *Collection) EventCount() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.events)
}

// Full reports whether the collection stopped keeping events because it
// reached its cap: answers computed over kept events are then partial.
func (c *Collection) Full() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.maxKeep > 0 && len(c.events) >= c.maxKeep
}

// eachBatch is how many events EachEvent and EachEventFrom copy under the
// lock at a time.
const eachBatch = 512

// EachEvent calls fn for every kept event, in arrival order, until fn
// returns false. The lock is held only while a batch of pointers is
// copied, never while fn runs, so the engine goes on adding events during
// a long scan (those that arrive before the scan reaches the end are
// seen). Events are read-only: fn must not change them.
func (c *Collection) EachEvent(fn func(*Event) bool) {
	var batch [eachBatch]*Event
	for i := 0; ; {
		c.mu.RLock()
		n := copy(batch[:], c.events[min(i, len(c.events)):])
		c.mu.RUnlock()
		if n == 0 {
			return
		}
		i += n
		for _, ev := range batch[:n] {
			if !fn(ev) {
				return
			}
		}
	}
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
	var batch [eachBatch]*Event
	for i := 0; ; {
		n := 0
		c.mu.RLock()
		idx := c.bySource[ip]
		for ; i < len(idx) && n < len(batch); i++ {
			batch[n] = c.events[idx[i]]
			n++
		}
		done := i >= len(idx)
		c.mu.RUnlock()
		for _, ev := range batch[:n] {
			if !fn(ev) {
				return
			}
		}
		if done {
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
		c.mu.RLock()
		ev, kept := c.at(seq)
		c.mu.RUnlock()
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

// CountByDetector returns how many findings each detector raised.
func (c *Collection) CountByDetector() map[string]int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]int)
	for i := range c.findings {
		out[c.findings[i].Detector]++
	}
	return out
}
