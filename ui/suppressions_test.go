package ui

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"picket/triage"
)

// listStore is a memStore that removes entries and keeps value lists, as
// casefile.Store does.
type listStore struct {
	*memStore
	lists triage.ValueLists
}

func (s *listStore) DeleteEntries(_ context.Context, xIDs, aIDs []int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.xs = slices.DeleteFunc(s.xs, func(x triage.Exception) bool { return slices.Contains(xIDs, x.ID) })
	s.allow = slices.DeleteFunc(s.allow, func(a triage.AllowEntry) bool { return slices.Contains(aIDs, a.ID) })
	return nil
}

func (s *listStore) ValueLists(context.Context) (triage.ValueLists, error) { return s.lists, nil }

func (s *listStore) HasExceptionList(context.Context) (func(triage.ExceptionListRef) bool, error) {
	return func(r triage.ExceptionListRef) bool { return r.ListID == "held" }, nil
}

func newListStore(t *testing.T) *listStore {
	t.Helper()
	scanners, err := triage.NewValueList("scanners", triage.ListIP, []string{"203.0.113.7"})
	if err != nil {
		t.Fatal(err)
	}
	s := &listStore{memStore: newMemStore(), lists: triage.ValueLists{"scanners": scanners}}
	s.allow = []triage.AllowEntry{{ID: 1, Kind: triage.AllowUserAgent, Value: "curl/8.5.0", Reason: "probe " + hostileUA, Author: "ana", Created: fixedNow}}
	// The three sqlmap findings cite one kept event each, from an
	// address on the value list: the list entry hides them.
	s.xs = []triage.Exception{{ID: 5, Name: "known scanners", Detector: triage.AllDetectors, ListID: "web", Author: "bo", Created: fixedNow,
		Entries: []triage.ExceptionEntry{{Field: "source.ip", Type: triage.EntryList, Operator: triage.OpIncluded, List: &triage.ListRef{ID: "scanners", Type: "ip"}}}}}
	return s
}

// TestSuppressionsView: E lists the entries in force with what each hides
// in the run, d asks before removing, n keeps, y removes, esc leaves; the
// value lists and rules' exception lists of the store are applied, and a
// missing list is shown.
func TestSuppressionsView(t *testing.T) {
	store := newListStore(t)
	o := testOptions(t, nil)
	o.Store, o.Suppressions = store, store
	o.RuleExceptionLists = map[string][]triage.ExceptionListRef{"elastic:9a7c3f10-1111-2222-3333-444455556666": {{ListID: "gone"}, {ListID: "held"}}}
	m := consoleAt(t, o, 140, 30)
	if got := m.snap.hidden; got != 4 {
		t.Errorf("hidden %d findings, want 4 (3 by the value list, 1 by the allowlisted user agent)", got)
	}
	keys(m, "E")
	if m.view != viewSupps {
		t.Fatalf("E showed view %d", m.view)
	}
	v := m.View()
	for _, want := range []string{"EXCEPTIONS & ALLOWLIST", "2 entries in force", "hide 4 of 6 findings", "known scanners: source.ip in list scanners",
		"allow user_agent", "curl/8.5.0", `probe \x1b[31mevil`, `exception list "gone"`} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b[31mevil") {
		t.Error("the view shows a raw escape sequence")
	}
	if strings.Contains(v, `"held"`) {
		t.Error("a held list is reported missing")
	}
	hides := func(id string) string {
		for _, line := range strings.Split(m.View(), "\n") {
			if f := strings.Fields(strings.TrimLeft(line, "▸ ")); len(f) > 0 && f[0] == id {
				return f[len(f)-1]
			}
		}
		return ""
	}
	if hides("5") != "3" || hides("1") != "1" {
		t.Errorf("HIDES: exception 5 %q, allow 1 %q; want 3 and 1", hides("5"), hides("1"))
	}

	keys(m, "d")
	if !strings.Contains(m.View(), "remove exception 5 (known scanners: source.ip in list scanners)? y removes it") {
		t.Errorf("d did not ask:\n%s", m.View())
	}
	keys(m, "n")
	if len(store.xs) != 1 || strings.Contains(m.View(), "y removes it") {
		t.Error("n removed the entry or kept asking")
	}
	keys(m, "d", "y")
	if len(store.xs) != 0 {
		t.Fatalf("y did not remove exception 5: %v", store.xs)
	}
	v = m.View()
	if !strings.Contains(v, "1 entry in force") || strings.Contains(v, "known scanners") || m.snap.hidden != 1 {
		t.Errorf("after removal: hidden %d, view:\n%s", m.snap.hidden, v)
	}
	if !strings.Contains(m.statusLine(), "removed exception 5") {
		t.Errorf("status line: %q", m.statusLine())
	}
	keys(m, "esc")
	if m.view != viewQueue {
		t.Errorf("esc left for view %d", m.view)
	}
}

