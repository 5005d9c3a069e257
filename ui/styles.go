package ui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"picket/triage"
)

// Styles holds every lipgloss style the console uses. It is built once by
// newStyles and shared by pointer with the views, so no view creates styles
// while rendering.
type Styles struct {
	Title     lipgloss.Style // "Picket" in the header
	Source    lipgloss.Style // source name in the header
	Demo      lipgloss.Style // the demo-data marker
	Counts    lipgloss.Style // counts in the header
	ColHeader lipgloss.Style // column headings
	Selected  lipgloss.Style // the cursor row (after the badge)
	Marker    lipgloss.Style // the cursor marker
	Dim       lipgloss.Style // secondary text
	Label     lipgloss.Style // labels in summaries and hot fields
	FieldKey  lipgloss.Style // dotted paths in the document view
	Section   lipgloss.Style // section headings in the detail views
	Focused   lipgloss.Style // heading of the focused pane
	Spark     lipgloss.Style // sparklines
	Status    lipgloss.Style // status line
	Error     lipgloss.Style // errors in the status line
	Warn      lipgloss.Style // warnings count in the status line
	Loading   lipgloss.Style // loading indicator
	Info      lipgloss.Style // confirmations in the status line
	Filter    lipgloss.Style // the active filter in the status line

	Suppressed lipgloss.Style // suppressed rows, shown on request
	Anomaly    lipgloss.Style // anomalous histogram buckets
	Band       lipgloss.Style // the expected band in the histogram
	Done       lipgloss.Style // ticked checklist steps, closed status
	MDHeading  lipgloss.Style // Markdown headings in notes
	MDCode     lipgloss.Style // Markdown code in notes
	Dialog     lipgloss.Style // the frame of dialogs and editors

	// Sev is the badge style per severity, indexed by triage.Severity.
	Sev [triage.Critical + 1]lipgloss.Style
	// SevUnknown is the badge for a severity outside the known range.
	SevUnknown lipgloss.Style

	Help help.Styles

	// badges are the rendered severity badges, rendered once: the queue
	// draws one per row.
	badges     [triage.Critical + 1]string
	badgeOther string
}

func newStyles() *Styles {
	dim := lipgloss.AdaptiveColor{Light: "#6c6c6c", Dark: "#8a8a8a"}
	accent := lipgloss.AdaptiveColor{Light: "#005f87", Dark: "#5fafff"}
	badge := lipgloss.NewStyle().Bold(true).Padding(0, 1)

	s := &Styles{
		Title:     lipgloss.NewStyle().Bold(true).Foreground(accent),
		Source:    lipgloss.NewStyle().Bold(true),
		Demo:      lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("231")).Background(lipgloss.Color("127")).Padding(0, 1),
		Counts:    lipgloss.NewStyle().Foreground(dim),
		ColHeader: lipgloss.NewStyle().Bold(true).Foreground(dim),
		Selected:  lipgloss.NewStyle().Bold(true).Reverse(true),
		Marker:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		Dim:       lipgloss.NewStyle().Foreground(dim),
		Label:     lipgloss.NewStyle().Foreground(dim),
		FieldKey:  lipgloss.NewStyle().Foreground(accent),
		Section:   lipgloss.NewStyle().Bold(true).Foreground(dim),
		Focused:   lipgloss.NewStyle().Bold(true).Foreground(accent),
		Spark:     lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#5f8700", Dark: "#87d75f"}),
		Status:    lipgloss.NewStyle().Foreground(dim),
		Error:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("196")),
		Warn:      lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("214")),
		Loading:   lipgloss.NewStyle().Bold(true).Foreground(accent),
		Info:      lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#005f00", Dark: "#87d75f"}),
		Filter:    lipgloss.NewStyle().Bold(true),

		Suppressed: lipgloss.NewStyle().Faint(true).Strikethrough(true),
		Anomaly:    lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("196")),
		Band:       lipgloss.NewStyle().Foreground(dim),
		Done:       lipgloss.NewStyle().Foreground(dim),
		MDHeading:  lipgloss.NewStyle().Bold(true).Underline(true),
		MDCode:     lipgloss.NewStyle().Foreground(accent),
		Dialog:     lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1),

		SevUnknown: badge.Foreground(lipgloss.Color("231")).Background(lipgloss.Color("240")),
	}
	s.Sev[triage.Critical] = badge.Foreground(lipgloss.Color("231")).Background(lipgloss.Color("160"))
	s.Sev[triage.High] = badge.Foreground(lipgloss.Color("16")).Background(lipgloss.Color("208"))
	s.Sev[triage.Medium] = badge.Foreground(lipgloss.Color("16")).Background(lipgloss.Color("220"))
	s.Sev[triage.Low] = badge.Foreground(lipgloss.Color("231")).Background(lipgloss.Color("25"))

	for i := range s.Sev {
		s.badges[i] = s.Sev[i].Render(sevShort[i])
	}
	s.badgeOther = s.SevUnknown.Render(" ?  ")

	h := help.New().Styles
	h.ShortKey = lipgloss.NewStyle().Foreground(accent)
	h.FullKey = h.ShortKey
	s.Help = h
	return s
}

// badgeWidth is the display width of a severity badge: four letters and
// one cell of padding either side.
const badgeWidth = 6

// badge renders the severity badge, always badgeWidth cells wide.
func (s *Styles) badge(sev triage.Severity) string {
	if sev < triage.Low || sev > triage.Critical {
		return s.badgeOther
	}
	return s.badges[sev]
}

var sevShort = [...]string{"LOW ", "MED ", "HIGH", "CRIT"}

// cursorBar marks the text cursor where reverse video is not available.
const cursorBar = "▏"

// cursorStyle is the style of the text cursor in the filter input, the
// note editor and the dialog fields. The cursor is drawn reversed; in the
// ASCII profile (NO_COLOR, or a terminal without colours) reverse is
// dropped with the colours, so a bar is drawn before the character under
// the cursor instead (in place of the blank after the text at its end).
func cursorStyle() lipgloss.Style {
	return lipgloss.NewStyle().Transform(func(s string) string {
		if lipgloss.ColorProfile() != termenv.Ascii {
			return s
		}
		if s == " " || s == "" {
			return cursorBar
		}
		return cursorBar + s
	})
}
