package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"
)

// editPurpose says what a saved editor text becomes.
type editPurpose int

const (
	editNote         editPurpose = iota // a new note on the group
	editStepNote                        // the note of a checklist step
	editBulkNote                        // a note on the queue's selected groups (bulk.go)
	editCampaignNote                    // a note on a campaign and its members (bulk.go)
)

// editorModel is the multi-line editor for notes: ctrl+s saves, esc
// cancels (asking first when there is unsaved text). It holds the
// target so a save goes where it was opened.
type editorModel struct {
	ta      textarea.Model
	purpose editPurpose
	title   string
	target  string    // group key, for notes
	steps   []stepKey // for step notes: every detector's step it is on
	initial string
}

func newEditor(title string, purpose editPurpose, initial string, w, h int) editorModel {
	ta := textarea.New()
	ta.Placeholder = "Markdown: # heading, - bullet, `code`"
	ta.ShowLineNumbers = false
	ta.CharLimit = 0
	ta.MaxHeight = 0
	ta.SetValue(initial)
	ta.Focus()
	ta.Cursor.SetMode(cursor.CursorStatic)
	ta.Cursor.Style = cursorStyle()
	e := editorModel{ta: ta, purpose: purpose, title: title, initial: initial}
	e.setSize(w, h)
	return e
}

func (e *editorModel) setSize(w, h int) {
	e.ta.SetWidth(max(w-4, 10))
	e.ta.SetHeight(max(h-4, 3))
}

// dirty reports whether the editor holds text that was not saved.
func (e *editorModel) dirty() bool {
	return strings.TrimSpace(e.ta.Value()) != strings.TrimSpace(e.initial)
}

func (e editorModel) update(msg tea.Msg) (editorModel, tea.Cmd) {
	var cmd tea.Cmd
	e.ta, cmd = e.ta.Update(msg)
	return e, cmd
}

func (e editorModel) view(st *Styles, w, h int) string {
	head := st.Focused.Render(clip("» "+e.title, w))
	lines := []string{head, e.ta.View()}
	return joinLines(strings.Split(strings.Join(lines, "\n"), "\n"), h)
}
