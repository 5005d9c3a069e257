package ui

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"picket/triage"
	"picket/triage/useragent"
)

// FieldValue is one value of a field, as a filter sees it.
type FieldValue struct {
	Str   string
	Num   float64
	IsNum bool
}

// FilterDoc is a row of the current list (a group, a finding) as a filter
// sees it: dotted ECS-style paths with their values.
type FilterDoc interface {
	// Values returns every value at path, nil when absent.
	Values(path string) []FieldValue
	// Fields lists the paths the row has.
	Fields() []string
}

// FilterFunc compiles a filter query. The console's filter is KQL: the
// wiring passes kql here. Without one, a small built-in matcher
// (field:value terms, * wildcards, not) is used.
type FilterFunc func(query string) (func(FilterDoc) bool, error)

func str(s string) []FieldValue {
	if s == "" {
		return nil
	}
	return []FieldValue{{Str: s}}
}

func num(n int) []FieldValue {
	return []FieldValue{{Str: strconv.Itoa(n), Num: float64(n), IsNum: true}}
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

// groupDoc adapts a queue row to FilterDoc. One groupDoc is reused for
// every row of a pass, and Values returns its scratch buffer, so matching
// allocates nothing per row: a filter must not keep what Values returns
// beyond the call (KQL does not).
type groupDoc struct {
	g      *triage.Group
	status string
	info   *infoCache
	buf    [8]FieldValue
}

func (d *groupDoc) Fields() []string { return groupFields }

func (d *groupDoc) one(v FieldValue) []FieldValue {
	d.buf[0] = v
	return d.buf[:1]
}

func (d *groupDoc) Values(p string) []FieldValue {
	g := d.g
	str := func(s string) []FieldValue {
		if s == "" {
			return nil
		}
		return d.one(FieldValue{Str: s})
	}
	num := func(n int) []FieldValue {
		return d.one(FieldValue{Num: float64(n), IsNum: true, Str: strconv.Itoa(n)})
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
			out = make([]FieldValue, 0, 2*len(g.Detectors))
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
func appendDetector(out []FieldValue, id string) []FieldValue {
	if id == "" {
		return out
	}
	out = append(out, FieldValue{Str: id})
	if _, short, ok := strings.Cut(id, ":"); ok && short != "" {
		out = append(out, FieldValue{Str: short})
	}
	return out
}

var findingFields = []string{
	"@timestamp", "detector", "kibana.alert.rule.name", "severity", "risk", "reason",
	"source.ip", "user_agent.original", "user.name", "session.id", "event.count",
}

// findingDoc adapts a finding to FilterDoc.
type findingDoc struct{ f *triage.Finding }

func (d findingDoc) Fields() []string { return findingFields }

func (d findingDoc) Values(p string) []FieldValue {
	f := d.f
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

// simpleFilter is the built-in matcher used when no KQL engine is wired:
// terms separated by spaces (and "and") must all match; "not" before a
// term negates it; field:value compares a field (a trailing /n on an IP
// value matches a CIDR block, * is a wildcard); a bare word matches any
// field containing it. Case is ignored.
func simpleFilter(q string) (func(FilterDoc) bool, error) {
	toks, err := splitTerms(q)
	if err != nil {
		return nil, err
	}
	type term struct {
		neg          bool
		field, value string
		prefix       netip.Prefix
	}
	var terms []term
	neg := false
	for _, t := range toks {
		switch strings.ToLower(t) {
		case "and":
			continue
		case "or":
			return nil, errors.New("or is not supported by the built-in filter (the KQL engine is not wired)")
		case "not":
			neg = !neg
			continue
		}
		tm := term{neg: neg}
		neg = false
		if f, v, ok := strings.Cut(t, ":"); ok && f != "" && !strings.ContainsAny(f, "/\"") {
			if v == "" {
				return nil, errors.New("missing value after " + strconv.Quote(f+":"))
			}
			tm.field, tm.value = f, strings.ToLower(v)
			if p, err := netip.ParsePrefix(v); err == nil {
				tm.prefix = p.Masked()
			}
		} else {
			tm.value = strings.ToLower(t)
		}
		terms = append(terms, tm)
	}
	if neg {
		return nil, errors.New("not at the end of the filter")
	}
	match := func(t term, v FieldValue) bool {
		s := strings.ToLower(v.Str)
		if t.prefix.IsValid() {
			if a, err := netip.ParseAddr(v.Str); err == nil {
				return t.prefix.Contains(a)
			}
		}
		if t.field == "" {
			return strings.Contains(s, t.value)
		}
		if strings.Contains(t.value, "*") {
			return triage.Glob(t.value, s)
		}
		return s == t.value
	}
	return func(d FilterDoc) bool {
		for _, t := range terms {
			hit := false
			if t.field != "" {
				for _, v := range d.Values(t.field) {
					if match(t, v) {
						hit = true
						break
					}
				}
			} else {
			fields:
				for _, f := range d.Fields() {
					for _, v := range d.Values(f) {
						if match(t, v) {
							hit = true
							break fields
						}
					}
				}
			}
			if hit == t.neg {
				return false
			}
		}
		return true
	}, nil
}

// splitTerms splits a filter on spaces, keeping double-quoted parts
// together (the quotes are dropped).
func splitTerms(q string) ([]string, error) {
	var out []string
	var b strings.Builder
	inQuote, have := false, false
	for _, r := range q {
		switch {
		case r == '"':
			inQuote = !inQuote
			have = true
		case unicode.IsSpace(r) && !inQuote:
			if have {
				out = append(out, b.String())
				b.Reset()
				have = false
			}
		default:
			b.WriteRune(r)
			have = true
		}
	}
	if inQuote {
		return nil, errors.New("unclosed quote")
	}
	if have {
		out = append(out, b.String())
	}
	return out, nil
}
