package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/triage"
)

// typeText sends each rune of s as a key press.
func typeText(m *model, s string) {
	for _, r := range s {
		if r == '\n' {
			drive(m, tea.KeyMsg{Type: tea.KeyEnter})
			continue
		}
		drive(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func TestFilterKey(t *testing.T) {
	tests := []struct {
		name    string
		view    []string // keys before /
		query   string
		rows    int    // queue rows or group findings after enter
		errText string // shown inline when the filter is invalid
	}{
		{"by source ip", nil, "source.ip:203.0.113.7", 1, ""},
		{"by cidr", nil, "source.ip:198.51.100.0/24", 1, ""},
		{"by severity", nil, "severity:critical or severity:high", 2, ""},
		{"negated", nil, "not severity:low", 3, ""},
		{"wildcard ua", nil, "user_agent.original:sqlmap*", 1, ""},
		{"bare word", nil, "curl", 1, ""},
		{"parse error keeps list", nil, `user_agent.original:"sqlmap`, 4, "expected '\"' to close the quoted string"},
		{"empty clears", nil, "", 4, ""},
		{"group view filters findings", []string{"enter"}, `detector:"appsensor:RE2"`, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := consoleAt(t, testOptions(t, nil), 120, 30)
			keys(m, tc.view...)
			keys(m, "/")
			if m.modal != modalFilter {
				t.Fatal("/ did not open the filter input")
			}
			typeText(m, tc.query)
			keys(m, "enter")
			rows := len(m.queue.rows)
			if m.view == viewGroup {
				rows = len(m.group.rows)
			}
			if tc.errText != "" {
				if m.modal != modalFilter || !strings.Contains(m.View(), tc.errText) {
					t.Errorf("error %q not shown inline:\n%s", tc.errText, m.View())
				}
				keys(m, "esc")
				if m.modal != modalNone {
					t.Error("esc did not close the filter input")
				}
			}
			if rows != tc.rows {
				t.Errorf("%d rows, want %d", rows, tc.rows)
			}
			if tc.errText == "" && tc.query != "" && !strings.Contains(m.View(), "filter: "+tc.query) {
				t.Errorf("status line lacks the filter:\n%s", m.View())
			}
		})
	}
}

func TestSortKeys(t *testing.T) {
	tests := []struct {
		keys  []string
		sort  sortKey
		first string // source IP of the first row
		arrow string // in the header
	}{
		{nil, sortSeverity, "203.0.113.7", "SEV▼"},
		{[]string{"o"}, sortRisk, "203.0.113.7", "RISK▼"},
		{[]string{"o", "O"}, sortRisk, "2001:db8::1", "RISK▲"},
		// Addresses sort ascending: ▲, as ascending risk above.
		{[]string{"o", "o", "o"}, sortIP, "192.0.2.55", "SOURCE IP▲"},
		{[]string{"o", "o", "o", "O"}, sortIP, "2001:db8::1", "SOURCE IP▼"},
		{[]string{"o", "o", "o", "o", "o", "o", "o", "o"}, sortStatus, "203.0.113.7", "STATUS▲"},
		{[]string{"o", "o", "o", "o", "o", "o", "o"}, sortLast, "2001:db8::1", "LAST SEEN▼"},
		{[]string{"O", "O"}, sortSeverity, "203.0.113.7", "SEV▼"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.keys, ","), func(t *testing.T) {
			m := consoleAt(t, testOptions(t, nil), 160, 30)
			keys(m, tc.keys...)
			if m.queue.sort != tc.sort {
				t.Errorf("sort %v, want %v", m.queue.sort, tc.sort)
			}
			if g := m.queue.rows[0].g; ipString(g.Key) != tc.first {
				t.Errorf("first row %s, want %s", ipString(g.Key), tc.first)
			}
			if !strings.Contains(m.View(), tc.arrow) {
				t.Errorf("header lacks %q:\n%s", tc.arrow, m.View())
			}
		})
	}
}

func TestStatusKey(t *testing.T) {
	store := newMemStore()
	m := consoleAt(t, testOptions(t, store), 120, 30)
	g, _ := m.queue.selected()
	id := alertID(g.Key)
	for _, want := range []string{casefile.StatusAcknowledged, casefile.StatusClosed, casefile.StatusOpen, casefile.StatusAcknowledged} {
		keys(m, "s")
		if got := store.status[id].Status; got != want {
			t.Fatalf("stored status %q, want %q", got, want)
		}
		if store.status[id].UpdatedBy != "ana" {
			t.Errorf("updated by %q", store.status[id].UpdatedBy)
		}
	}
	if !strings.Contains(m.View(), " ack ") {
		t.Errorf("queue does not show the status:\n%s", m.View())
	}
	// Reopened on the same store, the status is read back.
	m2 := consoleAt(t, testOptions(t, store), 120, 30)
	if s := statusOr(m2.status, g.Key); s != casefile.StatusAcknowledged {
		t.Errorf("status after reopening %q", s)
	}
	keys(m2, "enter")
	if !strings.Contains(m2.View(), "status ack") {
		t.Errorf("group view lacks the status:\n%s", m2.View())
	}
}

func TestChecklistKeys(t *testing.T) {
	store := newMemStore()
	m := consoleAt(t, testOptions(t, store), 120, 40)
	keys(m, "c")
	if m.view != viewGroup || m.group.focus != paneChecklist {
		t.Fatalf("c: view %d focus %d", m.view, m.group.focus)
	}
	det, step, ok := m.group.check.selected()
	if !ok || det != "appsensor:CIE1" || step.ID != "inv-1" {
		t.Fatalf("cursor on %s %v %v, want the first step", det, step, ok)
	}
	keys(m, "space")
	key := "appsensor:CIE1|" + groupTarget(m.group.group.Key) + "|inv-1"
	if it := store.items[key]; !it.Checked || it.By != "ana" {
		t.Fatalf("stored %+v", it)
	}
	if !strings.Contains(m.View(), "[x] Did any request succeed?") || !strings.Contains(m.View(), "1/3 done") {
		t.Errorf("tick not shown:\n%s", m.View())
	}
	// CIE1 and RE2 share one list: the tick is recorded for both.
	if it := store.items["appsensor:RE2|"+groupTarget(m.group.group.Key)+"|inv-1"]; !it.Checked {
		t.Errorf("shared list: RE2 not ticked: %+v", it)
	}
	if !strings.Contains(m.View(), "CIE1, RE2") {
		t.Errorf("shared list heading:\n%s", m.View())
	}
	keys(m, "j", "j") // past the section heading to resp-1
	if _, s, _ := m.group.check.selected(); s.ID != "resp-1" {
		t.Errorf("j j: on %s, want resp-1", s.ID)
	}
	keys(m, "k", "n")
	if m.modal != modalEditor || m.editor.purpose != editStepNote {
		t.Fatal("n in the checklist did not open the step note editor")
	}
	typeText(m, "see ticket 42")
	keys(m, "ctrl+s")
	k2 := "appsensor:CIE1|" + groupTarget(m.group.group.Key) + "|inv-2"
	if it := store.items[k2]; it.Note != "see ticket 42" || it.Checked {
		t.Errorf("step note stored as %+v", it)
	}
	keys(m, "k", "space") // untick inv-1
	if store.items[key].Checked {
		t.Error("second space did not untick")
	}
	// State comes back on reopening.
	keys(m, "space")
	m2 := consoleAt(t, testOptions(t, store), 120, 40)
	keys(m2, "c")
	if !strings.Contains(m2.View(), "[x] Did any request succeed?") || !strings.Contains(m2.View(), "✎ see ticket 42") {
		t.Errorf("ticks and step notes not restored:\n%s", m2.View())
	}
}

func TestNoteKeys(t *testing.T) {
	store := newMemStore()
	// An older note quotes hostile text.
	store.AddNote(context.Background(), casefile.Note{TargetKind: casefile.TargetGroup,
		TargetKey: "203.0.113.7 sqlmap/1.7.2#stable (https://sqlmap.org)", Body: "UA had \x1b[2J in it", Created: t0})
	m := consoleAt(t, testOptions(t, store), 120, 40)
	keys(m, "enter", "n")
	if m.modal != modalEditor {
		t.Fatal("n did not open the editor")
	}
	typeText(m, "# Verdict\n- **sqlmap** from `203.0.113.7`")
	keys(m, "ctrl+s")
	if m.modal != modalNone || len(store.notes) != 2 {
		t.Fatalf("modal %d, %d notes stored", m.modal, len(store.notes))
	}
	n := store.notes[1]
	if n.TargetKind != casefile.TargetGroup || n.TargetKey != "203.0.113.7 sqlmap/1.7.2#stable (https://sqlmap.org)" || n.Author != "ana" {
		t.Errorf("stored %+v", n)
	}
	v := m.View()
	for _, want := range []string{"NOTES  2 notes", "Verdict", "• sqlmap from 203.0.113.7", `\x1b[2J`} {
		if !strings.Contains(v, want) {
			t.Errorf("notes panel lacks %q:\n%s", want, v)
		}
	}
	if strings.ContainsRune(v, 0x1b) {
		t.Error("raw ESC from a note reached the view")
	}
	// A second note goes on top; esc, confirmed, discards a third.
	keys(m, "n")
	typeText(m, "second")
	keys(m, "ctrl+s", "n")
	typeText(m, "discard me")
	keys(m, "esc", "y")
	if len(store.notes) != 3 || m.modal != modalNone {
		t.Fatalf("%d notes after esc, modal %d", len(store.notes), m.modal)
	}
	if m.group.notes.notes[0].Body != "second" {
		t.Errorf("newest note not first: %q", m.group.notes.notes[0].Body)
	}
}

func TestQuitKeysWithEditor(t *testing.T) {
	tests := []struct {
		name     string
		keys     []string
		text     string
		quit     bool
		modal    modalKind
		confirms bool
	}{
		{"q quits", []string{"q"}, "", true, modalNone, false},
		{"ctrl+c in empty editor quits", []string{"n", "ctrl+c"}, "", true, modalEditor, false},
		{"ctrl+c with text asks", []string{"n", "TEXT", "ctrl+c"}, "draft", false, modalConfirm, true},
		{"n keeps editing", []string{"n", "TEXT", "ctrl+c", "n"}, "draft", false, modalEditor, true},
		{"y quits", []string{"n", "TEXT", "ctrl+c", "y"}, "draft", true, modalConfirm, true},
		{"q in the editor is text", []string{"n", "q"}, "", false, modalEditor, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := consoleAt(t, testOptions(t, nil), 100, 24)
			quit, asked := false, false
			for _, k := range tc.keys {
				if k == "TEXT" {
					typeText(m, tc.text)
					continue
				}
				if keys(m, k) {
					quit = true
				}
				if m.modal == modalConfirm {
					asked = true
					if !strings.Contains(m.View(), "quit anyway? y/n") {
						t.Errorf("no question:\n%s", m.View())
					}
				}
			}
			if quit != tc.quit || asked != tc.confirms {
				t.Errorf("quit=%v asked=%v, want %v %v", quit, asked, tc.quit, tc.confirms)
			}
			if !quit && m.modal != tc.modal {
				t.Errorf("modal %d, want %d", m.modal, tc.modal)
			}
		})
	}
}

