package triage

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValueListContains(t *testing.T) {
	ips, err := NewValueList("ips", ListIP, []string{"192.0.2.7", "2001:db8::1", "::ffff:198.51.100.1"})
	if err != nil {
		t.Fatal(err)
	}
	ranges, err := NewValueList("nets", ListIPRange, []string{"10.0.0.0/8", "192.0.2.10-192.0.2.20", "198.51.100.5", "2001:db8:1::/48", "10.1.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	words, err := NewValueList("names", ListKeyword, []string{"admin", "svc backup", "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		l    *ValueList
		v    string
		want bool
	}{
		{ips, "192.0.2.7", true},
		{ips, "192.0.2.8", false},
		{ips, "::ffff:192.0.2.7", true}, // the same address, mapped
		{ips, "198.51.100.1", true},     // stored mapped, matched plain
		{ips, "2001:db8:0::1", true},    // another spelling of the same address
		{ips, "2001:db8::2", false},
		{ips, "not an ip", false},
		{ips, "", false},
		{ranges, "10.255.255.255", true},
		{ranges, "11.0.0.0", false},
		{ranges, "9.255.255.255", false},
		{ranges, "192.0.2.10", true},
		{ranges, "192.0.2.20", true},
		{ranges, "192.0.2.21", false},
		{ranges, "192.0.2.9", false},
		{ranges, "198.51.100.5", true},
		{ranges, "198.51.100.6", false},
		{ranges, "2001:db8:1:ffff::1", true},
		{ranges, "2001:db8:2::1", false},
		{ranges, "::ffff:10.0.0.1", true},
		{ranges, "10.0.0.0/8", false}, // a field value is an address, not a network
		{words, "admin", true},
		{words, "Admin", false}, // keyword lists are case-sensitive
		{words, "svc backup", true},
		{words, "svc", false},
		{words, "10.0.0.1", true},
		{words, "10.0.0.01", false}, // text, not an address
	}
	for _, tt := range tests {
		if got := tt.l.Contains(tt.v); got != tt.want {
			t.Errorf("%s(%s).Contains(%q) = %v, want %v", tt.l.ID, tt.l.Type, tt.v, got, tt.want)
		}
	}
	if ranges.Count != 5 || len(ranges.spans) != 4 {
		t.Errorf("ip_range: Count %d, %d spans; want 5 values merged into 4 spans", ranges.Count, len(ranges.spans))
	}
	var nilList *ValueList
	if nilList.Contains("10.0.0.1") {
		t.Error("a nil list contains something")
	}
}

func TestParseListValue(t *testing.T) {
	tests := []struct {
		typ, v string
		err    string // "" for valid
	}{
		{ListIP, "192.0.2.1", ""},
		{ListIP, "fe80::1%eth0", ""},
		{ListIP, "10.0.0.0/8", "ip_range"},
		{ListIP, "# office", "not an IP address"},
		{ListIP, "", "empty"},
		{ListIPRange, "10.0.0.0/8", ""},
		{ListIPRange, "10.0.0.7/8", ""}, // host bits are masked, as Elasticsearch does
		{ListIPRange, "10.0.0.1-10.0.0.9", ""},
		{ListIPRange, "10.0.0.1 - 10.0.0.9", ""},
		{ListIPRange, "10.0.0.9-10.0.0.1", "ends before"},
		{ListIPRange, "10.0.0.1-::1", "mixes"},
		{ListIPRange, "10.0.0.0/33", "CIDR"},
		{ListIPRange, "example.com", "not an IP"},
		{ListKeyword, "# anything goes", ""},
		{"text", "x", "unknown list type"},
	}
	for _, tt := range tests {
		err := ParseListValue(tt.typ, tt.v)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s %q: %v", tt.typ, tt.v, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s %q: error %v, want one saying %q", tt.typ, tt.v, err, tt.err)
		}
	}
	if _, err := NewValueList("x", "text", nil); err == nil {
		t.Error("NewValueList accepted an unknown type")
	}
	if _, err := NewValueList("x", ListIP, []string{"1.2.3.4", "nope"}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("NewValueList with a bad value: %v", err)
	}
}

// eachEvent raises one finding per event, citing it, under its id.
type eachEvent struct{ id string }

func (d eachEvent) Info() DetectorInfo { return DetectorInfo{ID: d.id, Title: d.id} }
func (d eachEvent) Observe(ev *Event, emit func(Finding)) {
	emit(Finding{SourceIP: ev.SourceIP, UserAgent: ev.UserAgent, Evidence: []EventRef{ev.Ref()}})
}
func (eachEvent) Flush(func(Finding)) {}

