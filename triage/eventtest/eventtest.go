// Package eventtest builds events for tests: an APM transaction document
// with the fields query rules look at, and the events parsed from
// documents.
package eventtest

import (
	"fmt"
	"testing"

	"picket/triage"
)

// APM builds an APM transaction document: id as event.id, the method,
// status and path, a fixed client (203.0.113.7, curl, user mallory), and
// extra appended inside the object (",\"k\":v..." or "").
func APM(id, method string, status int, path string, extra string) string {
	return fmt.Sprintf(`{"@timestamp":"2026-11-03T09:%02d:00Z","event":{"id":%q},"data_stream":{"type":"traces","dataset":"apm","namespace":"default"},"processor":{"event":"transaction"},"source":{"ip":"203.0.113.7"},"user_agent":{"original":"curl/8.5"},"user":{"name":"mallory"},"http":{"request":{"method":%q},"response":{"status_code":%d}},"url":{"path":%q}%s}`,
		len(id)%60, id, method, status, path, extra)
}

// Parse parses each document as an event named test:N; a document that
// does not parse fails the test.
func Parse(t testing.TB, docs ...string) []*triage.Event {
	t.Helper()
	out := make([]*triage.Event, len(docs))
	for i, d := range docs {
		ev, err := triage.ParseEvent([]byte(d), fmt.Sprintf("test:%d", i+1))
		if err != nil {
			t.Fatalf("doc %d: %v", i+1, err)
		}
		out[i] = ev
	}
	return out
}

// EveryEvent is a detector that raises one finding per event, citing it:
// what the engine files each finding under (its capture, its actor) is
// then visible event by event.
type EveryEvent struct{}

// Info names the detector test:every.
func (EveryEvent) Info() triage.DetectorInfo {
	return triage.DetectorInfo{ID: "test:every", Title: "every event"}
}

// Flush holds nothing.
func (EveryEvent) Flush(func(triage.Finding)) {}

// Observe raises the event's finding.
func (EveryEvent) Observe(ev *triage.Event, emit func(triage.Finding)) {
	emit(triage.Finding{Reason: "seen", Timestamp: ev.Timestamp, SourceIP: ev.SourceIP, Evidence: []triage.EventRef{ev.Ref()}, EventCount: 1})
}
