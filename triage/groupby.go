package triage

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
)

// GroupBy is the chain of 1 to MaxGroupBy fields the queue groups findings
// by, outermost first: ECS paths of the events ("url.path"), or
// "detector". The default is source.ip × user_agent.original.
type GroupBy []string

// MaxGroupBy is how deep a grouping chain may go (Kibana allows three
// levels too).
const MaxGroupBy = 3

// DefaultGroupBy groups by who did it: one client address with one user
// agent. Scanners and bots rotate neither within a campaign, so the pair
// separates them from the people sharing a NAT address.
var DefaultGroupBy = GroupBy{"source.ip", "user_agent.original"}

// FieldDetector groups by the detector that raised a finding.
const FieldDetector = "detector"

// SuggestedGroupBy are the fields the console offers first; any other ECS
// path can be typed in.
var SuggestedGroupBy = []string{"source.ip", "user_agent.original", "user.name", "url.path", FieldDetector,
	"destination.port", "source.as.organization.name", "source.geo.country_name", "http.request.method", "transaction.name"}

// ParseGroupBy reads a comma-separated chain ("user.name,source.ip").
func ParseGroupBy(s string) (GroupBy, error) {
	var by GroupBy
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !validField(f) {
			return nil, fmt.Errorf("group by: %q is not a field name (letters, digits, '_', '-', '@' and dots)", f)
		}
		for _, seen := range by {
			if seen == f {
				return nil, fmt.Errorf("group by: %s is given twice", f)
			}
		}
		by = append(by, f)
	}
	switch {
	case len(by) == 0:
		return nil, fmt.Errorf("group by: no field given")
	case len(by) > MaxGroupBy:
		return nil, fmt.Errorf("group by: at most %d fields, got %d", MaxGroupBy, len(by))
	}
	return by, nil
}

func validField(f string) bool {
	if f == "" || f[0] == '.' || f[len(f)-1] == '.' || strings.Contains(f, "..") {
		return false
	}
	for _, r := range f {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-', r == '@':
		default:
			return false
		}
	}
	return true
}

// IsDefault reports whether by is the default source.ip × user agent.
func (by GroupBy) IsDefault() bool {
	return len(by) == 0 || (len(by) == 2 && by[0] == DefaultGroupBy[0] && by[1] == DefaultGroupBy[1])
}

// String is the chain as ParseGroupBy reads it.
func (by GroupBy) String() string { return strings.Join(by, ",") }

// findingField answers a grouping field from the finding itself when the
// finding carries it: its detector and its actor.
func findingField(f *Finding, field string) (string, bool) {
	switch field {
	case FieldDetector:
		return f.Detector, true
	case "source.ip":
		if f.SourceIP.IsValid() {
			return f.SourceIP.String(), true
		}
		return "", true
	case "user_agent.original":
		return f.UserAgent, true
	case "user.name":
		// A finding about many clients (filed under its user or the
		// site) has the user it names or none: the user of whichever
		// event came last is a bystander (a site-wide surge was filed
		// under one of its 66 requests' users).
		if f.UserName != "" || f.Subject.Field != "" {
			return f.UserName, true
		}
	case "session.id":
		if f.SessionID != "" || f.Subject.Field != "" {
			return f.SessionID, true
		}
	}
	return "", false
}

// GroupValue is the one answer to "what is this finding's value for a
// grouping field": the finding's own detector and actor fields first, then
// the values the engine captured from the event that raised it (see
// Engine.Capture), then that event itself when the caller can read it (the
// console's kept events). "" means the value is unknown or absent.
func GroupValue(f *Finding, field string, event func(EventRef) (*Event, bool)) string {
	if v, ok := findingField(f, field); ok {
		return v
	}
	for _, a := range f.Attrs {
		if a.Field == field {
			return a.Value
		}
	}
	if event != nil && len(f.Evidence) > 0 {
		if ev, ok := event(f.Evidence[len(f.Evidence)-1]); ok {
			return firstString(ev, field)
		}
	}
	return ""
}

// firstString is an event's first value at path, as text.
func firstString(ev *Event, path string) string { return firstScalar(ev.Values(path)) }

// firstScalar is the text of the first value that is not an object.
func firstScalar(vs []Value) string {
	for _, v := range vs {
		if v.Kind != KindObject {
			return v.Str
		}
	}
	return ""
}

// firstStrings sets out[i] to firstString(ev, paths[i]), parsing the raw
// document at most once for all the paths that need it (Values parses it
// for each).
func firstStrings(ev *Event, paths []string, out []string) {
	var (
		p      *fastjson.Parser // doc lives in it: back to the pool only at the end
		doc    *fastjson.Value
		parsed bool
	)
	defer func() {
		if p != nil {
			getParsers.Put(p)
		}
	}()
	parse := func() *fastjson.Value {
		if !parsed {
			parsed, p = true, getParsers.Get()
			if v, err := p.ParseBytes(ev.Raw); err == nil {
				doc = v
			}
		}
		return doc
	}
	for i, path := range paths {
		vs, _ := ev.lookup(path, parse)
		out[i] = firstScalar(vs)
	}
}

