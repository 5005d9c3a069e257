package ui

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/kql"
	"picket/triage"
)

// The analyst's actions: opening, the case-file writes behind n, space, s,
// e and a, copying, exporting, re-running, and the mouse. Each returns the
// command that does the slow part off the input loop.

// enter opens what is under the cursor: a group from the queue, a finding
// from the group; on a checklist step it runs the step's action.
func (m *model) enter() tea.Cmd {
	defer m.layout()
	switch m.view {
	case viewQueue:
		g, ok := m.queue.selected()
		if !ok {
			return nil
		}
		return m.openGroup(g)
	case viewGroup:
		if m.group.focus == paneChecklist {
			return m.runStep()
		}
		if m.group.focus != paneFindings {
			return nil
		}
		if f, ok := m.group.selected(); ok {
			m.view = viewEvent
			m.event.coll = m.opts.Collection
			m.event.open(f, m.lints)
		}
	}
	return nil
}

func (m *model) openGroup(g *triage.Group) tea.Cmd {
	// Reading a group's findings scans the collection: on a large one it
	// runs in a command and the view says it is loading.
	var fetch tea.Cmd
	// A group filter belongs to the group it was typed in: another group
	// opens unfiltered (the same group, reopened, keeps it).
	if m.group.group == nil || m.group.group.Key != g.Key {
		m.groupFilter, m.groupMatch = "", nil
	}
	if m.snap.findings+m.snap.hidden <= syncRows {
		m.group.open(g, m.opts.Collection.FindingsFor(g.Key))
	} else {
		m.group.open(g, nil)
		m.group.loading = true
		c, key := m.opts.Collection, g.Key
		fetch = func() tea.Msg { return groupFindingsMsg{key: key, findings: c.FindingsFor(key)} }
	}
	m.group.status = statusOr(m.status, g.Key)
	m.group.check.open(m.opts.Playbooks, g.Detectors)
	m.recomputeFindings()
	m.view = viewGroup
	m.layout()
	return tea.Batch(fetch, m.loadCase(g))
}

// groupLabel names a group for messages as the queue shows it: its
// source IP (or "(no source IP)") and user agent, escaped.
func groupLabel(k triage.GroupKey) string {
	return ipString(k) + " · " + uaCell(k.UserAgent)
}

// groupTarget is how the case file refers to a group.
func groupTarget(k triage.GroupKey) string { return k.String() }

// alertID is the workflow-status id of a group.
func alertID(k triage.GroupKey) string { return "group:" + k.String() }

// currentGroup is the group the analyst is working on: the open one, or
// the queue's selection.
func (m *model) currentGroup() (*triage.Group, bool) {
	if m.view != viewQueue && m.group.group != nil {
		return m.group.group, true
	}
	return m.queue.selected()
}

func (m *model) loadCase(g *triage.Group) tea.Cmd {
	store := m.opts.Store
	if store == nil {
		return nil
	}
	ctx, key, dets := m.ctx, g.Key, append([]string(nil), g.Detectors...)
	return func() tea.Msg {
		msg := caseMsg{key: key}
		notes, err := store.Notes(ctx, casefile.TargetGroup, groupTarget(key))
		msg.notes, msg.err = notes, err
		for _, d := range dets {
			items, err := store.ChecklistItems(ctx, d, groupTarget(key))
			if err != nil && msg.err == nil {
				msg.err = err
			}
			msg.items = append(msg.items, items...)
		}
		return msg
	}
}

