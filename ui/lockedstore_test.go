package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"picket/casefile"
	"picket/triage"
)

// lockedStore refuses every write, as a case file another writer holds.
type lockedStore struct{ *memStore }

var errLocked = errors.New("casefile: case file is locked by another writer")

func (s lockedStore) SetAlertStatus(context.Context, casefile.AlertStatus) error { return errLocked }
func (s lockedStore) AddNote(context.Context, casefile.Note) (int64, error)      { return 0, errLocked }

// TestRefusedWritesLoseNothing: with the case file locked, a status shows
// as it was and a note's text comes back in the editor, then again on the
// next n, instead of being dropped.
func TestRefusedWritesLoseNothing(t *testing.T) {
	o := testOptions(t, nil)
	store := lockedStore{newMemStore()}
	o.Store = store
	m := consoleAt(t, o, 120, 30)
	g, _ := m.queue.selected()
	keys(m, "s")
	if st := statusOr(m.status, g.Key); st != casefile.StatusOpen {
		t.Errorf("status shown %s after a refused write, want open", st)
	}
	if !strings.Contains(m.lastErr, "status not saved, open again") {
		t.Errorf("error: %q", m.lastErr)
	}

	keys(m, "n")
	typeText(m, "seen from the VPN range")
	keys(m, "ctrl+s")
	if m.modal != modalEditor || m.editor.ta.Value() != "seen from the VPN range" {
		t.Fatalf("after the refused save: modal %d, text %q", m.modal, m.editor.ta.Value())
	}
	if !strings.Contains(m.lastErr, "note not saved, its text is kept") {
		t.Errorf("error: %q", m.lastErr)
	}
	keys(m, "esc", "y") // leave it: the draft stays for the next n
	keys(m, "n")
	if m.modal != modalEditor || m.editor.ta.Value() != "seen from the VPN range" {
		t.Errorf("n again: modal %d, text %q", m.modal, m.editor.ta.Value())
	}
}

// TestTwoRefusedStatusesShowTheCaseFile: two status writes refused in a
// row leave the group showing what the case file holds.
func TestTwoRefusedStatusesShowTheCaseFile(t *testing.T) {
	o := testOptions(t, nil)
	mem := newMemStore()
	store := lockedStore{mem}
	o.Store = store
	m := consoleAt(t, o, 120, 30)
	g, _ := m.queue.selected()
	mem.status[alertID(g.Key)] = casefile.AlertStatus{AlertID: alertID(g.Key), Status: casefile.StatusClosed}
	m.setStatusMap(map[triage.GroupKey]string{g.Key: casefile.StatusClosed})
	first, second := m.cycleStatus(), m.cycleStatus() // closed → open → acknowledged, both in flight
	runCmd(m, first, 0)
	runCmd(m, second, 0)
	if st := statusOr(m.status, g.Key); st != casefile.StatusClosed {
		t.Errorf("shows %s after two refused writes; the case file holds closed", st)
	}
}
