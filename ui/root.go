package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"picket/kql"
	"picket/triage"
)

// viewID names a view, and the non-view parts replies are addressed to.
type viewID int

const (
	viewQueue viewID = iota
	viewGroup
	viewEvent
	viewSpike
	viewRules  // R (rules.go)
	viewRoot   // replies only: the root's own requests
	viewDialog // replies only: the suppression dialog
	viewSupps  // E (suppressions.go)
)

// modalKind is what holds the keys ahead of the view.
type modalKind int

const (
	modalNone modalKind = iota
	modalFilter
	modalEditor
	modalDialog
	modalConfirm
	modalRegroup // the group-by picker (regroup.go)
	modalBulk    // a bulk action's confirmation or form (bulk.go)
)

// view is one screen of the console. The root gives it the keys while it
// is in front; it claims the keys it answers to and leaves the others
// (the global ones, and the shared actions of shared.go) to the root.
type view interface {
	handleKey(k tea.KeyMsg) (tea.Cmd, bool)
	View() string
	setSize(w, h int)
	// position is the cursor's place for the status line: "3/120".
	position() string
}

// navigator is how a view asks the root to change what is in front: the
// root owns focus, and every move goes through it.
type navigator interface {
	// openGroup shows a group, its findings loading in a command on a
	// large collection.
	openGroup(g *triage.Group) tea.Cmd
	// openFinding shows a finding's evidence.
	openFinding(f triage.Finding)
	// show brings a view to the front.
	show(v viewID)
	// back leaves the histogram for where it was opened.
	back()
	// openDialog puts the suppression dialog in front and counts what it
	// would suppress.
	openDialog(d dialogModel) tea.Cmd
	// filterQueue shows the queue filtered by a query.
	filterQueue(q string, match *kql.Query) tea.Cmd
	// openRegroup puts the group-by picker in front.
	openRegroup() tea.Cmd
	// toggleFold folds campaigns, or stops folding them.
	toggleFold() tea.Cmd
}

// model is the root: it owns the views and the modals, routes keys to
// whichever is in front and replies to whoever asked, and draws the
// header, status line and help around the view.
type model struct {
	*app
	help help.Model

	width, height int

	view     viewID
	backView viewID // where esc goes from the histogram
	queue    *queueModel
	group    *groupModel
	event    *eventModel
	spike    *spikeModel
	rules    *rulesModel
	supps    *suppsModel // made on the first E

	modal     modalKind
	prevModal modalKind // the modal a confirmation interrupted
	// confirmQuit: the confirmation asks to quit (ctrl+c); else to
	// discard the editor's unsaved text (esc).
	confirmQuit bool
	input       filterInput
	editor      editorModel
	dialog      dialogModel
	picker      regroupModel
	bulk        bulkModel

	// rerunning is set from r until the re-run's last refresh, rerunGen
	// that refresh's request: it reports the re-run done with its count.
	rerunning bool
	rerunGen  uint64

	load loadState // the load's progress bar (progress.go)
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	return m, m.update(msg)
}

// update routes a message: keys and the mouse to what is in front,
// replies to whoever asked (if still wanted), the others to their
// handler. Every case is one call.
func (m *model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return nil
	case tea.KeyMsg:
		m.info = ""
		// An error is about the view it was raised in: a key that moves
		// to another view drops it, unless that key raised it.
		view, err := m.view, m.lastErr
		defer func() {
			if m.view != view && m.lastErr == err {
				m.lastErr = ""
			}
		}()
		if ks := m.burst(msg); ks != nil {
			cmds := make([]tea.Cmd, 0, len(ks))
			for _, k := range ks {
				cmds = append(cmds, relayout(m, m.handleKey, k))
			}
			return tea.Batch(cmds...)
		}
		return relayout(m, m.handleKey, msg)
	case tea.MouseMsg:
		return relayout(m, m.handleMouse, msg)
	case reply:
		if !m.req.deliver(msg) {
			return nil
		}
		return m.route(msg)
	case statusesMsg:
		return m.onStatuses(msg)
	case savedMsg:
		m.onSaved(msg.what, msg.err)
		return nil
	case statusSavedMsg:
		return m.onStatusSaved(msg)
	case noteSavedMsg:
		m.onNoteSaved(msg)
		return nil
	case supsMsg:
		return m.onSuppressions(msg)
	case supSavedMsg:
		return m.onSuppressionSaved(msg)
	case supRemovedMsg:
		return m.onSuppressionRemoved(msg)
	case exportedMsg:
		m.onSaved("exported to "+triage.Escape(msg.where), msg.err)
		return nil
	case copiedMsg:
		m.onSaved("copied "+msg.what, msg.err)
		return nil
	case alertsPulledMsg:
		return m.onAlertsPulled(msg)
	case alertsWrittenMsg:
		m.onSaved(msg.what, msg.err)
		return nil
	}
	// Anything else (cursor blinks) goes to an open editor.
	if m.modal == modalEditor {
		var cmd tea.Cmd
		m.editor, cmd = m.editor.update(msg)
		return cmd
	}
	return nil
}

