package ui

import (
	"bytes"
	"cmp"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"

	"picket/playbooks"
	"picket/triage"
)

// Running a checklist step's action: enter on a step that carries one.
//
// group, evidence and exception act at once (they open a pane, a view or
// the exception dialog). count, values, pivot and allowlist-check are
// answered from the kept events, the queue and the allowlist in a command,
// off the input loop; their answer comes back as an actionResultMsg and is
// shown on a line under the step until the group is closed.

// actionResult is the answer shown under a step.
type actionResult struct {
	seq     int // which run of the checklist it answers
	pending bool
	text    string // one line, escaped, starting with "= "
	err     string // escaped

	// pivot: the other groups of the queue that share the value, those
	// with most shared events first, and a KQL filter selecting them.
	pivot  []triage.GroupKey
	pivotQ string
}

// actionResultMsg carries an action's answer back to the checklist.
type actionResultMsg struct {
	group triage.GroupKey
	step  stepKey
	res   actionResult
}

// actionInput is everything a command needs to answer an action: values
// and read-only snapshots, so it runs safely beside the input loop.
type actionInput struct {
	act     playbooks.Action
	finding triage.Finding
	coll    *triage.Collection
	filter  FilterFunc
	groups  []*triage.Group // the queue's groups, for pivot
	allow   []triage.AllowEntry
	now     time.Time
}

// maxPivotFilter caps how many groups a pivot's queue filter names.
const maxPivotFilter = 30

// runStep runs the action of the checklist step under the cursor.
func (m *model) runStep() tea.Cmd {
	det, step, ok := m.group.check.selected()
	if !ok || m.group.group == nil {
		return nil
	}
	if step.Action == "" {
		m.info = "this step has no action to run (space ticks it)"
		return nil
	}
	act, err := playbooks.ParseAction(step.Action)
	if err != nil {
		m.lastErr = "cannot run this step: " + triage.Escape(err.Error()) + " (y copies it)"
		return nil
	}
	k := stepKey{det, step.ID}
	c := &m.group.check
	if prev, ok := c.results[k]; ok && act.Kind == playbooks.ActPivot && !prev.pending && len(prev.pivot) > 0 {
		return m.followPivot(prev)
	}
	f, ok := m.stepFinding(append([]string{det}, c.sharing()...))
	if !ok {
		if m.group.loading {
			m.info = "the group's findings are still loading"
		} else {
			m.lastErr = "no finding to run this step on"
		}
		return nil
	}
	switch act.Kind {
	case playbooks.ActGroup:
		if m.groupFilter != "" {
			m.groupFilter, m.groupMatch = "", nil
			m.recomputeFindings()
		}
		m.selectFinding(f)
		m.group.focus = paneFindings
		c.setResult(k, actionResult{text: "= the findings pane lists all " + plural(len(m.group.all), "finding") +
			" from this source and user agent"})
		return nil
	case playbooks.ActEvidence:
		m.view = viewEvent
		m.event.coll = m.opts.Collection
		m.event.open(f, m.lints)
		m.layout()
		return nil
	case playbooks.ActException:
		entries, missing := exceptionEntries(act.Fields, f, m.opts.Collection)
		if len(entries) == 0 {
			m.lastErr = "the evidence events kept have no " + triage.Escape(strings.Join(missing, ", "))
			return nil
		}
		m.dialog = newExceptionEntriesDialog(f.Detector, entries)
		m.modal = modalDialog
		if len(missing) > 0 {
			m.info = "left out (not in the evidence): " + triage.Escape(strings.Join(missing, ", "))
		}
		return m.preview()
	}
	c.runSeq++
	in := actionInput{
		act: act, finding: f, coll: m.opts.Collection, filter: m.opts.Filter,
		groups: append(slices.Clip(m.snap.groups), m.snap.suppressed...),
		allow:  m.allow, now: m.opts.Now(),
	}
	seq, key := c.runSeq, m.group.group.Key
	c.setResult(k, actionResult{seq: seq, pending: true, text: "= working…"})
	return func() tea.Msg {
		r := runAction(in)
		r.seq = seq
		return actionResultMsg{group: key, step: k, res: r}
	}
}

// applyActionResult shows an answer if it is still wanted: the group is
// still open and the step was not run again since.
func (m *model) applyActionResult(msg actionResultMsg) {
	c := &m.group.check
	if m.group.group == nil || m.group.group.Key != msg.group {
		return
	}
	if prev, ok := c.results[msg.step]; !ok || prev.seq != msg.res.seq {
		return
	}
	c.setResult(msg.step, msg.res)
}

