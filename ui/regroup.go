package ui

import (
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// The group-by picker (G): the suggested fields and a line to type any
// other ECS field; space adds a field to the chain (or takes it out),
// enter regroups the queue by the chain, outermost first. The queue is
// regrouped off the input loop (load.go's refresh).

// regroupModel is the picker.
type regroupModel struct {
	chain  triage.GroupBy // the chain being built, outermost first
	fields []string       // the fields offered: suggested, then typed ones
	cursor int            // a field, or len(fields): the input line
	input  textinput.Model
	err    string // escaped
	// checking is set while the typed field is being looked for in the
	// kept events (off the loop on a big run).
	checking string
}

var fieldsAddr = address{to: viewRoot, topic: topicFields}

// fieldsMsg answers whether fields occur in the kept events.
type fieldsMsg struct {
	fields  []string
	unknown []string // not an ECS field, not the console's, in none of the kept events
	events  int      // events looked at
}

func newRegroupModel(current triage.GroupBy) regroupModel {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = "any ECS field, e.g. http.request.method"
	in.CharLimit = 200
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Cursor.Style = cursorStyle()
	p := regroupModel{chain: slices.Clone(current), fields: slices.Clone(triage.SuggestedGroupBy), input: in}
	if len(p.chain) == 0 {
		p.chain = slices.Clone(triage.DefaultGroupBy)
	}
	for _, f := range p.chain {
		if !slices.Contains(p.fields, f) {
			p.fields = append(p.fields, f)
		}
	}
	return p
}

// openRegroup puts the picker in front with the queue's chain.
func (m *model) openRegroup() tea.Cmd {
	m.picker = newRegroupModel(m.gp.by)
	m.modal = modalRegroup
	return nil
}

func (p *regroupModel) onInput() bool { return p.cursor == len(p.fields) }

// toggle adds a field to the end of the chain, or takes it out.
func (p *regroupModel) toggle(f string) {
	p.err = ""
	if i := slices.Index(p.chain, f); i >= 0 {
		p.chain = slices.Delete(p.chain, i, i+1)
		return
	}
	if len(p.chain) >= triage.MaxGroupBy {
		p.err = "at most " + strconv.Itoa(triage.MaxGroupBy) + " fields: take one out first (space)"
		return
	}
	p.chain = append(p.chain, f)
}

// regroupKey: ↑/↓ move, space adds or takes out a field, enter regroups
// (on the input line, it first adds the typed field), d goes back to the
// default, esc cancels; on the input line the rest is typing.
func (m *model) regroupKey(k tea.KeyMsg) tea.Cmd {
	p := &m.picker
	km := m.keys
	switch {
	case k.String() == "ctrl+c":
		return tea.Quit
	case keyIs(k, km.Cancel):
		m.modal = modalNone
		return nil
	case k.String() == "up" || (!p.onInput() && keyIs(k, km.Up)), k.String() == "shift+tab":
		p.cursor = max(p.cursor-1, 0)
	case k.String() == "down" || (!p.onInput() && keyIs(k, km.Down)), k.String() == "tab":
		p.cursor = min(p.cursor+1, len(p.fields))
	case k.String() == "end":
		p.cursor = len(p.fields) // the input line
	case k.String() == "home":
		p.cursor = 0
	case p.checking != "":
		// The typed field is being looked for: wait.
	case k.String() == "enter" && p.onInput() && strings.TrimSpace(p.input.Value()) != "":
		return m.addTypedField()
	case k.String() == "enter":
		return m.applyRegroup()
	case !p.onInput() && keyIs(k, km.Tick):
		p.toggle(p.fields[p.cursor])
	case !p.onInput() && k.String() == "d":
		p.chain, p.err = slices.Clone(triage.DefaultGroupBy), ""
	case !p.onInput() && k.String() == "backspace" && len(p.chain) > 0:
		p.chain, p.err = p.chain[:len(p.chain)-1], ""
	case p.onInput():
		p.input, _ = p.input.Update(k)
		p.err = ""
	}
	if p.onInput() {
		p.input.Focus()
	} else {
		p.input.Blur()
	}
	return nil
}

// addTypedField checks the typed field and adds it to the list and the
// chain: a field that is not an ECS field nor one the console knows must
// occur in a kept event (looked for off the loop on a big run).
func (m *model) addTypedField() tea.Cmd {
	p := &m.picker
	f := strings.TrimSpace(p.input.Value())
	if _, err := triage.ParseGroupBy(f); err != nil || strings.Contains(f, ",") {
		p.err = triage.Escape("not a field name: " + f + " (letters, digits, '_', '-', '@' and dots)")
		return nil
	}
	if knownField(f) {
		p.addField(f)
		return nil
	}
	c := m.opts.Collection
	if c.EventCount() <= syncRows {
		m.req.issue(fieldsAddr)
		m.onFields(checkFields(c, []string{f}))
		return nil
	}
	p.checking = f
	return m.req.ask(fieldsAddr, func() tea.Msg { return checkFields(c, []string{f}) })
}

func (p *regroupModel) addField(f string) {
	if !slices.Contains(p.fields, f) {
		p.fields = append(p.fields, f)
	}
	p.input.SetValue("")
	if !slices.Contains(p.chain, f) {
		p.toggle(f)
	}
}

// onFields takes the answer about typed fields, for the picker or the
// filter input.
func (m *model) onFields(msg fieldsMsg) tea.Cmd {
	switch m.modal {
	case modalRegroup:
		p := &m.picker
		p.checking = ""
		if len(msg.unknown) > 0 {
			p.err = unknownFieldErr(msg.unknown[0], msg.events)
			return nil
		}
		for _, f := range msg.fields {
			p.addField(f)
		}
	case modalFilter:
		return m.onFilterFields(msg)
	}
	return nil
}

// applyRegroup regroups the queue by the chain, off the loop.
func (m *model) applyRegroup() tea.Cmd {
	p := &m.picker
	if len(p.chain) == 0 {
		p.err = "pick at least one field (space)"
		return nil
	}
	by := slices.Clone(p.chain)
	if by.IsDefault() {
		by = nil
	}
	m.modal = modalNone
	return m.regroup(grouping{by: by, noFold: m.gp.noFold})
}

// regroup asks for a snapshot under gp; the queue changes when it comes.
func (m *model) regroup(gp grouping) tea.Cmd {
	if gp.same(m.gp) && gp.same(m.snap.gp) {
		m.info = "already grouped by " + gp.label()
		return nil
	}
	m.gp = gp
	m.info = "grouping by " + gp.label() + "…"
	m.show(viewQueue)
	return m.refresh()
}

// toggleFold folds campaigns, or lists every group (default grouping
// only).
func (m *model) toggleFold() tea.Cmd {
	if !m.gp.isDefault() {
		m.lastErr = "campaigns fold under the default grouping (G, d, enter)"
		return nil
	}
	gp := m.gp
	gp.noFold = !gp.noFold
	return m.regroup(gp)
}

func (p regroupModel) view(st *Styles, w int) string {
	inner := max(w-6, 20)
	var lines []string
	lines = append(lines, st.Focused.Render("Group the queue by"))
	chain := "(none)"
	if len(p.chain) > 0 {
		chain = triage.Escape(strings.Join(p.chain, " › "))
	}
	lines = append(lines, clip(st.Label.Render("chain  ")+chain+st.Dim.Render("  (outermost first, 1 to "+strconv.Itoa(triage.MaxGroupBy)+")"), inner))
	lines = append(lines, "")
	for i, f := range p.fields {
		mark := "  "
		if i == p.cursor {
			mark = st.Marker.Render("▸ ")
		}
		box := "[ ]"
		if j := slices.Index(p.chain, f); j >= 0 {
			box = "[" + strconv.Itoa(j+1) + "]"
		}
		lines = append(lines, clip(mark+box+" "+triage.Escape(f), inner))
	}
	mark := "  "
	if p.onInput() {
		mark = st.Marker.Render("▸ ")
	}
	lines = append(lines, clip(mark+st.Label.Render("other  ")+inputView(p.input), inner))
	lines = append(lines, "")
	switch {
	case p.err != "":
		lines = append(lines, st.Error.Render(clip("✗ "+p.err, inner)))
	case p.checking != "":
		lines = append(lines, st.Dim.Render(clip("looking for "+triage.Escape(p.checking)+" in the kept events…", inner)))
	default:
		lines = append(lines, st.Dim.Render(clip("space add/remove · enter group · d default · esc cancel", inner)))
	}
	return st.Dialog.Width(inner + 2).Render(strings.Join(lines, "\n"))
}