func TestExceptionKey(t *testing.T) {
	store := newMemStore()
	m := consoleAt(t, testOptions(t, store), 120, 40)
	// The sqlmap group's first finding, its first evidence event, the
	// field http.request.method: GET.
	keys(m, "enter", "enter")
	for m.event.fields[m.event.flist.cursor].path != "http.request.method" {
		keys(m, "j")
	}
	keys(m, "e")
	if m.modal != modalDialog || m.dialog.kind != Exception {
		t.Fatal("e did not open the exception dialog")
	}
	v := m.View()
	// Both CIE1 findings of the group cite GET requests.
	for _, want := range []string{"New exception", "http.request.method", "would suppress 2 findings in 1 group"} {
		if !strings.Contains(v, want) {
			t.Errorf("dialog lacks %q:\n%s", want, v)
		}
	}
	typeText(m, "scanner tests")
	keys(m, "tab")
	typeText(m, "7d")
	keys(m, "ctrl+s")
	if len(store.xs) != 1 {
		t.Fatalf("%d exceptions stored", len(store.xs))
	}
	x := store.xs[0]
	if x.Detector != "appsensor:CIE1" || x.Reason != "scanner tests" || x.Author != "ana" ||
		!x.Expires.Equal(fixedNow.Add(7*24*time.Hour)) || x.Entries[0].Field != "http.request.method" || x.Entries[0].Value != "GET" {
		t.Errorf("stored %+v", x)
	}
	if m.snap.hidden != 2 || m.snap.findings != 4 {
		t.Errorf("hidden %d findings %d, want 2 and 4", m.snap.hidden, m.snap.findings)
	}
	keys(m, "esc")
	if len(m.group.rows) != 1 {
		t.Errorf("group shows %d findings, want 1 with the suppressed ones hidden", len(m.group.rows))
	}
	keys(m, "S")
	if len(m.group.rows) != 3 || !strings.Contains(m.View(), "[exception]") {
		t.Errorf("S: %d rows\n%s", len(m.group.rows), m.View())
	}
	// Restarting on the same store keeps the exception.
	m2 := consoleAt(t, testOptions(t, store), 120, 40)
	if m2.snap.hidden != 2 {
		t.Errorf("after reopening: %d hidden", m2.snap.hidden)
	}
}

