package triage

import (
	"testing"
	"time"
)

// TestRequestOf: a span's request among kept events is found as the engine
// joins them: by transaction.id, else the trace's first request.
func TestRequestOf(t *testing.T) {
	at := time.Date(2026, 11, 13, 21, 0, 0, 0, time.UTC)
	tx := func(min int, id, trace string) *Event {
		return &Event{Processor: "transaction", Timestamp: at.Add(time.Duration(min) * time.Minute), TransactionID: id, TraceID: trace, Route: id}
	}
	kept := []*Event{tx(-20, "too-old", "tr"), tx(-5, "t1", "tr"), tx(-3, "t2", "tr"), tx(-1, "t3", "other")}
	between := func(from, to time.Time, fn func(*Event) bool) {
		for _, e := range kept {
			if !e.Timestamp.Before(from) && !e.Timestamp.After(to) && !fn(e) {
				return
			}
		}
	}
	for _, tc := range []struct {
		name string
		span Event
		want string
	}{
		{"by transaction.id", Event{Processor: "span", TransactionID: "t2", TraceID: "tr"}, "t2"},
		{"unknown transaction: the trace's first request in reach", Event{Processor: "span", TransactionID: "gone", TraceID: "tr"}, "t1"},
		{"an error by trace.id only", Event{Processor: "error", TraceID: "other"}, "t3"},
		{"no request kept", Event{Processor: "span", TransactionID: "x", TraceID: "y"}, ""},
		{"a transaction is no span", Event{Processor: "transaction", TransactionID: "t2"}, ""},
	} {
		tc.span.Timestamp = at
		got, ok := RequestOf(&tc.span, between)
		name := ""
		if ok {
			name = got.Route
		}
		if name != tc.want {
			t.Errorf("%s: request %q, want %q", tc.name, name, tc.want)
		}
	}
}
