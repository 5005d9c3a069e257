package triage

import (
	"context"
	"strings"
)

// FieldReader is implemented by detectors that can say which fields they
// read, so a run decodes only those (see Projection). Fields lists ECS
// paths: the hot fields a detector reads from Event's struct fields
// (http.request.method for Event.Method, url.path for Event.URLPath,
// http.request.headers for Event.Headers, ...) and any path it asks
// Values, Strings or Get for. A detector that does not implement
// FieldReader reads everything.
//
// What a detector reads only for an event it reports on need not be
// listed: it calls Event.Complete first, which decodes the rest.
type FieldReader interface {
	Fields() []string
}

// LineFilter is implemented by detectors that can tell from a raw NDJSON
// line that none of its events concerns them: a KQL rule that needs
// literal bytes to match. When every detector of a run has a filter, a
// source that supports it (PlannedSource) skips the lines all of them
// reject without decoding them.
type LineFilter interface {
	// LineFilter returns a test that reports false only for a line whose
	// events the detector would count and otherwise ignore; ok is false
	// when the detector needs to see every event. keep is called from
	// several goroutines at once.
	LineFilter() (keep func(line []byte) bool, ok bool)
	// Skipped tells the detector that n events went by without being
	// shown to it, so counts of "events seen" stay right. It is called
	// from the goroutine that calls Observe, in stream order.
	Skipped(n int)
}

// Projection is the set of hot fields a run needs decoded. The zero
// Projection decodes nothing but the fields every run needs (event.id,
// @timestamp, source.ip, client.ip and user_agent.original); AllFields
// decodes every hot field.
type Projection struct {
	hot hotMask
}

// alwaysHot are decoded in every projection: how findings cite events,
// date them, and group them.
const alwaysHot = 1<<hTimestamp | 1<<hEventID | 1<<hSourceIP | 1<<hClientIP | 1<<hUserAgent

// AllFields returns the projection that decodes every hot field.
func AllFields() Projection { return Projection{hot: allHot} }

// ProjectFields returns the projection that decodes the hot fields among
// paths, with what the decoder needs to fill them as before: every url.*
// field for any of them (url.path is derived from url.original or
// url.full), source.ip with client.ip, data_stream.dataset with
// event.dataset. A path that names an object (http.request) takes every
// hot field below it; a path below a hot field (http.request.headers.Host)
// takes that field. Paths that are not hot fields need nothing decoded
// (sources may resolve them while they parse: ReadPlan.Resolve);
// Values reads them from the raw document.
func ProjectFields(paths ...string) Projection {
	p := Projection{}
	return p.With(paths...)
}

// With returns p with the hot fields of paths added (see ProjectFields).
func (p Projection) With(paths ...string) Projection {
	for _, path := range paths {
		for hp, f := range hotPaths {
			if hp == path || strings.HasPrefix(hp, path+".") || strings.HasPrefix(path, hp+".") {
				p.hot |= f.bit()
			}
		}
	}
	return p
}

// All reports whether p decodes every hot field.
func (p Projection) All() bool { return p.mask() == allHot }

// mask is the set of hot fields decoded, with the fields decoded together
// added.
func (p Projection) mask() hotMask {
	m := p.hot | alwaysHot
	groups := []hotMask{
		1<<hURLOriginal | 1<<hURLPath | 1<<hURLQuery | 1<<hURLFull,
		1<<hSourceIP | 1<<hClientIP,
		1<<hDataset | 1<<hEventDataset,
	}
	for _, g := range groups {
		if m&g != 0 {
			m |= g
		}
	}
	return m & allHot
}

// Count returns how many hot fields p decodes.
func (p Projection) Count() int {
	n := 0
	for m := p.mask(); m != 0; m &= m - 1 {
		n++
	}
	return n
}

// ReadPlan is what a run asks of a PlannedSource: which fields to decode,
// and which lines it may skip undecoded.
type ReadPlan struct {
	Fields Projection
	// Keep, when set, is called for each line before it is decoded (from
	// several goroutines at once); a line it rejects is not decoded and
	// counts as one event no detector is shown. Sources skip only lines
	// that would decode to exactly one event (a plain document, not an
	// Elasticsearch hit or page), and do not validate them.
	Keep func(line []byte) bool
	// Resolve names fields a source that parses documents reads on the
	// way (Decoder.Resolve): the engine's captured fields and the fields
	// of detectors that read them for every event (FieldResolver).
	Resolve []string
}

// FieldResolver is implemented by detectors that read their fields from
// every event they see, such as query rules: a source reads the fields
// that are not hot while it parses each document (ReadPlan.Resolve),
// instead of the detector parsing it again for each.
type FieldResolver interface {
	ResolveFields() []string
}

// ResolveFields are the fields a source that parses documents reads on
// the way for a run of dets that captures capture (ReadPlan.Resolve):
// the captured fields and those of every FieldResolver. Sources made
// before the run (the console's, a pull) take them from here.
func ResolveFields(dets []Detector, capture []string) []string {
	out := CaptureFields(capture)
	for _, d := range dets {
		if fr, ok := d.(FieldResolver); ok {
			out = append(out, fr.ResolveFields()...)
		}
	}
	return out
}

// PlannedSource is a Source that can decode less than every field and
// skip lines undecoded.
type PlannedSource interface {
	Source
	// EventsPlanned is Events under plan. skipped is called, in stream
	// order between the calls of fn, with the number of events skipped
	// since the previous call.
	EventsPlanned(ctx context.Context, plan ReadPlan, fn func(*Event) error, skipped func(n int)) error
}