// stepFinding is the finding a step is about: the selected finding when
// it is one of dets', else the group's latest finding of dets, else the
// selected finding.
func (m *model) stepFinding(dets []string) (triage.Finding, bool) {
	sel, selOK := m.group.selected()
	if selOK && slices.Contains(dets, sel.Detector) {
		return sel, true
	}
	for i := len(m.group.all) - 1; i >= 0; i-- {
		if slices.Contains(dets, m.group.all[i].Detector) {
			return m.group.all[i], true
		}
	}
	return sel, selOK
}

// selectFinding moves the findings cursor to f, if it is shown.
func (m *model) selectFinding(f triage.Finding) {
	for i, r := range m.group.rows {
		if r.f.Detector == f.Detector && r.f.Timestamp.Equal(f.Timestamp) && slices.Equal(r.f.Evidence, f.Evidence) {
			m.group.list.setCursor(i)
			return
		}
	}
}

// followPivot acts on a pivot's answer: one group opens, several filter
// the queue to them.
func (m *model) followPivot(r actionResult) tea.Cmd {
	if len(r.pivot) == 1 {
		if g := findGroup(m.snap, r.pivot[0]); g != nil {
			return m.openGroup(g)
		}
	}
	match, err := m.opts.Filter(r.pivotQ)
	if err != nil {
		// The built-in matcher has no "or": select the groups directly.
		match = groupKeyMatcher(r.pivot)
	}
	m.queueFilter, m.queueMatch = r.pivotQ, match
	m.view = viewQueue
	m.queue.list.setCursor(0)
	m.layout()
	m.info = "queue filtered to the " + plural(len(r.pivot), "group") + " of the pivot"
	return m.recomputeRows()
}

// groupKeyMatcher matches queue rows whose source IP and user agent are
// one of keys.
func groupKeyMatcher(keys []triage.GroupKey) func(FilterDoc) bool {
	want := make(map[[2]string]bool, len(keys))
	for _, k := range keys {
		want[[2]string{ipOrEmpty(k.SourceIP), k.UserAgent}] = true
	}
	first := func(vs []FieldValue) string {
		if len(vs) == 0 {
			return ""
		}
		return vs[0].Str
	}
	return func(d FilterDoc) bool {
		return want[[2]string{first(d.Values("source.ip")), first(d.Values("user_agent.original"))}]
	}
}

// runAction answers count, values, pivot and allowlist-check.
func runAction(in actionInput) actionResult {
	switch in.act.Kind {
	case playbooks.ActCount:
		return in.count()
	case playbooks.ActValues:
		return in.values()
	case playbooks.ActPivot:
		return in.pivotGroups()
	case playbooks.ActAllowlistCheck:
		return in.allowCheck()
	}
	return actionResult{err: "the console does not run " + triage.Escape(string(in.act.Kind)) + " in the background"}
}

func errResult(s string) actionResult { return actionResult{err: triage.Escape(s)} }

// firstEvidence is the finding's first evidence event the collection kept.
func (in actionInput) firstEvidence() (*triage.Event, bool) {
	for _, r := range in.finding.Evidence {
		if ev, ok := in.coll.Event(r); ok {
			return ev, true
		}
	}
	return nil, false
}

