package triage

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Exception operators (ExceptionEntry.Operator), as Kibana names them.
const (
	OpIncluded = "included" // "is": the condition must hold
	OpExcluded = "excluded" // "is not": the condition must not hold
)

// Exception entry types (ExceptionEntry.Type), as Kibana names them.
const (
	EntryMatch    = "match"     // the field has exactly Value
	EntryMatchAny = "match_any" // the field has one of Values
	EntryWildcard = "wildcard"  // a field value matches the glob Value (* and ?)
	EntryExists   = "exists"    // the field has any value
	EntryNested   = "nested"    // one object of the nested field satisfies every sub-entry
	EntryList     = "list"      // a field value is on an Elastic value list (see ValueList)
)

// AllDetectors scopes an exception or allowlist entry to every detector.
const AllDetectors = "*"

// Exception is one exception item: a finding is suppressed when every event
// it cites satisfies all entries of an exception that applies to its
// detector. The shape follows Kibana's exception list items (entries are
// ANDed; separate exceptions are ORed), so lists tuned in Kibana apply here
// unchanged and the other way round. Comparisons are case-sensitive, as in
// Kibana.
type Exception struct {
	ID     int64  // case-file id; 0 until stored
	ItemID string // Kibana item_id (stable across exports)
	ListID string // Kibana list_id the item belongs to
	// Namespace is Kibana's namespace_type: "single" (one space, the
	// default) or "agnostic" (all spaces).
	Namespace string
	Name      string
	Detector  string // detector id the exception applies to; "" or "*" for all
	Entries   []ExceptionEntry
	Reason    string // why it exists (Kibana "description")
	Author    string
	Created   time.Time
	Expires   time.Time // zero: never
	Tags      []string
	Comments  []string
	// CaseID is the case the exception was raised from, 0 for none.
	CaseID int64
}

// ListRef names an Elastic value list in a "list" entry.
type ListRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// ExceptionEntry is one condition of an Exception. Its JSON form is
// Kibana's: {"field","operator","type","value"} where value is a string
// (match, wildcard), an array (match_any) or absent (exists); nested
// entries carry "entries" and no operator; list entries carry "list".
type ExceptionEntry struct {
	Field    string
	Operator string // OpIncluded or OpExcluded; empty means included
	Type     string // EntryMatch, EntryMatchAny, EntryWildcard, EntryExists, EntryNested, EntryList
	Value    string
	Values   []string         // match_any
	Entries  []ExceptionEntry // nested: conditions on fields relative to Field
	List     *ListRef         // list

	// resolved is the value list a list entry names, set by the
	// Suppressor that holds the exception; nil: the list is unknown and
	// the entry never holds.
	resolved *ValueList
}

type entryJSON struct {
	Field    string           `json:"field"`
	Operator string           `json:"operator,omitempty"`
	Type     string           `json:"type"`
	Value    json.RawMessage  `json:"value,omitempty"`
	Entries  []ExceptionEntry `json:"entries,omitempty"`
	List     *ListRef         `json:"list,omitempty"`
}

