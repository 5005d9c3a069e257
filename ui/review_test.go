package ui

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"picket/kql"
	"picket/playbooks"
	"picket/triage"
)

// noRaw fails when s holds a byte that would drive the terminal.
func noRaw(t *testing.T, what, s string) {
	t.Helper()
	if strings.ContainsRune(s, 0x1b) || strings.ContainsRune(s, '\u202e') {
		t.Errorf("%s: raw ESC or U+202E in %q", what, s)
	}
}

// TestDialogKeepsHostileValue: an allowlist entry for a hostile user
// agent keeps it byte for byte (the preview finds the group it came
// from, the saved entry matches it) and shows it escaped, focused or
// not; the value line is read-only until cleared.
func TestDialogKeepsHostileValue(t *testing.T) {
	store := newMemStore()
	m := consoleAt(t, testOptions(t, store), 100, 30)
	keys(m, "j", "a", "right", "right") // the hostile group: user agent
	if m.dialog.field != triage.AllowUserAgent {
		t.Fatalf("field %q", m.dialog.field)
	}
	if m.dialog.hits != 1 {
		t.Errorf("preview: %d findings, want 1", m.dialog.hits)
	}
	noRaw(t, "dialog", m.View())
	if !strings.Contains(m.View(), `\x1b[31mevil\u202ebot`) {
		t.Errorf("value not shown escaped:\n%s", m.View())
	}
	keys(m, "tab") // the value line (no detector in the queue)
	if m.dialog.focus != dfValue {
		t.Fatalf("focus %d", m.dialog.focus)
	}
	noRaw(t, "focused value", m.View())
	if !strings.Contains(m.View(), `\x1b[31mevil\u202ebot`) {
		t.Errorf("focused value not shown escaped:\n%s", m.View())
	}
	typeText(m, "x") // read-only: ignored
	if m.dialog.valueText() != hostileUA || m.dialog.hits != 1 {
		t.Errorf("typing changed the value to %q (%d hits)", m.dialog.valueText(), m.dialog.hits)
	}
	keys(m, "ctrl+s")
	if len(store.allow) != 1 || store.allow[0].Value != hostileUA {
		t.Fatalf("stored %+v", store.allow)
	}
	if len(m.snap.groups) != 3 {
		t.Errorf("%d groups after the entry, want 3", len(m.snap.groups))
	}

	// Backspace clears a read-only value for a new one.
	m = consoleAt(t, testOptions(t, nil), 100, 30)
	keys(m, "j", "a", "right", "right", "tab", "backspace")
	typeText(m, "curl/8.5.0")
	if m.dialog.valueText() != "curl/8.5.0" || m.dialog.hits != 1 {
		t.Errorf("after clearing: %q, %d hits", m.dialog.valueText(), m.dialog.hits)
	}
}

// TestExceptionFromHostileField: an exception from an evidence field
// holding an escape sequence and a bidi override keeps the value and
// suppresses the finding it came from.
func TestExceptionFromHostileField(t *testing.T) {
	store := newMemStore()
	o := testOptions(t, store)
	o.Collection = triage.NewCollection(0)
	const ua = "evil\x1b[31m\u202eUA"
	ip := netip.MustParseAddr("198.51.100.99")
	o.Collection.AddEvent(&triage.Event{ID: "ev-h", Origin: "h.ndjson:1", Timestamp: t0, SourceIP: ip, UserAgent: ua,
		Raw: []byte(`{"@timestamp":"2024-03-14T09:00:00Z","source":{"ip":"198.51.100.99"},"user_agent":{"original":"evil\u001b[31m\u202eUA"}}`)})
	o.Collection.AddFinding(triage.Finding{Detector: "appsensor:RE8", Title: "Unexpected user agent", Severity: triage.Critical,
		RiskScore: 999, Timestamp: t0, SourceIP: ip, UserAgent: ua, Reason: "user agent changed", Evidence: cite(o.Collection, "ev-h"), EventCount: 1})
	m := consoleAt(t, o, 100, 30)
	keys(m, "enter", "enter")
	if m.view != viewEvent || m.event.finding.Detector != "appsensor:RE8" {
		t.Fatalf("view %d finding %s", m.view, m.event.finding.Detector)
	}
	i := -1
	for j, r := range m.event.fields {
		if r.path == "user_agent.original" && i < 0 {
			i = j // the hot "user agent" line
		}
	}
	if i < 0 {
		t.Fatal("no user_agent.original field")
	}
	m.event.flist.setCursor(i)
	keys(m, "e")
	if m.modal != modalDialog {
		t.Fatalf("no dialog: %s", m.lastErr)
	}
	if m.dialog.hits != 1 {
		t.Errorf("preview: %d findings, want 1", m.dialog.hits)
	}
	keys(m, "shift+tab")
	if m.dialog.focus != dfValue {
		t.Fatalf("focus %d", m.dialog.focus)
	}
	v := m.View()
	noRaw(t, "dialog", v)
	if !strings.Contains(v, `evil\x1b[31m\u202eUA`) {
		t.Errorf("value not escaped:\n%s", v)
	}
	keys(m, "ctrl+s")
	if len(store.xs) != 1 || store.xs[0].Entries[0].Value != ua {
		t.Fatalf("stored %+v", store.xs)
	}
	if len(m.snap.groups) != 0 || m.snap.hidden != 1 {
		t.Errorf("the finding is not suppressed: %d groups, %d hidden", len(m.snap.groups), m.snap.hidden)
	}
}

