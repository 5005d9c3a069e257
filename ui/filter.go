package ui

import (
	"strconv"
	"strings"
	"sync"

	"picket/kql"
	"picket/triage"
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