// burst splits a burst of letters into its keys. Fast typing, key repeat,
// a paste and keys over SSH reach bubbletea v1 as one KeyRunes message
// with several runes; outside a text input each is a key of its own and
// acts in order (a key that opens an input, like /, gives it the rest).
// nil: msg is one key, or a text input takes it whole.
func (m *model) burst(msg tea.KeyMsg) []tea.KeyMsg {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 || msg.Alt || m.typing() {
		return nil
	}
	out := make([]tea.KeyMsg, len(msg.Runes))
	for i, r := range msg.Runes {
		out[i] = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
		if r == ' ' {
			out[i].Type = tea.KeySpace
		}
	}
	return out
}

// typing reports whether a text input has the keys.
func (m *model) typing() bool {
	switch m.modal {
	case modalFilter, modalEditor, modalDialog:
		return true
	case modalRegroup:
		return m.picker.onInput()
	case modalBulk:
		return m.bulk.form()
	}
	return false
}

// relayout runs an input handler and lays the views out again when what
// it did changes the help under the view (another view, pane or modal,
// the full help), whose height the views' sizes depend on.
func relayout[M tea.Msg](m *model, handle func(M) tea.Cmd, msg M) tea.Cmd {
	before, all := m.helpKeys(), m.help.ShowAll
	cmd := handle(msg)
	if m.helpKeys() != before || m.help.ShowAll != all {
		m.layout()
	}
	return cmd
}

// route hands a wanted reply to the part that asked.
func (m *model) route(r reply) tea.Cmd {
	switch r.to.to {
	case viewQueue:
		return m.queue.onReply(r.msg)
	case viewGroup:
		return m.group.onReply(r.msg)
	case viewRules:
		m.rules.onReply(r.msg)
		return nil
	case viewSupps:
		m.supps.onReply(r.msg)
		return nil
	case viewDialog:
		switch {
		case r.to == bulkPreviewAddr && m.modal == modalBulk:
			m.bulk.onPreview(r.msg)
		case r.to == previewAddr && m.modal == modalDialog:
			m.dialog.onPreview(r.msg)
		}
		return nil
	}
	switch r.to.topic {
	case topicRun:
		return m.onRun(r.msg)
	case topicSnapshot:
		msg, _ := r.msg.(refreshMsg)
		return m.onSnapshot(r.gen, msg)
	case topicVerdicts:
		msg, _ := r.msg.(alertsJudgedMsg)
		return m.onVerdicts(msg)
	case topicFields:
		msg, _ := r.msg.(fieldsMsg)
		return m.onFields(msg)
	case topicBulk:
		msg, _ := r.msg.(bulkDoneMsg)
		return m.onBulkDone(msg)
	}
	return nil
}

// onSaved reports a write or a copy: what was done, or why it failed.
func (m *model) onSaved(what string, err error) {
	if err != nil {
		m.setErr(err)
		return
	}
	m.info = what
}

// front is the view in front.
func (m *model) front() view {
	switch m.view {
	case viewGroup:
		return m.group
	case viewEvent:
		return m.event
	case viewSpike:
		return m.spike
	case viewRules:
		return m.rules
	case viewSupps:
		return m.supps
	}
	return m.queue
}

// handleKey gives a key to the modal in front, else to the view, then to
// the global keys and the shared actions.
func (m *model) handleKey(k tea.KeyMsg) tea.Cmd {
	switch m.modal {
	case modalConfirm:
		return m.confirmKey(k)
	case modalEditor:
		return m.editorKey(k)
	case modalDialog:
		return m.dialogKey(k)
	case modalFilter:
		return m.filterKey(k)
	case modalRegroup:
		return m.regroupKey(k)
	case modalBulk:
		return m.bulkKey(k)
	}
	if keyIs(k, m.keys.Back) {
		m.lastErr = ""
	}
	if cmd, ok := m.front().handleKey(k); ok {
		return cmd
	}
	if cmd, ok := m.globalKey(k); ok {
		return cmd
	}
	return m.sharedKey(k)
}

// isGlobal reports the keys that work in every view: views leave them
// to the root.
func isGlobal(k tea.KeyMsg, km *keyMap) bool {
	return keyIs(k, km.Quit) || keyIs(k, km.Help) || keyIs(k, km.Rerun) || keyIs(k, km.Export) ||
		keyIs(k, km.Histogram) || keyIs(k, km.Rules) || keyIs(k, km.Supps)
}

