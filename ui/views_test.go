package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/teatest"

	"picket/casefile"
	"picket/triage"
)

// TestViewsGolden renders every view at a fixed size with the ASCII
// profile and compares it with testdata/TestViewsGolden/<name>.golden
// (regenerate with go test ./ui -run TestViewsGolden -update).
func TestViewsGolden(t *testing.T) {
	tests := []struct {
		name string
		w, h int
		keys []string
		text string // typed after the keys
		want string // must be in the view
	}{
		{"queue_80x24", 80, 24, nil, "", "sqlmap (tool)"},
		{"queue_160x40", 160, 40, nil, "", "FIRST SEEN"},
		{"group_100x30", 100, 30, []string{"enter"}, "", "CHECKLIST"},
		{"group_checklist_160x40", 160, 40, []string{"c", "space", "j"}, "", "[x] Did any request succeed?"},
		{"group_notes_100x30", 100, 30, []string{"enter", "tab", "tab"}, "", "NOTES"},
		{"finding_100x30", 100, 30, []string{"j", "enter", "enter"}, "", "lint"},
		{"finding_raw_80x24", 80, 24, []string{"enter", "enter", "J"}, "", "raw JSON"},
		{"histogram_100x30", 100, 30, []string{"H"}, "", "INFLUENCERS"},
		{"allow_dialog_100x30", 100, 30, []string{"a"}, "", "would suppress"},
		{"exception_dialog_100x30", 100, 30, []string{"enter", "e"}, "", "New exception"},
		{"editor_80x24", 80, 24, []string{"n"}, "# Verdict\n- scanner", "ctrl+s"},
		{"filter_error_100x24", 100, 24, []string{"/"}, `user_agent.original:"sqlmap`, "✗"},
		{"help_100x30", 100, 30, []string{"?"}, "", "reverse sort"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := newMemStore()
			store.AddNote(context.Background(), casefile.Note{TargetKind: casefile.TargetGroup,
				TargetKey: "203.0.113.7 sqlmap/1.7.2#stable (https://sqlmap.org)", Author: "ana", Created: t0,
				Body: "## Triage\n- sqlmap from a **VPS**\n- blocked at the WAF: `403`\n\n```\ncurl -A x\n```"})
			o := testOptions(t, store)
			o.Spike = func() *SpikeSeries { return testSeries() }
			o.Lints = func() []triage.Lint {
				return []triage.Lint{{Detector: "elastic:9a7c3f10-1111-2222-3333-444455556666", Message: "rule reads user_agent.name, absent from 40% of events", Count: 12}}
			}
			o.Detectors = func(id string) (triage.DetectorInfo, bool) {
				return triage.DetectorInfo{ID: id, Title: "Suspicious user agent", Summary: "user agents of known tools"}, true
			}
			m := consoleAt(t, o, tc.w, tc.h)
			keys(m, tc.keys...)
			typeText(m, tc.text)
			if tc.name == "filter_error_100x24" {
				keys(m, "enter")
			}
			v := m.View()
			if !strings.Contains(v, tc.want) {
				t.Errorf("view lacks %q:\n%s", tc.want, v)
			}
			if strings.ContainsRune(v, 0x1b) {
				t.Errorf("raw ESC in the view")
			}
			if n := strings.Count(v, "\n") + 1; n != tc.h {
				t.Errorf("%d lines, want %d", n, tc.h)
			}
			for i, l := range strings.Split(v, "\n") {
				if w := lipglossWidth(l); w > tc.w {
					t.Errorf("line %d is %d cells wide (> %d): %q", i, w, tc.w, l)
				}
			}
			teatest.RequireEqualOutput(t, []byte(v))
		})
	}
}

// TestSelectionWithoutColour checks that in every list the selected row
// carries a marker that needs no colour (the ASCII profile drops colours
// and keeps only the text).
func TestSelectionWithoutColour(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		mark string
	}{
		{"queue", nil, "▸  CRIT"},
		{"group findings", []string{"enter"}, "▸ Mar 14 09:00:00"},
		{"checklist", []string{"c"}, "▸ [ ] Did any request succeed?"},
		{"evidence", []string{"j", "enter", "enter"}, "▸ ev-1"},
		{"fields", []string{"enter", "enter", "j"}, "▸ source ip"},
		{"histogram", []string{"H"}, "^"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(t, nil)
			o.Spike = func() *SpikeSeries { return testSeries() }
			m := consoleAt(t, o, 120, 40)
			keys(m, tc.keys...)
			if v := m.View(); !strings.Contains(v, tc.mark) {
				t.Errorf("no %q marker:\n%s", tc.mark, v)
			}
		})
	}
}

func TestResize(t *testing.T) {
	m := consoleAt(t, testOptions(t, nil), 160, 50)
	keys(m, "enter")
	for _, size := range [][2]int{{80, 24}, {200, 60}, {40, 12}, {100, 30}} {
		drive(m, teaSize(size[0], size[1]))
		v := m.View()
		if n := strings.Count(v, "\n") + 1; n != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], n)
		}
		for i, l := range strings.Split(v, "\n") {
			if w := lipglossWidth(l); w > size[0] {
				t.Errorf("%dx%d: line %d is %d wide", size[0], size[1], i, w)
			}
		}
	}
}
