package ui

import (
	"context"
	"time"

	"picket/casefile"
	"picket/playbooks"
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

// Playbooks gives a detector's playbook: Picket's own checklist or an
// imported rule's investigation guide (the wiring decides which, as picket
// playbook does).
type Playbooks interface {
	For(detectorID string) (playbooks.Playbook, bool)
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