var placeholder = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}`)

// fillQuery replaces each {{field}} with the first evidence event's value
// of the field, quoted for KQL.
func (in actionInput) fillQuery(q string) (string, error) {
	if !strings.Contains(q, "{{") {
		return q, nil
	}
	ev, ok := in.firstEvidence()
	if !ok {
		return "", errorString("the query needs an evidence event, and none was kept")
	}
	var missing string
	out := placeholder.ReplaceAllStringFunc(q, func(s string) string {
		field := placeholder.FindStringSubmatch(s)[1]
		vs := eventValues(ev, field)
		if len(vs) == 0 {
			if missing == "" {
				missing = field
			}
			return s
		}
		return kqlQuote(vs[0].Str)
	})
	if missing != "" {
		return "", errorString("the first evidence event has no " + missing + " for {{" + missing + "}}")
	}
	return out, nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// kqlQuote writes s as a quoted KQL value: wildcards and keywords in it
// are literal.
func kqlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// scope walks the events of the action's scope and window, matching its
// query, and says in words what it walked ("from this source in the 1h before
// the finding"). fn sees only events that pass.
func (in actionInput) scope(query string, fn func(*triage.Event)) (string, error) {
	var match func(FilterDoc) bool
	if query != "" {
		q, err := in.fillQuery(query)
		if err != nil {
			return "", err
		}
		if match, err = in.filter(q); err != nil {
			return "", errorString("query " + q + ": " + err.Error())
		}
	}
	f := in.finding
	end := f.End
	if end.IsZero() || end.Before(f.Timestamp) {
		end = f.Timestamp
	}
	var from, until time.Time // the window; zero: the whole run
	if in.act.Window > 0 {
		from, until = end.Add(-in.act.Window), end
	}
	// Scans over every kept event skip the parts outside the window.
	each := func(fn func(*triage.Event) bool) { in.coll.EachEventBetween(from, until, fn) }
	inWindow := func(ev *triage.Event) bool {
		if in.act.Window <= 0 {
			return true
		}
		return !ev.Timestamp.IsZero() && !ev.Timestamp.Before(from) && !ev.Timestamp.After(end)
	}
	doc := &eventDoc{}
	visit := func(ev *triage.Event) bool {
		if !inWindow(ev) {
			return true
		}
		if match != nil {
			doc.ev = ev
			if !match(doc) {
				return true
			}
		}
		fn(ev)
		return true
	}
	var who string
	switch in.act.EffectiveScope() {
	case playbooks.ScopeSource:
		who = "from this source"
		ua := f.UserAgent
		if !f.SourceIP.IsValid() {
			each(func(ev *triage.Event) bool {
				if ev.SourceIP.IsValid() || ev.UserAgent != ua {
					return true
				}
				return visit(ev)
			})
			break
		}
		in.coll.EachEventFrom(f.SourceIP, func(ev *triage.Event) bool {
			if ev.UserAgent != ua {
				return true
			}
			return visit(ev)
		})
	case playbooks.ScopeIP:
		if !f.SourceIP.IsValid() {
			return "", errorString("the finding has no source address")
		}
		who = "from " + f.SourceIP.String()
		in.coll.EachEventFrom(f.SourceIP, visit)
	case playbooks.ScopeUser:
		user := f.UserName
		if ev, ok := in.firstEvidence(); ok && user == "" {
			user = ev.UserName
		}
		if user == "" {
			return "", errorString("the finding names no user")
		}
		who = "by user " + clipText(user, 30)
		each(func(ev *triage.Event) bool {
			if ev.UserName != user {
				return true
			}
			return visit(ev)
		})
	case playbooks.ScopeSession:
		sid := f.SessionID
		if ev, ok := in.firstEvidence(); ok && sid == "" {
			sid = sessionOf(ev)
		}
		if sid == "" {
			return "", errorString("the finding has no session id")
		}
		who = "in this session"
		each(func(ev *triage.Event) bool {
			if !inSession(ev, sid) {
				return true
			}
			return visit(ev)
		})
	default:
		who = "site-wide"
		each(visit)
	}
	where := who + " " + windowPhrase(in.act.Window)
	if in.coll.Full() {
		where += " (of the first " + strconv.Itoa(in.coll.EventCount()) + " events, those kept)"
	}
	return where, nil
}

func (in actionInput) count() actionResult {
	n := 0
	where, err := in.scope(in.act.Query, func(*triage.Event) { n++ })
	if err != nil {
		return errResult(err.Error())
	}
	return actionResult{text: "= " + plural(n, "event") + " " + triage.Escape(where)}
}

func (in actionInput) values() actionResult {
	counts := map[string]int{}
	events, with := 0, 0
	field := in.act.Field
	where, err := in.scope(in.act.Query, func(ev *triage.Event) {
		events++
		vs := eventValues(ev, field)
		if len(vs) > 0 {
			with++
		}
		for _, v := range vs {
			counts[v.Str]++
		}
	})
	if err != nil {
		return errResult(err.Error())
	}
	where = triage.Escape(where)
	if len(counts) == 0 {
		if events == 0 {
			return actionResult{text: "= no matching events " + where}
		}
		return actionResult{text: "= no " + triage.Escape(field) + " in the " + plural(events, "matching event") + " " + where}
	}
	top := in.act.Top
	if top <= 0 {
		top = 10
	}
	vs := sortedValueCounts(counts)
	parts := make([]string, 0, min(top, len(vs)))
	for _, v := range vs[:min(top, len(vs))] {
		parts = append(parts, clipText(triage.Escape(v.v), 40)+" ("+strconv.Itoa(v.n)+")")
	}
	s := "= " + strings.Join(parts, " · ")
	if len(vs) > top {
		s += " +" + strconv.Itoa(len(vs)-top) + " more"
	}
	return actionResult{text: s + " — " + plural(with, "event") + " " + where}
}

type valueCount struct {
	v string
	n int
}

// sortedValueCounts orders values most frequent first, then by value.
func sortedValueCounts(m map[string]int) []valueCount {
	out := make([]valueCount, 0, len(m))
	for v, n := range m {
		out = append(out, valueCount{v, n})
	}
	slices.SortFunc(out, func(a, b valueCount) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	return out
}

// maxPivotValues caps how many of the evidence's values a pivot looks for.
const maxPivotValues = 20

// pivotGroups finds the other sources whose events share a value of the
// field with the finding's evidence, and which of them are queue groups.
func (in actionInput) pivotGroups() actionResult {
	field, f := in.act.Field, in.finding
	want := map[string]bool{}
	var order []string
	for _, r := range f.Evidence {
		ev, ok := in.coll.Event(r)
		if !ok {
			continue
		}
		vs := eventValues(ev, field)
		if sid := sessionOf(ev); field == "session.id" && len(vs) == 0 && sid != "" {
			vs = str(sid)
		}
		for _, v := range vs {
			if !want[v.Str] && len(order) < maxPivotValues {
				want[v.Str] = true
				order = append(order, v.Str)
			}
		}
	}
	// Detectors name the user and the session on the finding even when
	// they read them from elsewhere (a session cookie).
	if len(order) == 0 {
		switch v := map[string]string{"user.name": f.UserName, "session.id": f.SessionID}[field]; {
		case v != "":
			order = append(order, v)
			want[v] = true
		default:
			return errResult("the evidence events kept have no " + field)
		}
	}
	// A value JSON writes without escapes can be looked for in the raw
	// bytes first, which spares parsing most events.
	var needles [][]byte
	for _, v := range order {
		if !plainJSON(v) {
			needles = nil
			break
		}
		needles = append(needles, []byte(v))
	}
	self := triage.GroupKey{SourceIP: f.SourceIP, UserAgent: f.UserAgent}
	shared := map[triage.GroupKey]int{}
	end := f.End
	if end.IsZero() || end.Before(f.Timestamp) {
		end = f.Timestamp
	}
	from := end.Add(-in.act.Window)
	in.coll.EachEvent(func(ev *triage.Event) bool {
		if in.act.Window > 0 && (ev.Timestamp.IsZero() || ev.Timestamp.Before(from) || ev.Timestamp.After(end)) {
			return true
		}
		k := triage.GroupKey{SourceIP: ev.SourceIP, UserAgent: ev.UserAgent}
		if k == self {
			return true
		}
		if needles != nil && !slices.ContainsFunc(needles, func(n []byte) bool { return bytes.Contains(ev.Raw, n) }) {
			return true
		}
		for _, v := range eventValues(ev, field) {
			if want[v.Str] {
				shared[k]++
				return true
			}
		}
		if field == "session.id" && slices.ContainsFunc(ev.Cookies, func(c triage.Cookie) bool { return want[c.Value] }) {
			shared[k]++
		}
		return true
	})
	shown := clipText(triage.Escape(order[0]), 40)
	if field == "session.id" {
		// A session id is a secret: enough of it to tell sessions apart.
		shown = clipText(triage.Escape(order[0]), 8)
	}
	what := triage.Escape(field) + " " + shown
	if len(order) > 1 {
		what = "one of its " + strconv.Itoa(len(order)) + " " + triage.Escape(field) + " values"
	}
	when := windowPhrase(in.act.Window)
	if len(shared) == 0 {
		return actionResult{text: "= no other source shares " + what + " " + when}
	}
	inQueue := map[triage.GroupKey]bool{}
	for _, g := range in.groups {
		inQueue[g.Key] = true
	}
	var keys []triage.GroupKey
	events := 0
	for k, n := range shared {
		events += n
		if inQueue[k] {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b triage.GroupKey) int {
		if c := cmp.Compare(shared[b], shared[a]); c != 0 {
			return c
		}
		return strings.Compare(a.String(), b.String())
	})
	r := actionResult{}
	switch len(keys) {
	case 0:
		r.text = "= " + plural(len(shared), "other source") + " (" + plural(events, "event") + ") " + share(len(shared)) + " " + what + " " + when +
			"; none has findings"
		return r
	case 1:
		r.text = "= " + plural(len(shared), "other source") + " " + share(len(shared)) + " " + what + " " + when + "; enter opens the one in the queue: " +
			triage.Escape(ipString(keys[0])) + " " + clipText(uaCell(keys[0].UserAgent), 30)
	default:
		r.text = "= " + plural(len(shared), "other source") + " " + share(len(shared)) + " " + what + " " + when + "; " +
			strconv.Itoa(len(keys)) + " are in the queue — enter filters the queue to them"
	}
	r.pivot = keys
	if len(keys) > maxPivotFilter {
		r.pivot = keys[:maxPivotFilter]
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

// plainJSON reports whether JSON writes s as it is (no escapes), so its
// bytes can be searched for in a raw document.
func plainJSON(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e || strings.ContainsRune(`"\/<>&`, r) {
			return false
		}
	}
	return true
}

