package appsensor

import (
	"strings"
	"testing"

	"picket/triage"
)

func TestCatalogueIsCompleteAndHonest(t *testing.T) {
	want := map[string]int{"RE": 8, "AE": 13, "SE": 6, "ACE": 4, "IE": 7, "EE": 2, "CIE": 4, "FIO": 2, "HT": 3, "UT": 4, "STE": 3, "RP": 4}
	got := map[string]int{}
	seen := map[string]bool{}
	for _, e := range Catalogue {
		if seen[e.ID] {
			t.Errorf("%s listed twice", e.ID)
		}
		seen[e.ID] = true
		got[strings.TrimRight(e.ID, "0123456789")]++
		if e.Title == "" || e.Category == "" || (e.Class != Attack && e.Class != Suspicious) {
			t.Errorf("incomplete entry %+v", e)
		}
		if e.Readiness != triage.RunsLocally && e.Why == "" {
			t.Errorf("%s does not run and does not say why", e.ID)
		}
	}
	if len(Catalogue) != 60 {
		t.Errorf("catalogue has %d points, want 60", len(Catalogue))
	}
	for fam, n := range want {
		if got[fam] != n {
			t.Errorf("family %s has %d points, want %d", fam, got[fam], n)
		}
	}
	// Every point marked as running has a detector, and every detector is
	// marked as running: `picket rules` must not claim what is not there.
	running := map[string]bool{}
	for _, d := range Detectors(Options{}) {
		running[strings.TrimPrefix(d.Info().ID, "appsensor:")] = true
	}
	for _, e := range Catalogue {
		if (e.Readiness == triage.RunsLocally) != running[e.ID] {
			t.Errorf("%s: catalogue says %q, detector present = %v", e.ID, e.Readiness, running[e.ID])
		}
	}
	if n := len(Pending()) + len(running); n != 60 {
		t.Errorf("pending + running = %d, want 60", n)
	}
}
