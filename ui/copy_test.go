package ui

import (
	"context"
	"strings"
	"testing"

	"picket/casefile"
)

func TestClipboardText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"two\nlines", "two\nlines"},
		{"end paste \x1b[201~ then run", `end paste \x1b[201~ then run`},
		{"rm -rf ~\r", `rm -rf ~\r`},
		{"osc \x1b]52;c;ZXZpbA==\x07", `osc \x1b]52;c;ZXZpbA==\x07`},
		{"bidi \u202egnp.exe", `bidi \u202egnp.exe`},
		{"tab\there\n\x1b[2J\nlast", "tab\\there\n\\x1b[2J\nlast"},
	}
	for _, tc := range tests {
		if got := clipboardText(tc.in); got != tc.want {
			t.Errorf("clipboardText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCopyEscapes: y never puts a control character on the clipboard
// (pasted into a terminal it would run), whatever is copied; line
// breaks stay.
func TestCopyEscapes(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		note string // a note on the sqlmap group, before the keys
		want string
	}{
		{"field with an escape sequence", []string{"enter", "enter", "FIELD labels.evil"}, "", `\x1b[2J`},
		{"reason with an OSC sequence", []string{"j", "enter"}, "", `user agent contains \x1b]0;pwned\x07 control characters`},
		{"note keeps its lines", []string{"enter", "tab", "tab"}, "first \x1b[31mred\r\nsecond", "first \\x1b[31mred\\r\nsecond"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := newMemStore()
			if tc.note != "" {
				store.AddNote(context.Background(), casefile.Note{TargetKind: casefile.TargetGroup,
					TargetKey: "203.0.113.7 sqlmap/1.7.2#stable (https://sqlmap.org)", Body: tc.note, Created: t0})
			}
			var got string
			o := testOptions(t, store)
			o.Copy = func(s string) error { got = s; return nil }
			m := consoleAt(t, o, 120, 30)
			for _, k := range tc.keys {
				if path, ok := strings.CutPrefix(k, "FIELD "); ok {
					for i, r := range m.event.fields {
						if r.path == path {
							m.event.flist.setCursor(i)
						}
					}
					continue
				}
				keys(m, k)
			}
			keys(m, "y")
			if got != tc.want {
				t.Errorf("copied %q, want %q", got, tc.want)
			}
			for _, r := range got {
				if r < 0x20 && r != '\n' || r == 0x7f || r == '\u202e' {
					t.Errorf("control character %U on the clipboard: %q", r, got)
				}
			}
		})
	}
}
