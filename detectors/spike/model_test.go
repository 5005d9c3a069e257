package spike

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

const quarter = 15 * time.Minute

// at returns the bucket index of day d, hh:mm from t0.
func at(d, hh, mm int) int {
	return (d*24*60 + hh*60 + mm) / 15
}

// The busy season: about 4 denies per quarter hour at 03:00, 40 at 15:00,
// weekends at 60%; negative binomial noise with phi 0.05.
var busy = season{night: 4, day: 40, weekend: 0.6}

func series(seed uint64, s season, days int, phi float64) []float64 {
	return synthSeries(rand.New(rand.NewPCG(seed, 99)), s, t0, quarter, days, phi)
}

func TestSyntheticSpikes(t *testing.T) {
	daytime := at(5, 15, 0)
	night := at(8, 3, 0)
	tests := []struct {
		name  string
		plant func(c []float64)
		want  []int // bucket indices that must be anomalous
	}{
		{"daytime spike", func(c []float64) { c[daytime] += 160 }, []int{daytime}},
		// 30 denies at 03:00 are fewer than an ordinary afternoon quarter
		// hour brings (about 40): only a seasonal model sees them.
		{"night spike below the daytime normal", func(c []float64) { c[night] = 30 }, []int{night}},
		{"both, and a two-bucket run", func(c []float64) {
			c[daytime] += 160
			c[night] = 30
			c[night+1] = 30
		}, []int{daytime, night, night + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 5; seed++ {
				c := series(seed, busy, 14, 0.05)
				tt.plant(c)
				pts := run(newParams(quarter, DefaultThreshold), c)
				want := map[int]bool{}
				for _, i := range tt.want {
					want[i] = true
					if !pts[i].anomaly {
						t.Errorf("seed %d: planted bucket %d (count %.0f, expected %.1f) scored %.1f", seed, i, pts[i].count, pts[i].expected, pts[i].score)
					}
				}
				for i, p := range pts {
					if p.anomaly && !want[i] {
						t.Errorf("seed %d: false anomaly at bucket %d (count %.0f, expected %.1f, score %.1f)", seed, i, p.count, p.expected, p.score)
					}
				}
			}
		})
	}
}

// A night-time spike is compared with the night: the daytime normal is
// above it, so the same count in the afternoon is unremarkable.
func TestNightSpikeNeedsSeasonality(t *testing.T) {
	c := series(7, busy, 10, 0.05)
	c[at(8, 3, 0)] = 30
	c[at(8, 15, 0)] = 30
	pts := run(newParams(quarter, DefaultThreshold), c)
	if !pts[at(8, 3, 0)].anomaly {
		t.Errorf("night spike missed: %+v", pts[at(8, 3, 0)])
	}
	if pts[at(8, 15, 0)].score > 25 {
		t.Errorf("30 denies at 15:00 scored %.1f", pts[at(8, 15, 0)].score)
	}
}

// Spikes are not learned into the baseline: an identical spike a week
// later fires again, with the daily profile (days 3 and 10) and with the
// weekly one (days 15 and 22, when 2 weeks of history are in).
func TestEarlierSpikesNotLearned(t *testing.T) {
	for _, days := range [][2]int{{3, 10}, {15, 22}} {
		for seed := uint64(1); seed <= 5; seed++ {
			c := series(seed, busy, 24, 0.05)
			a, b := at(days[0], 14, 0), at(days[1], 14, 0)
			for _, i := range []int{a, b} {
				c[i] += 200
				c[i+1] += 200
			}
			pts := run(newParams(quarter, DefaultThreshold), c)
			for _, i := range []int{a, a + 1, b, b + 1} {
				if !pts[i].anomaly {
					t.Errorf("seed %d, days %v: bucket %d (count %.0f, expected %.1f) scored %.1f", seed, days, i, pts[i].count, pts[i].expected, pts[i].score)
				}
			}
			if pts[b].expected > 1.5*pts[a].expected {
				t.Errorf("seed %d: the first spike was learned: expected %.1f then %.1f", seed, pts[a].expected, pts[b].expected)
			}
			if days[1] >= 14 && !pts[b].weeklyOK {
				t.Errorf("weekly profile not used on day %d", days[1])
			}
		}
	}
}

func TestWarmupScoresNothing(t *testing.T) {
	c := series(3, busy, 5, 0.05)
	for i := 0; i < at(2, 0, 0); i += 17 {
		c[i] += 1000
	}
	pts := run(newParams(quarter, DefaultThreshold), c)
	for i, p := range pts {
		if (i < at(2, 0, 0)) == p.scored {
			t.Fatalf("bucket %d: scored = %v", i, p.scored)
		}
		if i < at(2, 0, 0) && (p.anomaly || p.score != 0) {
			t.Fatalf("bucket %d in the warm-up has score %.1f", i, p.score)
		}
	}
}

// Over two weeks of noisy negative binomial data with daily and weekly
// seasonality and nothing planted, at most a few buckets may score 75 or
// more. Several fixed seeds and dispersions, from nearly Poisson to very
// noisy.
func TestFewFalseBuckets(t *testing.T) {
	total, scored := 0, 0
	for _, phi := range []float64{0.01, 0.1, 0.3} {
		for _, s := range []season{busy, {night: 1, day: 8, weekend: 0.5}, {night: 50, day: 400, weekend: 0.7}} {
			for seed := uint64(1); seed <= 4; seed++ {
				pts := run(newParams(quarter, DefaultThreshold), series(seed, s, 14, phi))
				n := 0
				for _, p := range pts {
					if p.scored {
						scored++
					}
					if p.anomaly {
						n++
					}
				}
				total += n
				if n > 3 {
					t.Errorf("phi %.2f, season %+v, seed %d: %d false buckets over 14 days", phi, s, seed, n)
				}
			}
		}
	}
	t.Logf("%d false buckets among %d scored (36 series of 14 days)", total, scored)
}