// plantedWeb is the data of the list tests: each event's id says what it
// is; Kibana's answer for each exception is in the table.
var plantedWeb = sliceSource{
	rawEvent("office", `{"source":{"ip":"10.20.0.5"},"user":{"name":"anna"},"url":{"path":"/login"}}`),
	rawEvent("vpn", `{"source":{"ip":"192.0.2.15"},"user":{"name":"svc-backup"},"url":{"path":"/login"}}`),
	rawEvent("scanner", `{"source":{"ip":"203.0.113.9"},"user":{"name":"admin"},"url":{"path":"/login"}}`),
	rawEvent("noip", `{"user":{"name":"anna"},"url":{"path":"/login"}}`),
	rawEvent("forwarded", `{"source":{"ip":["203.0.113.50","10.20.0.6"]},"url":{"path":"/login"}}`),
	rawEvent("v6", `{"source":{"ip":"2001:db8:7::42"},"user":{"name":"Anna"},"url":{"path":"/admin"}}`),
}

// TestListEntriesAsKibana is issue 14's done-when for value lists: an
// exception list with list entries, imported with its value lists,
// hides exactly the findings Kibana would. Kibana's rules (its detection
// engine's filterEventsAgainstList): "is in list" holds when any value of
// the field is on the list and never for an absent field; "is not in
// list" holds when no value is on the list, an absent field included;
// entries are ANDed; an entry whose list is missing hides nothing.
func TestListEntriesAsKibana(t *testing.T) {
	lists := ValueLists{}
	for _, l := range []struct {
		id, typ string
		vals    []string
	}{
		{"office-ips", ListIP, []string{"10.20.0.5", "10.20.0.6"}},
		{"internal-nets", ListIPRange, []string{"10.0.0.0/8", "192.0.2.0-192.0.2.31", "2001:db8:7::/48"}},
		{"service-users", ListKeyword, []string{"svc-backup", "anna"}},
	} {
		vl, err := NewValueList(l.id, l.typ, l.vals)
		if err != nil {
			t.Fatal(err)
		}
		lists[l.id] = vl
	}
	in := func(field, list, typ string) ExceptionEntry {
		return ExceptionEntry{Field: field, Type: EntryList, Operator: OpIncluded, List: &ListRef{ID: list, Type: typ}}
	}
	notIn := func(field, list, typ string) ExceptionEntry {
		en := in(field, list, typ)
		en.Operator = OpExcluded
		return en
	}
	all := []string{"office", "vpn", "scanner", "noip", "forwarded", "v6"}
	without := func(hidden ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(hidden, s) })
	}
	tests := []struct {
		name    string
		entries []ExceptionEntry
		kept    []string
		lint    string // in a lint, when the entry cannot be applied
	}{
		{"ip list: is in list", []ExceptionEntry{in("source.ip", "office-ips", ListIP)},
			without("office", "forwarded"), ""}, // forwarded: one of its two addresses is on the list
		{"ip list: is not in list", []ExceptionEntry{notIn("source.ip", "office-ips", ListIP)},
			[]string{"office", "forwarded"}, ""}, // noip: an absent field is not in the list
		{"ip_range: is in list", []ExceptionEntry{in("source.ip", "internal-nets", ListIPRange)},
			[]string{"scanner", "noip"}, ""},
		{"ip_range: is not in list", []ExceptionEntry{notIn("source.ip", "internal-nets", ListIPRange)},
			[]string{"office", "vpn", "forwarded", "v6"}, ""},
		{"keyword: is in list, case-sensitive", []ExceptionEntry{in("user.name", "service-users", ListKeyword)},
			[]string{"scanner", "forwarded", "v6"}, ""},
		{"keyword: is not in list", []ExceptionEntry{notIn("user.name", "service-users", ListKeyword)},
			[]string{"office", "vpn", "noip"}, ""},
		{"list AND match", []ExceptionEntry{in("source.ip", "internal-nets", ListIPRange),
			{Field: "url.path", Type: EntryMatch, Operator: OpIncluded, Value: "/login"}},
			[]string{"scanner", "noip", "v6"}, ""},
		{"two lists ANDed", []ExceptionEntry{in("source.ip", "internal-nets", ListIPRange), notIn("user.name", "service-users", ListKeyword)},
			without("forwarded", "v6"), ""},
		{"missing list: is in list hides nothing", []ExceptionEntry{in("source.ip", "partner-ips", ListIP)},
			all, `value list "partner-ips"`},
		{"missing list: is not in list hides nothing either", []ExceptionEntry{notIn("source.ip", "partner-ips", ListIP)},
			all, `value list "partner-ips"`},
		{"list of another type hides nothing", []ExceptionEntry{in("source.ip", "office-ips", ListIPRange)},
			all, "the imported list is ip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := Exception{ID: 7, Name: "planted", Entries: tt.entries}
			entriesBefore := slices.Clone(x.Entries)
			var kept []string
			eng := &Engine{Detectors: []Detector{eachEvent{"test:login"}}, Exceptions: []Exception{x},
				Suppress:  []SuppressOption{WithValueLists(lists)},
				OnFinding: func(f Finding) { kept = append(kept, f.EventIDs()...) }}
			st, err := eng.Run(context.Background(), plantedWeb)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(kept, tt.kept) {
				t.Errorf("kept %v, want %v", kept, tt.kept)
			}
			if st.Suppressed != len(all)-len(tt.kept) {
				t.Errorf("Suppressed = %d, want %d", st.Suppressed, len(all)-len(tt.kept))
			}
			var lints []string
			for _, l := range st.Lints {
				lints = append(lints, l.Message)
			}
			if got := strings.Join(lints, "\n"); (tt.lint == "") != (got == "") || !strings.Contains(got, tt.lint) {
				t.Errorf("lints %q, want one saying %q", got, tt.lint)
			}
			if !reflect.DeepEqual(x.Entries, entriesBefore) {
				t.Error("the Suppressor changed the caller's entries")
			}
		})
	}
}

