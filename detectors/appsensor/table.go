package appsensor

import (
	"fmt"

	"picket/triage"
)

// table is the package's one bounded map: from K to V, holding at most its
// limit, forgetting the least recently used key to make room. Every piece
// of state kept per actor, session, route or user lives in one, so memory
// never grows with the input, and each table counts what it forgot so a
// point can say so in a lint.
//
// Values live inside the table, in chunks that never move: a *V stays
// valid until its key is removed or forgotten, and using a key allocates
// nothing. Entries are linked by index, most recently used first.
type table[K comparable, V any] struct {
	idx        map[K]int32
	chunks     []*[tableChunk]tableEntry[K, V]
	n          int32   // slots handed out so far
	free       []int32 // slots given back by remove, reused first
	head, tail int32   // most and least recently used; -1 when empty
	limit      int
	slack      uint64 // see approximate
	gen        uint64 // moves to the front so far
	evicted    int    // keys forgotten to make room
	// onEvict sees a key and its value just before the slot is reused for
	// another key (not on remove: the caller already knows).
	onEvict func(K, *V)
}

const tableChunk = 64

type tableEntry[K comparable, V any] struct {
	key        K
	prev, next int32
	gen        uint64 // table.gen when last moved to the front
	val        V
}

// newTable returns an empty table that holds at most limit keys (at least
// one) in exact least-recently-used order.
func newTable[K comparable, V any](limit int) *table[K, V] {
	t := &table[K, V]{}
	t.init(limit)
	return t
}

// init readies a table held by value (in a struct read on every event,
// where one pointer less to follow matters).
func (t *table[K, V]) init(limit int) {
	limit = max(limit, 1)
	*t = table[K, V]{idx: make(map[K]int32, min(limit, 64)), head: -1, tail: -1, limit: limit}
}

// approximate lets get leave an entry where it is when it moved to the
// front at most slack moves ago: it is still near the front, far from
// eviction, and a busy key then costs no relinking (relinking touches two
// other entries, which is most of a lookup's cost). The order of the rest
// stays exact. Only for tables that are never walked by age.
func (t *table[K, V]) approximate(slack int) *table[K, V] {
	t.slack = uint64(max(slack, 0))
	return t
}

// len counts the keys held, from the table's own fields (not the map's).
func (t *table[K, V]) len() int { return int(t.n) - len(t.free) }

func (t *table[K, V]) ent(i int32) *tableEntry[K, V] { return &t.chunks[i/tableChunk][i%tableChunk] }

// get returns k's value and marks it used; nil when absent.
func (t *table[K, V]) get(k K) *V {
	i, ok := t.idx[k]
	if !ok {
		return nil
	}
	e := t.ent(i)
	if t.slack == 0 || t.gen-e.gen > t.slack {
		t.unlink(i)
		t.pushFront(i)
	}
	return &e.val
}

// peek returns k's value without marking it used; nil when absent.
func (t *table[K, V]) peek(k K) *V {
	if i, ok := t.idx[k]; ok {
		return &t.ent(i).val
	}
	return nil
}

// add inserts k, which must be absent, with a zero value and returns it.
// When the table is full the least recently used key is forgotten first
// (onEvict sees it).
func (t *table[K, V]) add(k K) *V {
	var i int32
	switch {
	case len(t.free) > 0:
		i = t.free[len(t.free)-1]
		t.free = t.free[:len(t.free)-1]
	case int(t.n) < t.limit:
		i = t.n
		t.n++
		if int(i/tableChunk) == len(t.chunks) {
			t.chunks = append(t.chunks, new([tableChunk]tableEntry[K, V]))
		}
	default:
		i = t.tail
		t.unlink(i)
		old := t.ent(i)
		delete(t.idx, old.key)
		t.evicted++
		if t.onEvict != nil {
			t.onEvict(old.key, &old.val)
		}
	}
	e := t.ent(i)
	*e = tableEntry[K, V]{key: k, prev: -1, next: -1}
	t.idx[k] = i
	t.pushFront(i)
	return &e.val
}

// upsert returns k's value, marked used, adding it when absent.
func (t *table[K, V]) upsert(k K) (v *V, added bool) {
	if v := t.get(k); v != nil {
		return v, false
	}
	return t.add(k), true
}

// remove forgets k; its slot is reused by a later add.
func (t *table[K, V]) remove(k K) {
	i, ok := t.idx[k]
	if !ok {
		return
	}
	t.unlink(i)
	delete(t.idx, k)
	*t.ent(i) = tableEntry[K, V]{prev: -1, next: -1} // let the collector have the value
	t.free = append(t.free, i)
}

// oldest calls fn for each key from the least to the most recently used,
// until fn returns false. fn must not add or remove keys.
func (t *table[K, V]) oldest(fn func(K, *V) bool) {
	for i := t.tail; i >= 0; {
		e := t.ent(i)
		prev := e.prev
		if !fn(e.key, &e.val) {
			return
		}
		i = prev
	}
}

func (t *table[K, V]) unlink(i int32) {
	e := t.ent(i)
	if e.prev >= 0 {
		t.ent(e.prev).next = e.next
	} else {
		t.head = e.next
	}
	if e.next >= 0 {
		t.ent(e.next).prev = e.prev
	} else {
		t.tail = e.prev
	}
	e.prev, e.next = -1, -1
}

func (t *table[K, V]) pushFront(i int32) {
	e := t.ent(i)
	t.gen++
	e.gen = t.gen
	e.prev, e.next = -1, t.head
	if t.head >= 0 {
		t.ent(t.head).prev = i
	}
	t.head = i
	if t.tail < 0 {
		t.tail = i
	}
}

// evictionLint words what a full table cost, for the point's lints:
// "more than 100000 actors at once: 12 times the least recently seen
// actor was forgotten (...)".
func evictionLint(id string, evicted int, when, what string) []triage.Lint {
	if evicted == 0 {
		return nil
	}
	return []triage.Lint{{
		Detector: id,
		Message:  fmt.Sprintf("%s: %d times %s", when, evicted, what),
		Count:    evicted,
	}}
}
