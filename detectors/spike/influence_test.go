package spike

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"
)

// TestTallyNeverOverstates feeds one tally streams where more values
// compete than it has slots: the shares it reports are lower bounds of the
// true ones, and a value that really dominates is still reported close to
// its share.
func TestTallyNeverOverstates(t *testing.T) {
	seed := maphash.MakeSeed()
	tests := []struct {
		name             string
		heavy            float64 // share of the one dominant value
		light            int     // how many other values share the rest
		wantHeavyAtLeast float64
	}{
		{"one dominant value among 200", 0.4, 200, 0.3},
		{"a sweep over 1000 ports", 0.1, 1000, 0},
		{"few values, exact", 0.5, 5, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 7))
			var tl tally
			truth := map[string]int{}
			const n = 5000
			for range n {
				v := "heavy"
				if r.Float64() >= tt.heavy {
					v = fmt.Sprintf("v%d", r.IntN(tt.light))
				}
				truth[v]++
				tl.add(v, maphash.String(seed, v))
			}
			f, ok := summarise("destination.port", []*tally{&tl}, n, topSize)
			if !ok {
				t.Fatal("no summary")
			}
			for _, v := range f.Top {
				if v.Count > truth[v.Value] {
					t.Errorf("%s reported %d times, seen %d", v.Value, v.Count, truth[v.Value])
				}
			}
			heavy := 0.0
			for _, v := range f.Top {
				if v.Value == "heavy" {
					heavy = v.Share
				}
			}
			if heavy < tt.wantHeavyAtLeast {
				t.Errorf("dominant value reported at %.2f, want at least %.2f (true %.2f)", heavy, tt.wantHeavyAtLeast, float64(truth["heavy"])/n)
			}
		})
	}
}
