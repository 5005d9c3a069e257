package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestRequests: a reply is delivered only while it answers the latest
// request to its address; snapshots are delivered when newer than the
// last one applied.
func TestRequests(t *testing.T) {
	rows := address{to: viewQueue, topic: topicRows}
	step := func(key string) address { return address{to: viewGroup, topic: topicAnswer, key: key} }
	type op func(r *requests) []bool // returns what each deliver said
	deliver := func(rp ...reply) op {
		return func(r *requests) []bool {
			var out []bool
			for _, x := range rp {
				out = append(out, r.deliver(x))
			}
			return out
		}
	}
	at := func(a address, gen uint64) reply { return reply{to: a, gen: gen} }
	tests := []struct {
		name string
		run  func(r *requests) []bool
		want []bool
	}{
		{"latest answer", func(r *requests) []bool {
			g := r.issue(rows)
			return deliver(at(rows, g))(r)
		}, []bool{true}},
		{"superseded answer", func(r *requests) []bool {
			g1 := r.issue(rows)
			g2 := r.issue(rows)
			return deliver(at(rows, g1), at(rows, g2))(r)
		}, []bool{false, true}},
		{"nothing asked", deliver(at(rows, 0), at(rows, 7)), []bool{false, false}},
		{"other address of the topic is separate", func(r *requests) []bool {
			a := r.issue(step("g1|s1"))
			b := r.issue(step("g1|s2"))
			return deliver(at(step("g1|s1"), a), at(step("g1|s2"), b), at(step("g2|s1"), a))(r)
		}, []bool{true, true, false}},
		{"dropped topic", func(r *requests) []bool {
			a := r.issue(step("g1|s1"))
			g := r.issue(rows)
			r.drop(topicAnswer)
			return deliver(at(step("g1|s1"), a), at(rows, g))(r)
		}, []bool{false, true}},
		{"snapshots newer than applied", func(r *requests) []bool {
			g1 := r.issue(snapshotAddr)
			g2 := r.issue(snapshotAddr)
			g3 := r.issue(snapshotAddr)
			return deliver(at(snapshotAddr, g2), at(snapshotAddr, g1), at(snapshotAddr, g3), at(snapshotAddr, g3))(r)
		}, []bool{true, false, true, false}},
		{"stamp answers the latest request", func(r *requests) []bool {
			r.issue(runAddr)
			tick := r.stamp(runAddr, tickMsg{})
			ok := r.deliver(tick)
			r.issue(runAddr) // a re-run
			return []bool{ok, r.deliver(tick)}
		}, []bool{true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.run(newRequests())
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("reply %d delivered = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestAskAddressesTheAnswer: the command ask returns carries the answer
// to the address with the request's generation, and the root routes it
// only then.
func TestAskAddressesTheAnswer(t *testing.T) {
	m := consoleAt(t, testOptions(t, nil), 120, 30)
	cmd := m.req.ask(rowsAddr, func() tea.Msg { return rowsMsg{} })
	stale := cmd().(reply)
	m.queue.recompute() // done at once: the command's answer is stale
	if n := len(m.queue.rows); n != 4 {
		t.Fatalf("%d rows", n)
	}
	m.Update(stale)
	if n := len(m.queue.rows); n != 4 {
		t.Errorf("a stale reply replaced the rows: %d rows", n)
	}
	fresh := m.req.ask(rowsAddr, func() tea.Msg { return rowsMsg{} })().(reply)
	if fresh.to != rowsAddr || fresh.gen <= stale.gen {
		t.Fatalf("reply %+v", fresh)
	}
	m.Update(fresh)
	if n := len(m.queue.rows); n != 0 {
		t.Errorf("the latest reply was not delivered: %d rows", n)
	}
}
