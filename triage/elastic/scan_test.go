package elastic

import (
	"errors"
	"strings"
	"testing"
)

// scanCase is a search answer and what scanPage should read from it.
type scanCase struct {
	name      string
	body      string
	pit       string
	total     int64
	failed    int
	timedOut  bool
	ids       []string
	sources   []string
	lastSort  string
	indices   []string // checked when set
	wantError bool
}

// scanCases also seed FuzzScan.
var scanCases = []scanCase{
	{
		name:  "empty page",
		body:  `{"pit_id":"p1","took":1,"timed_out":false,"_shards":{"total":2,"successful":2,"skipped":0,"failed":0},"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}}`,
		pit:   "p1",
		total: 0,
	},
	{
		name: "sources that look like hits",
		body: `{"pit_id":"p\u0032","timed_out":true,"_shards":{"total":3,"failed":1},"hits":{"hits":[` +
			`{"_index":"logs-a","_id":"1","_score":null,"_source":{"sort":[1,2],"_index":"fake","s":"a \"quoted\" } ] { [ string\\"},"sort":["2026-11-27T10:00:00.000Z",5]},` +
			` {"_id":"x\"y","_index":"logs-b","_source":{"n":[1,{"a":null}],"t":true,"e":"\\\\"},"sort":["2026-11-27T10:00:01.000Z",9]}` +
			`]}}`,
		pit:      "p2",
		total:    -1,
		failed:   1,
		timedOut: true,
		ids:      []string{"1", `x"y`},
		sources:  []string{`{"sort":[1,2],"_index":"fake","s":"a \"quoted\" } ] { [ string\\"}`, `{"n":[1,{"a":null}],"t":true,"e":"\\\\"}`},
		lastSort: `["2026-11-27T10:00:01.000Z",9]`,
	},
	{
		name:     "white space everywhere",
		body:     " {\n \"hits\" : {\n \"total\" : { \"value\" : 7 } ,\n \"hits\" : [ { \"_id\" : \"a\" , \"_source\" : { } , \"sort\" : [ 1 ] } ] } } ",
		total:    7,
		ids:      []string{"a"},
		sources:  []string{"{ }"},
		lastSort: "[ 1 ]",
	},
	// Elasticsearch writes none of what follows; a proxy or a hostile
	// server might. The page reads as encoding/json reads it.
	{
		name:    "an index named null is not a missing one",
		body:    `{"hits":{"hits":[{"_index":null,"_id":"a","_source":{}},{"_index":"ul","_id":"b","_source":{}}]}}`,
		total:   -1,
		ids:     []string{"a", "b"},
		sources: []string{"{}", "{}"},
		indices: []string{"", "ul"},
	},
	{
		name: "a repeated key counts once, its last value",
		body: `{"pit_id":"p1","pit_id":null,"hits":{"total":{"value":3},"hits":[{"_id":"a","_source":{}}]},` +
			`"hits":{"hits":[{"_index":"x","_id":"b","_index":null,"_id":null,"_source":{"x":1}}],"hits":[{"_id":"c","_source":{"y":2}}]}}`,
		total:   -1,
		ids:     []string{"c"},
		sources: []string{`{"y":2}`},
		indices: []string{""},
	},
	{
		name:    "escaped keys",
		body:    `{"pit\u005fid":"p3","\u0068its":{"hits":[{"_i\u0064":"a","_sourc\u0065":{"k":1}}]}}`,
		pit:     "p3",
		total:   -1,
		ids:     []string{"a"},
		sources: []string{`{"k":1}`},
	},
	{
		name:    "invalid UTF-8 in an id",
		body:    "{\"hits\":{\"hits\":[{\"_id\":\"a\xffb\",\"_index\":\"i\xfe\",\"_source\":{}}]}}",
		total:   -1,
		ids:     []string{"a\ufffdb"},
		sources: []string{"{}"},
		indices: []string{"i\ufffd"},
	},
	{name: "truncated", body: `{"hits":{"hits":[{"_id":"a","_source":{"x":"y"`, wantError: true},
	{name: "not an object", body: `[1,2]`, wantError: true},
	{name: "unterminated string", body: `{"pit_id":"abc`, wantError: true},
}

func TestScanPage(t *testing.T) {
	for _, tc := range scanCases {
		t.Run(tc.name, func(t *testing.T) {
			m, hits, err := scanPage([]byte(tc.body), nil, map[string]string{})
			if tc.wantError {
				if !errors.Is(err, errSyntax) {
					t.Fatalf("err = %v, want a syntax error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.pitID != tc.pit || m.total != tc.total || m.failedShards != tc.failed || m.timedOut != tc.timedOut {
				t.Errorf("meta %+v", m)
			}
			if len(hits) != len(tc.ids) {
				t.Fatalf("%d hits, want %d", len(hits), len(tc.ids))
			}
			for i, h := range hits {
				if h.id != tc.ids[i] || string(h.source) != tc.sources[i] {
					t.Errorf("hit %d: id %q source %s", i, h.id, h.source)
				}
				if tc.indices != nil && h.index != tc.indices[i] {
					t.Errorf("hit %d: index %q, want %q", i, h.index, tc.indices[i])
				}
			}
			if len(hits) > 0 && string(hits[len(hits)-1].sort) != tc.lastSort {
				t.Errorf("last sort %s, want %s", hits[len(hits)-1].sort, tc.lastSort)
			}
		})
	}
}

// The scanner agrees with the fake server's real pages.
func TestScanPageOnServerPages(t *testing.T) {
	srv := newFake(t, "logs-a", 30)
	srv.Add("logs-a", `id with "quotes" and \ backslash`, []byte(`{"@timestamp":"2026-11-27T11:00:00Z","message":"line\nbreak \"q\" }]","event":{"id":""}}`))
	evs, err := collect(t, newClient(t, srv.URL).NewSource(Query{Indices: []string{"logs-a"}}, SourceOptions{PageSize: 7}))
	if err != nil || len(evs) != 31 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	last := evs[30]
	if last.ID != `id with "quotes" and \ backslash` || !strings.Contains(string(last.Raw), `line\nbreak`) || last.GetString("message") != "line\nbreak \"q\" }]" {
		t.Errorf("last event: id %q raw %s", last.ID, last.Raw)
	}
}
