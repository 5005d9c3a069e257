package ui

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// benchCollection holds groups groups of perGroup findings each, over a
// few days, with varied user agents (browsers and tools): a finished
// run, sealed.
func benchCollection(groups int, perGroup ...int) *triage.Collection {
	per := 1
	if len(perGroup) > 0 {
		per = perGroup[0]
	}
	c := triage.NewCollection(0)
	uas := []string{
		"Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0 (bench %d)",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 bench/%d",
		"sqlmap/1.7.%d#stable (https://sqlmap.org)",
		"python-requests/2.%d",
	}
	dets := []string{"appsensor:RE2", "appsensor:CIE3", "elastic:0123456789abcdef", "appsensor:AE3"}
	ids := []string{"e0"}
	for i := range groups {
		ua := fmt.Sprintf(uas[i%len(uas)], i)
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		for j := range per {
			c.AddFinding(triage.Finding{
				Detector:  dets[(i+j)%len(dets)],
				Severity:  triage.Severity((i + j) % 4),
				RiskScore: (i*7 + j) % 100,
				Timestamp: t0.Add(time.Duration((i+j*5)%96) * time.Hour),
				SourceIP:  ip,
				UserAgent: ua,
				Reason:    "bench " + benchWord(i), // one reason shape per group: none fold
				UserName:  benchUsers[i%len(benchUsers)],
				Attrs:     []triage.Attr{{Field: "url.path", Value: benchPaths[(i+j)%len(benchPaths)]}},
				Evidence:  triage.RefsFromIDs(ids), EventCount: 1,
			})
		}
	}
	c.Seal()
	return c
}

// benchUsers and benchPaths are the values regrouping benchmarks group
// by: 5,000 users, 8 routes (captured as the engine does).
var (
	benchUsers = func() []string {
		out := make([]string, 5000)
		for i := range out {
			out[i] = fmt.Sprintf("user%04d", i)
		}
		return out
	}()
	benchPaths = []string{"/login", "/cart", "/checkout", "/search", "/item", "/account", "/api/v1/orders", "/admin"}
)

// benchWord spells i in letters: reasons that differ in shape (digits
// would be taken out of it), so benchmark groups stay apart.
func benchWord(i int) string {
	b := []byte{byte('a' + i%26)}
	for i /= 26; i > 0; i /= 26 {
		b = append(b, byte('a'+i%26))
	}
	return string(b)
}

// The large collection is built once for all benchmarks: 100,000 groups
// of 10 findings, a million findings.
var (
	bigOnce sync.Once
	big     *triage.Collection
)

func bigCollection() *triage.Collection {
	bigOnce.Do(func() { big = benchCollection(100_000, 10) })
	return big
}

// BenchmarkQueueView moves the cursor and renders the queue, as a key
// press does, with 100,000 groups.
func BenchmarkQueueView(b *testing.B) {
	m := newModel(context.Background(), Options{Title: "bench", Collection: bigCollection()})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	if len(m.queue.rows) != 100_000 {
		b.Fatalf("%d groups", len(m.queue.rows))
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

// BenchmarkKeyPress measures the worst ordinary key presses on a million
// findings: paging (every row on screen is new, so nothing is cached),
// jumping to the end and back, and opening a group and going back (which
// reads the group's findings from the collection).
func BenchmarkKeyPress(b *testing.B) {
	for _, tc := range []struct {
		name string
		keys []string
	}{
		{"pgdown", []string{"pgdown"}},
		{"end_g", []string{"end", "g"}}, // G groups by… in the queue
		{"jj_burst", []string{"jj"}},
		{"expand_collapse", []string{"right", "left"}},
		{"enter_esc", []string{"enter", "esc"}},
		{"sort_o", []string{"o"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m := newModel(context.Background(), Options{Title: "bench", Collection: bigCollection()})
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
			msgs := make([]tea.KeyMsg, len(tc.keys))
			for i, k := range tc.keys {
				msgs[i] = keyMsg(k)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for _, k := range msgs {
					m.Update(k)
					_ = m.View()
				}
			}
		})
	}
}

// BenchmarkSort sorts 100,000 groups by another column, off the loop.
func BenchmarkSort(b *testing.B) {
	gs := bigCollection().Groups()
	for _, k := range []sortKey{sortRisk, sortIP, sortLast} {
		b.Run(sortNames[k], func(b *testing.B) {
			for range b.N {
				_ = computeRows(queueInput{active: gs, sort: k})
			}
		})
	}
}

// BenchmarkSnapshot is the refresh after loading or a re-run: grouping a
// million findings, with and without an allowlist entry to apply.
func BenchmarkSnapshot(b *testing.B) {
	c := bigCollection()
	for _, tc := range []struct {
		name  string
		allow []triage.AllowEntry
	}{
		{"plain", nil},
		{"allowlist", []triage.AllowEntry{{Kind: triage.AllowCIDR, Value: "10.0.0.0/16"}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			sup := newSuppressor(nil, tc.allow, time.Now(), c)
			for range b.N {
				_ = takeSnapshot(c, nil, nil, sup, nil, grouping{})
			}
		})
	}
}

// TestLargeFilterRunsOffTheLoop checks that on a large list / returns at
// once with a command (the old rows stay) and that the command's result
// replaces them.
func TestLargeFilterRunsOffTheLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("large collection")
	}
	c := benchCollection(syncRows+5000, 1)
	m := newModel(context.Background(), Options{Collection: c})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	keys(m, "/")
	typeText(m, "user_agent.name:sqlmap")
	_, cmd := m.Update(keyMsg("enter"))
	if cmd == nil {
		t.Fatal("no command: the filter ran on the input loop")
	}
	if len(m.queue.rows) != syncRows+5000 {
		t.Errorf("old rows replaced before the command ran: %d", len(m.queue.rows))
	}
	// Run the command to its end: under -race on a busy machine it can
	// take longer than runCmd waits.
	_, next := m.Update(cmd())
	runCmd(m, next, 0)
	if want := (syncRows + 5000) / 4; len(m.queue.rows) != want {
		t.Errorf("%d rows after the filter, want %d", len(m.queue.rows), want)
	}
}
