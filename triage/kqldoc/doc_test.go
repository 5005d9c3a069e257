package kqldoc

import (
	"slices"
	"testing"

	"picket/kql"
	"picket/triage"
	"picket/triage/eventtest"
)

// TestEventDocAgreesWithGet checks that the hot-field shortcuts give what
// the raw document holds, as Event.Get resolves it.
func TestEventDocAgreesWithGet(t *testing.T) {
	docs := []string{
		apm("d1", "POST", 403, "/api/cart", `,"event.category":["web","network"],"labels":{"env":"prod"}`),
		`{"http.request.method":"GET","http.response.status_code":"404","user_agent":{"original":"x"}}`,
		`{"http":{"request":{"method":""},"response":{"status_code":0}}}`,
		`{"http":{"request.method":"PUT"},"event":{"category":"network","type":["denied","connection"],"action":"deny","outcome":"failure"}}`,
		`{"note":"no http at all","user":{"name":null}}`,
		`{"weird\u0020key":1,"http":{"request":{"method":"DELETE"}}}`,
		// Multi-valued fields: every value counts, as in Elasticsearch.
		`{"http":{"request":{"method":["GET","POST"]},"response":{"status_code":[403,404]}},"user_agent":{"original":["a","b"]},"user":{"name":["anna","bob"]},"event":{"action":["x","y"],"outcome":["success","failure"]}}`,
	}
	paths := []string{"http.request.method", "http.response.status_code", "user_agent.original", "user.name",
		"event.category", "event.type", "event.action", "event.outcome", "labels.env", "processor.event", "url.path", "missing.field"}
	for i, ev := range parse(t, docs...) {
		var d Doc
		d.Reset(ev)
		for _, p := range paths {
			got := d.Values(p)
			var want []kql.Value
			for _, v := range ev.Get(p) {
				switch v.Kind {
				case triage.KindString:
					want = append(want, kql.StringValue(v.Str))
				case triage.KindNumber:
					want = append(want, kql.NumberValue(v.Num))
				}
			}
			if !sameValues(got, want) {
				t.Errorf("doc %d, %s: got %v, want %v", i+1, p, got, want)
			}
		}
	}
}

// sameValues compares values as Elasticsearch would index them: a number
// sent as a string ("404") is the number for a numeric field.
func sameValues(a, b []kql.Value) bool {
	norm := func(vs []kql.Value) []string {
		var out []string
		for _, v := range vs {
			if v.Kind == kql.KindNumber {
				v = kql.NumberValue(v.Num)
			}
			out = append(out, v.Text())
		}
		return out
	}
	return slices.Equal(norm(a), norm(b))
}

func TestEventDocFieldsAndObjects(t *testing.T) {
	evs := parse(t, `{"threat":{"enrichments":[{"indicator":{"ip":"10.0.0.1"}},{"indicator":{"ip":"10.0.0.2"}}]},"a.b":1,"a":{"c":[true,null]}}`)
	var d Doc
	d.Reset(evs[0])
	fields := d.Fields()
	slices.Sort(fields)
	if !slices.Equal(fields, []string{"a.b", "a.c", "threat.enrichments.indicator.ip"}) {
		t.Errorf("fields %v", fields)
	}
	objs := d.Objects("threat.enrichments")
	if len(objs) != 2 || objs[1].Values("indicator.ip")[0].Text() != "10.0.0.2" {
		t.Errorf("objects %v", objs)
	}
	q := kql.MustParse(`threat.enrichments:{ indicator.ip:10.0.0.2 } and a.c:true`)
	if !q.Match(&d) {
		t.Error("nested query did not match")
	}
}

var (
	apm   = eventtest.APM
	parse = eventtest.Parse
)

// TestComputedFields: a computed field answers before the event does,
// and every other path still reads the event.
func TestComputedFields(t *testing.T) {
	ev := parse(t, apm("e1", "POST", 401, "/login", ""))[0]
	d := Doc{Computed: func(_ *triage.Event, path string) ([]triage.Value, bool) {
		if path == "picket.login.outcome" {
			return []triage.Value{{Kind: triage.KindString, Str: "failure"}}, true
		}
		return nil, false
	}}
	d.Reset(ev)
	if !kql.MustParse(`picket.login.outcome:failure and http.request.method:POST`).Match(&d) {
		t.Error("the computed field or the event's own did not answer")
	}
}
