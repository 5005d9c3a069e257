package triage

import (
	"maps"
	"net/netip"
	"sync"
)

// Collection keeps what one run produced for the console: every finding,
// the groups, and the events findings cite. It is safe for concurrent use:
// the engine fills it while the console reads it.
type Collection struct {
	mu       sync.RWMutex
	findings []Finding
	grouper  Grouper
	events   map[string]*Event
	order    []string // event ids in arrival order
	// bySource indexes kept event ids by source address, so a question
	// about one source (a playbook action) does not scan every event. An
	// id stays listed under an address it no longer has when a duplicate
	// id replaced the event; readers check the address again. (An id that
	// moves away and back is listed twice and visited twice: ids are meant
	// to be unique, so this is left as it is.)
	bySource map[netip.Addr][]string
	maxKeep  int
}

// NewCollection returns an empty collection that keeps at most maxEvents
// events for the event view (0 means no limit). Events beyond the cap are
// still run through detectors but cannot be opened in the console.
func NewCollection(maxEvents int) *Collection {
	return &Collection{events: make(map[string]*Event), bySource: make(map[netip.Addr][]string), maxKeep: maxEvents}
}

// Wire makes the engine report into the collection.
func (c *Collection) Wire(e *Engine) {
	e.OnEvent = c.AddEvent
	e.OnFinding = c.AddFinding
}

// AddEvent keeps an event so findings can show their evidence.
func (c *Collection) AddEvent(ev *Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.maxKeep > 0 && len(c.order) >= c.maxKeep {
		return
	}
	old, dup := c.events[ev.ID]
	if !dup {
		c.order = append(c.order, ev.ID)
	}
	if ev.SourceIP.IsValid() && (!dup || old.SourceIP != ev.SourceIP) {
		a := ev.SourceIP.Unmap()
		c.bySource[a] = append(c.bySource[a], ev.ID)
	}
	c.events[ev.ID] = ev
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

// Event returns a kept event by id.
func (c *Collection) Event(id string) (*Event, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ev, ok := c.events[id]
	return ev, ok
}

// EventCount returns how many events are kept.
func (c *Collection) EventCount() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.order)
}

// Full reports whether the collection stopped keeping events because it
// reached its cap: answers computed over kept events are then partial.
func (c *Collection) Full() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.maxKeep > 0 && len(c.order) >= c.maxKeep
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
		n := 0
		c.mu.RLock()
		for ; i < len(c.order) && n < len(batch); i++ {
			batch[n] = c.events[c.order[i]]
			n++
		}
		c.mu.RUnlock()
		if n == 0 {
			return
		}
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
		ids := c.bySource[ip]
		for ; i < len(ids) && n < len(batch); i++ {
			if ev := c.events[ids[i]]; ev.SourceIP.Unmap() == ip {
				batch[n] = ev
				n++
			}
		}
		done := i >= len(ids)
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
