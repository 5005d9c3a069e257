package spike

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"picket/triage"
)

// finding reports the buckets of run r of the series pts, whose first
// bucket has index lo. It reports false, and notes the run for a lint,
// when the run has no evidence id: buckets fed as counts whose ids were
// never added.
func (d *Detector) finding(lo int64, all []point, r findingRun) (triage.Finding, bool) {
	span := d.opts.BucketSpan
	pts := all[r.start:r.end]
	first := lo + int64(r.start)
	start := time.Unix(0, first*int64(span)).UTC()
	end := start.Add(time.Duration(len(pts)) * span)
	bs := make([]*bucket, len(pts))
	var observed, expected float64
	peak := r.first - r.start
	for i := range pts {
		bs[i] = d.buckets[first+int64(i)]
		observed += pts[i].count
		expected += pts[i].expected
		if !pts[i].anomaly {
			continue
		}
		if pts[i].score > pts[peak].score || pts[i].score == pts[peak].score && pts[i].count > pts[peak].count {
			peak = i
		}
	}
	total := int(observed)
	f := triage.Finding{
		Detector:  ID,
		Title:     Title,
		Severity:  triage.Low,
		RiskScore: RiskScore,
		Timestamp: start,
		End:       end,
	}
	// Evidence: the kept ids of each bucket in turn, round-robin, so a
	// long run is cited from start to end; EventCount is every deny.
	for k := 0; len(f.Evidence) < triage.MaxEvidence; k++ {
		added := false
		for _, b := range bs {
			if b != nil && k < len(b.ids) {
				f.Evidence = append(f.Evidence, b.ids[k])
				added = true
				if len(f.Evidence) == triage.MaxEvidence {
					break
				}
			}
		}
		if !added {
			break
		}
	}
	f.EventCount = max(total, len(f.Evidence))
	fed, fedInf, fedIDs := 0, false, 0
	for _, b := range bs {
		if b != nil && b.fed > 0 {
			fed += b.fed
			fedInf = fedInf || b.fedInf
			fedIDs += len(b.ids)
		}
	}

	inf := influencers(bs, total, 3)
	for _, fi := range inf {
		if fi.Field == "source.ip" && len(fi.Top) > 0 && fi.Top[0].Share >= 0.5 {
			if a, err := netip.ParseAddr(fi.Top[0].Value); err == nil {
				f.SourceIP = a
			}
		}
	}
	f.Impact = meaningOf(f.SourceIP, inf)

	var w strings.Builder
	p := pts[peak]
	if p.fromWindow() {
		bucketAt := func(j int) time.Time { return time.Unix(0, (lo+int64(j))*int64(span)).UTC() }
		d.windowWords(&w, all, r, r.start+peak, bucketAt, total, expected)
	} else {
		if len(pts) == 1 {
			fmt.Fprintf(&w, "%d denied network events in the %s bucket from %s, expected about %s (normally at most %s): anomaly score %d",
				total, spanWords(span), start.Format("2006-01-02 15:04 MST"), countWords(p.expected), countWords(p.upper), int(math.Floor(p.score)))
		} else {
			fmt.Fprintf(&w, "%d denied network events in %d %s buckets from %s to %s, expected about %s in all; peak %d at %s against about %s (normally at most %s): anomaly score %d",
				total, len(pts), spanWords(span), start.Format("2006-01-02 15:04"), end.Format("15:04 MST"), countWords(expected),
				int(p.count), start.Add(time.Duration(peak)*span).Format("15:04"), countWords(p.expected), countWords(p.upper), int(math.Floor(p.score)))
		}
		fmt.Fprintf(&w, " >= %g (tail probability %s", d.opts.Threshold, probWords(p.log10P))
		if p.calibration < 0.95 {
			fmt.Fprintf(&w, ", tempered to %.2f of its surprise because this history is spikier than the model's noise", p.calibration)
		}
		w.WriteString(")")
	}
	for _, s := range influencerWords(inf) {
		w.WriteString("; ")
		w.WriteString(s)
	}
	if fed > 0 {
		w.WriteString("; ")
		w.WriteString(d.countedWords(fed, total, fedInf, len(bs), fedIDs))
	}
	f.Reason = w.String()
	if len(f.Evidence) == 0 {
		d.noEvidence = append(d.noEvidence, fmt.Sprintf("%s (%d denies, score %d)", start.Format("2006-01-02 15:04 MST"), total, int(math.Floor(p.score))))
		return f, false
	}
	return f, true
}

