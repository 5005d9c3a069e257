package triage

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// spanDetector raises a finding on every span, citing it, as AppSensor's
// CIE2 does on a database span; the span names no client.
type spanDetector struct{}

func (spanDetector) Info() DetectorInfo {
	return DetectorInfo{ID: "test:rows", Severity: High, Impact: ImpactExfiltration}
}
func (spanDetector) Observe(ev *Event, emit func(Finding)) {
	if ev.Processor == "span" {
		var f Finding
		f.AddEvidence(ev)
		emit(f)
	}
}
func (spanDetector) Flush(func(Finding)) {}

func decoded(t *testing.T, docs ...string) sliceSource {
	var src sliceSource
	for _, d := range docs {
		ev, err := ParseEvent([]byte(d), "t")
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, ev)
	}
	return src
}

// TestSpanFindingFiledUnderRequest: a span's finding goes to the client of
// the transaction it ran in, joined by transaction.id, else trace.id.
func TestSpanFindingFiledUnderRequest(t *testing.T) {
	tx := `{"processor":{"event":"transaction"},"transaction":{"id":"tx1"},"trace":{"id":"tr1"},"source":{"ip":"203.0.113.210"},"user_agent":{"original":"Firefox"},"user":{"name":"mallory"}}`
	other := `{"processor":{"event":"transaction"},"transaction":{"id":"tx2"},"trace":{"id":"tr2"},"source":{"ip":"192.0.2.8"}}`
	tests := []struct {
		name   string
		docs   []string
		wantIP string
	}{
		{"by transaction id", []string{tx, other, `{"processor":{"event":"span"},"transaction":{"id":"tx1"},"trace":{"id":"tr1"}}`}, "203.0.113.210"},
		{"by trace id", []string{tx, other, `{"processor":{"event":"span"},"trace":{"id":"tr1"}}`}, "203.0.113.210"},
		{"unknown request: the site's", []string{tx, `{"processor":{"event":"span"},"transaction":{"id":"nope"}}`}, ""},
		// An export not sorted by time puts a span, which ends first,
		// before its request: the finding waits for the request.
		{"the span before its transaction", []string{other, `{"processor":{"event":"span"},"transaction":{"id":"tx1"},"trace":{"id":"tr1"}}`, other, tx}, "203.0.113.210"},
		{"the span before its trace's request", []string{`{"processor":{"event":"span"},"trace":{"id":"tr1"}}`, other, tx}, "203.0.113.210"},
		{"a request that never comes: the site's at the end", []string{`{"processor":{"event":"span"},"transaction":{"id":"nope"}}`, tx, other}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Finding
			eng := &Engine{Detectors: []Detector{spanDetector{}}, OnFinding: func(f Finding) { got = append(got, f) }}
			if _, err := eng.Run(context.Background(), decoded(t, tt.docs...)); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%d findings", len(got))
			}
			f := got[0]
			ip := ""
			if f.SourceIP.IsValid() {
				ip = f.SourceIP.String()
			}
			if ip != tt.wantIP || f.Impact != ImpactExfiltration {
				t.Errorf("filed under %q (impact %v), want %q", ip, f.Impact, tt.wantIP)
			}
			if tt.wantIP != "" && (f.UserAgent != "Firefox" || f.UserName != "mallory") {
				t.Errorf("actor %q %q, want the request's", f.UserAgent, f.UserName)
			}
			if tt.wantIP == "" && f.Subject.Field != SubjectSite {
				t.Errorf("subject %+v, want the site", f.Subject)
			}
		})
	}
}

// userDetector raises one finding per user over every event naming it.
type userDetector struct{ f map[string]*Finding }

func (d *userDetector) Info() DetectorInfo { return DetectorInfo{ID: "test:failed"} }
func (d *userDetector) Observe(ev *Event, _ func(Finding)) {
	if d.f == nil {
		d.f = map[string]*Finding{}
	}
	f := d.f[ev.UserName]
	if f == nil {
		f = &Finding{UserName: ev.UserName, SourceIP: ev.SourceIP, UserAgent: ev.UserAgent}
		d.f[ev.UserName] = f
	}
	f.AddEvidence(ev)
}
func (d *userDetector) Flush(emit func(Finding)) {
	for _, f := range d.f {
		emit(*f)
	}
}

