package ui

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	tea "github.com/charmbracelet/bubbletea"

	"picket/kql"
	"picket/triage"
	"picket/triage/kqldoc"
	"picket/triage/useragent"
)

// The console's filter (/) is KQL, the language of the rules: queue rows
// and findings are shown to it as kql.Documents.

// strValue and numValue are one-value answers for documents that build
// their values per call.
func strValue(s string) []kql.Value {
	if s == "" {
		return nil
	}
	return []kql.Value{kql.StringValue(s)}
}

func numValue(n int) []kql.Value {
	return []kql.Value{{Kind: kql.KindNumber, Num: float64(n), Str: strconv.Itoa(n)}}
}

// groupFields are the paths a bare word (a value without a field) is
// looked for in. Values also answers risk, findings, first_seen,
// last_seen and Kibana's alert field names when a query names them.
var groupFields = []string{
	"source.ip", "user_agent.original", "user_agent.name", "detector", "severity", "status",
}

// groupInfo is what filters read from a group that costs something to
// compute (parsing the user agent, formatting times): worked out once per
// snapshot, ahead of the first filter, off the input loop.
type groupInfo struct {
	ip, uaName, first, last string
}

// infoCache holds groupInfo per group of one snapshot. It is safe for
// concurrent use: the warm-up and filters run in commands.
type infoCache struct{ m sync.Map }

func (c *infoCache) get(g *triage.Group) *groupInfo {
	if c == nil {
		return newGroupInfo(g)
	}
	if v, ok := c.m.Load(g); ok {
		return v.(*groupInfo)
	}
	in := newGroupInfo(g)
	c.m.Store(g, in)
	return in
}

// warm fills the cache for gs.
func (c *infoCache) warm(gs []*triage.Group) {
	for _, g := range gs {
		c.get(g)
	}
}

func newGroupInfo(g *triage.Group) *groupInfo {
	in := &groupInfo{
		uaName: useragent.Parse(g.Key.UserAgent).Name,
		first:  fmtTime(g.FirstSeen, fullTime),
		last:   fmtTime(g.LastSeen, fullTime),
	}
	if g.Key.SourceIP.IsValid() {
		in.ip = g.Key.SourceIP.String()
	}
	return in
}

// groupDoc shows a queue row to KQL. One groupDoc is reused for every row
// of a pass, and Values returns its scratch buffer, so matching allocates
// nothing per row (kql.Document allows it: the engine keeps no value).
type groupDoc struct {
	g      *triage.Group
	status string
	info   *infoCache
	buf    [8]kql.Value
}

func (d *groupDoc) Fields() []string { return groupFields }

// Objects: a queue row has no nested objects.
func (d *groupDoc) Objects(string) []kql.Document { return nil }

func (d *groupDoc) one(v kql.Value) []kql.Value {
	d.buf[0] = v
	return d.buf[:1]
}

func (d *groupDoc) Values(p string) []kql.Value {
	g := d.g
	str := func(s string) []kql.Value {
		if s == "" {
			return nil
		}
		return d.one(kql.StringValue(s))
	}
	num := func(n int) []kql.Value {
		return d.one(kql.Value{Kind: kql.KindNumber, Num: float64(n), Str: strconv.Itoa(n)})
	}
	switch p {
	case "source.ip", "client.ip":
		return str(d.info.get(g).ip)
	case "user_agent.original":
		return str(g.Key.UserAgent)
	case "user_agent.name":
		return str(d.info.get(g).uaName)
	case "detector", "detectors":
		out := d.buf[:0]
		if 2*len(g.Detectors) > len(d.buf) {
			out = make([]kql.Value, 0, 2*len(g.Detectors))
		}
		for _, id := range g.Detectors {
			out = appendDetector(out, id)
		}
		return out
	case "severity", "kibana.alert.severity":
		return str(g.MaxSeverity.String())
	case "risk", "kibana.alert.risk_score":
		return num(g.Risk)
	case "findings":
		return num(g.Findings)
	case "status", "kibana.alert.workflow_status":
		return str(d.status)
	case "first_seen", "@timestamp":
		return str(d.info.get(g).first)
	case "last_seen":
		return str(d.info.get(g).last)
	}
	if !g.Key.Default() {
		// A row under another chain answers its key's fields.
		if v, ok := keyField(g.Key, p); ok {
			return str(v)
		}
	}
	return nil
}

// appendDetector appends a detector id as filters see it: the full id
// ("appsensor:RE8") and, when it has a source prefix, the id as the
// console shows it ("RE8"), so a filter can name either.
func appendDetector(out []kql.Value, id string) []kql.Value {
	if id == "" {
		return out
	}
	out = append(out, kql.StringValue(id))
	if _, short, ok := strings.Cut(id, ":"); ok && short != "" {
		out = append(out, kql.StringValue(short))
	}
	return out
}

var findingFields = []string{
	"@timestamp", "detector", "kibana.alert.rule.name", "severity", "risk", "reason",
	"source.ip", "user_agent.original", "user.name", "session.id", "event.count",
}

// findingDoc shows a finding (or a pulled alert's row) to KQL.
type findingDoc struct{ f *triage.Finding }