// TestSuppressionsViewAt80Columns: the KIND and DETECTOR columns are as
// wide as what they hold, so at 80 columns the entries keep their room.
func TestSuppressionsViewAt80Columns(t *testing.T) {
	store := newListStore(t)
	o := testOptions(t, nil)
	o.Store, o.Suppressions = store, store
	m := consoleAt(t, o, 80, 24)
	keys(m, "E")
	if v := m.View(); !strings.Contains(v, "known scanners: source.ip") || !strings.Contains(v, `probe \x1b[`) {
		t.Errorf("the entry or its reason is cut short at 80 columns:\n%s", v)
	}
}

// TestSuppressionsViewReadOnly: without a store that removes, d says so.
func TestSuppressionsViewReadOnly(t *testing.T) {
	store := newMemStore()
	store.allow = []triage.AllowEntry{{ID: 1, Kind: triage.AllowIP, Value: "203.0.113.7"}}
	m := consoleAt(t, testOptions(t, store), 120, 30)
	keys(m, "E", "d")
	if strings.Contains(m.View(), "y removes it") || !strings.Contains(m.lastErr, "cannot be removed") {
		t.Errorf("d on a read-only store: %q\n%s", m.lastErr, m.View())
	}
	if len(store.allow) != 1 {
		t.Error("the entry went")
	}
}

// TestBroadAllowNeedsSecondSave: the dialog warns before it allowlists a
// stock browser user agent and saves on the second ctrl+s.
func TestBroadAllowNeedsSecondSave(t *testing.T) {
	store := newMemStore()
	m := consoleAt(t, testOptions(t, store), 120, 30)
	chrome := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	runCmd(m, m.openDialog(newAllowDialog(triage.GroupKey{UserAgent: chrome}, "")), 0)
	keys(m, "ctrl+s")
	if m.modal != modalDialog || !strings.Contains(m.dialog.err, "ctrl+s again to save anyway: this is a stock Chrome 124") || len(store.allow) != 0 {
		t.Fatalf("first save: modal %d, err %q, stored %d", m.modal, m.dialog.err, len(store.allow))
	}
	// The warning is shown whole, wrapped in the dialog, not cut.
	v := m.View()
	for _, w := range strings.Fields(m.dialog.err) {
		if !strings.Contains(v, w) {
			t.Errorf("the dialog lacks %q of the warning:\n%s", w, v)
			break
		}
	}
	keys(m, "ctrl+s")
	if m.modal != modalNone || len(store.allow) != 1 || store.allow[0].Value != chrome {
		t.Errorf("second save: modal %d, stored %v", m.modal, store.allow)
	}
	// A narrow entry saves at once.
	runCmd(m, m.openDialog(newAllowDialog(triage.GroupKey{UserAgent: "curl/8.5.0"}, "")), 0)
	keys(m, "ctrl+s")
	if m.modal != modalNone || len(store.allow) != 2 {
		t.Errorf("narrow entry: modal %d, stored %d", m.modal, len(store.allow))
	}
}

