package triage

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

// What lets groups leave memory: merging two partial aggregates of one
// group, a byte form that keeps everything (the unexported fold state
// too), and byte keys whose order is the queue's order. Runs too large to
// hold every group spill them to disk and merge them back (triage/spill).

// Merge adds the findings o counted (o must have the same key).
func (g *Group) Merge(o *Group) {
	g.MergeCounts(o)
	g.Hourly.merge(o.Hourly)
	g.Sources.Merge(&o.Sources)
	if len(g.Attrs) == 0 {
		g.Attrs = o.Attrs
	}
	if o.mixed {
		g.mixed, g.signature = true, nil
	}
	for _, sig := range o.signature {
		g.addSignature(sig)
	}
}

// MergeCounts adds o's counts, detectors, rank and times to g, not its
// hours, sources or fold state: what a group of a level above others
// (the console's nested grouping) takes from each group under it.
func (g *Group) MergeCounts(o *Group) {
	g.Findings += o.Findings
	for _, d := range o.Detectors {
		g.Detectors = AddDetector(g.Detectors, d)
	}
	g.MaxSeverity = max(g.MaxSeverity, o.MaxSeverity)
	if o.Worst.Detector != "" {
		g.Worst.note(o.Worst.Severity, o.Worst.Impact, o.Worst.Detector)
	}
	g.Risk += o.Risk
	if !o.FirstSeen.IsZero() && (g.FirstSeen.IsZero() || o.FirstSeen.Before(g.FirstSeen)) {
		g.FirstSeen = o.FirstSeen
	}
	if o.LastSeen.After(g.LastSeen) {
		g.LastSeen = o.LastSeen
	}
}

// groupWireVersion leads every encoded group (see findingWireVersion).
const groupWireVersion = 1

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// MarshalBinary writes everything about g but a campaign (campaigns are
// made after groups come back), times to the nanosecond in UTC.
func (g *Group) MarshalBinary() ([]byte, error) {
	b := append(make([]byte, 0, 128), groupWireVersion)
	b = appendAddr(b, g.Key.SourceIP)
	b = appendString(appendString(b, g.Key.UserAgent), g.Key.By)
	var values []string
	if g.Key.By != "" {
		values = g.Key.Values[:len(g.Key.Fields())]
	}
	b = appendStrings(b, values)
	b = binary.AppendVarint(b, int64(g.Findings))
	b = appendStrings(b, g.Detectors)
	b = binary.AppendVarint(b, int64(g.MaxSeverity))
	b = binary.AppendVarint(b, int64(g.Risk))
	b = binary.AppendVarint(b, unixNano(g.FirstSeen))
	b = binary.AppendVarint(b, unixNano(g.LastSeen))
	b = binary.AppendUvarint(b, uint64(len(g.Hourly)))
	for _, hc := range g.Hourly {
		b = binary.AppendVarint(binary.AppendVarint(b, hc.Hour), int64(hc.Count))
	}
	addrs := g.Sources.Addrs()
	b = binary.AppendUvarint(b, uint64(len(addrs)))
	for _, a := range addrs {
		b = appendAddr(b, a)
	}
	b = appendBool(b, g.Sources.more)
	b = binary.AppendUvarint(b, uint64(len(g.Attrs)))
	for _, a := range g.Attrs {
		b = appendString(appendString(b, a.Field), a.Value)
	}
	b = appendStrings(b, g.signature)
	b = appendBool(b, g.mixed)
	b = binary.AppendVarint(b, int64(g.Worst.Class))
	b = append(b, byte(g.Worst.Impact))
	b = binary.AppendVarint(b, int64(g.Worst.Severity))
	return appendString(b, g.Worst.Detector), nil
}

