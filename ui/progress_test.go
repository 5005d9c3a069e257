package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestProgressBar: while Start runs, the status line shows the source's
// progress as a bar with counts, rate and time left, read on the refresh
// tick; keys keep working meanwhile; the bar goes when the load ends.
func TestProgressBar(t *testing.T) {
	tests := []struct {
		name string
		p    LoadProgress
		want []string
	}{
		{"pull with a total", LoadProgress{Done: 12_345, Total: 50_000, Unit: UnitDocuments, Rate: 5_000, ETA: 7500 * time.Millisecond},
			[]string{"loading ████░░░░░░░░░░░░ 24% 12.3k/50.0k docs · 5000/s · ETA 8s"}},
		{"file read", LoadProgress{Done: 30 << 20, Total: 120 << 20, Unit: UnitBytes, Rate: 45 << 20, ETA: 2 * time.Second},
			[]string{"████░░░░░░░░░░░░ 25% 30.0 MB/120.0 MB · 45.0 MB/s · ETA 2s"}},
		{"unknown total", LoadProgress{Done: 2_500_000, Total: -1, Unit: UnitDocuments, Rate: 61_000},
			[]string{"loading 2.5M docs · 61.0k/s"}},
		{"long ETA", LoadProgress{Done: 1, Total: 1000, Unit: UnitDocuments, Rate: 0.1, ETA: 2*time.Hour + 46*time.Minute},
			[]string{"0% 1/1000 docs · 0.1/s · ETA 2h46m"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(t, nil)
			release := make(chan struct{})
			var mu sync.Mutex
			have := false
			o.Start = func(ctx context.Context) error { <-release; return nil }
			o.Progress = func() (LoadProgress, bool) {
				mu.Lock()
				defer mu.Unlock()
				return tc.p, have
			}
			m := newModel(context.Background(), o)
			drive(m, teaSize(160, 30))
			m.Update(runReply(m, tickMsg{}))
			if v := m.View(); !strings.Contains(v, "loading… ") {
				t.Errorf("before any report the count of events shows:\n%s", v)
			}
			mu.Lock()
			have = true
			mu.Unlock()
			m.Update(runReply(m, tickMsg{}))
			v := m.View()
			for _, want := range tc.want {
				if !strings.Contains(v, want) {
					t.Errorf("status line lacks %q:\n%s", want, v)
				}
			}
			keys(m, "j")
			if m.queue.list.cursor != 1 {
				t.Errorf("keys do not move while loading: cursor %d", m.queue.list.cursor)
			}
			close(release)
			drive(m, runReply(m, startDoneMsg{}))
			if v := m.View(); strings.Contains(v, "░") || strings.Contains(v, "loading") {
				t.Errorf("progress still shown after the load:\n%s", v)
			}
		})
	}
}