func (d findingDoc) Fields() []string { return findingFields }

// Objects: a finding has no nested objects.
func (d findingDoc) Objects(string) []kql.Document { return nil }

func (d findingDoc) Values(p string) []kql.Value {
	f := d.f
	str, num := strValue, numValue
	switch p {
	case "@timestamp":
		return str(fmtTime(f.Timestamp, fullTime))
	case "detector":
		return appendDetector(nil, f.Detector)
	case "kibana.alert.rule.name", "title":
		return str(f.Title)
	case "severity", "kibana.alert.severity":
		return str(f.Severity.String())
	case "risk", "kibana.alert.risk_score":
		return num(f.RiskScore)
	case "reason", "kibana.alert.reason":
		return str(f.Reason)
	case "source.ip", "client.ip":
		if !f.SourceIP.IsValid() {
			return nil
		}
		return str(f.SourceIP.String())
	case "user_agent.original":
		return str(f.UserAgent)
	case "user.name":
		return str(f.UserName)
	case "session.id":
		return str(f.SessionID)
	case "event.count":
		return num(max(f.EventCount, len(f.Evidence)))
	}
	return nil
}

// The queue's filter reaches past the group's row: a query naming a
// field the row does not have (user.name, url.path, reason…) matches a
// group when the row matches, or one of its findings does, or one of the
// kept evidence events of one of its findings does. A finding is matched
// with its own fields (findingDoc); an event with its own fields, then the
// fields of the finding that cites it for those the event lacks
// (detector, severity, reason…), so url.path:/login and detector:AE11
// finds the logins AE11 cites. A row's own fields (status, risk,
// findings, first_seen, last_seen) are matched on the row: the sum of a
// group's risk is not a finding's. Queries on the row's fields alone
// (source.ip, severity, status, bare words…) match the rows only, as
// they always did.
//
// Reading events is bounded: at most filterEvidence events per finding
// and filterEventBudget in all; a search cut short says so in the status
// line. It runs off the input loop on big runs.

// filterEvidence is how many evidence events of one finding the filter
// reads; filterEventBudget how many it reads in all.
const (
	filterEvidence    = 32
	filterEventBudget = 250_000
)

// rowFields are the fields the queue row answers (groupDoc).
var rowFields = map[string]bool{
	"source.ip": true, "client.ip": true, "user_agent.original": true, "user_agent.name": true,
	"detector": true, "detectors": true, "severity": true, "kibana.alert.severity": true,
	"risk": true, "kibana.alert.risk_score": true, "findings": true, "status": true,
	"kibana.alert.workflow_status": true, "first_seen": true, "@timestamp": true, "last_seen": true,
}

// findingNames are the fields findingDoc answers.
var findingNames = map[string]bool{
	"@timestamp": true, "detector": true, "kibana.alert.rule.name": true, "title": true, "severity": true,
	"kibana.alert.severity": true, "risk": true, "kibana.alert.risk_score": true, "reason": true,
	"kibana.alert.reason": true, "source.ip": true, "client.ip": true, "user_agent.original": true,
	"user.name": true, "session.id": true, "event.count": true,
}

// knownField reports a field the console knows without reading events:
// one of the row's or the findings', the grouping pseudo-field detector,
// or an ECS (or APM) field.
func knownField(f string) bool {
	return rowFields[f] || findingNames[f] || f == triage.FieldDetector || kql.LookupType(f) != "" ||
		f == "findings" || f == "campaign"
}

// unknownFieldErr says why a field is refused.
func unknownFieldErr(f string, events int) string {
	return triage.Escape("unknown field " + f + ": not an ECS field, not a group or finding field, and in none of the " +
		plural(events, "kept event"))
}

// checkFields looks for the fields the console does not know in the kept
// events, all of them if need be, and returns those found nowhere.
func checkFields(c *triage.Collection, fields []string) fieldsMsg {
	msg := fieldsMsg{fields: fields}
	left := map[string]bool{}
	for _, f := range fields {
		if !knownField(f) {
			left[f] = true
		}
	}
	if len(left) > 0 {
		c.EachEvent(func(ev *triage.Event) bool {
			msg.events++
			for f := range left {
				if len(ev.Values(f)) > 0 {
					delete(left, f)
				}
			}
			return len(left) > 0
		})
	}
	for _, f := range fields {
		if left[f] {
			msg.unknown = append(msg.unknown, f)
		}
	}
	return msg
}

// queryFields are the fields a query names (bare values and field-name
// wildcards left out): those the filter checks.
func queryFields(q *kql.Query) []string {
	var out []string
	for _, c := range q.Comparisons() {
		if c.Field != "" && !c.FieldWildcard && !slices.Contains(out, c.Field) {
			out = append(out, c.Field)
		}
	}
	return out
}

// deepQuery reports whether a query names a field the queue's rows do
// not answer under gp (so findings and events must be matched too).
func deepQuery(q *kql.Query, gp grouping) bool {
	if q == nil {
		return false
	}
	for _, c := range q.Comparisons() {
		switch {
		case c.FieldWildcard:
			return true
		case c.Field == "" || rowFields[c.Field]:
		case !gp.isDefault() && slices.Contains(gp.by, c.Field):
		default:
			return true
		}
	}
	return false
}