func TestAllowKey(t *testing.T) {
	tests := []struct {
		name   string
		keys   []string // in the dialog, before the reason
		kind   string
		value  string
		hidden int
		errMsg string
	}{
		{"source ip", nil, triage.AllowIP, "203.0.113.7", 3, ""},
		{"cidr", []string{"right"}, triage.AllowCIDR, "203.0.113.0/24", 3, ""},
		{"user agent", []string{"right", "right"}, triage.AllowUserAgent, "sqlmap/1.7.2#stable (https://sqlmap.org)", 3, ""},
		{"bad cidr", []string{"right", "VALUE", "backspace", "backspace", "backspace"}, "", "", 0, "not a CIDR block"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := newMemStore()
			m := consoleAt(t, testOptions(t, store), 120, 40)
			keys(m, "a")
			if m.modal != modalDialog || m.dialog.kind != Allowlist {
				t.Fatal("a did not open the allowlist dialog")
			}
			for _, k := range tc.keys {
				if k == "VALUE" {
					for m.dialog.focus != dfValue {
						keys(m, "tab")
					}
					continue
				}
				keys(m, k)
			}
			if tc.errMsg == "" && !strings.Contains(m.View(), "would suppress 3 findings in 1 group") {
				t.Errorf("preview:\n%s", m.View())
			}
			for m.dialog.focus != dfReason {
				keys(m, "tab")
			}
			typeText(m, "pentest")
			keys(m, "enter")
			if tc.errMsg != "" {
				if m.modal != modalDialog || !strings.Contains(m.View(), tc.errMsg) {
					t.Errorf("error not shown:\n%s", m.View())
				}
				return
			}
			if len(store.allow) != 1 || store.allow[0].Kind != tc.kind || store.allow[0].Value != tc.value || store.allow[0].Detector != "*" {
				t.Fatalf("stored %+v", store.allow)
			}
			if m.snap.hidden != tc.hidden || len(m.queue.rows) != 3 {
				t.Errorf("hidden %d, %d rows", m.snap.hidden, len(m.queue.rows))
			}
			keys(m, "S")
			supp := 0
			for _, r := range m.queue.rows {
				if r.suppressed {
					supp++
				}
			}
			if len(m.queue.rows) != 4 || supp != 1 || !strings.Contains(m.View(), "▸~ CRIT") {
				t.Errorf("S did not show the suppressed group marked:\n%s", m.View())
			}
		})
	}
}

