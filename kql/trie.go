package kql

import "sort"

// trie is a frozen byte trie over a set of keys, each key carrying the
// ids given to it. It answers three questions in time linear in the text
// (plus the ids reported): which keys are prefixes of a text, which are
// suffixes (a trie built over reversed keys), and, with failure links,
// which occur anywhere in it (Aho–Corasick).
//
// Nodes are laid out compactly (no map or slice per node) so that value
// lists of hundreds of thousands of keys stay cheap to build and hold.
type trie struct {
	// The children of node i are edges edgeStart[i]:edgeStart[i+1],
	// sorted by label.
	edgeStart []int32
	label     []byte
	child     []int32
	// The ids of the keys ending at node i are ids[idStart[i]:idStart[i+1]].
	idStart []int32
	ids     []int32
	// Aho–Corasick links, set by link: fail is the node of the longest
	// proper suffix of node i's string that is in the trie; dict is the
	// nearest node on the fail chain that ends a key, or -1.
	fail, dict []int32
}

type trieKey struct {
	s  string
	id int32
}

// newTrie builds a trie over keys; reversed builds it over each key read
// backwards (for suffix lookups). Empty keys end at the root.
func newTrie(keys []trieKey, reversed bool) *trie {
	if reversed {
		rk := make([]trieKey, len(keys))
		for i, k := range keys {
			b := []byte(k.s)
			for l, r := 0, len(b)-1; l < r; l, r = l+1, r-1 {
				b[l], b[r] = b[r], b[l]
			}
			rk[i] = trieKey{string(b), k.id}
		}
		keys = rk
	} else {
		keys = append([]trieKey(nil), keys...)
	}
	// Inserting keys in sorted order creates each node's children in
	// label order and lets the previous key's path stand in for a lookup.
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].s != keys[j].s {
			return keys[i].s < keys[j].s
		}
		return keys[i].id < keys[j].id
	})
	type edge struct {
		parent int32
		label  byte
	}
	var edges []edge          // edge k leads to node k+1
	path := []int32{0}        // nodes along the previous key
	nodeIDs := [][]int32{nil} // ids per node, compacted below
	prev := ""
	for _, k := range keys {
		common := 0
		for common < len(prev) && common < len(k.s) && prev[common] == k.s[common] {
			common++
		}
		path = path[:common+1]
		for i := common; i < len(k.s); i++ {
			edges = append(edges, edge{path[len(path)-1], k.s[i]})
			nodeIDs = append(nodeIDs, nil)
			path = append(path, int32(len(edges)))
		}
		n := path[len(path)-1]
		nodeIDs[n] = append(nodeIDs[n], k.id)
		prev = k.s
	}
	nodes := len(nodeIDs)
	t := &trie{
		edgeStart: make([]int32, nodes+1),
		label:     make([]byte, len(edges)),
		child:     make([]int32, len(edges)),
		idStart:   make([]int32, nodes+1),
	}
	for _, e := range edges {
		t.edgeStart[e.parent+1]++
	}
	for i := 0; i < nodes; i++ {
		t.edgeStart[i+1] += t.edgeStart[i]
	}
	fill := append([]int32(nil), t.edgeStart[:nodes]...)
	for k, e := range edges { // creation order keeps labels sorted per parent
		j := fill[e.parent]
		fill[e.parent]++
		t.label[j], t.child[j] = e.label, int32(k+1)
	}
	for i, ids := range nodeIDs {
		t.idStart[i+1] = t.idStart[i] + int32(len(ids))
		t.ids = append(t.ids, ids...)
	}
	return t
}

func (t *trie) nodes() int { return len(t.edgeStart) - 1 }

// next returns node n's child labelled b, or -1.
func (t *trie) next(n int32, b byte) int32 {
	lo, hi := t.edgeStart[n], t.edgeStart[n+1]
	if hi-lo <= 8 {
		for j := lo; j < hi; j++ {
			if t.label[j] == b {
				return t.child[j]
			}
		}
		return -1
	}
	for lo < hi {
		mid := int32(uint32(lo+hi) >> 1)
		if t.label[mid] < b {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < t.edgeStart[n+1] && t.label[lo] == b {
		return t.child[lo]
	}
	return -1
}

func (t *trie) idsAt(n int32) []int32 { return t.ids[t.idStart[n]:t.idStart[n+1]] }

// prefixes calls fn with the ids of every key that is a prefix of s,
// shortest first, until fn returns true; it reports whether one did.
func (t *trie) prefixes(s string, fn func(id int32) bool) bool {
	n := int32(0)
	for i := 0; ; i++ {
		for _, id := range t.idsAt(n) {
			if fn(id) {
				return true
			}
		}
		if i == len(s) {
			return false
		}
		if n = t.next(n, s[i]); n < 0 {
			return false
		}
	}
}

// suffixes is prefixes for a trie built reversed: keys that end s.
func (t *trie) suffixes(s string, fn func(id int32) bool) bool {
	n := int32(0)
	for i := len(s); ; i-- {
		for _, id := range t.idsAt(n) {
			if fn(id) {
				return true
			}
		}
		if i == 0 {
			return false
		}
		if n = t.next(n, s[i-1]); n < 0 {
			return false
		}
	}
}

// link computes the Aho–Corasick failure and dictionary links.
func (t *trie) link() {
	n := t.nodes()
	t.fail = make([]int32, n)
	t.dict = make([]int32, n)
	t.dict[0] = -1
	queue := make([]int32, 0, n)
	for j := t.edgeStart[0]; j < t.edgeStart[1]; j++ {
		c := t.child[j]
		t.fail[c], t.dict[c] = 0, -1
		if t.idStart[0] != t.idStart[1] {
			t.dict[c] = 0
		}
		queue = append(queue, c)
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for j := t.edgeStart[u]; j < t.edgeStart[u+1]; j++ {
			c, b := t.child[j], t.label[j]
			f := t.fail[u]
			for {
				if g := t.next(f, b); g >= 0 {
					t.fail[c] = g
					break
				}
				if f == 0 {
					t.fail[c] = 0
					break
				}
				f = t.fail[f]
			}
			fc := t.fail[c]
			if t.idStart[fc] != t.idStart[fc+1] {
				t.dict[c] = fc
			} else {
				t.dict[c] = t.dict[fc]
			}
			queue = append(queue, c)
		}
	}
}

// occurrences calls fn with the id of every key occurring in s (once per
// occurrence) until fn returns true; it reports whether one did. link
// must have been called.
func (t *trie) occurrences(s string, fn func(id int32) bool) bool {
	report := func(n int32) bool {
		for m := n; m >= 0; m = t.dict[m] {
			for _, id := range t.idsAt(m) {
				if fn(id) {
					return true
				}
			}
		}
		return false
	}
	if report(0) {
		return true
	}
	n := int32(0)
	for i := 0; i < len(s); i++ {
		for {
			if g := t.next(n, s[i]); g >= 0 {
				n = g
				break
			}
			if n == 0 {
				break
			}
			n = t.fail[n]
		}
		if n != 0 && report(n) {
			return true
		}
	}
	return false
}