// filterHits are the groups (of every level) a query matches through
// their findings and evidence events.
type filterHits struct {
	keys     map[triage.GroupKey]bool
	events   int  // evidence events read
	partial  bool // the budget ran out: later findings' events were not read
	findings int  // findings matched
}

func (h *filterHits) has(k triage.GroupKey) bool { return h != nil && h.keys[k] }

// hitsMsg carries filterHits for the query and grouping they were
// worked out for.
type hitsMsg struct {
	query string
	gp    grouping
	hits  *filterHits
	of    int // findings in the run when worked out
}

var hitsAddr = address{to: viewQueue, topic: topicHits}

// matchFindings works out the groups of the last level (a campaign's
// members, the last field's groups) q matches through findings and
// events under grouping gp; the rows above match through them.
func matchFindings(c *triage.Collection, all *findingsCache, q *kql.Query, gp grouping) *filterHits {
	h := &filterHits{keys: map[triage.GroupKey]bool{}}
	ev := memoEvent(c)
	events := eventsNeeded(q)
	doc := &layeredDoc{}
	fs := all.get(c)
	for i := range fs {
		f := &fs[i]
		if !q.Match(findingDoc{f}) && !(events && h.matchEvents(c, q, f, doc)) {
			continue
		}
		h.findings++
		if gp.isDefault() {
			h.keys[triage.GroupKey{SourceIP: f.SourceIP, UserAgent: f.UserAgent}] = true
		} else {
			h.keys[triage.KeyFor(f, gp.by, ev)] = true
		}
	}
	return h
}

// eventsNeeded reports whether a query names a field findings do not
// carry, so their events must be read.
func eventsNeeded(q *kql.Query) bool {
	for _, c := range q.Comparisons() {
		if c.FieldWildcard || (c.Field != "" && !findingNames[c.Field]) {
			return true
		}
	}
	return false
}

// matchEvents matches f's kept evidence events, within the budgets.
func (h *filterHits) matchEvents(c *triage.Collection, q *kql.Query, f *triage.Finding, doc *layeredDoc) bool {
	for i, r := range f.Evidence {
		if i == filterEvidence {
			break
		}
		if h.events >= filterEventBudget {
			h.partial = true
			return false
		}
		e, ok := c.Event(r)
		h.events++
		if !ok {
			continue
		}
		doc.event.Reset(e)
		doc.f = f
		if q.Match(doc) {
			return true
		}
	}
	return false
}

// layeredDoc shows an evidence event to KQL with the fields of the
// finding that cites it under it: the event's value when it has one,
// else the finding's.
type layeredDoc struct {
	event kqldoc.Doc // the one event adapter
	f     *triage.Finding
}

func (d *layeredDoc) Values(p string) []kql.Value {
	if vs := d.event.Values(p); len(vs) > 0 {
		return vs
	}
	return findingDoc{d.f}.Values(p)
}

// Fields: bare values are looked for in the finding's fields.
func (d *layeredDoc) Fields() []string { return findingFields }

// Objects: nested queries are not answered from events here.
func (d *layeredDoc) Objects(string) []kql.Document { return nil }

// refilter works out the groups the filter matches through findings and
// events, when it needs them and they are not current: at once for small
// runs, else in a command (the rows matched on their own fields show
// meanwhile, and the status line says the search goes on).
func (q *queueModel) refilter() tea.Cmd {
	a := q.a
	if !deepQuery(q.match, a.snap.gp) {
		q.hits, q.hitsBusy = nil, false
		a.req.issue(hitsAddr)
		return nil
	}
	of := a.snap.findings + a.snap.hidden
	if q.hits != nil && q.hitsOf == of || q.hitsBusy {
		return nil
	}
	c, all, match, gp, query := a.opts.Collection, a.all(), q.match, a.snap.gp, q.filter
	work := func() tea.Msg { return hitsMsg{query: query, gp: gp, hits: matchFindings(c, all, match, gp), of: of} }
	if of <= syncRows && c.EventCount() <= syncRows {
		a.req.issue(hitsAddr)
		q.hits, q.hitsOf = work().(hitsMsg).hits, of
		return nil
	}
	q.hitsBusy = true
	return a.req.ask(hitsAddr, work)
}

// onHits takes the groups matched through findings and events.
func (q *queueModel) onHits(msg hitsMsg) tea.Cmd {
	q.hitsBusy = false
	if msg.query != q.filter || !msg.gp.same(q.a.snap.gp) {
		return q.refilter()
	}
	q.hits, q.hitsOf = msg.hits, msg.of
	return tea.Batch(q.recompute(), q.refilter())
}

// onFilterFields takes the answer about a query's unknown fields: an
// unknown one is an error beside the input; else the query applies.
func (m *model) onFilterFields(msg fieldsMsg) tea.Cmd {
	in := &m.input
	in.checking = false
	if len(msg.unknown) > 0 {
		in.err = unknownFieldErr(msg.unknown[0], msg.events)
		return nil
	}
	return m.applyFilter()
}
