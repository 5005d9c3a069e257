package spike

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/valyala/fastjson"

	"picket/triage"
)

// The job's datafeed (Kibana's security_network module) selects
// event.category: network, and then event.outcome: deny or event.type:
// denied. All three are keyword fields, so each comparison is exact and
// case-sensitive, and a multi-valued field matches if any of its values
// does.
const (
	feedCategory = "network"
	feedOutcome  = "deny"
	feedType     = "denied"
)

// lookalike kinds: events that look like denies but that the datafeed
// does not select, so Elastic's job never counts them.
type lookalike int

const (
	lookNone lookalike = iota
	// lookAction: a network event whose event.action says deny, drop,
	// block, reject or reset, without outcome deny or type denied.
	lookAction
	// lookVendor: a network event whose firewall vendor's own action
	// field says so (PAN-OS, FortiGate, Check Point, AWS VPC flow logs,
	// GCP and Azure firewalls, Suricata).
	lookVendor
	// lookCase: "Deny", "DENIED" and the like: keyword matches are
	// case-sensitive.
	lookCase
	// lookCategory: an event that says deny or denied, but whose
	// event.category is not network.
	lookCategory
	numLookalikes
)

// vendorActions are firewall vendors' own action fields, as Elastic's
// integrations keep them beside the ECS fields.
var vendorActions = []string{
	"panw.panos.action",
	"fortinet.firewall.action",
	"checkpoint.rule_action",
	"aws.vpcflow.action",
	"gcp.firewall.rule_details.action",
	"azure.firewall.action",
	"suricata.eve.alert.action",
}

// denyWords mark an action as a deny, in any case: "deny", "denied",
// "drop", "dropped", "flow_dropped", "block", "blocked", "reject",
// "REJECT", "reset-both"...
var denyWords = []string{"deny", "denied", "drop", "block", "reject", "reset"}

