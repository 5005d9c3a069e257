package cli

import (
	"bytes"
	"context"
	"io"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"encoding/json"
	"fmt"
	"os"
	"picket/ui"
	"strings"
	"testing"

	"picket/detectors"
)

// readmeBlock replaces (with -update) or checks the text between
// "<!-- name -->" and "<!-- /name -->" in README.md, so figures the README
// quotes are the current build's.
func readmeBlock(t *testing.T, name, body string) {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	open, closing := "<!-- "+name+" -->\n", "<!-- /"+name+" -->"
	s := string(readme)
	i, j := strings.Index(s, open), strings.Index(s, closing)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %s … %s block", strings.TrimSpace(open), closing)
	}
	cur := s[i+len(open) : j]
	if cur == body {
		return
	}
	if updating() {
		if err := os.WriteFile("README.md", []byte(s[:i+len(open)]+body+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's %s block is stale (go test ./internal/cli -run Readme -update rewrites it):\n--- README\n%s--- current build\n%s", name, cur, body)
}

// TestReadmeDemoCounts keeps the README's figures about the demo true:
// events, detectors that run, findings, groups and queue rows.
func TestReadmeDemoCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every detector over the demo data")
	}
	runnable := len(detectors.Runnable(detectors.DemoOptions(detectors.Options{})))
	code, out, errOut := cli(t, "", "detect", "--demo", "--db", t.TempDir()+"/c.db")
	if code != 0 {
		t.Fatalf("detect --demo: %d %s", code, errOut)
	}
	findings := strings.Count(out, "\n")
	byDet := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f struct{ Detector string }
		if json.Unmarshal([]byte(line), &f) == nil {
			byDet[f.Detector] = true
		}
	}
	_, groups, _ := cli(t, "", "detect", "--demo", "--group", "--fold=false", "--db", t.TempDir()+"/c.db")
	_, rows, _ := cli(t, "", "detect", "--demo", "--group", "--db", t.TempDir()+"/c.db")
	campaigns, members := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(rows), "\n") {
		var g struct {
			Campaign bool
			Members  int
		}
		if json.Unmarshal([]byte(line), &g) == nil && g.Campaign {
			campaigns++
			members += g.Members
		}
	}
	events := ""
	for _, l := range strings.Split(errOut, "\n") {
		if strings.Contains(l, " events") && events == "" {
			events = strings.TrimPrefix(l, "picket: ")
		}
	}
	body := fmt.Sprintf(`| on the demo data | |
|---|---|
| detectors that run | %d: the AppSensor points HTTP/APM events can judge (with the demo shop's configuration), the POST-declined query rule and the spike model |
| detectors with findings | %d |
| findings (`+"`picket detect --demo`"+`, one line each) | %d |
| groups (`+"`--group --fold=false`"+`) | %d |
| queue rows (`+"`--group`"+`) | %d, of which %d campaign(s) folding %d groups |
| summary line | %s |
`, runnable, len(byDet), findings, strings.Count(groups, "\n"), strings.Count(rows, "\n"), campaigns, members, events)
	readmeBlock(t, "demo-counts", body)
}

// TestReadmeConsoleCapture keeps README's capture of the console on the
// demo data (the queue at 100×30, as `go run .` opens it) true: it is the
// current build's screen, colours off (go test ./internal/cli -run Readme
// -update rewrites it).
func TestReadmeConsoleCapture(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every detector over the demo data")
	}
	lipgloss.SetColorProfile(termenv.Ascii)
	home := t.TempDir()
	getenv := func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: getenv}
	cfg, err := (&globalFlags{}).load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	opts, done, err := consoleSetup(context.Background(), e, cfg, consoleOptions{demo: true, keep: 500000})
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	tm := teatest.NewTestModel(t, ui.New(opts), teatest.WithInitialTermSize(100, 30))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		// Loaded: the wave is folded whole (while loading, a campaign
		// has fewer members), and every event counted.
		return bytes.Contains(b, []byte("campaign of 240) · 316 findings · 72375 events"))
	}, teatest.WithDuration(120*time.Second), teatest.WithCheckInterval(200*time.Millisecond))
	time.Sleep(time.Second) // the last snapshot's frame
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	view := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View()
	readmeBlock(t, "console-capture", "```text\n"+view+"\n```\n")
}
