package triage

import (
	"net/netip"
	"time"
)

// An APM span (a database query, an outgoing call) or error carries no
// client address, user agent or user: the request it ran in does. A
// finding raised on a span (61,382 rows from SELECT … FROM orders) belongs
// to whoever sent that request, so the engine joins spans to their
// transaction by transaction.id (else trace.id) and files the finding
// under the transaction's actor. Events themselves are not changed:
// detectors that count requests per client must not count spans.

// actor is who sent a request.
type actor struct {
	ip        netip.Addr
	ua, user  string
	sessionID string
}

// traceJoin remembers the actors of recent transactions and of the spans
// joined to them. A span may also come before its transaction (an export
// not sorted by time puts a span, which ends first, before the request it
// ran in): it then waits, and is joined when the transaction comes.
// Memory is fixed: rings of recent entries.
type traceJoin struct {
	byTx    map[string]actor // transaction.id and trace.id → actor
	txOrder []string         // ring of keys in byTx, oldest first
	txNext  int
	spans   []joinedSpan // ring by stream position
	// waiting holds the spans not joined yet, by the key they wait for
	// (transaction.id, else trace.id); waitOrder rings those keys, and
	// pending marks the waiting spans by stream position.
	waiting   map[string][]uint64
	waitOrder []string
	waitNext  int
	pending   []uint64
	nWaiting  int // spans in waiting, at most joinSpans
}

type joinedSpan struct {
	seq uint64
	who actor
}

const (
	joinTransactions = 1 << 15 // transactions remembered
	joinSpans        = 1 << 14 // spans remembered, and spans waiting in all
)

func newTraceJoin() *traceJoin {
	return &traceJoin{byTx: make(map[string]actor), txOrder: make([]string, 2*joinTransactions), spans: make([]joinedSpan, joinSpans),
		waiting: make(map[string][]uint64), waitOrder: make([]string, joinSpans), pending: make([]uint64, joinSpans)}
}

// wait keeps a span that came before its transaction, under key.
func (j *traceJoin) wait(key string, seq uint64) {
	seqs, ok := j.waiting[key]
	if !ok {
		if old := j.waitOrder[j.waitNext]; old != "" {
			j.nWaiting -= len(j.waiting[old])
			delete(j.waiting, old)
		}
		j.waitOrder[j.waitNext] = key
		j.waitNext = (j.waitNext + 1) % len(j.waitOrder)
	}
	// One request may run hundreds of queries (the N+1 pattern): the
	// bound is on every waiting span together, not per request.
	if j.nWaiting < joinSpans {
		j.waiting[key] = append(seqs, seq)
		j.pending[seq%joinSpans] = seq
		j.nWaiting++
	}
}

// joinWaiting joins the spans waiting for key to a, the actor of the
// transaction at stream position now, and reports whether there were
// any. A span too old for the ring is let go: its slot may hold a newer
// span's join by now, which must not be overwritten.
func (j *traceJoin) joinWaiting(key string, a actor, now uint64) bool {
	seqs, ok := j.waiting[key]
	if !ok || key == "" {
		return false
	}
	delete(j.waiting, key)
	j.nWaiting -= len(seqs)
	for _, seq := range seqs {
		slot := seq % joinSpans
		if j.pending[slot] == seq {
			j.pending[slot] = 0
		}
		if now-seq < joinSpans && j.spans[slot].seq <= seq {
			j.spans[slot] = joinedSpan{seq: seq, who: a}
		}
	}
	return true
}

// awaits reports whether f, still without a client address, cites a span
// that waits for its transaction: the engine holds f until it comes.
func (j *traceJoin) awaits(f *Finding) bool {
	if j == nil || f.SourceIP.IsValid() {
		return false
	}
	for _, r := range f.Evidence {
		if r.Seq != 0 && j.pending[r.Seq%joinSpans] == r.Seq {
			return true
		}
	}
	return false
}

func (j *traceJoin) remember(key string, a actor) {
	if key == "" {
		return
	}
	if old := j.txOrder[j.txNext]; old != "" {
		delete(j.byTx, old)
	}
	j.txOrder[j.txNext] = key
	j.txNext = (j.txNext + 1) % len(j.txOrder)
	j.byTx[key] = a
}

// observe learns from transactions and joins spans and errors. It
// reports whether a transaction joined spans that were waiting for it.
func (j *traceJoin) observe(ev *Event) (joined bool) {
	switch ev.Processor {
	case "transaction":
		if !ev.SourceIP.IsValid() {
			return false
		}
		a := actor{ip: ev.SourceIP, ua: ev.UserAgent, user: ev.UserName, sessionID: ev.SessionID}
		j.remember(ev.TransactionID, a)
		joined = j.joinWaiting(ev.TransactionID, a, ev.Seq)
		if _, ok := j.byTx[ev.TraceID]; !ok {
			j.remember(ev.TraceID, a) // the trace's first request
			joined = j.joinWaiting(ev.TraceID, a, ev.Seq) || joined
		}
	case "span", "error":
		if ev.SourceIP.IsValid() {
			return false
		}
		a, ok := j.byTx[ev.TransactionID]
		if !ok {
			a, ok = j.byTx[ev.TraceID]
		}
		switch {
		case ok:
			j.spans[ev.Seq%joinSpans] = joinedSpan{seq: ev.Seq, who: a}
		case ev.TransactionID != "":
			j.wait(ev.TransactionID, ev.Seq)
		case ev.TraceID != "":
			j.wait(ev.TraceID, ev.Seq)
		}
	}
	return joined
}

// attach files f, raised without a client address, under the actor of
// the request its last joined evidence span ran in.
func (j *traceJoin) attach(f *Finding) {
	if j == nil || f.SourceIP.IsValid() {
		return
	}
	for i := len(f.Evidence) - 1; i >= 0; i-- {
		seq := f.Evidence[i].Seq
		if seq == 0 {
			continue
		}
		s := j.spans[seq%joinSpans]
		if s.seq != seq {
			continue
		}
		f.SourceIP = s.who.ip
		if f.UserAgent == "" {
			f.UserAgent = s.who.ua
		}
		if f.UserName == "" {
			f.UserName = s.who.user
		}
		if f.SessionID == "" {
			f.SessionID = s.who.sessionID
		}
		f.sources.add(s.who.ip)
		return
	}
}

// RequestReach is how long before a span or error its request may have
// started, for RequestOf.
const RequestReach = 15 * time.Minute

// RequestOf finds, among kept events, the request (APM transaction) an
// APM span or error ran in, the way the engine joins them: by
// transaction.id, else the trace's first request by trace.id. between
// walks the kept events of a time window in order (Collection's
// EachEventBetween); only the RequestReach before the span is read.
func RequestOf(span *Event, between func(from, to time.Time, fn func(*Event) bool)) (*Event, bool) {
	if span.Processor != "span" && span.Processor != "error" || span.Timestamp.IsZero() {
		return nil, false
	}
	var byTx, byTrace *Event
	between(span.Timestamp.Add(-RequestReach), span.Timestamp, func(e *Event) bool {
		if e.Processor != "transaction" {
			return true
		}
		if span.TransactionID != "" && e.TransactionID == span.TransactionID {
			byTx = e
			return false
		}
		if byTrace == nil && span.TraceID != "" && e.TraceID == span.TraceID {
			byTrace = e
		}
		return true
	})
	switch {
	case byTx != nil:
		return byTx, true
	case byTrace != nil:
		return byTrace, true
	}
	return nil, false
}
