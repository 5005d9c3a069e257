package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"picket/triage"
)

func init() {
	// Golden files hold plain text: no colours, whatever the terminal.
	lipgloss.SetColorProfile(termenv.Ascii)
}

func TestQueueGolden(t *testing.T) {
	m := New(Options{Title: "test.ndjson", Demo: true, Collection: testCollection(t)})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 24))
	var seen []byte // what WaitFor read; FinalOutput gives only the rest
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		seen = append(seen[:0], b...)
		return bytes.Contains(b, []byte(`\x1b[31mevil`)) && bytes.Contains(b, []byte("DEMO DATA"))
	}, teatest.WithDuration(5*time.Second))
	tm.Send(keyMsg("q"))

	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	view := fm.View()
	if strings.ContainsRune(view, 0x1b) {
		t.Errorf("view contains a raw ESC byte:\n%q", view)
	}
	if strings.ContainsRune(view, '\u202e') {
		t.Errorf("view contains a raw U+202E:\n%q", view)
	}
	for _, want := range []string{`\x1b[31mevil\u202ebot`, "Picket", "test.ndjson", "DEMO DATA", "4 groups", "CIE1,RE2", "elastic:9a7", "sqlmap (tool)", "Firefox 123 / Linux"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q", want)
		}
	}
	if n := strings.Count(view, "\n") + 1; n != 24 {
		t.Errorf("view has %d lines, want 24", n)
	}
	teatest.RequireEqualOutput(t, []byte(view))

	// The bytes sent to the terminal: the renderer's own sequences are
	// there, but nothing from the user agent.
	rest, err := io.ReadAll(tm.FinalOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	out := append(seen, rest...)
	if bytes.Contains(out, []byte("\x1b[31m")) || bytes.Contains(out, []byte("\u202e")) {
		t.Errorf("terminal output contains the raw hostile sequence")
	}
	if !bytes.Contains(out, []byte(`\x1b[31mevil\u202ebot`)) {
		t.Errorf("terminal output lacks the escaped user agent")
	}
}

func TestEventViewGolden(t *testing.T) {
	m := New(Options{Title: "test.ndjson", Collection: testCollection(t)})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("sqlmap")) },
		teatest.WithDuration(5*time.Second))
	tm.Send(keyMsg("enter"))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("REASON")) },
		teatest.WithDuration(5*time.Second))
	tm.Send(keyMsg("enter"))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("document (")) },
		teatest.WithDuration(5*time.Second))
	tm.Send(keyMsg("q"))
	view := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).View()
	if strings.ContainsRune(view, 0x1b) {
		t.Errorf("view contains a raw ESC byte:\n%q", view)
	}
	teatest.RequireEqualOutput(t, []byte(view))
}

// TestLoading runs Start as the console does: the queue fills while it
// runs, and its failure shows in the status line with what was loaded.
func TestLoading(t *testing.T) {
	c := triage.NewCollection(0)
	release := make(chan struct{})
	m := New(Options{
		Title:      "slow.ndjson",
		Collection: c,
		Start: func(ctx context.Context) error {
			c.AddEvent(&triage.Event{ID: "e1", Raw: []byte(`{}`)})
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
			c.AddFinding(triage.Finding{
				Detector: "appsensor:RE2", Severity: triage.High, RiskScore: 50, Timestamp: t0,
				SourceIP: netip.MustParseAddr("203.0.113.9"), UserAgent: "late-bot/1.0",
				Reason: "late", Evidence: cite(c, "e1"), EventCount: 1,
			})
			return errors.New("input\x1b[2J broke")
		},
		Warnings: func() []string { return []string{"a.ndjson:3: bad line", "a.ndjson:9: bad\x1b line"} },
	})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("loading… 1 event")) && bytes.Contains(b, []byte("2 warnings"))
	}, teatest.WithDuration(5*time.Second))
	close(release)
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("late-bot/1.0")) && bytes.Contains(b, []byte(`error: input\x1b[2J broke`))
	}, teatest.WithDuration(5*time.Second))
	tm.Send(keyMsg("q"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*model)
	if fm.loading || fm.startErr == nil {
		t.Errorf("loading=%v startErr=%v, want done with an error", fm.loading, fm.startErr)
	}
	if v := fm.View(); strings.ContainsRune(v, 0x1b) || !strings.Contains(v, "1 group") {
		t.Errorf("final view:\n%s", v)
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m := newModel(context.Background(), Options{Collection: testCollection(t)})
		_, cmd := m.Update(keyMsg(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
}
