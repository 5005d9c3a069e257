package triage

import "slices"

// capturer remembers, for the most recent events, the values of the
// grouping fields findings do not carry themselves, so a finding raised
// now can be filed under the values of the event it cites last. Memory is
// a fixed ring, whatever the stream's length.
type capturer struct {
	fields []string
	ring   []capturedEvent
	intern map[string]string
}

type capturedEvent struct {
	seq  uint64
	vals [MaxGroupBy]string
}

// captureRing is how many recent events keep their values: a finding
// citing an older event last takes the values of the event that raised it.
const captureRing = 1 << 16

// CaptureFields are the fields of Engine.Capture the engine reads from
// events (at most MaxGroupBy): every finding carries the detector, the
// address and the user agent itself. Sources that parse documents can
// resolve them on the way (ndjson.Options.Resolve).
func CaptureFields(fields []string) []string {
	var keep []string
	for _, f := range fields {
		switch f {
		case FieldDetector, "source.ip", "user_agent.original":
		default:
			if len(keep) < MaxGroupBy {
				keep = append(keep, f)
			}
		}
	}
	return keep
}

func newCapturer(fields []string) *capturer {
	keep := CaptureFields(fields)
	if len(keep) == 0 {
		return nil
	}
	return &capturer{fields: keep, ring: make([]capturedEvent, captureRing), intern: map[string]string{}}
}

func (c *capturer) values(ev *Event) (out [MaxGroupBy]string) {
	firstStrings(ev, c.fields, out[:len(c.fields)])
	for i, v := range out[:len(c.fields)] {
		if s, ok := c.intern[v]; ok {
			v = s
		} else if len(c.intern) < 1<<16 {
			c.intern[v] = v
		}
		out[i] = v
	}
	return out
}

func (c *capturer) observe(ev *Event) {
	if c == nil {
		return
	}
	c.ring[ev.Seq%captureRing] = capturedEvent{seq: ev.Seq, vals: c.values(ev)}
}

// attach sets f's Attrs for the captured fields it lacks.
func (c *capturer) attach(f *Finding, current *Event) {
	if c == nil || len(f.Evidence) == 0 {
		return
	}
	var vals [MaxGroupBy]string
	last := f.Evidence[len(f.Evidence)-1].Seq
	switch e := c.ring[last%captureRing]; {
	case last != 0 && e.seq == last:
		vals = e.vals
	case current != nil:
		vals = c.values(current)
	default:
		return
	}
	f.Attrs = slices.Grow(f.Attrs, len(c.fields)) // one allocation, not one per field
	for i, field := range c.fields {
		if _, ok := findingField(f, field); ok {
			continue
		}
		f.Attrs = append(f.Attrs, Attr{Field: field, Value: vals[i]})
	}
}
