package spike

import (
	"fmt"
	"math"
	"slices"
	"time"

	"picket/triage"
)

// Identity of the seed rule this detector re-runs.
const (
	ID        = "elastic:eaa77d63-9679-4ce3-be25-3ba8b795e5fa"
	Title     = "Spike in Firewall Denies"
	JobID     = "high_count_network_denies"
	RiskScore = 21
)

// Defaults of Options.
const (
	DefaultThreshold         = 75.0
	DefaultBucketSpan        = 15 * time.Minute
	DefaultEvidencePerBucket = 50
	DefaultMaxHistory        = 120 * 24 * time.Hour
)

// Options configure the detector. Zero fields take the defaults.
type Options struct {
	// Threshold is the anomaly score (0-100) at or above which a bucket
	// is anomalous: the rule's anomaly_threshold, 75.
	Threshold float64
	// BucketSpan is the job's bucket_span, 15 minutes. Daily and weekly
	// seasonality need a span that divides a day into at least four
	// buckets; other spans get a baseline without seasonality.
	BucketSpan time.Duration
	// EvidencePerBucket caps the event ids kept per bucket (a finding
	// lists at most triage.MaxEvidence of them and counts them all).
	EvidencePerBucket int
	// MaxHistory bounds how much event time is modelled: buckets older
	// than this before the newest one are dropped and counted in a lint.
	MaxHistory time.Duration
}

func (o Options) withDefaults() Options {
	if o.Threshold <= 0 || o.Threshold > 100 {
		o.Threshold = DefaultThreshold
	}
	if o.BucketSpan <= 0 {
		o.BucketSpan = DefaultBucketSpan
	}
	if o.EvidencePerBucket <= 0 {
		o.EvidencePerBucket = DefaultEvidencePerBucket
	}
	if o.MaxHistory <= 0 {
		o.MaxHistory = DefaultMaxHistory
	}
	return o
}

// Detector re-runs Elastic's "Spike in Firewall Denies" locally. It counts
// the events the ML job's datafeed selects into buckets of event time
// while the stream passes, then, in Flush, scores every bucket against a
// baseline learned from the buckets before it and reports each run of
// anomalous buckets as one finding. Memory grows with the number of
// buckets (each holds bounded influencer tallies and capped evidence ids),
// never with the number of events, and events may arrive in any order.
type Detector struct {
	opts    Options
	params  params
	buckets map[int64]*bucket
	filter  filter
	intern  map[string]string

	events   int // denies counted into buckets
	network  int // network events seen
	noTime   int // denies without a usable @timestamp
	looks    [numLookalikes]lookStat
	flushed  bool
	result   []Bucket
	dropped  int   // denies older than MaxHistory
	pruned   int   // of them, forgotten while the stream passed
	newest   int64 // index of the newest bucket seen
	unscored int   // denies in buckets the model did not score
	lints    []triage.Lint

	countedBy  string   // who counted what AddCounts added ("Elasticsearch")
	noEvidence []string // anomalous runs not reported for want of ids
}

// bucket is what Observe and AddCounts keep per bucket of event time.
type bucket struct {
	count int
	ids   []triage.EventRef
	inf   [numInfluencers]*tally
	// fed counts the denies AddCounts added (not seen as events), and
	// fedInf says whether influencers came with them.
	fed    int
	fedInf bool
}

type lookStat struct {
	count    int
	examples []string
}

// New returns a detector with opts (zero fields take the defaults).
func New(opts Options) *Detector {
	opts = opts.withDefaults()
	return &Detector{
		opts:    opts,
		params:  newParams(opts.BucketSpan, opts.Threshold),
		buckets: make(map[int64]*bucket),
		intern:  make(map[string]string),
	}
}

// Info describes the detector.
func (d *Detector) Info() triage.DetectorInfo {
	return triage.DetectorInfo{
		ID:        ID,
		Title:     Title,
		Severity:  triage.Low,
		RiskScore: RiskScore,
		Summary: fmt.Sprintf("Elastic ML rule (job %s): %s buckets of denied network events whose count, alone or summed with the %d before it, a seasonal negative-binomial baseline scores at %g or more",
			JobID, spanWords(d.opts.BucketSpan), multiWindow-1, d.opts.Threshold),
		Readiness: triage.RunsLocally,
		Why:       "re-implements the ML job's count model locally; it learns from the data itself and scores nothing before it has 2 days of history",
	}
}

