package casefile

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// StepAnswer is the answer of one checklist step's action for one target
// (a group, by its key): the answer as data, in words, and what it
// covered. The case file keeps the latest answer per detector, target and
// step; it survives a re-run of the detectors and goes into the exports.
type StepAnswer struct {
	DetectorID string // detector whose playbook the step belongs to
	TargetKey  string // what was triaged: a group key (triage.GroupKey.String())
	ItemID     string // playbook step id
	// Action is the step's action in its text form, as run.
	Action string
	// Run names the run of the detectors whose events answered it; the
	// console compares it with its own to mark answers of earlier runs.
	Run string
	At  time.Time // when it was answered; zero means now
	By  string    // analyst who ran the step
	// Summary is the answer in the words the console showed (one line).
	Summary string
	// Error says why the action could not answer; Data is then {}.
	Error string
	// Data is the answer as playbooks/run returned it, as a JSON object
	// (see docs/case-schema.md); empty means {}.
	Data     json.RawMessage
	Coverage AnswerCoverage
}

// AnswerCoverage is which events an answer walked.
type AnswerCoverage struct {
	Scope  string        // source, ip, user, session or site; "" when no events were walked (allowlist-check)
	Actor  string        // what the scope was narrowed to (an address, a user); "" for source and site
	Window time.Duration // look-back from the finding; 0 means the whole run
	// From and To bound the window; zero when Window is 0.
	From, To time.Time
	// Partial says the run had stopped keeping events at its cap: the
	// answer is over the Kept events only.
	Partial bool
	Kept    int
}

// SetStepAnswer stores a step's answer, replacing the one kept for the
// same detector, target and step.
func (s *Store) SetStepAnswer(ctx context.Context, a StepAnswer) error {
	data := a.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	if !json.Valid(data) {
		return fmt.Errorf("casefile: set step answer %s/%s/%s: data is not JSON", a.DetectorID, a.TargetKey, a.ItemID)
	}
	c := a.Coverage
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO step_answers (detector_id, target_key, item_id, action, run_id, answered_at, answered_by,
			   summary, error, data, scope, actor, window_ms, from_at, to_at, partial, events_kept)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT (detector_id, target_key, item_id) DO UPDATE SET
			   action = excluded.action, run_id = excluded.run_id, answered_at = excluded.answered_at,
			   answered_by = excluded.answered_by, summary = excluded.summary, error = excluded.error,
			   data = excluded.data, scope = excluded.scope, actor = excluded.actor, window_ms = excluded.window_ms,
			   from_at = excluded.from_at, to_at = excluded.to_at, partial = excluded.partial,
			   events_kept = excluded.events_kept`,
			a.DetectorID, a.TargetKey, a.ItemID, a.Action, a.Run, orNow(a.At), a.By,
			a.Summary, a.Error, string(data), c.Scope, c.Actor, c.Window.Milliseconds(),
			nullMillis(c.From), nullMillis(c.To), c.Partial, c.Kept)
		return err
	})
	if err != nil {
		return fmt.Errorf("casefile: set step answer %s/%s/%s: %w", a.DetectorID, a.TargetKey, a.ItemID, err)
	}
	return nil
}

// StepAnswers returns every answer kept for one target, by detector and
// step.
func (s *Store) StepAnswers(ctx context.Context, targetKey string) ([]StepAnswer, error) {
	return s.queryAnswers(ctx, "target "+targetKey, `WHERE target_key = ?`, targetKey)
}

// CaseAnswers returns the answers that belong to the case: those on its
// group and on the findings and alerts linked to it, by detector and
// step (the same targets as CaseChecklist).
func (s *Store) CaseAnswers(ctx context.Context, c Case) ([]StepAnswer, error) {
	return s.queryAnswers(ctx, fmt.Sprintf("case %d", c.ID),
		`WHERE target_key = ?2
		    OR target_key IN (SELECT item_key FROM case_items WHERE case_id = ?1 AND item_kind IN ('finding', 'alert'))
		    OR target_key = 'case:' || ?1`, c.ID, c.Key)
}

func (s *Store) queryAnswers(ctx context.Context, what, where string, args ...any) ([]StepAnswer, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT detector_id, target_key, item_id, action, run_id, answered_at, answered_by, summary, error, data,
		   scope, actor, window_ms, from_at, to_at, partial, events_kept
		 FROM step_answers `+where+` ORDER BY detector_id, item_id, target_key`, args...)
	if err != nil {
		return nil, fmt.Errorf("casefile: %s answers: %w", what, dbErr(err))
	}
	defer rows.Close()
	var out []StepAnswer
	for rows.Next() {
		var (
			a          StepAnswer
			at, window int64
			from, to   sql.NullInt64
			data       string
		)
		if err := rows.Scan(&a.DetectorID, &a.TargetKey, &a.ItemID, &a.Action, &a.Run, &at, &a.By, &a.Summary, &a.Error, &data,
			&a.Coverage.Scope, &a.Coverage.Actor, &window, &from, &to, &a.Coverage.Partial, &a.Coverage.Kept); err != nil {
			return nil, fmt.Errorf("casefile: %s answers: %w", what, err)
		}
		a.At = fromMillis(at)
		a.Data = json.RawMessage(data)
		a.Coverage.Window = time.Duration(window) * time.Millisecond
		if from.Valid {
			a.Coverage.From = fromMillis(from.Int64)
		}
		if to.Valid {
			a.Coverage.To = fromMillis(to.Int64)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: %s answers: %w", what, dbErr(err))
	}
	return out, nil
}

// nullMillis is t in unix milliseconds, or NULL for the zero time.
func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// withAnswers puts each answer on its step of the checklist; an answer
// to a step the playbook no longer has gets a step of its own at the end,
// as a tick on such a step does. When a case covers several targets with
// answers to one step, the latest answer is kept.
func withAnswers(cs []ReportCheck, answers []StepAnswer) []ReportCheck {
	type key struct{ det, item string }
	latest := map[key]*StepAnswer{}
	var order []key
	for i := range answers {
		a := &answers[i]
		k := key{a.DetectorID, a.ItemID}
		prev, ok := latest[k]
		if !ok {
			order = append(order, k)
		}
		if !ok || a.At.After(prev.At) {
			latest[k] = a
		}
	}
	used := map[key]bool{}
	for i := range cs {
		k := key{cs[i].Detector, cs[i].ItemID}
		if a, ok := latest[k]; ok && !used[k] {
			ans := *a
			cs[i].Answer, used[k] = &ans, true
		}
	}
	for _, k := range order {
		if !used[k] {
			ans := *latest[k]
			cs = append(cs, ReportCheck{Detector: k.det, ItemID: k.item, Answer: &ans})
		}
	}
	return cs
}