// TestSuppressionLineSaysConditionsOnce: an exception the console made
// (named "Picket: " and its conditions) shows its conditions once; an
// imported one keeps its Kibana name before them.
func TestSuppressionLineSaysConditionsOnce(t *testing.T) {
	entries := []triage.ExceptionEntry{{Field: "source.ip", Type: triage.EntryMatch, Operator: triage.OpIncluded, Value: "203.0.113.9"}}
	summary := triage.ExceptionSummary(entries)
	for _, tc := range []struct{ name, want string }{
		{autoName + summary, summary},
		{"known scanners", "known scanners: " + summary},
		{"", summary},
	} {
		x := triage.Exception{Name: tc.name, Entries: entries}
		if got := (supLine{x: &x}).what(); got != tc.want {
			t.Errorf("name %q: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestPreviewCountsOfTheQueue: the dialog's "of N" counts the findings the
// queue shows, not those entries already hide.
func TestPreviewCountsOfTheQueue(t *testing.T) {
	ip := netip.MustParseAddr
	var fs []triage.Finding
	for _, a := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		fs = append(fs, triage.Finding{Detector: "appsensor:RE2", SourceIP: ip(a), UserAgent: "ua", Timestamp: fixedNow})
	}
	hidden := []triage.AllowEntry{{ID: 1, Kind: triage.AllowIP, Value: "192.0.2.1"}}
	next := triage.AllowEntry{Kind: triage.AllowIP, Value: "192.0.2.2"}
	hits, groups, active := previewCount(fs, suppression{a: &next}, nil, hidden, nil, fixedNow)
	if hits != 1 || groups != 1 || active != 2 {
		t.Errorf("would hide %d in %d groups of %d; want 1 in 1 of the 2 the queue shows", hits, groups, active)
	}
}

// TestEntriesChangedElsewhereAreReadAgain: an entry removed from the case
// file in another shell (picket allowlist remove) stops hiding findings
// on r and leaves the E view when it opens; removing it there reads the
// entries again rather than keeping a row that is gone.
func TestEntriesChangedElsewhereAreReadAgain(t *testing.T) {
	store := newListStore(t)
	o := testOptions(t, nil)
	o.Store, o.Suppressions = store, store
	o.Rerun = func() RunSpec {
		return RunSpec{Collection: testCollection(t), Start: func(context.Context) error { return nil }}
	}
	m := consoleAt(t, o, 140, 30)
	if len(m.allow) != 1 || m.snap.hidden != 4 {
		t.Fatalf("start: %d allowlist entries, %d hidden", len(m.allow), m.snap.hidden)
	}
	_ = store.DeleteEntries(context.Background(), nil, []int64{1}) // another shell
	keys(m, "r")
	if len(m.allow) != 0 || m.snap.hidden != 3 {
		t.Errorf("after r: %d allowlist entries, %d hidden; want 0 and 3", len(m.allow), m.snap.hidden)
	}
	_ = store.DeleteEntries(context.Background(), []int64{5}, nil) // another shell again
	keys(m, "E")
	if v := m.View(); strings.Contains(v, "known scanners") || !strings.Contains(v, "no exceptions or allowlist entries in force") {
		t.Errorf("E lists an entry the case file no longer has:\n%s", v)
	}
}

// failingRemover refuses every removal, as a locked case file would.
type failingRemover struct{ *listStore }

func (failingRemover) DeleteEntries(context.Context, []int64, []int64) error {
	return errors.New("casefile: database is locked")
}

// TestSuppressionsViewRemovesMarked: space marks rows, V marks them all,
// esc unmarks; d then removes every marked entry in one call after
// asking, and the queue judges without them. A failed removal keeps
// every entry and says why.
func TestSuppressionsViewRemovesMarked(t *testing.T) {
	open := func(store Suppressions) *model {
		o := testOptions(t, nil)
		o.Suppressions = store
		if cs, ok := store.(CaseStore); ok {
			o.Store = cs
		}
		m := consoleAt(t, o, 140, 30)
		keys(m, "E")
		return m
	}
	store := newListStore(t)
	m := open(store)
	keys(m, "space")
	if !strings.Contains(m.View(), "1 entry marked") {
		t.Fatalf("space marked nothing:\n%s", m.View())
	}
	keys(m, "esc")
	if len(m.supps.marked) != 0 || m.view != viewSupps {
		t.Fatalf("esc with marks: %d marked, view %d; want them unmarked, the view kept", len(m.supps.marked), m.view)
	}
	keys(m, "V", "d")
	if !strings.Contains(m.View(), "remove the 2 entries marked? y removes them") {
		t.Fatalf("d did not ask for both:\n%s", m.View())
	}
	keys(m, "y")
	if len(store.xs) != 0 || len(store.allow) != 0 {
		t.Fatalf("left %d exceptions, %d allowlist entries", len(store.xs), len(store.allow))
	}
	if m.snap.hidden != 0 || !strings.Contains(m.statusLine(), "removed 2 entries") {
		t.Errorf("after removal: %d hidden, status %q", m.snap.hidden, m.statusLine())
	}

	locked := failingRemover{newListStore(t)}
	m = open(locked)
	keys(m, "V", "d", "y")
	if len(locked.xs) != 1 || len(locked.allow) != 1 || m.snap.hidden != 4 {
		t.Errorf("a failed removal: %d exceptions, %d entries left, %d hidden", len(locked.xs), len(locked.allow), m.snap.hidden)
	}
	if !strings.Contains(m.statusLine(), "database is locked") {
		t.Errorf("status line: %q", m.statusLine())
	}
}

// TestSuppressionsViewOrders: o orders the entries by what they hide,
// most first, then by kind and value with addresses as numbers
// (10.0.0.9 before 10.0.0.10, which text puts after), then as made.
func TestSuppressionsViewOrders(t *testing.T) {
	store := newListStore(t)
	for i, v := range []string{"10.0.0.10", "192.0.2.0/24", "10.0.0.9"} {
		store.allow = append(store.allow, triage.AllowEntry{ID: int64(10 + i), Kind: triage.AllowIP, Value: v, Author: "ana", Created: fixedNow})
	}
	store.allow[2].Kind = triage.AllowCIDR
	o := testOptions(t, nil)
	o.Store, o.Suppressions = store, store
	m := consoleAt(t, o, 140, 30)
	keys(m, "E")
	ids := func() []int64 {
		var out []int64
		for _, l := range m.supps.rows {
			out = append(out, l.id())
		}
		return out
	}
	if got := ids(); !slices.Equal(got, []int64{5, 1, 10, 11, 12}) {
		t.Fatalf("as made: %v", got)
	}
	// What each hides, as the count would give it: entry 12 the most.
	m.supps.onReply(supCountsMsg{tally: &triage.Tally{Exceptions: map[int64]int{5: 3}, Allow: map[int64]int{1: 1, 12: 7}}})
	keys(m, "o")
	if got := ids(); !slices.Equal(got, []int64{12, 5, 1, 10, 11}) || !strings.Contains(m.View(), "most hidden first") {
		t.Errorf("most hidden first: %v", got)
	}
	keys(m, "o")
	if got := ids(); !slices.Equal(got, []int64{11, 12, 10, 1, 5}) {
		t.Errorf("by kind and value: %v, want the CIDR, 10.0.0.9 before 10.0.0.10, the user agent, then the exception", got)
	}
	keys(m, "o")
	if got := ids(); !slices.Equal(got, []int64{5, 1, 10, 11, 12}) {
		t.Errorf("back to as made: %v", got)
	}
}

// TestSuppressionsViewCursorAndMarks: marks last one visit of the view
// (d after coming back asks about the row under the cursor, not an
// entry marked before), and counts that re-sort the rows leave the
// cursor on its entry.
func TestSuppressionsViewCursorAndMarks(t *testing.T) {
	store := newListStore(t)
	o := testOptions(t, nil)
	o.Store, o.Suppressions = store, store
	m := consoleAt(t, o, 140, 30)
	keys(m, "E", "space", "E", "E")
	if len(m.supps.marked) != 0 {
		t.Fatalf("%d marks kept from the last visit", len(m.supps.marked))
	}
	keys(m, "j", "d")
	if v := m.View(); !strings.Contains(v, "remove allow user_agent 1 ") {
		t.Errorf("d asks about another entry than the one under the cursor:\n%s", v)
	}
	keys(m, "n", "o") // most hidden first; the counts are in: 5 (3), then 1 (1)
	keys(m, "k", "k")
	on, _ := m.supps.selected()
	m.supps.onReply(supCountsMsg{tally: &triage.Tally{Exceptions: map[int64]int{5: 0}, Allow: map[int64]int{1: 9}}})
	if now, _ := m.supps.selected(); now.mark() != on.mark() || m.supps.rows[0].id() != 1 {
		t.Errorf("after the counts re-sorted the rows the cursor is on %v, was on %v (rows %v)", now.mark(), on.mark(), m.supps.rows)
	}
}
