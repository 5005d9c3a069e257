package ui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestFilterReachesFindingsAndEvents: a query on a field the queue's rows
// do not have matches a group through its findings or the kept events
// its findings cite; a field the console cannot know is an error beside
// the input, not an empty list.
func TestFilterReachesFindingsAndEvents(t *testing.T) {
	tests := []struct {
		name   string
		group  []string // G picker keys first, if any
		query  string
		top    int    // top-level rows shown
		rows   int    // rows shown
		err    string // shown beside the input; the list stays
		status string // in the status line
	}{
		{"user.name from findings", nil, "user.name:anna*", 1, 1, "", "1/9 groups"},
		{"a campaign through its members, shown open", nil, "user.name:customer00*", 1, 1 + 80, "", "1/9 groups"},
		{"url.path from events", nil, "url.path:/login", 7, 7, "", "7/9 groups"},
		{"events with their finding's fields", nil, "url.path:/login and detector:AE11", 6, 6, "", "6/9 groups"},
		{"event and finding fields apart", nil, "url.path:/admin", 1, 1, "", "1/9 groups"},
		{"ECS field of the events", nil, "http.request.method:TRACK", 1, 1, "", "1/9 groups"},
		{"a field of this shop's own, in the events", nil, "shop.tenant:staging", 1, 1, "", "1/9 groups"},
		{"an ECS field no event has: no error, no group", nil, "dns.question.name:example.org", 0, 0, "", "0/9 groups"},
		{"unknown field", nil, "shop.nothing:x", 9, 9, "unknown field shop.nothing: not an ECS field, not a group or finding field, and in none of the 311 kept events", ""},
		{"row fields stay row matches", nil, "not detector:AE11", 3, 3, "", "3/9 groups"},
		{"under another chain, the key's field", []string{"G", "space", "j", "space", "j", "j", "space", "enter"}, "url.path:/admin", 1, 1, "", "1/3 groups"},
		{"under another chain, events", []string{"G", "space", "j", "space", "j", "j", "space", "enter"}, "user.name:anna", 1, 1, "", "1/3 groups"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := consoleAt(t, waveOptions(nil), 160, 40)
			keys(m, tc.group...)
			keys(m, "/")
			typeText(m, tc.query)
			keys(m, "enter")
			v := m.View()
			if tc.err != "" {
				if m.modal != modalFilter || !strings.Contains(v, "✗ "+tc.err) {
					t.Fatalf("error %q not beside the input:\n%s", tc.err, v)
				}
			} else if m.modal != modalNone {
				t.Fatalf("input still open: %q", m.input.err)
			}
			if m.queue.shownTop != tc.top || len(m.queue.rows) != tc.rows {
				t.Errorf("%d top rows, %d rows; want %d and %d", m.queue.shownTop, len(m.queue.rows), tc.top, tc.rows)
			}
			if tc.status != "" && !strings.Contains(v, tc.status) {
				t.Errorf("status line lacks %q:\n%s", tc.status, v)
			}
		})
	}
}

// TestDeepFilterRunsOffTheLoop: on a big run the search through findings
// runs in a command; the status line says so meanwhile, and its answer
// replaces the rows.
func TestDeepFilterRunsOffTheLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("large collection")
	}
	c := benchCollection(syncRows+5000, 1)
	m := newModel(context.Background(), Options{Collection: c})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	keys(m, "/")
	typeText(m, "reason:bench*")
	_, cmd := m.Update(keyMsg("enter"))
	if cmd == nil {
		t.Fatal("no command: the search ran on the input loop")
	}
	if !strings.Contains(m.View(), "searching findings and events…") {
		t.Errorf("status line does not say the search goes on:\n%s", m.View())
	}
	runCmd(m, cmd, 0)
	if len(m.queue.rows) != syncRows+5000 {
		t.Errorf("%d rows after the search, want every group (each has a bench reason)", len(m.queue.rows))
	}
}

// TestClearingTheFilterKeepsTheCursor: esc on a filter keeps the cursor on
// the row it was on: a campaign row, or a member the filter showed under
// its campaign (the campaign stays open for it). The cursor went back to
// the first row.
func TestClearingTheFilterKeepsTheCursor(t *testing.T) {
	for _, tc := range []struct {
		name string
		pick func(queueRow) bool
	}{
		{"the campaign row", func(r queueRow) bool { return r.g.Campaign != nil }},
		{"a member", func(r queueRow) bool { return r.depth == 1 && r.g.Key.SourceIP.String() == "198.18.0.7" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := consoleAt(t, waveOptions(nil), 160, 40)
			keys(m, "/")
			typeText(m, "user.name:customer00*")
			keys(m, "enter")
			at := -1
			for i, r := range m.queue.rows {
				if tc.pick(r) {
					at = i
				}
			}
			if at < 0 {
				t.Fatal("no such row under the filter")
			}
			m.queue.list.setCursor(at)
			want := m.queue.rows[at].g.Key
			keys(m, "esc")
			if m.queue.filter != "" {
				t.Fatal("esc kept the filter")
			}
			if g, ok := m.queue.selected(); !ok || g.Key != want || m.queue.list.cursor == 0 {
				t.Errorf("cursor on row %d (%v) after esc, want %v (not the first row)", m.queue.list.cursor, g.Key, want)
			}
		})
	}
}
