package ui

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// dialogField is a focusable line of the suppression dialog.
type dialogField int

const (
	dfKind dialogField = iota // allowlist: ip / cidr / user agent
	dfScope
	dfValue
	dfReason
	dfExpiry
	numDialogFields
)

var allowKinds = []string{triage.AllowIP, triage.AllowCIDR, triage.AllowUserAgent, triage.AllowUser, triage.AllowPath}

// allowKindNames are the kinds as the dialog names them.
var allowKindNames = map[string]string{triage.AllowIP: "source IP", triage.AllowCIDR: "CIDR block",
	triage.AllowUserAgent: "user agent", triage.AllowUser: "user", triage.AllowPath: "URL path"}

// allowKindOf is the allowlist kind that matches a grouping field.
var allowKindOf = map[string]string{"source.ip": triage.AllowIP, "user_agent.original": triage.AllowUserAgent,
	"user.name": triage.AllowUser, "url.path": triage.AllowPath}

// SuppressionKind tells exceptions from allowlist entries in the dialog.
type SuppressionKind uint8

// Kinds of suppressions.
const (
	// Exception suppresses one detector's findings whose evidence has a
	// field value.
	Exception SuppressionKind = iota
	// Allowlist suppresses findings about a source IP, a CIDR block or a
	// user agent.
	Allowlist
)

// suppression is what the dialog makes: an exception or an allowlist
// entry (exactly one is set).
type suppression struct {
	x *triage.Exception
	a *triage.AllowEntry
}

func (s suppression) label() string {
	if s.a != nil {
		return "allowlisted " + s.a.Kind + " " + triage.Escape(s.a.Value)
	}
	if s.x != nil && len(s.x.Entries) > 0 {
		return "exception " + triage.Escape(s.x.Entries[0].Field) + " = " + triage.Escape(s.x.Entries[0].Value)
	}
	return "exception"
}

// dialogModel makes an exception or an allowlist entry from a value in
// view. It previews how many findings the entry would suppress before it
// is saved.
type dialogModel struct {
	kind     SuppressionKind
	field    string // exceptions: the ECS path; allowlists: a triage.Allow* kind
	detector string // the detector in view; scope toggles it with "*"
	allDets  bool
	value    textinput.Model
	// raw is the value the dialog was opened with, byte for byte. A
	// value holding characters triage.Escape rewrites (control
	// characters, bidi overrides: what attackers put in user agents and
	// fields) cannot be typed, and textinput would silently drop some of
	// them, so such a value is kept here, matched and saved exactly, and
	// shown escaped in a read-only value line (locked). Typed values
	// live in the textinput.
	raw    string
	locked bool
	reason textinput.Model
	expiry textinput.Model
	focus  dialogField
	err    string
	// preview
	previewing bool
	hits       int
	groups     int
	total      int
	// allowlist defaults per kind, so cycling kinds restores them
	defaults map[string]string
	// entries, when set, are an exception's conditions made from a
	// playbook action's fields; they replace field and value.
	entries []triage.ExceptionEntry
	// broadOK is the allowlist kind and value the analyst was warned
	// about and saves anyway with a second ctrl+s (see saveDialog).
	broadOK string
}

func newInput(v string) textinput.Model {
	ti := textinput.New()
	ti.Prompt = ""
	ti.SetValue(v)
	ti.CharLimit = 4096
	ti.Cursor.SetMode(cursor.CursorStatic)
	ti.Cursor.Style = cursorStyle()
	return ti
}

// setValue puts v in the value line: as editable text when it is plain,
// else kept raw behind a read-only, escaped line (see raw).
func (d *dialogModel) setValue(v string) {
	d.raw = v
	d.locked = triage.Escape(v) != v
	if d.locked {
		d.value.SetValue("")
		return
	}
	d.value.SetValue(v)
}

// valueText is the value as it will be matched and saved.
func (d *dialogModel) valueText() string {
	if d.locked {
		return d.raw
	}
	return d.value.Value()
}

// newExceptionDialog starts an exception for detector on field = value.
func newExceptionDialog(detector, field, value string) dialogModel {
	d := dialogModel{kind: Exception, field: field, detector: detector,
		value: newInput(""), reason: newInput(""), expiry: newInput("")}
	d.setValue(value)
	d.focusOn(dfReason)
	return d
}

// newExceptionEntriesDialog starts an exception for detector with
// prefilled entries (a playbook's exception action). Only the scope,
// reason and expiry are edited.
func newExceptionEntriesDialog(detector string, entries []triage.ExceptionEntry) dialogModel {
	d := newExceptionDialog(detector, entries[0].Field, "")
	d.entries = entries
	return d
}

