package casefile

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Note target kinds (Note.TargetKind). Other values are rejected by the
// schema.
const (
	TargetCase    = "case"
	TargetFinding = "finding"
	TargetAlert   = "alert"
	TargetGroup   = "group"
)

// Alert sources (AlertStatus.Source).
const (
	SourceLocal   = "local"   // raised by Picket's own detectors
	SourceElastic = "elastic" // mirrored from Elastic Security
)

// Alert workflow states (AlertStatus.Status).
const (
	StatusOpen         = "open"
	StatusAcknowledged = "acknowledged"
	StatusClosed       = "closed"
)

// Note is a free-text analyst note attached to a case, finding, alert or
// group.
type Note struct {
	ID         int64     // assigned by AddNote
	CaseID     int64     // owning case, or 0 for none
	TargetKind string    // TargetCase, TargetFinding, TargetAlert or TargetGroup
	TargetKey  string    // key of that thing, e.g. a finding or alert id
	Body       string    // the note text; must not be empty
	Author     string    // analyst who wrote it
	Created    time.Time // zero means "now" in AddNote; stored to the millisecond
}

// AlertStatus is the workflow state Picket keeps for one alert.
type AlertStatus struct {
	AlertID     string    // alert id or UUID; unique across sources
	Source      string    // SourceLocal or SourceElastic
	Status      string    // StatusOpen, StatusAcknowledged or StatusClosed
	Tags        []string  // free-form tags
	UpdatedAt   time.Time // zero means "now" in SetAlertStatus
	UpdatedBy   string    // analyst who made the change
	PendingPush bool      // the change still has to be sent to Elastic
}

// ChecklistItem is the state of one playbook step for one target.
type ChecklistItem struct {
	DetectorID string    // detector whose playbook this is
	ItemID     string    // playbook item id
	TargetKey  string    // what is being triaged
	Checked    bool      // whether the step is done
	By         string    // analyst who last changed it
	At         time.Time // zero means "now" in SetChecklistItem
	Note       string    // optional remark
}

// AddNote stores n and returns its new id. n.ID is ignored.
func (s *Store) AddNote(ctx context.Context, n Note) (int64, error) {
	var id int64
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = addNoteTx(ctx, tx, n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("casefile: add note: %w", err)
	}
	return id, nil
}

// addNoteTx is AddNote inside tx.
func addNoteTx(ctx context.Context, tx *sql.Tx, n Note) (int64, error) {
	var caseID any // NULL unless set
	if n.CaseID != 0 {
		caseID = n.CaseID
	}
	res, err := tx.ExecContext(ctx,
		`INSERT INTO notes (case_id, target_kind, target_key, body, author, created_at)
		 VALUES (?, ?, ?, ?, ?, ?)`,
		caseID, n.TargetKind, n.TargetKey, n.Body, n.Author, millis(n.Created))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// Notes returns the notes on one target, oldest first.
func (s *Store) Notes(ctx context.Context, targetKind, targetKey string) ([]Note, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT id, coalesce(case_id, 0), target_kind, target_key, body, author, created_at
		 FROM notes WHERE target_kind = ? AND target_key = ?
		 ORDER BY created_at, id`, targetKind, targetKey)
	if err != nil {
		return nil, fmt.Errorf("casefile: notes: %w", dbErr(err))
	}
	defer rows.Close()
	var notes []Note
	for rows.Next() {
		var n Note
		var created int64
		if err := rows.Scan(&n.ID, &n.CaseID, &n.TargetKind, &n.TargetKey, &n.Body, &n.Author, &created); err != nil {
			return nil, fmt.Errorf("casefile: notes: %w", err)
		}
		n.Created = fromMillis(created)
		notes = append(notes, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: notes: %w", dbErr(err))
	}
	return notes, nil
}

// SetAlertStatus inserts or replaces the stored status of a.AlertID.
func (s *Store) SetAlertStatus(ctx context.Context, a AlertStatus) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error { return setAlertStatusTx(ctx, tx, a) })
	if err != nil {
		return fmt.Errorf("casefile: set alert status %s: %w", a.AlertID, err)
	}
	return nil
}

// setAlertStatusTx is SetAlertStatus inside tx.
func setAlertStatusTx(ctx context.Context, tx *sql.Tx, a AlertStatus) error {
	tags := a.Tags
	if tags == nil {
		tags = []string{}
	}
	tagJSON, err := json.Marshal(tags)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO alert_status (alert_id, source, status, tags, updated_at, updated_by, pending_push)
		 VALUES (?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (alert_id) DO UPDATE SET
		   source = excluded.source, status = excluded.status, tags = excluded.tags,
		   updated_at = excluded.updated_at, updated_by = excluded.updated_by,
		   pending_push = excluded.pending_push`,
		a.AlertID, a.Source, a.Status, string(tagJSON),
		millis(a.UpdatedAt), a.UpdatedBy, a.PendingPush)
	return err
}

