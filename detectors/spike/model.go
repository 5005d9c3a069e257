package spike

// Why this file is long: it is one algorithm, the model's state and its
// update rule (baseline, seasonal terms, dispersion, damping of what it
// reports). Split by concept, each piece would only make sense beside the
// others.

import (
	"math"
	"slices"
	"time"
)

// params are the model's knobs for one bucket span. They are derived from
// Options (see newParams) so the detector and the NAB test share them.
type params struct {
	span time.Duration
	// period is the number of buckets in a day; 0 when the span does not
	// divide a day into at least four buckets, and the model then has no
	// seasonality.
	period int
	// scoreFrom is how many buckets of history the model needs before it
	// scores (two days); weeklyFrom how many before the weekly profile is
	// used (two weeks).
	scoreFrom, weeklyFrom int
	// kernel is the half-width, in buckets, of the triangular smoothing
	// across neighbouring times of day (half an hour each side).
	kernel int
	// weeklyKernel is the half-width of the smoothing used by the weekly
	// factor (three hours each side): weekday effects are broad, and a
	// wide window keeps one noisy week from moving the baseline.
	weeklyKernel int
	// levelWindow is how many recent buckets the level correction looks at
	// (four hours).
	levelWindow int
	// maxDays and maxWeeks bound how many past days and weeks the profiles
	// read.
	maxDays, maxWeeks int
	// minExpected floors the expected count, so that a handful of events
	// in an hour that is usually empty is not an "infinitely" rare event.
	minExpected float64
	// threshold is the anomaly score at or above which a bucket is
	// anomalous.
	threshold float64
	// halfLife is the dispersion estimate's memory, in buckets.
	halfLife int
	// window is the longest run of buckets the multi-bucket feature sums
	// (multiWindow); 1 scores each bucket alone.
	window int
}

// Model constants; the package comment explains what each does.
const (
	dailyHistory    = 48 * time.Hour
	weeklyHistory   = 14 * 24 * time.Hour
	smoothingWidth  = 30 * time.Minute
	weeklyWidth     = 3 * time.Hour
	levelSpan       = 4 * time.Hour
	dispersionHalf  = 7 * 24 * time.Hour
	nonSeasonalWarm = 24 // buckets of history when there is no daily period

	profileQuantile = 0.75  // of the same-time values of the past days
	weeklyShrink    = 0.5   // pseudo-weeks pulling the weekly factor to 1
	levelShrink     = 0.25  // share of the expected sum added to both sides
	levelPseudo     = 2.0   // events added to both sides of the level ratio
	priorDispersion = 0.1   // phi before any residual is seen
	huberK          = 5.0   // residuals are clipped at this many sd
	cleanQuantile   = 0.995 // what the baseline learns is clipped here
	bandLow         = 0.025 // the band drawn around the expected count
	bandHigh        = 0.975
)

// Standard normal quantiles of the fixed probabilities above.
var (
	zBandLow  = normalQuantile(bandLow)
	zBandHigh = normalQuantile(bandHigh)
	zClean    = normalQuantile(cleanQuantile)
)

func newParams(span time.Duration, threshold float64) params {
	p := params{
		span:        span,
		maxDays:     7,
		maxWeeks:    4,
		minExpected: 0.5,
		threshold:   threshold,
	}
	if span > 0 && (24*time.Hour)%span == 0 && 24*time.Hour/span >= 4 {
		p.period = int(24 * time.Hour / span)
		p.scoreFrom = int(dailyHistory / span)
		p.weeklyFrom = int(weeklyHistory / span)
		p.kernel = int(smoothingWidth / span)
		if p.kernel > p.period/8 {
			p.kernel = p.period / 8
		}
		p.weeklyKernel = min(int(weeklyWidth/span), p.period/4)
	} else {
		p.scoreFrom = nonSeasonalWarm
	}
	p.levelWindow = max(1, int(levelSpan/max(span, time.Nanosecond)))
	p.halfLife = max(16, int(dispersionHalf/max(span, time.Nanosecond)))
	p.window = multiWindow
	return p
}

