package triage

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"time"
)

// MaxEvidence caps how many event ids one finding lists; EventCount keeps
// the true number so nothing is silently dropped from the count.
const MaxEvidence = 200

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

	Reason     string   // one line, plain words
	EventIDs   []string // evidence, never empty, at most MaxEvidence
	EventCount int      // how many events were evidence (≥ len(EventIDs))
}

// AddEvidence appends an event id, keeping the count when the list is full.
func (f *Finding) AddEvidence(id string) {
	f.EventCount++
	if len(f.EventIDs) < MaxEvidence {
		f.EventIDs = append(f.EventIDs, id)
	}
}

// findingJSON is the wire form: the keys are a contract with other tools.
type findingJSON struct {
	Detector   string   `json:"detector"`
	Title      string   `json:"title"`
	Severity   Severity `json:"severity"`
	RiskScore  int      `json:"risk_score"`
	Timestamp  string   `json:"timestamp"`
	End        string   `json:"end,omitempty"`
	SourceIP   string   `json:"source_ip"`
	UserAgent  string   `json:"user_agent"`
	UserName   string   `json:"user_name"`
	SessionID  string   `json:"session_id,omitempty"`
	EventIDs   []string `json:"event_ids"`
	EventCount int      `json:"event_count"`
	Reason     string   `json:"reason"`
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
		EventIDs:   f.EventIDs,
		EventCount: f.EventCount,
		Reason:     f.Reason,
	}
	if !f.End.IsZero() {
		w.End = formatTime(f.End)
	}
	if f.SourceIP.IsValid() {
		w.SourceIP = f.SourceIP.String()
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
