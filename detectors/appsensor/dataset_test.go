package appsensor

import (
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// datasetDir is shared/datasets seen from this package: CI has it beside
// the clone; a newcomer's clone does not, and the test then skips.
var datasetDir = filepath.Join("..", "..", "..", "shared", "datasets")

// TestHTTPParamsDataset measures the payload checks on the HttpParams
// dataset (payload values labelled norm, sqli, xss, path-traversal, cmdi):
// recall per attack type and the share of normal values flagged. IE3 is
// built from shell and path syntax and checked on its own handcrafted set
// (TestIE3Handcrafted); this split only measures it.
func TestHTTPParamsDataset(t *testing.T) {
	path := filepath.Join(datasetDir, "httpparams", "payload_train.csv")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("dataset not found at %s (it sits beside the repository in CI; see README)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	type tally struct{ n, sqli, xss, either, ie3 int }
	by := map[string]*tally{}
	for _, row := range rows[1:] {
		payload, kind := row[0], row[2]
		c := by[kind]
		if c == nil {
			c = &tally{}
			by[kind] = c
		}
		c.n++
		if isSQLi(payload) {
			c.sqli++
		}
		if isXSS(payload) {
			c.xss++
		}
		if isSQLi(payload) || isXSS(payload) {
			c.either++
		}
		if _, ok := ie3Probe(payload, false); ok {
			c.ie3++
		}
	}
	pct := func(a, n int) float64 { return 100 * float64(a) / float64(n) }
	for _, k := range []string{"sqli", "xss", "path-traversal", "cmdi", "norm"} {
		c := by[k]
		if c == nil {
			t.Fatalf("no %s rows in %s", k, path)
		}
		t.Logf("%-15s n=%5d  CIE1 %5.1f%%  IE1 %5.1f%%  IE3 %5.1f%%", k, c.n, pct(c.sqli, c.n), pct(c.xss, c.n), pct(c.ie3, c.n))
	}
	norm := by["norm"]
	fp := pct(norm.either, norm.n)
	t.Logf("normal values flagged by IE1 or CIE1: %.2f%%", fp)
	ie3fp := pct(norm.ie3, norm.n)
	t.Logf("normal values flagged by IE3: %.2f%%", ie3fp)
	for _, k := range []string{"cmdi", "path-traversal"} {
		if r := pct(by[k].ie3, by[k].n); r < 95 {
			t.Errorf("IE3 recall on %s %.1f%% < 95%%", k, r)
		}
	}
	if ie3fp > 0.5 {
		t.Errorf("%.2f%% of normal values flagged by IE3 (> 0.5%%)", ie3fp)
	}
	if r := pct(by["sqli"].sqli, by["sqli"].n); r < 95 {
		t.Errorf("CIE1 recall on sqli %.1f%% < 95%%", r)
	}
	if r := pct(by["xss"].xss, by["xss"].n); r < 95 {
		t.Errorf("IE1 recall on xss %.1f%% < 95%%", r)
	}
	if fp > 0.5 {
		t.Errorf("%.2f%% of normal values flagged (> 0.5%%)", fp)
	}
}