// windowWords phrases a finding whose peak, bucket i of all, the
// multi-bucket feature made anomalous: the window's buckets together,
// what was expected of them, and how little each scored alone. The
// finding covers run r, with total denies where expected were expected;
// bucketAt gives the start of bucket j of all.
func (d *Detector) windowWords(w *strings.Builder, all []point, r findingRun, i int, bucketAt func(int) time.Time, total int, expected float64) {
	span := d.opts.BucketSpan
	p := all[i]
	first := i - p.window + 1
	from, to := bucketAt(first), bucketAt(i+1)
	alone := 0.0
	for j := first; j <= i; j++ {
		alone = max(alone, all[j].single)
	}
	normally := quantileZ(zBandHigh, p.winExpected, sumPhi(p.winExpected, p.winVariance))
	if r.start == first && r.end == i+1 {
		fmt.Fprintf(w, "%d buckets together: %d denies where about %s were expected (normally at most %s), in the %s buckets from %s to %s",
			p.window, int(p.winCount), countWords(p.winExpected), countWords(normally),
			spanWords(span), from.Format("2006-01-02 15:04"), to.Format("15:04 MST"))
	} else {
		fmt.Fprintf(w, "%d denied network events in %d %s buckets from %s to %s, expected about %s in all; peak %d buckets together from %s to %s: %d denies where about %s were expected (normally at most %s)",
			total, r.end-r.start, spanWords(span), bucketAt(r.start).Format("2006-01-02 15:04"), bucketAt(r.end).Format("15:04 MST"), countWords(expected),
			p.window, from.Format("15:04"), to.Format("15:04"), int(p.winCount), countWords(p.winExpected), countWords(normally))
	}
	fmt.Fprintf(w, "; alone, none of them scored above %d: anomaly score %d >= %g (tail probability %s for their sum",
		int(math.Floor(alone)), int(math.Floor(p.score)), d.opts.Threshold, probWords(p.winLog10P))
	if p.winCalibration < 0.95 {
		fmt.Fprintf(w, ", tempered to %.2f of its surprise because this history's sums are spikier than the model's noise", p.winCalibration)
	}
	fmt.Fprintf(w, ", multi-bucket impact %+d)", int(math.Round(p.impact)))
}

// countedWords says, in a finding's reason, that fed of its total denies
// were counted by someone else (AddCounts) and what that changes: the
// evidence is a sample, and the influencers are that counter's summaries,
// or not available.
func (d *Detector) countedWords(fed, total int, withInf bool, buckets, ids int) string {
	by := d.countedBy
	if by == "" {
		by = "the data source"
	}
	var w strings.Builder
	if fed == total {
		fmt.Fprintf(&w, "the %d denies were counted by %s, not read as events", total, by)
	} else {
		fmt.Fprintf(&w, "%d of the %d denies were counted by %s, not read as events", fed, total, by)
	}
	if ids > 0 {
		fmt.Fprintf(&w, "; the evidence is a sample of %d of their ids", ids)
	}
	if withInf {
		fmt.Fprintf(&w, "; the influencers are %s's own summaries of each bucket's denies (its top values, and distinct counts that are its estimates", by)
		if buckets > 1 {
			w.WriteString(", and over several buckets the largest of them, a lower bound")
		}
		w.WriteString(")")
	} else {
		fmt.Fprintf(&w, "; influencers were not available: %s reported counts without them", by)
	}
	return w.String()
}