// Observe counts ev into its bucket when the job's datafeed would select
// it, and notes deny-lookalikes the datafeed misses.
func (d *Detector) Observe(ev *triage.Event, emit func(triage.Finding)) {
	isNet := triage.Has(ev.Category, feedCategory)
	if isNet {
		d.network++
	}
	parsed := false
	if !selected(ev) {
		ok, c := d.filter.classify(ev)
		if !ok {
			if c.kind != lookNone {
				d.look(c, ev)
			}
			return
		}
		parsed = d.filter.doc != nil
	}
	if ev.Timestamp.IsZero() {
		d.noTime++
		return
	}
	idx := floorDiv(ev.Timestamp.UnixNano(), int64(d.opts.BucketSpan))
	b := d.buckets[idx]
	if b == nil {
		if !d.room(idx) {
			d.pruned++
			return
		}
		b = &bucket{}
		d.buckets[idx] = b
	}
	b.count++
	d.events++
	if len(b.ids) < d.opts.EvidencePerBucket {
		b.ids = append(b.ids, ev.Ref())
	}
	if !parsed && !d.filter.parse(ev) {
		return
	}
	for i, field := range InfluencerFields {
		d.filter.each(field, func(v []byte) {
			if len(v) == 0 {
				return
			}
			t := b.inf[i]
			if t == nil {
				t = &tally{}
				b.inf[i] = t
			}
			t.add(d.internBytes(v), hashBytes(v))
		})
	}
}

// room keeps memory bounded by MaxHistory rather than by the input: when
// idx is new, buckets more than MaxHistory before the newest one are
// forgotten (their denies counted in a lint). It reports whether idx itself
// is still recent enough to keep.
func (d *Detector) room(idx int64) bool {
	limit := int64(d.opts.MaxHistory / d.opts.BucketSpan)
	if len(d.buckets) == 0 || idx > d.newest {
		d.newest = idx
	}
	oldest := d.newest - limit + 1
	if idx < oldest {
		return false
	}
	// Prune in batches of a day's buckets, not on every new bucket.
	if int64(len(d.buckets)) > limit+96 {
		for k, b := range d.buckets {
			if k < oldest {
				d.pruned += b.count
				delete(d.buckets, k)
			}
		}
	}
	return true
}

func (d *Detector) look(c classification, ev *triage.Event) {
	s := &d.looks[c.kind]
	s.count++
	ex := c.example
	if ev.Dataset != "" {
		ex += " (" + ev.Dataset + ")"
	}
	if len(s.examples) < 3 && !slices.Contains(s.examples, ex) {
		s.examples = append(s.examples, ex)
	}
}

