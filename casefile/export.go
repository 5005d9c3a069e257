package casefile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"picket/triage"
)

func parseAddr(s string) (netip.Addr, error) { return netip.ParseAddr(s) }

// ExportOptions tune the exports.
type ExportOptions struct {
	// Now is the time written as generated_at; zero means time.Now().
	Now time.Time
}

func (o ExportOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now().UTC()
	}
	return o.Now.UTC()
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ---------------------------------------------------------------- JSON

type jsonDoc struct {
	Schema      string     `json:"schema"`
	GeneratedAt string     `json:"generated_at"`
	Cases       []jsonCase `json:"cases"`
}

type jsonCase struct {
	ID          int64             `json:"id"`
	Key         string            `json:"key"`
	GroupBy     string            `json:"group_by"`
	Members     []string          `json:"campaign_members"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Status      string            `json:"status"`
	Severity    string            `json:"severity"`
	Assignee    string            `json:"assignee"`
	CreatedBy   string            `json:"created_by"`
	CreatedAt   string            `json:"created_at"`
	UpdatedAt   string            `json:"updated_at"`
	Findings    []json.RawMessage `json:"findings"`
	Alerts      []string          `json:"alerts"`
	Events      []jsonEvent       `json:"events"`
	Checklist   []jsonCheck       `json:"checklist"`
	Notes       []jsonNote        `json:"notes"`
	StepNotes   []jsonStepNote    `json:"step_notes"`
	Observables []jsonObservable  `json:"observables"`
	Exceptions  []jsonException   `json:"exceptions"`
	Timeline    []jsonActivity    `json:"timeline"`
	// Hidden maps a finding's key to the entry in force that hides it.
	Hidden map[string]string `json:"hidden,omitempty"`
}

type jsonEvent struct {
	ID       string          `json:"id"`
	Document json.RawMessage `json:"document"`
}

type jsonCheck struct {
	Detector string `json:"detector"`
	Section  string `json:"section"`
	ItemID   string `json:"item_id"`
	Text     string `json:"text"`
	Checked  bool   `json:"checked"`
	By       string `json:"by"`
	At       string `json:"at"`
	Note     string `json:"note"`
	// Answer is omitted for a step never run (see answerJSON).
	Answer *jsonAnswer `json:"answer,omitempty"`
}

type jsonNote struct {
	Author     string `json:"author"`
	CreatedAt  string `json:"created_at"`
	TargetKind string `json:"target_kind"`
	TargetKey  string `json:"target_key"`
	Body       string `json:"body"`
}

// jsonStepNote is a note on a checklist step, once per step as the
// console shows it (added within v1).
type jsonStepNote struct {
	Detectors []string `json:"detectors"`
	Section   string   `json:"section"`
	ItemID    string   `json:"item_id"`
	Text      string   `json:"text"`
	Body      string   `json:"body"`
	By        string   `json:"by"`
	At        string   `json:"at"`
}

type jsonObservable struct {
	Kind      string `json:"kind"`
	Value     string `json:"value"`
	FirstSeen string `json:"first_seen"`
}

type jsonException struct {
	ID        int64                   `json:"id"`
	ItemID    string                  `json:"item_id"`
	ListID    string                  `json:"list_id"`
	Name      string                  `json:"name"`
	Detector  string                  `json:"detector"`
	Entries   []triage.ExceptionEntry `json:"entries"`
	Reason    string                  `json:"reason"`
	Author    string                  `json:"author"`
	CreatedAt string                  `json:"created_at"`
	ExpiresAt string                  `json:"expires_at"`
	CaseID    int64                   `json:"case_id"`
}

type jsonActivity struct {
	At     string `json:"at"`
	Actor  string `json:"actor"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// WriteJSON writes the reports as one picket.case/v1 document (see
// docs/case-schema.md). Lists are never null; unknown values are "".
func WriteJSON(w io.Writer, rs []Report, o ExportOptions) error {
	doc := jsonDoc{Schema: ReportSchema, GeneratedAt: ts(o.now()), Cases: []jsonCase{}}
	for _, r := range rs {
		c := r.Case
		jc := jsonCase{ID: c.ID, Key: c.Key, GroupBy: c.GroupBy, Members: append([]string{}, r.Members...), Title: c.Title, Description: c.Description, Status: c.Status,
			Severity: c.Severity, Assignee: c.Assignee, CreatedBy: c.CreatedBy, CreatedAt: ts(c.Created), UpdatedAt: ts(c.Updated),
			Findings: []json.RawMessage{}, Alerts: []string{}, Events: []jsonEvent{}, Checklist: []jsonCheck{},
			Notes: []jsonNote{}, StepNotes: []jsonStepNote{}, Observables: []jsonObservable{}, Exceptions: []jsonException{}, Timeline: []jsonActivity{}}
		for _, f := range r.Findings {
			b, err := marshalNoHTML(f.Finding)
			if err != nil {
				return err
			}
			// Prefix the finding key to Picket's finding object.
			key, _ := json.Marshal(f.Key)
			jc.Findings = append(jc.Findings, json.RawMessage(append(append([]byte(`{"key":`), key...), append([]byte(","), b[1:]...)...)))
			if f.HiddenBy != "" {
				if jc.Hidden == nil {
					jc.Hidden = map[string]string{}
				}
				jc.Hidden[f.Key] = f.HiddenBy
			}
		}
		jc.Alerts = append(jc.Alerts, r.Alerts...)
		for _, e := range r.Events {
			doc := e.Document
			if len(doc) == 0 {
				doc = json.RawMessage("{}")
			}
			jc.Events = append(jc.Events, jsonEvent{ID: e.ID, Document: doc})
		}
		for _, k := range r.Checklist {
			jc.Checklist = append(jc.Checklist, jsonCheck{Detector: k.Detector, Section: string(k.Section), ItemID: k.ItemID,
				Text: k.Text, Checked: k.Checked, By: k.By, At: ts(k.At), Note: k.Note, Answer: answerJSON(k.Answer)})
		}
		for _, n := range r.Notes {
			jc.Notes = append(jc.Notes, jsonNote{Author: n.Author, CreatedAt: ts(n.Created), TargetKind: n.TargetKind, TargetKey: n.TargetKey, Body: n.Body})
		}
		for _, n := range StepNotes(r.Checklist) {
			jc.StepNotes = append(jc.StepNotes, jsonStepNote{Detectors: n.Detectors, Section: string(n.Section), ItemID: n.ItemID,
				Text: n.Text, Body: n.Body, By: n.By, At: ts(n.At)})
		}
		for _, ob := range r.Observables {
			jc.Observables = append(jc.Observables, jsonObservable{Kind: ob.Kind, Value: ob.Value, FirstSeen: ts(ob.FirstSeen)})
		}
		for _, x := range r.Exceptions {
			entries := x.Entries
			if entries == nil {
				entries = []triage.ExceptionEntry{}
			}
			jc.Exceptions = append(jc.Exceptions, jsonException{ID: x.ID, ItemID: x.ItemID, ListID: x.ListID, Name: x.Name,
				Detector: x.Detector, Entries: entries, Reason: x.Reason, Author: x.Author, CreatedAt: ts(x.Created),
				ExpiresAt: ts(x.Expires), CaseID: x.CaseID})
		}
		for _, a := range r.Timeline {
			jc.Timeline = append(jc.Timeline, jsonActivity{At: ts(a.At), Actor: a.Actor, Kind: a.Kind, Detail: a.Detail})
		}
		doc.Cases = append(doc.Cases, jc)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := w.Write(triage.SafeJSON(buf.Bytes()))
	return err
}

// marshalNoHTML is json.Marshal without the HTML-safe \u003c escapes, so
// payloads quoted in reasons stay readable.
func marshalNoHTML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ---------------------------------------------------------------- CSV

// CSVHeader is the header row of the CSV export: one row per finding.
var CSVHeader = []string{"case_id", "case_title", "case_status", "case_severity", "assignee",
	"finding_key", "detector", "title", "severity", "risk_score", "timestamp", "end",
	"source_ip", "user_agent", "user_name", "session_id", "event_count", "event_ids", "reason", "step_notes"}

// WriteCSV writes one row per linked finding; its step_notes column holds
// the notes on the checklist steps of the finding's detector, each as
// "item id: note", one per line. Every cell is made safe for
// spreadsheets and terminals: control characters are shown as escapes
// (\x1b, \n) and a cell that a spreadsheet would read as a formula (first
// non-blank character =, +, -, @, or a leading tab or carriage return) is
// prefixed with a single quote.
func WriteCSV(w io.Writer, rs []Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range rs {
		c := r.Case
		notes := StepNotes(r.Checklist)
		for _, rf := range r.Findings {
			f := rf.Finding
			var sn []string
			for _, n := range notes {
				if slices.Contains(n.Detectors, f.Detector) {
					sn = append(sn, n.ItemID+": "+n.Body)
				}
			}
			ip := ""
			if f.SourceIP.IsValid() {
				ip = f.SourceIP.String()
			}
			row := []string{strconv.FormatInt(c.ID, 10), c.Title, c.Status, c.Severity, c.Assignee,
				rf.Key, f.Detector, f.Title, f.Severity.String(), strconv.Itoa(f.RiskScore), ts(f.Timestamp), ts(f.End),
				ip, f.UserAgent, f.UserName, f.SessionID, strconv.Itoa(f.EventCount), strings.Join(f.EventIDs(), " "), f.Reason,
				strings.Join(sn, "\n")}
			for i := range row {
				row[i] = CSVCell(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// CSVCell neutralises one cell; see WriteCSV.
func CSVCell(s string) string {
	risky := strings.HasPrefix(s, "\t") || strings.HasPrefix(s, "\r")
	s = triage.Escape(s)
	t := strings.TrimLeft(s, " ")
	if t != "" && strings.ContainsRune("=+-@", rune(t[0])) {
		risky = true
	}
	// Full-width forms some spreadsheets also read as operators.
	if strings.HasPrefix(t, "＝") || strings.HasPrefix(t, "＋") || strings.HasPrefix(t, "－") || strings.HasPrefix(t, "＠") {
		risky = true
	}
	if risky {
		return "'" + s
	}
	return s
}

// Summary is a one-paragraph account of the case from its findings, as
// the Markdown export and a Kibana case's description open.
func Summary(r Report) string {
	if len(r.Findings) == 0 {
		return fmt.Sprintf("No findings are linked to this case; status %s.", r.Case.Status)
	}
	dets := map[string]bool{}
	first, last := r.Findings[0].Finding.Timestamp, r.Findings[0].Finding.Timestamp
	events := 0
	for _, rf := range r.Findings {
		f := rf.Finding
		dets[f.Detector] = true
		events += f.EventCount
		if f.Timestamp.Before(first) {
			first = f.Timestamp
		}
		end := f.Timestamp
		if f.End.After(end) {
			end = f.End
		}
		if end.After(last) {
			last = end
		}
	}
	names := make([]string, 0, len(dets))
	for d := range dets {
		names = append(names, d)
	}
	sort.Strings(names)
	ticked, steps := checklistProgress(r.Checklist)
	notes := fmt.Sprintf("%d note(s)", len(r.Notes))
	if n := len(StepNotes(r.Checklist)); n > 0 {
		notes += fmt.Sprintf(" and %d on checklist steps", n)
	}
	kept := ""
	if cut := r.Cut(); cut != "" {
		kept = " (" + cut + ")"
	}
	members := ""
	if len(r.Members) > 0 {
		members = fmt.Sprintf("A campaign of %d groups. ", len(r.Members))
	}
	return fmt.Sprintf("%s%d finding(s)%s from %d detector(s) (%s) between %s and %s, citing %d event(s); %d of %d checklist step(s) done; %s; status %s.",
		members, len(r.Findings), kept, len(dets), strings.Join(names, ", "), ts(first), ts(last), events, ticked, steps, notes, r.Case.Status)
}

// checklistProgress counts a case's checklist steps as the console does:
// a step the case's detectors share (playbooks.Merge: a family such as
// the login points, or the same action in two playbooks) counts once,
// done when ticked for any of them; a step no longer in its playbook
// counts on its own.
func checklistProgress(cs []ReportCheck) (done, total int) {
	for _, g := range reportSteps(cs) {
		total++
		for _, k := range g {
			if k.Checked {
				done++
				break
			}
		}
	}
	return done, total
}

type tlEntry struct {
	At       time.Time
	Who      string
	What     string
	priority int
}

// timeline merges findings, notes and case activity in time order.
func timeline(r Report) []tlEntry {
	var out []tlEntry
	for _, rf := range r.Findings {
		f := rf.Finding
		out = append(out, tlEntry{At: f.Timestamp, Who: f.Detector, What: "finding: " + f.Title})
	}
	for _, n := range r.Notes {
		out = append(out, tlEntry{At: n.Created, Who: n.Author, What: "note on " + n.TargetKind, priority: 1})
	}
	for _, a := range r.Timeline {
		what := a.Kind
		if a.Detail != "" {
			what += ": " + a.Detail
		}
		out = append(out, tlEntry{At: a.At, Who: a.Actor, What: what, priority: 2})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].priority < out[j].priority
	})
	return out
}