// TestRuleExceptionLists: a rule's exceptions_list attaches lists to that
// rule only; the same exceptions leave other detectors alone, an explicit
// detector scope still applies, and a list the case file lacks is linted.
func TestRuleExceptionLists(t *testing.T) {
	ruleA, ruleB, other := "elastic:rule-a", "elastic:rule-b", "appsensor:AE2"
	dets := []Detector{eachEvent{ruleA}, eachEvent{ruleB}, eachEvent{other}}
	scannerIP := []ExceptionEntry{{Field: "source.ip", Type: EntryMatch, Operator: OpIncluded, Value: "203.0.113.9"}}
	tests := []struct {
		name   string
		xs     []Exception
		refs   map[string][]ExceptionListRef
		stored func(ExceptionListRef) bool
		hidden map[string][]string // detector -> event ids hidden
		lint   string
	}{
		{"no rule names the list: it applies to every detector",
			[]Exception{{ListID: "rule-a-exceptions", Detector: AllDetectors, Entries: scannerIP}}, nil, nil,
			map[string][]string{ruleA: {"scanner"}, ruleB: {"scanner"}, other: {"scanner"}}, ""},
		{"rule A names the list: rule A only",
			[]Exception{{ListID: "rule-a-exceptions", Detector: AllDetectors, Entries: scannerIP}},
			map[string][]ExceptionListRef{ruleA: {{ListID: "rule-a-exceptions", Namespace: "single", Type: "rule_default"}}}, nil,
			map[string][]string{ruleA: {"scanner"}}, ""},
		{"two rules name one list",
			[]Exception{{ListID: "shared", Entries: scannerIP}},
			map[string][]ExceptionListRef{ruleA: {{ListID: "shared"}}, ruleB: {{ListID: "shared", Type: "detection"}}}, nil,
			map[string][]string{ruleA: {"scanner"}, ruleB: {"scanner"}}, ""},
		{"namespaces keep lists of one list_id apart",
			[]Exception{{ListID: "shared", Namespace: "agnostic", Entries: scannerIP}},
			map[string][]ExceptionListRef{ruleA: {{ListID: "shared", Namespace: "single"}}}, nil,
			map[string][]string{ruleA: {"scanner"}, ruleB: {"scanner"}, other: {"scanner"}},
			`exception list "shared"`},
		{"an explicit detector scope applies beside the rule",
			[]Exception{{ListID: "rule-a-exceptions", Detector: other, Entries: scannerIP}},
			map[string][]ExceptionListRef{ruleA: {{ListID: "rule-a-exceptions"}}}, nil,
			map[string][]string{ruleA: {"scanner"}, other: {"scanner"}}, ""},
		{"missing list: the rule runs, linted",
			[]Exception{{ListID: "picket-exceptions", Detector: other, Entries: scannerIP}},
			map[string][]ExceptionListRef{ruleB: {{ListID: "endpoint_list", Namespace: "agnostic", Type: "endpoint"}}}, nil,
			map[string][]string{other: {"scanner"}}, `exception list "endpoint_list" (endpoint, namespace agnostic)`},
		{"a held list whose items expired is not missing",
			nil, map[string][]ExceptionListRef{ruleA: {{ListID: "old"}}},
			func(r ExceptionListRef) bool { return r.ListID == "old" }, map[string][]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hidden := map[string][]string{}
			sup := NewSuppressor(tt.xs, nil, time.Now(), WithRuleLists(tt.refs, tt.stored))
			tally := sup.NewTally()
			eng := &Engine{Detectors: dets, OnEvent: tally.Observe,
				OnFinding: func(f Finding) {
					tally.Add(&f, nil)
					if _, h := sup.Judge(&f, func(seq uint64) ([]int32, bool) { return tally.matched[seq], true }); h {
						hidden[f.Detector] = append(hidden[f.Detector], f.EventIDs()...)
					}
				}}
			if _, err := eng.Run(context.Background(), plantedWeb); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(hidden, tt.hidden) {
				t.Errorf("hidden %v, want %v", hidden, tt.hidden)
			}
			var msgs []string
			for _, l := range sup.Lints() {
				msgs = append(msgs, l.Detector+": "+l.Message)
			}
			if got := strings.Join(msgs, "\n"); (tt.lint == "") != (got == "") || !strings.Contains(got, tt.lint) {
				t.Errorf("lints %q, want one saying %q", got, tt.lint)
			}
			n := 0
			for _, ids := range tt.hidden {
				n += len(ids)
			}
			if tally.Hidden != n {
				t.Errorf("tally hid %d, want %d", tally.Hidden, n)
			}
		})
	}
}

