package ui

import (
	"sync"
	"testing"

	"picket/kql"
)

// kqlTestDoc adapts FilterDoc to kql.Document as cmd_console.go does.
type kqlTestDoc struct {
	d   FilterDoc
	buf []kql.Value
}

var kqlTestDocPool = sync.Pool{New: func() any { return &kqlTestDoc{} }}

func (k *kqlTestDoc) Values(path string) []kql.Value {
	out := k.buf[:0]
	for _, v := range k.d.Values(path) {
		if v.IsNum {
			out = append(out, kql.Value{Kind: kql.KindNumber, Num: v.Num, Str: v.Str})
		} else {
			out = append(out, kql.StringValue(v.Str))
		}
	}
	k.buf = out
	return out
}
func (k *kqlTestDoc) Fields() []string              { return k.d.Fields() }
func (k *kqlTestDoc) Objects(string) []kql.Document { return nil }

func kqlFilterForTest(q string) (func(FilterDoc) bool, error) {
	query, err := kql.Parse(q)
	if err != nil {
		return nil, err
	}
	return func(d FilterDoc) bool {
		doc := kqlTestDocPool.Get().(*kqlTestDoc)
		doc.d = d
		ok := query.Match(doc)
		kqlTestDocPool.Put(doc)
		return ok
	}, nil
}

// BenchmarkFilterKQL is BenchmarkFilter with the KQL engine the console
// is wired to.
func BenchmarkFilterKQL(b *testing.B) {
	gs := bigCollection().Groups()
	info := &infoCache{}
	info.warm(gs)
	for _, q := range []string{"source.ip:10.0.0.0/16", "user_agent.name:sqlmap and not severity:low", "risk >= 50 and detector:appsensor*", "curl"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				match, err := kqlFilterForTest(q)
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
			o.Filter = kqlFilterForTest
			m := consoleAt(t, o, 120, 30)
			keys(m, "/")
			typeText(m, tc.q)
			keys(m, "enter")
			if m.modal != modalNone {
				t.Fatalf("filter not applied: %s", m.inputErr)
			}
			if len(m.queue.rows) != tc.rows {
				t.Errorf("%d rows, want %d", len(m.queue.rows), tc.rows)
			}
		})
	}
	o := testOptions(t, nil)
	o.Filter = kqlFilterForTest
	m := consoleAt(t, o, 120, 30)
	keys(m, "/")
	typeText(m, "source.ip:(")
	keys(m, "enter")
	if m.modal != modalFilter || m.inputErr == "" || len(m.queue.rows) != 4 {
		t.Errorf("a KQL syntax error must show inline and keep the list: %q, %d rows", m.inputErr, len(m.queue.rows))
	}
}
