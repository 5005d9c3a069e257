package casefile

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"picket/playbooks"
	"picket/triage"
)

// ReportSchema names the JSON export format; docs/case-schema.md
// describes it. A new major version is a breaking change.
const ReportSchema = "picket.case/v1"

// Report is everything an export says about one case.
type Report struct {
	Case Case
	// Members are the group keys a campaign's case folded (sorted); nil
	// for other cases.
	Members     []string
	Findings    []ReportFinding
	Alerts      []string
	Events      []ReportEvent
	Checklist   []ReportCheck
	Notes       []Note
	Observables []Observable
	Exceptions  []triage.Exception
	Timeline    []Activity
}

// ReportFinding is a linked finding as it was when linked.
type ReportFinding struct {
	Key     string
	Finding triage.Finding
	Raw     json.RawMessage // the stored JSON, for the JSON export
	// HiddenBy names the exception or allowlist entry in force that hides
	// the finding now, as picket detect and the console judge it; "" when
	// none does.
	HiddenBy string
}

// ReportEvent is a linked event and the document kept of it.
type ReportEvent struct {
	ID       string
	Document json.RawMessage
}

// ReportCheck is one checklist step of a detector's playbook for the case,
// ticked or not.
type ReportCheck struct {
	Detector string
	Section  playbooks.SectionKind // empty when the step is no longer in the playbook
	ItemID   string
	Text     string
	Checked  bool
	By       string
	At       time.Time
	Note     string
	// Answer is the step's latest kept answer, nil when it was never run.
	Answer *StepAnswer
}

// Report gathers case id with everything linked to it.
func (s *Store) Report(ctx context.Context, id int64) (Report, error) {
	c, err := s.Case(ctx, id)
	if err != nil {
		return Report{}, err
	}
	r := Report{Case: c}
	items, err := s.CaseItems(ctx, id)
	if err != nil {
		return Report{}, err
	}
	detectors := map[string]bool{}
	for _, it := range items {
		switch it.Kind {
		case ItemFinding:
			f, err := decodeFinding(it.Data)
			if err != nil {
				return Report{}, fmt.Errorf("casefile: case %d finding %s: %w", id, it.Key, err)
			}
			r.Findings = append(r.Findings, ReportFinding{Key: it.Key, Finding: f, Raw: it.Data})
			detectors[f.Detector] = true
		case ItemAlert:
			r.Alerts = append(r.Alerts, it.Key)
		case ItemEvent:
			r.Events = append(r.Events, ReportEvent{ID: it.Key, Document: it.Data})
		}
	}
	sort.SliceStable(r.Findings, func(i, j int) bool { return r.Findings[i].Finding.Timestamp.Before(r.Findings[j].Finding.Timestamp) })

	ticks, err := s.CaseChecklist(ctx, c)
	if err != nil {
		return Report{}, err
	}
	for _, t := range ticks {
		detectors[t.DetectorID] = true
	}
	answers, err := s.CaseAnswers(ctx, c)
	if err != nil {
		return Report{}, err
	}
	for _, a := range answers {
		detectors[a.DetectorID] = true
	}
	r.Checklist = withAnswers(checklist(detectors, ticks), answers)

	if r.Notes, err = s.CaseNotes(ctx, c); err != nil {
		return Report{}, err
	}
	if r.Observables, err = s.Observables(ctx, id); err != nil {
		return Report{}, err
	}
	if r.Timeline, err = s.CaseActivity(ctx, id); err != nil {
		return Report{}, err
	}
	if c.GroupBy == triage.CampaignBy {
		if r.Members, err = s.CampaignMembers(ctx, c.Key); err != nil {
			return Report{}, err
		}
	}
	all, err := s.Exceptions(ctx, ExceptionFilter{})
	if err != nil {
		return Report{}, err
	}
	for _, x := range all {
		if x.CaseID == id || detectors[x.Detector] || x.Detector == triage.AllDetectors {
			r.Exceptions = append(r.Exceptions, x)
		}
	}
	now := time.Now()
	allow, err := s.Allowlist(ctx, now)
	if err != nil {
		return Report{}, err
	}
	markHidden(&r, all, allow, now)
	return r, nil
}