type fakeExporter struct {
	where string
	err   error
	calls int
}

func (f *fakeExporter) Export(context.Context) (string, error) { f.calls++; return f.where, f.err }

func TestExportKey(t *testing.T) {
	tests := []struct {
		name string
		ex   *fakeExporter
		want string
	}{
		{"written", &fakeExporter{where: "/tmp/cases.md"}, "exported to /tmp/cases.md"},
		{"failed", &fakeExporter{err: errors.New("disk full")}, "! disk full"},
		{"not wired", nil, "export is not available"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(t, nil)
			if tc.ex != nil {
				o.Exporter = tc.ex
			}
			m := consoleAt(t, o, 120, 30)
			keys(m, "x")
			if !strings.Contains(m.View(), tc.want) {
				t.Errorf("status lacks %q:\n%s", tc.want, m.View())
			}
			if tc.ex != nil && tc.ex.calls != 1 {
				t.Errorf("%d export calls", tc.ex.calls)
			}
		})
	}
}

func TestCopyKey(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want string
	}{
		{"queue copies the source ip", nil, "203.0.113.7"},
		{"group copies the reason", []string{"enter"}, "blocked SQL injection in parameter id (0)"},
		{"field value", []string{"enter", "enter", "j"}, "203.0.113.7"},
		{"checklist step", []string{"c"}, "Did any request succeed?"},
		{"checklist step with its action", []string{"c", "j"}, "Count the requests\n$ count query=source.ip:1.2.3.4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			o := testOptions(t, nil)
			o.Copy = func(s string) error { got = s; return nil }
			m := consoleAt(t, o, 120, 30)
			keys(m, tc.keys...)
			keys(m, "y")
			if got != tc.want {
				t.Errorf("copied %q, want %q", got, tc.want)
			}
			if !strings.Contains(m.View(), "copied") {
				t.Errorf("no confirmation:\n%s", m.View())
			}
		})
	}
}