// loadStatuses reads the statuses the queue needs and does not have: of
// every group when there are few, else of the rows on screen.
func (m *model) loadStatuses() tea.Cmd {
	store := m.opts.Store
	if store == nil || m.statusBusy {
		return nil
	}
	var keys []triage.GroupKey
	want := func(g *triage.Group) {
		if !m.statusAsked[g.Key] {
			m.statusAsked[g.Key] = true
			keys = append(keys, g.Key)
		}
	}
	if len(m.queue.rows) <= statusAll {
		for _, r := range m.queue.rows {
			want(r.g)
		}
	} else {
		s, e := m.queue.list.window()
		for _, r := range m.queue.rows[s:e] {
			want(r.g)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	m.statusBusy = true
	ctx := m.ctx
	return func() tea.Msg {
		out := statusesMsg{status: make(map[triage.GroupKey]string, len(keys))}
		for _, k := range keys {
			a, ok, err := store.AlertStatus(ctx, alertID(k))
			if err != nil {
				out.err = err
				continue
			}
			if ok {
				out.status[k] = a.Status
			}
		}
		return out
	}
}

var nextStatus = map[string]string{
	casefile.StatusOpen:         casefile.StatusAcknowledged,
	casefile.StatusAcknowledged: casefile.StatusClosed,
	casefile.StatusClosed:       casefile.StatusOpen,
}

// cycleStatus moves the current group open → acknowledged → closed → open
// and writes it to the case file.
func (m *model) cycleStatus() tea.Cmd {
	if cmd, ok := m.cycleAlert(); ok {
		return cmd
	}
	g, ok := m.currentGroup()
	if !ok {
		return nil
	}
	now := nextStatus[statusOr(m.status, g.Key)]
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
	return tea.Batch(func() tea.Msg { return savedMsg{what: what, err: store.SetAlertStatus(ctx, a)} }, wb)
}

// tick toggles the checklist step under the cursor.
func (m *model) tick() tea.Cmd {
	det, step, ok := m.group.check.selected()
	if !ok || m.group.group == nil {
		return nil
	}
	it := m.group.check.item(det, step.ID)
	it.DetectorID, it.ItemID, it.TargetKey = det, step.ID, groupTarget(m.group.group.Key)
	it.Checked = !it.Checked
	it.By, it.At = m.opts.Author, m.opts.Now()
	m.group.check.set(it)
	cmds := []tea.Cmd{m.saveStep(it, "ticked")}
	// Detectors sharing the list get the same tick, so each detector's
	// checklist in the case file tells the truth.
	for _, d := range m.group.check.sharing() {
		other := it
		other.DetectorID = d
		if prev := m.group.check.item(d, step.ID); prev.Note != "" {
			other.Note = prev.Note
		}
		m.group.check.set(other)
		cmds = append(cmds, m.saveStep(other, "ticked"))
	}
	return tea.Batch(cmds...)
}

func (m *model) saveStep(it casefile.ChecklistItem, verb string) tea.Cmd {
	store := m.opts.Store
	if store == nil {
		m.lastErr = "no case file: checklist ticks are not saved"
		return nil
	}
	if verb == "ticked" && !it.Checked {
		verb = "unticked"
	}
	ctx, what := m.ctx, verb+": "+clip(triage.Escape(it.ItemID), 40)
	return func() tea.Msg { return savedMsg{what: what, err: store.SetChecklistItem(ctx, it)} }
}

// newNote opens the editor: a step note in the checklist, else a note on
// the current group.
func (m *model) newNote() tea.Cmd {
	bodyH := m.bodyHeight()
	if m.view == viewGroup && m.group.focus == paneChecklist {
		det, step, ok := m.group.check.selected()
		if !ok {
			return nil
		}
		it := m.group.check.item(det, step.ID)
		m.editor = newEditor("Note on step: "+triage.Escape(step.Text), editStepNote, it.Note, m.width, bodyH)
		m.editor.step = stepKey{det, step.ID}
		m.editor.target = groupTarget(m.group.group.Key)
		m.modal = modalEditor
		return nil
	}
	g, ok := m.currentGroup()
	if !ok {
		return nil
	}
	m.editor = newEditor("New note on "+triage.Escape(ipString(g.Key))+" · "+clip(uaCell(g.Key.UserAgent), 40), editNote, "", m.width, bodyH)
	m.editor.target = groupTarget(g.Key)
	m.modal = modalEditor
	return nil
}

func (m *model) editorKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case keyIs(msg, m.keys.Save):
		return m, m.saveEditor()
	case keyIs(msg, m.keys.Cancel):
		if m.editor.dirty() {
			// Unsaved text: ask first, as ctrl+c does (y discards it).
			m.prevModal, m.modal = modalEditor, modalConfirm
			m.confirmQuit = false
			return m, nil
		}
		m.modal = modalNone
		m.info = "note closed"
		return m, nil
	case msg.String() == "ctrl+c":
		if m.editor.dirty() {
			m.confirmQuit = true
			m.prevModal, m.modal = modalEditor, modalConfirm
			return m, nil
		}
		return m, tea.Quit
	}
	var cmd tea.Cmd
	m.editor, cmd = m.editor.update(msg)
	return m, cmd
}

