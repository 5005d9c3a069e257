package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"picket/kql"
	"picket/triage"
)

// The filter input (/): a KQL query typed in the status line for the
// view in front. A query that does not parse keeps the old list and shows
// the error beside the input.

// filterable is a view with a filter: the queue and the group view.
type filterable interface {
	filterText() string
	setFilter(q string, match *kql.Query) tea.Cmd
}

// filterInput is the / modal: the text input, the error of the last
// enter, and the view the query is for.
type filterInput struct {
	ti  textinput.Model
	err string // escaped
	to  filterable
}

func newFilterInput() filterInput {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "KQL, e.g. source.ip:203.0.113.7 and severity:critical"
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Cursor.Style = cursorStyle()
	return filterInput{ti: in}
}

// openFilter opens the input on the front view's current filter.
func (m *model) openFilter() tea.Cmd {
	f, ok := m.front().(filterable)
	if !ok {
		return nil
	}
	m.modal = modalFilter
	m.input.to, m.input.err = f, ""
	m.input.ti.SetValue(f.filterText())
	m.input.ti.CursorEnd()
	m.input.ti.Width = max(m.width-4, 10)
	return m.input.ti.Focus()
}

// filterKey: enter applies the query (or shows why it cannot), esc
// closes the input, ctrl+c quits; the rest is typing.
func (m *model) filterKey(k tea.KeyMsg) tea.Cmd {
	in := &m.input
	switch k.String() {
	case "esc":
		m.modal = modalNone
		in.err = ""
		in.ti.Blur()
		return nil
	case "ctrl+c":
		return tea.Quit
	case "enter":
		q := strings.TrimSpace(in.ti.Value())
		var match *kql.Query
		if q != "" {
			var err error
			if match, err = kql.Parse(q); err != nil {
				in.err = triage.Escape(err.Error())
				return nil
			}
		}
		m.modal = modalNone
		in.err = ""
		in.ti.Blur()
		return in.to.setFilter(q, match)
	}
	var cmd tea.Cmd
	in.ti, cmd = in.ti.Update(k)
	in.err = ""
	return cmd
}

// line renders the input for the status line, the error beside it: the
// query keeps the width it needs, up to half the line; the error gets the
// rest.
func (in *filterInput) line(st *Styles, width int) string {
	line := inputView(in.ti)
	if in.err != "" {
		inW := min(lipgloss.Width(in.ti.Prompt+triage.Escape(in.ti.Value()))+2, max(width/2, 20))
		line = clip(line, inW) + "  " + st.Error.Render(clip("✗ "+in.err, max(width-inW-2, 1)))
	}
	return clip(line, width)
}

// inputView renders a text input, escaped when it holds characters that
// must not reach the terminal (pasted control or bidi characters): the
// escaped text is shown without the cursor then.
func inputView(ti textinput.Model) string {
	if v := ti.Value(); triage.Escape(v) != v {
		return ti.Prompt + triage.Escape(v)
	}
	return ti.View()
}
