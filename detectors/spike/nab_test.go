package spike

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The Numenta Anomaly Benchmark (github.com/numenta/NAB) scores a detector
// on labelled series. This file reimplements its scoring rules (nab/
// sweeper.py) to score the spike model on the count series in
// shared/datasets/nab:
//
//   - each labelled anomaly has a window (combined_windows.json);
//   - the first 15% of a file (at most 750 rows, as NAB's code caps it) is
//     probation: detections there count for nothing either way;
//   - inside a window only the earliest detection counts, weighted by the
//     scaled sigmoid of its position (1 at the window's left edge, 0 at
//     its right edge); an undetected window costs A_FN;
//   - every detection outside a window costs A_FP, weighted by how far it
//     lies behind the previous window (a full cost when there is none);
//   - raw scores are normalised so that the null detector (never detects)
//     scores 0 and the perfect one (detects each window at its left edge)
//     100, summing raw, null and perfect over the files.

// nabProfile is one of NAB's cost profiles (config/profiles.json).
type nabProfile struct {
	name       string
	tp, fp, fn float64
}

var nabStandard = nabProfile{"standard", 1, 0.11, 1}

// nabWindow is a labelled window as row indices, both inclusive.
type nabWindow struct{ left, right int }

// nabSeries is one NAB file.
type nabSeries struct {
	name    string
	times   []time.Time
	values  []float64
	windows []nabWindow
}

// nabResult is a detector's raw score on one file and its normalisers.
type nabResult struct {
	raw, null, perfect float64
	tp, fp, fn         int
}

func (r nabResult) normalised() float64 {
	return 100 * (r.raw - r.null) / (r.perfect - r.null)
}

func (r *nabResult) add(o nabResult) {
	r.raw += o.raw
	r.null += o.null
	r.perfect += o.perfect
	r.tp += o.tp
	r.fp += o.fp
	r.fn += o.fn
}

func scaledSigmoid(pos float64) float64 {
	if pos >= 3 {
		return -1
	}
	return 2/(1+math.Exp(5*pos)) - 1
}

func nabProbation(n int) int {
	return int(math.Min(math.Floor(0.15*float64(n)), 0.15*5000))
}

// nabScore scores detections (one flag per row) under profile prof.
func nabScore(s *nabSeries, detect []bool, prof nabProfile) nabResult {
	n := len(detect)
	probation := nabProbation(n)
	maxTP := scaledSigmoid(-1)
	var res nabResult
	best := make([]float64, len(s.windows))
	counted := make([]bool, len(s.windows))
	hit := make([]bool, len(s.windows))
	for w := range best {
		best[w] = -prof.fn
	}
	cur, prev := -1, -1
	next := 0
	for i := range n {
		if cur < 0 && next < len(s.windows) && i == s.windows[next].left {
			cur = next
			next++
		}
		var weighted float64
		if cur >= 0 {
			w := s.windows[cur]
			width := float64(w.right - w.left + 1)
			weighted = scaledSigmoid(-float64(w.right-i+1)/width) * prof.tp / maxTP
		} else {
			pos := 3.0
			if prev >= 0 {
				pw := s.windows[prev]
				pos = math.Abs(float64(pw.right-i)) / float64(pw.right-pw.left)
			}
			weighted = scaledSigmoid(pos) * prof.fp
		}
		if i >= probation {
			if cur >= 0 {
				counted[cur] = true
			}
			if detect[i] {
				if cur >= 0 {
					if !hit[cur] {
						hit[cur] = true
						best[cur] = math.Max(best[cur], weighted)
					}
				} else {
					res.raw += weighted
					res.fp++
				}
			}
		}
		if cur >= 0 && i == s.windows[cur].right {
			prev, cur = cur, -1
		}
	}
	for w := range best {
		if !counted[w] {
			continue
		}
		res.raw += best[w]
		res.null -= prof.fn
		res.perfect += prof.tp
		if hit[w] {
			res.tp++
		} else {
			res.fn++
		}
	}
	return res
}

// loadNAB reads every CSV in dir that combined_windows.json labels.
func loadNAB(dir string) ([]*nabSeries, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "combined_windows.json"))
	if err != nil {
		return nil, err
	}
	var labels map[string][][2]string
	if err := json.Unmarshal(raw, &labels); err != nil {
		return nil, fmt.Errorf("combined_windows.json: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var out []*nabSeries
	for _, f := range files {
		base := filepath.Base(f)
		var key string
		for k := range labels {
			if k == base || strings.HasSuffix(k, "/"+base) {
				key = k
			}
		}
		if key == "" {
			continue
		}
		s, err := readNABFile(f, labels[key])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", base, err)
		}
		s.name = key
		out = append(out, s)
	}
	return out, nil
}

const nabTime = "2006-01-02 15:04:05"

