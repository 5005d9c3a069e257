package ui

import (
	"strconv"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// copiedMsg reports a copy to the clipboard.
type copiedMsg struct {
	what string
	err  error
}

// copyValue puts v on the clipboard (y).
func (a *app) copyValue(what, v string) tea.Cmd {
	if v == "" {
		return nil
	}
	cp := a.opts.Copy
	if cp == nil {
		a.lastErr = "no clipboard"
		return nil
	}
	safe := v
	what = triage.Escape(what) + " (" + strconv.Itoa(len(safe)) + " bytes)"
	return func() tea.Msg { return copiedMsg{what: what, err: cp(safe)} }
}
