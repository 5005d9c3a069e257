package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// listState is a cursor over n rows of which height are visible at once.
// The window [offset, offset+height) scrolls only as far as needed to keep
// the cursor visible, so every operation is O(1) whatever n is.
type listState struct {
	n      int // number of rows
	height int // rows visible at once
	cursor int
	offset int // first visible row
}

// setLen changes the number of rows, keeping the cursor in range.
func (l *listState) setLen(n int) {
	l.n = max(n, 0)
	l.clamp()
}

// setHeight changes how many rows are visible.
func (l *listState) setHeight(h int) {
	l.height = max(h, 0)
	l.clamp()
}

// setCursor moves the cursor to row i (clamped).
func (l *listState) setCursor(i int) {
	l.cursor = i
	l.clamp()
}

// move moves the cursor by d rows, stopping at either end.
func (l *listState) move(d int) {
	l.setCursor(l.cursor + d)
}

// page is how far pgup/pgdown move: one screen, at least one row.
func (l *listState) page() int { return max(l.height, 1) }

// clamp restores the invariants: 0 ≤ cursor < n (or 0 when empty) and the
// cursor inside the window, the window inside [0, n).
func (l *listState) clamp() {
	if l.cursor >= l.n {
		l.cursor = l.n - 1
	}
	if l.cursor < 0 {
		l.cursor = 0
	}
	h := max(l.height, 1)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	if maxOff := max(l.n-h, 0); l.offset > maxOff {
		l.offset = maxOff
	}
	if l.offset < 0 {
		l.offset = 0
	}
}

// window returns the visible rows as a half-open range [start, end).
func (l listState) window() (start, end int) {
	return l.offset, min(l.offset+l.height, l.n)
}

// handleKey applies a navigation key and reports whether it was one.
func (l *listState) handleKey(msg tea.KeyMsg, k *keyMap) bool {
	switch {
	case key.Matches(msg, k.Up):
		l.move(-1)
	case key.Matches(msg, k.Down):
		l.move(1)
	case key.Matches(msg, k.PageUp):
		l.move(-l.page())
	case key.Matches(msg, k.PageDown):
		l.move(l.page())
	case key.Matches(msg, k.Home):
		l.setCursor(0)
	case key.Matches(msg, k.End):
		l.setCursor(l.n - 1)
	default:
		return false
	}
	return true
}
