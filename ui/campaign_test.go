package ui

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/casefile"
	"picket/playbooks"
	"picket/triage"
)

func waveOptions(store CaseStore) Options {
	o := Options{Title: "wave", Collection: waveCollection(), Now: func() time.Time { return fixedNow }, Author: "ana",
		Copy: func(string) error { return nil }}
	if store != nil {
		o.Store = store
		if sup, ok := store.(Suppressions); ok {
			o.Suppressions = sup // as the console's case file is both
		}
	}
	return o
}

// rowAt moves the cursor to the first row whose group satisfies pick.
func rowAt(t *testing.T, m *model, pick func(*triage.Group) bool) queueRow {
	t.Helper()
	for i, r := range m.queue.rows {
		if pick(r.g) {
			m.queue.list.setCursor(i)
			return r
		}
	}
	t.Fatalf("no such row among %d", len(m.queue.rows))
	return queueRow{}
}

func isCampaign(g *triage.Group) bool { return g.Campaign != nil }

// TestCampaignRow: the wave is one row that reads like the issue asks,
// the distinct attacks (and AE11 hours apart from unrelated clients) keep
// rows of their own, and the console folds as picket detect --group does.
func TestCampaignRow(t *testing.T) {
	m := consoleAt(t, waveOptions(nil), 160, 40)
	if got, want := len(m.queue.rows), waveGroups-waveSources+1; got != want {
		t.Fatalf("%d rows, want %d (the wave folded into one)", got, want)
	}
	var camps []*triage.Group
	for _, r := range m.queue.rows {
		if r.g.Campaign != nil {
			camps = append(camps, r.g)
		}
	}
	if len(camps) != 1 || len(camps[0].Campaign.Members) != waveSources || camps[0].Findings != waveSources {
		t.Fatalf("campaigns %v", camps)
	}
	v := m.View()
	for _, want := range []string{
		"campaign · 300 sources · AE11 · Nov 13 19:00–19:39",
		"308 groups (1 campaign of 300)",
		"203.0.113.7", "192.0.2.55", "192.0.2.77", "100.64.0.1", "100.64.0.5",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("queue lacks %q:\n%s", want, v)
		}
	}
	// The console agrees with picket detect --group: the same groups
	// fold, by the same rule.
	var gr triage.Grouper
	for _, f := range m.opts.Collection.Findings() {
		gr.Add(&f)
	}
	cli := triage.Fold(gr.Groups(), triage.DefaultFold)
	var a, b []string
	for _, g := range cli {
		a = append(a, g.Key.String())
	}
	for _, r := range m.queue.rows {
		b = append(b, r.g.Key.String())
	}
	if !slices.Equal(a, b) {
		t.Errorf("console rows %v\nCLI groups %v", b, a)
	}
}

// TestCampaignExpand: enter lists the members under the campaign, each
// opens as a normal group, ← collapses (from a member too), F stops
// folding and starts again.
func TestCampaignExpand(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		rows  int
		view  viewID
		front string // in the view
	}{
		{"enter expands", []string{"enter"}, waveGroups - waveSources + 1 + waveSources, viewQueue, "▿ campaign · 300 sources"},
		{"right expands", []string{"right"}, waveGroups - waveSources + 1 + waveSources, viewQueue, "  198.18.0.1"},
		{"member opens as a group", []string{"enter", "j", "enter"}, 0, viewGroup, "detectors appsensor:AE11"},
		{"enter on an expanded campaign opens it", []string{"enter", "enter"}, 0, viewGroup, "why folded on AE11: login without field remember"},
		{"left on a member collapses its campaign", []string{"enter", "j", "j", "left"}, waveGroups - waveSources + 1, viewQueue, "▸  MED "},
		{"left collapses", []string{"enter", "left"}, waveGroups - waveSources + 1, viewQueue, "▹ campaign"},
		{"F lists every group", []string{"F"}, waveGroups, viewQueue, "308 groups ·"},
		{"F twice folds again", []string{"F", "F"}, waveGroups - waveSources + 1, viewQueue, "(1 campaign of 300)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := consoleAt(t, waveOptions(nil), 160, 40)
			rowAt(t, m, isCampaign)
			keys(m, tc.keys...)
			if m.view != tc.view {
				t.Fatalf("view %d, want %d", m.view, tc.view)
			}
			if tc.view == viewQueue && len(m.queue.rows) != tc.rows {
				t.Errorf("%d rows, want %d", len(m.queue.rows), tc.rows)
			}
			if v := m.View(); !strings.Contains(v, tc.front) {
				t.Errorf("view lacks %q:\n%s", tc.front, v)
			}
		})
	}
}

