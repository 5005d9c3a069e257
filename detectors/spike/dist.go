package spike

import "math"

// The predictive distribution of a bucket's count is a negative binomial
// with mean mu and variance mu + phi*mu² (phi = 0 is the Poisson). The
// functions here give its upper tail in log space, so that probabilities
// far below float64's range still order buckets correctly, and an
// approximate quantile for the band drawn around the expected count.

// dispersionEpsilon is the phi below which the Poisson is used: the
// negative binomial's size 1/phi would be astronomically large.
const dispersionEpsilon = 1e-9

// logTailGE returns ln P(X >= c) for X ~ NB(mu, phi). c may be fractional
// (the continuous extension of the tail through the incomplete beta and
// gamma functions), which lets the model score non-integer series.
func logTailGE(c, mu, phi float64) float64 {
	if c <= 0 || math.IsNaN(c) {
		return 0
	}
	if mu <= 0 {
		return math.Inf(-1)
	}
	if phi < dispersionEpsilon {
		// P(X >= c) for a Poisson is the regularised lower incomplete
		// gamma function P(c, mu).
		return logGammaP(c, mu)
	}
	r := 1 / phi
	// P(X >= c) = I_q(c, r) with q = mu/(mu+r); pass 1-q separately so it
	// keeps its precision when q is close to 1.
	q := mu / (mu + r)
	return logBetaI(c, r, q, r/(mu+r))
}

// logBetaI returns ln I_x(a, b), the regularised incomplete beta function,
// with y = 1-x given explicitly.
func logBetaI(a, b, x, y float64) float64 {
	switch {
	case x <= 0:
		return math.Inf(-1)
	case y <= 0:
		return 0
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := a*math.Log(x) + b*math.Log(y) - (la + lb - lab)
	if x < (a+1)/(a+b+2) {
		return front - math.Log(a) + math.Log(betaCF(a, b, x))
	}
	// The continued fraction converges fast for the complement here; the
	// probability itself is then not small, so log1p loses nothing.
	comp := math.Exp(front-math.Log(b)) * betaCF(b, a, y)
	if comp >= 1 {
		return math.Inf(-1)
	}
	return math.Log1p(-comp)
}

// betaCF evaluates the continued fraction of the incomplete beta function
// by the modified Lentz method.
func betaCF(a, b, x float64) float64 {
	const (
		tiny = 1e-300
		eps  = 1e-13
	)
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 100000; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// logGammaP returns ln P(a, x), the regularised lower incomplete gamma
// function.
func logGammaP(a, x float64) float64 {
	if x <= 0 {
		return math.Inf(-1)
	}
	lga, _ := math.Lgamma(a)
	front := a*math.Log(x) - x - lga
	if x < a+1 {
		// Series: P(a,x) = e^-x x^a / Gamma(a+1) * sum x^n / (a+1)...(a+n).
		sum, term := 1/a, 1/a
		for n := 1; n < 100000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if term < sum*1e-15 {
				break
			}
		}
		return front + math.Log(sum)
	}
	// Continued fraction for Q(a,x) = 1 - P(a,x) (Lentz).
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 100000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	q := math.Exp(front) * h
	if q >= 1 {
		return math.Inf(-1)
	}
	return math.Log1p(-q)
}

// quantile approximates the p-quantile of NB(mu, phi) by the
// Cornish-Fisher expansion (normal quantile corrected for skewness),
// clamped at zero. It is used for the band drawn around the expected count
// and for clipping what the baseline learns, where a fraction of a count
// does not matter.
func quantile(p, mu, phi float64) float64 {
	return quantileZ(normalQuantile(p), mu, phi)
}

// quantileZ is quantile for the standard normal quantile z of p, for
// callers that use a fixed p and compute z once.
func quantileZ(z, mu, phi float64) float64 {
	if mu <= 0 {
		return 0
	}
	v := mu + phi*mu*mu
	sd := math.Sqrt(v)
	// Third cumulant of the negative binomial: mu(1+phi mu)(1+2 phi mu).
	skew := mu * (1 + phi*mu) * (1 + 2*phi*mu) / (v * sd)
	q := mu + sd*(z+skew*(z*z-1)/6)
	return max(q, 0)
}

// normalQuantile is the standard normal quantile function.
func normalQuantile(p float64) float64 {
	return -math.Sqrt2 * math.Erfcinv(2*p)
}
