package ui

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"picket/casefile"
	"picket/playbooks"
	"picket/triage"
)

// shippedPlaybooks are the playbooks Picket ships, as the console gets
// them.
type shippedPlaybooks struct{}

func (shippedPlaybooks) For(id string) (playbooks.Playbook, bool) { return playbooks.For(id) }

// bruteDets are the detectors of issue 12's brute-force group.
var bruteDets = []string{"appsensor:AE2", "appsensor:AE3", "appsensor:AE11", "appsensor:RE6"}

const bruteIP, bruteUA = "198.51.100.66", "python-requests/2.31"

// bruteForceOptions is a console on one group hit by the four detectors,
// with the shipped playbooks.
func bruteForceOptions(tb testing.TB, store *memStore) Options {
	c := triage.NewCollection(0)
	for i, d := range bruteDets {
		at := t0.Add(time.Duration(i) * time.Minute)
		ev := &triage.Event{ID: fmt.Sprintf("bf-%d", i), Timestamp: at, SourceIP: netip.MustParseAddr(bruteIP), UserAgent: bruteUA,
			Method: "POST", StatusCode: 401, URLPath: "/login",
			Raw: fmt.Appendf(nil, `{"@timestamp":%q,"source":{"ip":%q},"url":{"path":"/login"}}`, at.Format(time.RFC3339), bruteIP)}
		c.AddEvent(ev)
		c.AddFinding(triage.Finding{Detector: d, Title: "login abuse", Severity: triage.High, RiskScore: 60, Timestamp: at,
			SourceIP: ev.SourceIP, UserAgent: bruteUA, Reason: "planted " + d, Evidence: cite(c, ev.ID), EventCount: 1})
	}
	o := testOptions(tb, store)
	o.Collection, o.Playbooks = c, shippedPlaybooks{}
	return o
}

// bruteTarget is the group's key in the case file.
func bruteTarget() string {
	return groupTarget(triage.GroupKey{SourceIP: netip.MustParseAddr(bruteIP), UserAgent: bruteUA})
}

// shippedSteps is the ground truth from the content files: every
// detector's (detector, item) and the distinct questions of each section
// (an action, or a text without one).
func shippedSteps(t *testing.T) (all map[stepKey]string, distinct int) {
	t.Helper()
	all = map[stepKey]string{}
	qs := map[string]bool{}
	for _, d := range bruteDets {
		p, ok := playbooks.For(d)
		if !ok {
			t.Fatalf("no shipped playbook for %s", d)
		}
		for _, s := range p.Sections {
			for _, it := range s.Items {
				all[stepKey{d, it.ID}] = it.Text
				q := string(s.Kind) + "|" + strings.ToLower(strings.Join(strings.Fields(it.Text), " "))
				if it.Action != nil {
					q = string(s.Kind) + "|$" + it.Action.String()
				}
				qs[q] = true
			}
		}
	}
	return all, len(qs)
}

