package spike

import (
	"math"
	"math/rand/v2"
	"time"
)

// Synthetic count series for the model's tests: a daily and weekly
// rhythm with negative binomial noise (a Poisson whose rate is itself
// gamma-distributed), drawn from a fixed seed.

// season is the expected count at a bucket start: quiet nights, busy
// afternoons, quieter weekends.
type season struct {
	night, day float64 // expected count at 03:00 and at 15:00 UTC
	weekend    float64 // factor on Saturdays and Sundays
}

func (s season) mean(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	// A smooth day: lowest at 03:00, highest at 15:00.
	x := (1 - math.Cos(2*math.Pi*(h-3)/24)) / 2
	m := s.night + (s.day-s.night)*x
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		m *= s.weekend
	}
	return m
}

// synthSeries draws days of span buckets from start with dispersion phi.
func synthSeries(r *rand.Rand, s season, start time.Time, span time.Duration, days int, phi float64) []float64 {
	n := int(time.Duration(days) * 24 * time.Hour / span)
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(negBinomial(r, s.mean(start.Add(time.Duration(i)*span)), phi))
	}
	return out
}

// negBinomial draws from NB(mu, phi): var = mu + phi mu².
func negBinomial(r *rand.Rand, mu, phi float64) int {
	if phi <= 0 {
		return poisson(r, mu)
	}
	shape := 1 / phi
	return poisson(r, gamma(r, shape)*mu/shape)
}

// gamma draws from Gamma(shape, 1) (Marsaglia and Tsang's method).
func gamma(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gamma(r, shape+1) * math.Pow(r.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// poisson draws from Poisson(lam): inversion for small rates, Hörmann's
// transformed rejection (PTRS) for large ones.
func poisson(r *rand.Rand, lam float64) int {
	if lam <= 0 {
		return 0
	}
	if lam < 20 {
		l, k, p := math.Exp(-lam), 0, 1.0
		for {
			p *= r.Float64()
			if p <= l {
				return k
			}
			k++
		}
	}
	slam, loglam := math.Sqrt(lam), math.Log(lam)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invAlpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lam + 0.43)
		if us >= 0.07 && v <= vr {
			return int(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invAlpha)-math.Log(a/(us*us)+b) <= -lam+k*loglam-lg {
			return int(k)
		}
	}
}

// The benign deny traffic of issue 14's held-out check: 3 to 5 denies a
// quarter hour at night (00:00-06:00 UTC), 10 to 20 by day (08:00-18:00),
// with ramps between.
func denyRange(hour float64) (lo, hi float64) {
	switch {
	case hour < 6:
		return 3, 5
	case hour < 8:
		f := (hour - 6) / 2
		return 3 + 7*f, 5 + 15*f
	case hour < 18:
		return 10, 20
	case hour < 22:
		f := (hour - 18) / 4
		return 10 - 7*f, 20 - 15*f
	}
	return 3, 5
}

// noise is how benign counts scatter within denyRange.
type noise int

const (
	// uniformNoise: each bucket's count is drawn uniformly from the
	// range, as "night 3-5, day 10-20" reads.
	uniformNoise noise = iota
	// poissonNoise: Poisson counts around the middle of the range, the
	// scatter of independent connection attempts (at night 4 ± 2).
	poissonNoise
)

func (n noise) String() string {
	return [...]string{"uniform in range", "Poisson"}[n]
}

// benignDenies draws days of 15-minute deny counts from t0.
func benignDenies(seed uint64, days int, n noise) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]float64, days*96)
	for i := range out {
		lo, hi := denyRange(float64(i%96) / 4)
		if n == poissonNoise {
			out[i] = float64(poisson(r, (lo+hi)/2))
			continue
		}
		a, b := int(math.Round(lo)), int(math.Round(hi))
		out[i] = float64(a + r.IntN(b-a+1))
	}
	return out
}
