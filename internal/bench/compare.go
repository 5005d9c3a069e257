package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// seedQuery is the seed query, and its jq and SQL forms.
const (
	seedQuery = "http.response.status_code:403 and http.request.method:POST"
	seedJQ    = `select(.http.response.status_code==403 and .http.request.method=="POST")`
	seedSQL   = `http.response.status_code = 403 AND http.request.method = 'POST'`
)

type compareOpts struct {
	size         int64
	runs         int
	dir          string
	keep         bool
	noDuck, noJQ bool
	picket       string
}

// job is one command of the comparison.
type job struct {
	name  string
	argv  []string
	count func(stdout []byte) string // what it found, for the matches column
	times []time.Duration
	rss   []int64 // KiB
	found string
	err   error
}

func compare(c compareOpts) error {
	dir := c.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "picket-bench-")
		if err != nil {
			return err
		}
		dir = d
		if !c.keep {
			defer os.RemoveAll(dir)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fmt.Printf("load average before: %s\n", loadAvg())

	bin := c.picket
	if bin == "" {
		bin = filepath.Join(dir, "picket")
		fmt.Printf("building picket into %s\n", bin)
		if out, err := exec.Command("go", "build", "-o", bin, "picket").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}

	file := filepath.Join(dir, fmt.Sprintf("demo-%d.ndjson", c.size))
	st, err := os.Stat(file)
	if err != nil || st.Size() < c.size {
		fmt.Printf("generating %s (%d MB of demo data)...\n", file, c.size/1e6)
		start := time.Now()
		// In a child process: the peak RSS wait4 reports for a command
		// starts from its parent's size at fork, so this one stays small.
		self, err := os.Executable()
		if err != nil {
			return err
		}
		if out, err := exec.Command(self, "gen", "-size", strconv.FormatInt(c.size, 10), file).CombinedOutput(); err != nil {
			return fmt.Errorf("generating: %v: %s", err, out)
		}
		fmt.Printf("  done in %s\n", time.Since(start).Round(time.Millisecond))
		if !c.keep {
			defer os.Remove(file)
		}
	} else {
		fmt.Printf("reusing %s\n", file)
	}
	st, err = os.Stat(file)
	if err != nil {
		return err
	}
	size := st.Size()

	lines := func(out []byte) string { return strconv.Itoa(bytes.Count(out, []byte("\n"))) }
	jobs := []*job{
		{name: "picket detect (all detectors)", argv: []string{bin, "detect", file}, count: lines},
		{name: "picket detect --only query --query (seed query)", argv: []string{bin, "detect", "--only", "query", "--query", seedQuery, file}, count: lines},
	}
	if c.noJQ {
		fmt.Println("jq: skipped (-no-jq)")
	} else if jq, err := exec.LookPath("jq"); err != nil {
		fmt.Println("jq: not found on PATH; its row is skipped (install jq to compare)")
	} else {
		jobs = append(jobs, &job{name: "jq -c (seed filter)", argv: []string{jq, "-c", seedJQ, file}, count: lines})
	}
	if c.noDuck {
		fmt.Println("duckdb: skipped (-no-duckdb)")
	} else if duck, why := duckJobs(file); duck == nil {
		fmt.Printf("duckdb: %s; its rows are skipped\n", why)
	} else {
		jobs = append(jobs, duck...)
	}

	fmt.Printf("running %d jobs %d time(s) each, in turn, on %s (%.0f MB)\n", len(jobs), c.runs, file, float64(size)/1e6)
	// The seed query runs next to DuckDB, and every detector next to jq:
	// the pairs the targets compare see the same load.
	var order []*job
	order = append(order, jobs[1])
	for _, j := range jobs[2:] {
		if strings.HasPrefix(j.name, "duckdb") {
			order = append(order, j)
		}
	}
	order = append(order, jobs[0])
	for _, j := range jobs[2:] {
		if !strings.HasPrefix(j.name, "duckdb") {
			order = append(order, j)
		}
	}
	for r := range c.runs {
		for _, j := range order {
			if j.err != nil {
				continue
			}
			d, rss, out, err := run(j.argv)
			if err != nil {
				j.err = err
				fmt.Printf("  %s: %v\n", j.name, err)
				continue
			}
			j.times = append(j.times, d)
			j.rss = append(j.rss, rss)
			j.found = j.count(out)
			fmt.Printf("  run %d: %-50s %8.2f s %7.0f MB peak\n", r+1, j.name, d.Seconds(), float64(rss)/1024)
		}
	}
	fmt.Printf("load average after: %s\n\n", loadAvg())
	report(os.Stdout, jobs, size)
	return nil
}

