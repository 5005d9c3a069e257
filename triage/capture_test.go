package triage

import (
	"reflect"
	"testing"
)

// firstStrings reads several fields with one parse of the document; each
// answer must be firstString's, whatever shape the document gives the
// field (nested, dotted, arrays, numbers, objects, absent, hot or not).
func TestFirstStringsIsFirstString(t *testing.T) {
	paths := []string{"source.as.organization.name", "source.geo.country_name", "url.path", "user.name", "http.response.status_code", "labels", "missing.field"}
	docs := []string{
		`{"source":{"ip":"10.0.0.1","as":{"organization":{"name":"Example AS"}},"geo":{"country_name":"Nowhere"}},"url":{"path":"/login"},"user":{"name":"anna"}}`,
		`{"source.as.organization.name":"Dotted AS","source":{"geo.country_name":"Mixed"},"url.path":"/a","http":{"response":{"status_code":403}}}`,
		`{"source":{"as":[{"organization":{"name":"First"}},{"organization":{"name":"Second"}}]},"user":{"name":["bob","eve"]},"labels":{"a":1}}`,
		`{"source":{"geo":{"country_name":{"nested":"object"}}},"url":{"path":["/x","/y"]}}`,
		`{}`,
	}
	for _, doc := range docs {
		ev, err := ParseEvent([]byte(doc), "t")
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(paths))
		firstStrings(ev, paths, got)
		for i, p := range paths {
			if want := firstString(ev, p); got[i] != want {
				t.Errorf("%s in %s: %q, firstString says %q", p, doc, got[i], want)
			}
		}
	}
	// A document that does not parse answers "" for what is not decoded.
	ev := &Event{Raw: []byte(`{"source":`)}
	got := make([]string, 1)
	firstStrings(ev, []string{"source.as.organization.name"}, got)
	if got[0] != "" {
		t.Errorf("broken document: %q", got[0])
	}
}

// A decoder told to resolve fields keeps, for each, exactly what Get
// reads from the document, in plain documents, hits and search pages;
// hot fields it leaves to the decoded ones.
func TestResolvedIsGet(t *testing.T) {
	paths := []string{"source.as.organization.name", "labels", "tags", "service.name", "missing", "url.path"}
	lines := []string{
		`{"source":{"as":{"organization":{"name":"AS 1"}}},"labels":{"a":1},"tags":["x",2,true,null],"service":{"name":"shop"},"url":{"path":"/p"}}`,
		`{"source.as.organization.name":["One","Two"],"service.name":7.50}`,
		`{"_index":"logs","_id":"h1","_source":{"service":{"name":"from a hit"},"tags":"one"}}`,
		`{"hits":{"hits":[{"_id":"a","_source":{"labels":{"b":"c"}}},{"_id":"b","_source":{"service.name":"page"}}]}}`,
	}
	d := NewDecoder()
	d.Resolve(paths...)
	for _, line := range lines {
		evs, err := d.Decode([]byte(line), "t")
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			for _, p := range paths {
				vs, ok := ev.Resolved(p)
				if p == "url.path" {
					if ok {
						t.Errorf("url.path is hot, yet resolved")
					}
					continue
				}
				if !ok || !reflect.DeepEqual(vs, ev.Get(p)) || !reflect.DeepEqual(ev.Values(p), ev.Get(p)) {
					t.Errorf("%s in %s: resolved %v (%v), Get %v", p, line, vs, ok, ev.Get(p))
				}
			}
		}
	}
}