// pivotQuery is a KQL filter that selects exactly these groups in the
// queue.
func pivotQuery(keys []triage.GroupKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		ip := "not source.ip:*"
		if k.SourceIP.IsValid() {
			ip = "source.ip:" + kqlQuote(k.SourceIP.String())
		}
		ua := "not user_agent.original:*"
		if k.UserAgent != "" {
			ua = "user_agent.original:" + kqlQuote(k.UserAgent)
		}
		parts[i] = "(" + ip + " and " + ua + ")"
	}
	return strings.Join(parts, " or ")
}

// allowCheck looks the finding's actor up in the allowlist.
func (in actionInput) allowCheck() actionResult {
	f := in.finding
	user := f.UserName
	if ev, ok := in.firstEvidence(); ok && user == "" {
		user = ev.UserName
	}
	actor := f
	actor.UserName = user
	kinds := []string{"ip", "user_agent", "user"}
	if in.act.AllowKind != "" {
		kinds = []string{in.act.AllowKind}
	}
	wants := func(a *triage.AllowEntry) bool {
		k := a.Kind
		if k == triage.AllowCIDR {
			k = triage.AllowIP
		}
		return slices.Contains(kinds, k)
	}
	var hits []string
	for i := range in.allow {
		a := &in.allow[i]
		if !a.Active(in.now) || !wants(a) || !a.AllowsActor(&actor) {
			continue
		}
		s := a.Kind + " " + clipText(triage.Escape(a.Value), 40)
		if !a.AppliesTo(f.Detector) {
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
	if len(hits) > 0 {
		return actionResult{text: "= allowlisted: " + strings.Join(hits, "; ")}
	}
	var who []string
	for _, k := range kinds {
		switch k {
		case "ip":
			if f.SourceIP.IsValid() {
				who = append(who, "ip "+f.SourceIP.String())
			}
		case "user_agent":
			if f.UserAgent != "" {
				who = append(who, "user agent "+clipText(triage.Escape(f.UserAgent), 30))
			}
		case "user":
			if user != "" {
				who = append(who, "user "+clipText(triage.Escape(user), 30))
			}
		}
	}
	if len(who) == 0 {
		return actionResult{text: "= nothing to look up: the finding has no source address, user agent or user"}
	}
	return actionResult{text: "= not allowlisted: " + strings.Join(who, ", ")}
}

// maxExceptionValues caps a match_any entry made from the evidence.
const maxExceptionValues = 50

// exceptionEntries makes exception entries from the evidence events'
// values of fields: match when every event agrees, match_any otherwise.
// missing lists the fields no kept evidence event has.
func exceptionEntries(fields []string, f triage.Finding, coll *triage.Collection) (entries []triage.ExceptionEntry, missing []string) {
	var evs []*triage.Event
	for _, r := range f.Evidence {
		if ev, ok := coll.Event(r); ok {
			evs = append(evs, ev)
		}
	}
	for _, field := range fields {
		seen := map[string]bool{}
		var vals []string
		for _, ev := range evs {
			for _, v := range eventValues(ev, field) {
				if !seen[v.Str] && len(vals) < maxExceptionValues {
					seen[v.Str] = true
					vals = append(vals, v.Str)
				}
			}
		}
		switch len(vals) {
		case 0:
			missing = append(missing, field)
		case 1:
			entries = append(entries, triage.ExceptionEntry{Field: field, Operator: triage.OpIncluded, Type: triage.EntryMatch, Value: vals[0]})
		default:
			entries = append(entries, triage.ExceptionEntry{Field: field, Operator: triage.OpIncluded, Type: triage.EntryMatchAny, Values: vals})
		}
	}
	return entries, missing
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

// eventDoc shows an event to the console's filter (the KQL engine when
// wired). The values the decoder keeps verbatim are answered from the
// event's fields; every other path is read from the document.
type eventDoc struct {
	ev *triage.Event
}

func (d *eventDoc) Values(path string) []FieldValue { return eventValues(d.ev, path) }

func (d *eventDoc) Fields() []string {
	fs, err := flatten(d.ev.Raw)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		p := f.Path
		// flatten names array elements path[i]; a query names the field.
		if i := strings.IndexByte(p, '['); i >= 0 {
			p = p[:i]
		}
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	return out
}

// inSession reports whether an event belongs to session sid: its
// session.id, or a cookie carrying the id (detectors read sessions from
// cookies whose names are configured; the value is what identifies it).
func inSession(ev *triage.Event, sid string) bool {
	if ev.SessionID == sid {
		return true
	}
	return slices.ContainsFunc(ev.Cookies, func(c triage.Cookie) bool { return c.Value == sid })
}

// redactedValue is what APM agents write in place of sensitive values.
const redactedValue = "[REDACTED]"

// sessionOf is an event's session id: session.id, else the first cookie
// whose name says it holds one (sid, PHPSESSID, connect.sid, …), as the
// detectors find it by default. Redacted values are no session id.
func sessionOf(ev *triage.Event) string {
	if ev.SessionID != "" && ev.SessionID != redactedValue {
		return ev.SessionID
	}
	for _, c := range ev.Cookies {
		n := strings.ToLower(c.Name)
		if c.Value != "" && c.Value != redactedValue && (strings.Contains(n, "sess") || strings.HasSuffix(n, "sid")) {
			return c.Value
		}
	}
	return ""
}

// eventValues returns every value of an ECS path in an event.
func eventValues(ev *triage.Event, path string) []FieldValue {
	switch path {
	case "http.request.method":
		if ev.Method != "" {
			return str(ev.Method)
		}
	case "http.response.status_code":
		if ev.StatusCode != 0 {
			return num(ev.StatusCode)
		}
	case "user_agent.original":
		if ev.UserAgent != "" {
			return str(ev.UserAgent)
		}
	case "user.name":
		if ev.UserName != "" {
			return str(ev.UserName)
		}
	}
	vs := ev.Get(path)
	if len(vs) == 0 {
		return nil
	}
	out := make([]FieldValue, 0, len(vs))
	for _, v := range vs {
		switch v.Kind {
		case triage.KindNumber:
			out = append(out, FieldValue{Str: v.Str, Num: v.Num, IsNum: true})
		case triage.KindString, triage.KindBool:
			out = append(out, FieldValue{Str: v.Str})
		}
	}
	return out
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
	var cur *ChecklistStep
	if c.list.cursor < len(c.rows) {
		cur = c.rows[c.list.cursor].step
	}
	rows := make([]checkRow, 0, len(c.rows)+len(c.results))
	for _, r := range c.rows {
		if r.resultFor != "" {
			continue
		}
		rows = append(rows, r)
		if r.step == nil {
			continue
		}
		if _, ok := c.results[stepKey{r.detector, r.step.ID}]; ok {
			rows = append(rows, checkRow{detector: r.detector, also: r.also, resultFor: r.step.ID})
		}
	}
	c.rows = rows
	c.list.setLen(len(rows))
	for i, r := range rows {
		if cur != nil && r.step == cur {
			if i+1 < len(rows) && rows[i+1].resultFor != "" {
				c.list.setCursor(i + 1)
			}
			c.list.setCursor(i)
			break
		}
	}
}

// resultLine renders the answer under a step.
func (c *checklistModel) resultLine(r checkRow) string {
	res := c.results[stepKey{r.detector, r.resultFor}]
	w := max(c.width-4, 1)
	switch {
	case res.err != "":
		return "    " + c.st.Error.Render(clip("! "+res.err, w))
	case res.pending:
		return "    " + c.st.Dim.Render(clip(res.text, w))
	}
	return "    " + c.st.Info.Render(clip(strings.TrimRightFunc(res.text, unicode.IsSpace), w))
}

// ipOrEmpty is an address as text, "" when there is none.
func ipOrEmpty(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
