package spike

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

// countsOf counts evs per bucket as Elasticsearch's date_histogram would,
// oldest bucket first, and keeps each bucket's ids in time order.
func countsOf(evs []*triage.Event, span time.Duration) ([]BucketCount, map[time.Time][]string) {
	byStart := map[time.Time][]*triage.Event{}
	for _, ev := range evs {
		s := ev.Timestamp.Truncate(span)
		byStart[s] = append(byStart[s], ev)
	}
	var out []BucketCount
	ids := map[time.Time][]string{}
	for s, es := range byStart {
		slices.SortStableFunc(es, func(a, b *triage.Event) int { return a.Timestamp.Compare(b.Timestamp) })
		for _, ev := range es {
			ids[s] = append(ids[s], ev.ID)
		}
		out = append(out, BucketCount{Start: s, Count: len(es)})
	}
	slices.SortFunc(out, func(a, b BucketCount) int { return a.Start.Compare(b.Start) })
	return out, ids
}

// Feeding a bucket's count gives the same buckets, scores and findings as
// feeding its events; only the evidence (a sample of ids) and the
// influencer text (the counter's summaries) differ, and the reason says so.
func TestCountsAgreeWithEvents(t *testing.T) {
	span := DefaultBucketSpan
	series := func(seed uint64, days int, spikes map[int]float64) []*triage.Event {
		r := rand.New(rand.NewPCG(seed, seed+1))
		counts := synthSeries(r, season{3, 12, 1}, t0, span, days, 0.05)
		for i, n := range spikes {
			counts[i] += n
		}
		return eventsFor(t, t0, span, counts, seed+2)
	}
	rise := func(seed uint64, days int, ps ...planted) []*triage.Event {
		counts := benignDenies(seed, days, uniformNoise)
		for _, p := range ps {
			p.into(counts)
		}
		return eventsFor(t, t0, span, counts, seed+2)
	}
	sweep, _ := spikeStream(t, 400)
	for _, tc := range []struct {
		name     string
		evs      []*triage.Event
		opts     Options
		findings int  // at least this many
		noInf    bool // evidence ids without influencers
		noIDs    int  // leave the ids out of this many runs
		window   bool // a finding comes from the multi-bucket feature
	}{
		{name: "one sweep", evs: sweep, findings: 1},
		{name: "runs of several buckets", evs: series(31, 5, map[int]float64{2*96 + 50: 400, 3*96 + 60: 300, 3*96 + 61: 350, 3*96 + 62: 300}), findings: 2},
		{name: "without influencers", evs: series(31, 5, map[int]float64{2*96 + 50: 400, 3*96 + 60: 300, 3*96 + 61: 350}), findings: 2, noInf: true},
		{name: "a run without ids is not reported", evs: series(31, 5, map[int]float64{2*96 + 50: 400, 3*96 + 60: 300}), findings: 1, noIDs: 1},
		{name: "warm-up only", evs: series(41, 1, map[int]float64{50: 500})},
		{name: "longer than MaxHistory", evs: series(51, 6, map[int]float64{5*96 + 40: 400}), opts: Options{MaxHistory: 3 * 24 * time.Hour}, findings: 1},
		{name: "a sustained rise", evs: rise(61, 6, planted{at(5, 2, 0), []float64{12, 11, 11}}), findings: 1, window: true},
		{name: "a sustained rise and a spike, without influencers", evs: rise(62, 6, planted{at(4, 2, 0), []float64{12, 11, 11}}, planted{at(5, 14, 0), []float64{90}}), findings: 2, window: true, noInf: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			de := New(tc.opts)
			fromEvents := collect(de, tc.evs)

			dc := New(tc.opts)
			counts, ids := countsOf(tc.evs, span)
			dc.AddCounts("Elasticsearch", counts...)
			anomalous := dc.Anomalous()
			// Anomalous names every bucket a finding covers: the
			// anomalous ones and the windows that made them so.
			var want []time.Time
			windowed := false
			for _, f := range fromEvents {
				for s := f.Timestamp; s.Before(f.End); s = s.Add(span) {
					want = append(want, s)
				}
				windowed = windowed || strings.Contains(f.Reason, "buckets together")
			}
			inf := map[time.Time][]InfluencerField{}
			for _, b := range de.Buckets() {
				inf[b.Start] = b.Influencers
			}
			if !slices.Equal(anomalous, want) {
				t.Fatalf("Anomalous() = %v, the events' findings cover %v", anomalous, want)
			}
			if windowed != tc.window {
				t.Errorf("a finding from the multi-bucket feature: %v, want %v", windowed, tc.window)
			}
			skipped := map[time.Time]bool{}
			for i, s := range anomalous {
				if i < tc.noIDs {
					skipped[s] = true
					continue
				}
				bc := BucketCount{Start: s, IDs: ids[s][:min(10, len(ids[s]))]}
				if !tc.noInf {
					bc.Influencers = inf[s]
				}
				dc.AddCounts("Elasticsearch", bc)
			}
			var fromCounts []triage.Finding
			dc.Flush(func(f triage.Finding) { fromCounts = append(fromCounts, f) })

			// Buckets: the same counts, baseline and scores.
			eb, cb := de.Buckets(), dc.Buckets()
			if len(eb) != len(cb) || len(eb) == 0 {
				t.Fatalf("%d buckets from events, %d from counts", len(eb), len(cb))
			}
			for i := range eb {
				e, c := eb[i], cb[i]
				e.Influencers, c.Influencers = nil, nil
				if !reflect.DeepEqual(e, c) {
					t.Fatalf("bucket %d differs:\n events %+v\n counts %+v", i, e, c)
				}
			}

			// Findings: the same runs and scores; the counted ones cite a
			// sample of their ids and say where the counts came from.
			if len(fromEvents) < tc.findings || len(fromEvents) != len(fromCounts)+tc.noIDs {
				t.Fatalf("%d findings from events, %d from counts (%d runs left without ids), want at least %d",
					len(fromEvents), len(fromCounts), tc.noIDs, tc.findings)
			}
			fromEvents = slices.DeleteFunc(fromEvents, func(f triage.Finding) bool { return skipped[f.Timestamp] })
			for i, e := range fromEvents {
				c := fromCounts[i]
				t.Logf("events: %s\ncounts: %s", e.Reason, c.Reason)
				if e.Timestamp != c.Timestamp || e.End != c.End || e.EventCount != c.EventCount || e.Detector != c.Detector || e.SourceIP != c.SourceIP && !tc.noInf {
					t.Errorf("finding %d differs:\n events %+v\n counts %+v", i, e, c)
				}
				escore, _, _ := strings.Cut(e.Reason, "; ")
				cscore, _, _ := strings.Cut(c.Reason, "; ")
				if escore != cscore {
					t.Errorf("scores differ:\n events %s\n counts %s", escore, cscore)
				}
				buckets := int(c.End.Sub(c.Timestamp) / span)
				if len(c.Evidence) == 0 || len(c.Evidence) > 10*buckets {
					t.Errorf("%d evidence ids for %d buckets", len(c.Evidence), buckets)
				}
				for _, id := range c.EventIDs() {
					if !slices.Contains(e.EventIDs(), id) && !inRun(ids, c, id) {
						t.Errorf("evidence %q is not a deny of the run", id)
					}
				}
				if !strings.Contains(c.Reason, fmt.Sprintf("the %d denies were counted by Elasticsearch, not read as events; the evidence is a sample of %d of their ids", c.EventCount, len(c.Evidence))) {
					t.Errorf("reason does not say the denies were counted by Elasticsearch: %s", c.Reason)
				}
				switch {
				case tc.noInf:
					if !strings.Contains(c.Reason, "influencers were not available: Elasticsearch reported counts without them") {
						t.Errorf("reason does not say influencers were missing: %s", c.Reason)
					}
				case buckets == 1:
					// One bucket: the summaries are that bucket's own, so
					// the influencer text is the events' text.
					if !strings.HasPrefix(c.Reason, e.Reason+"; ") {
						t.Errorf("one-bucket reasons differ beyond the note:\n events %s\n counts %s", e.Reason, c.Reason)
					}
				default:
					if !strings.Contains(c.Reason, "at least") || !strings.Contains(c.Reason, "a lower bound") {
						t.Errorf("a run's distinct counts should read as lower bounds: %s", c.Reason)
					}
				}
			}

			// Lints: the same warm-up and history notes, plus the runs
			// that could not be reported.
			el, cl := de.Lints(), dc.Lints()
			if tc.noIDs == 0 && !slices.Equal(el, cl) {
				t.Errorf("lints differ:\n events %v\n counts %v", el, cl)
			}
			if tc.noIDs > 0 && !hasLintLike(cl, fmt.Sprintf(`^%d anomalous run\(s\) were not reported because no event id`, tc.noIDs)) {
				t.Errorf("no lint for the run without ids: %v", cl)
			}
			if tc.opts.MaxHistory > 0 && !hasLintLike(cl, `denied network events lay more than 3\.0 days before the newest one`) {
				t.Errorf("no lint for the history dropped: %v", cl)
			}
		})
	}
}

