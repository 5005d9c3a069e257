package ui

import (
	"strings"

	"picket/casefile"
	"picket/triage"
)

// notesModel is the notes panel: the group's notes, newest first, their
// Markdown rendered for reading.
type notesModel struct {
	st     *Styles
	notes  []casefile.Note // newest first
	cursor int
	width  int
	height int
	lines  []string // rendered, for the width
	starts []int    // first line of each note in lines
	offset int
}

// set replaces the notes; they arrive oldest first from the case file.
func (n *notesModel) set(notes []casefile.Note) {
	n.notes = n.notes[:0]
	for i := len(notes) - 1; i >= 0; i-- {
		n.notes = append(n.notes, notes[i])
	}
	n.cursor = 0
	n.render()
}

// add puts a new note on top and selects it.
func (n *notesModel) add(note casefile.Note) {
	n.notes = append([]casefile.Note{note}, n.notes...)
	n.cursor = 0
	n.render()
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
	for i, note := range n.notes {
		if i > 0 {
			n.lines = append(n.lines, "")
		}
		n.starts = append(n.starts, len(n.lines))
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
	n.cursor = min(max(n.cursor+d, 0), max(len(n.notes)-1, 0))
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

func (n *notesModel) selected() (casefile.Note, bool) {
	if n.cursor < len(n.notes) {
		return n.notes[n.cursor], true
	}
	return casefile.Note{}, false
}

func (n *notesModel) view(focused bool) []string {
	st := n.st
	head := "NOTES"
	if len(n.notes) > 0 {
		head += "  " + plural(len(n.notes), "note") + ", newest first"
	}
	out := []string{heading(st, clip(head, n.width), focused)}
	if len(n.notes) == 0 {
		return append(out, "  "+st.Dim.Render(clip("no notes yet: n writes one", n.width-2)))
	}
	body := max(n.height-1, 1)
	sel := n.starts[n.cursor]
	for i := n.offset; i < len(n.lines) && i < n.offset+body; i++ {
		l := n.lines[i]
		isHead := false
		for _, s := range n.starts {
			if s == i {
				isHead = true
				break
			}
		}
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
