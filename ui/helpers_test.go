package ui

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/playbooks"
	"picket/triage"
)

// hostileUA is a user agent an attacker would send: an SGR escape and a
// right-to-left override.
const hostileUA = "\x1b[31mevil\u202ebot"

var t0 = time.Date(2024, 3, 14, 9, 0, 0, 0, time.UTC)

// testCollection is a small, fixed collection: four groups, one of them
// with a hostile user agent, and events for some of the evidence.
func testCollection(tb testing.TB) *triage.Collection {
	tb.Helper()
	c := triage.NewCollection(3)
	ip := netip.MustParseAddr
	for i := range 3 {
		raw := fmt.Sprintf(`{"@timestamp":"2024-03-14T09:%02d:00Z","source":{"ip":"203.0.113.7"},`+
			`"http":{"request":{"method":"GET"},"response":{"status_code":403}},"url.original":"/item?id=1%%27%%20OR%%201=1",`+
			`"user_agent":{"original":"sqlmap"},"tags":["a","b","c","d","e","f","g","h","i","j","k"],"labels":{"evil":"\u001b[2J"}}`, i)
		c.AddEvent(&triage.Event{
			Raw: []byte(raw), ID: fmt.Sprintf("ev-%d", i), Origin: fmt.Sprintf("test.ndjson:%d", i+1),
			Timestamp: t0.Add(time.Duration(i) * time.Minute), SourceIP: ip("203.0.113.7"),
			UserAgent: "sqlmap", Method: "GET", StatusCode: 403, URLOriginal: "/item?id=1%27%20OR%201=1",
		})
	}
	add := func(f triage.Finding) { c.AddFinding(f) }

	sqlmap := "sqlmap/1.7.2#stable (https://sqlmap.org)"
	for i, d := range []string{"appsensor:CIE1", "appsensor:RE2", "appsensor:CIE1"} {
		add(triage.Finding{
			Detector: d, Title: "SQL injection attempt", Severity: triage.Critical, RiskScore: 90,
			Timestamp: t0.Add(time.Duration(i) * 90 * time.Minute), SourceIP: ip("203.0.113.7"), UserAgent: sqlmap,
			Reason:   fmt.Sprintf("blocked SQL injection in parameter id (%d)", i),
			Evidence: cite(c, fmt.Sprintf("ev-%d", i)), EventCount: 1,
		})
	}
	add(triage.Finding{
		Detector: "elastic:9a7c3f10-1111-2222-3333-444455556666", Title: "Suspicious user agent",
		Severity: triage.High, RiskScore: 73, Timestamp: t0.Add(30 * time.Minute),
		SourceIP: ip("198.51.100.23"), UserAgent: hostileUA,
		Reason:   "user agent contains \x1b]0;pwned\x07 control characters",
		Evidence: cite(c, "ev-1", "ev-9", "ev-10"), EventCount: 57,
	})
	add(triage.Finding{
		Detector: "appsensor:AE3", Title: "High rate of failed logins", Severity: triage.Medium, RiskScore: 47,
		Timestamp: t0.Add(2 * time.Hour), End: t0.Add(2*time.Hour + 10*time.Minute),
		SourceIP: ip("192.0.2.55"), UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
		Reason: "31 failed logins for 12 users in 10 minutes", Evidence: cite(c, "ev-2"), EventCount: 31,
	})
	add(triage.Finding{
		Detector: "query", Title: "Ad-hoc query", Severity: triage.Low, RiskScore: 21,
		Timestamp: t0.Add(5 * time.Hour), SourceIP: ip("2001:db8::1"), UserAgent: "curl/8.5.0",
		Reason: "matched the saved query", Evidence: cite(c, "ev-3"), EventCount: 1,
	})

	return c
}

// cite cites events of c as a run does: by stream position when the
// collection kept the event, by id alone (position unknown) when not.
func cite(c *triage.Collection, ids ...string) []triage.EventRef {
	out := make([]triage.EventRef, len(ids))
	for i, id := range ids {
		out[i] = triage.EventRef{ID: id}
		if ev, ok := c.EventByID(id); ok {
			out[i] = ev.Ref()
		}
	}
	return out
}

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "ctrl+s":
		return tea.KeyMsg{Type: tea.KeyCtrlS}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// press sends keys to the root model directly.
func press(m *model, keys ...string) {
	for _, k := range keys {
		m.Update(keyMsg(k))
	}
}

// memStore is an in-memory case file: CaseStore and Suppressions.
type memStore struct {
	mu     sync.Mutex
	notes  []casefile.Note
	status map[string]casefile.AlertStatus
	items  map[string]casefile.ChecklistItem
	xs     []triage.Exception
	allow  []triage.AllowEntry
}

var (
	_ CaseStore    = (*memStore)(nil)
	_ Suppressions = (*memStore)(nil)
)

func newMemStore() *memStore {
	return &memStore{status: map[string]casefile.AlertStatus{}, items: map[string]casefile.ChecklistItem{}}
}

func (s *memStore) AddNote(_ context.Context, n casefile.Note) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n.ID = int64(len(s.notes) + 1)
	s.notes = append(s.notes, n)
	return n.ID, nil
}

