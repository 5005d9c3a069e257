package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"

	"picket/kql"
	"picket/playbooks"
	"picket/playbooks/run"
	"picket/triage"
)

// Running a checklist step's action: enter on a step that carries one.
//
// group, evidence and exception act at once (they open a pane, a view or
// the exception dialog). count, values, pivot, allowlist-check and routes
// are answered by playbooks/run in a command, off the input loop; the
// answer comes back addressed to the step (topicAnswer, keyed by group and
// step) and is shown, in words, on a line under the step. It is kept in
// the case file and shown again, marked when it is from an earlier run
// (stepanswers.go).

// actionResult is the answer shown under a step.
type actionResult struct {
	pending bool
	text    string // one line, escaped, starting with "= "
	err     string // escaped

	// pivot: the other groups of the queue that share the value, those
	// with most shared events first, and a KQL filter selecting them.
	pivot  []triage.GroupKey
	pivotQ string

	// The answer as data, when it was answered and whether the run was
	// still loading, and the mark of an answer from an earlier run
	// (stepanswers.go).
	answer  *run.Answer
	at      time.Time
	loading bool
	earlier string
}

// answerMsg carries a step's answer back to the checklist.
type answerMsg struct {
	step stepKey
	res  actionResult
}

// answerAddr addresses the answer of one step of one group.
func answerAddr(g triage.GroupKey, k stepKey) address {
	return address{to: viewGroup, topic: topicAnswer, key: g.String() + "\x00" + k.detector + "\x00" + k.item}
}

// actionInput is everything a command needs to answer an action: values
// and read-only snapshots, so it runs safely beside the input loop.
type actionInput struct {
	act     playbooks.Action
	finding triage.Finding
	events  run.Events
	groups  []triage.GroupKey // the queue's groups, for pivot
	allow   []triage.AllowEntry
	now     time.Time
	members []triage.GroupKey // a campaign's groups: its steps are about all of them
	// rowClients: members are the clients under a regrouped row.
	rowClients bool
}

// queuedKeys lists the snapshot's groups, shown and suppressed: those a
// pivot can lead to.
func queuedKeys(s snapshot) []triage.GroupKey {
	out := make([]triage.GroupKey, 0, len(s.groups)+len(s.suppressed))
	for _, gs := range [][]*triage.Group{s.groups, s.suppressed} {
		for _, g := range gs {
			out = append(out, g.Key)
		}
	}
	return out
}

// maxPivotFilter caps how many groups a pivot's queue filter names.
const maxPivotFilter = 30

// runStep runs the action of the checklist step under the cursor.
func (m *groupModel) runStep() tea.Cmd {
	s, ok := m.check.selectedStep()
	if !ok || m.group == nil {
		return nil
	}
	a := m.a
	if s.Item.Action == nil {
		a.info = "this step has no action to run (space ticks it)"
		return nil
	}
	act := *s.Item.Action
	k := s.key()
	if prev, ok := m.check.results[k]; ok && act.Kind == playbooks.ActPivot && !prev.pending && len(prev.pivot) > 0 {
		return m.followPivot(prev)
	}
	f, ok := m.stepFinding(s.Detectors())
	if !ok {
		if m.loading {
			a.info = "the group's findings are still loading"
		} else {
			a.lastErr = "no finding to run this step on"
		}
		return nil
	}
	switch act.Kind {
	case playbooks.ActGroup:
		if m.filter != "" {
			m.setFilter("", nil)
		}
		m.selectFinding(f)
		m.focus = paneFindings
		m.check.setResult(k, actionResult{text: "= the findings pane lists all " + plural(len(m.all), "finding") +
			" from this source and user agent"})
		return nil
	case playbooks.ActEvidence:
		a.nav.openFinding(f)
		return nil
	case playbooks.ActException:
		return m.exceptionStep(act, f)
	}
	in := actionInput{
		act: act, finding: f, events: a.opts.Collection,
		groups: queuedKeys(a.snap), allow: a.allow, now: a.opts.Now(),
	}
	switch {
	case m.group.Campaign != nil:
		// About the whole wave: every member, up to its last finding (a
		// window ending at the first finding would miss the rest).
		in.members = m.group.Campaign.Members
	case !m.group.Key.Default():
		// A row of another grouping (a user, a country…) may hold
		// findings of several clients: "this client" means each of them.
		if cs := clientsOf(m.all); len(cs) > 1 {
			in.members, in.rowClients = cs, true
		}
	}
	if len(in.members) > 0 && m.group.LastSeen.After(in.finding.End) {
		in.finding.End = m.group.LastSeen
	}
	m.check.setResult(k, actionResult{pending: true, text: "= working…"})
	keep := m.keepAnswer(k, act)
	return a.req.ask(answerAddr(m.group.Key, k), func() tea.Msg {
		return answerMsg{step: k, res: keep(runAction(in))}
	})
}