// TestCursorWithoutColour: the tests run with the ASCII profile, as
// NO_COLOR does; the text cursor must still show.
func TestCursorWithoutColour(t *testing.T) {
	m := consoleAt(t, testOptions(t, nil), 100, 30)
	keys(m, "/")
	typeText(m, "sqlmap")
	if !strings.Contains(m.View(), "/ sqlmap"+cursorBar) {
		t.Errorf("no cursor in the filter:\n%s", m.View())
	}
	keys(m, "left", "left")
	if !strings.Contains(m.View(), "/ sqlm"+cursorBar+"ap") {
		t.Errorf("no cursor inside the filter:\n%s", m.View())
	}
	keys(m, "esc", "n")
	typeText(m, "hello")
	if !strings.Contains(m.View(), "hello"+cursorBar) {
		t.Errorf("no cursor in the editor:\n%s", m.View())
	}
	keys(m, "esc", "y", "enter", "e")
	if !strings.Contains(m.View(), "reason    "+cursorBar) {
		t.Errorf("no cursor in the dialog:\n%s", m.View())
	}
}

// TestGroupFilterPerGroup: a group filter stays with its group.
func TestGroupFilterPerGroup(t *testing.T) {
	m := consoleAt(t, testOptions(t, nil), 120, 30)
	keys(m, "enter", "/")
	typeText(m, "detector:RE2")
	keys(m, "enter")
	if m.group.filter == "" || len(m.group.rows) != 1 {
		t.Fatalf("filter %q, %d rows", m.group.filter, len(m.group.rows))
	}
	keys(m, "esc", "enter") // the same group again keeps it
	if m.group.filter == "" || len(m.group.rows) != 1 {
		t.Errorf("reopened: filter %q, %d rows", m.group.filter, len(m.group.rows))
	}
	keys(m, "esc", "j", "enter")
	if m.group.filter != "" || m.group.match != nil || len(m.group.rows) != 1 {
		t.Errorf("another group: filter %q, %d rows", m.group.filter, len(m.group.rows))
	}
	if strings.Contains(m.View(), "filter:") {
		t.Errorf("status line shows a filter:\n%s", m.View())
	}
}

// TestFilterShortDetector: detectors are found by the id the console
// shows as well as by the full id.
func TestFilterShortDetector(t *testing.T) {
	for _, q := range []string{"detector:RE2", "RE2", `detector:"appsensor:RE2"`} {
		m := consoleAt(t, testOptions(t, nil), 120, 30)
		keys(m, "/")
		typeText(m, q)
		keys(m, "enter")
		if len(m.queue.rows) != 1 || ipString(m.queue.rows[0].g.Key) != "203.0.113.7" {
			t.Errorf("%s: %d groups", q, len(m.queue.rows))
		}
	}
	m := consoleAt(t, testOptions(t, nil), 120, 30)
	keys(m, "enter", "/")
	typeText(m, "detector:CIE1")
	keys(m, "enter")
	if len(m.group.rows) != 2 {
		t.Errorf("group filter detector:CIE1: %d findings, want 2", len(m.group.rows))
	}
}

