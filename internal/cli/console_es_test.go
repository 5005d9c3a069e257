package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
	"picket/triage/elastic"
	"picket/triage/elastic/elastictest"
	"picket/triage/ndjson"
	"picket/ui"
)

// consoleES is the console's Elasticsearch side over a fake cluster, as
// picket --es builds it, through the real client.
func consoleES(t *testing.T, url string) *esConsoleSource {
	t.Helper()
	c, err := elastic.New(elastic.Config{URLs: []string{url}, MaxRetries: 1, RetryBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &esConsoleSource{c: c, s: esSettings{indices: []string{"logs-*"},
		from: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), to: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}}
}

// TestConsoleAlertsWriteBack opens the console on a cluster's open alert,
// presses s on its group, and finds the status written back to the alert
// document by _update_by_query; a refused write shows as one line in the
// status bar and the console goes on.
func TestConsoleAlertsWriteBack(t *testing.T) {
	tests := []struct {
		name       string
		forbid     bool
		wait       string // in the screen after s
		wantStatus string // of the alert document after
	}{
		{"written back", false, "elasticsearch: 1 alert set to acknowledged (1 updated)", "acknowledged"},
		{"write refused", true, "! elasticsearch: update alerts in .alerts-security.alerts-default: 403 forbidden", "open"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := alertsServer(t)
			if tc.forbid {
				srv.Forbid(".alerts-security.alerts-*", true)
			}
			es := consoleES(t, srv.URL)
			var warnings []string
			src := es.consoleAlerts(config{}, func(s string) { warnings = append(warnings, s) })
			rule := "elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e"
			m := ui.New(ui.Options{
				Title: "elasticsearch logs-*", SourceKind: "elasticsearch", Collection: triage.NewCollection(0),
				Alerts: src,
				Detectors: func(id string) (triage.DetectorInfo, bool) {
					return triage.DetectorInfo{ID: id}, id == rule
				},
				Author: "ana",
			})
			run := func(msg tea.Msg) {
				var next tea.Model
				next, cmd := m.Update(msg)
				m = next
				runCmds(m, cmd, func(nm tea.Model) { m = nm })
			}
			run(tea.WindowSizeMsg{Width: 160, Height: 30})
			runCmds(m, m.Init(), func(nm tea.Model) { m = nm })
			if v := m.View(); !strings.Contains(v, "1 alert (0 reproduced)") || !strings.Contains(v, `evil\x1b[31m agent`) ||
				strings.ContainsRune(v, 0x1b) {
				t.Fatalf("the pulled alert is not in the queue:\n%s", v)
			}
			run(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("s")})
			if v := m.View(); !strings.Contains(v, tc.wait) {
				t.Errorf("status line lacks %q:\n%s", tc.wait, v)
			}
			var doc map[string]any
			if err := json.Unmarshal(srv.Source(elastic.AlertsIndex(""), "d0"), &doc); err != nil {
				t.Fatal(err)
			}
			if doc["kibana.alert.workflow_status"] != tc.wantStatus {
				t.Errorf("alert status %v, want %s", doc["kibana.alert.workflow_status"], tc.wantStatus)
			}
			if !tc.forbid {
				ups := srv.Updates()
				if len(ups) != 1 || strings.Join(ups[0].IDs, ",") != "d0" || ups[0].Params["status"] != "acknowledged" ||
					ups[0].Params["user"] != "analyst" {
					t.Errorf("updates %+v, want the alert d0 acknowledged by the authenticated user", ups)
				}
			}
			if len(warnings) != 0 {
				t.Errorf("warnings: %q", warnings)
			}
		})
	}
}

// The pull's and the files' progress reach the console as LoadProgress.
func TestLoadProgress(t *testing.T) {
	tests := []struct {
		name string
		feed func(*loadProgress)
		want ui.LoadProgress
	}{
		{"pull", func(l *loadProgress) {
			l.fromPull(elastic.Progress{Docs: 5000, Total: 20000, Rate: 2500, ETA: 6 * time.Second})
		}, ui.LoadProgress{Done: 5000, Total: 20000, Unit: ui.UnitDocuments, Rate: 2500, ETA: 6 * time.Second}},
		{"files", func(l *loadProgress) {
			l.fromFiles(ndjson.Progress{Bytes: 10 << 20, Total: 40 << 20, Elapsed: 2 * time.Second})
		}, ui.LoadProgress{Done: 10 << 20, Total: 40 << 20, Unit: ui.UnitBytes, Rate: 5 << 20, ETA: 6 * time.Second}},
		{"standard input", func(l *loadProgress) {
			l.fromFiles(ndjson.Progress{Bytes: 1 << 20, Total: -1, Elapsed: time.Second})
		}, ui.LoadProgress{Done: 1 << 20, Total: -1, Unit: ui.UnitBytes, Rate: 1 << 20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l loadProgress
			if _, ok := l.get(); ok {
				t.Fatal("progress before any report")
			}
			tc.feed(&l)
			got, ok := l.get()
			if !ok || got != tc.want {
				t.Errorf("got %+v (%v), want %+v", got, ok, tc.want)
			}
			l.reset()
			if _, ok := l.get(); ok {
				t.Error("progress after reset")
			}
		})
	}
}

// A real pull reports its progress to the console's box: at the end, every
// document of the point in time.
func TestPullProgress(t *testing.T) {
	srv := elastictest.NewServer()
	t.Cleanup(srv.Close)
	const n = 2500 // three pages
	for i := range n {
		srv.Add("logs-a", "", fmt.Appendf(nil, `{"@timestamp":"2026-11-27T10:%02d:%02dZ","source":{"ip":"10.0.0.1"}}`, i/60%60, i%60))
	}
	es := consoleES(t, srv.URL)
	es.s.pageSize = 1000
	var l loadProgress
	src := es.sourceWithProgress(func(string) {}, &l, nil)
	if err := src.Events(context.Background(), func(*triage.Event) error { return nil }); err != nil {
		t.Fatal(err)
	}
	p, ok := l.get()
	if !ok || p.Done != int64(n) || p.Total != int64(n) || p.Unit != ui.UnitDocuments || p.Rate <= 0 {
		t.Errorf("final progress %+v (%v), want %d of %d documents", p, ok, n, n)
	}
}

// runCmds runs a command as the program would, feeding its messages back
// to the model (batches fanned out), until nothing is left; a command
// that takes over two seconds (a tick) is dropped.
func runCmds(m tea.Model, cmd tea.Cmd, set func(tea.Model)) {
	if cmd == nil {
		return
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(2 * time.Second):
		return
	}
	switch msg := msg.(type) {
	case nil, tea.QuitMsg:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			runCmds(m, c, func(nm tea.Model) { m = nm; set(nm) })
		}
		return
	}
	next, cmd := m.Update(msg)
	set(next)
	runCmds(next, cmd, set)
}
