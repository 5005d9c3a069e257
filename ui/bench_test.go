package ui

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// benchCollection holds n groups, one finding each, over a few days.
func benchCollection(n int) *triage.Collection {
	c := triage.NewCollection(0)
	for i := range n {
		c.AddFinding(triage.Finding{
			Detector:  []string{"appsensor:RE2", "appsensor:CIE3", "elastic:0123456789abcdef"}[i%3],
			Severity:  triage.Severity(i % 4),
			RiskScore: i % 100,
			Timestamp: t0.Add(time.Duration(i%96) * time.Hour),
			SourceIP:  netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}),
			UserAgent: fmt.Sprintf("Mozilla/5.0 (bench %d) AppleWebKit/537.36 (KHTML, like Gecko)", i),
			Reason:    "bench",
			EventIDs:  []string{fmt.Sprintf("e%d", i)}, EventCount: 1,
		})
	}
	return c
}

// BenchmarkQueueView moves the cursor and renders the queue, as a key
// press does, with 100,000 groups.
func BenchmarkQueueView(b *testing.B) {
	m := newModel(context.Background(), Options{Title: "bench", Collection: benchCollection(100_000)})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	if len(m.queue.groups) != 100_000 {
		b.Fatalf("%d groups", len(m.queue.groups))
	}
	down, up := keyMsg("j"), keyMsg("k")
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if (i/1000)%2 == 0 {
			m.Update(down)
		} else {
			m.Update(up)
		}
		_ = m.View()
	}
}