// TestChecklistWithoutRepeats: the brute-force group's 41 steps show as
// one list in which a shared step is once, labelled with the detectors it
// serves, in section order, and no detector's step is lost.
func TestChecklistWithoutRepeats(t *testing.T) {
	all, distinct := shippedSteps(t)
	if len(all) < 41 {
		t.Fatalf("the shipped playbooks give %d steps, fewer than the 41 the issue saw", len(all))
	}
	m := consoleAt(t, bruteForceOptions(t, newMemStore()), 160, 60)
	keys(m, "c")
	c := &m.group.check
	if _, total := c.progress(); total != distinct || total >= len(all) {
		t.Fatalf("checklist has %d steps, want the %d distinct questions (of %d)", total, distinct, len(all))
	}
	t.Logf("brute-force checklist: %d steps before, %d after", len(all), len(c.steps))
	served := map[stepKey]int{}
	kinds := []playbooks.SectionKind{}
	for _, s := range c.steps {
		for _, k := range s.keys {
			served[k]++
		}
		if len(kinds) == 0 || kinds[len(kinds)-1] != s.Kind {
			kinds = append(kinds, s.Kind)
		}
	}
	for k := range all {
		if served[k] != 1 {
			t.Errorf("%v shown %d times", k, served[k])
		}
	}
	if len(served) != len(all) {
		t.Errorf("%d steps served, want %d", len(served), len(all))
	}
	if !slices.Equal(kinds, playbooks.Kinds) {
		t.Errorf("sections in order %v", kinds)
	}
	if v := m.View(); !strings.Contains(v, fmt.Sprintf("0/%d done", distinct)) || !strings.Contains(v, "AE2, AE3, AE11, RE6") {
		t.Errorf("heading:\n%s", v)
	}
	// Labels: the detectors a step serves, "all" for those all four ask.
	labels := []struct{ det, item, label string }{
		{"appsensor:AE2", "inv-success", "AE2,AE3"},
		{"appsensor:AE2", "inv-other-sources", "AE2"},
		{"appsensor:RE6", "inv-payload-points", "all"},
		{"appsensor:RE6", "inv-evidence", "AE11,RE6"},
		{"appsensor:AE11", "resp-block", "AE11"},
	}
	for _, tc := range labels {
		s := findStep(t, c, tc.det, tc.item)
		if s.label != tc.label {
			t.Errorf("%s %s labelled %q, want %q", tc.det, tc.item, s.label, tc.label)
		}
		c.goTo(s)
		if v := m.View(); !strings.Contains(v, tc.label+" · "+triage.Escape(firstWords(s.Item.Text))) {
			t.Errorf("%s %s: line without its label %q:\n%s", tc.det, tc.item, tc.label, v)
		}
	}
	// The words of the other detectors a step serves show under it.
	c.goTo(findStep(t, c, "appsensor:RE6", "fp-proxies"))
	if v := m.View(); !strings.Contains(v, "RE6 asks: Corporate proxies") {
		t.Errorf("the other wording is not shown under the selected step:\n%s", v)
	}
}

func firstWords(s string) string { return strings.Join(strings.Fields(s)[:3], " ") }

func findStep(t *testing.T, c *checklistModel, det, item string) *checkStep {
	t.Helper()
	for _, s := range c.steps {
		if slices.Contains(s.keys, stepKey{det, item}) {
			return s
		}
	}
	t.Fatalf("no step %s %s", det, item)
	return nil
}

