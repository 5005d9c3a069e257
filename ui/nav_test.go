package ui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func TestListWindow(t *testing.T) {
	type op func(*listState)
	move := func(d int) op { return func(l *listState) { l.move(d) } }
	set := func(i int) op { return func(l *listState) { l.setCursor(i) } }
	height := func(h int) op { return func(l *listState) { l.setHeight(h) } }
	length := func(n int) op { return func(l *listState) { l.setLen(n) } }

	tests := []struct {
		name           string
		n, h           int
		ops            []op
		cursor, offset int
		start, end     int
	}{
		{"empty", 0, 5, []op{move(1), move(-1)}, 0, 0, 0, 0},
		{"fewer rows than height", 3, 10, nil, 0, 0, 0, 3},
		{"down within window", 100, 10, []op{move(5)}, 5, 0, 0, 10},
		{"down to last visible", 100, 10, []op{move(9)}, 9, 0, 0, 10},
		{"down one past scrolls by one", 100, 10, []op{move(10)}, 10, 1, 1, 11},
		{"up does not scroll until top", 100, 10, []op{move(15), move(-5)}, 10, 6, 6, 16},
		{"up past top scrolls", 100, 10, []op{move(15), move(-12)}, 3, 3, 3, 13},
		{"stops at end", 100, 10, []op{move(1000)}, 99, 90, 90, 100},
		{"stops at start", 100, 10, []op{move(-3)}, 0, 0, 0, 10},
		{"end then home", 100, 10, []op{set(99), set(0)}, 0, 0, 0, 10},
		{"shrink list clamps cursor", 100, 10, []op{set(80), length(20)}, 19, 10, 10, 20},
		{"grow height keeps cursor visible", 100, 10, []op{set(50), height(30)}, 50, 41, 41, 71},
		{"shrink height keeps cursor visible", 100, 30, []op{set(29), height(10)}, 29, 20, 20, 30},
		{"zero height", 100, 0, []op{set(7)}, 7, 7, 7, 7},
		{"one row", 1, 10, []op{move(1)}, 0, 0, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := listState{}
			l.setHeight(tc.h)
			l.setLen(tc.n)
			for _, o := range tc.ops {
				o(&l)
			}
			s, e := l.window()
			if l.cursor != tc.cursor || l.offset != tc.offset || s != tc.start || e != tc.end {
				t.Errorf("cursor=%d offset=%d window=[%d,%d), want cursor=%d offset=%d window=[%d,%d)",
					l.cursor, l.offset, s, e, tc.cursor, tc.offset, tc.start, tc.end)
			}
		})
	}
}

