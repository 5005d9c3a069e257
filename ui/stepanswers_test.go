package ui

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"picket/casefile"
	"picket/playbooks/run"
	"picket/triage"
)

// answerStore is memStore that also keeps step answers, as the case file
// does: the latest per detector, target and step.
type answerStore struct {
	*memStore
	mu      sync.Mutex
	answers map[[3]string]casefile.StepAnswer
}

var _ StepAnswerStore = (*answerStore)(nil)

func newAnswerStore() *answerStore {
	return &answerStore{memStore: newMemStore(), answers: map[[3]string]casefile.StepAnswer{}}
}

func (s *answerStore) SetStepAnswer(_ context.Context, a casefile.StepAnswer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[[3]string{a.DetectorID, a.TargetKey, a.ItemID}] = a
	return nil
}

func (s *answerStore) StepAnswers(_ context.Context, target string) ([]casefile.StepAnswer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []casefile.StepAnswer
	for k, a := range s.answers {
		if k[1] == target {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *answerStore) get(det, target, item string) (casefile.StepAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.answers[[3]string{det, target, item}]
	return a, ok
}

// TestStepAnswersKept: an answer is kept as data and in words with its
// coverage; reopening the group shows it again as this run's; after a
// re-run (another collection) it is marked as from an earlier run, and
// running the step again replaces it.
func TestStepAnswersKept(t *testing.T) {
	store := newAnswerStore()
	o := actionOptions(t, nil)
	o.Store, o.Suppressions = store, store.memStore
	m := consoleAt(t, o, 120, 40)
	toStep(t, m, "inv-values")
	keys(m, "enter")
	shown := m.group.check.results[stepKey{actDet, "inv-values"}].text
	target := groupTarget(m.group.group.Key)
	kept, ok := store.get(actDet, target, "inv-values")
	if !ok {
		t.Fatalf("no answer kept; answers %v", store.answers)
	}
	var data struct {
		Kind   string
		Values *struct{ Field string }
	}
	if err := json.Unmarshal(kept.Data, &data); err != nil || data.Kind != "values" || data.Values == nil || data.Values.Field != "url.path" {
		t.Fatalf("data %s: %v", kept.Data, err)
	}
	if kept.Summary != shown || kept.Action != "values field=url.path window=1h" || kept.By != "ana" || !kept.At.Equal(fixedNow) ||
		kept.Run != runToken(o.Collection) || kept.Coverage.Scope != "source" || kept.Coverage.Window != time.Hour ||
		!strings.Contains(string(kept.Data), `"field":"url.path"`) {
		t.Errorf("kept %+v (shown %q)", kept, shown)
	}

	reopen := func() actionResult {
		toQueue(t, m)
		keys(m, "c")
		return m.group.check.results[stepKey{actDet, "inv-values"}]
	}
	if r := reopen(); r.text != shown || r.earlier != "" {
		t.Errorf("reopened in the same run: %+v, want %q unmarked", r, shown)
	}
	m.opts.Collection = actionCollection(t) // what a re-run does
	r := reopen()
	if r.text != shown || r.earlier != "(earlier run, 03-15 12:00)" {
		t.Errorf("after a re-run: %+v", r)
	}
	if v := m.View(); !strings.Contains(v, "(earlier run, 03-15 12:00) "+shown[:20]) {
		t.Errorf("the view does not show the earlier answer:\n%s", v)
	}
	toStep(t, m, "inv-values")
	keys(m, "enter")
	if r := m.group.check.results[stepKey{actDet, "inv-values"}]; r.earlier != "" || r.pending {
		t.Errorf("run again: %+v", r)
	}
	if kept, _ := store.get(actDet, target, "inv-values"); kept.Run != runToken(m.opts.Collection) {
		t.Errorf("the answer of the new run did not replace the old: %+v", kept)
	}
}

// TestKeptErrorsOfEarlierRuns: why a step could not answer is shown again
// in the run it happened in, not after a re-run.
func TestKeptErrorsOfEarlierRuns(t *testing.T) {
	store := newAnswerStore()
	o := actionOptions(t, nil)
	o.Store, o.Suppressions = store, store.memStore
	m := consoleAt(t, o, 120, 40)
	toStep(t, m, "resp-bad")
	keys(m, "enter")
	k := stepKey{actDet, "resp-bad"}
	if m.group.check.results[k].err == "" {
		t.Fatal("the step answered")
	}
	toQueue(t, m)
	keys(m, "c")
	if r, ok := m.group.check.results[k]; !ok || r.err == "" {
		t.Errorf("same run: %+v", r)
	}
	m.opts.Collection = actionCollection(t)
	toQueue(t, m)
	keys(m, "c")
	if r, ok := m.group.check.results[k]; ok {
		t.Errorf("an earlier run's error shown: %+v", r)
	}
}

// toQueue goes back to the queue.
func toQueue(t *testing.T, m *model) {
	t.Helper()
	for range 3 {
		if m.view == viewQueue {
			return
		}
		keys(m, "esc")
	}
	t.Fatalf("esc did not lead back to the queue (view %d)", m.view)
}

func TestRoutesText(t *testing.T) {
	cov := run.Coverage{Scope: "source", Window: 24 * time.Hour}
	tests := []struct {
		name string
		rc   run.RouteCounts
		top  int
		want string
	}{
		{"share", run.RouteCounts{Matched: 88, Coverage: cov, Routes: []run.RouteShare{
			{Route: "GET /products/:id", Requests: 84, Site: 95, Addresses: 4},
			{Route: "GET /api/prices", Requests: 4, Site: 4, Addresses: 1}}}, 0,
			"= GET /products/:id 84 of 95 (88%, 4 addresses) · GET /api/prices 4 of 4 (100%, 1 address) — 88 requests from this source in the 24h before the finding"},
		{"top and a sliver", run.RouteCounts{Matched: 3, NoRoute: 1, Coverage: cov, Routes: []run.RouteShare{
			{Route: "GET /", Requests: 1, Site: 400, Addresses: 90}, {Route: "GET /cart", Requests: 1, Site: 2, Addresses: 2}}}, 1,
			"= GET / 1 of 400 (<1%, 90 addresses) +1 more — 2 requests from this source in the 24h before the finding"},
		{"nothing", run.RouteCounts{Coverage: cov}, 0, "= no matching events from this source in the 24h before the finding"},
		{"no requests", run.RouteCounts{Matched: 2, NoRoute: 2, Coverage: cov}, 0,
			"= none of the 2 matching events is a request from this source in the 24h before the finding"},
		{"hostile route", run.RouteCounts{Matched: 1, Coverage: cov, Routes: []run.RouteShare{{Route: "GET /\x1b[2J", Requests: 1, Site: 1, Addresses: 1}}}, 0,
			`= GET /\x1b[2J 1 of 1 (100%, 1 address) — 1 request from this source in the 24h before the finding`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := routesText(tc.rc, tc.top); got != tc.want {
				t.Errorf("routesText =\n %q\nwant\n %q", got, tc.want)
			}
		})
	}
}

func TestRunTokens(t *testing.T) {
	a, b := triage.NewCollection(0), triage.NewCollection(0)
	if runToken(a) == "" || runToken(a) != runToken(a) || runToken(a) == runToken(b) || runToken(nil) != "" {
		t.Errorf("tokens %q %q %q", runToken(a), runToken(b), runToken(nil))
	}
}
