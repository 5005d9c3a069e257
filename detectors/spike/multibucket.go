package spike

import "math"

// The multi-bucket feature: a rise spread over a few buckets, none of
// them extreme alone, is judged by the sum of those buckets against the
// sum the model expected of them. The package comment gives the
// reasoning; this file holds the arithmetic.

// multiWindow is the longest window, in buckets, whose sum is scored:
// an hour of 15-minute buckets.
const multiWindow = 4

// windows is what the multi-bucket feature learns: how strongly the
// baseline's errors persist from one bucket to the next, and how
// surprising past windows were (its own calibration).
type windows struct {
	// zCap is the standard normal quantile of the threshold's tail
	// probability: a bucket brings to a window at most the count that
	// would score the threshold alone.
	zCap float64
	// lag[j] is the exponentially weighted sum of e[t]*e[t-j] over past
	// buckets, e the standardised residual of what the baseline learned;
	// lag[0] is the sum of e².
	lag    []float64
	forget float64
	resid  []float64 // the last residuals, newest first
	// rho[j] is the correlation of residuals j buckets apart, at least 0.
	rho []float64
	cal calibration
	// What scoreWindow found of each window length at the current bucket,
	// for dampWindows: the expected sum and its variance, and each
	// bucket's expected count.
	sums [multiWindow + 1][2]float64
	mus  [multiWindow + 1][multiWindow]float64
}

// serialPrior is how many buckets' worth of uncorrelated residuals the
// serial correlation starts from, so that a few odd buckets cannot make
// it large.
const serialPrior = 96

// maxRho bounds the serial correlation: a window's variance never
// exceeds what fully dependent buckets would have.
const maxRho = 0.9

func (w *windows) init(p params, forget float64) {
	w.zCap = normalQuantile(1 - math.Pow(10, -surpriseAt(p.threshold)))
	n := max(p.window, 1)
	w.lag = make([]float64, n)
	w.rho = make([]float64, n)
	w.resid = make([]float64, 0, n)
	w.lag[0] = serialPrior
	w.forget = forget
	w.cal.init(2*p.halfLife, float64(max(p.period, nonSeasonalWarm)))
}

// observe learns from the standardised residual e of the newest bucket;
// with learn false it only keeps the bucket's place (as a zero), so that
// a reported bucket teaches the correlation nothing.
func (w *windows) observe(e float64, learn bool) {
	if learn {
		e = min(max(e, -huberK), huberK)
		w.lag[0] = w.forget*w.lag[0] + e*e
		for j := 1; j < len(w.lag); j++ {
			var x float64
			if j <= len(w.resid) {
				x = e * w.resid[j-1]
			}
			w.lag[j] = w.forget*w.lag[j] + x
			w.rho[j] = min(max(w.lag[j]/w.lag[0], 0), maxRho)
		}
	} else {
		e = 0
	}
	if cap(w.resid) == 0 {
		return
	}
	if len(w.resid) < cap(w.resid) {
		w.resid = w.resid[:len(w.resid)+1]
	}
	copy(w.resid[1:], w.resid)
	w.resid[0] = e
}

// surpriseAt is the -log10 P that scores th: the inverse of scoreOf.
func surpriseAt(th float64) float64 {
	for i := 1; i < len(scoreKnots); i++ {
		a, b := scoreKnots[i-1], scoreKnots[i]
		if th <= b.s {
			return a.l + (b.l-a.l)*(max(th, a.s)-a.s)/(b.s-a.s)
		}
	}
	return scoreKnots[len(scoreKnots)-1].l
}

// windowSum is what the model expected of the k buckets ending at t: the
// expected sum and its variance. The expectation is the one the model
// had before the window began (each bucket's seasonal baseline times the
// level correction of the window's first bucket), so a rise does not
// lift its own expectation; the variance adds the covariances the
// residuals' serial correlation implies. mus receives each bucket's
// expected count, oldest first.
func (m *model) windowSum(t, k int, mus []float64) (mean, variance float64) {
	s := t - k + 1
	r := m.pts[s].level
	var sds [multiWindow]float64
	for i := s; i <= t; i++ {
		q := &m.pts[i]
		mu := max(q.base*r, m.p.minExpected)
		v := q.varA*mu + q.varPhi*mu*mu
		mus[i-s], sds[i-s] = mu, math.Sqrt(v)
		mean += mu
		variance += v
		for j := s; j < i; j++ {
			variance += 2 * m.win.rho[i-j] * sds[i-s] * sds[j-s]
		}
	}
	return mean, variance
}

// sumTail is log10 P(S >= x) for a sum S of counts with the given mean
// and variance, scored as the negative binomial with those moments (exact
// when independent buckets share one mean).
func sumTail(x, mean, variance float64) float64 {
	if x <= mean {
		return 0
	}
	return logTailGE(x, mean, sumPhi(mean, variance)) / math.Ln10
}

func sumPhi(mean, variance float64) float64 {
	return max(variance-mean, 0) / (mean * mean)
}

