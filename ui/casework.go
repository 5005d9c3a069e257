package ui

import (
	"maps"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/triage"
)

// Case-file work that spans views: workflow statuses (s), notes (n) and
// the note editor. Checklist ticks are the group view's (group.go).

// Messages of the case file.
type (
	// statusesMsg carries workflow statuses read from the case file.
	statusesMsg struct {
		status map[triage.GroupKey]string
		err    error
	}
	// savedMsg reports a case-file write.
	savedMsg struct {
		what string
		err  error
	}
	// noteSavedMsg reports a stored note.
	noteSavedMsg struct {
		key  triage.GroupKey
		note casefile.Note
		err  error
	}
)

// groupLabel names a group for messages as the queue shows it: its
// source IP (or "(no source IP)") and user agent, escaped.
func groupLabel(k triage.GroupKey) string { return keyLabel(k) }

// groupTarget is how the case file refers to a group.
func groupTarget(k triage.GroupKey) string { return k.String() }

// alertID is the workflow-status id of a group.
func alertID(k triage.GroupKey) string { return "group:" + k.String() }

func statusOr(m map[triage.GroupKey]string, k triage.GroupKey) string {
	if s, ok := m[k]; ok {
		return s
	}
	return casefile.StatusOpen
}

var nextStatus = map[string]string{
	casefile.StatusOpen:         casefile.StatusAcknowledged,
	casefile.StatusAcknowledged: casefile.StatusClosed,
	casefile.StatusClosed:       casefile.StatusOpen,
}

// onStatuses merges statuses read from the case file and asks for those
// of rows that came into view meanwhile.
func (m *model) onStatuses(msg statusesMsg) tea.Cmd {
	m.statusBusy = false
	if msg.err != nil {
		m.setErr(msg.err)
	}
	if len(msg.status) > 0 {
		st := maps.Clone(m.status)
		maps.Copy(st, msg.status)
		m.setStatusMap(st)
	}
	return m.queue.loadStatuses()
}

// setStatusMap replaces the statuses (a new map: commands may read the
// old one) and redraws the queue's status column.
func (m *model) setStatusMap(st map[triage.GroupKey]string) {
	m.status = st
	m.queue.invalidate()
}

// cycleStatus moves the pulled alert under the cursor, else the current
// group, open → acknowledged → closed → open and writes it to the case
// file.
func (m *model) cycleStatus() tea.Cmd {
	if cmd, ok := m.cycleAlert(); ok {
		return cmd
	}
	if gs, ok := m.selection(); ok {
		return m.bulkStatus(gs)
	}
	g, ok := m.currentGroup()
	if !ok {
		return nil
	}
	was := statusOr(m.status, g.Key)
	now := nextStatus[was]
	if g.Campaign != nil {
		return m.applyBulk(bulkModel{kind: bulkStatus, groups: []*triage.Group{g}}, now)
	}
	st := maps.Clone(m.status)
	st[g.Key] = now
	m.statusAsked[g.Key] = true
	m.setStatusMap(st)
	what := "status " + now + ": " + clip(groupLabel(g.Key), 50)
	wb := m.writeBackGroup(g.Key, now) // the group's pulled alerts, if any
	store := m.opts.Store
	if store == nil {
		m.lastErr = "no case file: the status is not saved"
		return wb
	}
	ctx, a := m.ctx, casefile.AlertStatus{AlertID: alertID(g.Key), Source: casefile.SourceLocal, Status: now,
		UpdatedAt: m.opts.Now(), UpdatedBy: m.opts.Author}
	key := g.Key
	return tea.Batch(func() tea.Msg {
		err := store.SetAlertStatus(ctx, a)
		return statusSavedMsg{savedMsg: savedMsg{what: what, err: err}, key: key, status: now, was: was}
	}, wb)
}

// statusSavedMsg reports a group's status write: on failure the status
// shown goes back to what the case file holds.
type statusSavedMsg struct {
	savedMsg
	key         triage.GroupKey
	status, was string
}

func (m *model) onStatusSaved(msg statusSavedMsg) tea.Cmd {
	m.onSaved(msg.what, msg.err)
	if msg.err == nil {
		return nil
	}
	if statusOr(m.status, msg.key) == msg.status {
		st := maps.Clone(m.status)
		st[msg.key] = msg.was
		m.setStatusMap(st)
	}
	m.lastErr = "status not saved, " + msg.was + " again: " + m.lastErr
	// Then what the case file holds, which two refused writes in a row
	// would otherwise get wrong.
	delete(m.statusAsked, msg.key)
	return m.queue.loadStatuses()
}