// TestCampaignDetail: the campaign's view says which signature folded it
// and with what thresholds, its spread, and lists every member's
// findings; the checklist is its detectors'.
func TestCampaignDetail(t *testing.T) {
	m := consoleAt(t, waveOptions(nil), 160, 40)
	rowAt(t, m, isCampaign)
	keys(m, "c")
	if m.view != viewGroup || m.group.group.Campaign == nil {
		t.Fatalf("c did not open the campaign")
	}
	if len(m.group.all) != waveSources {
		t.Errorf("%d findings, want every member's %d", len(m.group.all), waveSources)
	}
	v := m.View()
	for _, want := range []string{"campaign · 300 sources · AE11", "folded on AE11: login without field remember", "≥5 groups, gaps ≤30m",
		"spread 2 networks", "4 ASNs", "3 countries", "3 user agents", "1/300"} {
		if !strings.Contains(v, want) {
			t.Errorf("campaign view lacks %q:\n%s", want, v)
		}
	}
}

// TestCampaignStatusAndNote: a status or a note on the campaign reaches
// every member in one bulk write, and with --es goes back to every
// member's alerts in one call.
func TestCampaignStatusAndNote(t *testing.T) {
	store := &bulkStore{memStore: newMemStore()}
	es := &fakeES{}
	o := waveOptions(store)
	var alerts []*triage.Alert
	for _, f := range o.Collection.Findings()[:3] {
		alerts = append(alerts, &triage.Alert{UUID: "u-" + f.SourceIP.String(), RuleID: "r", RuleName: "AE11 in Kibana", Severity: triage.Medium,
			Status: triage.StatusOpen, Timestamp: f.Timestamp, SourceIP: f.SourceIP, UserAgent: f.UserAgent})
	}
	o.Alerts = &AlertSource{Pull: func(_ context.Context, fn func(*triage.Alert) error) error {
		for _, a := range alerts {
			if err := fn(a); err != nil {
				return err
			}
		}
		return nil
	}, SetStatus: es.setStatus}
	m := consoleAt(t, o, 160, 40)
	camp := rowAt(t, m, isCampaign).g
	keys(m, "s")
	bs := store.bulks()
	if len(bs) != 1 || bs[0].Status != casefile.StatusAcknowledged || len(bs[0].Targets) != waveSources+1 {
		t.Fatalf("bulk writes %d; want one acknowledging the campaign and its %d members", len(bs), waveSources)
	}
	if bs[0].Targets[0].Key != camp.Key || len(bs[0].Targets[0].Members) != waveSources || len(bs[0].Targets[0].Findings) != waveSources ||
		!strings.HasPrefix(bs[0].Targets[0].Title, "campaign · 300 sources") {
		t.Errorf("campaign target %+v", bs[0].Targets[0].Key)
	}
	for _, mk := range camp.Campaign.Members {
		if statusOr(m.status, mk) != casefile.StatusAcknowledged {
			t.Fatalf("member %s is %s", mk, statusOr(m.status, mk))
		}
	}
	if calls := es.got(); len(calls) != 1 || !strings.HasPrefix(calls[0], "acknowledged ") || strings.Count(calls[0], "u-") != 3 {
		t.Errorf("write-back %v, want one call for the members' 3 alerts", calls)
	}

	keys(m, "n")
	if m.modal != modalEditor || !strings.Contains(m.View(), "and its 300 groups") {
		t.Fatalf("n on a campaign:\n%s", m.View())
	}
	typeText(m, "one credential-stuffing wave")
	keys(m, "ctrl+s")
	bs = store.bulks()
	if len(bs) != 2 || bs[1].Note != "one credential-stuffing wave" || len(bs[1].Targets) != waveSources+1 {
		t.Fatalf("note write %+v", bs[len(bs)-1].Note)
	}
}