// scoreWindow scores the windows of 2..window buckets ending at t and
// keeps the most surprising in t's point, with its calibration and the
// multi-bucket impact.
func (m *model) scoreWindow(t int) {
	pt := &m.pts[t]
	pt.winCalibration = m.win.cal.factor()
	first := m.learnFrom()
	var mus [multiWindow]float64
	count := pt.count
	carry := pt.count > pt.upper
	tried := 0
	for k := 2; k <= m.p.window && t-k+1 >= first; k++ {
		tried++
		count += m.pts[t-k+1].count
		mean, v := m.windowSum(t, k, mus[:])
		// A bucket brings to the sum at most the count that would score
		// the threshold alone (the rest is the single-bucket feature's
		// evidence). A bucket already reported brings only its expected
		// count, so that a spike or a rise does not make the quiet
		// buckets after it look like a rise: always after a spike, and
		// after a rise unless this bucket is above its own 95% band and
		// so carries the rise on.
		var sum float64
		for i, s := t-k+1, t-k+1; i <= t; i++ {
			if q := &m.pts[i]; q.spent == spentAlone || q.spent == spentInWindow && !carry {
				sum += mus[i-s]
			} else {
				sum += min(q.count, q.capAt)
			}
		}
		m.win.sums[k] = [2]float64{mean, v}
		m.win.mus[k] = mus
		// Most windows are near their expectation: the tail, the costly
		// part, is computed only where the sum is 1.5 standard deviations
		// above it. Below, the tail is a few percent or more: its surprise
		// could neither score nor reach the calibration's percentile.
		if sum < mean+1.5*math.Sqrt(v) {
			continue
		}
		l := sumTail(sum, mean, v)
		if l < 0 && (pt.window == 0 || l < pt.winLog10P) {
			pt.window, pt.winCount, pt.winExpected, pt.winVariance, pt.winLog10P = k, count, mean, v, l
		}
	}
	if pt.window > 0 {
		// The most surprising of several window lengths: Bonferroni.
		pt.winLog10P = min(max(pt.winLog10P, -1000)+math.Log10(float64(tried)), 0)
	}
	pt.impact = impactOf(pt.log10P*pt.calibration, pt.winLog10P*pt.winCalibration)
}

// spent says how a bucket's excess was reported: not yet, as an
// anomalous bucket alone, or within an anomalous window.
type spent uint8

const (
	unspent spent = iota
	spentAlone
	spentInWindow
)

// spend marks the buckets whose excess the score of bucket t reported.
func (m *model) spend(t int) {
	pt := &m.pts[t]
	switch {
	case !pt.over:
	case pt.fromWindow():
		for i := t - pt.window + 1; i <= t; i++ {
			if m.pts[i].spent == unspent {
				m.pts[i].spent = spentInWindow
			}
		}
	default:
		pt.spent = spentAlone
	}
}

// dampWindows keeps a sustained rise from teaching the baseline much:
// when what the baseline learned from a window ending at t adds up to
// more than the 99.5% quantile of the window's sum, each bucket's excess
// over its expected count is shrunk in proportion until it does not.
// This is the single-bucket clipping applied to sums, and it only ever
// lowers what is learned. During the shadow day the baseline is too
// rough to tell a rise from its own error, so nothing is damped then.
// Finally the residual is learned by the serial correlation, and the
// window's surprise by the feature's calibration, unless the bucket was
// reported: a rise that lasts hours would otherwise fill the top
// percent of the calibration and temper its own later buckets.
func (m *model) dampWindows(t int) {
	first := m.learnFrom()
	for k := 2; t >= m.p.scoreFrom && k <= m.p.window && t-k+1 >= first; k++ {
		s := t - k + 1
		mean, v, mus := m.win.sums[k][0], m.win.sums[k][1], &m.win.mus[k]
		var sum, excess float64
		for i := s; i <= t; i++ {
			sum += m.y[i]
			excess += max(m.y[i]-mus[i-s], 0)
		}
		if sum <= mean {
			continue
		}
		limit := quantileZ(zClean, mean, sumPhi(mean, v))
		if sum <= limit || excess <= 0 {
			continue
		}
		f := min((sum-limit)/excess, 1)
		for i := s; i <= t; i++ {
			cut := max(m.y[i]-mus[i-s], 0) * f
			m.y[i] -= cut
			// Buckets before t are already in the level window's sum.
			if i < t && i >= max(first, t-m.p.levelWindow) {
				m.sumY -= cut
			}
		}
	}
	pt := &m.pts[t]
	if pt.over {
		m.win.observe(0, false)
		return
	}
	m.win.cal.observe(-pt.winLog10P)
	m.win.observe((m.y[t]-pt.expected)/math.Sqrt(pt.variance), true)
}

// impactOf is Elastic's multi_bucket_impact from the log10 tail
// probabilities of the single bucket (ls) and of the window (lm): -5
// when the bucket alone explains the anomaly, +5 when only the window
// does. It is ml-cpp's formula in log10 units: the difference of the two
// log probabilities, in units of a factor 1000, scaled by how many times
// more surprising the stronger feature is than the weaker.
func impactOf(ls, lm float64) float64 {
	const most = 5.0
	if ls >= 0 && lm >= 0 {
		return 0
	}
	ls, lm = max(ls, -1000), max(lm, -1000)
	scale := most * min(ls, lm) / min(max(ls, lm), -0.001/math.Ln10) / 3
	return max(min(scale*(ls-lm), most), -most)
}
