package esreq

import (
	"context"
	"io"
	"net/url"
	"testing"
)

// Index names are escaped one by one: a date-math name keeps its slash
// inside one segment, characters a path cannot carry are encoded, and
// wildcards, dots, dashes and cluster prefixes stay as written.
func TestPathEscapesIndexNames(t *testing.T) {
	for _, tc := range []struct {
		name    string
		indices []string
		path    string // decoded, as the server reads it
		uri     string // as sent
	}{
		{"none", nil, "/_search", "/_search"},
		{"patterns", []string{"logs-*", "traces-apm*"}, "/logs-*,traces-apm*/_search", "/logs-*,traces-apm*/_search"},
		{"dot and cluster prefix", []string{".alerts-security.alerts-default", "remote:logs-*"},
			"/.alerts-security.alerts-default,remote:logs-*/_search", "/.alerts-security.alerts-default,remote:logs-*/_search"},
		{"exclusion", []string{"logs-*", "-logs-debug"}, "/logs-*,-logs-debug/_search", "/logs-*,-logs-debug/_search"},
		{"date math", []string{"<logs-{now/d}>"}, "/<logs-{now/d}>/_search", "/%3Clogs-%7Bnow%2Fd%7D%3E/_search"},
		{"question mark and hash", []string{"a?b#c"}, "/a?b#c/_search", "/a%3Fb%23c/_search"},
		{"space and percent", []string{"a b%2A"}, "/a b%2A/_search", "/a%20b%252A/_search"},
		{"comma inside a name", []string{"a,b"}, "/a,b/_search", "/a%2Cb/_search"},
		{"slash inside a name", []string{"../_cluster"}, "/../_cluster/_search", "/..%2F_cluster/_search"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Search(tc.indices, []byte(`{}`))
			req, err := r.HTTP(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if req.URL.Path != tc.path {
				t.Errorf("path %q, want %q", req.URL.Path, tc.path)
			}
			if got := req.URL.RequestURI(); got != tc.uri {
				t.Errorf("sent %q, want %q", got, tc.uri)
			}
			// What the server decodes is what was asked for.
			if p, err := url.PathUnescape(req.URL.EscapedPath()); err != nil || p != tc.path {
				t.Errorf("decodes to %q, %v", p, err)
			}
		})
	}
}

func TestRequests(t *testing.T) {
	for _, tc := range []struct {
		name        string
		req         Request
		method, uri string
		body        string
		contentType string
	}{
		{"open point in time", OpenPointInTime([]string{"logs-*"}, "120s"), "POST", "/logs-*/_pit?keep_alive=120s", "", ""},
		{"close point in time", ClosePointInTime([]byte(`{"id":"x"}`)), "DELETE", "/_pit", `{"id":"x"}`, "application/json"},
		{"count", Count([]string{"logs-a"}, []byte(`{}`)), "POST", "/logs-a/_count", `{}`, "application/json"},
		{"update by query", UpdateByQuery([]string{".alerts-security.alerts-default"}, []byte(`{}`), true, "proceed"),
			"POST", "/.alerts-security.alerts-default/_update_by_query?conflicts=proceed&refresh=true", `{}`, "application/json"},
		{"update by query, defaults", UpdateByQuery([]string{"a"}, []byte(`{}`), false, ""),
			"POST", "/a/_update_by_query?refresh=false", `{}`, "application/json"},
		{"authenticate", SecurityAuthenticate(), "GET", "/_security/_authenticate", "", ""},
		{"an index itself", Request{Method: "PUT", Indices: []string{"picket-it-1"}, Body: []byte(`{}`)}, "PUT", "/picket-it-1", `{}`, "application/json"},
		{"root", Request{Method: "GET"}, "GET", "/", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := tc.req.HTTP(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if req.Method != tc.method || req.URL.RequestURI() != tc.uri {
				t.Errorf("%s %s, want %s %s", req.Method, req.URL.RequestURI(), tc.method, tc.uri)
			}
			if req.URL.Host != "" || req.URL.Scheme != "http" {
				t.Errorf("scheme %q host %q: the transport sets them per node", req.URL.Scheme, req.URL.Host)
			}
			if ct := req.Header.Get("Content-Type"); ct != tc.contentType {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
			var body []byte
			if req.Body != nil {
				body, _ = io.ReadAll(req.Body)
			}
			if string(body) != tc.body {
				t.Errorf("body %q, want %q", body, tc.body)
			}
			if (tc.body == "") != (req.Body == nil) {
				t.Errorf("a request without a body must have a nil Body (got %v)", req.Body)
			}
		})
	}
}