// newNote opens the editor: a step note in the checklist, else a note on
// the current group.
func (m *model) newNote() tea.Cmd {
	bodyH := m.bodyHeight()
	if m.view == viewGroup && m.group.focus == paneChecklist {
		s, ok := m.group.check.selectedStep()
		if !ok {
			return nil
		}
		title := "Note on step: " + triage.Escape(s.Item.Text)
		if len(s.keys) > 1 {
			title = "Note on step (" + shortDetectors(s.Detectors()) + "): " + triage.Escape(s.Item.Text)
		}
		m.editor = newEditor(title, editStepNote, m.group.check.merged(s).Note, m.width, bodyH)
		m.editor.steps = slices.Clone(s.keys)
		m.editor.target = groupTarget(m.group.group.Key)
		m.modal = modalEditor
		return nil
	}
	if gs, ok := m.selection(); ok {
		m.bulkNoteEditor(gs)
		return nil
	}
	g, ok := m.currentGroup()
	if !ok {
		return nil
	}
	if g.Campaign != nil {
		m.campaignNoteEditor(g)
		return nil
	}
	m.groupNoteEditor(g)
	return nil
}

// groupNoteEditor opens the editor for a new note on g, holding the text
// of a note on g the case file refused, if any.
func (m *model) groupNoteEditor(g *triage.Group) {
	bodyH := m.bodyHeight()
	title := triage.Escape(ipString(g.Key)) + " · " + clip(uaCell(g.Key.UserAgent), 40)
	if !g.Key.Default() {
		title = clip(keyLabel(g.Key), 60)
	}
	m.editor = newEditor("New note on "+title, editNote, "", m.width, bodyH)
	m.editor.target = groupTarget(g.Key)
	if d := m.noteDrafts[m.editor.target]; d != "" {
		m.editor.ta.SetValue(d) // a note the case file refused: not saved yet
	}
	m.modal = modalEditor
}

// editorKey: ctrl+s saves, esc closes (asking first when there is
// unsaved text, as ctrl+c does); the rest is typing.
func (m *model) editorKey(k tea.KeyMsg) tea.Cmd {
	switch {
	case keyIs(k, m.keys.Save):
		return m.saveEditor()
	case keyIs(k, m.keys.Cancel):
		if m.editor.dirty() {
			m.prevModal, m.modal, m.confirmQuit = modalEditor, modalConfirm, false
			return nil
		}
		m.modal = modalNone
		m.info = "note closed"
		return nil
	case k.String() == "ctrl+c":
		if m.editor.dirty() {
			m.prevModal, m.modal, m.confirmQuit = modalEditor, modalConfirm, true
			return nil
		}
		return tea.Quit
	}
	var cmd tea.Cmd
	m.editor, cmd = m.editor.update(k)
	return cmd
}

// saveEditor saves the editor's text where it was opened: a step note,
// or a new note on the group.
func (m *model) saveEditor() tea.Cmd {
	body := strings.TrimSpace(m.editor.ta.Value())
	e := m.editor
	m.modal = modalNone
	if e.purpose == editStepNote {
		return m.group.saveStepNote(e.target, e.steps, body)
	}
	if e.purpose == editBulkNote || e.purpose == editCampaignNote {
		return m.saveBulkNote(body, e.purpose == editBulkNote)
	}
	if body == "" {
		m.info = "empty note not saved"
		return nil
	}
	g, ok := m.currentGroup()
	if !ok || groupTarget(g.Key) != e.target {
		return nil
	}
	if m.view == viewGroup {
		m.group.panel = paneNotes
	}
	n := casefile.Note{TargetKind: casefile.TargetGroup, TargetKey: e.target, Body: body,
		Author: m.opts.Author, Created: m.opts.Now().UTC().Truncate(time.Millisecond)}
	key, store := g.Key, m.opts.Store
	if store == nil {
		m.lastErr = "no case file: the note is kept for this session only"
		return func() tea.Msg { return noteSavedMsg{key: key, note: n} }
	}
	ctx := m.ctx
	return func() tea.Msg {
		id, err := store.AddNote(ctx, n)
		n.ID = id
		return noteSavedMsg{key: key, note: n, err: err}
	}
}

func (m *model) onNoteSaved(msg noteSavedMsg) {
	target := msg.note.TargetKey
	if msg.err != nil {
		// Nothing typed is lost: the text waits for the next n on the
		// group, and comes back at once when nothing else is open.
		if m.noteDrafts == nil {
			m.noteDrafts = map[string]string{}
		}
		m.noteDrafts[target] = msg.note.Body
		m.setErr(msg.err)
		m.lastErr = "note not saved, its text is kept (n on the group brings it back): " + m.lastErr
		if m.modal == modalNone {
			if g, ok := m.currentGroup(); ok && g.Campaign == nil && groupTarget(g.Key) == target {
				m.groupNoteEditor(g)
			}
		}
		return
	}
	delete(m.noteDrafts, target)
	m.info = "note saved: " + clip(noteTitle(msg.note.Body), 40)
	if m.group.showing(msg.key) {
		m.group.notes.add(msg.note)
	}
}