// TestManySourcesFiledUnderUser: "60 failed logins for admin" from many
// addresses is about admin, listed with every address, not filed under
// the first one.
func TestManySourcesFiledUnderUser(t *testing.T) {
	var docs []string
	for i := range 5 {
		docs = append(docs, `{"user":{"name":"admin"},"source":{"ip":"198.51.100.`+string(rune('1'+i))+`"},"user_agent":{"original":"bot"}}`)
	}
	var got []Finding
	eng := &Engine{Detectors: []Detector{&userDetector{}}, OnFinding: func(f Finding) { got = append(got, f) }}
	if _, err := eng.Run(context.Background(), decoded(t, docs...)); err != nil {
		t.Fatal(err)
	}
	f := got[0]
	if f.Subject != (Attr{"user.name", "admin"}) || f.SourceIP.IsValid() || f.UserAgent != "" {
		t.Fatalf("filed as %+v under %v %q", f.Subject, f.SourceIP, f.UserAgent)
	}
	addrs, n, _ := f.Sources()
	if n != 5 || len(addrs) != 5 {
		t.Errorf("%d sources listed, %d counted, want 5", len(addrs), n)
	}
	if k := KeyFor(&f, DefaultGroupBy, nil); k.By != "user.name" || k.Values[0] != "admin" {
		t.Errorf("default key %v", k)
	}
	b, _ := json.Marshal(f)
	for _, want := range []string{`"subject":{"user.name":"admin"}`, `"sources":5`, `"source_ips":["198.51.100.1"`, `"source_ip":""`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
}

// TestRankByImpact: a data breach outranks a scanner's many high
// findings; an outbound beacon, though low, ranks with the highs.
func TestRankByImpact(t *testing.T) {
	t0 := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	f := func(ip string, sev Severity, risk int, imp Impact) Finding {
		return Finding{Detector: "d", Severity: sev, RiskScore: risk, Impact: imp, Timestamp: t0,
			SourceIP: netip.MustParseAddr(ip), Evidence: []EventRef{{Seq: 1}}}
	}
	var gr Grouper
	var fs []Finding
	for range 40 {
		fs = append(fs, f("203.0.113.1", High, 73, ImpactNone)) // the scanner
	}
	fs = append(fs,
		f("203.0.113.2", High, 73, ImpactExfiltration), // the breach
		f("10.20.0.77", Low, 21, ImpactBeacon),         // the beacon
		f("198.51.100.3", Medium, 47, ImpactNone),
		f("198.51.100.4", High, 73, ImpactNone),
	)
	for i := range fs {
		gr.Add(&fs[i])
	}
	var order []string
	for _, g := range gr.Groups() {
		order = append(order, g.Key.SourceIP.String())
	}
	want := "203.0.113.2 203.0.113.1 198.51.100.4 10.20.0.77 198.51.100.3"
	if strings.Join(order, " ") != want {
		t.Errorf("queue order %v, want %s", order, want)
	}
	if why := gr.Groups()[0].Worst.Why(); why != "data exfiltration (d)" {
		t.Errorf("first group ranked by %q", why)
	}
}

// TestHeldSpanFindingIsBounded: a finding waits for its request for at
// most holdEvents events, then goes on under the site; it is not kept
// back for the rest of a long run.
func TestHeldSpanFindingIsBounded(t *testing.T) {
	docs := []string{`{"processor":{"event":"span"},"transaction":{"id":"late"}}`}
	for range holdEvents + 2048 {
		docs = append(docs, `{"processor":{"event":"transaction"},"transaction":{"id":"tx2"},"source":{"ip":"192.0.2.8"}}`)
	}
	docs = append(docs, `{"processor":{"event":"transaction"},"transaction":{"id":"late"},"source":{"ip":"203.0.113.210"}}`)
	var got []Finding
	events := 0
	var at int // events seen when the finding came
	eng := &Engine{Detectors: []Detector{spanDetector{}}, OnFinding: func(f Finding) { got, at = append(got, f), events },
		OnEvent: func(*Event) { events++ }}
	src := decoded(t, docs...)
	if _, err := eng.Run(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].SourceIP.IsValid() || at > holdEvents+1024+1 || at < holdEvents {
		t.Errorf("%d findings, the first after %d events (ip %v); want one under the site after about %d", len(got), at, got[0].SourceIP, holdEvents)
	}
}

// siteDetector raises one finding citing every event, naming no client:
// a site-wide surge.
type siteDetector struct{ f Finding }

func (*siteDetector) Info() DetectorInfo                   { return DetectorInfo{ID: "test:surge"} }
func (d *siteDetector) Observe(ev *Event, _ func(Finding)) { d.f.AddEvidence(ev) }
func (d *siteDetector) Flush(emit func(Finding))           { emit(d.f) }

// TestSiteFindingNamesNoBystander: a site-wide finding grouped by user
// or session has none; the user of its last evidence event, captured for
// grouping, is a bystander (a surge from one client was filed under the
// user of the other client whose request came last).
func TestSiteFindingNamesNoBystander(t *testing.T) {
	var docs []string
	for i := range 6 {
		docs = append(docs, `{"user":{"name":"surger"},"session":{"id":"s1"},"source":{"ip":"198.51.100.`+string(rune('1'+i))+`"}}`)
	}
	docs = append(docs, `{"user":{"name":"kofi"},"session":{"id":"s2"},"source":{"ip":"192.0.2.9"}}`)
	var got []Finding
	eng := &Engine{Detectors: []Detector{&siteDetector{}}, Capture: []string{"user.name", "session.id"}, OnFinding: func(f Finding) { got = append(got, f) }}
	if _, err := eng.Run(context.Background(), decoded(t, docs...)); err != nil {
		t.Fatal(err)
	}
	f := got[0]
	if f.Subject.Field != SubjectSite {
		t.Fatalf("filed under %+v, want the site", f.Subject)
	}
	for _, field := range []string{"user.name", "session.id"} {
		if v := GroupValue(&f, field, nil); v != "" {
			t.Errorf("%s = %q, want none", field, v)
		}
	}
}

// TestManySpansWaitForOneRequest: a request that ran 70 queries, all
// written before it, gets all 70 findings (a per-request cap of 64 filed
// the rest under the site).
func TestManySpansWaitForOneRequest(t *testing.T) {
	var docs []string
	for range 70 {
		docs = append(docs, `{"processor":{"event":"span"},"transaction":{"id":"tx1"}}`)
	}
	docs = append(docs, `{"processor":{"event":"transaction"},"transaction":{"id":"tx1"},"source":{"ip":"203.0.113.210"}}`)
	var got []Finding
	eng := &Engine{Detectors: []Detector{spanDetector{}}, OnFinding: func(f Finding) { got = append(got, f) }}
	if _, err := eng.Run(context.Background(), decoded(t, docs...)); err != nil {
		t.Fatal(err)
	}
	under := 0
	for _, f := range got {
		if f.SourceIP.String() == "203.0.113.210" {
			under++
		}
	}
	if len(got) != 70 || under != 70 {
		t.Errorf("%d findings, %d under the request's client; want 70 and 70", len(got), under)
	}
}

// TestLateRequestKeepsNewerJoins: a request that comes long after a span
// waiting for it (past the ring) must not overwrite the join of a newer
// span that took the same slot.
func TestLateRequestKeepsNewerJoins(t *testing.T) {
	j := newTraceJoin()
	ev := func(seq uint64, doc string) *Event {
		e, err := ParseEvent([]byte(doc), "t")
		if err != nil {
			t.Fatal(err)
		}
		e.Seq = seq
		return e
	}
	j.observe(ev(1, `{"processor":{"event":"span"},"transaction":{"id":"late"}}`))
	j.observe(ev(2, `{"processor":{"event":"transaction"},"transaction":{"id":"tx2"},"source":{"ip":"192.0.2.8"}}`))
	j.observe(ev(joinSpans+1, `{"processor":{"event":"span"},"transaction":{"id":"tx2"}}`)) // slot 1, joined
	j.observe(ev(joinSpans+600, `{"processor":{"event":"transaction"},"transaction":{"id":"late"},"source":{"ip":"203.0.113.9"}}`))
	f := Finding{Evidence: []EventRef{{Seq: joinSpans + 1}}}
	j.attach(&f)
	if f.SourceIP.String() != "192.0.2.8" {
		t.Errorf("the newer span went to %v, want its own request's 192.0.2.8", f.SourceIP)
	}
}
