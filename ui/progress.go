package ui

// The loading progress bar in the status line: documents pulled from
// Elasticsearch or bytes read from files, with the rate and the time
// left, polled on the refresh tick so the source never waits on the
// screen and the keys never wait on the source.

import (
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/lipgloss"
)

// LoadProgress is how far a load has come.
type LoadProgress struct {
	// Done and Total count Units so far and in all; Total ≤ 0 is unknown.
	Done, Total int64
	// Unit is "documents" or "bytes".
	Unit string
	// Rate is Units per second; ETA the time left at that rate (0:
	// unknown).
	Rate float64
	ETA  time.Duration
}

// Units of LoadProgress.
const (
	UnitDocuments = "documents"
	UnitBytes     = "bytes"
)

// barWidth is the progress bar's width in cells; barColour reads on light
// and dark terminals alike.
const (
	barWidth  = 16
	barColour = "#5f87af"
)

// loadState is the root model's view of the load's progress.
type loadState struct {
	p    LoadProgress
	have bool
	bar  progress.Model
	init bool
}

// poll reads the source's progress (a lock and a copy); report may be
// nil.
func (l *loadState) poll(report func() (LoadProgress, bool)) {
	if report == nil {
		return
	}
	p, ok := report()
	if !ok {
		return
	}
	if !l.init {
		// Built once; ViewAs draws it without animation frames.
		l.bar = progress.New(progress.WithWidth(barWidth), progress.WithoutPercentage(),
			progress.WithFillCharacters('█', '░'), progress.WithSolidFill(barColour),
			progress.WithColorProfile(lipgloss.ColorProfile()))
		l.init = true
	}
	l.p, l.have = p, true
}

// view is the status line's loading indicator: a bar with the counts,
// rate and time left when the source reports progress, else the events
// kept so far.
func (l *loadState) view(st *Styles, kept int) string {
	events := plural(kept, "event")
	if !l.have {
		return st.Loading.Render("loading… " + events)
	}
	p := l.p
	var s string
	if p.Total > 0 {
		frac := min(float64(p.Done)/float64(p.Total), 1)
		s = l.bar.ViewAs(frac) + " " + strconv.Itoa(int(frac*100)) + "% " + amount(p.Done, p.Unit) + "/" + amount(p.Total, p.Unit)
	} else {
		s = amount(p.Done, p.Unit)
	}
	if p.Unit == UnitDocuments {
		s += " docs"
	}
	switch {
	case p.Rate >= 10 || p.Unit == UnitBytes:
		s += " · " + amount(int64(p.Rate), p.Unit) + "/s"
	case p.Rate > 0:
		s += " · " + strconv.FormatFloat(p.Rate, 'f', 1, 64) + "/s"
	}
	if p.ETA > 0 {
		s += " · ETA " + eta(p.ETA)
	}
	return st.Loading.Render("loading ") + s + st.Loading.Render(" · "+events)
}

// amount writes a count of units compactly: 12.3k documents, 45.6 MB.
func amount(n int64, unit string) string {
	if unit == UnitBytes {
		switch {
		case n >= 1<<30:
			return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GB"
		case n >= 1<<20:
			return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
		case n >= 1<<10:
			return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " kB"
		}
		return strconv.FormatInt(n, 10) + " B"
	}
	switch {
	case n >= 1_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "M"
	case n >= 10_000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatInt(n, 10)
}

// eta writes a duration as 45s, 3m05s or 2h10m.
func eta(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m" + pad2(int(d%time.Minute/time.Second)) + "s"
	}
	return strconv.Itoa(int(d/time.Hour)) + "h" + pad2(int(d%time.Hour/time.Minute)) + "m"
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