// TestStepNoteShows: a step's action and note show however long its text.
func TestStepNoteShows(t *testing.T) {
	s := &playbooks.Item{ID: "x", Text: strings.Repeat("a very long step text ", 6), Action: action(`count query="source.ip:1.2.3.4"`)}
	for _, w := range []int{30, 50, 70} {
		got := stepText(s, "checked\nthe WAF", w)
		if lipglossWidth(got) > w {
			t.Errorf("%d: %d cells: %q", w, lipglossWidth(got), got)
		}
		if !strings.Contains(got, "$ count") || !strings.Contains(got, "✎ ") || !strings.HasPrefix(got, "a very") {
			t.Errorf("%d: %q", w, got)
		}
	}
	if got := stepText(s, "", 200); got != s.Text+`  $ count query=source.ip:1.2.3.4` {
		t.Errorf("whole line cut: %q", got)
	}
	store := newMemStore()
	m := consoleAt(t, testOptions(t, store), 80, 24)
	keys(m, "c", "j", "n")
	typeText(m, "done by hand")
	keys(m, "ctrl+s")
	if v := m.View(); !strings.Contains(v, "✎ done") {
		t.Errorf("note not shown at 80 columns:\n%s", v)
	}
}

// TestHelpFits: at 80×24 the full help wraps its columns instead of
// cutting the last; the one-line help keeps ? and q.
func TestHelpFits(t *testing.T) {
	m := consoleAt(t, testOptions(t, nil), 80, 24)
	for _, ks := range [][]string{nil, {"enter"}, {"enter", "c"}, {"enter", "enter"}} {
		keys(m, "esc", "esc", "esc")
		keys(m, ks...)
		lines := strings.Split(m.View(), "\n")
		if last := lines[len(lines)-1]; !strings.HasSuffix(last, "q quit") {
			t.Errorf("%v: footer %q", ks, last)
		}
	}
	keys(m, "esc", "esc", "esc", "?")
	v := m.View()
	for _, want := range []string{"q quit", "r re-run detectors", "x export all cases", "H deny histogram", "R rules & lints", "reverse sort"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "e exception") {
		t.Errorf("queue help offers e, which does nothing there:\n%s", v)
	}
	for i, l := range strings.Split(v, "\n") {
		if lipglossWidth(l) > 80 {
			t.Errorf("line %d too wide: %q", i, l)
		}
	}
}

// TestRerunDone: the status line says when a re-run is over.
func TestRerunDone(t *testing.T) {
	o := testOptions(t, nil)
	o.Rerun = func() RunSpec {
		c := testCollection(t)
		return RunSpec{Collection: c, Start: func(context.Context) error { return nil }}
	}
	m := consoleAt(t, o, 120, 30)
	keys(m, "r")
	if v := m.View(); strings.Contains(v, "re-running") || !strings.Contains(v, "re-run done: 6 findings") {
		t.Errorf("after the re-run:\n%s", v)
	}
}

// TestFilterErrorReadable: a long filter error is not cut at 80 columns.
func TestFilterErrorReadable(t *testing.T) {
	o := testOptions(t, nil)
	_, err := kql.Parse("severity:")
	if err == nil || len(err.Error()) < 50 {
		t.Fatalf("want a long KQL error, got %v", err)
	}
	msg := err.Error()
	m := consoleAt(t, o, 80, 24)
	keys(m, "/")
	typeText(m, "severity:")
	keys(m, "enter")
	if v := m.View(); !strings.Contains(v, "✗ "+msg) || !strings.Contains(v, "/ severity:") {
		t.Errorf("error cut:\n%s", v)
	}
}

// TestEscAsksBeforeDiscarding: esc on an editor holding unsaved text asks
// first, as ctrl+c does; on an unchanged one it just closes.
func TestEscAsksBeforeDiscarding(t *testing.T) {
	m := consoleAt(t, testOptions(t, newMemStore()), 100, 30)
	keys(m, "n")
	typeText(m, "keep me")
	keys(m, "esc")
	if m.modal != modalConfirm || !strings.Contains(m.View(), "discard it? y/n") {
		t.Fatalf("esc did not ask: modal %d\n%s", m.modal, m.View())
	}
	keys(m, "n")
	if m.modal != modalEditor || m.editor.ta.Value() != "keep me" {
		t.Fatalf("n: modal %d, text %q", m.modal, m.editor.ta.Value())
	}
	if keys(m, "esc", "y") || m.modal != modalNone || !strings.Contains(m.View(), "note discarded") {
		t.Errorf("y: modal %d\n%s", m.modal, m.View())
	}
	keys(m, "n", "esc")
	if m.modal != modalNone {
		t.Errorf("esc on an empty editor: modal %d", m.modal)
	}
	// ctrl+c still asks to quit.
	keys(m, "n")
	typeText(m, "x")
	keys(m, "ctrl+c")
	if !strings.Contains(m.View(), "quit anyway") || !keys(m, "y") {
		t.Errorf("ctrl+c, y did not quit")
	}
}

