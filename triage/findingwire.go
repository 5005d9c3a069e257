package triage

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"
)

// findingWireVersion leads every encoded finding, so a file written by
// another version is refused rather than misread.
const findingWireVersion = 1

// AppendBinary appends f, everything about it, to b: a run too large to
// hold every finding writes them to disk and reads back the ones it keeps
// (triage/spill.Bounded). UnmarshalBinary reads it.
func (f *Finding) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, findingWireVersion)
	for _, s := range []string{f.Detector, f.Title, f.UserAgent, f.UserName, f.SessionID, f.Subject.Field, f.Subject.Value, f.Reason} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(b, int64(f.Severity))
	b = binary.AppendVarint(b, int64(f.RiskScore))
	b = append(b, byte(f.Impact))
	for _, t := range []time.Time{f.Timestamp, f.End} {
		tb, err := t.MarshalBinary()
		if err != nil {
			return b, err
		}
		b = appendBytes(b, tb)
	}
	b = appendAddr(b, f.SourceIP)
	b = binary.AppendUvarint(b, uint64(len(f.Attrs)))
	for _, a := range f.Attrs {
		b = appendString(appendString(b, a.Field), a.Value)
	}
	b = binary.AppendUvarint(b, uint64(len(f.Evidence)))
	for _, r := range f.Evidence {
		b = appendString(binary.AppendUvarint(b, r.Seq), r.ID)
	}
	b = binary.AppendVarint(b, int64(f.EventCount))
	b = appendBytes(b, f.moreSeqs)
	b = binary.AppendUvarint(b, f.lastSeq)
	b = appendAddr(b, f.sources.first)
	if f.sources.more == nil {
		return append(b, 0), nil
	}
	b = append(b, 1)
	if f.sources.more.more {
		b[len(b)-1] = 2
	}
	addrs := f.sources.more.Addrs()
	b = binary.AppendUvarint(b, uint64(len(addrs)))
	for _, a := range addrs {
		b = appendAddr(b, a)
	}
	return b, nil
}

// UnmarshalBinary reads a finding AppendBinary wrote.
func (f *Finding) UnmarshalBinary(data []byte) error { return f.DecodeBinary(data, nil) }

// Interner shares the strings many findings repeat (detector, title,
// reason, user agent, captured fields) when they are read back, so
// a hundred thousand findings do not hold a hundred thousand copies of
// one user agent. It holds at most maxInterned strings.
type Interner struct{ m map[string]string }

// maxInterned bounds an Interner: past it, strings are copied as usual.
const maxInterned = 1 << 16

func (in *Interner) intern(b []byte) string {
	if in == nil {
		return string(b)
	}
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if in.m == nil {
		in.m = map[string]string{}
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}

// DecodeBinary is UnmarshalBinary, sharing repeated strings through in
// (which may be nil).
func (f *Finding) DecodeBinary(data []byte, in *Interner) error {
	r := wireReader{b: data, in: in}
	if v := r.byte(); v != findingWireVersion {
		return errors.New("finding record: unknown version")
	}
	var out Finding
	for _, s := range []*string{&out.Detector, &out.Title, &out.UserAgent} {
		*s = r.shared()
	}
	out.UserName, out.SessionID = r.string(), r.string()
	for _, s := range []*string{&out.Subject.Field, &out.Subject.Value, &out.Reason} {
		*s = r.shared()
	}
	out.Severity = Severity(r.varint())
	out.RiskScore = int(r.varint())
	out.Impact = Impact(r.byte())
	for _, t := range []*time.Time{&out.Timestamp, &out.End} {
		if tb := r.bytes(); r.err == nil {
			r.fail(t.UnmarshalBinary(tb))
		}
	}
	out.SourceIP = r.addr()
	if n := r.count(); n > 0 {
		out.Attrs = make([]Attr, n)
		for i := range out.Attrs {
			out.Attrs[i] = Attr{Field: r.shared(), Value: r.shared()}
		}
	}
	if n := r.count(); n > 0 {
		out.Evidence = make([]EventRef, n)
		for i := range out.Evidence {
			out.Evidence[i].Seq = r.uvarint()
			out.Evidence[i].ID = r.string()
		}
	}
	out.EventCount = int(r.varint())
	if more := r.bytes(); len(more) > 0 {
		out.moreSeqs = append([]byte(nil), more...)
	}
	out.lastSeq = r.uvarint()
	out.sources.first = r.addr()
	if flag := r.byte(); flag != 0 {
		out.sources.more = &SourceSet{}
		for n := r.count(); n > 0 && r.err == nil; n-- {
			out.sources.more.Add(r.addr())
		}
		out.sources.more.more = flag == 2
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("finding record: trailing bytes")
	}
	if r.err != nil {
		return r.err
	}
	*f = out
	return nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendBytes(b, p []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(p))), p...)
}

func appendAddr(b []byte, a netip.Addr) []byte {
	ab, _ := a.MarshalBinary() // never fails; the zero Addr is empty
	return appendBytes(b, ab)
}

// wireReader reads what the append functions wrote, remembering the
// first error so a decoder reads on and checks once.
type wireReader struct {
	b   []byte
	err error
	in  *Interner // for shared; nil copies
}

var errShortRecord = errors.New("record cut short")

func (r *wireReader) fail(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

func (r *wireReader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.fail(errShortRecord)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *wireReader) uvarint() uint64 { return readVarint(r, binary.Uvarint) }

func (r *wireReader) varint() int64 { return readVarint(r, binary.Varint) }

// readVarint reads one number with read (binary.Uvarint or Varint).
func readVarint[T uint64 | int64](r *wireReader, read func([]byte) (T, int)) T {
	if r.err != nil {
		return 0
	}
	v, n := read(r.b)
	if n <= 0 {
		r.fail(errShortRecord)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length that must fit in what is left of the record.
func (r *wireReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail(errShortRecord)
		return 0
	}
	return int(n)
}

func (r *wireReader) bytes() []byte {
	n := r.count()
	if r.err != nil {
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *wireReader) string() string { return string(r.bytes()) }

// strings reads what appendStrings wrote (nil for none).
func (r *wireReader) strings() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.string()
	}
	return out
}

func (r *wireReader) bool() bool { return r.byte() != 0 }

// shared reads a string many records repeat, through the interner.
func (r *wireReader) shared() string { return r.in.intern(r.bytes()) }

func (r *wireReader) addr() netip.Addr {
	var a netip.Addr
	if p := r.bytes(); r.err == nil {
		r.fail(a.UnmarshalBinary(p))
	}
	return a
}