// influencerWords phrases the influencers for a reason: the top sources
// with their shares and how many there were, the destination ports, and
// a destination or source country or AS organisation when one value
// dominates.
func influencerWords(inf []InfluencerField) []string {
	var out []string
	for _, f := range inf {
		if len(f.Top) == 0 {
			continue
		}
		top := f.Top[0]
		switch f.Field {
		case "source.ip":
			var parts []string
			for i, v := range f.Top {
				if i < 2 && v.Share >= 0.1 {
					parts = append(parts, fmt.Sprintf("%s from %s", pct(v.Share), v.Value))
				}
			}
			d := distinctWords(f, "source address", "source addresses")
			if len(parts) == 0 {
				out = append(out, "from "+d)
			} else {
				out = append(out, strings.Join(parts, ", ")+" ("+d+")")
			}
		case "destination.port":
			s := distinctWords(f, "destination port", "destination ports")
			if f.Distinct > 1 && top.Share >= 0.1 {
				s += fmt.Sprintf(" (%s to port %s)", pct(top.Share), top.Value)
			} else if f.Distinct == 1 && !f.AtLeast {
				s = "all to destination port " + top.Value
			}
			out = append(out, s)
		default:
			if top.Share < 0.5 {
				continue
			}
			noun := map[string]string{
				"destination.geo.country_name":     "destination country",
				"destination.as.organization.name": "destination AS organisation",
				"source.geo.country_name":          "source country",
			}[f.Field]
			out = append(out, fmt.Sprintf("%s %s %s", noun, top.Value, pct(top.Share)))
		}
	}
	return out
}

func distinctWords(f InfluencerField, one, many string) string {
	if f.AtLeast {
		if f.Distinct == 1 {
			return "at least 1 distinct " + one
		}
		return fmt.Sprintf("at least %d distinct %s", f.Distinct, many)
	}
	if f.Distinct == 1 && f.Exact {
		return "1 distinct " + one
	}
	if f.Exact {
		return fmt.Sprintf("%d distinct %s", f.Distinct, many)
	}
	return fmt.Sprintf("about %d distinct %s", roundSig2(f.Distinct), many)
}

// roundSig2 rounds an estimate to two significant digits, so it reads as
// one: 1171 becomes 1200.
func roundSig2(n int) int {
	if n < 100 {
		return n
	}
	p := int(math.Pow(10, math.Floor(math.Log10(float64(n)))-1))
	return int(math.Round(float64(n)/float64(p))) * p
}

func pct(share float64) string {
	return strconv.Itoa(int(math.Round(100*share))) + "%"
}

// countWords prints an expected count: one decimal below 10, whole above.
func countWords(x float64) string {
	if x < 10 {
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.Itoa(int(math.Round(x)))
}

// probWords prints log10 P as "2e-07" or "< 1e-300".
func probWords(l float64) string {
	if l < -300 {
		return "< 1e-300"
	}
	p := math.Pow(10, l)
	return strconv.FormatFloat(p, 'g', 2, 64)
}

// spanWords prints a span as "15-minute", "1-hour", "1-day".
func spanWords(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "-day"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "-hour"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "-minute"
	}
	return d.String()
}

// days prints a duration in days with one decimal.
func days(d time.Duration) string {
	return strconv.FormatFloat(d.Hours()/24, 'f', 1, 64)
}

// Lints reports, after Flush, what the analyst should know about this
// run: how long the model was still learning (no finding can come from
// those buckets) and whether the weekly pattern was learned, deny-like
// events the job's datafeed does not select (by kind, with examples),
// denies without a timestamp, buckets dropped for age, and anomalous runs
// of counted buckets (AddCounts) not reported because no id was added.
func (d *Detector) Lints() []triage.Lint {
	if !d.flushed {
		return nil
	}
	return d.lints
}

