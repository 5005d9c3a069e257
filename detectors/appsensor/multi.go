package appsensor

import "picket/triage"

// Hot fields a document may hold as arrays. The decoder keeps the first
// value in the Event; Elasticsearch matches a query on any of them, and so
// do the points: a request carrying methods [GET, PROPFIND] used PROPFIND.
// Keys that group requests by who sent them (actor, session, user) keep
// the first value: one request has one actor.
const (
	fieldMethod    = "http.request.method"
	fieldUserAgent = "user_agent.original"
	fieldUserName  = "user.name"
)

// anyOf returns the first value of the field at path for which match
// holds. first is the value the decoder kept (ev.Method, ev.UserAgent,
// ev.UserName); an absent field is judged as "". Only a field the decoder
// flagged as multi-valued (ev.Hot answers no although first is set) is
// read from the document again.
func anyOf(ev *triage.Event, path, first string, match func(string) bool) (string, bool) {
	if first != "" {
		if _, single := ev.Hot(path); !single {
			if vs := ev.Strings(path); len(vs) > 0 {
				for _, v := range vs {
					if match(v) {
						return v, true
					}
				}
				return "", false
			}
		}
	}
	if match(first) {
		return first, true
	}
	return "", false
}

// eachOf calls fn with every value of the field at path (see anyOf).
func eachOf(ev *triage.Event, path, first string, fn func(string)) {
	anyOf(ev, path, first, func(v string) bool {
		fn(v)
		return false
	})
}
