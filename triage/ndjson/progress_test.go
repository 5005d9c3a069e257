package ndjson

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"picket/triage"
)

// TestProgress reads plain, gzip and standard input and checks the
// reports: bytes only grow, the last one is Done with every byte of the
// files read, and the total is unknown for standard input.
func TestProgress(t *testing.T) {
	var big strings.Builder
	for i := range 6000 { // several batches
		fmt.Fprintf(&big, "{\"event\":{\"id\":\"e%d\"},\"message\":%q}\n", i, strings.Repeat("x", 100))
	}
	plain := write(t, "big.ndjson", []byte(big.String()))
	zipped := write(t, "big.ndjson.gz", gz([]byte(big.String())))
	size := func(p string) int64 {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	tests := []struct {
		name       string
		paths      []string
		stdin      string
		wantTotal  int64
		wantEvents int64
	}{
		{"plain file", []string{plain}, "", size(plain), 6000},
		{"gzip counts stored bytes", []string{zipped}, "", size(zipped), 6000},
		{"two files", []string{plain, zipped}, "", size(plain) + size(zipped), 12000},
		{"standard input has no total", []string{"-"}, "{\"a\":1}\n{\"a\":2}\n", -1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var reports []Progress
			src := New(tc.paths, Options{Stdin: strings.NewReader(tc.stdin), Progress: func(p Progress) { reports = append(reports, p) }})
			if err := src.Events(context.Background(), func(*triage.Event) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if len(reports) < 2 {
				t.Fatalf("%d reports, want one per batch and a final one", len(reports))
			}
			for i := 1; i < len(reports); i++ {
				if reports[i].Bytes < reports[i-1].Bytes || reports[i].Events < reports[i-1].Events {
					t.Errorf("report %d went backwards: %+v after %+v", i, reports[i], reports[i-1])
				}
			}
			last := reports[len(reports)-1]
			if !last.Done || last.Total != tc.wantTotal || last.Events != tc.wantEvents {
				t.Errorf("last report %+v, want done, total %d, %d events", last, tc.wantTotal, tc.wantEvents)
			}
			if tc.wantTotal >= 0 && last.Bytes != tc.wantTotal {
				t.Errorf("read %d bytes of %d", last.Bytes, tc.wantTotal)
			}
			for _, r := range reports[:len(reports)-1] {
				if r.Done {
					t.Errorf("a report before the last says done: %+v", r)
				}
			}
		})
	}
}

// Without a Progress callback nothing is counted or reported.
func TestNoProgress(t *testing.T) {
	src := New([]string{"-"}, Options{Stdin: strings.NewReader("{\"a\":1}\n")})
	if err := src.Events(context.Background(), func(*triage.Event) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n := src.raw.Load(); n != 0 {
		t.Errorf("counted %d bytes without a callback", n)
	}
}
