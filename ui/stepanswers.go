package ui

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
	"weak"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/playbooks"
	"picket/playbooks/run"
	"picket/triage"
)

// Step answers kept with the case. A computed step's answer (run.Answer,
// its words, when and over what) is written to the case file as it
// arrives, for the step's detector and those sharing its list, as ticks
// are. Opening a group reads the kept answers back under their steps; an
// answer computed on another run of the detectors (another collection,
// another session) is shown dimmed and marked as from an earlier run
// until the step is run again. A finished run marks the answers on
// screen the same way instead of dropping them.

// StepAnswerStore keeps step answers; *casefile.Store implements it. A
// CaseStore that does not keeps answers for the session only.
type StepAnswerStore interface {
	SetStepAnswer(ctx context.Context, a casefile.StepAnswer) error
	StepAnswers(ctx context.Context, targetKey string) ([]casefile.StepAnswer, error)
}

var _ StepAnswerStore = (*casefile.Store)(nil)

// storedAnswersMsg carries the kept answers of the group being opened,
// already in words and marked.
type storedAnswersMsg struct {
	results map[stepKey]actionResult
	err     error
}

// runTokens names each run (each collection) of this process, so a kept
// answer can tell whether the events it walked are those on screen. The
// collections are held weakly: a finished run's events are not kept
// alive for the sake of its name.
var runTokens struct {
	sync.Mutex
	process string
	n       int
	names   map[weak.Pointer[triage.Collection]]string
}

