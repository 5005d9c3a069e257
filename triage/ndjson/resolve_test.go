package ndjson

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"picket/triage"
	"picket/triage/eventtest"
)

// The console's decoders resolve its captured fields while they parse
// (Options.Resolve); the findings must carry exactly the values a second
// parse of each document gave, whatever shape the document gives them.
func TestResolvedCaptureIsTheSecondParse(t *testing.T) {
	capture := []string{"source.as.organization.name", "source.geo.country_name", "url.path"}
	shapes := []string{
		`"source":{"ip":"10.0.0.%d","as":{"organization":{"name":"AS %d"}},"geo":{"country_name":"Land"}},"url":{"path":"/p"}`,
		`"source.ip":"10.0.1.%d","source.as.organization.name":"Dotted %d","source":{"geo.country_name":"Mixed"}`,
		`"source":{"ip":"10.0.2.%d","as":[{"organization":{"name":"First %d"}},{"organization":{"name":"Second"}}],"geo":{"country_name":{"an":"object"}}}`,
		`"source":{"ip":"10.0.3.%d","geo":{"country_name":%d}}`,
		`"source":{"ip":"10.0.4.%d"},"labels":{"n":%d}`,
	}
	var b strings.Builder
	for i := range 40 {
		doc := fmt.Sprintf(`{"@timestamp":"2026-11-03T09:00:%02dZ","event":{"id":"e%d"},`, i, i) + fmt.Sprintf(shapes[i%len(shapes)], i, i) + "}"
		if i%7 == 3 { // as an Elasticsearch hit
			doc = fmt.Sprintf(`{"_index":"logs","_id":"h%d","_source":%s}`, i, doc)
		}
		b.WriteString(doc + "\n")
	}
	path := write(t, "shapes.ndjson", []byte(b.String()))
	findings := func(resolve []string) []triage.Finding {
		var out []triage.Finding
		eng := &triage.Engine{Detectors: []triage.Detector{eventtest.EveryEvent{}}, Capture: capture,
			OnFinding: func(f triage.Finding) { out = append(out, f) }}
		if _, err := eng.Run(context.Background(), New([]string{path}, Options{Workers: 2, Resolve: resolve})); err != nil {
			t.Fatal(err)
		}
		return out
	}
	parsedAgain, resolved := findings(nil), findings(triage.CaptureFields(capture))
	if len(resolved) != 40 || !reflect.DeepEqual(resolved, parsedAgain) {
		t.Fatalf("with the decoders resolving, %d findings differ from a second parse's %d:\n%+v\n%+v", len(resolved), len(parsedAgain), resolved, parsedAgain)
	}
	attrs := 0
	for _, f := range resolved {
		for _, a := range f.Attrs {
			if a.Value != "" {
				attrs++
			}
		}
	}
	if attrs < 40 {
		t.Fatalf("only %d captured values: the documents do not exercise capture", attrs)
	}
}
