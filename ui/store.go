package ui

import (
	"context"
	"time"

	"picket/casefile"
	"picket/triage"
)

// CaseStore is the part of the case file the console writes to: notes,
// checklist ticks and workflow status. *casefile.Store implements it; a
// nil CaseStore means nothing is saved (the status line says so).
type CaseStore interface {
	AddNote(ctx context.Context, n casefile.Note) (int64, error)
	Notes(ctx context.Context, targetKind, targetKey string) ([]casefile.Note, error)
	SetAlertStatus(ctx context.Context, a casefile.AlertStatus) error
	AlertStatus(ctx context.Context, id string) (casefile.AlertStatus, bool, error)
	SetChecklistItem(ctx context.Context, c casefile.ChecklistItem) error
	ChecklistItems(ctx context.Context, detectorID, targetKey string) ([]casefile.ChecklistItem, error)
}

// Playbooks gives the checklist of a detector. The playbooks package is
// adapted to it where the console is wired.
type Playbooks interface {
	For(detectorID string) (Checklist, bool)
}

// Checklist is one detector's playbook as the checklist panel shows it.
type Checklist struct {
	Title    string
	Sections []ChecklistSection
}

// ChecklistSection is a titled list of steps ("Investigation", "False
// positive analysis", "Response and remediation").
type ChecklistSection struct {
	Title string
	Steps []ChecklistStep
}

// ChecklistStep is one step: a stable id for the case file, the text, and
// an optional action (a query to run, a command to paste).
type ChecklistStep struct {
	ID     string
	Text   string
	Action string
}

// Suppressions stores exceptions and allowlist entries; *casefile.Store
// implements it. A nil Suppressions keeps new ones in memory for the
// session only.
type Suppressions interface {
	AddException(ctx context.Context, x triage.Exception) (int64, error)
	Exceptions(ctx context.Context, f casefile.ExceptionFilter) ([]triage.Exception, error)
	AddAllowEntry(ctx context.Context, a triage.AllowEntry) (int64, error)
	Allowlist(ctx context.Context, activeAt time.Time) ([]triage.AllowEntry, error)
}

// Exporter writes the case somewhere and says where.
type Exporter interface {
	Export(ctx context.Context) (string, error)
}

// suppressor decides which findings the active exceptions and allowlist
// entries hide, with triage's own matching so the console agrees with
// picket detect. The console's engine runs without them, so that
// suppressed findings can still be shown, marked, on request.
type suppressor struct {
	xs    []triage.Exception
	allow []triage.AllowEntry
	// events resolves the evidence exceptions are judged on; may be nil.
	events func(id string) (*triage.Event, bool)
}

func newSuppressor(xs []triage.Exception, allow []triage.AllowEntry, now time.Time, events func(string) (*triage.Event, bool)) *suppressor {
	s := &suppressor{events: events}
	for _, x := range xs {
		if x.Active(now) {
			s.xs = append(s.xs, x)
		}
	}
	for _, a := range allow {
		if !a.Active(now) {
			continue
		}
		if x, ok := a.AsException(); ok {
			s.xs = append(s.xs, x)
			continue
		}
		s.allow = append(s.allow, a)
	}
	return s
}

func (s *suppressor) empty() bool { return s == nil || len(s.xs)+len(s.allow) == 0 }

// suppressed says whether f is hidden, and by what ("allowlisted",
// "exception").
func (s *suppressor) suppressed(f *triage.Finding) (string, bool) {
	if s.empty() {
		return "", false
	}
	for i := range s.allow {
		if s.allow[i].AppliesTo(f.Detector) && s.allow[i].AllowsActor(f) {
			return "allowlisted", true
		}
	}
	if s.events == nil || len(f.EventIDs) == 0 {
		return "", false
	}
	for i := range s.xs {
		x := &s.xs[i]
		if !x.AppliesTo(f.Detector) {
			continue
		}
		// Every cited event must satisfy the exception, as in the engine;
		// an event the console did not keep cannot be judged.
		all := true
		for _, id := range f.EventIDs {
			ev, ok := s.events(id)
			if !ok || !x.Matches(ev) {
				all = false
				break
			}
		}
		if all {
			return "exception", true
		}
	}
	return "", false
}