func readNABFile(path string, windows [][2]string) (*nabSeries, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil { // header: timestamp,value
		return nil, err
	}
	s := &nabSeries{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		ts, err := time.Parse(nabTime, rec[0])
		if err != nil {
			return nil, err
		}
		v, err := strconv.ParseFloat(rec[1], 64)
		if err != nil {
			return nil, err
		}
		s.times = append(s.times, ts)
		s.values = append(s.values, v)
	}
	for _, w := range windows {
		a, err1 := time.Parse(nabTime, strings.TrimSuffix(w[0], ".000000"))
		b, err2 := time.Parse(nabTime, strings.TrimSuffix(w[1], ".000000"))
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad window %v", w)
		}
		l, _ := slices.BinarySearchFunc(s.times, a, time.Time.Compare)
		rt, found := slices.BinarySearchFunc(s.times, b, time.Time.Compare)
		if !found {
			rt--
		}
		if l < len(s.times) && rt >= l {
			s.windows = append(s.windows, nabWindow{l, rt})
		}
	}
	return s, nil
}

// scoreNAB runs the model over a NAB series at the series' own interval
// (its most common gap), filling missing rows with zero counts, and
// returns each row's point. window is the multi-bucket feature's longest
// window; 1 scores one bucket at a time.
func scoreNAB(s *nabSeries, threshold float64, window int) []point {
	gaps := map[time.Duration]int{}
	for i := 1; i < len(s.times); i++ {
		gaps[s.times[i].Sub(s.times[i-1])]++
	}
	var span time.Duration
	for g, n := range gaps {
		if g > 0 && (n > gaps[span] || n == gaps[span] && g < span) {
			span = g
		}
	}
	idx := make([]int, len(s.times))
	for i, ts := range s.times {
		idx[i] = int(ts.Sub(s.times[0]) / span)
	}
	counts := make([]float64, idx[len(idx)-1]+1)
	for i, v := range s.values {
		counts[idx[i]] += v
	}
	p := newParams(span, threshold)
	p.window = window
	pts := run(p, counts)
	out := make([]point, len(s.times))
	for i := range s.times {
		out[i] = pts[idx[i]]
	}
	return out
}

// detections turns scores into NAB detections at threshold th: every
// anomalous row (NAB's convention), or only the first row of each run of
// anomalous rows (one finding per run, as the detector reports them).
func detections(pts []point, th float64, firstOfRun bool) []bool {
	out := make([]bool, len(pts))
	for i, p := range pts {
		a := p.scored && p.score >= th
		if a && firstOfRun && i > 0 && pts[i-1].scored && pts[i-1].score >= th {
			continue
		}
		out[i] = a
	}
	return out
}

func TestNAB(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "datasets", "nab")
	if _, err := os.Stat(filepath.Join(dir, "combined_windows.json")); err != nil {
		t.Skipf("NAB data not found at %s (the repository's ../shared/datasets/nab): %v", dir, err)
	}
	series, err := loadNAB(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) == 0 {
		t.Skipf("no labelled NAB series in %s", dir)
	}
	// The model as it is, and one bucket at a time: the model before the
	// multi-bucket feature, for the before-and-after in README.
	for _, model := range []struct {
		name   string
		window int
	}{{"one bucket at a time (before the multi-bucket feature)", 1}, {"with the multi-bucket feature", multiWindow}} {
		scored := make([][]point, len(series))
		for i, s := range series {
			scored[i] = scoreNAB(s, DefaultThreshold, model.window)
		}
		sum := func(th float64, firstOfRun bool, log bool) nabResult {
			var tot nabResult
			for i, s := range series {
				r := nabScore(s, detections(scored[i], th, firstOfRun), nabStandard)
				if log {
					t.Logf("    %-40s %6.1f  (TP %d, FN %d, FP %d; %d rows, %d windows)", s.name, r.normalised(), r.tp, r.fn, r.fp, len(s.values), len(s.windows))
				}
				tot.add(r)
			}
			return tot
		}
		t.Logf("%s:", model.name)
		for _, mode := range []struct {
			name       string
			firstOfRun bool
		}{{"every anomalous bucket is a detection (NAB's convention)", false}, {"one detection per finding (first bucket of a run)", true}} {
			t.Logf("  standard profile, threshold %v, %s:", DefaultThreshold, mode.name)
			tot := sum(DefaultThreshold, mode.firstOfRun, true)
			t.Logf("    %-40s %6.1f  (TP %d, FN %d, FP %d)", "overall", tot.normalised(), tot.tp, tot.fn, tot.fp)
			if math.IsNaN(tot.normalised()) || math.IsInf(tot.normalised(), 0) {
				t.Fatalf("NAB score is not finite: %+v", tot)
			}
			if tot.raw <= tot.null {
				t.Errorf("the model scores no better than the null detector: %+v", tot)
			}
			bestTh, best := 0.0, math.Inf(-1)
			for th := 5.0; th <= 100; th++ {
				if s := sum(th, mode.firstOfRun, false).normalised(); s > best {
					bestTh, best = th, s
				}
			}
			t.Logf("    best threshold over these files (NAB tunes one per detector): %v -> %.1f", bestTh, best)
		}
	}
	t.Logf("NAB's published standard-profile scores, all 58 series: windowed Gaussian 39.6, Twitter ADVec 47.1, ARTime 74.9")
}
