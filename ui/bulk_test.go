package ui

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/triage"
)

// TestBulkStatusFiftyGroups selects 50 groups with space and writes one
// status to all of them in one transaction of a real case file.
func TestBulkStatusFiftyGroups(t *testing.T) {
	store := fileBulkStore(t)
	file := store.file
	m := consoleAt(t, waveOptions(store), 160, 40)
	keys(m, "F") // every group a row
	for range 50 {
		keys(m, "space")
	}
	if len(m.queue.picked) != 50 || strings.Count(m.View(), "50 groups selected") != 1 {
		t.Fatalf("%d selected:\n%s", len(m.queue.picked), m.View())
	}
	picked := maps.Clone(m.queue.picked)
	keys(m, "s")
	if m.modal != modalBulk || !strings.Contains(m.View(), "status of 50 selected groups: o open · a acknowledged · c closed") {
		t.Fatalf("no confirmation naming the count:\n%s", m.View())
	}
	slowKeys(m, "c")
	bs := store.bulks()
	if len(bs) != 1 || len(bs[0].Targets) != 50 || bs[0].Status != casefile.StatusClosed {
		t.Fatalf("%d bulk writes", len(bs))
	}
	cs, err := file.Cases(context.Background(), casefile.CaseFilter{Status: []string{casefile.StatusClosed}})
	if err != nil || len(cs) != 50 {
		t.Fatalf("%d closed cases, want 50 (%v)", len(cs), err)
	}
	if !strings.Contains(m.View(), "status closed on 50 groups (one transaction)") {
		t.Errorf("status line:\n%s", m.View())
	}
	if len(m.queue.picked) != 0 {
		t.Errorf("%d groups still selected after the write", len(m.queue.picked))
	}
	for k := range picked {
		if statusOr(m.status, k) != casefile.StatusClosed {
			t.Errorf("%s shows %s", k, statusOr(m.status, k))
		}
	}
}

// TestBulkFailureChangesNothing: a failed bulk write puts the statuses
// shown back and says nothing was written.
func TestBulkFailureChangesNothing(t *testing.T) {
	store := &bulkStore{memStore: newMemStore(), fail: fmt.Errorf("casefile: bulk action on 8 group(s), nothing written: %w", errInjected)}
	m := consoleAt(t, waveOptions(store), 160, 40)
	keys(m, "V", "s", "a")
	if len(store.bulks()) != 1 {
		t.Fatalf("%d writes", len(store.bulks()))
	}
	for _, r := range m.queue.rows {
		if st := statusOr(m.status, r.g.Key); st != casefile.StatusOpen {
			t.Errorf("%s shows %s after the failed write", r.g.Key, st)
		}
	}
	if v := m.View(); !strings.Contains(v, "nothing written: injected failure") {
		t.Errorf("error not shown:\n%s", v)
	}
}