func (s *memStore) Notes(_ context.Context, kind, key string) ([]casefile.Note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []casefile.Note
	for _, n := range s.notes {
		if n.TargetKind == kind && n.TargetKey == key {
			out = append(out, n)
		}
	}
	return out, nil
}

func (s *memStore) SetAlertStatus(_ context.Context, a casefile.AlertStatus) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[a.AlertID] = a
	return nil
}

func (s *memStore) AlertStatus(_ context.Context, id string) (casefile.AlertStatus, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.status[id]
	return a, ok, nil
}

func (s *memStore) SetChecklistItem(_ context.Context, c casefile.ChecklistItem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[c.DetectorID+"|"+c.TargetKey+"|"+c.ItemID] = c
	return nil
}

func (s *memStore) ChecklistItems(_ context.Context, det, key string) ([]casefile.ChecklistItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []casefile.ChecklistItem
	for _, c := range s.items {
		if c.DetectorID == det && c.TargetKey == key {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *memStore) AddException(_ context.Context, x triage.Exception) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.xs = append(s.xs, x)
	return int64(len(s.xs)), nil
}

func (s *memStore) Exceptions(context.Context, casefile.ExceptionFilter) ([]triage.Exception, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]triage.Exception(nil), s.xs...), nil
}

func (s *memStore) AddAllowEntry(_ context.Context, a triage.AllowEntry) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allow = append(s.allow, a)
	return int64(len(s.allow)), nil
}

func (s *memStore) Allowlist(context.Context, time.Time) ([]triage.AllowEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]triage.AllowEntry(nil), s.allow...), nil
}

// testPlaybooks has a two-section checklist for CIE1 and RE2.
type testPlaybooks struct{}

func (testPlaybooks) For(id string) (playbooks.Playbook, bool) {
	if id != "appsensor:CIE1" && id != "appsensor:RE2" {
		return playbooks.Playbook{}, false
	}
	return testPlaybook(id, "Injection",
		playbooks.Section{Kind: playbooks.Investigation, Items: []playbooks.Item{
			{ID: "inv-1", Text: "Did any request succeed?"},
			{ID: "inv-2", Text: "Count the requests", Action: action(`count query="source.ip:1.2.3.4"`)},
		}},
		playbooks.Section{Kind: playbooks.Response, Items: []playbooks.Item{{ID: "resp-1", Text: "Block the address"}}},
	), true
}

// testPlaybook is a parsed playbook of detector id with these sections
// (the others empty, as playbooks.For returns them).
func testPlaybook(id, title string, secs ...playbooks.Section) playbooks.Playbook {
	p := playbooks.Playbook{ID: "test", DetectorID: id, Title: title, Detectors: []string{id}, Parsed: true}
	for _, k := range playbooks.Kinds {
		s := playbooks.Section{Kind: k}
		for _, have := range secs {
			if have.Kind == k {
				s = have
			}
		}
		p.Sections = append(p.Sections, s)
	}
	return p
}

// action parses an action's text form, as the playbooks' content does.
func action(s string) *playbooks.Action {
	a, err := playbooks.ParseAction(s)
	if err != nil {
		panic(err)
	}
	return &a
}

// fixedNow is the clock of console tests.
var fixedNow = time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)

// testOptions is a console over testCollection with every dependency
// faked.
func testOptions(tb testing.TB, store *memStore) Options {
	o := Options{
		Title: "test.ndjson", SourceKind: "files", Collection: testCollection(tb),
		Playbooks: testPlaybooks{}, Author: "ana", Now: func() time.Time { return fixedNow },
		Copy: func(string) error { return nil },
	}
	if store != nil {
		o.Store, o.Suppressions = store, store
	}
	return o
}

// drive sends msgs to the model and runs the commands they return,
// feeding their messages back, as the program would (ticks and other
// slow commands are dropped after a short wait).
func drive(m *model, msgs ...tea.Msg) (quit bool) {
	for _, msg := range msgs {
		_, cmd := m.Update(msg)
		if runCmd(m, cmd, 0) {
			quit = true
		}
	}
	return quit
}

func runCmd(m *model, cmd tea.Cmd, depth int) (quit bool) {
	if cmd == nil || depth > 20 {
		return false
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(2 * time.Second):
		return false
	}
	switch msg := msg.(type) {
	case nil:
		return false
	case tea.QuitMsg:
		return true
	case tea.BatchMsg:
		for _, c := range msg {
			if runCmd(m, c, depth+1) {
				quit = true
			}
		}
		return quit
	case reply:
		if _, tick := msg.msg.(tickMsg); tick {
			return false
		}
	}
	_, next := m.Update(msg)
	return runCmd(m, next, depth+1)
}

// runReply addresses msg to the current run, as the run's commands do.
func runReply(m *model, msg tea.Msg) reply { return m.req.stamp(runAddr, msg) }

// keys drives the model with key presses.
func keys(m *model, ks ...string) (quit bool) {
	msgs := make([]tea.Msg, len(ks))
	for i, k := range ks {
		msgs[i] = keyMsg(k)
	}
	return drive(m, msgs...)
}

// consoleAt builds a console at a size and runs its Init.
func consoleAt(tb testing.TB, o Options, w, h int) *model {
	m := newModel(context.Background(), o)
	runCmd(m, m.Init(), 0)
	drive(m, tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func teaSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
