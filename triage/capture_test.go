package triage

import "testing"

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