// TestBulkActions: V after a filter selects what it shows; s, n, a and e
// act on the selection (campaigns reach their members) after a
// confirmation naming the count; esc cancels and writes nothing.
func TestBulkActions(t *testing.T) {
	tests := []struct {
		name    string
		filter  string
		keys    []string
		text    string   // typed after keys (a note, a reason)
		confirm []string // after the text
		prompt  string   // the confirmation, naming the count
		check   func(t *testing.T, b casefile.Bulk)
	}{
		{"status after a filter", "detector:AE11", []string{"V", "s"}, "", []string{"a"},
			"status of 6 selected groups (300 more in their campaigns)", func(t *testing.T, b casefile.Bulk) {
				if b.Status != casefile.StatusAcknowledged || len(b.Targets) != 306 {
					t.Errorf("status %q on %d targets, want 306 (5 groups, a campaign, its 300 members)", b.Status, len(b.Targets))
				}
			}},
		{"note", "severity:high", []string{"V", "n"}, "same operator", []string{"ctrl+s", "y"},
			"add this note to 2 groups? y/n", func(t *testing.T, b casefile.Bulk) {
				if b.Note != "same operator" || len(b.Targets) != 2 {
					t.Errorf("note %q on %d targets", b.Note, len(b.Targets))
				}
			}},
		{"allowlist", "source.ip:100.64.0.0/24", []string{"V", "a"}, "lab scanners", []string{"enter"},
			"Allowlist 5 values of 5 groups", func(t *testing.T, b casefile.Bulk) {
				if len(b.Allow) != 5 || b.Allow[0].Kind != triage.AllowIP || b.Allow[0].Reason != "lab scanners" || b.Allow[0].Detector != triage.AllDetectors || len(b.Targets) != 0 {
					t.Errorf("allow %+v", b.Allow)
				}
			}},
		{"exception", "detector:RE2 or detector:CIE1", []string{"V", "e"}, "pentest", []string{"enter"},
			"2 exceptions for 2 groups", func(t *testing.T, b casefile.Bulk) {
				if len(b.Exceptions) != 2 || len(b.Exceptions[0].Entries) != 2 || b.Exceptions[0].Reason != "pentest" {
					t.Errorf("exceptions %+v", b.Exceptions)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &bulkStore{memStore: newMemStore()}
			m := consoleAt(t, waveOptions(store), 160, 40)
			keys(m, "/")
			typeText(m, tc.filter)
			keys(m, "enter")
			keys(m, tc.keys...)
			typeText(m, tc.text)
			if len(tc.confirm) > 1 {
				keys(m, tc.confirm[:len(tc.confirm)-1]...)
			}
			if v := m.View(); !strings.Contains(v, tc.prompt) {
				t.Fatalf("no confirmation %q:\n%s", tc.prompt, v)
			}
			if len(store.bulks()) != 0 {
				t.Fatal("written before the confirmation")
			}
			keys(m, tc.confirm[len(tc.confirm)-1])
			bs := store.bulks()
			if len(bs) != 1 {
				t.Fatalf("%d writes", len(bs))
			}
			tc.check(t, bs[0])
		})
	}
	// esc cancels.
	store := &bulkStore{memStore: newMemStore()}
	m := consoleAt(t, waveOptions(store), 160, 40)
	keys(m, "V", "s", "esc")
	if len(store.bulks()) != 0 || m.modal != modalNone {
		t.Error("esc wrote or stayed")
	}
	keys(m, "esc")
	if len(m.queue.picked) != 0 {
		t.Error("esc kept the selection")
	}
}

// TestBulkEntriesCarryTheirIDs: allowlist entries and exceptions made in
// bulk are held with the ids the case file gave them, so the E view can
// count and remove each one at once (they were all id 0 until a restart).
func TestBulkEntriesCarryTheirIDs(t *testing.T) {
	ctx := context.Background()
	store := fileBulkStore(t)
	file := store.file
	m := consoleAt(t, waveOptions(store), 160, 40)
	keys(m, "/")
	typeText(m, "source.ip:100.64.0.0/24")
	keys(m, "enter", "V", "a")
	typeText(m, "lab scanners")
	slowKeys(m, "enter")
	keys(m, "esc", "/")
	typeText(m, "detector:RE2 or detector:CIE1")
	keys(m, "enter", "V", "e")
	typeText(m, "pentest")
	slowKeys(m, "enter")

	stored, err := file.Allowlist(ctx, time.Time{})
	if err != nil || len(stored) != 5 {
		t.Fatalf("%d entries stored (%v)", len(stored), err)
	}
	want := map[int64]string{}
	for _, a := range stored {
		want[a.ID] = a.Value
	}
	if len(m.allow) != 5 {
		t.Fatalf("console holds %d entries", len(m.allow))
	}
	for i, a := range m.allow {
		if a.ID == 0 || want[a.ID] != a.Value {
			t.Errorf("console holds %s as id %d; the case file has %v", a.Value, a.ID, want)
		}
		if a.ID != stored[i].ID {
			t.Errorf("entry %d is id %d; the case file lists id %d there (its order, as after a removal)", i, a.ID, stored[i].ID)
		}
	}
	xs, err := file.Exceptions(ctx, casefile.ExceptionFilter{})
	if err != nil || len(xs) != 2 || len(m.xs) != 2 {
		t.Fatalf("%d exceptions stored, %d held (%v)", len(xs), len(m.xs), err)
	}
	for i, x := range m.xs {
		if x.ID == 0 || x.ID == m.xs[1-i].ID {
			t.Errorf("exception %d held as id %d (other %d)", i, x.ID, m.xs[1-i].ID)
		}
	}
}

// TestCampaignWriteKeepsTheSelection: a status set on a campaign from its
// own view is no action on the selection, which stays as picked.
func TestCampaignWriteKeepsTheSelection(t *testing.T) {
	store := &bulkStore{memStore: newMemStore()}
	m := consoleAt(t, waveOptions(store), 160, 40)
	keys(m, "space")
	if len(m.queue.picked) != 1 {
		t.Fatalf("%d picked", len(m.queue.picked))
	}
	rowAt(t, m, isCampaign)
	keys(m, "enter", "enter", "s")
	if bs := store.bulks(); len(bs) != 1 || bs[0].Status == "" {
		t.Fatalf("the campaign's status was not written: %d writes", len(bs))
	}
	if len(m.queue.picked) != 1 {
		t.Errorf("the campaign's status cleared the selection: %d picked", len(m.queue.picked))
	}
}

// TestRefusedBulkNoteKeepsItsText: a note on a selection that the case
// file refuses comes back on the next n.
func TestRefusedBulkNoteKeepsItsText(t *testing.T) {
	store := &bulkStore{memStore: newMemStore(), fail: errInjected}
	m := consoleAt(t, waveOptions(store), 160, 40)
	keys(m, "V", "n")
	typeText(m, "same operator, see ticket 4711")
	keys(m, "ctrl+s", "y")
	if len(store.bulks()) != 1 || !strings.Contains(m.lastErr, "its text is kept") {
		t.Fatalf("%d writes, error %q", len(store.bulks()), m.lastErr)
	}
	keys(m, "n")
	if m.modal != modalEditor || m.editor.ta.Value() != "same operator, see ticket 4711" {
		t.Errorf("n again: modal %d, text %q", m.modal, m.editor.ta.Value())
	}
}

// TestBulkEntriesInTheCaseFilesOrder: once written, the console holds the
// entries as the case file lists them, so the E view does not reorder
// them at the next removal.
func TestBulkEntriesInTheCaseFilesOrder(t *testing.T) {
	ctx := context.Background()
	store := fileBulkStore(t)
	file := store.file
	m := consoleAt(t, waveOptions(store), 160, 40)
	keys(m, "/")
	typeText(m, "detector:RE2 or detector:CIE1") // the queue lists 203.0.113.7 before 192.0.2.77
	keys(m, "enter", "V", "a")
	typeText(m, "pentest")
	slowKeys(m, "enter")
	stored, err := file.Allowlist(ctx, time.Time{})
	if err != nil || len(stored) != 2 || len(m.allow) != 2 {
		t.Fatalf("%d stored, %d held (%v)", len(stored), len(m.allow), err)
	}
	for i := range stored {
		if m.allow[i].Value != stored[i].Value {
			t.Errorf("held %s, %s; the case file lists %s, %s", m.allow[0].Value, m.allow[1].Value, stored[0].Value, stored[1].Value)
			break
		}
	}
}

// fileBulkStore is a bulk store writing to a real case file of the test's.
func fileBulkStore(t *testing.T) *bulkStore {
	t.Helper()
	file, err := casefile.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { file.Close() })
	return &bulkStore{memStore: newMemStore(), file: file}
}

