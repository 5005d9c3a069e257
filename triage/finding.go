package triage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"time"
)

// MaxEvidence caps how many events one finding cites by id; EventCount
// keeps the true number so nothing is silently dropped from the count, and
// the stream positions of the rest are still kept (compactly) so that
// exceptions judge every event a finding rests on, not a prefix of them.
const MaxEvidence = 200

// EventRef cites one event. Seq is the event's position in the stream the
// engine ran (1-based, unique within a run), so two events that share a
// client-supplied id are still told apart; 0 means the position is unknown
// (findings read back from a case file, alerts pulled from Elasticsearch,
// counts pushed down to it). ID is how people and Elasticsearch name the
// event (event.id, else _id, else FILE:LINE) and may repeat.
type EventRef struct {
	Seq uint64
	ID  string
}

// Finding is what a detector raises: which detector, about whom, when, why,
// and the events that prove it.
type Finding struct {
	Detector  string    // "elastic:<rule_id>", "appsensor:CIE1", "query"
	Title     string    // the detector's title
	Severity  Severity  //
	RiskScore int       // 0-100
	Timestamp time.Time // the evidence time, or a bucket's start
	End       time.Time // last evidence time or bucket end; zero for single events

	SourceIP  netip.Addr
	UserAgent string
	UserName  string
	SessionID string

	// Impact is what the finding means if true (see Impact); the engine
	// takes the detector's when the finding does not say.
	Impact Impact
	// Subject is what a finding about many addresses is filed under
	// (user.name=admin, or the site); empty for findings about one actor.
	Subject Attr

	// Attrs are values of grouping fields the finding does not carry
	// itself, taken from the event that raised it (Engine.Capture).
	Attrs []Attr

	Reason     string     // one line, plain words
	Evidence   []EventRef // the events that prove it, never empty, at most MaxEvidence
	EventCount int        // how many events were evidence (≥ len(Evidence))

	// moreSeqs holds the stream positions of evidence beyond Evidence, as
	// zigzag varint deltas; lastSeq is the last position appended.
	moreSeqs []byte
	lastSeq  uint64
	sources  sourceSet // distinct client addresses of the evidence
}

// AddEvidence cites ev, keeping the count and the event's stream position
// when the id list is full.
func (f *Finding) AddEvidence(ev *Event) {
	f.sources.add(ev.SourceIP)
	f.AddRef(ev.Ref())
}

// AddRef cites an event by reference (see AddEvidence).
func (f *Finding) AddRef(r EventRef) {
	f.EventCount++
	if len(f.Evidence) < MaxEvidence {
		f.Evidence = append(f.Evidence, r)
		return
	}
	if r.Seq == 0 {
		return
	}
	f.moreSeqs = binary.AppendVarint(f.moreSeqs, int64(r.Seq)-int64(f.lastSeq))
	f.lastSeq = r.Seq
}

// RefsFromIDs cites events known by id only (positions unknown): findings
// read back from a case file, alerts and counts from Elasticsearch.
func RefsFromIDs(ids []string) []EventRef {
	out := make([]EventRef, len(ids))
	for i, id := range ids {
		out[i] = EventRef{ID: id}
	}
	return out
}

// EventIDs returns the ids of the cited events, in citation order.
func (f *Finding) EventIDs() []string {
	out := make([]string, len(f.Evidence))
	for i, r := range f.Evidence {
		out[i] = r.ID
	}
	return out
}

// EachSeq calls fn with the stream position of every cited event whose
// position is known, the ones beyond MaxEvidence included, until fn
// returns false. It reports how many evidence events have no known
// position (so a judge can tell "all covered" from "not all known").
func (f *Finding) EachSeq(fn func(seq uint64) bool) (unknown int) {
	known := 0
	for _, r := range f.Evidence {
		if r.Seq == 0 {
			continue
		}
		known++
		if !fn(r.Seq) {
			return f.EventCount - known
		}
	}
	var seq uint64
	for b := f.moreSeqs; len(b) > 0; {
		d, n := binary.Varint(b)
		if n <= 0 {
			break
		}
		b = b[n:]
		seq += uint64(d)
		known++
		if !fn(seq) {
			break
		}
	}
	return max(f.EventCount, len(f.Evidence)) - known
}

// findingJSON is the wire form: the keys are a contract with other tools.
type findingJSON struct {
	Detector   string            `json:"detector"`
	Title      string            `json:"title"`
	Severity   Severity          `json:"severity"`
	RiskScore  int               `json:"risk_score"`
	Timestamp  string            `json:"timestamp"`
	End        string            `json:"end,omitempty"`
	SourceIP   string            `json:"source_ip"`
	UserAgent  string            `json:"user_agent"`
	UserName   string            `json:"user_name"`
	SessionID  string            `json:"session_id,omitempty"`
	Subject    map[string]string `json:"subject,omitempty"`
	Sources    int               `json:"sources,omitempty"`
	SourceIPs  []string          `json:"source_ips,omitempty"`
	Impact     Impact            `json:"impact,omitempty"`
	EventIDs   []string          `json:"event_ids"`
	EventCount int               `json:"event_count"`
	Reason     string            `json:"reason"`
}

// MarshalJSON writes the finding with Picket's output keys; unknown values
// are empty strings, never null.
func (f Finding) MarshalJSON() ([]byte, error) {
	w := findingJSON{
		Detector:   f.Detector,
		Title:      f.Title,
		Severity:   f.Severity,
		RiskScore:  f.RiskScore,
		Timestamp:  formatTime(f.Timestamp),
		UserAgent:  f.UserAgent,
		UserName:   f.UserName,
		SessionID:  f.SessionID,
		Impact:     f.Impact,
		EventIDs:   f.EventIDs(),
		EventCount: f.EventCount,
		Reason:     f.Reason,
	}
	if !f.End.IsZero() {
		w.End = formatTime(f.End)
	}
	if f.SourceIP.IsValid() {
		w.SourceIP = f.SourceIP.String()
	}
	if f.Subject.Field != "" {
		// Filed under what it is about: list who contributed.
		w.Subject = map[string]string{f.Subject.Field: f.Subject.Value}
		addrs, n, _ := f.Sources()
		w.Sources = n
		for _, a := range addrs {
			w.SourceIPs = append(w.SourceIPs, a.String())
		}
	}
	if w.EventIDs == nil {
		w.EventIDs = []string{}
	}
	if w.EventCount < len(w.EventIDs) {
		w.EventCount = len(w.EventIDs)
	}
	// Reasons quote attackers' input and say "score >= 75": keep <, > and &
	// readable instead of the HTML-safe \u003c escapes json.Marshal uses.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