// exceptionStep opens the exception dialog with conditions made from the
// evidence's values of the action's fields.
func (m *groupModel) exceptionStep(act playbooks.Action, f triage.Finding) tea.Cmd {
	a := m.a
	entries, missing := run.ExceptionEntries(act.Fields, f, a.opts.Collection)
	if len(entries) == 0 {
		a.lastErr = "the evidence events kept have no " + triage.Escape(strings.Join(missing, ", "))
		return nil
	}
	cmd := a.nav.openDialog(newExceptionEntriesDialog(f.Detector, entries))
	if len(missing) > 0 {
		a.info = "left out (not in the evidence): " + triage.Escape(strings.Join(missing, ", "))
	}
	return cmd
}

// stepFinding is the finding a step is about: the selected finding when
// it is one of dets', else the group's latest finding of dets, else the
// selected finding.
func (m *groupModel) stepFinding(dets []string) (triage.Finding, bool) {
	sel, selOK := m.selected()
	if selOK && slices.Contains(dets, sel.Detector) {
		return sel, true
	}
	for i := len(m.all) - 1; i >= 0; i-- {
		if slices.Contains(dets, m.all[i].Detector) {
			return m.all[i], true
		}
	}
	return sel, selOK
}

// selectFinding moves the findings cursor to f, if it is shown.
func (m *groupModel) selectFinding(f triage.Finding) {
	for i, r := range m.rows {
		if r.f.Detector == f.Detector && r.f.Timestamp.Equal(f.Timestamp) && slices.Equal(r.f.Evidence, f.Evidence) {
			m.list.setCursor(i)
			return
		}
	}
}

// followPivot acts on a pivot's answer: one group opens, several filter
// the queue to them.
func (m *groupModel) followPivot(r actionResult) tea.Cmd {
	a := m.a
	if len(r.pivot) == 1 {
		if g := a.snap.findGroup(r.pivot[0]); g != nil {
			return a.nav.openGroup(g)
		}
	}
	match, err := kql.Parse(r.pivotQ)
	if err != nil {
		a.setErr(err)
		return nil
	}
	a.info = "queue filtered to the " + plural(len(r.pivot), "group") + " of the pivot"
	return a.nav.filterQueue(r.pivotQ, match)
}

// runAction answers count, values, pivot, allowlist-check and routes
// in words, keeping the answer as data.
func runAction(in actionInput) actionResult {
	if !run.Computed(in.act.Kind) {
		return actionResult{err: "the console does not run " + triage.Escape(string(in.act.Kind)) + " in the background"}
	}
	a, err := run.Run(in.act, in.finding, in.events, run.With{Queued: in.groups, Allow: in.allow, Now: in.now, Members: in.members, RowClients: in.rowClients})
	if err != nil {
		return actionResult{err: triage.Escape(err.Error())}
	}
	return answerResult(a, in.act, in.finding.Detector)
}

// coverageText says in words which events an answer walked: "from this
// source in the 1h before the finding".
func coverageText(c run.Coverage) string {
	var who string
	switch {
	case c.Members > 0 && c.RowClients && c.Scope == playbooks.ScopeSource:
		who = "from the row's " + plural(c.Members, "client")
	case c.Members > 0 && c.RowClients:
		who = "from the addresses of the row's " + plural(c.Members, "client")
	case c.Members > 0 && c.Scope == playbooks.ScopeSource:
		who = "from the campaign's " + plural(c.Members, "group")
	case c.Members > 0:
		who = "from the addresses of the campaign's " + plural(c.Members, "group")
	case c.Scope == playbooks.ScopeSource:
		who = "from this source"
	case c.Scope == playbooks.ScopeIP:
		who = "from " + c.Actor
	case c.Scope == playbooks.ScopeUser:
		who = "by user " + clipText(c.Actor, 30)
	case c.Scope == playbooks.ScopeSession:
		who = "in this session" // a session id is a secret
	default:
		who = "site-wide"
	}
	s := who + " " + windowPhrase(c.Window)
	if c.Partial {
		s += " (of the first " + strconv.Itoa(c.Kept) + " events, those kept)"
	}
	return s
}