// Attr is one field value a finding carries for grouping.
type Attr struct {
	Field, Value string
}

// GroupKey identifies a group. For the default grouping it is one client
// address with one user agent (SourceIP, UserAgent); for another chain,
// By names the chain and Values holds one value per field. A campaign's
// key has By set to CampaignBy and Values[0] its signature.
type GroupKey struct {
	SourceIP  netip.Addr
	UserAgent string
	By        string // GroupBy.String(); "" for the default grouping
	Values    [MaxGroupBy]string
}

// CampaignBy marks a campaign's key (see Fold).
const CampaignBy = "campaign"

// KeyFor returns the key of f under by; event reads evidence events for
// fields the finding does not carry (may be nil).
func KeyFor(f *Finding, by GroupBy, event func(EventRef) (*Event, bool)) GroupKey {
	if by.IsDefault() {
		if f.Subject.Field != "" {
			// About many addresses: filed under its user or the site.
			return GroupKey{By: f.Subject.Field, Values: [MaxGroupBy]string{f.Subject.Value}}
		}
		return GroupKey{SourceIP: f.SourceIP, UserAgent: f.UserAgent}
	}
	k := GroupKey{By: by.String()}
	for i, field := range by {
		k.Values[i] = GroupValue(f, field, event)
	}
	return k
}

// Compare orders keys for a stable queue order.
func (k GroupKey) Compare(o GroupKey) int {
	if c := strings.Compare(k.By, o.By); c != 0 {
		return c
	}
	if c := k.SourceIP.Compare(o.SourceIP); c != 0 {
		return c
	}
	if c := strings.Compare(k.UserAgent, o.UserAgent); c != 0 {
		return c
	}
	for i := range k.Values {
		if c := strings.Compare(k.Values[i], o.Values[i]); c != 0 {
			return c
		}
	}
	return 0
}

// Default reports whether k is a default (source IP × user agent) key.
func (k GroupKey) Default() bool { return k.By == "" }

// Fields returns the chain k was made under.
func (k GroupKey) Fields() GroupBy {
	if k.By == "" {
		return DefaultGroupBy
	}
	if k.By == CampaignBy {
		return GroupBy{CampaignBy}
	}
	return GroupBy(strings.Split(k.By, ","))
}

// Pairs returns the key as field/value pairs, outermost first.
func (k GroupKey) Pairs() []Attr {
	if k.By == "" {
		ip := ""
		if k.SourceIP.IsValid() {
			ip = k.SourceIP.String()
		}
		return []Attr{{"source.ip", ip}, {"user_agent.original", k.UserAgent}}
	}
	fs := k.Fields()
	out := make([]Attr, len(fs))
	for i, f := range fs {
		out[i] = Attr{f, k.Values[i]}
	}
	return out
}

// String renders the key for display and as the case file's reference to
// a group: "ADDRESS USER-AGENT" ("-" for no address) for the default
// grouping, as case files have always stored it; a JSON array of
// [field, value] pairs for other chains, which no default key can start
// with. ParseGroupKey reads both back.
func (k GroupKey) String() string {
	if k.By == "" {
		ip := "-"
		if k.SourceIP.IsValid() {
			ip = k.SourceIP.String()
		}
		return ip + " " + k.UserAgent
	}
	pairs := k.Pairs()
	arr := make([][2]string, len(pairs))
	for i, p := range pairs {
		arr[i] = [2]string{p.Field, p.Value}
	}
	b, _ := json.Marshal(arr)
	return string(b)
}

// ParseGroupKey reverses GroupKey.String.
func ParseGroupKey(s string) (GroupKey, error) {
	if strings.HasPrefix(s, "[") {
		var arr [][2]string
		if err := json.Unmarshal([]byte(s), &arr); err != nil {
			return GroupKey{}, fmt.Errorf("group key %s: %w", strconv.Quote(s), err)
		}
		if len(arr) == 0 || len(arr) > MaxGroupBy {
			return GroupKey{}, fmt.Errorf("group key %s: want 1 to %d fields", strconv.Quote(s), MaxGroupBy)
		}
		var k GroupKey
		by := make([]string, len(arr))
		for i, p := range arr {
			by[i], k.Values[i] = p[0], p[1]
		}
		k.By = strings.Join(by, ",")
		if by[0] == CampaignBy && len(by) == 1 {
			k.By = CampaignBy
		}
		return k, nil
	}
	ip, ua, _ := strings.Cut(s, " ")
	k := GroupKey{UserAgent: ua}
	if ip != "-" {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return GroupKey{}, fmt.Errorf("group key %s: %q is not an address", strconv.Quote(s), ip)
		}
		k.SourceIP = a
	}
	return k, nil
}
