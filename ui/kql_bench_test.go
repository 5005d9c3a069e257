package ui

import (
	"testing"

	"picket/kql"
)

// BenchmarkFilterKQL runs what / does off the input loop on 100,000
// groups: compile the query, match every group, keep the default order.
func BenchmarkFilterKQL(b *testing.B) {
	gs := bigCollection().Groups()
	info := &infoCache{}
	info.warm(gs)
	for _, q := range []string{"source.ip:10.0.0.0/16", "user_agent.name:sqlmap and not severity:low", "risk >= 50 and detector:appsensor*", "curl"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				match, err := kql.Parse(q)
				if err != nil {
					b.Fatal(err)
				}
				_ = computeRows(queueInput{active: gs, match: match, info: info})
			}
		})
	}
}

func TestKQLFilterOnGroups(t *testing.T) {
	tests := []struct {
		q    string
		rows int
	}{
		{"source.ip:203.0.113.7", 1},
		{"source.ip:198.51.100.0/24", 1},
		{"severity:critical or severity:high", 2},
		{"risk >= 50", 2},
		{"user_agent.name:sqlmap", 1},
		{"detector:appsensor*", 2},
		{"not status:closed", 4},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			o := testOptions(t, nil)
			m := consoleAt(t, o, 120, 30)
			keys(m, "/")
			typeText(m, tc.q)
			keys(m, "enter")
			if m.modal != modalNone {
				t.Fatalf("filter not applied: %s", m.input.err)
			}
			if len(m.queue.rows) != tc.rows {
				t.Errorf("%d rows, want %d", len(m.queue.rows), tc.rows)
			}
		})
	}
	o := testOptions(t, nil)
	m := consoleAt(t, o, 120, 30)
	keys(m, "/")
	typeText(m, "source.ip:(")
	keys(m, "enter")
	if m.modal != modalFilter || m.input.err == "" || len(m.queue.rows) != 4 {
		t.Errorf("a KQL syntax error must show inline and keep the list: %q, %d rows", m.input.err, len(m.queue.rows))
	}
}
