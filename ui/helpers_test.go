package ui

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// hostileUA is a user agent an attacker would send: an SGR escape and a
// right-to-left override.
const hostileUA = "\x1b[31mevil\u202ebot"

var t0 = time.Date(2024, 3, 14, 9, 0, 0, 0, time.UTC)

// testCollection is a small, fixed collection: four groups, one of them
// with a hostile user agent, and events for some of the evidence.
func testCollection(tb testing.TB) *triage.Collection {
	tb.Helper()
	c := triage.NewCollection(3)
	ip := netip.MustParseAddr
	add := func(f triage.Finding) { c.AddFinding(f) }

	sqlmap := "sqlmap/1.7.2#stable (https://sqlmap.org)"
	for i, d := range []string{"appsensor:CIE1", "appsensor:RE2", "appsensor:CIE1"} {
		add(triage.Finding{
			Detector: d, Title: "SQL injection attempt", Severity: triage.Critical, RiskScore: 90,
			Timestamp: t0.Add(time.Duration(i) * 90 * time.Minute), SourceIP: ip("203.0.113.7"), UserAgent: sqlmap,
			Reason:   fmt.Sprintf("blocked SQL injection in parameter id (%d)", i),
			EventIDs: []string{fmt.Sprintf("ev-%d", i)}, EventCount: 1,
		})
	}
	add(triage.Finding{
		Detector: "elastic:9a7c3f10-1111-2222-3333-444455556666", Title: "Suspicious user agent",
		Severity: triage.High, RiskScore: 73, Timestamp: t0.Add(30 * time.Minute),
		SourceIP: ip("198.51.100.23"), UserAgent: hostileUA,
		Reason:   "user agent contains \x1b]0;pwned\x07 control characters",
		EventIDs: []string{"ev-1", "ev-9", "ev-10"}, EventCount: 57,
	})
	add(triage.Finding{
		Detector: "appsensor:AE3", Title: "High rate of failed logins", Severity: triage.Medium, RiskScore: 47,
		Timestamp: t0.Add(2 * time.Hour), End: t0.Add(2*time.Hour + 10*time.Minute),
		SourceIP: ip("192.0.2.55"), UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
		Reason: "31 failed logins for 12 users in 10 minutes", EventIDs: []string{"ev-2"}, EventCount: 31,
	})
	add(triage.Finding{
		Detector: "query", Title: "Ad-hoc query", Severity: triage.Low, RiskScore: 21,
		Timestamp: t0.Add(5 * time.Hour), SourceIP: ip("2001:db8::1"), UserAgent: "curl/8.5.0",
		Reason: "matched the saved query", EventIDs: []string{"ev-3"}, EventCount: 1,
	})

	for i := range 3 {
		raw := fmt.Sprintf(`{"@timestamp":"2024-03-14T09:%02d:00Z","source":{"ip":"203.0.113.7"},`+
			`"http":{"request":{"method":"GET"},"response":{"status_code":403}},"url.original":"/item?id=1%%27%%20OR%%201=1",`+
			`"user_agent":{"original":"sqlmap"},"tags":["a","b","c","d","e","f","g","h","i","j","k"],"labels":{"evil":"\u001b[2J"}}`, i)
		c.AddEvent(&triage.Event{
			Raw: []byte(raw), ID: fmt.Sprintf("ev-%d", i), Origin: fmt.Sprintf("test.ndjson:%d", i+1),
			Timestamp: t0.Add(time.Duration(i) * time.Minute), SourceIP: ip("203.0.113.7"),
			UserAgent: "sqlmap", Method: "GET", StatusCode: 403, URLOriginal: "/item?id=1%27%20OR%201=1",
		})
	}
	return c
}

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "pgup":
		return tea.KeyMsg{Type: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// press sends keys to the root model directly.
func press(m *model, keys ...string) {
	for _, k := range keys {
		m.Update(keyMsg(k))
	}
}