// valuesText lists the top values with their counts.
func valuesText(v run.ValueCounts, top int) string {
	where := triage.Escape(coverageText(v.Coverage))
	if len(v.Values) == 0 {
		if v.Matched == 0 {
			return "= no matching events " + where
		}
		return "= no " + triage.Escape(v.Field) + " in the " + plural(v.Matched, "matching event") + " " + where
	}
	if top <= 0 {
		top = 10
	}
	shown := v.Values[:min(top, len(v.Values))]
	parts := make([]string, 0, len(shown))
	for _, vc := range shown {
		parts = append(parts, clipText(triage.Escape(vc.Value), 40)+" ("+strconv.Itoa(vc.Count)+")")
	}
	s := "= " + strings.Join(parts, " · ")
	if len(v.Values) > top {
		s += " +" + strconv.Itoa(len(v.Values)-top) + " more"
	}
	return s + " — " + plural(v.With, "event") + " " + where
}

// pivotResult says which other sources share the value and keeps the
// queued ones for enter to follow.
func pivotResult(p run.Pivoted) actionResult {
	field := triage.Escape(p.Field)
	shown := clipText(triage.Escape(p.Values[0]), 40)
	if p.Field == "session.id" {
		// A session id is a secret: enough of it to tell sessions apart.
		shown = clipText(triage.Escape(p.Values[0]), 8)
	}
	what := field + " " + shown
	if len(p.Values) > 1 {
		what = "one of its " + strconv.Itoa(len(p.Values)) + " " + field + " values"
	}
	when := windowPhrase(p.Coverage.Window)
	if p.Sources == 0 {
		return actionResult{text: "= no other source shares " + what + " " + when}
	}
	head := "= " + plural(p.Sources, "other source") + " "
	r := actionResult{}
	switch len(p.Queued) {
	case 0:
		r.text = head + "(" + plural(p.Events, "event") + ") " + share(p.Sources) + " " + what + " " + when + "; none has findings"
		return r
	case 1:
		k := p.Queued[0].Key
		r.text = head + share(p.Sources) + " " + what + " " + when + "; enter opens the one in the queue: " +
			triage.Escape(ipString(k)) + " " + clipText(uaCell(k.UserAgent), 30)
	default:
		r.text = head + share(p.Sources) + " " + what + " " + when + "; " +
			strconv.Itoa(len(p.Queued)) + " are in the queue — enter filters the queue to them"
	}
	for _, q := range p.Queued {
		r.pivot = append(r.pivot, q.Key)
	}
	if len(r.pivot) > maxPivotFilter {
		r.pivot = r.pivot[:maxPivotFilter]
		r.text += " (the first " + strconv.Itoa(maxPivotFilter) + ")"
	}
	r.pivotQ = pivotQuery(r.pivot)
	return r
}

func share(n int) string {
	if n == 1 {
		return "shares"
	}
	return "share"
}

// pivotQuery is a KQL filter that selects exactly these groups in the
// queue.
func pivotQuery(keys []triage.GroupKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		ip := "not source.ip:*"
		if k.SourceIP.IsValid() {
			ip = "source.ip:" + kql.Quote(k.SourceIP.String())
		}
		ua := "not user_agent.original:*"
		if k.UserAgent != "" {
			ua = "user_agent.original:" + kql.Quote(k.UserAgent)
		}
		parts[i] = "(" + ip + " and " + ua + ")"
	}
	return strings.Join(parts, " or ")
}

