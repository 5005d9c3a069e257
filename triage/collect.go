package triage

import (
	"maps"
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
	maxKeep  int
}

// NewCollection returns an empty collection that keeps at most maxEvents
// events for the event view (0 means no limit). Events beyond the cap are
// still run through detectors but cannot be opened in the console.
func NewCollection(maxEvents int) *Collection {
	return &Collection{events: make(map[string]*Event), maxKeep: maxEvents}
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
	if _, dup := c.events[ev.ID]; !dup {
		c.order = append(c.order, ev.ID)
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