// looksDenied reports whether an action value names a deny.
func looksDenied(s string) bool {
	for _, w := range denyWords {
		if containsFold(s, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word w in
// any case, without allocating.
func containsFold(s, w string) bool {
	n := len(w)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n && s[i+j]|0x20 == w[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

// rawMayDeny is a cheap pre-filter on the raw document: a deny word
// anywhere in it, in any case. Only documents that pass are parsed for
// vendor fields or a multi-valued outcome.
func rawMayDeny(raw []byte) bool {
	for i, c := range raw {
		switch c | 0x20 {
		case 'd', 'b', 'r':
			rest := raw[i:]
			for _, w := range denyWords {
				if len(rest) >= len(w) && bytesEqualFold(rest[:len(w)], w) {
					return true
				}
			}
		}
	}
	return false
}

func bytesEqualFold(b []byte, w string) bool {
	for i := range len(w) {
		if b[i]|0x20 != w[i] {
			return false
		}
	}
	return true
}

// selected applies the datafeed to an event from its hot fields. Only
// event.outcome is kept single-valued by the decoder, so a network event
// that fails here but whose document holds "deny" is checked again in
// full (selectedRaw).
func selected(ev *triage.Event) bool {
	return triage.Has(ev.Category, feedCategory) &&
		(ev.Outcome == feedOutcome || triage.Has(ev.Type, feedType))
}

// classification is what the filter learned about one event that the
// datafeed did not select.
type classification struct {
	kind    lookalike
	example string // "event.action \"drop\" (iptables.log)"
}

// filter holds the parser used for the full reads; the engine calls a
// detector from one goroutine, so one parser serves every event.
type filter struct {
	p   fastjson.Parser
	doc *fastjson.Value
}

// parse parses ev.Raw once; later lookups read the parsed document.
func (f *filter) parse(ev *triage.Event) bool {
	v, err := f.p.ParseBytes(ev.Raw)
	if err != nil {
		f.doc = nil
		return false
	}
	f.doc = v
	return true
}

// each calls fn with every scalar value at the dotted path of the parsed
// document, as Elasticsearch sees them: nested objects and dotted keys
// alike, arrays flattened. Numbers and booleans come as their JSON text.
func (f *filter) each(path string, fn func(b []byte)) {
	if f.doc != nil {
		walk(f.doc, path, fn, 0)
	}
}

func walk(v *fastjson.Value, path string, fn func(b []byte), depth int) {
	if depth > 32 {
		return
	}
	switch v.Type() {
	case fastjson.TypeArray:
		arr, _ := v.Array()
		for _, e := range arr {
			walk(e, path, fn, depth+1)
		}
	case fastjson.TypeObject:
		if path == "" {
			return
		}
		o, _ := v.Object()
		o.Visit(func(k []byte, child *fastjson.Value) {
			switch {
			case string(k) == path:
				walk(child, "", fn, depth+1)
			case len(k) < len(path) && path[len(k)] == '.' && path[:len(k)] == string(k):
				walk(child, path[len(k)+1:], fn, depth+1)
			}
		})
	case fastjson.TypeString:
		if path == "" {
			fn(v.GetStringBytes())
		}
	case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
		if path == "" {
			fn(v.MarshalTo(nil))
		}
	}
}

// anyEquals reports whether any value at path equals want exactly.
func (f *filter) anyEquals(path, want string) bool {
	found := false
	f.each(path, func(b []byte) {
		if string(b) == want {
			found = true
		}
	})
	return found
}

// classify decides, for an event the hot fields did not select, whether
// the datafeed selects it after all (a later value of a multi-valued
// event.outcome) and, if not, whether it looks like a deny the job
// misses.
func (f *filter) classify(ev *triage.Event) (bool, classification) {
	network := triage.Has(ev.Category, feedCategory)
	if !network {
		// Only the hot fields are read here: most such events are
		// application traffic and must stay cheap.
		if ex := hotDenyHint(ev); ex != "" {
			return false, classification{lookCategory, fmt.Sprintf("%s with event.category %s", ex, listOrNone(ev.Category))}
		}
		return false, classification{}
	}
	parsed := false
	if bytes.Contains(ev.Raw, []byte(`"`+feedOutcome+`"`)) {
		parsed = f.parse(ev)
		if parsed && f.anyEquals("event.outcome", feedOutcome) {
			return true, classification{}
		}
	}
	if strings.EqualFold(ev.Outcome, feedOutcome) {
		return false, classification{lookCase, fmt.Sprintf("event.outcome %q", ev.Outcome)}
	}
	for _, t := range ev.Type {
		if strings.EqualFold(t, feedType) {
			return false, classification{lookCase, fmt.Sprintf("event.type %q", t)}
		}
	}
	if looksDenied(ev.Action) {
		return false, classification{lookAction, fmt.Sprintf("event.action %q", ev.Action)}
	}
	if !rawMayDeny(ev.Raw) {
		return false, classification{}
	}
	if !parsed && !f.parse(ev) {
		return false, classification{}
	}
	for _, field := range vendorActions {
		var hit string
		f.each(field, func(b []byte) {
			if hit == "" && looksDenied(string(b)) {
				hit = string(b)
			}
		})
		if hit != "" {
			return false, classification{lookVendor, fmt.Sprintf("%s %q", field, hit)}
		}
	}
	return false, classification{}
}

// hotDenyHint names the hot field that makes an event look like a deny.
func hotDenyHint(ev *triage.Event) string {
	switch {
	case strings.EqualFold(ev.Outcome, feedOutcome):
		return fmt.Sprintf("event.outcome %q", ev.Outcome)
	case slices.ContainsFunc(ev.Type, func(t string) bool { return strings.EqualFold(t, feedType) }):
		return fmt.Sprintf("event.type %q", feedType)
	case looksDenied(ev.Action):
		return fmt.Sprintf("event.action %q", ev.Action)
	}
	return ""
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "missing"
	}
	return strings.Join(l, ", ")
}

// Counts reports whether the job's datafeed would select ev: a denied
// network event, as Observe judges it (for a pulled alert's source
// events; safe to call from any goroutine).
func Counts(ev *triage.Event) bool {
	if selected(ev) {
		return true
	}
	var f filter
	ok, _ := f.classify(ev)
	return ok
}
