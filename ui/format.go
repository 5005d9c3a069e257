package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"picket/triage"
)

// sparkLevels are the sparkline glyphs. An hour without findings is drawn
// with the lowest glyph so the baseline stays visible; hours with findings
// use the seven higher ones, scaled to the busiest hour.
var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// sparkline draws counts as a bar per bucket, scaled to the largest count.
func sparkline(counts []int) string {
	peak := 0
	for _, c := range counts {
		peak = max(peak, c)
	}
	var b strings.Builder
	b.Grow(len(counts) * 3)
	top := len(sparkLevels) - 1
	for _, c := range counts {
		lvl := 0
		if c > 0 && peak > 0 {
			lvl = (c*top + peak - 1) / peak // ceil: 1..top, so one finding still shows
			lvl = min(max(lvl, 1), top)
		}
		b.WriteRune(sparkLevels[lvl])
	}
	return b.String()
}

// shortDetector makes a detector id fit a column: "appsensor:RE2" → "RE2",
// "elastic:<rule id>" → "elastic:" and the rule id's first 8 characters.
// The result is escaped.
func shortDetector(id string) string {
	if s, ok := strings.CutPrefix(id, "appsensor:"); ok {
		return triage.Escape(s)
	}
	if s, ok := strings.CutPrefix(id, "elastic:"); ok {
		r := []rune(s)
		if len(r) > 8 {
			s = string(r[:8])
		}
		return "elastic:" + triage.Escape(s)
	}
	return triage.Escape(id)
}

// shortDetectors joins the short ids of a group's detectors.
func shortDetectors(ids []string) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(shortDetector(id))
	}
	return b.String()
}

// fit truncates s (plain text, already escaped) to w display cells with a
// trailing "…" and pads it with spaces to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// fitRight is fit, aligned right.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-sw) + s
}

// clip truncates a possibly styled line to w cells.
func clip(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// Times are shown in UTC, the analyst's common reference.
const (
	shortTime = "Jan 02 15:04"
	longTime  = "Jan 02 15:04:05"
	fullTime  = "2006-01-02T15:04:05.000Z07:00"
)

func fmtTime(t time.Time, layout string) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(layout)
}

// sevName is the severity's name in upper case.
func sevName(s triage.Severity) string { return strings.ToUpper(s.String()) }

// joinLines joins exactly h lines, padding with empty lines or dropping the
// extra ones, so a view always fills its height.
func joinLines(lines []string, h int) string {
	if h <= 0 {
		return ""
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	var b strings.Builder
	for i := range h {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(lines) {
			b.WriteString(lines[i])
		}
	}
	return b.String()
}

// keyIs reports whether msg is one of b's keys.
func keyIs(msg tea.KeyMsg, b key.Binding) bool { return key.Matches(msg, b) }

// lipglossWidth is the display width of a possibly styled string.
func lipglossWidth(s string) int { return ansi.StringWidth(s) }