// TestNewFilterUnselectsWhatItHides: rows selected under one filter and
// hidden by the next are unselected, so the next bulk action reaches only
// rows the analyst sees (a status once went to a hidden sqlmap group).
func TestNewFilterUnselectsWhatItHides(t *testing.T) {
	store := &bulkStore{memStore: newMemStore()}
	m := consoleAt(t, waveOptions(store), 160, 40)
	keys(m, "/")
	typeText(m, "severity:high")
	keys(m, "enter", "V")
	before := len(m.queue.picked)
	if before == 0 {
		t.Fatal("V selected nothing")
	}
	keys(m, "/", "ctrl+u")
	typeText(m, "detector:RE2 or detector:CIE1")
	keys(m, "enter")
	shown := map[triage.GroupKey]bool{}
	for _, r := range m.queue.rows {
		shown[r.g.Key] = true
	}
	for k := range m.queue.picked {
		if !shown[k] {
			t.Errorf("%s stays selected, hidden by the filter", k)
		}
	}
	if len(m.queue.picked) == before || !strings.Contains(m.statusLine(), "the filter hides unselected") {
		t.Errorf("%d of %d still selected; status %q", len(m.queue.picked), before, m.statusLine())
	}
	// A status now reaches only rows the filter shows.
	keys(m, "V", "s", "a")
	bs := store.bulks()
	if len(bs) != 1 || len(bs[0].Targets) == 0 {
		t.Fatalf("writes %+v", bs)
	}
	for _, tg := range bs[0].Targets {
		if !shown[tg.Key] {
			t.Errorf("the status reached %s, which the filter hides", tg.Key)
		}
	}
}