// internBytes returns a stable string for b, shared by repeated values;
// the table is bounded and starts afresh when full.
func (d *Detector) internBytes(b []byte) string {
	if s, ok := d.intern[string(b)]; ok {
		return s
	}
	if len(d.intern) >= 1<<16 {
		clear(d.intern)
	}
	s := string(b)
	d.intern[s] = s
	return s
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Flush scores every bucket and reports each run of anomalous buckets as
// one finding, oldest first.
func (d *Detector) Flush(emit func(triage.Finding)) {
	d.flushed = true
	d.result, d.dropped, d.unscored, d.noEvidence = nil, d.pruned, 0, nil
	if len(d.buckets) > 0 {
		d.score(emit)
	}
	d.lints = d.makeLints()
}

// series builds the dense series of counts the model scores: from bucket
// index lo to the newest bucket, at most MaxHistory long. older counts the
// denies in buckets before lo. There must be at least one bucket.
func (d *Detector) series() (lo int64, counts []float64, older int) {
	keys := make([]int64, 0, len(d.buckets))
	for k := range d.buckets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	hi := keys[len(keys)-1]
	lo = keys[0]
	if limit := int64(d.opts.MaxHistory / d.opts.BucketSpan); hi-lo+1 > limit {
		lo = hi - limit + 1
		for _, k := range keys {
			if k < lo {
				older += d.buckets[k].count
			}
		}
	}
	counts = make([]float64, int(hi-lo+1))
	for k, b := range d.buckets {
		if k >= lo {
			counts[k-lo] = float64(b.count)
		}
	}
	return lo, counts, older
}

// score runs the model over the series and emits findings.
func (d *Detector) score(emit func(triage.Finding)) {
	lo, counts, older := d.series()
	d.dropped += older
	n := len(counts)
	pts := run(d.params, counts)
	span := d.opts.BucketSpan
	d.result = make([]Bucket, n)
	for i, p := range pts {
		start := time.Unix(0, (lo+int64(i))*int64(span)).UTC()
		b := d.buckets[lo+int64(i)]
		out := Bucket{
			Start:     start,
			End:       start.Add(span),
			Count:     int(p.count),
			Scored:    p.scored,
			Anomalous: p.anomaly,
		}
		if p.dailyOK {
			out.Expected, out.Lower, out.Upper = p.expected, p.lower, p.upper
			out.Probability = math.Pow(10, p.log10P)
			out.Score = p.score
			out.MultiBucketImpact = math.Round(p.impact)
		}
		out.Window = 1
		if p.fromWindow() {
			out.Window, out.WindowCount, out.WindowExpected = p.window, int(p.winCount), p.winExpected
		}
		if !p.scored {
			out.Score = 0
			if b != nil {
				d.unscored += b.count
			}
		}
		if b != nil {
			out.Influencers = influencers([]*bucket{b}, b.count, 3)
		}
		d.result[i] = out
	}
	for _, r := range findingRuns(pts, d.opts.Threshold) {
		if f, ok := d.finding(lo, pts, r); ok {
			emit(f)
		}
	}
}

// findingRun is the buckets of one finding, as indices into the scored
// series: the anomalous buckets [first, end), and from start on the
// earlier buckets of the windows that made some of them anomalous.
type findingRun struct{ start, first, end int }

// findingRuns groups the anomalous buckets of pts into findings: one per
// run of consecutive anomalous buckets, reaching back over the window of
// any bucket the multi-bucket feature made anomalous, but never into the
// previous finding. A run goes on over the buckets after it that are
// still above the baseline's band (stillHigh): the calibration learns
// from each extreme bucket, so a sustained attack's later buckets score
// lower (53, 49, 48, 48 denies against 5 expected scored 100, 89, 81, 69)
// although the attack had not stopped, and the finding ended early.
func findingRuns(pts []point, threshold float64) []findingRun {
	var out []findingRun
	prevEnd := 0
	for i := 0; i < len(pts); {
		if !pts[i].anomaly {
			i++
			continue
		}
		r := findingRun{start: i, first: i, end: i}
		for r.end < len(pts) && (pts[r.end].anomaly || r.end > r.first && pts[r.end].stillHigh(threshold)) {
			if p := &pts[r.end]; p.fromWindow() {
				r.start = min(r.start, max(r.end-p.window+1, prevEnd))
			}
			r.end++
		}
		out = append(out, r)
		prevEnd, i = r.end, r.end
	}
	return out
}

// stillHigh reports a scored bucket whose count is above its baseline's
// band (the central 95%) by at least the band's width, and whose score is
// at least half the threshold: one that goes on a run of anomalous
// buckets before it. (The score keeps a trickle of one or two denies in a
// quiet hour, whose band is next to nothing, from going on a run.)
func (p *point) stillHigh(threshold float64) bool {
	return p.scored && p.dailyOK && p.count > p.upper+(p.upper-p.lower) && p.score >= threshold/2
}

// influencers summarises the influencer tallies of bs.
func influencers(bs []*bucket, events, top int) []InfluencerField {
	var out []InfluencerField
	ts := make([]*tally, len(bs))
	for f, field := range InfluencerFields {
		for i, b := range bs {
			ts[i] = nil
			if b != nil {
				ts[i] = b.inf[f]
			}
		}
		if s, ok := summarise(field, ts, events, top); ok {
			out = append(out, s)
		}
	}
	return out
}

// Bucket is one bucket of event time as the model saw it, for the
// console's histogram. Buckets without denies are included (count 0).
type Bucket struct {
	Start, End time.Time
	// Count is how many events the job's datafeed would select.
	Count int
	// Expected is the baseline's mean and Lower/Upper its central 95%
	// band; all zero while the model had no baseline yet (the first day).
	Expected, Lower, Upper float64
	// Probability is P(count >= Count) under the baseline (1 when the
	// count is at or below the expected one).
	Probability float64
	// Score is the 0-100 anomaly score; Scored is false during the
	// warm-up (the first 2 days), when no score is given.
	Score  float64
	Scored bool
	// Anomalous is Scored and Score >= the threshold.
	Anomalous bool
	// Influencers summarise the bucket's denies per influencer field
	// (top 3 values); nil for an empty bucket.
	Influencers []InfluencerField
	// Window is how many buckets, ending with this one, earned Score: 1
	// when the bucket alone did, 2 to 4 when the sum of the last Window
	// buckets was more surprising than this bucket alone (the
	// multi-bucket feature, for rises no single bucket of which is
	// extreme). WindowCount is that sum and WindowExpected what the
	// baseline expected of it; both 0 when Window is 1.
	Window         int
	WindowCount    int
	WindowExpected float64
	// MultiBucketImpact is Elastic's multi_bucket_impact, rounded: -5
	// when the bucket alone explains its score, +5 when only the window
	// does, 0 when neither is surprising.
	MultiBucketImpact float64
}

// Buckets returns every bucket from the first to the last deny, after
// Flush; nil before.
func (d *Detector) Buckets() []Bucket {
	return d.result
}

// Span is the bucket span in use.
func (d *Detector) Span() time.Duration { return d.opts.BucketSpan }

// Threshold is the anomaly score threshold in use.
func (d *Detector) Threshold() float64 { return d.opts.Threshold }

var (
	_ triage.Detector = (*Detector)(nil)
	_ triage.Linter   = (*Detector)(nil)
)