func (m *model) saveEditor() tea.Cmd {
	body := strings.TrimSpace(m.editor.ta.Value())
	e := m.editor
	m.modal = modalNone
	store := m.opts.Store
	switch e.purpose {
	case editStepNote:
		if m.group.group == nil || groupTarget(m.group.group.Key) != e.target {
			return nil
		}
		it := m.group.check.item(e.step.detector, e.step.item)
		it.DetectorID, it.ItemID, it.TargetKey = e.step.detector, e.step.item, e.target
		it.Note, it.By, it.At = body, m.opts.Author, m.opts.Now()
		m.group.check.set(it)
		cmds := []tea.Cmd{m.saveStep(it, "step note saved")}
		for _, d := range m.group.check.sharing() {
			other := m.group.check.item(d, e.step.item)
			other.DetectorID, other.ItemID, other.TargetKey = d, e.step.item, e.target
			other.Note, other.By, other.At = body, m.opts.Author, m.opts.Now()
			m.group.check.set(other)
			cmds = append(cmds, m.saveStep(other, "step note saved"))
		}
		return tea.Batch(cmds...)
	default:
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
		key := g.Key
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
}

func (m *model) filterKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.modal = modalNone
		m.inputErr = ""
		m.input.Blur()
		return m, nil
	case "ctrl+c":
		return m, tea.Quit
	case "enter":
		q := strings.TrimSpace(m.input.Value())
		var match *kql.Query
		if q != "" {
			var err error
			match, err = kql.Parse(q)
			if err != nil {
				// The old list stays; the error shows beside the input.
				m.inputErr = triage.Escape(err.Error())
				return m, nil
			}
		}
		m.modal = modalNone
		m.inputErr = ""
		m.input.Blur()
		if m.view == viewGroup {
			m.groupFilter, m.groupMatch = q, match
			m.recomputeFindings()
			return m, nil
		}
		m.queueFilter, m.queueMatch = q, match
		m.queue.list.setCursor(0)
		return m, m.recomputeRows()
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.inputErr = ""
	return m, cmd
}

// openException starts an exception from the selected field of an
// evidence event, or from the open group's source IP for the selected
// finding's detector.
func (m *model) openException() tea.Cmd {
	switch m.view {
	case viewEvent:
		r, ok := m.event.selectedField()
		if !ok {
			m.lastErr = "select a field with a value to make an exception from it"
			return nil
		}
		m.dialog = newExceptionDialog(m.event.finding.Detector, r.path, r.value)
	case viewGroup:
		f, ok := m.group.selected()
		if !ok {
			return nil
		}
		field, value := "user_agent.original", f.UserAgent
		if f.SourceIP.IsValid() {
			field, value = "source.ip", f.SourceIP.String()
		}
		m.dialog = newExceptionDialog(f.Detector, field, value)
	default:
		m.lastErr = "open a group or a finding to make an exception (a for an allowlist entry)"
		return nil
	}
	m.modal = modalDialog
	return m.preview()
}