// TestSharedStepState: a tick or a note on a shared step is recorded for
// every detector it serves; a tick or note made before under one of them
// shows on the step.
func TestSharedStepState(t *testing.T) {
	tests := []struct {
		name    string
		stored  []casefile.ChecklistItem // in the case file before
		step    stepKey
		press   []string // in the checklist, on the step
		note    string   // typed into the step-note editor after press, if set
		ticked  bool     // shown as ticked
		writes  []stepKey
		wantFor bool // every written item is Checked
		shows   []string
	}{
		{name: "tick once, recorded for both", step: stepKey{"appsensor:AE2", "inv-success"}, press: []string{"space"},
			ticked: true, wantFor: true, writes: []stepKey{{"appsensor:AE2", "inv-success"}, {"appsensor:AE3", "inv-success"}}},
		{name: "tick made before under AE3 shows",
			stored: []casefile.ChecklistItem{{DetectorID: "appsensor:AE3", ItemID: "inv-success", Checked: true, By: "bo", At: t0}},
			step:   stepKey{"appsensor:AE2", "inv-success"}, ticked: true},
		{name: "untick unticks every detector",
			stored: []casefile.ChecklistItem{{DetectorID: "appsensor:AE3", ItemID: "inv-success", Checked: true, By: "bo", At: t0}},
			step:   stepKey{"appsensor:AE2", "inv-success"}, press: []string{"space"}, ticked: false,
			writes: []stepKey{{"appsensor:AE2", "inv-success"}, {"appsensor:AE3", "inv-success"}}},
		{name: "tick on a step merged by action writes each detector's own item",
			step: stepKey{"appsensor:AE2", "inv-group"}, press: []string{"space"}, ticked: true, wantFor: true,
			writes: []stepKey{{"appsensor:AE2", "inv-group"}, {"appsensor:AE3", "inv-group"}, {"appsensor:AE11", "inv-group"}, {"appsensor:RE6", "inv-payload-points"}}},
		{name: "notes made before under two detectors both show",
			stored: []casefile.ChecklistItem{
				{DetectorID: "appsensor:AE11", ItemID: "inv-body", Note: "field remember missing", By: "bo", At: t0},
				{DetectorID: "appsensor:RE6", ItemID: "inv-evidence", Note: "header X-Forwarded-For forged", By: "ana", At: t0.Add(time.Hour)}},
			step:  stepKey{"appsensor:AE11", "inv-body"},
			shows: []string{"field remember missing", "header X-Forwarded-For forged"}},
		{name: "a step note is saved for every detector and shown in full",
			step: stepKey{"appsensor:AE2", "inv-usernames"}, press: []string{"n"},
			note:   "held-out note: the names come from the 2023 leak\nsee ticket 7781 for the full list of accounts",
			writes: []stepKey{{"appsensor:AE2", "inv-usernames"}, {"appsensor:AE3", "inv-usernames"}},
			shows:  []string{"held-out note: the names come from the 2023 leak", "see ticket 7781 for the full list of accounts"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := newMemStore()
			for _, it := range tc.stored {
				it.TargetKey = bruteTarget()
				store.SetChecklistItem(t.Context(), it)
			}
			before := len(store.items)
			m := consoleAt(t, bruteForceOptions(t, store), 160, 60)
			keys(m, "c")
			c := &m.group.check
			s := findStep(t, c, tc.step.detector, tc.step.item)
			c.goTo(s)
			keys(m, tc.press...)
			if tc.note != "" {
				typeText(m, tc.note)
				keys(m, "ctrl+s")
			}
			if got := c.merged(s).Checked; got != tc.ticked {
				t.Errorf("shown ticked=%v, want %v", got, tc.ticked)
			}
			if got, want := strings.Contains(stepLine(m, s), "[x]"), tc.ticked; got != want {
				t.Errorf("line %q: ticked %v, want %v", stepLine(m, s), got, want)
			}
			if tc.writes != nil && len(store.items) != before+len(tc.writes)-len(tc.stored) {
				t.Errorf("%d items stored, want %d", len(store.items), before+len(tc.writes)-len(tc.stored))
			}
			for _, k := range tc.writes {
				it, ok := store.items[k.detector+"|"+bruteTarget()+"|"+k.item]
				if !ok {
					t.Errorf("nothing stored for %v", k)
					continue
				}
				if tc.press[0] == "space" && it.Checked != tc.ticked {
					t.Errorf("%v stored checked=%v, want %v", k, it.Checked, tc.ticked)
				}
				if tc.note != "" && it.Note != tc.note {
					t.Errorf("%v stored note %q", k, it.Note)
				}
			}
			v := m.View()
			for _, want := range tc.shows {
				if !strings.Contains(v, want) {
					t.Errorf("the selected step does not show %q in full:\n%s", want, v)
				}
			}
			// Another detector's tick is never written for a step it
			// does not serve.
			for k := range store.items {
				det, rest, _ := strings.Cut(k, "|")
				item := rest[strings.LastIndex(rest, "|")+1:]
				findStep(t, c, det, item) // fails the test if none serves it
			}
		})
	}
}

// stepLine is the checklist's line of step s as the view draws it.
func stepLine(m *model, s *checkStep) string {
	c := &m.group.check
	for i, r := range c.rows {
		if r.step == s {
			return c.rowLine(i, false)
		}
	}
	return ""
}