// The tail and quantile against brute force.
func TestTail(t *testing.T) {
	pmf := func(k int, mu, phi float64) float64 {
		if phi == 0 {
			lg, _ := math.Lgamma(float64(k) + 1)
			return math.Exp(float64(k)*math.Log(mu) - mu - lg)
		}
		r := 1 / phi
		a, _ := math.Lgamma(float64(k) + r)
		b, _ := math.Lgamma(r)
		c, _ := math.Lgamma(float64(k) + 1)
		return math.Exp(a - b - c + r*math.Log(r/(r+mu)) + float64(k)*math.Log(mu/(r+mu)))
	}
	for _, tc := range []struct {
		c, mu, phi float64
	}{{1, 0.5, 0}, {5, 2, 0}, {30, 4, 0}, {12, 10, 0}, {3, 4, 0.05}, {30, 4, 0.05}, {100, 40, 0.2}, {60, 40, 1}, {400, 40, 0.05}} {
		var want float64
		for k := int(tc.c); k < int(tc.c)+20000; k++ {
			want += pmf(k, tc.mu, tc.phi)
		}
		got := math.Exp(logTailGE(tc.c, tc.mu, tc.phi))
		if math.Abs(got-want) > 1e-9*math.Max(want, 1e-300) && math.Abs(math.Log(got/want)) > 1e-6 {
			t.Errorf("P(X >= %v | mu %v, phi %v) = %g, want %g", tc.c, tc.mu, tc.phi, got, want)
		}
	}
	if l := logTailGE(0, 3, 0.1); l != 0 {
		t.Errorf("P(X >= 0) = exp(%v)", l)
	}
	// Far tails stay finite in log space.
	if l := logTailGE(20000, 10, 0.01); math.IsInf(l, 0) || l > -1000 {
		t.Errorf("log tail of a huge count = %v", l)
	}
	// The 97.5% quantile roughly brackets 97.5% of the mass.
	for _, tc := range [][2]float64{{40, 0.05}, {4, 0.3}, {1000, 0.01}} {
		q := quantile(0.975, tc[0], tc[1])
		p := math.Exp(logTailGE(math.Ceil(q), tc[0], tc[1]))
		if p < 0.005 || p > 0.05 {
			t.Errorf("quantile(0.975, %v, %v) = %.1f leaves %.3f above", tc[0], tc[1], q, p)
		}
	}
}

func TestScoreKnots(t *testing.T) {
	for l, want := range map[float64]float64{0: 0, 1: 0, 2: 25, 3.5: 50, 5: 75, 6.5: 87.5, 8: 100, 50: 100} {
		if got := scoreOf(l); math.Abs(got-want) > 1e-9 {
			t.Errorf("scoreOf(%v) = %v, want %v", l, got, want)
		}
	}
}

// Calibration lowers the scores of a series whose history is full of
// spikes, and leaves well-modelled data alone.
func TestCalibration(t *testing.T) {
	calm := run(newParams(quarter, DefaultThreshold), series(4, busy, 10, 0.05))
	if f := calm[len(calm)-1].calibration; f < 0.9 {
		t.Errorf("calibration on well-modelled data = %.2f", f)
	}
	spiky := series(4, busy, 10, 0.05)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range spiky {
		if r.Float64() < 0.03 {
			spiky[i] *= 3
		}
	}
	pts := run(newParams(quarter, DefaultThreshold), spiky)
	if f := pts[len(pts)-1].calibration; f > 0.8 {
		t.Errorf("calibration on spiky data = %.2f", f)
	}
}

func TestNonSeasonalSpan(t *testing.T) {
	p := newParams(7*time.Hour, DefaultThreshold)
	if p.period != 0 {
		t.Fatalf("period = %d for a 7-hour span", p.period)
	}
	c := make([]float64, 60)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range c {
		c[i] = float64(negBinomial(r, 50, 0.02))
	}
	c[50] = 300
	pts := run(p, c)
	if !pts[50].anomaly || pts[10].scored {
		t.Errorf("non-seasonal: spike %+v, early bucket scored %v", pts[50], pts[10].scored)
	}
}

// TestStillHigh: a bucket goes on a run when it is well above its band
// and scored at least half the threshold; a trickle in a quiet hour,
// above a band of next to nothing, does not.
func TestStillHigh(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    point
		want bool
	}{
		{"the beacon's last quarter hour", point{scored: true, dailyOK: true, count: 48, lower: 0, upper: 14.6, score: 68.9}, true},
		{"two denies in a quiet hour", point{scored: true, dailyOK: true, count: 2, lower: 0, upper: 0.4, score: 12}, false},
		{"within twice the band", point{scored: true, dailyOK: true, count: 25, lower: 0, upper: 14.6, score: 60}, false},
		{"not scored yet", point{count: 48, lower: 0, upper: 14.6, score: 68.9}, false},
	} {
		if got := tc.p.stillHigh(75); got != tc.want {
			t.Errorf("%s: stillHigh = %v, want %v", tc.name, got, tc.want)
		}
	}
}
