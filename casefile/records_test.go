package casefile

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	return openTest(t, filepath.Join(t.TempDir(), "case.db"))
}

func TestNotesRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 123_456_789, time.UTC)

	in := []Note{
		{TargetKind: TargetAlert, TargetKey: "a-1", Body: "second", Author: "bob", Created: t0.Add(time.Minute)},
		{TargetKind: TargetAlert, TargetKey: "a-1", Body: "first", Author: "alice", Created: t0},
		{TargetKind: TargetAlert, TargetKey: "a-2", Body: "other alert", Created: t0},
		{TargetKind: TargetFinding, TargetKey: "a-1", Body: "same key, other kind", Created: t0},
	}
	ids := map[string]int64{}
	for _, n := range in {
		id, err := s.AddNote(ctx, n)
		if err != nil {
			t.Fatalf("AddNote(%q): %v", n.Body, err)
		}
		if id <= 0 {
			t.Errorf("AddNote(%q) id = %d", n.Body, id)
		}
		ids[n.Body] = id
	}

	got, err := s.Notes(ctx, TargetAlert, "a-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Note{
		{ID: ids["first"], TargetKind: TargetAlert, TargetKey: "a-1", Body: "first", Author: "alice", Created: t0.Truncate(time.Millisecond)},
		{ID: ids["second"], TargetKind: TargetAlert, TargetKey: "a-1", Body: "second", Author: "bob", Created: t0.Add(time.Minute).Truncate(time.Millisecond)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Notes(alert, a-1) =\n %+v\nwant\n %+v", got, want)
	}

	if got, err := s.Notes(ctx, TargetGroup, "nothing"); err != nil || len(got) != 0 {
		t.Errorf("Notes on an unknown target = %v, %v; want none", got, err)
	}

	// A zero Created means now.
	before := time.Now().Add(-time.Second)
	if _, err := s.AddNote(ctx, Note{TargetKind: TargetGroup, TargetKey: "g", Body: "now"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Notes(ctx, TargetGroup, "g"); len(got) != 1 || got[0].Created.Before(before) {
		t.Errorf("zero Created stored as %v", got)
	}
}

func TestAddNoteRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	tests := []struct {
		name string
		note Note
	}{
		{"unknown kind", Note{TargetKind: "planet", TargetKey: "k", Body: "b"}},
		{"empty key", Note{TargetKind: TargetCase, TargetKey: "", Body: "b"}},
		{"empty body", Note{TargetKind: TargetCase, TargetKey: "k", Body: ""}},
		{"missing case", Note{CaseID: 42, TargetKind: TargetCase, TargetKey: "k", Body: "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.AddNote(ctx, tt.note); err == nil || !strings.HasPrefix(err.Error(), "casefile: add note:") {
				t.Errorf("AddNote(%+v) err = %v, want a casefile error", tt.note, err)
			}
		})
	}
	if got, _ := s.Notes(ctx, TargetCase, "k"); len(got) != 0 {
		t.Errorf("rejected notes were stored: %v", got)
	}
}