// UnmarshalBinary reads what MarshalBinary wrote.
func (g *Group) UnmarshalBinary(data []byte) error {
	r := wireReader{b: data}
	if v := r.byte(); v != groupWireVersion {
		return errors.New("group record: unknown version")
	}
	var out Group
	out.Key.SourceIP = r.addr()
	out.Key.UserAgent, out.Key.By = r.string(), r.string()
	values := r.strings()
	if out.Key.By != "" && len(values) != len(out.Key.Fields()) || len(values) > MaxGroupBy {
		// Fields, Pairs and MarshalBinary index Values by the chain.
		r.fail(errors.New("group record: the key's values do not match its fields"))
	}
	copy(out.Key.Values[:], values)
	out.Findings = int(r.varint())
	out.Detectors = r.strings()
	out.MaxSeverity = Severity(r.varint())
	out.Risk = int(r.varint())
	out.FirstSeen, out.LastSeen = fromUnixNano(r.varint()), fromUnixNano(r.varint())
	if n := r.count(); n > 0 {
		out.Hourly = make(Hours, n)
		for i := range out.Hourly {
			out.Hourly[i] = HourCount{Hour: r.varint(), Count: int32(r.varint())}
		}
	}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		out.Sources.Add(r.addr())
	}
	out.Sources.more = r.bool()
	if n := r.count(); n > 0 {
		out.Attrs = make([]Attr, n)
		for i := range out.Attrs {
			out.Attrs[i] = Attr{Field: r.string(), Value: r.string()}
		}
	}
	out.signature = r.strings()
	out.mixed = r.bool()
	out.Worst.Class = int(r.varint())
	out.Worst.Impact = Impact(r.byte())
	out.Worst.Severity = Severity(r.varint())
	out.Worst.Detector = r.string()
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("group record: trailing bytes")
	}
	if r.err != nil {
		return r.err
	}
	*g = out
	return nil
}

// appendOrdered appends s so that bytewise order of the result follows
// string order, and one string never runs into the next: 0x00 is written
// as 0x00 0xff, and the string ends with 0x00 0x00.
func appendOrdered(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			b = append(b, 0, 0xff)
			continue
		}
		b = append(b, s[i])
	}
	return append(b, 0, 0)
}

// SortKey encodes k so that bytewise order is Compare's order.
func (k GroupKey) SortKey() []byte {
	b := appendOrdered(nil, k.By)
	// Compare orders addresses by netip.Addr.Compare: invalid first, then
	// by bit length, then by value.
	switch {
	case !k.SourceIP.IsValid():
		b = append(b, 0)
	default:
		b = append(b, byte(k.SourceIP.BitLen()/32))
		a16 := k.SourceIP.As16()
		if k.SourceIP.Is4() {
			a4 := k.SourceIP.As4()
			b = append(b, a4[:]...)
		} else {
			b = append(b, a16[:]...)
			b = append(b, appendOrdered(nil, k.SourceIP.Zone())...)
		}
	}
	b = appendOrdered(b, k.UserAgent)
	for _, v := range k.Values {
		b = appendOrdered(b, v)
	}
	return b
}

// RankKey encodes g's place in the queue so that bytewise order is
// SortGroups' order: highest severity, then highest risk, then most
// findings, then key.
func (g *Group) RankKey() []byte {
	b := make([]byte, 0, 32)
	b = append(b, byte(math.MaxUint8-uint8(g.Worst.Class)))
	b = append(b, byte(math.MaxUint8-uint8(g.MaxSeverity)))
	b = binary.BigEndian.AppendUint64(b, math.MaxInt64-uint64(max(g.Risk, 0)))
	b = binary.BigEndian.AppendUint64(b, math.MaxInt64-uint64(max(g.Findings, 0)))
	return append(b, g.Key.SortKey()...)
}

// FoldKey encodes a fold candidate's place in a fold sweep (signature,
// first activity, key): see compareFoldOrder.
func (g *Group) FoldKey(sig string) []byte {
	b := appendOrdered(nil, sig)
	var t uint64 // a group without a time sorts first, as in compareFoldOrder
	if !g.FirstSeen.IsZero() {
		t = max(uint64(g.FirstSeen.UnixNano())^(1<<63), 1)
	}
	b = binary.BigEndian.AppendUint64(b, t)
	return append(b, g.Key.SortKey()...)
}
