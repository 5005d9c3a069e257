package elastic

import (
	"errors"
	"strings"
	"testing"
)

func TestScanPage(t *testing.T) {
	for _, tc := range []struct {
		name      string
		body      string
		pit       string
		total     int64
		failed    int
		timedOut  bool
		ids       []string
		sources   []string
		lastSort  string
		wantError bool
	}{
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
		{name: "truncated", body: `{"hits":{"hits":[{"_id":"a","_source":{"x":"y"`, wantError: true},
		{name: "not an object", body: `[1,2]`, wantError: true},
		{name: "unterminated string", body: `{"pit_id":"abc`, wantError: true},
	} {
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