func inRun(ids map[time.Time][]string, f triage.Finding, id string) bool {
	for s := f.Timestamp; s.Before(f.End); s = s.Add(DefaultBucketSpan) {
		if slices.Contains(ids[s], id) {
			return true
		}
	}
	return false
}

// Counts keep memory bounded by MaxHistory as events do, and evidence
// for a bucket never counted is ignored rather than stretching the series.
func TestAddCountsBounded(t *testing.T) {
	span := DefaultBucketSpan
	hist := 2 * 24 * time.Hour
	limit := int(hist / span)
	d := New(Options{MaxHistory: hist})
	peak := 0
	for i := range 8 * 96 {
		d.AddCounts("test", BucketCount{Start: t0.Add(time.Duration(i) * span), Count: 3})
		peak = max(peak, len(d.buckets))
	}
	if peak > limit+97 {
		t.Errorf("held %d buckets at once, want at most %d", peak, limit+97)
	}
	d.AddCounts("test", BucketCount{Start: t0.Add(9 * 24 * time.Hour), IDs: []string{"x"}})            // evidence only: ignored
	d.AddCounts("test", BucketCount{Start: t0, Count: 5}, BucketCount{Start: t0.Add(span), Count: -1}) // too old; nonsense
	d.Flush(func(triage.Finding) {})
	bs := d.Buckets()
	if len(bs) != limit || !bs[len(bs)-1].Start.Equal(t0.Add(time.Duration(8*96-1)*span)) {
		t.Errorf("%d buckets ending %v, want the last %d", len(bs), bs[len(bs)-1].Start, limit)
	}
	if !hasLintLike(d.Lints(), fmt.Sprintf(`^%d denied network events lay more than 2\.0 days`, 3*(8*96-limit)+5)) {
		t.Errorf("lints = %v", d.Lints())
	}
}

