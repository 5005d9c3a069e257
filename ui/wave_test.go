package ui

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/triage"
)

// waveStart is when the planted credential-stuffing wave begins.
var waveStart = time.Date(2026, 11, 13, 19, 0, 0, 0, time.UTC)

// waveSources is how many addresses the wave comes from.
const waveSources = 300

// waveCollection plants a credential-stuffing wave of waveSources
// addresses, each logging in once without the remember field (AE11) within
// 40 minutes, beside distinct attacks that must stay rows of their own:
// sqlmap (CIE1), a brute-forcer on anna (AE2, AE3), Burp (RE2), and AE11
// from five unrelated clients hours apart. Every finding cites a kept
// event with user.name and url.path; findings carry the AS and country
// the engine would capture.
func waveCollection() *triage.Collection {
	c := triage.NewCollection(0)
	n := 0
	event := func(at time.Time, ip netip.Addr, ua, user, path, method string) []triage.EventRef {
		n++
		id := fmt.Sprintf("ev-%d", n)
		tenant := "eu"
		if method == "TRACK" {
			tenant = "staging" // a field of this shop's own, in no ECS table
		}
		raw := fmt.Sprintf(`{"@timestamp":%q,"event":{"id":%q},"source":{"ip":%q},"user_agent":{"original":%q},"user":{"name":%q},"url":{"path":%q},"http":{"request":{"method":%q}},"shop":{"tenant":%q}}`,
			at.Format(time.RFC3339), id, ip, ua, user, path, method, tenant)
		ev := &triage.Event{Raw: []byte(raw), ID: id, Timestamp: at, SourceIP: ip, UserAgent: ua, UserName: user, URLPath: path, Method: method}
		c.AddEvent(ev)
		return []triage.EventRef{ev.Ref()}
	}
	uas := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	}
	asns := []string{"Hosting One", "Cloud Two", "Residential Three", "Mobile Four"}
	countries := []string{"Netherlands", "Brazil", "Viet Nam"}
	for i := range waveSources {
		ip := netip.AddrFrom4([4]byte{198, 18, byte(i / 200), byte(i%200 + 1)})
		at := waveStart.Add(time.Duration(i) * 8 * time.Second)
		ua := uas[i%len(uas)]
		user := fmt.Sprintf("customer%03d", i%40)
		c.AddFinding(triage.Finding{
			Detector: "appsensor:AE11", Title: "Unexpected quantity of characters in a field", Severity: triage.Medium, RiskScore: 47,
			Timestamp: at, SourceIP: ip, UserAgent: ua, UserName: user,
			Attrs:    []triage.Attr{{Field: "source.as.organization.name", Value: asns[i%len(asns)]}, {Field: "source.geo.country_name", Value: countries[i%len(countries)]}},
			Reason:   fmt.Sprintf("login without field remember (%d fields)", 2+i%2),
			Evidence: event(at, ip, ua, user, "/login", "POST"), EventCount: 1,
		})
	}
	ip := netip.MustParseAddr
	sqlmap := "sqlmap/1.7.2#stable (https://sqlmap.org)"
	for i := range 3 {
		at := waveStart.Add(-5*time.Hour + time.Duration(i)*time.Minute)
		c.AddFinding(triage.Finding{Detector: "appsensor:CIE1", Title: "SQL injection", Severity: triage.Critical, RiskScore: 90,
			Timestamp: at, SourceIP: ip("203.0.113.7"), UserAgent: sqlmap, Reason: fmt.Sprintf("blocked SQL injection in id (%d)", i),
			Evidence: event(at, ip("203.0.113.7"), sqlmap, "", "/item", "GET"), EventCount: 1})
	}
	ff := "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
	for i, d := range []string{"appsensor:AE2", "appsensor:AE3"} {
		at := waveStart.Add(-2*time.Hour + time.Duration(i)*10*time.Minute)
		c.AddFinding(triage.Finding{Detector: d, Title: "Brute force", Severity: triage.High, RiskScore: 73,
			Timestamp: at, SourceIP: ip("192.0.2.55"), UserAgent: ff, UserName: "anna", Reason: "31 failed logins for anna",
			Evidence: event(at, ip("192.0.2.55"), ff, "anna", "/login", "POST"), EventCount: 31})
	}
	burp := "Mozilla/5.0 Burp"
	c.AddFinding(triage.Finding{Detector: "appsensor:RE2", Title: "Unsupported method", Severity: triage.High, RiskScore: 73,
		Timestamp: waveStart.Add(-time.Hour), SourceIP: ip("192.0.2.77"), UserAgent: burp, Reason: "method TRACK",
		Evidence: event(waveStart.Add(-time.Hour), ip("192.0.2.77"), burp, "", "/admin", "TRACK"), EventCount: 1})
	for i := range 5 {
		at := waveStart.Add(-20*time.Hour + time.Duration(i)*3*time.Hour)
		a := netip.AddrFrom4([4]byte{100, 64, 0, byte(i + 1)})
		c.AddFinding(triage.Finding{Detector: "appsensor:AE11", Title: "Unexpected quantity of characters in a field", Severity: triage.Medium, RiskScore: 47,
			Timestamp: at, SourceIP: a, UserAgent: uas[0], UserName: "bob", Reason: "login without field remember (2 fields)",
			Evidence: event(at, a, uas[0], "bob", "/login", "POST"), EventCount: 1})
	}
	return c
}