// MarshalJSON writes the entry in Kibana's form.
func (en ExceptionEntry) MarshalJSON() ([]byte, error) {
	w := entryJSON{Field: en.Field, Operator: en.Operator, Type: en.Type, List: en.List}
	var err error
	switch en.Type {
	case EntryMatch, EntryWildcard:
		w.Value, err = json.Marshal(en.Value)
	case EntryMatchAny:
		vs := en.Values
		if vs == nil {
			vs = []string{}
		}
		w.Value, err = json.Marshal(vs)
	case EntryNested:
		w.Operator = "" // Kibana's nested entries have no operator
		w.Entries = en.Entries
		if w.Entries == nil {
			w.Entries = []ExceptionEntry{}
		}
	}
	if err != nil {
		return nil, err
	}
	if w.Operator == "" && en.Type != EntryNested {
		w.Operator = OpIncluded
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads an entry in Kibana's form; "value" may be a string
// or an array of strings ("values" is accepted as well).
func (en *ExceptionEntry) UnmarshalJSON(b []byte) error {
	var r struct {
		entryJSON
		Values []string `json:"values"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	*en = ExceptionEntry{Field: r.Field, Operator: r.Operator, Type: r.Type, Entries: r.Entries, List: r.List, Values: r.Values}
	if len(r.Value) > 0 && string(r.Value) != "null" {
		if r.Value[0] == '[' {
			if err := json.Unmarshal(r.Value, &en.Values); err != nil {
				return fmt.Errorf("entry %s: value: %w", r.Field, err)
			}
		} else if err := json.Unmarshal(r.Value, &en.Value); err != nil {
			return fmt.Errorf("entry %s: value: %w", r.Field, err)
		}
	}
	return nil
}

// Validate reports an entry Picket cannot evaluate or export faithfully.
func (en ExceptionEntry) Validate() error {
	if en.Field == "" {
		return errors.New("exception entry without a field")
	}
	switch en.Operator {
	case "", OpIncluded, OpExcluded:
	default:
		return fmt.Errorf("entry %s: unknown operator %q (want included or excluded)", en.Field, en.Operator)
	}
	switch en.Type {
	case EntryMatch, EntryWildcard:
		if en.Value == "" {
			return fmt.Errorf("entry %s: %s needs a value", en.Field, en.Type)
		}
	case EntryMatchAny:
		if len(en.Values) == 0 {
			return fmt.Errorf("entry %s: match_any needs values", en.Field)
		}
	case EntryExists:
	case EntryNested:
		if len(en.Entries) == 0 {
			return fmt.Errorf("entry %s: nested needs entries", en.Field)
		}
		for _, sub := range en.Entries {
			if sub.Type == EntryNested || sub.Type == EntryList {
				return fmt.Errorf("entry %s: nested entries may not be %s", en.Field, sub.Type)
			}
			if err := sub.Validate(); err != nil {
				return err
			}
		}
	case EntryList:
		if en.List == nil || en.List.ID == "" {
			return fmt.Errorf("entry %s: list needs list.id", en.Field)
		}
	default:
		return fmt.Errorf("entry %s: unknown type %q", en.Field, en.Type)
	}
	return nil
}

// Validate checks every entry; an exception needs at least one.
func (x *Exception) Validate() error {
	if len(x.Entries) == 0 {
		return errors.New("exception without entries")
	}
	for _, en := range x.Entries {
		if err := en.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// AppliesTo reports whether the exception covers findings of detector id.
func (x *Exception) AppliesTo(id string) bool {
	return x.Detector == "" || x.Detector == AllDetectors || x.Detector == id
}

// Active reports whether the exception is still in force at now.
func (x *Exception) Active(now time.Time) bool {
	return x.Expires.IsZero() || now.Before(x.Expires)
}

// Matches reports whether ev satisfies every entry. An exception without
// entries matches nothing.
func (x *Exception) Matches(ev *Event) bool {
	if len(x.Entries) == 0 {
		return false
	}
	for i := range x.Entries {
		if !x.Entries[i].matches(ev) {
			return false
		}
	}
	return true
}

// matches evaluates one entry; excluded negates the condition, as Kibana
// wraps it in must_not.
func (en *ExceptionEntry) matches(ev *Event) bool {
	if en.Type == EntryNested {
		for _, obj := range ev.Get(en.Field) {
			if obj.Kind != KindObject {
				continue
			}
			sub := &Event{Raw: []byte(obj.Str)}
			all := true
			for i := range en.Entries {
				if !en.Entries[i].matches(sub) {
					all = false
					break
				}
			}
			if all {
				return true
			}
		}
		return false
	}
	if en.Type == EntryList && en.resolved == nil {
		// A list the case file does not hold cannot be judged: the entry
		// never holds, whatever its operator, so the exception hides
		// nothing rather than everything (the Suppressor lints it).
		return false
	}
	hit := en.condition(ev.Strings(en.Field))
	if en.Operator == OpExcluded {
		return !hit
	}
	return hit
}

// condition is the "included" form of the entry over a field's values.
func (en *ExceptionEntry) condition(vals []string) bool {
	switch en.Type {
	case EntryExists:
		return len(vals) > 0
	case EntryMatch:
		return slices.ContainsFunc(vals, func(v string) bool { return equalValue(v, en.Value) })
	case EntryMatchAny:
		return slices.ContainsFunc(vals, func(v string) bool {
			return slices.ContainsFunc(en.Values, func(want string) bool { return equalValue(v, want) })
		})
	case EntryWildcard:
		return slices.ContainsFunc(vals, func(v string) bool { return Glob(en.Value, v) })
	case EntryList:
		// Kibana's "is in list": any value of the field is on the list (an
		// absent field is on no list, so "is not in list" holds for it).
		return slices.ContainsFunc(vals, en.resolved.Contains)
	}
	return false
}

// equalValue compares a field value with an entry value: exact text, or,
// when the entry value is a CIDR and the field an IP address, containment
// (as an Elasticsearch ip field matches a CIDR).
func equalValue(got, want string) bool {
	if got == want {
		return true
	}
	if strings.IndexByte(want, '/') < 0 {
		return false
	}
	p, err := netip.ParsePrefix(want)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(got)
	return err == nil && p.Contains(a.Unmap())
}

// Glob reports whether s matches pattern in full, where * matches any run
// of characters and ? one character (Kibana's "matches" operator). It is
// case-sensitive and treats every other character literally.
func Glob(pattern, s string) bool {
	// Iterative matcher with single-star backtracking: linear in practice,
	// never exponential on hostile input.
	p, i := 0, 0
	star, mark := -1, 0
	pr, sr := []rune(pattern), []rune(s)
	for i < len(sr) {
		switch {
		case p < len(pr) && (pr[p] == '?' || pr[p] == sr[i]):
			p++
			i++
		case p < len(pr) && pr[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pr) && pr[p] == '*' {
		p++
	}
	return p == len(pr)
}

// Allowlist kinds (AllowEntry.Kind). IP entries hold an address or a CIDR.
const (
	AllowIP        = "ip"
	AllowCIDR      = "cidr"
	AllowUserAgent = "user_agent"
	AllowUser      = "user"
	AllowPath      = "path"
	AllowDomain    = "domain"
)

// AllowEntry is one allowlisted value: findings about an allowlisted source
// address (or network), user agent or user are suppressed outright; path
// and domain entries suppress a finding whose every event requested that
// url.path or url.domain.
type AllowEntry struct {
	ID       int64
	Kind     string // AllowIP, AllowCIDR, AllowUserAgent, AllowUser, AllowPath, AllowDomain
	Value    string
	Detector string // "" or "*" for every detector
	Reason   string
	Author   string
	Created  time.Time
	Expires  time.Time // zero: never
}

// Validate checks that the value fits the kind.
func (a *AllowEntry) Validate() error {
	if a.Value == "" {
		return errors.New("allowlist entry without a value")
	}
	switch a.Kind {
	case AllowIP, AllowCIDR:
		if _, ok := parsePrefix(a.Value); !ok {
			return fmt.Errorf("allowlist %s: %s is not an IP address or CIDR", a.Kind, Quote(a.Value))
		}
	case AllowUserAgent, AllowUser, AllowPath, AllowDomain:
	default:
		return fmt.Errorf("unknown allowlist kind %s (want ip, cidr, user_agent, user, path or domain)", Quote(a.Kind))
	}
	return nil
}

func parsePrefix(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// AppliesTo reports whether the entry covers detector id.
func (a *AllowEntry) AppliesTo(id string) bool {
	return a.Detector == "" || a.Detector == AllDetectors || a.Detector == id
}

// Active reports whether the entry is still in force at now.
func (a *AllowEntry) Active(now time.Time) bool {
	return a.Expires.IsZero() || now.Before(a.Expires)
}

// AllowsActor reports whether the finding's actor (source address, user
// agent, user) is on this entry. Path and domain entries never match an
// actor; they are judged on events (see AsException).
func (a *AllowEntry) AllowsActor(f *Finding) bool {
	switch a.Kind {
	case AllowIP, AllowCIDR:
		p, ok := parsePrefix(a.Value)
		return ok && f.SourceIP.IsValid() && p.Contains(f.SourceIP.Unmap())
	case AllowUserAgent:
		return f.UserAgent != "" && f.UserAgent == a.Value
	case AllowUser:
		return f.UserName != "" && f.UserName == a.Value
	}
	return false
}

// AsException turns a path or domain entry into the equivalent event
// exception; other kinds return false.
func (a *AllowEntry) AsException() (Exception, bool) {
	field := ""
	switch a.Kind {
	case AllowPath:
		field = "url.path"
	case AllowDomain:
		field = "url.domain"
	default:
		return Exception{}, false
	}
	return Exception{
		Name:     "allowlisted " + a.Kind,
		Detector: a.Detector,
		Entries:  []ExceptionEntry{{Field: field, Operator: OpIncluded, Type: EntryMatch, Value: a.Value}},
		Reason:   a.Reason,
		Expires:  a.Expires,
	}, true
}

// ExceptionSummary renders an exception's entries as one line of KQL-like
// text for reports ("user_agent.original: *Googlebot* AND NOT source.ip: 10.0.0.0/8").
func ExceptionSummary(entries []ExceptionEntry) string {
	parts := make([]string, 0, len(entries))
	for _, en := range entries {
		parts = append(parts, entrySummary(en))
	}
	return strings.Join(parts, " AND ")
}

func entrySummary(en ExceptionEntry) string {
	var s string
	switch en.Type {
	case EntryMatch, EntryWildcard:
		s = en.Field + ": " + quoteIfNeeded(en.Value)
	case EntryMatchAny:
		q := make([]string, len(en.Values))
		for i, v := range en.Values {
			q[i] = quoteIfNeeded(v)
		}
		s = en.Field + ": (" + strings.Join(q, " OR ") + ")"
	case EntryExists:
		s = en.Field + ": *"
	case EntryNested:
		return en.Field + ": { " + ExceptionSummary(en.Entries) + " }"
	case EntryList:
		id := ""
		if en.List != nil {
			id = en.List.ID
		}
		s = en.Field + " in list " + id
	default:
		s = en.Field + " " + en.Type
	}
	if en.Operator == OpExcluded {
		return "NOT " + s
	}
	return s
}

// quoteIfNeeded quotes a value as KQL writes a phrase when it must be
// (quotes and backslashes escaped), and shows what a terminal would act on
// the way Escape does everywhere else (\x1b, not JSON's \u001b; <, > and
// & as they are).
func quoteIfNeeded(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\"():") {
		return Escape(v)
	}
	return Quote(v)
}