// TestRegroup: G groups by the chain picked, every level with its counts;
// the last level is what picket detect --group-by prints; nested levels
// expand in place and collapse; d and enter go back to the default.
func TestRegroup(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string // in the picker, from the default chain
		by    triage.GroupBy
		top   []string // the top rows' values, in order
		after []string // keys in the queue after
		rows  int
	}{
		{"user.name", []string{"space", "j", "space", "j", "space"}, triage.GroupBy{"user.name"}, nil, nil, 43}, // 40 customers, anna, bob, and (none) for findings without a user
		{"url.path", []string{"space", "j", "space", "j", "j", "space"}, triage.GroupBy{"url.path"}, []string{"/item", "/login", "/admin"}, nil, 3},
		{"url.path › user.name, expanded", []string{"space", "j", "space", "j", "j", "space", "k", "space"}, triage.GroupBy{"url.path", "user.name"},
			[]string{"/item", "/login", "/admin"}, []string{"j", "right"}, 3 + 42},
		{"url.path › user.name › source.ip, two levels open", []string{"space", "j", "space", "j", "j", "space", "k", "space", "k", "k", "space"},
			triage.GroupBy{"url.path", "user.name", "source.ip"}, []string{"/item", "/login", "/admin"}, []string{"right", "j", "right"}, 3 + 1 + 1},
		{"detector", []string{"space", "j", "space", "j", "j", "j", "space"}, triage.GroupBy{"detector"}, nil, nil, 5},
		{"typed field", []string{"space", "j", "space", "end"}, triage.GroupBy{"http.request.method"}, []string{"GET", "POST", "TRACK"}, nil, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := consoleAt(t, waveOptions(nil), 160, 40)
			keys(m, "G")
			if m.modal != modalRegroup {
				t.Fatal("G did not open the picker")
			}
			keys(m, tc.keys...)
			if tc.name == "typed field" {
				typeText(m, "http.request.method")
				keys(m, "enter")
			}
			keys(m, "enter")
			if m.modal != modalNone || !slices.Equal(m.snap.gp.by, tc.by) {
				t.Fatalf("grouped by %v (modal %d, picker %v %q), want %v", m.snap.gp.by, m.modal, m.picker.chain, m.picker.err, tc.by)
			}
			keys(m, tc.after...)
			if len(m.queue.rows) != tc.rows {
				t.Errorf("%d rows, want %d", len(m.queue.rows), tc.rows)
			}
			if tc.top != nil {
				var top []string
				for _, r := range m.queue.rows {
					if r.depth == 0 {
						ps := r.g.Key.Pairs()
						top = append(top, ps[0].Value)
					}
				}
				if !slices.Equal(top, tc.top) {
					t.Errorf("top rows %v, want %v", top, tc.top)
				}
			}
			// The last level is picket detect --group-by's groups.
			gr := triage.Grouper{By: tc.by, Event: m.opts.Collection.Event}
			for _, f := range m.opts.Collection.Findings() {
				gr.Add(&f)
			}
			want := map[triage.GroupKey]int{}
			for _, g := range gr.Groups() {
				want[g.Key] = g.Findings
			}
			got := map[triage.GroupKey]int{}
			var walk func(gs []*triage.Group)
			walk = func(gs []*triage.Group) {
				for _, g := range gs {
					if ks, ok := m.snap.kids[g.Key]; ok {
						walk(ks)
					} else {
						got[g.Key] = g.Findings
					}
				}
			}
			walk(m.snap.groups)
			if len(got) != len(want) {
				t.Errorf("%d leaf groups, the CLI has %d", len(got), len(want))
			}
			for k, n := range want {
				if got[k] != n {
					t.Errorf("group %s: %d findings, the CLI has %d", k, got[k], n)
				}
			}
			if v := m.View(); !strings.Contains(v, strings.ToUpper(strings.Join(tc.by, " › "))) {
				t.Errorf("no key column:\n%s", v)
			}
			keys(m, "G", "d", "enter")
			if !m.snap.gp.isDefault() || len(m.queue.rows) != waveGroups-waveSources+1 {
				t.Errorf("back to the default: %v, %d rows", m.snap.gp.by, len(m.queue.rows))
			}
		})
	}
}