// TestAllowForARow: a row's allowlist entry names its own value (the
// innermost field an entry can name), for its detector when the chain
// has one.
func TestAllowForARow(t *testing.T) {
	chain := func(by string, vals ...string) triage.GroupKey {
		k := triage.GroupKey{By: by}
		copy(k.Values[:], vals)
		return k
	}
	for _, tc := range []struct {
		key              triage.GroupKey
		kind, value, det string
	}{
		{triage.GroupKey{SourceIP: netip.MustParseAddr("192.0.2.9"), UserAgent: "curl"}, triage.AllowIP, "192.0.2.9", triage.AllDetectors},
		{chain("user.name", "anna"), triage.AllowUser, "anna", triage.AllDetectors},
		{chain("user.name,url.path,detector", "anna", "/download", "appsensor:IE3"), triage.AllowPath, "/download", "appsensor:IE3"},
		{chain("url.path,user.name", "/download", "anna"), triage.AllowUser, "anna", triage.AllDetectors},
		{chain("detector,source.ip", "appsensor:RE2", "192.0.2.7"), triage.AllowIP, "192.0.2.7", "appsensor:RE2"},
	} {
		a, ok := allowFor(tc.key)
		if !ok || a.Kind != tc.kind || a.Value != tc.value || a.Detector != tc.det {
			t.Errorf("%s: %+v %v; want %s %s for %s", tc.key, a, ok, tc.kind, tc.value, tc.det)
		}
	}
}

// TestBulkFormPreviewsWhatItHides: the bulk allowlist form counts the
// findings its entries would hide before anything is saved, as the
// one-entry dialog does; the count is the findings of the run whose
// address is one of the form's values.
func TestBulkFormPreviewsWhatItHides(t *testing.T) {
	store := &bulkStore{memStore: newMemStore()}
	o := waveOptions(store)
	m := consoleAt(t, o, 160, 40)
	keys(m, "/")
	typeText(m, "source.ip:100.64.0.0/24")
	keys(m, "enter", "V", "a")
	if len(m.bulk.allow) == 0 {
		t.Fatal("no entries proposed")
	}
	values := map[string]bool{}
	for _, a := range m.bulk.allow {
		values[a.Value] = true
	}
	want, total := 0, 0
	for _, f := range o.Collection.FindingsView() {
		total++
		if values[f.SourceIP.Unmap().String()] {
			want++
		}
	}
	if want == 0 {
		t.Fatal("the planted data has no finding from those addresses")
	}
	line := "would suppress " + plural(want, "finding")
	if v := m.View(); !strings.Contains(v, line) || !strings.Contains(v, "of "+plural(total, "finding")+" in the queue") {
		t.Errorf("no %q (of %d) in the form:\n%s", line, total, v)
	}
}

// TestBulkAllowOneValueTwoDetectors: two leaves with one URL path under
// two detectors need an entry each; one entry per value would leave the
// second detector's findings showing.
func TestBulkAllowOneValueTwoDetectors(t *testing.T) {
	m := consoleAt(t, waveOptions(&bulkStore{memStore: newMemStore()}), 160, 40)
	leaf := func(det string) *triage.Group {
		k := triage.GroupKey{By: "detector,url.path"}
		k.Values[0], k.Values[1] = det, "/login"
		return &triage.Group{Key: k}
	}
	m.bulkSuppress(bulkAllow, []*triage.Group{leaf("appsensor:AE2"), leaf("appsensor:AE11"), leaf("appsensor:AE2")})
	var got []string
	for _, a := range m.bulk.allow {
		got = append(got, a.Kind+" "+a.Value+" "+a.Detector)
	}
	want := []string{triage.AllowPath + " /login appsensor:AE2", triage.AllowPath + " /login appsensor:AE11"}
	if !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
	if v := m.View(); !strings.Contains(v, "AE11 only") {
		t.Errorf("the form does not say the entry's detector:\n%s", v)
	}
}

// TestBulkPreviewRunsOffTheLoop: on a big run the bulk form's count runs
// in a command, says so meanwhile, and its answer reaches the form.
func TestBulkPreviewRunsOffTheLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("large collection")
	}
	c := benchCollection(syncRows+5000, 1)
	m := newModel(context.Background(), Options{Collection: c, Store: &bulkStore{memStore: newMemStore()}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	keys(m, "space", "j", "space")
	_, cmd := m.Update(keyMsg("a"))
	if cmd == nil || !strings.Contains(m.View(), "counting…") {
		t.Fatalf("the count ran on the input loop, or the form does not say it counts:\n%s", m.View())
	}
	runCmd(m, cmd, 0)
	values := map[string]bool{}
	for _, a := range m.bulk.allow {
		values[a.Value] = true
	}
	want := 0
	for _, f := range c.FindingsView() {
		if values[f.SourceIP.Unmap().String()] {
			want++
		}
	}
	if len(values) != 2 || want == 0 || !strings.Contains(m.View(), "would suppress "+plural(want, "finding")) {
		t.Errorf("%d values, want 2; no count of %d findings:\n%s", len(values), want, m.View())
	}
}