func TestRerunKey(t *testing.T) {
	o := testOptions(t, nil)
	runs := 0
	o.Rerun = func() RunSpec {
		runs++
		c := testCollection(t)
		return RunSpec{Collection: c, Start: func(context.Context) error { return nil }}
	}
	m := consoleAt(t, o, 120, 30)
	keys(m, "/")
	typeText(m, "not severity:low")
	keys(m, "enter", "j")
	sel, _ := m.queue.selected()
	keys(m, "r")
	if runs != 1 || m.loading {
		t.Fatalf("runs %d loading %v", runs, m.loading)
	}
	if m.queue.filter != "not severity:low" || len(m.queue.rows) != 3 {
		t.Errorf("filter lost: %q, %d rows", m.queue.filter, len(m.queue.rows))
	}
	if now, _ := m.queue.selected(); now.Key != sel.Key {
		t.Errorf("cursor moved from %v to %v", sel.Key, now.Key)
	}
	// Without a way to re-run, r says so.
	m2 := consoleAt(t, testOptions(t, nil), 120, 30)
	keys(m2, "r")
	if !strings.Contains(m2.View(), "re-run is not available") {
		t.Errorf("no message:\n%s", m2.View())
	}
}

func TestHistogramKeys(t *testing.T) {
	o := testOptions(t, nil)
	o.Spike = func() *SpikeSeries { return testSeries() }
	m := consoleAt(t, o, 100, 30)
	keys(m, "H")
	if m.view != viewSpike {
		t.Fatal("H did not open the histogram")
	}
	if m.spike.list.cursor != 10 {
		t.Errorf("opened on bucket %d, want the first anomaly (10)", m.spike.list.cursor)
	}
	steps := []struct {
		key    string
		cursor int
	}{
		// Every anomalous bucket is a stop, those of a run too (30, 31).
		{"]", 30}, {"]", 31}, {"]", 31}, {"[", 30}, {"[", 10}, {"[", 10}, {"left", 9}, {"l", 10}, {"G", 47}, {"[", 31}, {"g", 0},
	}
	for _, s := range steps {
		keys(m, s.key)
		if m.spike.list.cursor != s.cursor {
			t.Errorf("%s: bucket %d, want %d", s.key, m.spike.list.cursor, s.cursor)
		}
	}
	keys(m, "esc")
	if m.view != viewQueue {
		t.Errorf("esc: view %d", m.view)
	}
}

