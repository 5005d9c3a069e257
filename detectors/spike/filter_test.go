package spike

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

var t0 = time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC) // a Monday

func TestDatafeedFilter(t *testing.T) {
	ts := t0.Add(10 * time.Minute).Format(time.RFC3339)
	tests := []struct {
		name    string
		doc     doc
		counted bool
		look    lookalike
	}{
		{"category string, outcome deny", doc{"@timestamp": ts, "event.category": "network", "event.outcome": "deny"}, true, lookNone},
		{"category array, outcome deny", doc{"@timestamp": ts, "event": map[string]any{"category": []string{"network"}, "outcome": "deny"}}, true, lookNone},
		{"category among others", doc{"@timestamp": ts, "event": map[string]any{"category": []string{"intrusion_detection", "network"}, "type": "denied"}}, true, lookNone},
		{"type denied, single value", doc{"@timestamp": ts, "event.category": "network", "event.type": "denied"}, true, lookNone},
		{"type denied in a multi-valued type", doc{"@timestamp": ts, "event.category": []string{"network"}, "event.type": []string{"connection", "denied", "end"}, "event.outcome": "failure"}, true, lookNone},
		{"outcome deny as a later value", doc{"@timestamp": ts, "event.category": "network", "event.outcome": []string{"failure", "deny"}}, true, lookNone},
		{"allowed traffic", doc{"@timestamp": ts, "event.category": "network", "event.type": []string{"connection", "allowed"}, "event.outcome": "success", "event.action": "pass"}, false, lookNone},
		{"connection end, no verdict", doc{"@timestamp": ts, "event.category": "network", "event.type": []string{"connection", "end"}}, false, lookNone},
		{"category in another case", doc{"@timestamp": ts, "event.category": "Network", "event.type": "denied"}, false, lookCategory},
		{"outcome in another case", doc{"@timestamp": ts, "event.category": "network", "event.outcome": "Deny"}, false, lookCase},
		{"type in another case", doc{"@timestamp": ts, "event.category": "network", "event.type": []string{"connection", "DENIED"}}, false, lookCase},
		{"iptables drop: action only", doc{"@timestamp": ts, "event.category": "network", "event.type": "connection", "event.action": "drop"}, false, lookAction},
		{"reject action", doc{"@timestamp": ts, "event.category": "network", "event.action": "REJECT"}, false, lookAction},
		{"PAN-OS vendor field", doc{"@timestamp": ts, "event.category": "network", "event.type": "end", "event.action": "traffic", "panw": map[string]any{"panos": map[string]any{"action": "reset-both"}}}, false, lookVendor},
		{"AWS VPC flow, dotted key", doc{"@timestamp": ts, "event.category": "network", "aws.vpcflow.action": "REJECT"}, false, lookVendor},
		{"vendor says allow", doc{"@timestamp": ts, "event.category": "network", "fortinet.firewall.action": "accept", "rule.name": "block-list-exempt"}, false, lookNone},
		{"deny outside network", doc{"@timestamp": ts, "event.category": "authentication", "event.type": "denied"}, false, lookCategory},
		{"drop without category", doc{"@timestamp": ts, "event.action": "drop"}, false, lookCategory},
		{"APM transaction", doc{"@timestamp": ts, "processor.event": "transaction", "event.outcome": "failure", "http.response.status_code": 403}, false, lookNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(Options{})
			collect(d, []*triage.Event{parse(t, tt.doc)})
			if got := d.events == 1; got != tt.counted {
				t.Errorf("counted = %v, want %v", got, tt.counted)
			}
			for k := lookAction; k < numLookalikes; k++ {
				want := 0
				if k == tt.look {
					want = 1
				}
				if d.looks[k].count != want {
					t.Errorf("lookalike kind %d counted %d, want %d", k, d.looks[k].count, want)
				}
			}
		})
	}
}

func TestDenyWithoutTimestamp(t *testing.T) {
	d := New(Options{})
	collect(d, []*triage.Event{parse(t, doc{"event.category": "network", "event.outcome": "deny"})})
	if d.events != 0 || d.noTime != 1 {
		t.Fatalf("events %d, noTime %d; want 0 and 1", d.events, d.noTime)
	}
	if !hasLint(d.Lints(), "no usable @timestamp", 1) {
		t.Errorf("no lint for the deny without @timestamp: %v", d.Lints())
	}
}

