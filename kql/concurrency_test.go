package kql

import (
	"sync"
	"testing"
	"time"
)

// TestConcurrentMatch shares one Query between goroutines (run with
// -race): the per-field comparator cache of bare values and field-name
// wildcards must be safe.
func TestConcurrentMatch(t *testing.T) {
	cases := []struct {
		query string
		want  bool
	}{
		{`denied or http.response.status_*:403`, true},
		{`Fire* and not *.ip:10.0.0.1`, true},
		{`nothing*here`, false},
	}
	d := mustDoc(conformanceDocs["apm403"])
	for _, tc := range cases {
		q := MustParse(tc.query, WithNow(testNow))
		var wg sync.WaitGroup
		errs := make(chan bool, 8)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 50; i++ {
					if q.Match(d) != tc.want {
						errs <- true
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if len(errs) > 0 {
			t.Errorf("%s: Match != %v under concurrency", tc.query, tc.want)
		}
	}
}

func TestWithLocation(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone data")
	}
	d := mustDoc(`{"@timestamp":"2026-11-28T23:30:00Z"}`)
	cases := []struct {
		loc  *time.Location
		want bool
	}{
		{time.UTC, true},
		{paris, false}, // 00:30 on the 29th in Paris
	}
	for _, tc := range cases {
		q := MustParse(`@timestamp:2026-11-28`, WithNow(testNow), WithLocation(tc.loc))
		if got := q.Match(d); got != tc.want {
			t.Errorf("location %v: Match = %v, want %v", tc.loc, got, tc.want)
		}
	}
}
