package ui

import (
	"math"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// SpikeSeries is the firewall-deny model's view of the data, for the
// histogram: one entry per bucket of event time. The wiring fills it from
// detectors/spike after a run.
type SpikeSeries struct {
	Title     string        // the detector's title
	Span      time.Duration // bucket span, 15 minutes
	Threshold float64       // anomaly score threshold, 75
	Buckets   []SpikeBucket
}

// SpikeBucket is one bucket: the observed count, the expected count and
// band, the anomaly score, and what the denies had in common.
type SpikeBucket struct {
	Start             time.Time
	Count             int
	Expected          float64
	Lower, Upper      float64 // central band; all zero before the model has a baseline
	Score             float64
	Scored, Anomalous bool
	Influencers       []SpikeInfluencer
}

// SpikeInfluencer is one influencer field of a bucket with its top values.
type SpikeInfluencer struct {
	Field    string
	Distinct int
	Top      []SpikeValue
}

// SpikeValue is one value of an influencer and its share of the bucket.
type SpikeValue struct {
	Value string
	Count int
	Share float64
}

// spikeModel is the histogram view: denies per bucket as bars, the
// expected band behind them, anomalous buckets marked, and the selected
// bucket's details and influencers.
type spikeModel struct {
	a      *app
	series *SpikeSeries
	list   listState // over buckets; the window is the chart's columns
	// source is the selected bucket's source address picked with ↑/↓
	// (an index into its source.ip influencer's values), -1 for all.
	source int
	width  int
	height int
}

func (m *spikeModel) set(s *SpikeSeries) {
	m.series = s
	m.source = -1
	n := 0
	if s != nil {
		n = len(s.Buckets)
	}
	m.list.setLen(n)
	// Open on the first anomaly, else the last bucket.
	m.list.setCursor(n - 1)
	if s != nil {
		for i, b := range s.Buckets {
			if b.Anomalous {
				m.list.setCursor(i)
				break
			}
		}
	}
}

// spikeDetailLines is the space under the chart: axis, marks, details.
const spikeDetailLines = 10

func (m *spikeModel) setSize(w, h int) {
	m.width, m.height = w, h
	m.list.setHeight(max(w-8, 10)) // columns; the y axis labels take 8
}

func (m *spikeModel) chartHeight() int { return max(m.height-spikeDetailLines-1, 3) }

// handleKey: esc goes back where the histogram was opened from, h and
// l move by a bucket, ] and [ jump to the next and previous anomalous
// bucket, ↑ and ↓ pick one of the bucket's source addresses, and enter
// filters the queue to the groups of the bucket's sources (or of the one
// picked). The histogram claims every key but the global ones.
func (m *spikeModel) handleKey(km tea.KeyMsg) (tea.Cmd, bool) {
	k := m.a.keys
	before := m.list.cursor
	defer func() {
		if m.list.cursor != before {
			m.source = -1
		}
	}()
	switch {
	case isGlobal(km, k):
		return nil, false
	case keyIs(km, k.Back):
		m.a.nav.back()
	case m.series == nil:
	case keyIs(km, k.Enter):
		return m.jumpToBucket(), true
	case keyIs(km, k.Up):
		m.source = max(m.source-1, -1)
	case keyIs(km, k.Down):
		if m.list.cursor < len(m.series.Buckets) {
			m.source = min(m.source+1, len(m.series.Buckets[m.list.cursor].sources())-1)
		}
	case keyIs(km, k.Left):
		m.list.move(-1)
	case keyIs(km, k.Right):
		m.list.move(1)
	case keyIs(km, k.NextMark):
		m.jump(1)
	case keyIs(km, k.PrevMark):
		m.jump(-1)
	default:
		m.list.handleKey(km, k)
	}
	return nil, true
}

func (m *spikeModel) position() string { return position(m.list) }

// jump moves to the next anomalous bucket in direction d: each one, as
// the header counts them (a run of anomalous buckets is one finding, but
// its buckets are read one by one).
func (m *spikeModel) jump(d int) {
	bs := m.series.Buckets
	for i := m.list.cursor + d; i >= 0 && i < len(bs); i += d {
		if bs[i].Anomalous {
			m.list.setCursor(i)
			return
		}
	}
}

func (m *spikeModel) View() string {
	st := m.a.st
	if m.series == nil || len(m.series.Buckets) == 0 {
		msg := "no denied network events to chart (the spike model counts event.category:network with event.outcome:deny or event.type:denied)"
		if m.series == nil {
			msg = "the firewall deny model has not run (yet): the histogram fills when loading finishes"
		}
		return joinLines([]string{st.Section.Render(clip("DENIES PER BUCKET", m.width)), "  " + st.Dim.Render(clip(msg, m.width-2))}, m.height)
	}
	s := m.series
	bs := s.Buckets
	lines := []string{}
	anoms := 0
	for _, b := range bs {
		if b.Anomalous {
			anoms++
		}
	}
	title := triage.Escape(s.Title) + "  denies per " + spanText(s.Span) + " bucket · " + plural(len(bs), "bucket") + " · " +
		plural(anoms, "anomalous bucket") + " (score ≥ " + strconv.FormatFloat(s.Threshold, 'f', -1, 64) + ")"
	lines = append(lines, st.Section.Render(clip(title, m.width)))

	start, end := m.list.window()
	lines = append(lines, m.chartLines(start, end)...)

	lines = append(lines, m.bucketLines(bs[m.list.cursor])...)
	return joinLines(lines, m.height)
}

// chartLines draws the buckets from start to end as bars, the expected
// band behind them, the marks (! anomalous, ^ the cursor) and the time
// axis.
func (m *spikeModel) chartLines(start, end int) []string {
	st, bs := m.a.st, m.series.Buckets
	var lines []string
	peak := 1.0
	for _, b := range bs[start:end] {
		peak = math.Max(peak, math.Max(float64(b.Count), b.Upper))
	}
	h := m.chartHeight()
	levels := float64(h * 8)
	for row := h - 1; row >= 0; row-- {
		var b strings.Builder
		label := ""
		switch row {
		case h - 1:
			label = strconv.Itoa(int(math.Round(peak)))
		case 0:
			label = "0"
		}
		b.WriteString(fitRight(label, 6))
		b.WriteString(" ┤")
		for i := start; i < end; i++ {
			bk := bs[i]
			fill := float64(bk.Count) / peak * levels
			cell := fill - float64(row*8)
			var ch string
			switch {
			case cell >= 8:
				ch = "█"
			case cell > 0:
				ch = string(sparkLevels[min(int(cell), 7)])
				if int(cell) == 0 {
					ch = "▁"
				}
			default:
				// Behind the bar: the band's upper edge as "·", the
				// expected count as "-".
				ch = " "
				hi := bk.Upper / peak * levels
				mid := bk.Expected / peak * levels
				rlo, rhi := float64(row*8), float64(row*8+8)
				switch {
				case bk.Upper <= 0:
				case mid >= rlo && mid < rhi:
					ch = st.Band.Render("-")
				case hi >= rlo && hi < rhi:
					ch = st.Band.Render("·")
				}
			}
			if ch != " " && bk.Anomalous && cell > 0 {
				ch = st.Anomaly.Render(ch)
			}
			b.WriteString(ch)
		}
		lines = append(lines, b.String())
	}
	// Marks: ! for anomalous buckets, ^ under the cursor.
	var mk strings.Builder
	mk.WriteString(strings.Repeat(" ", 8))
	for i := start; i < end; i++ {
		switch {
		case i == m.list.cursor:
			mk.WriteString(st.Marker.Render("^"))
		case bs[i].Anomalous:
			mk.WriteString(st.Anomaly.Render("!"))
		default:
			mk.WriteByte(' ')
		}
	}
	lines = append(lines, mk.String())
	axis := "        " + fmtTime(bs[start].Start, shortTime)
	last := fmtTime(bs[end-1].Start, shortTime)
	if gap := 8 + (end - start) - len(axis) - len(last); gap > 1 {
		axis += strings.Repeat(" ", gap) + last
	}
	lines = append(lines, st.Dim.Render(clip(axis, m.width)))

	return lines
}

// bucketLines describes the selected bucket: its span, count, expected
// band and score, and what the denies had in common.
func (m *spikeModel) bucketLines(b SpikeBucket) []string {
	st, s := m.a.st, m.series
	var lines []string
	sel := st.Label.Render("bucket ") + fmtTime(b.Start, "2006-01-02 15:04") + "–" + fmtTime(b.Start.Add(s.Span), "15:04") + " UTC" +
		st.Label.Render("  denies ") + strconv.Itoa(b.Count)
	if b.Upper > 0 || b.Expected > 0 {
		sel += st.Label.Render("  expected ") + strconv.FormatFloat(b.Expected, 'f', 1, 64) +
			st.Label.Render(" band ") + strconv.FormatFloat(b.Lower, 'f', 0, 64) + "–" + strconv.FormatFloat(b.Upper, 'f', 0, 64)
	} else {
		sel += st.Dim.Render("  no baseline yet")
	}
	switch {
	case !b.Scored:
		sel += st.Dim.Render("  not scored (warm-up)")
	case b.Anomalous:
		sel += "  " + st.Anomaly.Render("ANOMALOUS score "+strconv.FormatFloat(b.Score, 'f', 0, 64))
	default:
		sel += st.Label.Render("  score ") + strconv.FormatFloat(b.Score, 'f', 0, 64)
	}
	lines = append(lines, clip(sel, m.width))
	head := st.Section.Render("INFLUENCERS")
	if len(b.sources()) > 0 {
		who := "its sources' groups"
		if m.source >= 0 {
			who = "the groups of " + triage.Escape(b.sources()[m.source])
		}
		head += st.Dim.Render("  ↑/↓ pick a source · enter: " + who + " in the queue")
	}
	lines = append(lines, clip(head, m.width))
	if len(b.Influencers) == 0 {
		lines = append(lines, "  "+st.Dim.Render("none (no denies in this bucket)"))
	}
	for _, inf := range b.Influencers {
		vals := make([]string, 0, len(inf.Top))
		for i, v := range inf.Top {
			val := triage.Escape(v.Value) + " " + strconv.Itoa(int(math.Round(v.Share*100))) + "%"
			if inf.Field == "source.ip" && i == m.source {
				val = st.Marker.Render("▸") + st.Selected.Render(val)
			}
			vals = append(vals, val)
		}
		l := "  " + st.FieldKey.Render(fit(triage.Escape(inf.Field), 33)) + " " + strings.Join(vals, ", ")
		if inf.Distinct > len(inf.Top) {
			l += st.Dim.Render(" (" + strconv.Itoa(inf.Distinct) + " distinct)")
		}
		lines = append(lines, clip(l, m.width))
	}
	return lines
}

func spanText(d time.Duration) string {
	if d <= 0 {
		return "?"
	}
	if d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + "-hour"
	}
	return strconv.Itoa(int(d/time.Minute)) + "-minute"
}
