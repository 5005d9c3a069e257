package ui

import tea "github.com/charmbracelet/bubbletea"

// Slow work (a snapshot of the collection, the queue's rows, a step's
// answer, the dialog's preview…) runs in commands, off the input loop.
// Its answer comes back as a reply addressed to whoever asked and stamped
// with the request it answers; the root delivers a reply only while that
// request is still the latest, so an answer the analyst has moved past
// (typed on, re-ran, closed the group) is dropped in one place rather
// than by a sequence number in every view.

// topic is the kind of request a part of the console makes.
type topic uint8

const (
	topicRun        topic = iota // the run: Start returning, and the refresh ticks while it loads (root)
	topicSnapshot                // a snapshot of the collection (root)
	topicRows                    // the queue's rows, filtered and sorted (queue)
	topicFindings                // the open group's findings (group)
	topicCase                    // the open group's notes and checklist ticks (group)
	topicAnswer                  // a checklist step's answer, keyed by group and step (group)
	topicPreview                 // what the dialog's entry would suppress (dialog)
	topicVerdicts                // whether the pulled alerts reproduce (root)
	topicRuleCounts              // findings per detector (rules)
	topicFields                  // whether typed fields occur in the kept events (root: picker, filter input)
	topicHits                    // the groups a queue filter matches through findings and events (queue)
	topicBulk                    // a bulk action's write (root)
)

// address names who asked and what: the view that gets the answer
// (viewRoot for the root, viewDialog for the suppression dialog), the
// topic, and for per-item requests the item.
type address struct {
	to    viewID
	topic topic
	key   string
}

// reply is a command's answer addressed to the part that asked.
type reply struct {
	to  address
	gen uint64
	msg tea.Msg
}

// requests remembers the latest request per address. Generations are
// numbered across all addresses, so a dropped address never sees an old
// number again.
type requests struct {
	n       uint64
	latest  map[address]uint64
	applied map[address]uint64 // for ordered topics
}

// ordered topics accept any answer newer than the last one applied: a
// snapshot taken a moment ago is better than none while a newer one is
// being taken. The others accept only the answer to the latest request.
func ordered(t topic) bool { return t == topicSnapshot }

func newRequests() *requests {
	return &requests{latest: map[address]uint64{}, applied: map[address]uint64{}}
}

// issue starts a request to a, superseding earlier ones, and returns its
// generation. Work done at once, without a command, issues too, so an
// older answer still on its way is dropped.
func (r *requests) issue(a address) uint64 {
	r.n++
	r.latest[a] = r.n
	return r.n
}

// ask issues a request to a and returns the command that runs fn off the
// input loop and addresses its answer.
func (r *requests) ask(a address, fn func() tea.Msg) tea.Cmd {
	gen := r.issue(a)
	return func() tea.Msg { return reply{to: a, gen: gen, msg: fn()} }
}

// stamp addresses msg to the latest request to a without issuing a new
// one: the refresh ticks of a run belong to the run.
func (r *requests) stamp(a address, msg tea.Msg) reply {
	return reply{to: a, gen: r.latest[a], msg: msg}
}

// current reports whether gen is the latest request to a.
func (r *requests) current(a address, gen uint64) bool {
	return gen != 0 && r.latest[a] == gen
}

// drop forgets every request of topic t: their answers will be dropped.
func (r *requests) drop(t topic) {
	for a := range r.latest {
		if a.topic == t {
			delete(r.latest, a)
		}
	}
}

// deliver reports whether a reply is still wanted, and records it.
func (r *requests) deliver(rp reply) bool {
	if !ordered(rp.to.topic) {
		return r.current(rp.to, rp.gen)
	}
	if rp.gen == 0 || rp.gen <= r.applied[rp.to] || rp.gen > r.latest[rp.to] {
		return false
	}
	r.applied[rp.to] = rp.gen
	return true
}
