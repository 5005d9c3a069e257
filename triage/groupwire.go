package triage

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"net/netip"
	"slices"
	"time"
)

// What lets groups leave memory: merging two partial aggregates of one
// group, a byte form that keeps everything (the unexported fold state
// too), and byte keys whose order is the queue's order. Runs too large to
// hold every group spill them to disk and merge them back (triage/spill).

// Merge adds the findings o counted (o must have the same key).
func (g *Group) Merge(o *Group) {
	g.Findings += o.Findings
	for _, d := range o.Detectors {
		if i, found := slices.BinarySearch(g.Detectors, d); !found {
			g.Detectors = slices.Insert(g.Detectors, i, d)
		}
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

// groupWire is a Group's byte form. Campaigns are never written: they are
// made after groups come back.
type groupWire struct {
	IP        []byte   `json:"i,omitempty"`
	UA        string   `json:"u,omitempty"`
	By        string   `json:"b,omitempty"`
	Values    []string `json:"v,omitempty"`
	Findings  int      `json:"f"`
	Detectors []string `json:"d"`
	Severity  Severity `json:"s"`
	Risk      int      `json:"r"`
	First     int64    `json:"t0"`
	Last      int64    `json:"t1"`
	Hours     []int64  `json:"h,omitempty"` // hour, count pairs
	Sources   [][]byte `json:"src,omitempty"`
	More      bool     `json:"more,omitempty"`
	Attrs     []Attr   `json:"a,omitempty"`
	Signature []string `json:"sig,omitempty"`
	Mixed     bool     `json:"mix,omitempty"`
	Worst     Worst    `json:"w"`
}

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

// MarshalBinary writes everything about g but a campaign.
func (g *Group) MarshalBinary() ([]byte, error) {
	w := groupWire{UA: g.Key.UserAgent, By: g.Key.By, Findings: g.Findings, Detectors: g.Detectors,
		Severity: g.MaxSeverity, Risk: g.Risk, First: unixNano(g.FirstSeen), Last: unixNano(g.LastSeen),
		More: g.Sources.more, Attrs: g.Attrs, Signature: g.signature, Mixed: g.mixed, Worst: g.Worst}
	if g.Key.SourceIP.IsValid() {
		w.IP, _ = g.Key.SourceIP.MarshalBinary()
	}
	if g.Key.By != "" {
		w.Values = g.Key.Values[:len(g.Key.Fields())]
	}
	for _, hc := range g.Hourly {
		w.Hours = append(w.Hours, hc.Hour, int64(hc.Count))
	}
	for _, a := range g.Sources.Addrs() {
		b, _ := a.MarshalBinary()
		w.Sources = append(w.Sources, b)
	}
	return json.Marshal(w)
}

// UnmarshalBinary reads what MarshalBinary wrote.
func (g *Group) UnmarshalBinary(b []byte) error {
	var w groupWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*g = Group{Findings: w.Findings, Detectors: w.Detectors, MaxSeverity: w.Severity, Risk: w.Risk,
		FirstSeen: fromUnixNano(w.First), LastSeen: fromUnixNano(w.Last), Attrs: w.Attrs,
		signature: w.Signature, mixed: w.Mixed, Worst: w.Worst}
	g.Key.UserAgent, g.Key.By = w.UA, w.By
	if len(w.IP) > 0 {
		if err := g.Key.SourceIP.UnmarshalBinary(w.IP); err != nil {
			return err
		}
	}
	copy(g.Key.Values[:], w.Values)
	for i := 0; i+1 < len(w.Hours); i += 2 {
		g.Hourly = append(g.Hourly, HourCount{Hour: w.Hours[i], Count: int32(w.Hours[i+1])})
	}
	for _, b := range w.Sources {
		var a netip.Addr
		if err := a.UnmarshalBinary(b); err == nil {
			g.Sources.Add(a)
		}
	}
	g.Sources.more = w.More
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
