package ui

import (
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// copiedMsg reports a copy to the clipboard.
type copiedMsg struct {
	what string
	err  error
}

// copyValue puts v on the clipboard (y). What is copied is what the
// screen shows: every line escaped with triage.Escape, the line breaks
// kept. Attackers write user agents, fields and reasons; raw control
// characters on the clipboard would run when pasted into a terminal
// (paste-jacking: an escape ending bracketed paste, a carriage return).
func (a *app) copyValue(what, v string) tea.Cmd {
	if v == "" {
		return nil
	}
	cp := a.opts.Copy
	if cp == nil {
		a.lastErr = "no clipboard"
		return nil
	}
	safe := clipboardText(v)
	what = triage.Escape(what) + " (" + strconv.Itoa(len(safe)) + " bytes)"
	return func() tea.Msg { return copiedMsg{what: what, err: cp(safe)} }
}

// clipboardText escapes each line of s, keeping the line breaks.
func clipboardText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = triage.Escape(l)
	}
	return strings.Join(lines, "\n")
}