// run starts argv and waits, returning its wall time, its peak resident
// set (KiB, from wait4's rusage) and what it wrote on stdout.
func run(argv []string) (time.Duration, int64, []byte, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		msg := strings.TrimSpace(errb.String())
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		return 0, 0, nil, fmt.Errorf("%v: %s", err, msg)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	return d, rss, out.Bytes(), nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func report(w io.Writer, jobs []*job, size int64) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "job\ttime (median)\tMB/s\tpeak RSS\tmatches/findings\t")
	med := map[string]time.Duration{}
	peak := map[string]int64{}
	for _, j := range jobs {
		if len(j.times) == 0 {
			fmt.Fprintf(tw, "%s\tfailed\t\t\t\t\n", j.name)
			continue
		}
		m := median(j.times)
		med[j.name] = m
		peak[j.name] = slices.Max(j.rss)
		fmt.Fprintf(tw, "%s\t%.2f s\t%.0f\t%.0f MB\t%s\t\n", j.name, m.Seconds(), float64(size)/1e6/m.Seconds(), float64(peak[j.name])/1024, j.found)
	}
	tw.Flush()
	fmt.Fprintln(w)

	all, query := med[jobs[0].name], med[jobs[1].name]
	var jq, duck time.Duration
	var duckName string
	var jqJob, duckJob *job
	for _, j := range jobs[2:] {
		m, ok := med[j.name]
		switch {
		case !ok:
		case strings.HasPrefix(j.name, "jq"):
			jq, jqJob = m, j
		case strings.HasPrefix(j.name, "duckdb") && (duck == 0 || m < duck):
			duck, duckName, duckJob = m, j.name, j
		}
	}
	// Ratios of runs of the same round, which ran back to back: they
	// hold better than ratios of medians while the machine's load drifts.
	paired := func(a, b *job) string {
		if a == nil || b == nil || len(a.times) != len(b.times) || len(a.times) < 2 {
			return ""
		}
		rs := make([]float64, len(a.times))
		for i := range rs {
			rs[i] = a.times[i].Seconds() / b.times[i].Seconds()
		}
		slices.Sort(rs)
		return fmt.Sprintf(" (per round: %.2f to %.2f, median %.2f)", rs[0], rs[len(rs)-1], rs[len(rs)/2])
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	if query > 0 && duck > 0 {
		r := query.Seconds() / duck.Seconds()
		fmt.Fprintf(w, "one rule:      picket %.2f s / %s %.2f s = %.2f%s (target <= 1: %s)\n", query.Seconds(), duckName, duck.Seconds(), r, paired(jobs[1], duckJob), verdict(r <= 1))
	}
	if all > 0 && jq > 0 {
		r := jq.Seconds() / all.Seconds()
		fmt.Fprintf(w, "all detectors: picket throughput = %.1f x jq's; time picket / jq%s (target >= 10: %s)\n", r, paired(jobs[0], jqJob), verdict(r >= 10))
	}
	if query > 0 && jq > 0 {
		fmt.Fprintf(w, "one rule:      picket throughput = %.1f x jq's\n", jq.Seconds()/query.Seconds())
	}
	maxRSS := max(peak[jobs[0].name], peak[jobs[1].name])
	if maxRSS > 0 {
		fmt.Fprintf(w, "peak RSS:      picket %.0f MB at most (target <= 300 MB: %s)\n", float64(maxRSS)/1024, verdict(maxRSS <= 300*1024))
	}
}

// loadAvg returns the 1, 5 and 15 minute load averages and the cores.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return fmt.Sprintf("%s %s %s (%d cores)", f[0], f[1], f[2], numCPU())
}
