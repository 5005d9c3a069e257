package kql

import (
	"strings"
	"sync"
)

// matcher is a compiled query node.
type matcher interface {
	match(d Document) bool
}

type matchAll struct{}

func (matchAll) match(Document) bool { return true }

type matchNone struct{}

func (matchNone) match(Document) bool { return false }

type andMatcher []matcher

func (a andMatcher) match(d Document) bool {
	for _, m := range a {
		if !m.match(d) {
			return false
		}
	}
	return true
}

type orMatcher []matcher

func (o orMatcher) match(d Document) bool {
	for _, m := range o {
		if m.match(d) {
			return true
		}
	}
	return false
}

type notMatcher struct{ m matcher }

func (n notMatcher) match(d Document) bool { return !n.m.match(d) }

// fieldMatcher matches when any value at path satisfies cmp.
type fieldMatcher struct {
	path string
	cmp  valueCmp
	comp int // index of its Comparison in the compiler's list
}

func (f *fieldMatcher) match(d Document) bool {
	for _, v := range d.Values(f.path) {
		if f.cmp.test(v) {
			return true
		}
	}
	return false
}

// existsMatcher matches when the field has a value; for object-like or
// unknown fields also when any field below it has one (Elasticsearch's
// exists on an object).
type existsMatcher struct {
	path   string
	prefix bool
}

func (e *existsMatcher) match(d Document) bool {
	for _, v := range d.Values(e.path) {
		if v.Kind != KindNull {
			return true
		}
	}
	if !e.prefix {
		return false
	}
	p := e.path + "."
	for _, f := range d.Fields() {
		if strings.HasPrefix(f, p) {
			for _, v := range d.Values(f) {
				if v.Kind != KindNull {
					return true
				}
			}
		}
	}
	return false
}

// nestedMatcher evaluates its query on each object of a nested field.
type nestedMatcher struct {
	path  string
	inner matcher
}

func (n *nestedMatcher) match(d Document) bool {
	for _, o := range d.Objects(n.path) {
		if n.inner.match(o) {
			return true
		}
	}
	return false
}

// wildFieldMatcher matches a field-name pattern (or every field, for a
// bare value) against the document's fields and their known
// multi-fields. The comparator for each field name is built once and
// cached, so documents are never compiled against.
type wildFieldMatcher struct {
	prefix  string // the nested path document fields are relative to, with a trailing dot, or ""
	pattern wildcard
	all     bool // a bare value: every field
	exists  bool
	build   func(full string) valueCmp // comparator for a field's full path
	multis  func(full string) []string // a field's multi-fields (full paths)

	mu    sync.RWMutex
	cache map[string]valueCmp
}

type presentCmp struct{}

func (presentCmp) test(v Value) bool { return v.Kind != KindNull }

func (w *wildFieldMatcher) cmpFor(field string) valueCmp {
	w.mu.RLock()
	c, ok := w.cache[field]
	w.mu.RUnlock()
	if ok {
		return c
	}
	full := w.prefix + field
	var cs anyCmp
	for _, name := range append([]string{full}, w.multis(full)...) {
		if !w.all && !w.pattern.match(strings.TrimPrefix(name, w.prefix)) {
			continue
		}
		if w.exists {
			cs = anyCmp{presentCmp{}}
			break
		}
		if x := w.build(name); x != (noneCmp{}) {
			cs = append(cs, x)
		}
	}
	switch len(cs) {
	case 0:
		c = noneCmp{}
	case 1:
		c = cs[0]
	default:
		c = cs
	}
	w.mu.Lock()
	if w.cache == nil {
		w.cache = map[string]valueCmp{}
	}
	if len(w.cache) < 4096 {
		w.cache[field] = c
	}
	w.mu.Unlock()
	return c
}

func (w *wildFieldMatcher) match(d Document) bool {
	for _, f := range d.Fields() {
		c := w.cmpFor(f)
		if c == (noneCmp{}) {
			continue
		}
		for _, v := range d.Values(f) {
			if c.test(v) {
				return true
			}
		}
	}
	return false
}