// Events may arrive out of order within a bucket or two (shippers batch,
// exports interleave files): the counts must not depend on the order.
func TestOutOfOrder(t *testing.T) {
	var evs []*triage.Event
	for i := range 400 {
		ts := t0.Add(time.Duration(i) * 20 * time.Second)
		evs = append(evs, parse(t, deny(ts, "e"+string(rune('a'+i%26)), "198.18.0.1", 22)))
	}
	inOrder := New(Options{})
	collect(inOrder, evs)

	shuffled := slices.Clone(evs)
	r := rand.New(rand.NewPCG(3, 4))
	// Displace each event by up to 2 buckets (90 events of 20 s).
	for i := range shuffled {
		j := min(len(shuffled)-1, i+r.IntN(90))
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	outOfOrder := New(Options{})
	collect(outOfOrder, shuffled)

	a, b := inOrder.Buckets(), outOfOrder.Buckets()
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("bucket counts differ: %d vs %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Count != b[i].Count || !a[i].Start.Equal(b[i].Start) {
			t.Errorf("bucket %d: in order %v/%d, out of order %v/%d", i, a[i].Start, a[i].Count, b[i].Start, b[i].Count)
		}
	}
}

func TestLookalikeLint(t *testing.T) {
	ts := t0.Format(time.RFC3339)
	var evs []*triage.Event
	for range 3 {
		evs = append(evs, parse(t, doc{"@timestamp": ts, "event.category": "network", "event.action": "drop", "data_stream.dataset": "iptables.log"}))
	}
	evs = append(evs,
		parse(t, doc{"@timestamp": ts, "event.category": "network", "event.outcome": "DENY"}),
		parse(t, doc{"@timestamp": ts, "event.category": "network", "event.outcome": "deny"}),
	)
	d := New(Options{})
	collect(d, evs)
	lints := d.Lints()
	if !hasLint(lints, `event.action "drop" (iptables.log)`, 3) {
		t.Errorf("no lint counting the 3 iptables drops: %v", lints)
	}
	if !hasLint(lints, "another letter case", 1) {
		t.Errorf("no lint for the upper-case DENY: %v", lints)
	}
	for _, l := range lints {
		if l.Detector != ID {
			t.Errorf("lint from %q, want %q", l.Detector, ID)
		}
	}
}

func hasLint(ls []triage.Lint, substr string, count int) bool {
	for _, l := range ls {
		if strings.Contains(l.Message, substr) && l.Count == count {
			return true
		}
	}
	return false
}

func TestContainsFold(t *testing.T) {
	for s, want := range map[string]bool{
		"deny": true, "Deny": true, "flow_dropped": true, "BLOCKED": true, "reset-both": true,
		"pass": false, "allow": false, "accept": false, "": false, "den": false,
	} {
		if got := looksDenied(s); got != want {
			t.Errorf("looksDenied(%q) = %v", s, got)
		}
		if got := rawMayDeny([]byte(s)); got != want {
			t.Errorf("rawMayDeny(%q) = %v", s, got)
		}
	}
}

// TestCounts: a pulled alert's source event counts for the model when the
// datafeed would select it, multi-valued outcomes included, and an HTTP
// event does not.
func TestCounts(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want bool
	}{
		{`{"event":{"category":["network"],"outcome":"deny"}}`, true},
		{`{"event":{"category":"network","type":["connection","denied"]}}`, true},
		{`{"event":{"category":"network","outcome":["unknown","deny"]}}`, true},
		{`{"event":{"category":"network","outcome":"Deny"}}`, false},
		{`{"event":{"category":"web","outcome":"failure"},"http":{"response":{"status_code":403}}}`, false},
	} {
		ev, err := triage.ParseEvent([]byte(tc.doc), "t")
		if err != nil {
			t.Fatal(err)
		}
		if got := Counts(ev); got != tc.want {
			t.Errorf("%s: Counts = %v, want %v", tc.doc, got, tc.want)
		}
	}
}
