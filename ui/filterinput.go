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
// view in front. A query that does not parse, or that names a field the
// console cannot know (not an ECS field, not a group or finding field,
// and in none of the kept events), keeps the old list and shows the error
// beside the input.

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
	// checking is set while the query's unknown fields are looked for in
	// the kept events; q and match are the query waiting for the answer.
	checking bool
	q        string
	match    *kql.Query
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
		in.err, in.checking = "", false
		m.req.issue(fieldsAddr) // a search for its fields no longer matters
		in.ti.Blur()
		return nil
	case "ctrl+c":
		return tea.Quit
	case "enter":
		if in.checking {
			return nil
		}
		q := strings.TrimSpace(in.ti.Value())
		var match *kql.Query
		if q != "" {
			var err error
			if match, err = kql.Parse(q); err != nil {
				in.err = triage.Escape(err.Error())
				return nil
			}
		}
		in.q, in.match = q, match
		var ask []string
		if match != nil {
			for _, f := range queryFields(match) {
				if !knownField(f) {
					ask = append(ask, f)
				}
			}
		}
		if len(ask) == 0 {
			return m.applyFilter()
		}
		c := m.opts.Collection
		if c.EventCount() <= syncRows {
			m.req.issue(fieldsAddr)
			return m.onFilterFields(checkFields(c, ask))
		}
		in.checking, in.err = true, ""
		return m.req.ask(fieldsAddr, func() tea.Msg { return checkFields(c, ask) })
	}
	if in.checking {
		return nil
	}
	var cmd tea.Cmd
	in.ti, cmd = in.ti.Update(k)
	in.err = ""
	return cmd
}

// applyFilter closes the input and filters the view by its query.
func (m *model) applyFilter() tea.Cmd {
	in := &m.input
	m.modal = modalNone
	in.err = ""
	in.ti.Blur()
	return in.to.setFilter(in.q, in.match)
}

// line renders the input for the status line, the error beside it: the
// query keeps the width it needs, up to half the line; the error gets the
// rest.
func (in *filterInput) line(st *Styles, width int) string {
	line := inputView(in.ti)
	if in.checking {
		inW := min(lipgloss.Width(in.ti.Prompt+triage.Escape(in.ti.Value()))+2, max(width/2, 20))
		line = clip(line, inW) + "  " + st.Dim.Render(clip("looking for its fields in the kept events…", max(width-inW-2, 1)))
	}
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