// waveGroups is how many groups the wave collection has unfolded: the
// wave's sources, sqlmap, the brute-forcer, Burp and the five stray AE11
// clients.
const waveGroups = waveSources + 3 + 5

// bulkStore is a memStore whose bulk writes are recorded (and may fail),
// or go to a real case file.
type bulkStore struct {
	*memStore
	mu    sync.Mutex
	calls []casefile.Bulk
	fail  error
	file  *casefile.Store
}

func (s *bulkStore) ApplyBulk(ctx context.Context, b casefile.Bulk) (casefile.BulkResult, error) {
	s.mu.Lock()
	s.calls = append(s.calls, b)
	fail, file := s.fail, s.file
	s.mu.Unlock()
	if fail != nil {
		return casefile.BulkResult{}, fail
	}
	if file != nil {
		return file.ApplyBulk(ctx, b)
	}
	for _, t := range b.Targets {
		if b.Status != "" {
			s.memStore.SetAlertStatus(ctx, casefile.AlertStatus{AlertID: alertID(t.Key), Status: b.Status})
		}
		if b.Note != "" {
			s.memStore.AddNote(ctx, casefile.Note{TargetKind: casefile.TargetGroup, TargetKey: t.Key.String(), Body: b.Note})
		}
	}
	return casefile.BulkResult{}, nil
}

// Allowlist and Exceptions read the case file when the store has one, as
// the console's store does after its writes.
func (s *bulkStore) Allowlist(ctx context.Context, at time.Time) ([]triage.AllowEntry, error) {
	if s.file != nil {
		return s.file.Allowlist(ctx, at)
	}
	return s.memStore.Allowlist(ctx, at)
}

func (s *bulkStore) Exceptions(ctx context.Context, f casefile.ExceptionFilter) ([]triage.Exception, error) {
	if s.file != nil {
		return s.file.Exceptions(ctx, f)
	}
	return s.memStore.Exceptions(ctx, f)
}

func (s *bulkStore) bulks() []casefile.Bulk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]casefile.Bulk(nil), s.calls...)
}

var errInjected = errors.New("injected failure")

// slowKeys is keys for tests whose commands write a real case file: they
// wait for every command to finish (a write under -race on a busy machine
// can take longer than runCmd waits).
func slowKeys(m *model, ks ...string) {
	for _, k := range ks {
		_, cmd := m.Update(keyMsg(k))
		runSlow(m, cmd, 0)
	}
}

func runSlow(m *model, cmd tea.Cmd, depth int) {
	if cmd == nil || depth > 20 {
		return
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(time.Minute):
		return
	}
	switch msg := msg.(type) {
	case nil, tea.QuitMsg:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			runSlow(m, c, depth+1)
		}
		return
	case reply:
		if _, tick := msg.msg.(tickMsg); tick {
			return
		}
	}
	_, next := m.Update(msg)
	runSlow(m, next, depth+1)
}
