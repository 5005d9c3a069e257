package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"picket/casefile"
	"picket/triage"
)

// notesModel is the notes panel: the group's notes and the notes written
// on its checklist steps, newest first, their Markdown rendered for
// reading. A step's note is listed with the step it is on.
type notesModel struct {
	st      *Styles
	notes   []casefile.Note // the group's notes, newest first
	steps   []stepNote      // notes on the checklist's steps
	entries []noteEntry     // both, newest first: what the pane lists
	cursor  int
	width   int
	height  int
	lines   []string // rendered, for the width
	starts  []int    // first line of each entry in lines
	offset  int
}

// noteEntry is a line of the notes pane's list: a note on the group, or
// a step's note.
type noteEntry struct {
	note *casefile.Note
	step *stepNote
}

func (e noteEntry) at() time.Time {
	if e.step != nil {
		return e.step.note.At
	}
	return e.note.Created
}

// set replaces the group's notes; they arrive oldest first from the case
// file.
func (n *notesModel) set(notes []casefile.Note) {
	n.notes = n.notes[:0]
	for i := len(notes) - 1; i >= 0; i-- {
		n.notes = append(n.notes, notes[i])
	}
	n.build(nil)
	n.cursor = 0
	n.render()
}

// add puts a new note on top and selects it.
func (n *notesModel) add(note casefile.Note) {
	n.notes = append([]casefile.Note{note}, n.notes...)
	n.build(nil)
	n.cursor = 0
	n.render()
}

// setSteps replaces the steps' notes, selecting keep's note when given,
// else keeping the selection.
func (n *notesModel) setSteps(steps []stepNote, keep *checkStep) {
	if keep == nil && n.cursor < len(n.entries) && n.entries[n.cursor].step != nil {
		keep = n.entries[n.cursor].step.step
	}
	n.steps = steps
	n.build(keep)
	n.render()
}

// build lists the notes and the steps' notes newest first (a note before
// a step's note of the same time), the cursor on keep's note if given.
func (n *notesModel) build(keep *checkStep) {
	var cur *casefile.Note
	if keep == nil && n.cursor < len(n.entries) {
		cur = n.entries[n.cursor].note
	}
	n.entries = n.entries[:0]
	for i := range n.notes {
		n.entries = append(n.entries, noteEntry{note: &n.notes[i]})
	}
	for i := range n.steps {
		n.entries = append(n.entries, noteEntry{step: &n.steps[i]})
	}
	slices.SortStableFunc(n.entries, func(a, b noteEntry) int { return b.at().Compare(a.at()) })
	for i, e := range n.entries {
		if (keep != nil && e.step != nil && e.step.step == keep) || (cur != nil && e.note != nil && e.note.ID == cur.ID && e.note.Created.Equal(cur.Created)) {
			n.cursor = i
		}
	}
	n.cursor = min(n.cursor, max(len(n.entries)-1, 0))
}

func (n *notesModel) setSize(w, h int) {
	if w != n.width {
		n.width = w
		n.render()
	}
	n.height = h
	n.scroll()
}

func (n *notesModel) render() {
	n.lines, n.starts = n.lines[:0], n.starts[:0]
	for i, e := range n.entries {
		if i > 0 {
			n.lines = append(n.lines, "")
		}
		n.starts = append(n.starts, len(n.lines))
		if e.step != nil {
			it, s := e.step.note, e.step.step
			head := "step note"
			if !it.At.IsZero() {
				head = fmtTime(it.At, "2006-01-02 15:04") + " · " + head
			}
			if it.By != "" {
				head += " · " + triage.Escape(it.By)
			}
			who := s.label
			if who == "" || who == "all" {
				who = shortDetectors(s.Detectors())
			}
			n.lines = append(n.lines, head+" · "+who)
			on := "on: " + triage.Escape(strings.Join(strings.Fields(s.Item.Text), " "))
			n.lines = append(n.lines, n.st.Dim.Render(clip(on, max(n.width-2, 8))))
			n.lines = append(n.lines, renderMarkdown(n.st, it.Note, n.width-2)...)
			continue
		}
		note := e.note
		who := ""
		if note.Author != "" {
			who = " · " + triage.Escape(note.Author)
		}
		n.lines = append(n.lines, fmtTime(note.Created, "2006-01-02 15:04")+who)
		n.lines = append(n.lines, renderMarkdown(n.st, note.Body, n.width-2)...)
	}
	n.scroll()
}

func (n *notesModel) move(d int) {
	n.cursor = min(max(n.cursor+d, 0), max(len(n.entries)-1, 0))
	n.scroll()
}

// scroll keeps the selected note's first line in view.
func (n *notesModel) scroll() {
	body := max(n.height-1, 1)
	if len(n.starts) == 0 {
		n.offset = 0
		return
	}
	top := n.starts[n.cursor]
	if top < n.offset || top >= n.offset+body {
		n.offset = top
	}
	n.offset = min(n.offset, max(len(n.lines)-body, 0))
	if top < n.offset {
		n.offset = top
	}
}

// selected returns the note under the cursor; a step's note comes as a
// note whose body is the step's note.
func (n *notesModel) selected() (casefile.Note, bool) {
	if n.cursor >= len(n.entries) {
		return casefile.Note{}, false
	}
	if e := n.entries[n.cursor]; e.step != nil {
		return casefile.Note{Body: e.step.note.Note, Author: e.step.note.By, Created: e.step.note.At}, true
	}
	return *n.entries[n.cursor].note, true
}

// selectedStep returns the step whose note is under the cursor.
func (n *notesModel) selectedStep() (*checkStep, bool) {
	if n.cursor >= len(n.entries) || n.entries[n.cursor].step == nil {
		return nil, false
	}
	return n.entries[n.cursor].step.step, true
}

func (n *notesModel) view(focused bool) []string {
	st := n.st
	head := "NOTES"
	if len(n.entries) > 0 {
		head += "  " + plural(len(n.entries), "note")
		if len(n.steps) > 0 {
			head += " (" + strconv.Itoa(len(n.steps)) + " on checklist steps)"
		}
		head += ", newest first"
	}
	out := []string{heading(st, clip(head, n.width), focused)}
	if len(n.entries) == 0 {
		return append(out, "  "+st.Dim.Render(clip("no notes yet: n writes one", n.width-2)))
	}
	body := max(n.height-1, 1)
	sel := n.starts[n.cursor]
	for i := n.offset; i < len(n.lines) && i < n.offset+body; i++ {
		l := n.lines[i]
		isHead := slices.Contains(n.starts, i)
		switch {
		case i == sel && focused:
			l = st.Marker.Render("▸ ") + st.Selected.Render(l)
		case i == sel:
			l = "> " + st.Label.Render(l)
		case isHead:
			l = "  " + st.Label.Render(l)
		default:
			l = "  " + l
		}
		out = append(out, clip(l, n.width))
	}
	return out
}

// heading renders a pane heading, highlighted when it has the keys; a
// "»" marks focus without colour.
func heading(st *Styles, s string, focused bool) string {
	if focused {
		return st.Focused.Render("» " + s)
	}
	return st.Section.Render("  " + s)
}

// noteTitle is the first line of a note, for status messages.
func noteTitle(body string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	return triage.Escape(first)
}
