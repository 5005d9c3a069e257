package casefile

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

// TestStepAnswersTable checks the table migration 0004 makes, by its
// name and columns rather than by a schema version: versions are shared
// with other changes being merged.
func TestStepAnswersTable(t *testing.T) {
	s := newStore(t)
	rows, err := s.reader.Query(`SELECT name FROM pragma_table_info('step_answers')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	want := []string{"detector_id", "target_key", "item_id", "action", "run_id", "answered_at", "answered_by", "summary",
		"error", "data", "scope", "actor", "window_ms", "from_at", "to_at", "partial", "events_kept"}
	if !reflect.DeepEqual(cols, want) {
		t.Errorf("step_answers columns %v, want %v", cols, want)
	}
}

func sampleAnswer(at time.Time) StepAnswer {
	return StepAnswer{
		DetectorID: "appsensor:AE1", TargetKey: "2001:db8::7 Mozilla/5.0", ItemID: "inv-success",
		Action: "values field=picket.login.outcome", Run: "run-1", At: at, By: "ana",
		Summary: "= failure (400) · success (2) — 402 events from this source in this run",
		Data:    json.RawMessage(`{"action":"values field=picket.login.outcome","kind":"values","values":{"field":"picket.login.outcome","values":[{"value":"failure","count":400},{"value":"success","count":2}]}}`),
		Coverage: AnswerCoverage{Scope: "source", Window: 24 * time.Hour, From: at.Add(-24 * time.Hour), To: at,
			Partial: true, Kept: 5000},
	}
}

func TestStepAnswerRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 11, 19, 22, 14, 5, 0, time.UTC)
	first := sampleAnswer(at)
	other := first
	other.ItemID, other.Summary, other.Data, other.Error = "inv-usernames", "", nil, "the finding names no user"
	other.Coverage = AnswerCoverage{}
	elsewhere := first
	elsewhere.TargetKey = "192.0.2.1 curl/8"
	for _, a := range []StepAnswer{first, other, elsewhere} {
		if err := s.SetStepAnswer(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// Answered again on a new run: the row is replaced.
	again := first
	again.Run, again.At, again.Summary = "run-2", at.Add(time.Hour), "= failure (401) · success (2)"
	if err := s.SetStepAnswer(ctx, again); err != nil {
		t.Fatal(err)
	}
	got, err := s.StepAnswers(ctx, first.TargetKey)
	if err != nil {
		t.Fatal(err)
	}
	other.Data = json.RawMessage("{}")
	want := []StepAnswer{again, other} // by step id
	if len(got) != len(want) {
		t.Fatalf("%d answers, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("answer %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if err := s.SetStepAnswer(ctx, StepAnswer{DetectorID: "d", TargetKey: "k", ItemID: "i", Data: json.RawMessage("{oops")}); err == nil {
		t.Error("invalid data stored")
	}
	if err := s.SetStepAnswer(ctx, StepAnswer{DetectorID: "d", TargetKey: "k", ItemID: "i", Data: json.RawMessage("[1]")}); err == nil {
		t.Error("data that is no object stored")
	}
	if err := s.SetStepAnswer(ctx, StepAnswer{TargetKey: "k", ItemID: "i"}); err == nil {
		t.Error("answer without a detector stored")
	}
}

// TestAnswersInExports: a case's kept answers sit on their steps in the
// report, the JSON export and the Markdown export; an answer to a step
// the playbook no longer has is still exported; attacker text in an
// answer is escaped in Markdown.
func TestAnswersInExports(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := time.Date(2026, 11, 19, 22, 14, 5, 0, time.UTC)
	key := triage.GroupKey{SourceIP: netip.MustParseAddr("2001:db8::7"), UserAgent: "Mozilla/5.0"}
	f := triage.Finding{Detector: "appsensor:AE1", Title: "usernames", Severity: triage.High, Timestamp: at,
		SourceIP: key.SourceIP, UserAgent: key.UserAgent}
	c, err := s.GroupCase(ctx, key, []triage.Finding{f}, "ana")
	if err != nil {
		t.Fatal(err)
	}
	a := sampleAnswer(at)
	a.TargetKey = key.String()
	hostile := a
	hostile.ItemID = "inv-usernames"
	hostile.Summary = "= <script>alert(1)</script> (3) · admin\x1b[2J (2)"
	gone := a
	gone.ItemID, gone.Summary = "inv-retired", "= 7 events"
	unrelated := a
	unrelated.TargetKey = "192.0.2.1 curl/8"
	unrelated.ItemID = "inv-rate"
	for _, x := range []StepAnswer{a, hostile, gone, unrelated} {
		if err := s.SetStepAnswer(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.Report(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	answered := map[string]string{}
	for _, k := range r.Checklist {
		if k.Answer != nil {
			answered[k.ItemID] = k.Answer.Summary
		}
	}
	wantAnswered := map[string]string{"inv-success": a.Summary, "inv-usernames": hostile.Summary, "inv-retired": gone.Summary}
	if !reflect.DeepEqual(answered, wantAnswered) {
		t.Errorf("answered steps %v, want %v", answered, wantAnswered)
	}

	var js bytes.Buffer
	if err := WriteJSON(&js, []Report{r}, ExportOptions{Now: at}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			Checklist []struct {
				ItemID string          `json:"item_id"`
				Answer json.RawMessage `json:"answer"`
			} `json:"checklist"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	withAnswer := 0
	for _, k := range doc.Cases[0].Checklist {
		if k.Answer == nil {
			continue
		}
		withAnswer++
		var ans struct {
			Action, Summary, Run string
			AnsweredAt           string `json:"answered_at"`
			Coverage             struct {
				Scope, Window string
				EventsKept    int `json:"events_kept"`
				Partial       bool
			}
			Data struct {
				Kind string
			}
		}
		if err := json.Unmarshal(k.Answer, &ans); err != nil {
			t.Fatal(err)
		}
		if ans.Action != a.Action || ans.Run != "run-1" || ans.AnsweredAt != "2026-11-19T22:14:05Z" || ans.Data.Kind != "values" ||
			ans.Coverage.Scope != "source" || ans.Coverage.Window != "24h0m0s" || ans.Coverage.EventsKept != 5000 || !ans.Coverage.Partial {
			t.Errorf("%s: answer %s", k.ItemID, k.Answer)
		}
	}
	if withAnswer != len(wantAnswered) {
		t.Errorf("%d steps with an answer in JSON, want %d", withAnswer, len(wantAnswered))
	}
	if bytes.Contains(js.Bytes(), []byte("\x1b")) {
		t.Error("JSON export holds a raw escape character")
	}

	var md bytes.Buffer
	if err := WriteMarkdown(&md, []Report{r}, ExportOptions{Now: at}); err != nil {
		t.Fatal(err)
	}
	out := md.String()
	for _, want := range []string{
		"  - Answer (2026-11-19T22:14:05Z by ana, over the first events only (the run kept no more)): failure (400) · success (2) — 402 events from this source in this run\n",
		"  - Answer (2026-11-19T22:14:05Z by ana, over the first events only (the run kept no more)): 7 events\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<script>") || strings.Contains(out, "\x1b") {
		t.Errorf("attacker text unescaped in Markdown:\n%s", out)
	}
	if strings.Contains(out, "inv-rate") {
		t.Errorf("another group's answer in the case:\n%s", out)
	}
}

func TestStepAnswersReadOnly(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/case.db"
	s := openTest(t, path)
	a := sampleAnswer(time.Date(2026, 11, 19, 22, 14, 5, 0, time.UTC))
	if err := s.SetStepAnswer(ctx, a); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	got, err := ro.StepAnswers(ctx, a.TargetKey)
	if err != nil || len(got) != 1 || got[0].Summary != a.Summary {
		t.Errorf("read-only answers %+v, %v", got, err)
	}
	if err := ro.SetStepAnswer(ctx, a); err == nil {
		t.Error("a read-only case file took an answer")
	}
}
