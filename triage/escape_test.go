package triage

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile holds what attackers put in fields to act on an analyst's
// terminal: OSC 52 clipboard writes, window titles, screen clears, C1 CSI,
// bidi overrides, zero-width characters, a BOM, invalid UTF-8.
var hostile = []string{
	"\x1b]52;c;cGF5bG9hZA==\x07",
	"\x1b]0;pwned\x07",
	"\x1b[2J\x1b[H",
	"\u009b31m",
	"admin\u202egnp.exe",
	"ad\u200bmin",
	"\ufeffbom",
	"bad\xff\xfeutf8",
	"line\rover",
	"sep\u2028line",
}

// rawControl reports the first character in s a terminal would act on.
func rawControl(s string) (rune, bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeForTerminal(r) {
			return r, true
		}
		i += size
	}
	return 0, false
}

func TestTerminalWriterEscapesEverything(t *testing.T) {
	for _, h := range hostile {
		for split := 0; split <= len(h); split++ {
			var out bytes.Buffer
			w := NewTerminalWriter(&out)
			in := "before " + h + " after\n"
			cut := len("before ") + split
			w.Write([]byte(in[:cut]))
			w.Write([]byte(in[cut:]))
			w.Flush()
			if r, bad := rawControl(out.String()); bad {
				t.Errorf("%q split at %d: raw %U reached the terminal: %q", h, split, r, out.String())
			}
			if !strings.HasPrefix(out.String(), "before ") || !strings.HasSuffix(out.String(), " after\n") {
				t.Errorf("%q: surrounding text changed: %q", h, out.String())
			}
		}
	}
}

// TestTerminalWriterKeepsJSON: JSON through the writer decodes to the same
// value, so `picket detect | jq` sees the attacker's bytes, escaped.
func TestTerminalWriterKeepsJSON(t *testing.T) {
	for _, h := range hostile {
		if !utf8.ValidString(h) {
			continue // encoding/json replaces invalid UTF-8 itself
		}
		b, _ := json.Marshal(map[string]string{"v": h})
		var out bytes.Buffer
		NewTerminalWriter(&out).Write(b)
		var got map[string]string
		if err := json.Unmarshal(out.Bytes(), &got); err != nil || got["v"] != h {
			t.Errorf("%q: JSON round trip gave %q, %v (wrote %s)", h, got["v"], err, out.Bytes())
		}
		if r, bad := rawControl(out.String()); bad {
			t.Errorf("%q: raw %U in JSON output", h, r)
		}
		safe := SafeJSON(b)
		if err := json.Unmarshal(safe, &got); err != nil || got["v"] != h {
			t.Errorf("SafeJSON(%q) round trip gave %q, %v", h, got["v"], err)
		}
		if r, bad := rawControl(string(safe)); bad {
			t.Errorf("SafeJSON(%q): raw %U", h, r)
		}
	}
}

func TestEscapeInvisible(t *testing.T) {
	for _, h := range hostile {
		if r, bad := rawControl(Escape(h)); bad {
			t.Errorf("Escape(%q) leaves %U", h, r)
		}
	}
}

// Quote quotes as Escape escapes: \x07 where Go's %q writes \a.
func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{"bell\a", `"bell\x07"`},
		{`say "hi" \o/`, `"say \"hi\" \\o/"`},
		{"\x1b[31m\u202e\xff", `"\x1b[31m\u202e\xff"`},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
