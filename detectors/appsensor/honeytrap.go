package appsensor

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"picket/triage"
)

// HoneyParam is a decoy parameter the application plants (a hidden field
// debug=false, a cookie role=user): any other value means someone edited
// it by hand.
type HoneyParam struct {
	Name  string `toml:"name"`
	Value string `toml:"value"`
}

// newHT1 flags a planted parameter sent with another value.
func newHT1(params []HoneyParam, cache *partsCache) *point {
	info := pointInfo("HT1", "a planted decoy parameter or cookie sent with a changed value")
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		for _, hp := range params {
			for _, p := range cache.get(ev) {
				if (p.Where == InQueryValue || p.Where == InFormValue || p.Where == InJSONValue) && strings.EqualFold(p.Name, hp.Name) && p.Value != hp.Value {
					return fmt.Sprintf("decoy %s changed from %s to %s", clip(hp.Name, 30), clip(hp.Value, 20), clip(p.Value, 40)), true
				}
			}
			for _, c := range ev.Cookies {
				if strings.EqualFold(c.Name, hp.Name) && c.Value != redacted && c.Value != hp.Value {
					return fmt.Sprintf("decoy cookie %s changed from %s to %s", clip(hp.Name, 30), clip(hp.Value, 20), clip(c.Value, 40)), true
				}
			}
		}
		return "", false
	}}
}

// newHT3 flags use of a honeytoken account: a user name that exists only
// as bait (planted in a leaked-looking file, a comment).
func newHT3(users []string, lp *loginParser) *point {
	info := pointInfo("HT3", "a honeytoken account used to log in or seen as the request's user")
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		honey := func(name string) bool { return name != "" && containsFold(users, name) }
		if l, ok := lp.get(ev); ok && l.username != "" && !l.fromUser {
			if honey(l.username) {
				return "honeytoken account " + clip(l.username, 40), true
			}
			return "", false
		}
		if name, ok := lp.cache.anyOf(ev, fieldUserName, honey); ok {
			return "honeytoken account " + clip(name, 40), true
		}
		return "", false
	}}
}

// Reputation is RP1's input: addresses and networks the analyst distrusts
// (Tor exits, blocklists). Requests from them raise a low-severity finding
// and halve the windowed points' thresholds for those sources.
type Reputation struct {
	Name     string // the list's name, for reasons ("tor-exits")
	Prefixes []netip.Prefix
}

// ParseIPList reads one IP or CIDR per line; blank lines and text after
// '#' are ignored. A bad line is an error naming its number.
func ParseIPList(name string, r io.Reader) (Reputation, error) {
	rep := Reputation{Name: name}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s, _, _ := strings.Cut(sc.Text(), "#")
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			rep.Prefixes = append(rep.Prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return rep, fmt.Errorf("%s:%d: not an IP address or CIDR: %q", name, line, s)
		}
		rep.Prefixes = append(rep.Prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return rep, sc.Err()
}

// listed returns the name of the first list holding a.
func listed(lists []Reputation, a netip.Addr) (string, bool) {
	if !a.IsValid() {
		return "", false
	}
	for _, l := range lists {
		for _, p := range l.Prefixes {
			if p.Contains(a) {
				return l.Name, true
			}
		}
	}
	return "", false
}

func newRP1(lists []Reputation) *point {
	info := pointInfo("RP1", "a request from an address on a configured reputation list")
	info.Severity, info.RiskScore = triage.Low, 21 // a modifier more than a verdict
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		if name, ok := listed(lists, ev.SourceIP); ok {
			return fmt.Sprintf("%s is on list %s", ev.SourceIP, clip(name, 40)), true
		}
		return "", false
	}}
}