// newAllowDialog starts an allowlist entry for a group's address or
// user agent; detector is the one in view, if any (the entry applies to
// every detector unless the scope is narrowed).
func newAllowDialog(k triage.GroupKey, detector string) dialogModel {
	defs := map[string]string{triage.AllowUserAgent: k.UserAgent}
	ip := k.SourceIP
	field := triage.AllowIP
	scoped := false
	if !k.Default() {
		// A row of another grouping: its values of fields an entry can
		// name, the innermost one proposed (the row's own value); a row
		// of one detector is allowlisted for it.
		field = ""
		for _, p := range k.Pairs() {
			if p.Field == triage.FieldDetector && p.Value != "" && detector == "" {
				detector, scoped = p.Value, true
			}
			kind, ok := allowKindOf[p.Field]
			if !ok || p.Value == "" {
				continue
			}
			field = kind
			if kind == triage.AllowIP {
				ip, _ = netip.ParseAddr(p.Value)
				continue
			}
			defs[kind] = p.Value
		}
	}
	if ip.IsValid() {
		ip = ip.Unmap()
		defs[triage.AllowIP] = ip.String()
		bits := 24
		if ip.Is6() {
			bits = 64
		}
		p, _ := ip.Prefix(bits)
		defs[triage.AllowCIDR] = p.String()
	}
	switch {
	case field == "" && ip.IsValid():
		field = triage.AllowIP
	case field == "" || (field == triage.AllowIP && !ip.IsValid()):
		field = triage.AllowUserAgent
	}
	d := dialogModel{kind: Allowlist, field: field, detector: detector, allDets: !scoped,
		value: newInput(""), reason: newInput(""), expiry: newInput(""), defaults: defs}
	d.setValue(defs[field])
	d.focusOn(dfKind)
	return d
}

func (d *dialogModel) focusOn(f dialogField) {
	d.focus = f
	d.value.Blur()
	d.reason.Blur()
	d.expiry.Blur()
	switch f {
	case dfValue:
		d.value.Focus()
	case dfReason:
		d.reason.Focus()
	case dfExpiry:
		d.expiry.Focus()
	}
}

// next moves focus by dir, skipping the kind line of exceptions.
func (d *dialogModel) next(dir int) {
	f := d.focus
	for {
		f = (f + dialogField(dir) + numDialogFields) % numDialogFields
		if f == dfKind && d.kind == Exception {
			continue
		}
		if f == dfScope && d.detector == "" {
			continue
		}
		if f == dfValue && len(d.entries) > 0 {
			continue
		}
		break
	}
	d.focusOn(f)
}

// draft is the suppression as the dialog stands, or what is wrong.
func (d *dialogModel) draft(author string, now time.Time) (suppression, error) {
	value := strings.TrimSpace(d.valueText())
	if d.locked || (d.kind == Allowlist && d.field == triage.AllowUserAgent) {
		value = d.valueText() // user agents and raw values are matched exactly
	}
	reason := strings.TrimSpace(d.reason.Value())
	det := d.detector
	if d.allDets || det == "" {
		det = triage.AllDetectors
	}
	if len(d.entries) > 0 {
		exp, err := parseExpiry(d.expiry.Value(), now)
		if err != nil {
			return suppression{}, err
		}
		x := &triage.Exception{
			Name:     autoName + clipText(triage.ExceptionSummary(d.entries), 80),
			Detector: det,
			Entries:  slices.Clone(d.entries),
			Reason:   reason, Author: author, Created: now, Expires: exp,
		}
		return suppression{x: x}, x.Validate()
	}
	if value == "" {
		return suppression{}, errors.New("the value is empty")
	}
	switch d.field {
	case triage.AllowIP:
		a, err := netip.ParseAddr(value)
		if err != nil {
			return suppression{}, errors.New("not an IP address")
		}
		value = a.Unmap().String()
	case triage.AllowCIDR:
		p, err := netip.ParsePrefix(value)
		if err != nil {
			return suppression{}, errors.New("not a CIDR block (like 203.0.113.0/24)")
		}
		value = p.Masked().String()
	}
	exp, err := parseExpiry(d.expiry.Value(), now)
	if err != nil {
		return suppression{}, err
	}
	if d.kind == Allowlist {
		a := &triage.AllowEntry{Kind: d.field, Value: value, Detector: det, Reason: reason,
			Author: author, Created: now, Expires: exp}
		return suppression{a: a}, a.Validate()
	}
	x := &triage.Exception{
		Name:     autoName + d.field + " is " + clipText(value, 60),
		Detector: det,
		Entries:  []triage.ExceptionEntry{{Field: d.field, Operator: triage.OpIncluded, Type: triage.EntryMatch, Value: value}},
		Reason:   reason, Author: author, Created: now, Expires: exp,
	}
	return suppression{x: x}, x.Validate()
}

// clipText cuts plain text to n runes.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// parseExpiry reads an expiry as the CLI's --expires does
// (triage.ParseExpiry: 7d, 24h, 2026-12-31, RFC 3339, "" for never).
func parseExpiry(v string, now time.Time) (time.Time, error) { return triage.ParseExpiry(v, now) }