// TestStepNotesInNotesPane: a note written on a checklist step is listed
// in the notes pane with the step it belongs to, whole, among the group's
// notes by time; enter on it goes to the step.
func TestStepNotesInNotesPane(t *testing.T) {
	long := "held-out note: " + strings.Repeat("the brute-forcer rotated passwords every ten tries; ", 4) + "END"
	store := newMemStore()
	store.AddNote(t.Context(), casefile.Note{TargetKind: casefile.TargetGroup, TargetKey: bruteTarget(), Body: "older group note",
		Author: "bo", Created: t0})
	m := consoleAt(t, bruteForceOptions(t, store), 120, 50)
	keys(m, "c")
	target := findStep(t, &m.group.check, "appsensor:AE2", "inv-rate")
	m.group.check.goTo(target)
	keys(m, "n")
	typeText(m, long)
	keys(m, "ctrl+s")
	// On the step's line only the start fits: the rest shows under it.
	if line := stepLine(m, target); !strings.Contains(line, "✎ held-out") || strings.Contains(line, "END") {
		t.Errorf("step line %q", line)
	}
	v := m.View()
	if !strings.Contains(v, "✎ note by ana, 2024-03-15 12:00 UTC") || !strings.Contains(v, "END") {
		t.Errorf("the note is not shown whole under its step:\n%s", v)
	}
	keys(m, "tab") // the notes pane
	if m.group.focus != paneNotes {
		t.Fatalf("focus %d", m.group.focus)
	}
	v = m.View()
	for _, want := range []string{"NOTES  2 notes (1 on checklist steps), newest first", "step note · ana · AE2,AE3",
		"on: How many login attempts did this client make in the last hour?", "END", "older group note"} {
		if !strings.Contains(v, want) {
			t.Errorf("notes pane lacks %q:\n%s", want, v)
		}
	}
	if strings.Index(v, "step note · ana") > strings.Index(v, "older group note") {
		t.Errorf("the newer step note is not listed first:\n%s", v)
	}
	if n, ok := m.group.notes.selected(); !ok || n.Body != long {
		t.Errorf("selected note %q", n.Body)
	}
	keys(m, "enter")
	if s, ok := m.group.check.selectedStep(); m.group.focus != paneChecklist || !ok || s != target {
		t.Errorf("enter on the step note: focus %d, step %v", m.group.focus, s)
	}
	// An emptied note leaves the pane.
	keys(m, "n")
	for range len(long) {
		keys(m, "backspace")
	}
	keys(m, "ctrl+s")
	if len(m.group.notes.steps) != 0 || len(m.group.notes.entries) != 1 {
		t.Errorf("after clearing: %d step notes, %d entries", len(m.group.notes.steps), len(m.group.notes.entries))
	}
}

func TestStepLabel(t *testing.T) {
	dets := []string{"appsensor:AE4", "appsensor:AE6", "appsensor:AE12", "appsensor:RE7", "appsensor:RE8"}
	with := map[string]bool{}
	for _, d := range dets {
		with[d] = true
	}
	tests := []struct {
		serves []string
		want   string
	}{
		{dets, "all"},
		{[]string{"appsensor:AE12"}, "AE12"},
		{[]string{"appsensor:AE4", "appsensor:AE6"}, "AE4,AE6"},
		{[]string{"appsensor:AE4", "appsensor:AE6", "appsensor:RE7", "appsensor:RE8"}, "all but AE12"},
	}
	for _, tc := range tests {
		if got := stepLabel(tc.serves, dets, with); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.serves, got, tc.want)
		}
	}
}

// guidePlaybooks: CIE1's checklist as testPlaybooks has it, and RE2's an
// investigation guide whose lists could not be read.
type guidePlaybooks struct{}

func (guidePlaybooks) For(id string) (playbooks.Playbook, bool) {
	if id == "appsensor:RE2" {
		p := testPlaybook(id, "Guide")
		p.Parsed, p.Guide = false, "free-form prose"
		return p, true
	}
	return testPlaybooks{}.For(id)
}