// point is the model's verdict on one bucket.
type point struct {
	count    float64
	expected float64 // the baseline's mean; 0 until it has one
	lower    float64 // 95% band around expected
	upper    float64
	log10P   float64 // log10 P(X >= count) under the baseline (<= 0)
	// calibration is the factor (at most 1) applied to -log10P before it
	// is mapped to the score, learned from how surprising past buckets
	// were.
	calibration float64
	// The multi-bucket feature (multibucket.go): how many buckets ending
	// here form the window whose sum was the most surprising (0 when no
	// window was well above its expectation), their count, the sum
	// expected of them and its variance, log10 of its tail probability
	// corrected for the window lengths tried, and the feature's own
	// calibration.
	window         int
	winCount       float64
	winExpected    float64
	winVariance    float64
	winLog10P      float64
	winCalibration float64
	// impact is Elastic's multi_bucket_impact: -5 when the bucket alone
	// explains its score, +5 when only the window does.
	impact float64
	// single is the score of the bucket alone; score is the larger of it
	// and the window's score.
	single, score float64
	// What later windows need of this bucket: the seasonal baseline
	// before the level correction and that correction, the variance
	// function's coefficients then and the variance they gave, and the
	// count that would score the threshold alone.
	base, level  float64
	varA, varPhi float64
	variance     float64
	capAt        float64
	over         bool // score >= threshold, in the warm-up too
	// spent: a score at or above the threshold covered this bucket, so
	// later windows take it at its expected count (multibucket.go).
	spent    spent
	dailyOK  bool // the daily profile was available
	weeklyOK bool // the weekly profile was used
	scored   bool // past warm-up: score is meaningful
	anomaly  bool // scored and score >= threshold
}

// fromWindow reports whether the window's score is the bucket's score:
// the sum of the last window buckets was more surprising than the bucket
// alone.
func (p *point) fromWindow() bool {
	return p.window > 0 && p.score > p.single
}

// run scores a dense series of bucket counts, oldest first. Every bucket
// is judged against what the model learned from the buckets before it and
// only then learned from (clipped), so a spike never lowers its own score
// and never teaches the baseline to expect the next one.
func run(p params, counts []float64) []point {
	m := newModel(p, len(counts))
	for t, c := range counts {
		m.step(t, c)
	}
	return m.pts
}

// model holds the per-bucket state of one run: O(buckets) memory.
type model struct {
	p      params
	pts    []point
	y      []float64 // what the baseline learned: counts with spikes clipped
	daily  []float64 // the daily profile's value at each bucket (NaN before)
	kern   []float64 // triangular weights, index j+kernel
	wkern  []float64 // the weekly factor's weights, index j+weeklyKernel
	weekly []float64 // the weekly factor applied at each bucket
	days   []float64 // scratch for the profile quantile
	sumY   float64   // level window sums over [t-levelWindow, t)
	sumB   float64
	disp   dispersion
	cal    calibration
	warmed bool
	win    windows
}

func newModel(p params, n int) *model {
	m := &model{
		p:      p,
		pts:    make([]point, n),
		y:      make([]float64, n),
		daily:  make([]float64, n),
		weekly: make([]float64, n),
		kern:   triangle(p.kernel),
		wkern:  triangle(p.weeklyKernel),
		days:   make([]float64, 0, p.maxDays),
	}
	m.disp.forget = math.Pow(0.5, 1/float64(p.halfLife))
	m.cal.init(2*p.halfLife, float64(max(p.period, nonSeasonalWarm)))
	m.win.init(p, m.disp.forget)
	return m
}