// update handles a key; changed reports that the preview must be redone.
func (d dialogModel) update(msg tea.KeyMsg, k *keyMap) (dialogModel, bool) {
	switch msg.String() {
	case "tab", "down":
		d.next(1)
		return d, false
	case "shift+tab", "up":
		d.next(-1)
		return d, false
	}
	switch d.focus {
	case dfKind:
		if s := msg.String(); s == "left" || s == "right" || s == " " || s == "h" || s == "l" {
			i := 0
			for j, f := range allowKinds {
				if f == d.field {
					i = j
				}
			}
			dir := 1
			if s == "left" || s == "h" {
				dir = -1
			}
			d.field = allowKinds[(i+dir+len(allowKinds))%len(allowKinds)]
			d.setValue(d.defaults[d.field])
			d.err = ""
			return d, true
		}
		return d, false
	case dfScope:
		if s := msg.String(); s == "left" || s == "right" || s == " " || s == "h" || s == "l" {
			d.allDets = !d.allDets
			return d, true
		}
		return d, false
	case dfValue:
		if d.locked {
			// Read-only (see raw); backspace clears it to type a new one.
			if msg.String() == "backspace" || msg.String() == "ctrl+u" {
				d.setValue("")
				d.err = ""
				return d, true
			}
			return d, false
		}
		old := d.value.Value()
		d.value, _ = d.value.Update(msg)
		d.err = ""
		return d, d.value.Value() != old
	case dfReason:
		d.reason, _ = d.reason.Update(msg)
	case dfExpiry:
		d.expiry, _ = d.expiry.Update(msg)
		d.err = ""
	}
	return d, false
}

// dirty reports whether the analyst typed something a quit would lose.
func (d dialogModel) dirty() bool { return strings.TrimSpace(d.reason.Value()) != "" }

func (d dialogModel) view(st *Styles, w int) string {
	inner := max(w-6, 20)
	title := "New exception"
	if d.kind == Allowlist {
		title = "New allowlist entry"
	}
	line := func(f dialogField, label, value string) string {
		mark := "  "
		if d.focus == f {
			mark = st.Marker.Render("▸ ")
		}
		return clip(mark+st.Label.Render(fit(label, 9))+" "+value, inner)
	}
	var lines []string
	lines = append(lines, st.Focused.Render(title))
	if d.kind == Allowlist {
		var opts []string
		for _, f := range allowKinds {
			name := allowKindNames[f]
			if f == d.field {
				name = "[" + name + "]"
			} else {
				name = " " + name + " "
			}
			opts = append(opts, name)
		}
		lines = append(lines, line(dfKind, "match", strings.Join(opts, " ")+st.Dim.Render("  ←/→")))
	} else if len(d.entries) == 0 {
		lines = append(lines, line(dfKind, "field", st.FieldKey.Render(triage.Escape(d.field))))
	}
	if d.detector != "" {
		scope := "[" + shortDetector(d.detector) + "]  every detector"
		if d.allDets {
			scope = " " + shortDetector(d.detector) + "  [every detector]"
		}
		lines = append(lines, line(dfScope, "detector", scope+st.Dim.Render("  ←/→")))
	} else {
		lines = append(lines, line(dfScope, "detector", "every detector"))
	}
	if len(d.entries) > 0 {
		for i, en := range d.entries {
			label := "and"
			if i == 0 {
				label = "when"
			}
			lines = append(lines, line(dfValue, label, triage.Escape(triage.ExceptionSummary([]triage.ExceptionEntry{en}))))
		}
	} else {
		val := inputView(d.value)
		switch {
		case d.locked:
			val = triage.Escape(d.raw) + st.Dim.Render("  (exact bytes; backspace clears)")
		case d.focus != dfValue:
			val = triage.Escape(d.value.Value())
		}
		lines = append(lines, line(dfValue, "value", val))
	}
	lines = append(lines, line(dfReason, "reason", inputView(d.reason)))
	exp := inputView(d.expiry)
	if d.expiry.Value() == "" && d.focus != dfExpiry {
		exp = st.Dim.Render("never (7d, 24h, 2026-12-31)")
	}
	lines = append(lines, line(dfExpiry, "expires", exp))
	lines = append(lines, "")
	switch {
	case d.err != "":
		// Whole: a warning cut short ("…allow…") cannot be weighed.
		for _, l := range wrap(d.err, inner) {
			lines = append(lines, st.Error.Render(l))
		}
	case d.previewing:
		lines = append(lines, st.Dim.Render("counting…"))
	case d.total == 0 && d.hits == 0 && strings.TrimSpace(d.valueText()) == "" && len(d.entries) == 0:
		lines = append(lines, st.Dim.Render("type a value to see what it would suppress"))
	default:
		lines = append(lines, clip("would suppress "+plural(d.hits, "finding")+" in "+plural(d.groups, "group")+
			st.Dim.Render(" (of "+plural(d.total, "finding")+" in the queue)"), inner))
	}
	return st.Dialog.Width(inner + 2).Render(strings.Join(lines, "\n"))
}
