package spill

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSorterOrders: with budgets that force zero, one and many runs, every
// record comes back once, sorted by key, equal keys in the order added.
func TestSorterOrders(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		budget int
	}{
		{"in memory", 1000, 1 << 30},
		{"a few runs", 20_000, 1 << 16},
		{"many runs", 50_000, 1 << 16},
		{"empty", 0, 1 << 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			s := New(tc.budget, t.TempDir())
			type rec struct {
				key  int64
				data string
			}
			var want []rec
			for i := range tc.n {
				k := r.Int64N(500) - 250 // many equal keys, negative ones too
				d := fmt.Sprintf("record %d", i)
				want = append(want, rec{k, d})
				if err := s.Add(Int64Key(k), []byte(d)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.budget < 1<<20 && tc.n > 0 && s.Runs() == 0 {
				t.Fatalf("budget %d did not spill", tc.budget)
			}
			slices.SortStableFunc(want, func(a, b rec) int { return int(a.key - b.key) })
			var got []rec
			err := s.Each(func(r Record) error {
				got = append(got, rec{int64(binary.BigEndian.Uint64(r.Key) ^ (1 << 63)), string(r.Data)})
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %d records, want %d; first differences: %v vs %v", len(got), len(want), head(got), head(want))
			}
		})
	}
}

func head[T any](s []T) []T { return s[:min(len(s), 3)] }
