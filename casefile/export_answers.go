package casefile

import (
	"encoding/json"
	"strings"
)

// jsonAnswer is a step's kept answer in the picket.case/v1 export (the
// check's "answer"; docs/case-schema.md).
type jsonAnswer struct {
	Action     string          `json:"action"`
	TargetKey  string          `json:"target_key"`
	AnsweredAt string          `json:"answered_at"`
	AnsweredBy string          `json:"answered_by"`
	Run        string          `json:"run"`
	Summary    string          `json:"summary"`
	Error      string          `json:"error"`
	Coverage   jsonCoverage    `json:"coverage"`
	Data       json.RawMessage `json:"data"`
}

type jsonCoverage struct {
	Scope      string `json:"scope"`
	Actor      string `json:"actor"`
	Window     string `json:"window"`
	From       string `json:"from"`
	To         string `json:"to"`
	Partial    bool   `json:"partial"`
	EventsKept int    `json:"events_kept"`
}

// answerJSON is the export's form of a kept answer; nil stays nil, so a
// step never run has no "answer" key.
func answerJSON(a *StepAnswer) *jsonAnswer {
	if a == nil {
		return nil
	}
	data := a.Data
	if len(data) == 0 || !json.Valid(data) {
		data = json.RawMessage("{}")
	}
	c := a.Coverage
	window := ""
	if c.Window > 0 {
		window = c.Window.String()
	}
	return &jsonAnswer{Action: a.Action, TargetKey: a.TargetKey, AnsweredAt: ts(a.At), AnsweredBy: a.By, Run: a.Run,
		Summary: a.Summary, Error: a.Error, Data: data,
		Coverage: jsonCoverage{Scope: c.Scope, Actor: c.Actor, Window: window, From: ts(c.From), To: ts(c.To),
			Partial: c.Partial, EventsKept: c.Kept}}
}

// answerMarkdown is a kept answer as the Markdown export shows it under
// its step: the words the console showed (without its "= "), or why the
// step could not answer; and when and by whom it was answered.
func answerMarkdown(a StepAnswer) (answer, when string) {
	answer = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(a.Summary), "= "))
	if a.Error != "" {
		answer = "could not answer: " + a.Error
	}
	if answer == "" {
		answer = "(no words kept)"
	}
	when = ts(a.At)
	if a.By != "" {
		when += " by " + a.By
	}
	if a.Coverage.Partial {
		when += ", over the first events only (the run kept no more)"
	}
	return answer, when
}