// TestUnparsedGuideInMergedList: a detector whose guide has no lists adds
// no steps to the group's one list and says where to read it.
func TestUnparsedGuideInMergedList(t *testing.T) {
	o := testOptions(t, newMemStore())
	o.Playbooks = guidePlaybooks{}
	m := consoleAt(t, o, 160, 40)
	keys(m, "c")
	v := m.View()
	for _, want := range []string{"CHECKLIST  0/3 done", "CIE1, RE2", "the investigation guide of RE2 has no checklist to tick",
		"Did any request succeed?"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if s, ok := m.group.check.selectedStep(); !ok || s.key() != (stepKey{"appsensor:CIE1", "inv-1"}) || s.label != "" {
		t.Errorf("cursor on %+v", s)
	}
	keys(m, "space")
	if done, _ := m.group.check.progress(); done != 1 {
		t.Errorf("%d done after a tick", done)
	}
}

// sharedPlaybooks: CIE1 and RE2 ask one question in other words (the
// same action) and each has steps of its own.
type sharedPlaybooks struct{}

func (sharedPlaybooks) For(id string) (playbooks.Playbook, bool) {
	switch id {
	case "appsensor:CIE1":
		return testPlaybook(id, "Injection",
			playbooks.Section{Kind: playbooks.Investigation, Items: []playbooks.Item{
				{ID: "inv-1", Text: "Did any request succeed?"},
				{ID: "inv-2", Text: "Count the requests", Action: action(`count query="source.ip:1.2.3.4"`)},
			}},
			playbooks.Section{Kind: playbooks.Response, Items: []playbooks.Item{{ID: "resp-1", Text: "Block the address"}}},
		), true
	case "appsensor:RE2":
		return testPlaybook(id, "Method",
			playbooks.Section{Kind: playbooks.Investigation, Items: []playbooks.Item{
				{ID: "inv-count", Text: "How many requests did it send?", Action: action(`count query="source.ip:1.2.3.4"`)},
			}},
			playbooks.Section{Kind: playbooks.Response, Items: []playbooks.Item{{ID: "resp-1", Text: "Block the address"}, {ID: "resp-2", Text: "Tell the owners"}}},
		), true
	}
	return playbooks.Playbook{}, false
}

// TestStepNoteGolden renders a shared step with a long note written on
// it, in the checklist and in the notes pane (regenerate with go test
// ./ui -run TestStepNoteGolden -update).
func TestStepNoteGolden(t *testing.T) {
	note := "held-out note: the count matches the WAF log\n- 3 requests answered **200**\n- see ticket `SOC-7781` for the rest of the timeline"
	tests := []struct {
		name  string
		w, h  int
		after []string
		want  string
	}{
		{"checklist_100x30", 100, 30, nil, "✎ note by ana"},
		{"checklist_80x24", 80, 24, nil, "SOC-7781"},
		{"notes_100x30", 100, 30, []string{"tab"}, "on: Count the requests"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := newMemStore()
			o := testOptions(t, store)
			o.Playbooks = sharedPlaybooks{}
			m := consoleAt(t, o, tc.w, tc.h)
			keys(m, "c", "j", "n")
			typeText(m, note)
			keys(m, "ctrl+s")
			keys(m, tc.after...)
			v := m.View()
			if !strings.Contains(v, tc.want) {
				t.Errorf("view lacks %q:\n%s", tc.want, v)
			}
			for _, k := range []string{"appsensor:CIE1|" + groupTarget(m.group.group.Key) + "|inv-2", "appsensor:RE2|" + groupTarget(m.group.group.Key) + "|inv-count"} {
				if store.items[k].Note != note {
					t.Errorf("%s: note %q", k, store.items[k].Note)
				}
			}
			teatest.RequireEqualOutput(t, []byte(v))
		})
	}
}
