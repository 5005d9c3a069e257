// Package demo generates Picket's built-in demo data: fourteen days of a
// small web shop ("shop-web", a Go service traced by Elastic APM) and its
// edge firewall, as the ECS documents APM Server and Elastic's pfSense
// integration write (APM transactions, the database spans of some of them,
// firewall events), with attacks planted among ordinary traffic.
//
// The data is deterministic: the same seed gives byte-identical documents,
// over a fixed time span that ends at End, never at the wall clock, so a
// demo, a test or a bug report can be reproduced anywhere.
//
// Documents are built as JSON and turned into events by the same decoder
// that reads files, so the demo exercises the real path. They are made one
// hour at a time and delivered in timestamp order; memory stays bounded by
// an hour of traffic, never the whole span.
//
// Scenarios lists the planted attacks (what each does, which detectors
// should catch it, when, from where); BenignTraps lists the ordinary
// traffic that looks suspicious to a careless detector.
package demo

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"picket/triage"
)

// DefaultSeed is the seed of the demo data Picket shows by default.
const DefaultSeed int64 = 20261115

// End is the end of the demo time span (exclusive): every document is
// timestamped in [End-Span, End). Treat it as a constant.
var End = time.Date(2026, time.November, 15, 0, 0, 0, 0, time.UTC)

// Span is how much time the demo data covers: two weeks, enough history
// for baselines and weekly seasonality.
const Span = 14 * 24 * time.Hour

// Source is the demo data. It implements triage.Source.
type Source struct {
	seed int64
}

var _ triage.Source = (*Source)(nil)

// New returns the demo data for seed.
func New(seed int64) *Source { return &Source{seed: seed} }

// Name says where the events come from, for the console's title bar.
func (s *Source) Name() string { return "demo data" }

// Events delivers every demo event in timestamp order. Each document goes
// through triage.NewDecoder().Decode with origin "demo:N", N counting
// documents from 1 in delivery order, so an event's ID is its event.id when
// it has one (firewall events) and "demo:N" otherwise (APM transactions).
// It stops when ctx is cancelled or fn returns an error, and returns that.
//
// Generation runs one hour ahead in a second goroutine while this one
// decodes and calls fn, so the two overlap on a multi-core machine.
func (s *Source) Events(ctx context.Context, fn func(*triage.Event) error) error {
	hours := make(chan [][]byte, 4)
	stop := make(chan struct{})
	genErr := make(chan error, 1)
	go func() {
		defer close(hours)
		genErr <- s.generate(ctx, func(docs [][]byte) error {
			select {
			case hours <- docs:
				return nil
			case <-stop:
				return errStopped
			}
		})
	}()

	err := decodeAll(ctx, hours, fn)
	close(stop)
	for range hours { // let the generator see stop and finish
	}
	if gerr := <-genErr; err == nil && gerr != errStopped {
		err = gerr
	}
	return err
}

var errStopped = errors.New("demo: stopped")