// openAllow starts an allowlist entry for the current group.
func (m *model) openAllow() tea.Cmd {
	g, ok := m.currentGroup()
	if !ok {
		return nil
	}
	det := ""
	switch m.view {
	case viewEvent:
		det = m.event.finding.Detector
	case viewGroup:
		if f, ok := m.group.selected(); ok {
			det = f.Detector
		}
	}
	m.dialog = newAllowDialog(g.Key, det)
	m.modal = modalDialog
	return m.preview()
}

func (m *model) dialogKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case msg.String() == "ctrl+c":
		if m.dialog.dirty() {
			m.prevModal, m.modal, m.confirmQuit = modalDialog, modalConfirm, true
			return m, nil
		}
		return m, tea.Quit
	case keyIs(msg, m.keys.Cancel):
		m.modal = modalNone
		return m, nil
	case keyIs(msg, m.keys.Save) || (msg.String() == "enter" && m.dialog.focus >= dfReason):
		s, err := m.dialog.draft(m.opts.Author, m.opts.Now())
		if err != nil {
			m.dialog.err = err.Error()
			return m, nil
		}
		m.modal = modalNone
		store := m.opts.Suppressions
		if store == nil {
			return m, func() tea.Msg { return supSavedMsg{s: s} }
		}
		ctx := m.ctx
		return m, func() tea.Msg {
			var err error
			if s.a != nil {
				s.a.ID, err = store.AddAllowEntry(ctx, *s.a)
			} else {
				s.x.ID, err = store.AddException(ctx, *s.x)
			}
			return supSavedMsg{s: s, err: err}
		}
	}
	var changed bool
	m.dialog, changed = m.dialog.update(msg, m.keys)
	if changed {
		return m, m.preview()
	}
	return m, nil
}

// preview counts what the dialog's entry would suppress: at once for
// small collections, in a command for large ones.
func (m *model) preview() tea.Cmd {
	m.dialog.seq++
	s, err := m.dialog.draft(m.opts.Author, m.opts.Now())
	if err != nil {
		m.dialog.hits, m.dialog.groups = 0, 0
		return nil
	}
	c, now, seq := m.opts.Collection, m.opts.Now(), m.dialog.seq
	xs, allow := slices.Clone(m.xs), slices.Clone(m.allow)
	count := func() tea.Msg {
		fs := c.Findings()
		h, g := previewCount(fs, s, xs, allow, c, now)
		return previewMsg{seq: seq, hits: h, groups: g, total: len(fs)}
	}
	if m.snap.findings+m.snap.hidden <= syncRows {
		msg := count().(previewMsg)
		m.dialog.hits, m.dialog.groups, m.dialog.total = msg.hits, msg.groups, msg.total
		return nil
	}
	m.dialog.previewing = true
	return count
}

// copiedMsg reports a copy to the clipboard.
type copiedMsg struct {
	what string
	err  error
}

// copySelected copies the value under the cursor: a field's value, a
// note, a step, a finding's reason, or the group's source IP.
func (m *model) copySelected() tea.Cmd {
	var what, v string
	switch m.view {
	case viewEvent:
		if r, ok := m.event.selectedField(); ok {
			what, v = r.path, r.value
		}
	case viewGroup:
		switch m.group.focus {
		case paneChecklist:
			if _, s, ok := m.group.check.selected(); ok {
				// The step as written; a step with an action gets it on
				// a second line, and the label says so.
				what, v = "step text", s.Text
				if s.Action != nil {
					what, v = "step text and action", s.Text+"\n$ "+s.Action.String()
				}
			}
		case paneNotes:
			if n, ok := m.group.notes.selected(); ok {
				what, v = "note", n.Body
			}
		default:
			if f, ok := m.group.selected(); ok {
				what, v = "reason", f.Reason
			}
		}
	default:
		if g, ok := m.queue.selected(); ok {
			what, v = "source ip", ipString(g.Key)
		}
	}
	if v == "" {
		return nil
	}
	cp := m.opts.Copy
	if cp == nil {
		m.lastErr = "no clipboard"
		return nil
	}
	what = triage.Escape(what) + " (" + strconv.Itoa(len(v)) + " bytes)"
	return func() tea.Msg { return copiedMsg{what: what, err: cp(v)} }
}