func TestMouse(t *testing.T) {
	m := consoleAt(t, testOptions(t, nil), 120, 30)
	wheel := tea.MouseMsg{Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress}
	drive(m, wheel, wheel)
	if m.queue.list.cursor != 2 {
		t.Errorf("wheel down twice: cursor %d", m.queue.list.cursor)
	}
	drive(m, tea.MouseMsg{Button: tea.MouseButtonWheelUp, Action: tea.MouseActionPress})
	if m.queue.list.cursor != 1 {
		t.Errorf("wheel up: cursor %d", m.queue.list.cursor)
	}
	click := func(y int) tea.MouseMsg {
		return tea.MouseMsg{X: 10, Y: y, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress}
	}
	drive(m, click(5)) // header, column titles, then rows 0..: y=5 is row 3
	if m.queue.list.cursor != 3 || m.view != viewQueue {
		t.Errorf("click: cursor %d view %d", m.queue.list.cursor, m.view)
	}
	drive(m, click(5))
	if m.view != viewGroup {
		t.Errorf("click on the selected row did not open it")
	}
}

func TestEventScrollAndRaw(t *testing.T) {
	m := consoleAt(t, testOptions(t, nil), 60, 30)
	keys(m, "enter", "enter", "j", "j", "j", "j")
	keys(m, "l")
	if m.event.xoff != 8 {
		t.Errorf("l: xoff %d", m.event.xoff)
	}
	keys(m, "h", "h")
	if m.event.xoff != 0 {
		t.Errorf("h: xoff %d", m.event.xoff)
	}
	keys(m, "J")
	if !m.event.raw || !strings.Contains(m.View(), `"@timestamp": "2024-03-14T09:00:00Z"`) {
		t.Errorf("J did not show raw JSON:\n%s", m.View())
	}
	if strings.ContainsRune(m.View(), 0x1b) {
		t.Error("raw ESC in raw JSON view")
	}
}

func TestPanesAndTab(t *testing.T) {
	m := consoleAt(t, testOptions(t, nil), 120, 40)
	keys(m, "enter")
	want := []groupPane{paneChecklist, paneNotes, paneFindings, paneChecklist}
	for i, w := range want {
		keys(m, "tab")
		if m.group.focus != w {
			t.Errorf("tab %d: focus %d, want %d", i+1, m.group.focus, w)
		}
	}
	keys(m, "shift+tab")
	if m.group.focus != paneFindings {
		t.Errorf("shift+tab: focus %d", m.group.focus)
	}
	keys(m, "tab", "esc")
	if m.view != viewGroup || m.group.focus != paneFindings {
		t.Errorf("esc from a panel: view %d focus %d", m.view, m.group.focus)
	}
}