// decodeAll decodes each hour's documents in order and hands the events
// to fn.
func decodeAll(ctx context.Context, hours <-chan [][]byte, fn func(*triage.Event) error) error {
	dec := triage.NewDecoder()
	origin := make([]byte, 0, 16)
	n := 0
	for docs := range hours {
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, doc := range docs {
			n++
			origin = strconv.AppendInt(append(origin[:0], "demo:"...), int64(n), 10)
			evs, err := dec.Decode(doc, string(origin))
			if err != nil {
				// A generator bug: every document is built to decode.
				return fmt.Errorf("demo document %d: %w", n, err)
			}
			for _, ev := range evs {
				if err := fn(ev); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// WriteNDJSON writes the documents Events decodes, one per line in the same
// order (line N is the document of event "demo:N"), so the demo data can be
// saved to a file and read back with the file source.
func (s *Source) WriteNDJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	err := s.generate(context.Background(), func(docs [][]byte) error {
		for _, doc := range docs {
			bw.Write(doc)
			if err := bw.WriteByte('\n'); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

const (
	minuteMS = int64(time.Minute / time.Millisecond)
	hourMS   = int64(time.Hour / time.Millisecond)
	dayMS    = 24 * hourMS
)

// startMS and endMS bound the span in Unix milliseconds.
var (
	startMS = End.Add(-Span).UnixMilli()
	endMS   = End.UnixMilli()
)

// item is one generated document waiting for its turn.
type item struct {
	t   int64 // @timestamp, Unix ms
	seq int   // generation order: ties keep it, so output is deterministic
	doc []byte
}

// generator holds what one pass over the span needs. Background traffic
// and each scenario draw from their own PCG streams and id sequences
// derived from the seed, so adding a scenario leaves the rest of the data
// byte for byte as it was.
type generator struct {
	seed  int64
	web   *rand.Rand // shop traffic
	fw    *rand.Rand // firewall background
	w     obj        // scratch buffer for the document being built
	items []item     // generated, not yet delivered
	seq   int

	webIDs, fwIDs idSource
	ids           *idSource // the sequence of the part being generated

	users []persona // registered customers, each with a usual device

	benign []*benignStream // the extra ordinary traffic's streams (benign.go)
}

func newGenerator(seed int64) *generator {
	g := &generator{
		seed: seed,
		web:  rand.New(rand.NewPCG(uint64(seed), 0x7765622d73686f70)), // "web-shop"
		fw:   rand.New(rand.NewPCG(uint64(seed), 0x6669726577616c6c)), // "firewall"
		w:    obj{b: make([]byte, 0, 4096)},
	}
	g.webIDs = g.idSourceFor("web")
	g.fwIDs = g.idSourceFor("firewall")
	g.ids = &g.webIDs
	g.users = makeUsers(rand.New(rand.NewPCG(uint64(seed), 0x7573657273))) // "users"
	return g
}

// streamFor returns the random stream of a named part of the data.
func (g *generator) streamFor(name string) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(g.seed), fnv(name)))
}

func fnv(s string) uint64 {
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// idSource is a sequence of ids (transaction, trace, session, event ids)
// for one part of the data.
type idSource struct{ next uint64 }

// idSourceFor starts a named part's sequence at a point derived from the
// seed and the name. The parts' sequences are a few thousand long, spread
// over 2^64 values: they do not overlap.
func (g *generator) idSourceFor(name string) idSource {
	return idSource{next: fnv(name) ^ uint64(g.seed)*0x9e3779b97f4a7c15}
}

// id returns a fresh 64-bit id from the current part's sequence: a
// bijective mix of a counter, so ids look random but never repeat.
func (g *generator) id() uint64 {
	g.ids.next++
	z := g.ids.next
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// add queues the document just built in g.w, timestamped t. Documents
// outside the span are dropped.
func (g *generator) add(t int64) {
	if t < startMS || t >= endMS {
		return
	}
	doc := make([]byte, len(g.w.b))
	copy(doc, g.w.b)
	g.seq++
	g.items = append(g.items, item{t: t, seq: g.seq, doc: doc})
}

// generate builds the span hour by hour and hands over each hour's
// documents sorted by timestamp (a fresh slice each time). Work that
// spills past its hour (a visit that goes on, an attack window) waits in
// g.items for the hour it belongs to; since nothing generated later is
// timestamped before the hour being generated, the order is globally
// sorted.
func (s *Source) generate(ctx context.Context, deliver func(docs [][]byte) error) error {
	g := newGenerator(s.seed)
	var ready []item
	for hs := startMS; hs < endMS; hs += hourMS {
		if err := ctx.Err(); err != nil {
			return err
		}
		he := hs + hourMS
		g.ids = &g.webIDs
		g.webHour(hs)
		g.ids = &g.fwIDs
		g.firewallHour(hs)
		g.benignHour(hs)
		g.scenariosStarting(hs, he)

		ready = ready[:0]
		keep := g.items[:0]
		for _, it := range g.items {
			if it.t < he {
				ready = append(ready, it)
			} else {
				keep = append(keep, it)
			}
		}
		clear(g.items[len(keep):]) // drop references to handed-over documents
		g.items = keep
		slices.SortFunc(ready, func(a, b item) int {
			if c := cmp.Compare(a.t, b.t); c != 0 {
				return c
			}
			return cmp.Compare(a.seq, b.seq)
		})
		docs := make([][]byte, len(ready))
		for i := range ready {
			docs[i] = ready[i].doc
			ready[i].doc = nil
		}
		if err := deliver(docs); err != nil {
			return err
		}
	}
	return nil
}

// scenariosStarting runs the scenarios whose window starts in [hs, he).
func (g *generator) scenariosStarting(hs, he int64) {
	for i := range Scenarios {
		sc := &Scenarios[i]
		st := sc.Start.UnixMilli()
		if st < hs || st >= he || sc.run == nil {
			continue
		}
		ids := g.idSourceFor("scenario/" + sc.Name)
		g.ids = &ids
		sc.run(newAttack(g, sc))
	}
}

// poisson draws a Poisson-distributed count with mean lambda.
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 40 { // normal approximation: the exact loop gets slow
		n := int(lambda + r.NormFloat64()*math.Sqrt(lambda) + 0.5)
		return max(n, 0)
	}
	// Count arrivals of a unit-rate process within lambda.
	n := 0
	for t := r.ExpFloat64(); t < lambda; t += r.ExpFloat64() {
		n++
	}
	return n
}