func (m *model) export() tea.Cmd {
	ex := m.opts.Exporter
	if ex == nil {
		m.lastErr = "export is not available in this build"
		return nil
	}
	ctx := m.ctx
	m.info = "exporting…"
	return func() tea.Msg {
		where, err := ex.Export(ctx)
		return exportedMsg{where: where, err: err}
	}
}

// rerun starts the detectors afresh. The filter, sort and the cursor's
// group are kept.
func (m *model) rerun() tea.Cmd {
	if m.opts.Rerun == nil {
		m.lastErr = "re-run is not available for this source"
		return nil
	}
	if m.loading {
		m.info = "already loading"
		return nil
	}
	run := m.opts.Rerun()
	if run.Collection == nil || run.Start == nil {
		m.lastErr = "re-run is not available for this source"
		return nil
	}
	m.gen++
	m.opts.Collection, m.opts.Start, m.opts.Lints, m.opts.Spike = run.Collection, run.Start, run.Lints, run.Spike
	m.event.coll = run.Collection
	m.sup = newSuppressor(m.xs, m.allow, m.opts.Now(), run.Collection)
	m.loading, m.startErr = true, nil
	m.queue.moved = m.queue.moved || m.queue.list.cursor > 0
	m.info = "re-running detectors…"
	m.rerunning, m.rerunSeq = true, 0
	return tea.Batch(m.startCmd(run.Start), tick(m.gen))
}

func (m *model) loadSuppressions() tea.Cmd {
	store := m.opts.Suppressions
	if store == nil {
		return nil
	}
	ctx, now := m.ctx, m.opts.Now()
	return func() tea.Msg {
		xs, err := store.Exceptions(ctx, casefile.ExceptionFilter{ActiveAt: now})
		allow, err2 := store.Allowlist(ctx, now)
		return supsMsg{xs: xs, allow: allow, err: errors.Join(err, err2)}
	}
}

// handleMouse scrolls with the wheel and selects with a click; a click on
// the selected row opens it.
func (m *model) handleMouse(msg tea.MouseMsg) (tea.Model, tea.Cmd) {
	if m.modal != modalNone {
		return m, nil
	}
	ev := tea.MouseEvent(msg)
	switch ev.Button {
	case tea.MouseButtonWheelUp:
		return m.handleKey(tea.KeyMsg{Type: tea.KeyUp})
	case tea.MouseButtonWheelDown:
		return m.handleKey(tea.KeyMsg{Type: tea.KeyDown})
	case tea.MouseButtonLeft:
		if ev.Action != tea.MouseActionPress {
			return m, nil
		}
	default:
		return m, nil
	}
	switch m.view {
	case viewQueue:
		// Line 0 is the header, 1 the column titles.
		i := m.queue.list.offset + ev.Y - 2
		if ev.Y < 2 || i >= len(m.queue.rows) {
			return m, nil
		}
		if i == m.queue.list.cursor {
			return m, m.enter()
		}
		m.queue.list.setCursor(i)
		m.queue.moved = true
		return m, m.loadStatuses()
	case viewGroup:
		lw := m.width
		if m.group.wide() {
			lw, _, _, _ = m.group.split(0)
		}
		top := 1 + groupSummaryLines + 1
		i := m.group.list.offset + ev.Y - top
		if ev.X >= lw || ev.Y < top || i >= len(m.group.rows) || ev.Y-top >= m.group.list.height {
			return m, nil
		}
		m.group.focus = paneFindings
		if i == m.group.list.cursor {
			return m, m.enter()
		}
		m.group.list.setCursor(i)
	}
	return m, nil
}