// TestRegroupLevelsAreCases: status, notes and ticks work at every level:
// a row is a case target by its key, and the case file records the chain.
func TestRegroupLevelsAreCases(t *testing.T) {
	dir := t.TempDir()
	file, err := casefile.Open(context.Background(), filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	store := &bulkStore{memStore: newMemStore(), file: file}
	m := consoleAt(t, waveOptions(store), 160, 40)
	keys(m, "G", "space", "j", "space", "j", "j", "space", "k", "space", "enter") // url.path › user.name
	row := rowAt(t, m, func(g *triage.Group) bool {
		v, _ := keyField(g.Key, "url.path")
		return v == "/login" && g.Key.By == "url.path"
	})
	keys(m, "right", "j") // the first user under /login
	inner, _ := m.queue.row()
	if inner.depth != 1 || inner.g.Key.By != "url.path,user.name" {
		t.Fatalf("row under /login: %+v", inner.g.Key)
	}
	slowKeys(m, "s")
	st, ok, _ := store.AlertStatus(context.Background(), alertID(inner.g.Key))
	if !ok || st.Status != casefile.StatusAcknowledged {
		t.Errorf("status of %s: %+v", inner.g.Key, st)
	}
	if statusOr(m.status, row.g.Key) != casefile.StatusOpen {
		t.Errorf("the level above changed too")
	}
	keys(m, "n")
	typeText(m, "these are real customers")
	slowKeys(m, "ctrl+s")
	notes, _ := store.Notes(context.Background(), casefile.TargetGroup, inner.g.Key.String())
	if len(notes) != 1 {
		t.Errorf("notes on %s: %v", inner.g.Key, notes)
	}
	// A bulk status on the level above makes a case recording its chain.
	slowKeys(m, "k", "space", "s", "c")
	c, ok, err := file.CaseByKey(context.Background(), row.g.Key.String())
	if err != nil || !ok || c.GroupBy != "url.path" || c.Status != casefile.StatusClosed || c.Title != "url.path /login" {
		t.Errorf("case of %s: %+v %v %v", row.g.Key, c, ok, err)
	}
}

// TestRegroupEscapesAttackerText: values of another chain come from
// events and are escaped in the key column, the header and messages.
func TestRegroupEscapesAttackerText(t *testing.T) {
	m := consoleAt(t, testOptions(t, newMemStore()), 120, 30)
	keys(m, "G", "space", "enter") // user_agent.original alone
	if !slices.Equal(m.snap.gp.by, triage.GroupBy{"user_agent.original"}) {
		t.Fatalf("grouped by %v", m.snap.gp.by)
	}
	rowAt(t, m, func(g *triage.Group) bool { v, _ := keyField(g.Key, "user_agent.original"); return v == hostileUA })
	keys(m, "s")
	for _, v := range []string{m.View(), func() string { keys(m, "enter"); return m.View() }()} {
		if strings.ContainsRune(v, 0x1b) || strings.ContainsRune(v, '\u202e') {
			t.Errorf("raw attacker text on screen:\n%q", v)
		}
		if !strings.Contains(v, `\x1b[31mevil\u202ebot`) {
			t.Errorf("escaped user agent missing:\n%s", v)
		}
	}
}

// wavePlaybooks gives AE11 one step about the client's users in the hour
// before the finding.
type wavePlaybooks struct{}

func (wavePlaybooks) For(id string) (playbooks.Playbook, bool) {
	if id != "appsensor:AE11" {
		return playbooks.Playbook{}, false
	}
	return testPlaybook(id, "Login body",
		playbooks.Section{Kind: playbooks.Investigation, Items: []playbooks.Item{
			{ID: "inv-users", Text: "Which accounts did the client use?", Action: action(`values field=user.name window=1h`)},
		}},
	), true
}

// TestCampaignStepAnswersTheWave: a step run on the campaign answers over
// every member up to the wave's last finding: the 300 sources' logins,
// not the first member's one.
func TestCampaignStepAnswersTheWave(t *testing.T) {
	o := waveOptions(nil)
	o.Playbooks = wavePlaybooks{}
	m := consoleAt(t, o, 160, 40)
	rowAt(t, m, isCampaign)
	keys(m, "enter", "enter", "c")
	det, s, ok := m.group.check.selected()
	if !ok || s.ID != "inv-users" {
		t.Fatalf("checklist on %v", s)
	}
	keys(m, "enter")
	res := m.group.check.results[stepKey{det, "inv-users"}]
	if res.pending || !strings.Contains(res.text, "300 events from the campaign's 300 groups") {
		t.Errorf("answer %q, want the 300 members' events", res.text)
	}
}

// TestFoldKeepsTheCursor: F unfolds with the cursor on the campaign's
// first member, and folds again with it on the campaign.
func TestFoldKeepsTheCursor(t *testing.T) {
	m := consoleAt(t, waveOptions(nil), 160, 40)
	c := rowAt(t, m, isCampaign).g
	m.queue.moved = true
	keys(m, "F")
	first := -1
	for i, r := range m.queue.rows {
		if slices.Contains(c.Campaign.Members, r.g.Key) {
			first = i
			break
		}
	}
	if m.queue.list.cursor != first {
		t.Fatalf("unfolded: cursor on row %d, want the campaign's first member in the queue, row %d", m.queue.list.cursor, first)
	}
	keys(m, "F")
	if got, _ := m.queue.selected(); got.Campaign == nil {
		t.Errorf("folded again: cursor on %v, want the campaign", got.Key)
	}
}

// longStepPlaybooks gives AE11 a step whose words cannot fit a line.
type longStepPlaybooks struct{}

const longStep = "Which accounts did the client use, and did any of them log in from an address or a country it never used before the wave began? zebra-end"

func (longStepPlaybooks) For(id string) (playbooks.Playbook, bool) {
	if id != "appsensor:AE11" {
		return playbooks.Playbook{}, false
	}
	return testPlaybook(id, "Login body",
		playbooks.Section{Kind: playbooks.Investigation, Items: []playbooks.Item{
			{ID: "inv-long", Text: longStep, Action: action(`values field=user.name query="url.path:/login" window=1h`)},
		}},
	), true
}

// TestSelectedStepShowsItsWords: a step whose line is cut shows its words
// and its action in full under it when selected.
func TestSelectedStepShowsItsWords(t *testing.T) {
	o := waveOptions(nil)
	o.Playbooks = longStepPlaybooks{}
	m := consoleAt(t, o, 120, 40)
	rowAt(t, m, isCampaign)
	keys(m, "enter", "enter")
	if v := m.View(); strings.Contains(v, "zebra-end") {
		t.Fatalf("the line was not cut, the test proves nothing:\n%s", v)
	}
	keys(m, "c")
	v := m.View()
	for _, want := range []string{"zebra-end", "window=1h"} {
		if !strings.Contains(v, want) {
			t.Errorf("the selected step does not show %q:\n%s", want, v)
		}
	}
}

// TestUnfoldLandsOnTheFirstRow: unfolded, the cursor is on the member the
// queue lists first (the one that ranks highest), which need not be the
// first the campaign folded.
func TestUnfoldLandsOnTheFirstRow(t *testing.T) {
	c := triage.NewCollection(0)
	for i := range 6 {
		ip := netip.AddrFrom4([4]byte{198, 18, 0, byte(i + 1)})
		n := 1
		if i == 5 {
			n = 3 // the last to come ranks first: most findings
		}
		for j := range n {
			c.AddFinding(triage.Finding{Detector: "appsensor:AE11", Severity: triage.Medium, RiskScore: 47,
				Timestamp: waveStart.Add(time.Duration(i)*time.Minute + time.Duration(j)*time.Second), SourceIP: ip, UserAgent: "ua",
				Reason: "login without field remember", Evidence: triage.RefsFromIDs([]string{"e"}), EventCount: 1})
		}
	}
	c.Seal()
	o := waveOptions(nil)
	o.Collection = c
	m := consoleAt(t, o, 160, 40)
	rowAt(t, m, isCampaign)
	m.queue.moved = true
	keys(m, "F")
	if got, _ := m.queue.selected(); got.Key.SourceIP != netip.AddrFrom4([4]byte{198, 18, 0, 6}) || m.queue.list.cursor != 0 {
		t.Errorf("unfolded: cursor on row %d (%v), want row 0, the member with 3 findings", m.queue.list.cursor, got.Key)
	}
}

// TestRegroupedRowStepAnswersItsClients: a row of another grouping (here
// one user, tried from several clients) answers "this client" steps for
// every client under it, as a campaign does for its members: the truth
// is counted from the planted events.
func TestRegroupedRowStepAnswersItsClients(t *testing.T) {
	o := waveOptions(nil)
	o.Playbooks = wavePlaybooks{}
	m := consoleAt(t, o, 160, 40)
	keys(m, "G", "space", "j", "space", "j", "space", "enter") // user.name
	if !slices.Equal(m.snap.gp.by, triage.GroupBy{"user.name"}) {
		t.Fatalf("grouped by %v", m.snap.gp.by)
	}
	const user = "customer007"
	row := rowAt(t, m, func(g *triage.Group) bool { return len(g.Key.Pairs()) == 1 && g.Key.Pairs()[0].Value == user })
	// The truth: the clients whose findings name the user, and their
	// events from the hour before the row's last finding.
	clients := map[triage.GroupKey]bool{}
	for _, f := range m.opts.Collection.Findings() {
		if f.UserName == user {
			clients[triage.GroupKey{SourceIP: f.SourceIP, UserAgent: f.UserAgent}] = true
		}
	}
	events := 0
	m.opts.Collection.EachEvent(func(ev *triage.Event) bool {
		if clients[triage.GroupKey{SourceIP: ev.SourceIP, UserAgent: ev.UserAgent}] &&
			!ev.Timestamp.After(row.g.LastSeen) && ev.Timestamp.After(row.g.LastSeen.Add(-time.Hour)) {
			events++
		}
		return true
	})
	if len(clients) < 2 {
		t.Fatalf("%d clients under %s: the test needs several", len(clients), user)
	}
	keys(m, "enter", "c")
	det, s, ok := m.group.check.selected()
	if !ok || s.ID != "inv-users" {
		t.Fatalf("checklist on %v", s)
	}
	keys(m, "enter")
	res := m.group.check.results[stepKey{det, "inv-users"}]
	want := fmt.Sprintf("%s from the row's %d clients", plural(events, "event"), len(clients))
	if res.pending || !strings.Contains(res.text, want) {
		t.Errorf("answer %q, want %q", res.text, want)
	}
}

// TestAllowOnARegroupedRow: a on a row of another grouping proposes the
// row's own value (a user, a URL path) with a count of what it would
// hide; on a campaign it says how to allowlist its members instead of
// opening an empty form.
func TestAllowOnARegroupedRow(t *testing.T) {
	m := consoleAt(t, waveOptions(nil), 160, 40)
	rowAt(t, m, isCampaign)
	keys(m, "a")
	if m.modal != modalNone || !strings.Contains(m.statusLine(), "a campaign has many addresses") {
		t.Errorf("a on a campaign: modal %d, status %q", m.modal, m.statusLine())
	}
	keys(m, "G", "space", "j", "space", "j", "space", "enter") // user.name
	const user = "customer007"
	rowAt(t, m, func(g *triage.Group) bool { return len(g.Key.Pairs()) == 1 && g.Key.Pairs()[0].Value == user })
	keys(m, "a")
	if m.modal != modalDialog || m.dialog.field != triage.AllowUser || m.dialog.valueText() != user {
		t.Fatalf("dialog %d: field %q value %q; want user %s", m.modal, m.dialog.field, m.dialog.valueText(), user)
	}
	want := 0
	for _, f := range m.opts.Collection.Findings() {
		if f.UserName == user {
			want++
		}
	}
	if v := m.View(); !strings.Contains(v, "would suppress "+plural(want, "finding")) {
		t.Errorf("no count of the %d findings of %s:\n%s", want, user, v)
	}
}