// testSeries has 48 buckets with anomalies at 10 and 30-31.
func testSeries() *SpikeSeries {
	s := &SpikeSeries{Title: "Spike in Firewall Denies", Span: 15 * time.Minute, Threshold: 75}
	for i := range 48 {
		b := SpikeBucket{Start: t0.Add(time.Duration(i) * 15 * time.Minute), Count: 4 + i%3, Expected: 5, Lower: 1, Upper: 10, Scored: i >= 4, Score: 10}
		if i == 10 || i == 30 || i == 31 {
			b.Count, b.Score, b.Anomalous = 40, 96, true
			b.Influencers = []SpikeInfluencer{
				{Field: "source.ip", Distinct: 3, Top: []SpikeValue{{"10.20.0.77", 34, 0.85}, {"\x1b[31m10.0.0.1", 4, 0.1}}},
				{Field: "destination.port", Distinct: 1, Top: []SpikeValue{{"4444", 40, 1}}},
			}
		}
		s.Buckets = append(s.Buckets, b)
	}
	return s
}

func TestSuppressorMatchesTriage(t *testing.T) {
	c := testCollection(t)
	fs := c.Findings()
	tests := []struct {
		name  string
		xs    []triage.Exception
		allow []triage.AllowEntry
		want  int
	}{
		{"nothing", nil, nil, 0},
		{"ip", nil, []triage.AllowEntry{{Kind: triage.AllowIP, Value: "203.0.113.7"}}, 3},
		{"cidr", nil, []triage.AllowEntry{{Kind: triage.AllowCIDR, Value: "2001:db8::/32"}}, 1},
		{"ua for one detector", nil, []triage.AllowEntry{{Kind: triage.AllowUserAgent, Value: "sqlmap/1.7.2#stable (https://sqlmap.org)", Detector: "appsensor:RE2"}}, 1},
		{"expired", nil, []triage.AllowEntry{{Kind: triage.AllowIP, Value: "203.0.113.7", Expires: fixedNow.Add(-time.Hour)}}, 0},
		// The AE3 finding cites ev-2 but rests on 31 events: the other 30
		// cannot be judged, so it stays (a prefix never hides a finding).
		{"exception on kept evidence", []triage.Exception{{Detector: "*", Entries: []triage.ExceptionEntry{{Field: "http.request.method", Type: triage.EntryMatch, Value: "GET"}}}}, nil, 3},
		{"exception needs every event kept", []triage.Exception{{Detector: "elastic:9a7c3f10-1111-2222-3333-444455556666", Entries: []triage.ExceptionEntry{{Field: "http.request.method", Type: triage.EntryMatch, Value: "GET"}}}}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSuppressor(tc.xs, tc.allow, fixedNow, c)
			n := 0
			for i := range fs {
				if _, ok := s.suppressed(&fs[i]); ok {
					n++
				}
			}
			if n != tc.want {
				t.Errorf("%d suppressed, want %d", n, tc.want)
			}
		})
	}
}