// TestTally counts per entry: allowlisted addresses, allowlisted paths
// (under their allowlist entry) and exceptions.
func TestTally(t *testing.T) {
	xs := []Exception{{ID: 1, Entries: []ExceptionEntry{{Field: "user.name", Type: EntryMatch, Value: "anna"}}}}
	allow := []AllowEntry{{ID: 10, Kind: AllowCIDR, Value: "192.0.2.0/24"}, {ID: 11, Kind: AllowPath, Value: "/admin"}}
	sup := NewSuppressor(xs, allow, time.Now())
	tally := sup.NewTally()
	eng := &Engine{Detectors: []Detector{eachEvent{"test:x"}}, OnEvent: tally.Observe,
		OnFinding: func(f Finding) { tally.Add(&f, nil) }}
	if _, err := eng.Run(context.Background(), plantedWeb); err != nil {
		t.Fatal(err)
	}
	// office and noip are anna's; vpn is in 192.0.2.0/24; v6 asked /admin.
	if tally.Findings != 6 || tally.Hidden != 4 ||
		!reflect.DeepEqual(tally.Exceptions, map[int64]int{1: 2}) || !reflect.DeepEqual(tally.Allow, map[int64]int{10: 1, 11: 1}) {
		t.Errorf("tally: %d/%d hidden, exceptions %v, allow %v", tally.Hidden, tally.Findings, tally.Exceptions, tally.Allow)
	}
	var none *Suppressor
	nt := none.NewTally()
	nt.Observe(plantedWeb[0])
	nt.Add(&Finding{Evidence: []EventRef{{Seq: 1}}}, nil)
	if nt.Hidden != 0 || nt.Findings != 1 {
		t.Errorf("a nil Suppressor's tally hid %d of %d", nt.Hidden, nt.Findings)
	}
}

// TestLargeListsAreCheap: 10^5 values of each type; a lookup must stay a
// map access or a binary search (measured against a generous bound so the
// race detector's slowdown does not fail it).
func TestLargeListsAreCheap(t *testing.T) {
	const n = 100000
	ips, nets, words := make([]string, n), make([]string, n), make([]string, n)
	for i := range n {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		ips[i] = a.String()
		nets[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(i >> 14), byte(i >> 6), byte(i << 2), 0}), 30).String()
		words[i] = fmt.Sprintf("user-%d", i)
	}
	for _, c := range []struct {
		typ  string
		vals []string
		hit  string
	}{{ListIP, ips, "10.1.134.159"}, {ListIPRange, nets, ips[5]}, {ListKeyword, words, "user-99999"}} {
		l, err := NewValueList("big", c.typ, c.vals)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for range 10000 {
			l.Contains(c.hit)
			l.Contains("172.16.0.1")
		}
		if per := time.Since(start) / 20000; per > 20*time.Microsecond {
			t.Errorf("%s list of %d: %v per lookup", c.typ, n, per)
		}
	}
}

func BenchmarkValueListContains(b *testing.B) {
	vals := make([]string, 100000)
	for i := range vals {
		vals[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(i >> 14), byte(i >> 6), byte(i << 2), 0}), 30).String()
	}
	l, err := NewValueList("big", ListIPRange, vals)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		l.Contains("100.64.3.7")
	}
}
