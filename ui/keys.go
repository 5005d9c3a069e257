package ui

import (
	"github.com/charmbracelet/bubbles/key"
)

// keyMap declares every key the console answers to. The help bar is built
// from these bindings, per view, so what it shows is what works.
type keyMap struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding
	Left     key.Binding
	Right    key.Binding
	Enter    key.Binding
	Back     key.Binding
	Switch   key.Binding
	Help     key.Binding
	Quit     key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		Left:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "scroll left")),
		Right:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "scroll right")),
		Enter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Switch:   key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "evidence/fields")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// viewHelp adapts the key map to help.KeyMap for one view: each view shows
// only the keys that do something there.
type viewHelp struct {
	k *keyMap
	v viewID
	// multi is set in the event view when the finding cites several
	// events, so tab (switch pane) is offered.
	multi bool
	// evidence is set when the evidence list has the keys: ↑/↓ pick an
	// event instead of scrolling its fields.
	evidence bool
}

func with(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

func (h viewHelp) ShortHelp() []key.Binding {
	k := h.k
	switch h.v {
	case viewGroup:
		return []key.Binding{k.Up, k.Down, with(k.Enter, "open finding"), k.Back, k.Help, k.Quit}
	case viewEvent:
		out := []key.Binding{with(k.Up, "scroll up"), with(k.Down, "scroll down")}
		if h.evidence {
			out = []key.Binding{with(k.Up, "previous event"), with(k.Down, "next event")}
		}
		if h.multi {
			out = append(out, k.Switch)
		}
		return append(out, k.Back, k.Help, k.Quit)
	default:
		return []key.Binding{k.Up, k.Down, with(k.Enter, "open group"), k.Help, k.Quit}
	}
}

func (h viewHelp) FullHelp() [][]key.Binding {
	k := h.k
	quit := []key.Binding{with(k.Help, "less keys"), k.Quit}
	switch h.v {
	case viewGroup:
		return [][]key.Binding{
			{k.Up, k.Down, k.PageUp, k.PageDown},
			{k.Home, k.End},
			{with(k.Enter, "open finding"), with(k.Back, "back to queue")},
			quit,
		}
	case viewEvent:
		move := []key.Binding{with(k.Up, "scroll up"), with(k.Down, "scroll down"), k.PageUp, k.PageDown, k.Home, k.End}
		if h.evidence {
			move[0], move[1] = with(k.Up, "previous event"), with(k.Down, "next event")
		}
		pane := []key.Binding{k.Left, k.Right}
		if h.multi {
			pane = append(pane, with(k.Switch, "switch evidence/fields"))
		}
		return [][]key.Binding{move, pane, {with(k.Back, "back to group")}, quit}
	default:
		return [][]key.Binding{
			{k.Up, k.Down, k.PageUp, k.PageDown},
			{k.Home, k.End},
			{with(k.Enter, "open group")},
			quit,
		}
	}
}
