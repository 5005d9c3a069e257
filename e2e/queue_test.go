//go:build e2e

package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQueueAtCampaignScale drives the queue on the demo data as an analyst
// would over tmux: a burst of keys moves as many rows, G regroups by the
// route and the rows under one expand in place, the filter reaches the
// events' fields, an unknown field is refused beside the input, and a
// bulk status on the rows a filter shows is written in one go.
func TestQueueAtCampaignScale(t *testing.T) {
	db := filepath.Join(t.TempDir(), "case.db")
	s := start(t, 140, 40, env(t), "--db", db)
	s.waitFor("RE2", 20*time.Second)
	scr := s.waitUntil("the load to end", 30*time.Second, func(scr string) bool {
		return strings.Contains(scr, "1 campaign of 240") && !strings.Contains(scr, "loading")
	})

	// tmux writes "jj" in one go: the console gets one message of two
	// runes and must move two rows.
	s.text("jj")
	scr = s.waitFor("3/", 5*time.Second)

	// Regroup by url.path: take the two default fields out, add the route.
	s.keys("G")
	s.waitFor("Group the queue by", 5*time.Second)
	s.keys("Space", "j", "Space", "j", "j", "Space", "Enter")
	scr = s.waitFor("by url.path", 15*time.Second)
	if !strings.Contains(scr, "URL.PATH") {
		t.Fatalf("no key column after regrouping:\n%s", scr)
	}
	s.keys("Escape") // nothing to clear: stays
	s.keys("G")
	s.waitFor("Group the queue by", 5*time.Second)
	s.keys("d", "Enter")
	s.waitFor("SOURCE IP", 15*time.Second)

	// The filter reaches the kept events' fields.
	s.keys("/")
	s.text("url.path:/login")
	s.keys("Enter")
	scr = s.waitUntil("the search to end", 15*time.Second, func(scr string) bool {
		return strings.Contains(scr, "filter: url.path:/login") && !strings.Contains(scr, "searching")
	})
	if strings.Contains(scr, " 0/") {
		t.Fatalf("url.path:/login found no group:\n%s", scr)
	}
	// A field nobody has is an error beside the input.
	s.keys("/")
	s.keys("C-u")
	s.text("shop.nothing:x")
	s.keys("Enter")
	s.waitFor("unknown field shop.nothing", 15*time.Second)
	s.keys("Escape")

	// V selects what the filter shows; s asks which status, naming the
	// count; c closes them all.
	s.keys("V")
	s.waitFor("selected", 5*time.Second)
	s.keys("s")
	s.waitFor("status of ", 5*time.Second)
	s.keys("c")
	s.waitFor("(one transaction)", 10*time.Second)
	s.keys("Escape") // clears the filter
	s.waitFor("filter cleared", 5*time.Second)
	s.keys("q")
	s.waitFor("EXITED:0", 5*time.Second)
}

// waitUntil waits until the screen satisfies ok.
func (s *session) waitUntil(what string, within time.Duration, ok func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for {
		scr := s.screen(false)
		if ok(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waited in vain for %s; the screen:\n%s", what, scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestLargeRunHoldsTheTopOfTheQueue runs the demo with room for fewer
// groups than it makes: the run waits on disk, then the console holds the
// top of the queue (the campaign whole), says so in the header, and a
// held group opens with its findings and checklist.
func TestLargeRunHoldsTheTopOfTheQueue(t *testing.T) {
	s := start(t, 160, 40, env(t), "--max-groups", "250")
	scr := s.waitUntil("the load to end", 40*time.Second, func(scr string) bool {
		return strings.Contains(scr, "groups held") && !strings.Contains(scr, "loading")
	})
	if !strings.Contains(scr, "250 groups (1 campaign of 240) · top 250 of 271 groups held") {
		t.Fatalf("the header does not say what is held:\n%s", scr)
	}
	// The top row is the data breach, as on a full run.
	s.keys("Enter")
	scr = s.waitFor("ranked by data exfiltration", 10*time.Second)
	if !strings.Contains(scr, "61382 rows from SELECT FROM orders") {
		t.Fatalf("the held group lost its findings:\n%s", scr)
	}
	s.keys("Escape")
	s.waitFor("SOURCE IP", 5*time.Second)
	s.keys("q")
	s.waitFor("EXITED:0", 5*time.Second)
}