// TestMessagesSayWhatHappened covers the small wording fixes.
func TestMessagesSayWhatHappened(t *testing.T) {
	t.Run("status of the group without an address", func(t *testing.T) {
		o := testOptions(t, newMemStore())
		o.Collection.AddFinding(triage.Finding{Detector: "appsensor:STE1", Title: "Site-wide", Severity: triage.Critical,
			RiskScore: 99, Timestamp: t0, Reason: "site-wide", EventCount: 1})
		m := consoleAt(t, o, 120, 30)
		for i, r := range m.queue.rows {
			if !r.g.Key.SourceIP.IsValid() {
				m.queue.list.setCursor(i)
			}
		}
		if g, _ := m.queue.selected(); g.Key.SourceIP.IsValid() {
			t.Fatalf("selected group %v", g.Key)
		}
		keys(m, "s")
		if v := m.View(); !strings.Contains(v, "status acknowledged: (no source IP) · -") {
			t.Errorf("status message:\n%s", v)
		}
	})
	t.Run("selected suppressed finding", func(t *testing.T) {
		store := newMemStore()
		store.allow = []triage.AllowEntry{{Kind: triage.AllowIP, Value: "203.0.113.7", Detector: "appsensor:RE2",
			Author: "ana", Created: fixedNow}}
		m := consoleAt(t, testOptions(t, store), 120, 30)
		keys(m, "S", "enter")
		for i, r := range m.group.rows {
			if r.suppressed {
				m.group.list.setCursor(i)
			}
		}
		if v := m.View(); !strings.Contains(v, "▸~Mar 14 10:30:00") {
			t.Errorf("selected suppressed row lacks ▸~:\n%s", v)
		}
	})
	t.Run("rules", func(t *testing.T) {
		var copied []string
		m := consoleAt(t, rulesOptions(t, &copied), 120, 30)
		keys(m, "R")
		if v := m.View(); !strings.Contains(v, "y copy id") {
			t.Errorf("rules list footer:\n%s", v)
		}
		keys(m, "enter", "j", "y")
		v := m.View()
		if strings.Contains(v, "enter lints") || !strings.Contains(v, "copy fixed query / lint") {
			t.Errorf("lint detail footer:\n%s", v)
		}
		if !strings.Contains(v, "copied lint text (no fixed query)") || copied[len(copied)-1] != "second lint" {
			t.Errorf("copy of a lint without a fix: %q\n%s", copied, v)
		}
	})
	t.Run("step copy", func(t *testing.T) {
		m := consoleAt(t, testOptions(t, nil), 120, 30)
		keys(m, "c", "j", "y")
		if v := m.View(); !strings.Contains(v, "copied step text and action") {
			t.Errorf("copy label:\n%s", v)
		}
	})
}

// TestSortArrowsWholeTitle: ascending columns carry ▲, and a title that
// fills its column keeps its name.
func TestSortArrowsWholeTitle(t *testing.T) {
	o := testOptions(t, nil)
	m := consoleAt(t, o, 100, 30)
	for m.queue.sort != sortStatus {
		keys(m, "o")
	}
	head := strings.Split(m.View(), "\n")[1]
	if !strings.Contains(head, "STATUS▲") {
		t.Errorf("header %q", head)
	}
	keys(m, "O")
	if head := strings.Split(m.View(), "\n")[1]; !strings.Contains(head, "STATUS▼") {
		t.Errorf("reversed header %q", head)
	}
	q := newQueue(m.app)
	q.setSize(80, 10)
	q.setRows([]queueRow{{g: &triage.Group{Key: triage.GroupKey{UserAgent: "x"}, MaxSeverity: triage.Low}}})
	q.sort = sortIP
	if h := q.header(); !strings.Contains(h, "SOURCE IP▲") {
		t.Errorf("no-address header %q", h)
	}
}

// TestAnswerShowsBesideAFilter: at 80 columns, the answer to the key just
// pressed is not pushed off the status line by the filter and counts.
func TestAnswerShowsBesideAFilter(t *testing.T) {
	m := consoleAt(t, testOptions(t, nil), 80, 24)
	keys(m, "/")
	typeText(m, "not severity:low and not user_agent.original:curl*")
	keys(m, "enter", "y")
	if line := m.statusLine(); !strings.HasPrefix(m.info, "copied") || !strings.Contains(line, m.info) {
		t.Errorf("status line lacks the answer to y (%q): %q", m.info, line)
	}
}