// AlertStatus returns the stored status of alert id. The bool is false if
// Picket has no status for it.
func (s *Store) AlertStatus(ctx context.Context, id string) (AlertStatus, bool, error) {
	var (
		a       AlertStatus
		tagJSON string
		updated int64
	)
	err := s.reader.QueryRowContext(ctx,
		`SELECT alert_id, source, status, tags, updated_at, updated_by, pending_push
		 FROM alert_status WHERE alert_id = ?`, id).
		Scan(&a.AlertID, &a.Source, &a.Status, &tagJSON, &updated, &a.UpdatedBy, &a.PendingPush)
	if errors.Is(err, sql.ErrNoRows) {
		return AlertStatus{}, false, nil
	}
	if err != nil {
		return AlertStatus{}, false, fmt.Errorf("casefile: alert status %s: %w", id, dbErr(err))
	}
	if err := json.Unmarshal([]byte(tagJSON), &a.Tags); err != nil {
		return AlertStatus{}, false, fmt.Errorf("casefile: alert status %s: tags: %w", id, err)
	}
	a.UpdatedAt = fromMillis(updated)
	return a, true, nil
}

// SetChecklistItem inserts or replaces the state of one playbook item for
// one target.
func (s *Store) SetChecklistItem(ctx context.Context, c ChecklistItem) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO checklist_state (detector_id, target_key, item_id, checked, checked_by, updated_at, note)
			 VALUES (?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (detector_id, target_key, item_id) DO UPDATE SET
			   checked = excluded.checked, checked_by = excluded.checked_by,
			   updated_at = excluded.updated_at, note = excluded.note`,
			c.DetectorID, c.TargetKey, c.ItemID, c.Checked, c.By, millis(c.At), c.Note)
		return err
	})
	if err != nil {
		return fmt.Errorf("casefile: set checklist item %s/%s/%s: %w", c.DetectorID, c.TargetKey, c.ItemID, err)
	}
	return nil
}

// ChecklistItems returns every stored item state of one detector's
// playbook for one target, ordered by item id.
func (s *Store) ChecklistItems(ctx context.Context, detectorID, targetKey string) ([]ChecklistItem, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT detector_id, target_key, item_id, checked, checked_by, updated_at, note
		 FROM checklist_state WHERE detector_id = ? AND target_key = ?
		 ORDER BY item_id`, detectorID, targetKey)
	if err != nil {
		return nil, fmt.Errorf("casefile: checklist items: %w", dbErr(err))
	}
	defer rows.Close()
	var items []ChecklistItem
	for rows.Next() {
		var c ChecklistItem
		var at int64
		if err := rows.Scan(&c.DetectorID, &c.TargetKey, &c.ItemID, &c.Checked, &c.By, &at, &c.Note); err != nil {
			return nil, fmt.Errorf("casefile: checklist items: %w", err)
		}
		c.At = fromMillis(at)
		items = append(items, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: checklist items: %w", dbErr(err))
	}
	return items, nil
}

// millis converts t to unix milliseconds; the zero time means now.
func millis(t time.Time) int64 {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UnixMilli()
}

// fromMillis converts stored unix milliseconds to a UTC time.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