// allowText says which allowlist entries cover the actor, or what was
// looked up in vain.
func allowText(v run.AllowVerdict, detector string) string {
	if v.Allowlisted() {
		hits := make([]string, 0, len(v.Hits))
		for _, h := range v.Hits {
			a := h.Entry
			s := a.Kind + " " + clipText(triage.Escape(a.Value), 40)
			if !h.Applies {
				s += " (for " + shortDetector(a.Detector) + " only)"
			}
			if a.Reason != "" {
				s += " “" + clipText(triage.Escape(a.Reason), 40) + "”"
			}
			if a.Author != "" {
				s += " by " + triage.Escape(a.Author)
			}
			if a.Expires.IsZero() {
				s += ", never expires"
			} else {
				s += ", expires " + fmtTime(a.Expires, "2006-01-02 15:04") + " UTC"
			}
			hits = append(hits, s)
		}
		return "= allowlisted: " + strings.Join(hits, "; ")
	}
	if len(v.Looked) == 0 {
		return "= nothing to look up: the finding has no source address, user agent or user"
	}
	who := make([]string, 0, len(v.Looked))
	for _, a := range v.Looked {
		switch a.Kind {
		case "ip":
			who = append(who, "ip "+a.Value)
		case "user_agent":
			who = append(who, "user agent "+clipText(triage.Escape(a.Value), 30))
		case "user":
			who = append(who, "user "+clipText(triage.Escape(a.Value), 30))
		}
	}
	return "= not allowlisted: " + strings.Join(who, ", ")
}

// windowPhrase says a look-back in words. Windows end at the finding,
// not at the wall clock, so the phrase says so: on last month's export
// "in the last hour" would mislead.
func windowPhrase(d time.Duration) string {
	const day = 24 * time.Hour
	var span string
	switch {
	case d <= 0:
		return "in this run"
	case d%day == 0 && d > day:
		span = strconv.Itoa(int(d/day)) + "d"
	case d%time.Hour == 0:
		span = strconv.Itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		span = strconv.Itoa(int(d/time.Minute)) + "m"
	default:
		span = d.String()
	}
	return "in the " + span + " before the finding"
}

// clearResults follows a finished run: the answers stay, marked as
// computed on an earlier run (or while this one was loading), and those
// still being computed are dropped.
func (c *checklistModel) clearResults() {
	if len(c.results) > 0 {
		c.results = markEarlier(c.results)
		c.placeResults()
	}
}

// setResult records a step's answer and lays the panel out again.
func (c *checklistModel) setResult(k stepKey, r actionResult) {
	if c.results == nil {
		c.results = map[stepKey]actionResult{}
	}
	c.results[k] = r
	c.placeResults()
}

// placeResults puts a result line under every step that has an answer,
// keeping the cursor on its step and the answer under it in view.
func (c *checklistModel) placeResults() {
	var cur *checkStep
	if c.list.cursor < len(c.rows) {
		cur = c.rows[c.list.cursor].step
	}
	rows := make([]checkRow, 0, len(c.rows)+len(c.results))
	for _, r := range c.rows {
		if r.resultFor != nil {
			continue
		}
		rows = append(rows, r)
		if r.step == nil {
			continue
		}
		if _, ok := c.results[r.step.key()]; ok {
			rows = append(rows, checkRow{resultFor: r.step})
		}
	}
	c.rows = rows
	c.list.setLen(len(rows))
	for i, r := range rows {
		if cur != nil && r.step == cur {
			if i+1 < len(rows) && rows[i+1].resultFor != nil {
				c.list.setCursor(i + 1)
			}
			c.list.setCursor(i)
			break
		}
	}
}

// resultLine renders the answer under a step.
func (c *checklistModel) resultLine(r checkRow) string {
	res := c.results[r.resultFor.key()]
	w := max(c.width-4, 1)
	switch {
	case res.err != "":
		return "    " + c.st.Error.Render(clip("! "+res.err, w))
	case res.pending:
		return "    " + c.st.Dim.Render(clip(res.text, w))
	case res.earlier != "":
		return "    " + c.st.Dim.Render(clip(res.earlier+" "+strings.TrimRightFunc(res.text, unicode.IsSpace), w))
	}
	return "    " + c.st.Info.Render(clip(strings.TrimRightFunc(res.text, unicode.IsSpace), w))
}

// clientsOf is the clients (source × user agent) of findings, in the
// order first seen: the reach of "this client" for a regrouped row.
func clientsOf(fs []triage.Finding) []triage.GroupKey {
	seen := map[triage.GroupKey]bool{}
	var out []triage.GroupKey
	for i := range fs {
		k := triage.GroupKey{SourceIP: fs[i].SourceIP, UserAgent: fs[i].UserAgent}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