func TestListKeys(t *testing.T) {
	k := defaultKeys()
	tests := []struct {
		keys   []string
		cursor int
	}{
		{[]string{"down", "j", "j"}, 3},
		{[]string{"down", "up", "k"}, 0},
		{[]string{"pgdown"}, 10},
		{[]string{"pgdown", "pgdown", "pgup"}, 10},
		{[]string{"end"}, 49},
		{[]string{"G"}, 49},
		{[]string{"G", "g"}, 0},
		{[]string{"G", "home"}, 0},
		{[]string{"G", "j"}, 49},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.keys, ","), func(t *testing.T) {
			l := listState{}
			l.setHeight(10)
			l.setLen(50)
			for _, s := range tc.keys {
				if !l.handleKey(keyMsg(s), &k) {
					t.Fatalf("%s not handled", s)
				}
			}
			if l.cursor != tc.cursor {
				t.Errorf("cursor %d, want %d", l.cursor, tc.cursor)
			}
		})
	}
	l := listState{}
	if l.handleKey(keyMsg("x"), &k) {
		t.Error("x handled as navigation")
	}
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		view viewID
		want []string // in the rendered view
	}{
		{"start in queue", nil, viewQueue, []string{"SOURCE IP", "203.0.113.7"}},
		{"enter opens group", []string{"enter"}, viewGroup, []string{"REASON", "blocked SQL injection in parameter id (0)", "appsensor:CIE1, appsensor:RE2"}},
		{"esc back to queue", []string{"enter", "esc"}, viewQueue, []string{"SOURCE IP"}},
		{"esc in queue stays", []string{"esc"}, viewQueue, nil},
		{"enter on finding opens event", []string{"enter", "j", "enter"}, viewEvent, []string{"reason blocked SQL injection in parameter id (1)", "EVENT ev-1", "http.request.method: GET", "tags[10]: k"}},
		{"esc from event to group", []string{"enter", "enter", "esc"}, viewGroup, []string{"REASON"}},
		{"esc twice from event to queue", []string{"enter", "enter", "esc", "esc"}, viewQueue, []string{"SOURCE IP"}},
		{"hostile group, several evidence events", []string{"j", "enter", "enter"}, viewEvent, []string{"EVIDENCE  57 events, ids of the first 3 listed  (1/3)", `labels.evil: \x1b[2J`}},
		{"evidence not kept", []string{"j", "enter", "enter", "j"}, viewEvent, []string{"(2/3)", "event not kept (only the first 3 events are kept for viewing)"}},
		{"evidence has the keys first", []string{"j", "enter", "enter"}, viewEvent, []string{"↓/j next event"}},
		{"tab then j moves in fields not evidence", []string{"j", "enter", "enter", "tab", "j"}, viewEvent, []string{"(1/3)", "↓/j next field", "▸ source ip"}},
		{"queue cursor kept after back", []string{"j", "j", "enter", "esc"}, viewQueue, []string{"▸ "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newModel(context.Background(), Options{Title: "t", Collection: testCollection(t)})
			m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			press(m, tc.keys...)
			if m.view != tc.view {
				t.Fatalf("view %d, want %d", m.view, tc.view)
			}
			v := m.View()
			for _, w := range tc.want {
				if !strings.Contains(v, w) {
					t.Errorf("view lacks %q:\n%s", w, v)
				}
			}
			if strings.ContainsRune(v, 0x1b) {
				t.Errorf("raw ESC in view")
			}
			if n := strings.Count(v, "\n") + 1; n != 40 {
				t.Errorf("view has %d lines, want 40", n)
			}
		})
	}
}

func TestQueueCursorBounds(t *testing.T) {
	m := newModel(context.Background(), Options{Collection: testCollection(t)})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 24})
	press(m, "k", "up")
	if m.queue.list.cursor != 0 {
		t.Errorf("cursor %d after up at top", m.queue.list.cursor)
	}
	press(m, "j", "j", "j", "j", "j", "j")
	if m.queue.list.cursor != 3 {
		t.Errorf("cursor %d after moving past the end, want 3", m.queue.list.cursor)
	}
	g, _ := m.queue.selected()
	if g.Key.UserAgent != "curl/8.5.0" {
		t.Errorf("selected %q, want the last group", g.Key.UserAgent)
	}
}

func TestEmptyQueueEnter(t *testing.T) {
	m := New(Options{Title: "none"}).(*model)
	press(m, "enter", "j", "end") // G groups by… in the queue: end goes to the last row
	if m.view != viewQueue {
		t.Errorf("enter on an empty queue left the queue")
	}
	if !strings.Contains(m.View(), "no findings") {
		t.Errorf("empty queue view:\n%s", m.View())
	}
}

