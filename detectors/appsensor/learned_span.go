package appsensor

import (
	"fmt"
	"math/bits"
	"strings"

	"picket/triage"
)

// CIE2 reads APM database spans (processor.event "span", span.type "db")
// that record span.db.rows_affected, and learns per transaction name and
// statement (span.name, "SELECT FROM users") how many rows are usual. A
// span far above the learned 99th percentile, and over an absolute floor,
// is the "expected 5 rows, got 10,000" of the AppSensor guide: a query
// widened by injection, or an export nobody should run.
//
// Spans name no client, so the model cannot set one actor apart from the
// others: it learns from every span that did not fail and that it did not
// itself report, and findings carry the span's address and agent only
// when the document has them.

// rowsHist is a histogram of row counts in powers of two, enough for a
// percentile within a factor of two (CIE2's margin is ten).
type rowsHist struct {
	n   uint32
	b   [65]uint32
	max int64
}

func (h *rowsHist) add(rows int64) {
	h.n++
	h.b[bits.Len64(uint64(rows))]++
	h.max = max(h.max, rows)
}

// p99 returns an upper bound of the 99th percentile: the top of the
// bucket holding it.
func (h *rowsHist) p99() int64 {
	need := (uint64(h.n)*99 + 99) / 100
	var sum uint64
	for i, c := range h.b {
		sum += uint64(c)
		if sum >= need {
			if i == 0 {
				return 0
			}
			return min(int64(1)<<i-1, h.max)
		}
	}
	return h.max
}

type cie2 struct {
	tick     ticker
	o        LearnOptions
	b        *bursts
	stats    *table[string, rowsHist]
	spans    int // db spans with a row count
	unjudged int
	events   int
}

func newCIE2(o LearnOptions) *cie2 {
	info := pointInfo("CIE2", fmt.Sprintf("an APM db span whose span.db.rows_affected is over %g times the learned 99th percentile for its transaction and statement, and at least %d rows (learned from %d spans)", o.CIE2Factor, o.CIE2Floor, o.MinRequests))
	return &cie2{o: o, b: newBursts(info, "query"), stats: newTable[string, rowsHist](o.MaxRoutes).approximate(o.MaxRoutes / 4)}
}

func (c *cie2) Info() triage.DetectorInfo { return c.b.info }

func (c *cie2) Observe(ev *triage.Event, emit func(triage.Finding)) {
	c.events++
	if ev.Processor != "span" {
		if c.b.open.len() > 0 && c.tick.due(ev.Timestamp) {
			c.b.observeTime(ev.Timestamp, emit)
		}
		return
	}
	// Spans are the one place these points read the document again; most
	// spans carry no row count and cost one lookup.
	vs := ev.Get("span.db.rows_affected")
	if len(vs) == 0 {
		return
	}
	rows, ok := vs[0].Number()
	if !ok || rows < 0 {
		return
	}
	if t := ev.GetString("span.type"); t != "db" && !strings.HasPrefix(t, "db.") {
		return
	}
	c.spans++
	stmt := ev.GetString("span.name")
	key := ev.Route + "\x00" + stmt
	where := stmt
	if ev.Route != "" {
		where = stmt + " in " + ev.Route
	}
	h := c.stats.get(key)
	n := int64(rows)
	flagged := false
	if h != nil && int(h.n) >= c.o.MinRequests {
		p := h.p99()
		limit := max(int64(c.o.CIE2Factor*float64(max(p, 1))), c.o.CIE2Floor)
		if n >= limit {
			flagged = true
			c.b.hit(ev, fmt.Sprintf("%d rows from %s (learned 99th percentile at most %d over %d spans)", n, clip(where, 100), p, h.n), emit)
		}
	} else {
		c.unjudged++
	}
	if !flagged && ev.Outcome != "failure" { // reported or failed spans teach nothing
		if h == nil {
			h = c.stats.add(key)
		}
		h.add(n)
	}
	if !flagged {
		c.b.observeTime(ev.Timestamp, emit)
	}
}

func (c *cie2) Flush(emit func(triage.Finding)) { c.b.flushAll(emit) }

func (c *cie2) Lints() []triage.Lint {
	if c.spans == 0 {
		if c.events == 0 {
			return nil
		}
		return []triage.Lint{{Detector: "appsensor:CIE2", Message: "no APM db span with span.db.rows_affected in the data: CIE2 had nothing to judge (agents record row counts only for some drivers)"}}
	}
	out := append(c.b.lints(), evictionLint(c.b.info.ID, c.stats.evicted, fmt.Sprintf("more than %d transaction and statement pairs", c.o.MaxRoutes),
		"the pair seen least recently was forgotten and had to be learned again")...)
	return append(out, warmupLint("CIE2", c.unjudged, c.spans, "db spans with a row count", fmt.Sprintf("their transaction and statement had fewer than %d earlier spans", c.o.MinRequests))...)
}
