package ui

import (
	"github.com/charmbracelet/bubbles/key"
)

// keyMap declares every key the console answers to. The help bar and the
// help overlay are built from these bindings, per view and pane, so what
// they show is what works.
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

	Filter     key.Binding
	Sort       key.Binding
	Reverse    key.Binding
	Checklist  key.Binding
	Tick       key.Binding
	Note       key.Binding
	Status     key.Binding
	Exception  key.Binding
	Allow      key.Binding
	Suppressed key.Binding
	Export     key.Binding
	Copy       key.Binding
	Rerun      key.Binding
	Histogram  key.Binding
	Rules      key.Binding
	Supps      key.Binding // E: exceptions and allowlist (suppressions.go)
	Remove     key.Binding
	Raw        key.Binding
	NextMark   key.Binding
	PrevMark   key.Binding

	// Queue keys: regroup, fold campaigns, select rows for bulk actions.
	Regroup   key.Binding
	Fold      key.Binding
	Select    key.Binding
	SelectAll key.Binding

	// Editor and dialog keys.
	Save   key.Binding
	Cancel key.Binding
	Yes    key.Binding
	No     key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up (ctrl+u)")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down (ctrl+d)")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		Left:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "scroll left")),
		Right:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "scroll right")),
		Enter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Switch:   key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next pane")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter (KQL)")),
		Sort:       key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort column")),
		Reverse:    key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "reverse sort")),
		Checklist:  key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "checklist")),
		Tick:       key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "tick")),
		Note:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new note")),
		Status:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "cycle status")),
		Exception:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "exception")),
		Allow:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "allowlist")),
		Suppressed: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "show suppressed")),
		Export:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "export all cases")),
		Copy:       key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy value")),
		Rerun:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-run detectors")),
		Histogram:  key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "deny histogram")),
		Rules:      key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "rules & lints")),
		Supps:      key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "exceptions")),
		Remove:     key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "remove")),
		Raw:        key.NewBinding(key.WithKeys("J"), key.WithHelp("J", "raw JSON")),
		NextMark:   key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next anomaly")),
		PrevMark:   key.NewBinding(key.WithKeys("["), key.WithHelp("[", "previous anomaly")),

		Regroup:   key.NewBinding(key.WithKeys("G"), key.WithHelp("G", "group by…")),
		Fold:      key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "fold campaigns on/off")),
		Select:    key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "select row")),
		SelectAll: key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "select all shown")),

		Save:   key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Yes:    key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:     key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no")),
	}
}

// viewHelp adapts the key map to help.KeyMap for what is in front: each
// view and pane shows only the keys that do something there.
type viewHelp struct {
	k *keyMap
	v viewID
	// focus is the group view's pane.
	focus groupPane
	// multi is set in the event view when the finding cites several
	// events, so tab (switch pane) is offered.
	multi bool
	// evidence is set when the evidence list has the keys: ↑/↓ pick an
	// event instead of moving in the fields.
	evidence bool
	// modal is set while an editor or dialog has the keys.
	modal modalKind
	// discard is set when a confirmation asks to discard a note rather
	// than to quit.
	discard bool
	// rulesDetail is set when the rules view shows a detector's lints.
	rulesDetail bool
	// bulk is the bulk action waiting for its confirmation.
	bulk bulkKind
}