func (d *Detector) makeLints() []triage.Lint {
	var out []triage.Lint
	add := func(n int, format string, args ...any) {
		out = append(out, triage.Lint{Detector: ID, Message: fmt.Sprintf(format, args...), Count: n})
	}
	p := d.params
	span := d.opts.BucketSpan
	if n := len(d.result); n > 0 {
		history := time.Duration(n) * span
		need := time.Duration(p.scoreFrom) * span
		first := d.result[0].Start
		if p.period == 0 {
			add(d.unscored, "the %s bucket span does not divide a day into at least 4 buckets, so the model has no daily or weekly seasonality: it compares each bucket with the mean of the %d before it, and scored none of the first %d buckets",
				span, nonSeasonalWarm, p.scoreFrom)
		} else if n <= p.scoreFrom {
			add(d.unscored, "model learned %s days of history: daily seasonality needs %s days, so no bucket was scored and none of the %d denied events can raise a finding",
				days(history), days(need), d.unscored)
		} else {
			add(d.unscored, "model learned %s days of history: daily seasonality needs %s days, so buckets before %s (%d denied events) were not scored",
				days(history), days(need), first.Add(need).Format("2006-01-02 15:04 MST"), d.unscored)
			if n <= p.weeklyFrom {
				add(0, "weekly seasonality needs more than %s days of buckets and this run had %s: weekdays and weekends shared one daily profile, corrected only by the level of the last %s",
					days(time.Duration(p.weeklyFrom)*span), days(history), levelSpan)
			} else {
				add(0, "weekly seasonality was used from %s on (after %s days of history)",
					first.Add(time.Duration(p.weeklyFrom)*span).Format("2006-01-02 15:04 MST"), days(time.Duration(p.weeklyFrom)*span))
			}
		}
	} else if d.network > 0 {
		add(0, "none of the %d network events matched the job's datafeed (event.category: network and event.outcome: deny or event.type: denied): nothing to model", d.network)
	}
	lookWords := [numLookalikes]string{
		lookAction:   "have an event.action that says deny, drop, block, reject or reset",
		lookVendor:   "have a firewall vendor's action field that says so",
		lookCase:     "say deny or denied in another letter case (keyword matches are case-sensitive)",
		lookCategory: "say deny or denied but are not event.category: network",
	}
	for k := lookAction; k < numLookalikes; k++ {
		s := d.looks[k]
		if s.count == 0 {
			continue
		}
		add(s.count, "%d events %s, but Elastic's job (%s) does not count them: its datafeed needs event.category: network and event.outcome: deny or event.type: denied; e.g. %s",
			s.count, lookWords[k], JobID, strings.Join(s.examples, ", "))
	}
	if d.noTime > 0 {
		add(d.noTime, "%d denied network events had no usable @timestamp and were not counted", d.noTime)
	}
	if len(d.noEvidence) > 0 {
		add(0, "%d anomalous run(s) were not reported because no event id was added to their counted buckets (a finding must cite evidence): %s",
			len(d.noEvidence), strings.Join(d.noEvidence, ", "))
	}
	if d.dropped > 0 {
		add(d.dropped, "%d denied network events lay more than %s days before the newest one and were not modelled", d.dropped, days(d.opts.MaxHistory))
	}
	return out
}

// meaningOf says what a spike means: when one internal host makes most of
// the denied connections, and they go to few ports, it is a host calling
// out (a beacon blocked by the egress policy), which ranks with the high
// findings whatever the count; a spike from outside is a probe.
func meaningOf(src netip.Addr, inf []InfluencerField) triage.Impact {
	if !src.IsValid() || !(src.IsPrivate() || src.IsLoopback()) {
		return triage.ImpactNone
	}
	for _, fi := range inf {
		if fi.Field == "destination.port" && len(fi.Top) > 0 && fi.Top[0].Share >= 0.8 {
			return triage.ImpactBeacon
		}
	}
	return triage.ImpactNone
}