func TestNoteAttachedToCase(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var caseID int64
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO cases (title, created_at, updated_at) VALUES ('phish', 1, 1)`)
		if err != nil {
			return err
		}
		caseID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddNote(ctx, Note{CaseID: caseID, TargetKind: TargetCase, TargetKey: "phish", Body: "b"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Notes(ctx, TargetCase, "phish")
	if err != nil || len(got) != 1 || got[0].CaseID != caseID {
		t.Errorf("Notes = %+v, %v; want one note on case %d", got, err, caseID)
	}
}

func TestAlertStatusRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

	if _, ok, err := s.AlertStatus(ctx, "missing"); ok || err != nil {
		t.Errorf("AlertStatus(missing) ok=%v err=%v", ok, err)
	}

	steps := []AlertStatus{
		{AlertID: "uuid-1", Source: SourceElastic, Status: StatusOpen, Tags: nil, UpdatedAt: t0, UpdatedBy: "alice"},
		{AlertID: "uuid-1", Source: SourceElastic, Status: StatusAcknowledged, Tags: []string{"phishing", "vip"},
			UpdatedAt: t0.Add(time.Hour), UpdatedBy: "bob", PendingPush: true},
		{AlertID: "uuid-1", Source: SourceElastic, Status: StatusClosed, Tags: []string{"fp"},
			UpdatedAt: t0.Add(2 * time.Hour), UpdatedBy: "bob", PendingPush: false},
	}
	for _, a := range steps {
		if err := s.SetAlertStatus(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.AlertStatus(ctx, a.AlertID)
		if err != nil || !ok {
			t.Fatalf("AlertStatus: ok=%v err=%v", ok, err)
		}
		want := a
		if want.Tags == nil {
			want.Tags = []string{}
		}
		if got.AlertID != want.AlertID || got.Source != want.Source || got.Status != want.Status ||
			!slices.Equal(got.Tags, want.Tags) || !got.UpdatedAt.Equal(want.UpdatedAt) ||
			got.UpdatedBy != want.UpdatedBy || got.PendingPush != want.PendingPush {
			t.Errorf("AlertStatus =\n %+v\nwant\n %+v", got, want)
		}
	}

	var rows int
	s.reader.QueryRowContext(ctx, "SELECT count(*) FROM alert_status").Scan(&rows)
	if rows != 1 {
		t.Errorf("upsert left %d rows, want 1", rows)
	}

	bad := []AlertStatus{
		{AlertID: "x", Source: "splunk", Status: StatusOpen},
		{AlertID: "x", Source: SourceLocal, Status: "snoozed"},
		{AlertID: "", Source: SourceLocal, Status: StatusOpen},
	}
	for _, a := range bad {
		if err := s.SetAlertStatus(ctx, a); err == nil {
			t.Errorf("SetAlertStatus(%+v) accepted", a)
		}
	}
}

func TestChecklistRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

	items := []ChecklistItem{
		{DetectorID: "brute-force", ItemID: "2-block", TargetKey: "10.0.0.1", Checked: true, By: "alice", At: t0},
		{DetectorID: "brute-force", ItemID: "1-verify", TargetKey: "10.0.0.1", Checked: true, By: "alice", At: t0, Note: "confirmed"},
		{DetectorID: "brute-force", ItemID: "1-verify", TargetKey: "10.0.0.2", Checked: true, By: "bob", At: t0},
		{DetectorID: "other", ItemID: "1-verify", TargetKey: "10.0.0.1", Checked: true, By: "bob", At: t0},
		// Untick an item: the upsert replaces the earlier row.
		{DetectorID: "brute-force", ItemID: "2-block", TargetKey: "10.0.0.1", Checked: false, By: "bob", At: t0.Add(time.Minute), Note: "reverted"},
	}
	for _, c := range items {
		if err := s.SetChecklistItem(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ChecklistItems(ctx, "brute-force", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := []ChecklistItem{items[1], items[4]}
	if !slices.EqualFunc(got, want, func(a, b ChecklistItem) bool {
		return a.DetectorID == b.DetectorID && a.ItemID == b.ItemID && a.TargetKey == b.TargetKey &&
			a.Checked == b.Checked && a.By == b.By && a.At.Equal(b.At) && a.Note == b.Note
	}) {
		t.Errorf("ChecklistItems =\n %+v\nwant\n %+v", got, want)
	}

	if got, err := s.ChecklistItems(ctx, "brute-force", "unknown"); err != nil || len(got) != 0 {
		t.Errorf("ChecklistItems(unknown) = %v, %v", got, err)
	}
	if err := s.SetChecklistItem(ctx, ChecklistItem{DetectorID: "", ItemID: "i", TargetKey: "t"}); err == nil {
		t.Error("empty detector id accepted")
	}
}

func TestTooNewWhileAnotherStoreHasItOpen(t *testing.T) {
	// With a live -wal file the preflight reads through SQLite's WAL logic
	// instead of the immutable fast path; the answer must be the same.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.db")
	s := openTest(t, path)
	if _, err := s.writer.ExecContext(ctx, "PRAGMA user_version = 1000"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, path)
	if !errors.Is(err, ErrTooNew) || !strings.Contains(err.Error(), "1000") {
		t.Errorf("err = %v, want ErrTooNew mentioning version 1000", err)
	}
}
