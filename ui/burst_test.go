package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// burst is what bubbletea v1 hands over for fast typing, key repeat, a
// paste or keys over SSH: one message with several runes.
func burst(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// TestKeyBursts: every key of a burst acts, in order, outside text
// inputs; a key that opens an input gives it the rest; an input takes a
// burst whole.
func TestKeyBursts(t *testing.T) {
	tests := []struct {
		name   string
		before []string
		burst  string
		cursor int // queue cursor after
		modal  modalKind
		input  string // the filter input's text after
		view   viewID
	}{
		{"jj moves two", nil, "jj", 2, modalNone, "", viewQueue},
		{"jjk moves two and back one", nil, "jjk", 1, modalNone, "", viewQueue},
		{"key repeat", nil, "jjjjjjjjjj", 3, modalNone, "", viewQueue},
		{"pasted /curl opens the filter with curl", nil, "/curl", 0, modalFilter, "curl", viewQueue},
		{"a burst in the filter is text", []string{"/"}, "jj", 0, modalFilter, "jj", viewQueue},
		{"space in a burst selects (and moves down)", nil, "j j", 3, modalNone, "", viewQueue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := consoleAt(t, testOptions(t, nil), 120, 30)
			keys(m, tc.before...)
			drive(m, burst(tc.burst))
			if m.modal != tc.modal || m.view != tc.view {
				t.Fatalf("modal %d view %d, want %d %d", m.modal, m.view, tc.modal, tc.view)
			}
			if m.queue.list.cursor != tc.cursor {
				t.Errorf("cursor %d, want %d", m.queue.list.cursor, tc.cursor)
			}
			if got := m.input.ti.Value(); got != tc.input {
				t.Errorf("filter input %q, want %q", got, tc.input)
			}
		})
	}
	// The space of "j j" selected the second row.
	m := consoleAt(t, testOptions(t, nil), 120, 30)
	drive(m, burst("j j"))
	if len(m.queue.picked) != 1 || !m.queue.picked[m.queue.rows[1].g.Key] {
		t.Errorf("picked %v", m.queue.picked)
	}
	// Alt bursts are not split (alt+letter is one key).
	drive(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj"), Alt: true})
	if m.queue.list.cursor != 3 {
		t.Errorf("alt burst moved the cursor to %d", m.queue.list.cursor)
	}
}

// TestQueueKeys: esc clears an active filter (then the selection);
// ctrl+d and ctrl+u page; G opens the picker in the queue and end goes
// to the last row.
func TestQueueKeys(t *testing.T) {
	c := benchCollection(100)
	tests := []struct {
		name   string
		keys   []string
		filter string
		cursor int
		rows   int
		modal  modalKind
	}{
		{"ctrl+d pages down", []string{"ctrl+d"}, "", 0, 100, modalNone},
		{"ctrl+d ctrl+d ctrl+u", []string{"ctrl+d", "ctrl+d", "ctrl+u"}, "", 0, 100, modalNone},
		{"end", []string{"end"}, "", 99, 100, modalNone},
		{"G groups by", []string{"G"}, "", 0, 100, modalRegroup},
		{"esc clears the filter", []string{"/", "e", "n", "t", "e", "r", "esc"}, "", 0, 100, modalNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := consoleAt(t, Options{Collection: c}, 100, 24)
			page := m.queue.list.page()
			if tc.name == "esc clears the filter" {
				keys(m, "/")
				typeText(m, "user_agent.name:sqlmap")
				keys(m, "enter")
				if len(m.queue.rows) != 25 {
					t.Fatalf("%d rows under the filter", len(m.queue.rows))
				}
				on := m.queue.rows[0].g.Key
				keys(m, "esc")
				// The cursor stays on its group, wherever it is now.
				for i, r := range m.queue.rows {
					if r.g.Key == on {
						tc.cursor = i
					}
				}
			} else {
				for _, k := range tc.keys {
					drive(m, ctrlKey(k))
				}
			}
			want := tc.cursor
			switch tc.name {
			case "ctrl+d pages down", "ctrl+d ctrl+d ctrl+u":
				want = page
			}
			if m.queue.list.cursor != want || len(m.queue.rows) != tc.rows || m.modal != tc.modal || m.queue.filter != tc.filter {
				t.Errorf("cursor %d rows %d modal %d filter %q; want %d %d %d %q", m.queue.list.cursor, len(m.queue.rows), m.modal, m.queue.filter,
					want, tc.rows, tc.modal, tc.filter)
			}
			if tc.name == "esc clears the filter" && !strings.Contains(m.View(), "filter cleared") {
				t.Errorf("no word of it:\n%s", m.View())
			}
		})
	}
}

func ctrlKey(k string) tea.KeyMsg {
	switch k {
	case "ctrl+d":
		return tea.KeyMsg{Type: tea.KeyCtrlD}
	case "ctrl+u":
		return tea.KeyMsg{Type: tea.KeyCtrlU}
	}
	return keyMsg(k)
}