// Summaries of several buckets add their top values' counts; their
// distinct counts cannot be added, so the largest is a lower bound.
func TestSummariesMerge(t *testing.T) {
	d := New(Options{})
	at := t0.Add(5 * 24 * time.Hour)
	src := func(top []InfluencerValue, distinct int) []InfluencerField {
		return []InfluencerField{{Field: "source.ip", Top: top, Distinct: distinct, Exact: true}, {Field: "no.such.field", Top: top}}
	}
	d.AddCounts("ES", BucketCount{Start: at, Count: 100, IDs: []string{"a"},
		Influencers: src([]InfluencerValue{{Value: "203.0.113.14", Count: 70}, {Value: "198.51.100.1", Count: 5}}, 20)})
	d.AddCounts("ES", BucketCount{Start: at.Add(DefaultBucketSpan), Count: 50, IDs: []string{"b"},
		Influencers: src([]InfluencerValue{{Value: "203.0.113.14", Count: 30}}, 12)})
	b0 := d.buckets[floorDiv(at.UnixNano(), int64(DefaultBucketSpan))]
	one := influencers([]*bucket{b0}, 100, 3)
	if len(one) != 1 || one[0].Distinct != 20 || !one[0].Exact || one[0].AtLeast || one[0].Top[0].Share != 0.7 {
		t.Errorf("one bucket's summary = %+v", one)
	}
	b1 := d.buckets[floorDiv(at.UnixNano(), int64(DefaultBucketSpan))+1]
	two := influencers([]*bucket{b0, b1}, 150, 3)
	if len(two) != 1 || two[0].Distinct != 20 || two[0].Exact || !two[0].AtLeast || two[0].Top[0].Count != 100 {
		t.Errorf("two buckets' summary = %+v", two)
	}
	if w := strings.Join(influencerWords(two), "; "); w != "67% from 203.0.113.14 (at least 20 distinct source addresses)" {
		t.Errorf("words = %q", w)
	}
}