// Reports gathers every case f selects.
func (s *Store) Reports(ctx context.Context, f CaseFilter) ([]Report, error) {
	cs, err := s.Cases(ctx, f)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(cs, func(a, b Case) int { return int(a.ID - b.ID) })
	out := make([]Report, 0, len(cs))
	for _, c := range cs {
		r, err := s.Report(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// checklist lists every step of each detector's playbook with its state,
// then stored ticks for steps the playbooks no longer have.
func checklist(detectors map[string]bool, ticks []ChecklistItem) []ReportCheck {
	ids := make([]string, 0, len(detectors))
	for d := range detectors {
		ids = append(ids, d)
	}
	sort.Strings(ids)
	type k struct{ det, item string }
	state := map[k]ChecklistItem{}
	for _, t := range ticks {
		prev, ok := state[k{t.DetectorID, t.ItemID}]
		if !ok || t.At.After(prev.At) {
			state[k{t.DetectorID, t.ItemID}] = t
		}
	}
	used := map[k]bool{}
	var out []ReportCheck
	for _, d := range ids {
		p, ok := playbooks.For(d)
		if !ok {
			continue
		}
		for _, s := range p.Sections {
			for _, it := range s.Items {
				rc := ReportCheck{Detector: d, Section: s.Kind, ItemID: it.ID, Text: it.Text}
				if t, ok := state[k{d, it.ID}]; ok {
					rc.Checked, rc.By, rc.At, rc.Note = t.Checked, t.By, t.At, t.Note
					used[k{d, it.ID}] = true
				}
				out = append(out, rc)
			}
		}
	}
	for _, t := range ticks {
		key := k{t.DetectorID, t.ItemID}
		if used[key] {
			continue
		}
		used[key] = true
		t = state[key]
		out = append(out, ReportCheck{Detector: t.DetectorID, ItemID: t.ItemID, Checked: t.Checked, By: t.By, At: t.At, Note: t.Note})
	}
	return out
}

// decodeFinding reads a finding back from the JSON LinkFindings stored.
func decodeFinding(b []byte) (triage.Finding, error) {
	var w struct {
		Detector   string          `json:"detector"`
		Title      string          `json:"title"`
		Severity   triage.Severity `json:"severity"`
		RiskScore  int             `json:"risk_score"`
		Timestamp  string          `json:"timestamp"`
		End        string          `json:"end"`
		SourceIP   string          `json:"source_ip"`
		UserAgent  string          `json:"user_agent"`
		UserName   string          `json:"user_name"`
		SessionID  string          `json:"session_id"`
		Impact     triage.Impact   `json:"impact"`
		EventIDs   []string        `json:"event_ids"`
		EventCount int             `json:"event_count"`
		Reason     string          `json:"reason"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return triage.Finding{}, err
	}
	f := triage.Finding{Detector: w.Detector, Title: w.Title, Severity: w.Severity, RiskScore: w.RiskScore,
		UserAgent: w.UserAgent, UserName: w.UserName, SessionID: w.SessionID, Impact: w.Impact, Evidence: triage.RefsFromIDs(w.EventIDs),
		EventCount: w.EventCount, Reason: w.Reason}
	f.Timestamp, _ = time.Parse(time.RFC3339Nano, w.Timestamp)
	f.End, _ = time.Parse(time.RFC3339Nano, w.End)
	if w.SourceIP != "" {
		if a, err := parseAddr(w.SourceIP); err == nil {
			f.SourceIP = a
		}
	}
	return f, nil
}

// Cut says how many of its group's findings the case left out ("" when
// it keeps them all): the latest such line of its timeline.
func (r Report) Cut() string {
	for i := len(r.Timeline) - 1; i >= 0; i-- {
		if r.Timeline[i].Kind == ActivityCut {
			return r.Timeline[i].Detail
		}
	}
	return ""
}