// TestVisibleRows checks the queue draws exactly the rows that fit, for
// several terminal heights and with and without full help.
func TestVisibleRows(t *testing.T) {
	c := benchCollection(500)
	for _, h := range []int{8, 12, 24, 50} {
		for _, full := range []bool{false, true} {
			m := newModel(context.Background(), Options{Collection: c})
			m.Update(tea.WindowSizeMsg{Width: 100, Height: h})
			if full {
				press(m, "?")
			}
			press(m, "end") // G groups by… in the queue
			v := m.View()
			if n := strings.Count(v, "\n") + 1; n != h {
				t.Errorf("h=%d full=%v: %d lines", h, full, n)
			}
			helpH := min(strings.Count(m.help.View(m.helpKeys()), "\n")+1, h-4)
			rows := h - 2 - helpH - 1
			if m.queue.list.height != rows {
				t.Errorf("h=%d full=%v: list height %d, want %d", h, full, m.queue.list.height, rows)
			}
			if s, e := m.queue.list.window(); e != 500 || e-s != rows {
				t.Errorf("h=%d full=%v: window [%d,%d)", h, full, s, e)
			}
			if !strings.Contains(v, "500/500") {
				t.Errorf("h=%d full=%v: position missing", h, full)
			}
		}
	}
}

func TestHelpToggle(t *testing.T) {
	m := newModel(context.Background(), Options{Collection: testCollection(t)})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	short := m.View()
	press(m, "?")
	full := m.View()
	if !strings.Contains(full, "page down") || strings.Contains(short, "page down") {
		t.Errorf("full help not toggled:\n%s", full)
	}
	press(m, "enter", "enter")
	if !strings.Contains(m.View(), "back to group") {
		t.Errorf("event view help is not the event view's:\n%s", m.View())
	}
}

func TestEventPanes(t *testing.T) {
	m := newModel(context.Background(), Options{Collection: testCollection(t)})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 24})
	press(m, "j", "enter", "enter") // hostile group: three evidence ids
	if m.event.focus != paneEvidence {
		t.Fatal("evidence list does not have the keys")
	}
	press(m, "j")
	if m.event.evidence.cursor != 1 || m.event.shown != 1 || m.event.vp.YOffset != 0 {
		t.Errorf("j in evidence: cursor=%d shown=%d yoff=%d", m.event.evidence.cursor, m.event.shown, m.event.vp.YOffset)
	}
	press(m, "k", "tab", "j", "j")
	if m.event.evidence.cursor != 0 || m.event.flist.cursor != 2 {
		t.Errorf("j in fields: evidence cursor=%d field cursor=%d", m.event.evidence.cursor, m.event.flist.cursor)
	}
	press(m, "G")
	if m.event.flist.cursor != len(m.event.fields)-1 {
		t.Errorf("G did not go to the last field: %d of %d", m.event.flist.cursor, len(m.event.fields))
	}
	press(m, "J", "G")
	if !m.event.vp.AtBottom() || !strings.Contains(m.View(), "raw JSON") {
		t.Error("raw JSON: G did not scroll to the bottom")
	}
	press(m, "J", "tab", "G")
	if m.event.evidence.cursor != 2 || m.event.flist.cursor != 0 {
		t.Errorf("G in evidence: cursor=%d field cursor=%d", m.event.evidence.cursor, m.event.flist.cursor)
	}
}

// While loading, groups reorder as findings arrive; the cursor stays on
// the top (worst) group until the analyst moves it, and then follows the
// group they chose.
func TestQueueCursorDuringRefresh(t *testing.T) {
	m := newModel(context.Background(), Options{Collection: testCollection(t)})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 24})
	gs := m.queue.rows
	if len(gs) < 3 {
		t.Fatal("test collection too small")
	}
	m.queue.list.setCursor(2) // the program put it there, not the analyst
	m.queue.setRows([]queueRow{gs[2], gs[0], gs[1]})
	if m.queue.list.cursor != 2 {
		t.Errorf("untouched cursor followed a group to %d", m.queue.list.cursor)
	}
	m.queue.list.setCursor(0)
	press(m, "j") // the analyst picks gs[0]... now at index 1: gs[0]
	picked, _ := m.queue.selected()
	m.queue.setRows(gs)
	if now, _ := m.queue.selected(); now.Key != picked.Key {
		t.Errorf("cursor left the chosen group %v for %v", picked.Key, now.Key)
	}
}
