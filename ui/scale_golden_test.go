package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/teatest"
)

// TestScaleGolden renders the queue at campaign scale on the planted wave
// (wave_test.go) and compares it with testdata/TestScaleGolden/<name>.golden
// (go test ./ui -run TestScaleGolden -update). The README's captures come
// from these files.
func TestScaleGolden(t *testing.T) {
	tests := []struct {
		name string
		w, h int
		keys []string
		text string // typed after the keys, then the after keys
		then []string
		want string
	}{
		{"campaign_120x18", 120, 18, nil, "", nil, "campaign · 300 sources · AE11 · Nov 13 19:00–19:39"},
		{"campaign_open_120x18", 120, 18, []string{"j", "j", "j", "enter"}, "", nil, "▿ campaign"},
		{"campaign_view_120x18", 120, 18, []string{"j", "j", "j", "c"}, "", nil, "folded on AE11"},
		{"regroup_picker_100x24", 100, 24, []string{"G", "space", "j", "space", "j", "j", "space", "k", "space"}, "", nil, "url.path › user.name"},
		{"regrouped_120x18", 120, 18, []string{"G", "space", "j", "space", "j", "j", "space", "k", "space", "enter", "j", "right"}, "", nil, "URL.PATH › USER.NAME"},
		{"bulk_status_120x18", 120, 18, []string{"/"}, "user.name:customer00*", []string{"enter", "V", "s"}, "status of 80 selected groups"},
		{"filter_unknown_120x18", 120, 18, []string{"/"}, "shop.nothing:x", []string{"enter"}, "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := consoleAt(t, waveOptions(newMemStore()), tc.w, tc.h)
			keys(m, tc.keys...)
			typeText(m, tc.text)
			keys(m, tc.then...)
			v := m.View()
			if !strings.Contains(v, tc.want) {
				t.Errorf("view lacks %q:\n%s", tc.want, v)
			}
			if strings.ContainsRune(v, 0x1b) {
				t.Errorf("raw ESC in the view")
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