// triangle returns triangular weights over [-h, h].
func triangle(h int) []float64 {
	w := make([]float64, 2*h+1)
	for j := -h; j <= h; j++ {
		w[j+h] = float64(h + 1 - abs(j))
	}
	return w
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// learnFrom is the first bucket with a baseline: one day in (the day is
// then scored in the shadow, to learn the dispersion, but not reported),
// or nonSeasonalWarm/2 buckets without seasonality.
func (m *model) learnFrom() int {
	if m.p.period > 0 {
		return m.p.period
	}
	return nonSeasonalWarm / 2
}

func (m *model) step(t int, c float64) {
	p := m.p
	pt := &m.pts[t]
	pt.count = c
	m.daily[t] = math.NaN()
	first := m.learnFrom()
	if t < first {
		m.y[t] = c
		return
	}
	if !m.warmed {
		m.warmUp(first)
	}

	var d, w float64
	if p.period > 0 {
		d = m.dailyProfile(t)
		w, pt.weeklyOK = m.weeklyFactor(t)
	} else {
		d = m.recentMean(t)
		w = 1
	}
	pt.dailyOK = true
	b := d * w
	r := (m.sumY + levelShrink*m.sumB + levelPseudo) / ((1+levelShrink)*m.sumB + levelPseudo)
	mu := max(r*b, p.minExpected)
	phi := m.disp.phiAt(mu)

	pt.expected = mu
	pt.lower = quantileZ(zBandLow, mu, phi)
	pt.upper = quantileZ(zBandHigh, mu, phi)
	if c > mu {
		pt.log10P = logTailGE(c, mu, phi) / math.Ln10
	}
	pt.calibration = m.cal.factor()
	pt.base, pt.level = b, r
	pt.varA, pt.varPhi, pt.variance = m.disp.a, m.disp.phi, m.disp.variance(mu)
	pt.capAt = quantileZ(m.win.zCap, mu, phi)
	m.scoreWindow(t)
	pt.single = scoreOf(-pt.log10P * pt.calibration)
	pt.score = max(pt.single, scoreOf(-pt.winLog10P*pt.winCalibration))
	pt.over = pt.score >= p.threshold
	m.spend(t)
	if t >= p.scoreFrom {
		pt.scored = true
		pt.anomaly = pt.over
	} else {
		pt.score, pt.single = 0, 0
	}
	m.cal.observe(-pt.log10P)

	m.disp.observe(c, mu)
	m.y[t] = min(c, quantileZ(zClean, mu, phi))
	m.daily[t] = d
	m.weekly[t] = w
	m.dampWindows(t)

	// Slide the level window.
	m.sumY += m.y[t]
	m.sumB += b
	if old := t - p.levelWindow; old >= first {
		m.sumY -= m.y[old]
		m.sumB -= m.daily[old] * m.weekly[old]
	}
	if m.sumB < 0 {
		m.sumB = 0
	}
}

// warmUp cleans the first day, which had no baseline to be judged
// against: each bucket is compared with the running median of the two
// hours around it and clipped like a scored bucket, with the prior
// dispersion.
// A spike in the first day is thus not learned as normal either.
func (m *model) warmUp(first int) {
	m.warmed = true
	half := max(2, m.p.levelWindow/4)
	win := make([]float64, 0, 2*half+1)
	raw := slices.Clone(m.y[:first])
	var sum float64
	for i := range first {
		win = win[:0]
		for j := max(0, i-half); j <= min(first-1, i+half); j++ {
			win = append(win, raw[j])
		}
		slices.Sort(win)
		med := max(win[len(win)/2], m.p.minExpected)
		m.y[i] = min(raw[i], quantile(cleanQuantile, med, priorDispersion))
		sum += m.y[i]
	}
	m.disp.prior(max(sum/float64(first), m.p.minExpected), float64(first)/2)
}

// dailyProfile is the upper quartile, over up to maxDays past days, of the
// smoothed learned count at the same time of day.
func (m *model) dailyProfile(t int) float64 {
	p := m.p
	m.days = m.days[:0]
	for k := 1; k <= p.maxDays; k++ {
		c := t - k*p.period
		if c < 0 {
			break
		}
		m.days = append(m.days, smooth(m.kern, m.y, c, t))
	}
	slices.Sort(m.days)
	return quantileSorted(m.days, profileQuantile)
}

// smooth is the kern-weighted mean of xs around index c, using only
// indices in [0, limit) where xs is not NaN.
func smooth(kern, xs []float64, c, limit int) float64 {
	k := len(kern) / 2
	var s, w float64
	for j := -k; j <= k; j++ {
		i := c + j
		if i < 0 || i >= limit || math.IsNaN(xs[i]) {
			continue
		}
		s += kern[j+k] * xs[i]
		w += kern[j+k]
	}
	if w == 0 {
		return 0
	}
	return s / w
}

// weeklyFactor compares, over up to maxWeeks past weeks, what the same
// weekday and time brought with what the daily profile expected then.
// It is used once the model has weeklyFrom buckets of history and is
// shrunk toward 1 while few weeks back it up.
func (m *model) weeklyFactor(t int) (float64, bool) {
	p := m.p
	if t < p.weeklyFrom {
		return 1, false
	}
	var a, b float64
	n := 0
	for k := 1; k <= p.maxWeeks; k++ {
		c := t - 7*k*p.period
		if c < m.learnFrom() {
			break
		}
		a += smooth(m.wkern, m.y, c, t)
		b += smooth(m.wkern, m.daily, c, t)
		n++
	}
	if n == 0 || b <= 0 {
		return 1, false
	}
	ratio := (a + 0.5*float64(n)) / (b + 0.5*float64(n))
	return 1 + (ratio-1)*float64(n)/(float64(n)+weeklyShrink), true
}

// recentMean is the baseline without seasonality: the mean learned count
// of the last nonSeasonalWarm buckets.
func (m *model) recentMean(t int) float64 {
	lo := max(0, t-nonSeasonalWarm)
	var s float64
	for _, v := range m.y[lo:t] {
		s += v
	}
	return s / float64(t-lo)
}

// quantileSorted interpolates the q-quantile of sorted xs.
func quantileSorted(xs []float64, q float64) float64 {
	switch len(xs) {
	case 0:
		return 0
	case 1:
		return xs[0]
	}
	pos := q * float64(len(xs)-1)
	i := int(pos)
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	f := pos - float64(i)
	return xs[i]*(1-f) + xs[i+1]*f
}

// dispersion estimates the variance function var = a*mu + phi*mu² of the
// counts around the baseline by weighted least squares on the squared
// residuals, with exponential forgetting. phi is the negative binomial's
// over-dispersion (variance growing with the square of the mean: busy
// hours proportionally as noisy as quiet ones); a >= 1 scales the Poisson
// part (a = 1 is the plain negative binomial). a > 1 soaks up variance
// that grows only in proportion to the mean: small bursts (a scanner
// sweeping a few dozen ports), and the baseline's own estimation error at
// low counts, which would otherwise make quiet hours look calmer than
// they are. The count is then scored as a negative binomial with the same
// mean and variance.
type dispersion struct {
	forget float64
	// Weighted normal equations with regressors mu² (phi) and mu (a):
	// s00 = sum w mu^4, s01 = sum w mu^3, s11 = sum w mu^2,
	// t0 = sum w r² mu², t1 = sum w r² mu.
	s00, s01, s11, t0, t1 float64
	phi, a                float64
}

// prior seeds the estimate with phi = priorDispersion and a = 1, as if
// mass buckets around the mean level had been seen.
func (d *dispersion) prior(mean, mass float64) {
	d.phi, d.a = priorDispersion, 1
	for _, mu := range []float64{mean / 2, mean * 2} {
		v := d.variance(mu)
		d.add(v, mu, mass/2/(v*v), 1)
	}
}

func (d *dispersion) variance(mu float64) float64 {
	return d.a*mu + d.phi*mu*mu
}

// phiAt is the negative binomial over-dispersion that gives the estimated
// variance at mean mu.
func (d *dispersion) phiAt(mu float64) float64 {
	return (d.variance(mu) - mu) / (mu * mu)
}

// observe learns from one bucket's count c against its expected mu. The
// residual is clipped at huberK standard deviations, so a spike moves the
// estimate no more than a few ordinary buckets do.
func (d *dispersion) observe(c, mu float64) {
	v := d.variance(mu)
	sd := math.Sqrt(v)
	r := min(max(c-mu, -huberK*sd), huberK*sd)
	d.add(r*r, mu, 1/(v*v), d.forget)
	d.solve()
}

// add folds in one squared residual r2 at mean mu with weight w, after
// decaying the sums by f.
func (d *dispersion) add(r2, mu, w, f float64) {
	m2 := mu * mu
	d.s00 = f*d.s00 + w*m2*m2
	d.s01 = f*d.s01 + w*m2*mu
	d.s11 = f*d.s11 + w*m2
	d.t0 = f*d.t0 + w*r2*m2
	d.t1 = f*d.t1 + w*r2*mu
}

// solve fits (phi, a) under phi >= 0, a >= 1.
func (d *dispersion) solve() {
	det := d.s00*d.s11 - d.s01*d.s01
	if det > 1e-12*d.s00*d.s11 {
		phi := (d.t0*d.s11 - d.t1*d.s01) / det
		a := (d.s00*d.t1 - d.s01*d.t0) / det
		if phi >= 0 && a >= 1 {
			d.phi, d.a = phi, a
			return
		}
	}
	// On the boundary: the better of a = 1 (fit phi) and phi = 0 (fit a).
	phi1 := max((d.t0-d.s01)/d.s00, 0)
	a2 := max(d.t1/d.s11, 1)
	sse := func(phi, a float64) float64 {
		// Weighted squared error up to a constant: p'Sp - 2p't.
		return phi*phi*d.s00 + 2*phi*a*d.s01 + a*a*d.s11 - 2*(phi*d.t0+a*d.t1)
	}
	if sse(phi1, 1) <= sse(0, a2) {
		d.phi, d.a = phi1, 1
	} else {
		d.phi, d.a = 0, a2
	}
}

// scoreKnots map -log10 P(X >= count) to the 0-100 anomaly score,
// interpolated linearly between knots. 75, the rule's threshold, is a
// tail probability of 1e-5: about once in three years of 15-minute
// buckets if the model were exact.
var scoreKnots = [...]struct{ l, s float64 }{
	{1, 0},    // p = 0.1: ordinary noise
	{2, 25},   // p = 0.01
	{3.5, 50}, // p = 3e-4
	{5, 75},   // p = 1e-5
	{8, 100},  // p = 1e-8 and below
}

func scoreOf(l float64) float64 {
	if l <= scoreKnots[0].l {
		return 0
	}
	for i := 1; i < len(scoreKnots); i++ {
		a, b := scoreKnots[i-1], scoreKnots[i]
		if l <= b.l {
			return a.s + (b.s-a.s)*(l-a.l)/(b.l-a.l)
		}
	}
	return 100
}

// calibration tempers the model's tail probabilities by how surprising
// the buckets it has already judged turned out to be. Were the model
// exact, one bucket in a hundred would have P(X >= count) <= 0.01, that
// is -log10 P >= 2. Real counts have heavier tails than a negative
// binomial: if the 99th percentile of -log10 P over the history is L99 >
// 2, every -log10 P is multiplied by 2/L99 before it is mapped to a
// score (a power law between the model's probability and the observed
// frequency, anchored at the 99th percentile). The factor is never above
// 1: the calibration only ever lowers scores. Like Elastic's score
// normalisation, it makes a bucket's score relative to the job's own
// history, but it uses only the past, so a bucket's score never changes
// after it was reported.
type calibration struct {
	bins   [calBins]float64 // mass of past -log10 P values per calWidth bin
	top    int              // highest bin holding any mass
	total  float64
	high   float64 // mass in the bins from calNominal up
	weight float64 // weight of the next observation (grows: forgetting)
	grow   float64
}

const (
	calWidth   = 0.1
	calBins    = 400 // up to -log10 P = 40; the last bin takes the rest
	calLevel   = 0.01
	calNominal = 2  // -log10 calLevel
	calHigh    = 20 // the bin where calNominal starts
)

// init sets the half-life (in buckets) and seeds the histogram with mass
// buckets distributed as an exact model's would be.
func (c *calibration) init(halfLife int, mass float64) {
	c.weight = 1
	c.grow = math.Pow(2, 1/float64(halfLife))
	// The prior stops at -log10 P = 8: beyond, an exact model's mass is
	// negligible.
	c.top = int(8 / calWidth)
	for i := range c.top + 1 {
		lo := float64(i) * calWidth
		hi := lo + calWidth
		share := math.Pow(10, -lo) - math.Pow(10, -hi)
		c.bins[i] = mass * share
		c.total += mass * share
		if i >= calHigh {
			c.high += mass * share
		}
	}
}

func (c *calibration) observe(l float64) {
	i := min(int(l/calWidth), calBins-1)
	c.bins[i] += c.weight
	c.top = max(c.top, i)
	c.total += c.weight
	if i >= calHigh {
		c.high += c.weight
	}
	c.weight *= c.grow
	if c.weight > 1e200 {
		for j := range c.bins {
			c.bins[j] /= c.weight
		}
		c.total /= c.weight
		c.high /= c.weight
		c.weight = 1
	}
}

// factor is 2/L99 capped at 1.
func (c *calibration) factor() float64 {
	want := calLevel * c.total
	if c.high < want {
		// The 99th percentile is below calNominal: no scan needed.
		return 1
	}
	var acc float64
	for i := c.top; i >= 0; i-- {
		acc += c.bins[i]
		if acc >= want {
			// Interpolate inside the bin.
			l99 := float64(i)*calWidth + calWidth*(acc-want)/c.bins[i]
			if l99 <= calNominal {
				return 1
			}
			return calNominal / l99
		}
	}
	return 1
}