func with(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

func (h viewHelp) ShortHelp() []key.Binding {
	k := h.k
	switch h.modal {
	case modalEditor:
		return []key.Binding{k.Save, k.Cancel}
	case modalDialog:
		return []key.Binding{with(k.Switch, "next field"), with(k.Save, "save"), k.Cancel}
	case modalFilter:
		return []key.Binding{with(k.Enter, "apply"), k.Cancel}
	case modalRegroup:
		return []key.Binding{with(k.Tick, "add/remove field"), with(k.Enter, "group"), k.Cancel}
	case modalBulk:
		switch h.bulk {
		case bulkStatus:
			return []key.Binding{show("o/a/c", "open / acknowledged / closed"), k.Cancel}
		case bulkNote:
			return []key.Binding{with(k.Yes, "add the note"), with(k.No, "do not")}
		}
		return []key.Binding{with(k.Switch, "next field"), with(k.Enter, "save"), k.Cancel}
	case modalConfirm:
		if h.discard {
			return []key.Binding{with(k.Yes, "discard"), with(k.No, "keep editing")}
		}
		return []key.Binding{with(k.Yes, "quit"), with(k.No, "stay")}
	}
	help, quit := with(k.Help, "keys"), k.Quit
	switch h.v {
	case viewGroup:
		switch h.focus {
		case paneChecklist:
			return []key.Binding{with(k.Enter, "run action"), k.Tick, with(k.Note, "step note"), with(k.Switch, "pane"), k.Back, help, quit}
		case paneNotes:
			return []key.Binding{k.Up, k.Down, with(k.Note, "new note"), with(k.Switch, "pane"), k.Back, help, quit}
		}
		return []key.Binding{with(k.Enter, "open"), k.Checklist, with(k.Note, "note"), with(k.Status, "status"), with(k.Switch, "pane"), k.Back, help, quit}
	case viewEvent:
		out := []key.Binding{with(k.Down, "next field")}
		if h.evidence {
			out = []key.Binding{with(k.Down, "next event")}
		}
		if h.multi {
			out = append(out, with(k.Switch, "pane"))
		}
		return append(out, with(k.Exception, "exception"), with(k.Copy, "copy"), k.Raw, k.Back, help, quit)
	case viewSpike:
		return []key.Binding{with(k.Left, "earlier"), with(k.Right, "later"), k.NextMark, k.Back, help, quit}
	case viewSupps:
		return []key.Binding{with(k.Select, "mark"), with(k.SelectAll, "mark all"), k.Remove, with(k.Sort, "order"), with(k.Copy, "copy entry"), k.Back, help, quit}
	case viewRules:
		if h.rulesDetail {
			return []key.Binding{with(k.Down, "next lint"), with(k.Copy, "copy fixed query / lint"), k.Back, help, quit}
		}
		return []key.Binding{with(k.Enter, "lints"), with(k.Copy, "copy id"), k.Back, help, quit}
	default:
		return []key.Binding{with(k.Enter, "open"), with(k.Filter, "filter"), with(k.Regroup, "group by"), with(k.Sort, "sort"), with(k.Status, "status"), with(k.Note, "note"), help, quit}
	}
}

func (h viewHelp) FullHelp() [][]key.Binding {
	k := h.k
	if h.modal != modalNone {
		return [][]key.Binding{h.ShortHelp()}
	}
	quit := []key.Binding{with(k.Help, "less keys"), k.Quit, k.Rerun, k.Export, k.Histogram, k.Rules}
	move := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End}
	switch h.v {
	case viewGroup:
		return [][]key.Binding{
			move,
			{with(k.Enter, "open finding / run step action / a step note's step"), with(k.Back, "back to queue"), k.Switch, k.Checklist, k.Tick},
			{k.Note, k.Status, k.Filter, k.Copy, k.Exception, k.Allow, k.Suppressed},
			quit,
		}
	case viewEvent:
		if h.evidence {
			move[0], move[1] = with(k.Up, "previous event"), with(k.Down, "next event")
		} else {
			move[0], move[1] = with(k.Up, "previous field"), with(k.Down, "next field")
		}
		pane := []key.Binding{k.Left, k.Right, k.Raw}
		if h.multi {
			pane = append(pane, with(k.Switch, "switch evidence/fields"))
		}
		return [][]key.Binding{move, pane, {k.Exception, k.Allow, k.Copy, k.Note, k.Status, with(k.Back, "back to group")}, quit}
	case viewRules:
		return [][]key.Binding{
			move,
			{with(k.Enter, "show lints; there, the rule's groups"), with(k.Copy, "copy fixed query / lint / id"), with(k.Back, "back"), with(k.Rules, "close rules")},
			quit,
		}
	case viewSpike:
		return [][]key.Binding{
			{with(k.Left, "earlier bucket"), with(k.Right, "later bucket"), with(k.PageUp, "a screen earlier"), with(k.PageDown, "a screen later"), k.Home, k.End},
			{k.NextMark, k.PrevMark, with(k.Up, "pick a source"), with(k.Down, "next source"), with(k.Enter, "filter the queue to the sources' groups"), with(k.Back, "back to queue")},
			quit,
		}
	default:
		// G regroups here: the end of the list is end alone.
		move[5] = key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "last"))
		return [][]key.Binding{
			move,
			{with(k.Enter, "open/expand"), show("→/←", "expand/collapse"), with(k.Regroup, "group by…"), with(k.Fold, "fold on/off"),
				k.Filter, with(k.Back, "clear filter"), k.Sort, k.Reverse},
			{k.Select, with(k.SelectAll, "select shown"), with(k.Status, "status"), with(k.Note, "note"),
				with(k.Allow, "allowlist"), with(k.Exception, "exception (sel.)"), with(k.Copy, "copy IP"), k.Suppressed, k.Supps},
			quit,
		}
	}
}

// show is a help line only: keys that are bound elsewhere, shown
// together.
func show(keys, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
}