// globalKey handles the keys that work in every view.
func (m *model) globalKey(k tea.KeyMsg) (tea.Cmd, bool) {
	km := m.keys
	switch {
	case keyIs(k, km.Quit):
		return tea.Quit, true
	case keyIs(k, km.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.layout()
	case keyIs(k, km.Rules):
		return m.openRules(), true
	case keyIs(k, km.Supps):
		return m.openSupps(), true
	case keyIs(k, km.Histogram):
		if m.view == viewSpike {
			m.back()
		} else {
			m.backView = m.view
			m.show(viewSpike)
		}
	case keyIs(k, km.Rerun):
		return m.rerun(), true
	case keyIs(k, km.Export):
		return m.export(), true
	default:
		return nil, false
	}
	return nil, true
}

// confirmKey answers the confirmation: y quits or discards the note, n
// goes back to what it interrupted.
func (m *model) confirmKey(k tea.KeyMsg) tea.Cmd {
	switch {
	case keyIs(k, m.keys.Yes):
		if m.confirmQuit {
			return tea.Quit
		}
		m.modal = modalNone
		m.info = "note discarded"
	case keyIs(k, m.keys.No):
		m.modal = m.prevModal
	}
	return nil
}

// handleMouse scrolls with the wheel and gives a click to the view.
func (m *model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	if m.modal != modalNone {
		return nil
	}
	ev := tea.MouseEvent(msg)
	switch {
	case ev.Button == tea.MouseButtonWheelUp:
		return m.handleKey(tea.KeyMsg{Type: tea.KeyUp})
	case ev.Button == tea.MouseButtonWheelDown:
		return m.handleKey(tea.KeyMsg{Type: tea.KeyDown})
	case ev.Button != tea.MouseButtonLeft || ev.Action != tea.MouseActionPress:
		return nil
	}
	if c, ok := m.front().(interface{ click(x, y int) tea.Cmd }); ok {
		return c.click(ev.X, ev.Y)
	}
	return nil
}

// The navigator: every change of what is in front.

func (m *model) show(v viewID) {
	m.view = v
	m.layout()
}

func (m *model) back() { m.show(m.backView) }

func (m *model) openGroup(g *triage.Group) tea.Cmd {
	cmd := m.group.open(g)
	m.show(viewGroup)
	return cmd
}

func (m *model) openFinding(f triage.Finding) {
	m.event.open(f)
	m.show(viewEvent)
}

func (m *model) openDialog(d dialogModel) tea.Cmd {
	m.dialog = d
	m.modal = modalDialog
	return m.preview()
}

func (m *model) filterQueue(q string, match *kql.Query) tea.Cmd {
	m.show(viewQueue)
	return m.queue.setFilter(q, match)
}

// openRules shows the rules view and counts the run's findings per
// detector in a command.
func (m *model) openRules() tea.Cmd {
	if m.view != viewRules {
		m.rules.back = m.view
	}
	m.rules.detail = false
	m.rules.setLints(m.lints)
	m.rules.build()
	m.show(viewRules)
	return m.rules.count()
}

// layout gives the views their sizes.
func (m *model) layout() {
	h := m.bodyHeight()
	m.queue.setSize(m.width, h)
	m.group.setSize(m.width, h)
	m.event.setSize(m.width, h)
	m.spike.setSize(m.width, h)
	m.rules.setSize(m.width, h)
	m.supps.setSize(m.width, h)
	if m.modal == modalEditor {
		m.editor.setSize(m.width, h)
	}
}

func (m *model) View() string {
	if m.width < 20 || m.height < 5 {
		return "terminal too small"
	}
	h := m.bodyHeight()
	var body string
	switch {
	case m.modal == modalEditor || (m.modal == modalConfirm && m.prevModal == modalEditor):
		body = m.editor.view(m.st, m.width, h)
	case m.modal == modalDialog || (m.modal == modalConfirm && m.prevModal == modalDialog):
		d := m.dialog.view(m.st, min(m.width, 90))
		body = joinLines(strings.Split(lipgloss.Place(m.width, h, lipgloss.Center, lipgloss.Center, d), "\n"), h)
	case m.modal == modalRegroup:
		d := m.picker.view(m.st, min(m.width, 90))
		body = joinLines(strings.Split(lipgloss.Place(m.width, h, lipgloss.Center, lipgloss.Center, d), "\n"), h)
	case m.modal == modalBulk && m.bulk.form():
		d := m.bulk.view(m.st, min(m.width, 90))
		body = joinLines(strings.Split(lipgloss.Place(m.width, h, lipgloss.Center, lipgloss.Center, d), "\n"), h)
	default:
		body = m.front().View()
	}
	out := m.header() + "\n" + body + "\n" + m.statusLine()
	if hv := m.helpView(); hv != "" {
		out += "\n" + hv
	}
	return out
}
