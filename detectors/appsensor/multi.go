package appsensor

import "picket/triage"

// Hot fields a document may hold as arrays. The decoder keeps the first
// value in the Event; Elasticsearch matches a query on any of them, and so
// do the points: a request carrying methods [GET, PROPFIND] used PROPFIND.
// Keys that group requests by who sent them (actor, session, user) keep
// the first value: one request has one actor.
type hotField uint8

const (
	fieldMethod    hotField = iota // http.request.method
	fieldUserAgent                 // user_agent.original
	fieldUserName                  // user.name
)

var hotPaths = [...]string{"http.request.method", "user_agent.original", "user.name"}

// first is the value the decoder kept.
func (f hotField) first(ev *triage.Event) string {
	switch f {
	case fieldMethod:
		return ev.Method
	case fieldUserAgent:
		return ev.UserAgent
	}
	return ev.UserName
}

// anyOf returns the first value of field f for which match holds; an
// absent field is judged as "". Only a field the decoder flagged as
// multi-valued (ev.Hot answers no although a value was kept) is read from
// the document again. Whether it was is asked once per event and field,
// whichever point asks first; c may be nil (no memo).
func (c *partsCache) anyOf(ev *triage.Event, f hotField, match func(string) bool) (string, bool) {
	if first := f.first(ev); first == "" || !c.multiValued(ev, f) {
		if match(first) {
			return first, true
		}
		return "", false
	}
	return anyValue(ev, f, match)
}

// anyValue is anyOf for a multi-valued field.
func anyValue(ev *triage.Event, f hotField, match func(string) bool) (string, bool) {
	vs := ev.Strings(hotPaths[f])
	if len(vs) == 0 {
		vs = []string{f.first(ev)} // no document to read (an event built in code)
	}
	for _, v := range vs {
		if match(v) {
			return v, true
		}
	}
	return "", false
}

// eachOf calls fn with every value of field f (see anyOf).
func (c *partsCache) eachOf(ev *triage.Event, f hotField, fn func(string)) {
	c.anyOf(ev, f, func(v string) bool {
		fn(v)
		return false
	})
}

// multiValued reports whether the document held f, which has a value, as
// an array. The decoder's answer for all three fields is read once per
// event, whichever point asks first.
func (c *partsCache) multiValued(ev *triage.Event, f hotField) bool {
	if c != nil && c.multiEv == ev {
		return c.multi&(1<<f) != 0
	}
	return c.askMulti(ev, f)
}

func (c *partsCache) askMulti(ev *triage.Event, f hotField) bool {
	var multi uint8
	for g, path := range hotPaths {
		if hotField(g).first(ev) == "" {
			continue // absent: nothing to ask
		}
		if _, single := ev.Hot(path); !single {
			multi |= 1 << g
		}
	}
	if c != nil {
		c.multiEv, c.multi = ev, multi
	}
	return multi&(1<<f) != 0
}