func TestParseExpiry(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"", time.Time{}, false},
		{"7d", fixedNow.Add(7 * 24 * time.Hour), false},
		{"36h", fixedNow.Add(36 * time.Hour), false},
		{"2024-03-20", time.Date(2024, 3, 20, 23, 59, 59, 999e6, time.UTC), false},
		{"2024-03-01", time.Time{}, true},
		{"soon", time.Time{}, true},
		{"-3d", time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := parseExpiry(tc.in, fixedNow)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("parseExpiry(%q) = %v, %v; want %v, err %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestEveryKeyInHelp checks that every binding is offered by the help of
// some view, pane or modal, so ? lists everything the console answers to.
func TestEveryKeyInHelp(t *testing.T) {
	k := defaultKeys()
	seen := map[string]bool{}
	for _, v := range []viewID{viewQueue, viewGroup, viewEvent, viewSpike, viewRules} {
		for _, f := range []groupPane{paneFindings, paneChecklist, paneNotes} {
			for _, md := range []modalKind{modalNone, modalFilter, modalEditor, modalDialog, modalConfirm} {
				for _, multi := range []bool{false, true} {
					h := viewHelp{k: &k, v: v, focus: f, modal: md, multi: multi}
					for _, col := range h.FullHelp() {
						for _, b := range col {
							seen[b.Help().Key] = true
						}
					}
					for _, b := range h.ShortHelp() {
						seen[b.Help().Key] = true
					}
				}
			}
		}
	}
	bindings := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End, k.Left, k.Right, k.Enter, k.Back,
		k.Switch, k.Help, k.Quit, k.Filter, k.Sort, k.Reverse, k.Checklist, k.Tick, k.Note, k.Status, k.Exception,
		k.Allow, k.Suppressed, k.Export, k.Copy, k.Rerun, k.Histogram, k.Rules, k.Raw, k.NextMark, k.PrevMark,
		k.Save, k.Cancel, k.Yes, k.No}
	for _, b := range bindings {
		if !seen[b.Help().Key] {
			t.Errorf("%v (%s) is in no help", b.Keys(), b.Help().Desc)
		}
	}
}

// TestRerunFollowsTheGroup: a re-run's first snapshots may lack the group
// the cursor was on; the cursor goes back to it once a snapshot has it,
// unless the analyst has moved since.
func TestRerunFollowsTheGroup(t *testing.T) {
	o := testOptions(t, nil)
	o.Rerun = func() RunSpec {
		return RunSpec{Collection: testCollection(t), Start: func(context.Context) error { return nil }}
	}
	m := consoleAt(t, o, 120, 30)
	keys(m, "j", "j")
	sel, _ := m.queue.selected()
	all := slices.Clone(m.queue.rows)
	m.rerun() // its command is not run: the new run has not answered yet
	if m.queue.follow == nil || *m.queue.follow != sel.Key {
		t.Fatalf("re-run follows %v, want %v", m.queue.follow, sel.Key)
	}
	var partial []queueRow
	for _, r := range all {
		if r.g.Key != sel.Key {
			partial = append(partial, r)
		}
	}
	m.queue.setRows(partial) // the first snapshot lacks it
	m.queue.setRows(all)     // a later one has it
	if now, _ := m.queue.selected(); now.Key != sel.Key {
		t.Errorf("cursor on %v once the group is back, want %v", now.Key, sel.Key)
	}
	// Once there, the cursor follows its group as before; a move of the
	// analyst's while waiting wins.
	m.queue.follow = &sel.Key
	m.queue.setRows(partial)
	keys(m, "k")
	moved, _ := m.queue.selected()
	m.queue.setRows(all)
	if now, _ := m.queue.selected(); now.Key != moved.Key {
		t.Errorf("cursor went to %v after the analyst moved to %v", now.Key, moved.Key)
	}
	// While the new run loads, no status, note or entry is written: the
	// row under the cursor may not be the group the analyst was on.
	before := len(m.status)
	keys(m, "s")
	if len(m.status) != before || !strings.Contains(m.info, "re-running: statuses, notes and entries wait") {
		t.Errorf("s during the re-run: %d statuses (was %d), info %q", len(m.status), before, m.info)
	}
	// A group the finished run does not have is no longer waited for.
	m.loading = false
	m.queue.follow = &sel.Key
	m.queue.setRows(partial)
	if m.queue.follow != nil {
		t.Error("still waiting for a group the finished run lacks")
	}
}

// TestErrorStaysWithItsView: an error stays while the analyst moves in
// the view it was raised in, and is dropped by a key that leaves it (it
// was still shown over the group view opened after it).
func TestErrorStaysWithItsView(t *testing.T) {
	m := consoleAt(t, testOptions(t, nil), 140, 30)
	const msg = "open a group or a finding to make an exception"
	keys(m, "e")
	if !strings.Contains(m.View(), msg) {
		t.Fatalf("no error for e on the queue:\n%s", m.View())
	}
	keys(m, "j")
	if !strings.Contains(m.View(), msg) {
		t.Error("a move in the queue dropped the error")
	}
	keys(m, "enter")
	if m.view != viewGroup || strings.Contains(m.View(), msg) {
		t.Errorf("view %d; the queue's error still shown:\n%s", m.view, m.View())
	}
}
