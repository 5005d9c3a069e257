package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/ui"
)

// BenchmarkConsoleLoad opens the console on the NDJSON file named by
// PICKET_BENCH_FILE, with every detector and a rule that matches every
// request (so every event is a finding), as the program does but with no
// terminal, and reports how long loading took, the process's peak RSS
// and the heap in use once loaded. It is a measurement, run once:
//
//	PICKET_BENCH_FILE=actors1m.ndjson go test -run XXX -bench ConsoleLoad -benchtime 1x ./internal/cli/
//
// (go run ./internal/bench gen writes such files.)
func BenchmarkConsoleLoad(b *testing.B) {
	path := os.Getenv("PICKET_BENCH_FILE")
	if path == "" {
		b.Skip("PICKET_BENCH_FILE names no file to load")
	}
	dir := b.TempDir()
	b.Setenv("XDG_CONFIG_HOME", dir)
	b.Setenv("XDG_DATA_HOME", dir)
	rule := filepath.Join(dir, "every-request.ndjson")
	if err := os.WriteFile(rule, []byte(`{"rule_id":"00000000-0000-4000-8000-0000000000ff","name":"every request","description":"all","severity":"low","risk_score":21,"type":"query","language":"kuery","query":"http.request.method:*","index":["traces-apm*"],"version":1,"enabled":true}`+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	var errOut bytes.Buffer
	if code := Run(context.Background(), []string{"rules", "import", rule}, strings.NewReader(""), io.Discard, &errOut, os.Getenv); code != 0 {
		b.Fatalf("rules import: exit %d: %s", code, errOut.String())
	}
	for range b.N {
		loadOnce(b, path, filepath.Join(dir, "cases.db"))
	}
}

func loadOnce(b *testing.B, path, db string) {
	ctx := context.Background()
	cfg, err := loadConfig("", os.Getenv)
	if err != nil {
		b.Fatal(err)
	}
	cfg.DB = db
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: os.Getenv}
	opts, done, err := consoleSetup(ctx, e, cfg, consoleOptions{files: []string{path}, keep: 500000, maxGroups: defaultMaxGroups})
	if err != nil {
		b.Fatal(err)
	}
	defer done()
	loaded := make(chan struct{})
	start := opts.Start
	opts.Start = func(ctx context.Context) error { defer close(loaded); return start(ctx) }
	t0 := time.Now()
	p := tea.NewProgram(ui.New(opts), tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithContext(ctx))
	go p.Run()
	p.Send(tea.WindowSizeMsg{Width: 160, Height: 50})
	<-loaded
	took := time.Since(t0)
	time.Sleep(5 * time.Second) // the last snapshot, the filter fields warmed
	runtime.GC()                // the console still running: its heap is what it keeps
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if out := os.Getenv("PICKET_BENCH_HEAP"); out != "" {
		// What the loaded console keeps, for go tool pprof.
		if f, err := os.Create(out); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	p.Kill()
	b.ReportMetric(took.Seconds(), "load-s")
	b.ReportMetric(float64(ms.HeapInuse>>20), "heap-MB")
	b.ReportMetric(float64(peakRSS()>>10), "peak-MB")
}

// peakRSS is the process's peak resident set in KB (Linux), or 0.
func peakRSS() int {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	return 0
}