// runToken names the run whose events c holds; "" for none.
func runToken(c *triage.Collection) string {
	if c == nil {
		return ""
	}
	rt := &runTokens
	rt.Lock()
	defer rt.Unlock()
	if rt.names == nil {
		rt.names = map[weak.Pointer[triage.Collection]]string{}
		rt.process = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	wp := weak.Make(c)
	if name, ok := rt.names[wp]; ok {
		return name
	}
	for k := range rt.names {
		if k.Value() == nil {
			delete(rt.names, k) // that run's events are gone
		}
	}
	rt.n++
	name := rt.process + "-" + strconv.Itoa(rt.n)
	rt.names[wp] = name
	return name
}

// answerResult puts a computed answer in words.
func answerResult(a run.Answer, act playbooks.Action, detector string) actionResult {
	var r actionResult
	switch {
	case a.Count != nil:
		r.text = "= " + plural(a.Count.Events, "event") + " " + triage.Escape(coverageText(a.Count.Coverage))
	case a.Values != nil:
		r.text = valuesText(*a.Values, act.Top)
	case a.Pivot != nil:
		r = pivotResult(*a.Pivot)
	case a.Allow != nil:
		r.text = allowText(*a.Allow, detector)
	case a.Routes != nil:
		r.text = routesText(*a.Routes, act.Top)
	}
	r.answer = &a
	return r
}

// routesText lists the client's top routes, each with its share of the
// route's requests site-wide: "GET /products/:id 84 of 95 (88%, 4
// addresses)".
func routesText(rc run.RouteCounts, top int) string {
	where := triage.Escape(coverageText(rc.Coverage))
	if len(rc.Routes) == 0 {
		if rc.Matched == 0 {
			return "= no matching events " + where
		}
		return "= none of the " + plural(rc.Matched, "matching event") + " is a request " + where
	}
	if top <= 0 {
		top = 10
	}
	shown := rc.Routes[:min(top, len(rc.Routes))]
	parts := make([]string, 0, len(shown))
	for _, r := range shown {
		parts = append(parts, clipText(triage.Escape(r.Route), 40)+" "+strconv.Itoa(r.Requests)+" of "+strconv.Itoa(r.Site)+
			" ("+percent(r.Share())+", "+addresses(r.Addresses)+")")
	}
	s := "= " + strings.Join(parts, " · ")
	if len(rc.Routes) > top {
		s += " +" + strconv.Itoa(len(rc.Routes)-top) + " more"
	}
	return s + " — " + plural(rc.Matched-rc.NoRoute, "request") + " " + where
}

func addresses(n int) string {
	if n == 1 {
		return "1 address"
	}
	return strconv.Itoa(n) + " addresses"
}

// percent rounds a share to a whole percent, "<1%" for a sliver.
func percent(f float64) string {
	p := int(f*100 + 0.5)
	if p == 0 && f > 0 {
		return "<1%"
	}
	return strconv.Itoa(p) + "%"
}

// keepAnswer returns what the answer's command does with a step's
// answer before it goes back to the checklist: note when it was answered
// and whether the run was still loading, and keep it in the case file for
// every detector the step serves (when the store keeps answers).
func (m *groupModel) keepAnswer(k stepKey, act playbooks.Action) func(actionResult) actionResult {
	a := m.a
	at, loading := a.opts.Now(), a.loading
	store, ok := a.opts.Store.(StepAnswerStore)
	if !ok || m.group == nil {
		return func(r actionResult) actionResult {
			r.at, r.loading = at, loading
			return r
		}
	}
	ctx, target := a.ctx, groupTarget(m.group.Key)
	dets := []string{k.detector}
	if s := m.check.step(k); s != nil {
		// Kept for every detector the (merged) step serves.
		dets = dets[:0]
		for _, sk := range s.keys {
			dets = append(dets, sk.detector)
		}
	}
	rec := casefile.StepAnswer{TargetKey: target, ItemID: k.item, Action: act.String(),
		Run: runToken(a.opts.Collection), At: at, By: a.opts.Author}
	return func(r actionResult) actionResult {
		r.at, r.loading = at, loading
		rec := rec
		rec.Summary, rec.Error = r.text, r.err
		if r.answer != nil {
			if b, err := json.Marshal(r.answer); err == nil {
				rec.Data = b
			}
			if c, ok := r.answer.Coverage(); ok {
				rec.Coverage = casefile.AnswerCoverage{Scope: c.Scope, Actor: c.Actor, Window: c.Window,
					From: c.From, To: c.To, Partial: c.Partial, Kept: c.Kept}
			}
		}
		for _, d := range dets {
			rec.DetectorID = d
			if err := store.SetStepAnswer(ctx, rec); err != nil {
				if r.err == "" {
					r.text += " (not kept in the case file: " + triage.Escape(err.Error()) + ")"
				}
				break
			}
		}
		return r
	}
}

// loadAnswers reads the group's kept answers; those of another run are
// marked as earlier.
func (m *groupModel) loadAnswers() tea.Cmd {
	a := m.a
	store, ok := a.opts.Store.(StepAnswerStore)
	if !ok || m.group == nil {
		return nil
	}
	ctx, key, now := a.ctx, m.group.Key, runToken(a.opts.Collection)
	addr := address{to: viewGroup, topic: topicAnswer, key: key.String() + "\x00kept"}
	return a.req.ask(addr, func() tea.Msg {
		kept, err := store.StepAnswers(ctx, groupTarget(key))
		msg := storedAnswersMsg{results: map[stepKey]actionResult{}, err: err}
		for _, k := range kept {
			r := actionResult{text: k.Summary, err: k.Error}
			if r.text == "" && r.err == "" {
				continue
			}
			if k.Run != now || now == "" {
				if r.err != "" {
					continue // why an earlier run could not answer is no answer
				}
				r = earlier(r, k.At)
			}
			msg.results[stepKey{k.DetectorID, k.ItemID}] = r
		}
		return msg
	})
}

// onStoredAnswers takes the kept answers read for the open group.
func (m *groupModel) onStoredAnswers(msg storedAnswersMsg) {
	if msg.err != nil {
		m.a.setErr(msg.err)
	}
	m.check.setStored(msg)
}

// setStored shows kept answers under their steps, leaving alone the
// steps answered since the group was opened.
func (c *checklistModel) setStored(msg storedAnswersMsg) {
	if len(msg.results) == 0 {
		return
	}
	if c.results == nil {
		c.results = map[stepKey]actionResult{}
	}
	for k, r := range msg.results {
		if _, ok := c.results[k]; !ok {
			c.results[k] = r
		}
	}
	c.placeResults()
}

// earlier marks an answer as computed on another run's events: it is
// shown dimmed with when it was answered, and enter runs the step again
// (a pivot's groups are not followed).
func earlier(r actionResult, at time.Time) actionResult {
	if r.pending {
		return r
	}
	mark := "earlier run"
	if !at.IsZero() {
		mark += ", " + fmtTime(at, "01-02 15:04")
	}
	r.earlier = "(" + mark + ")"
	r.pivot, r.pivotQ = nil, ""
	return r
}

// markEarlier keeps the answers on screen across a finished run: those
// computed on an earlier run are marked so, those computed while this
// run was still loading are marked as over part of its events; those
// still being computed are dropped (their replies are).
func markEarlier(results map[stepKey]actionResult) map[stepKey]actionResult {
	out := make(map[stepKey]actionResult, len(results))
	for k, r := range results {
		switch {
		case r.pending:
			continue
		case r.earlier != "":
		case r.loading:
			r = earlier(r, time.Time{})
			r.earlier = "(answered while the run was loading)"
		default:
			r = earlier(r, r.at)
		}
		out[k] = r
	}
	return out
}
