package esreq_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v8/esapi"

	"picket/triage/elastic/internal/esreq"
)

// This is the one place in the module that imports esapi (deps_test in
// triage/elastic checks it): each request Picket makes is built by esreq
// and by esapi, and both must send the same method, path, query, headers
// and body. It also keeps go.mod pinning the go-elasticsearch release
// whose version the client headers name.

// recorder is an esapi.Transport that keeps the request and answers {}.
type recorder struct {
	req  *http.Request
	body []byte
}

func (r *recorder) Perform(req *http.Request) (*http.Response, error) {
	r.req = req
	if req.Body != nil {
		r.body, _ = io.ReadAll(req.Body)
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}"))}, nil
}

// sent is what goes on the wire, less what the transport adds.
type sent struct {
	method, uri string
	header      http.Header
	body        string
}

func sentBy(req *http.Request, body []byte) sent {
	return sent{method: req.Method, uri: req.URL.RequestURI(), header: req.Header, body: string(body)}
}

func TestSameRequestsAsESAPI(t *testing.T) {
	query := []byte(`{"query":{"match_all":{}}}`)
	pit := []byte(`{"id":"cGl0LTE="}`)
	refresh := true
	indices := []string{"logs-*", "traces-apm*", ".alerts-security.alerts-default"}
	for _, tc := range []struct {
		name string
		ours esreq.Request
		them esapi.Request
	}{
		{"search with indices", esreq.Search(indices, query), esapi.SearchRequest{Index: indices, Body: bytes.NewReader(query)}},
		{"search over a point in time", esreq.Search(nil, query), esapi.SearchRequest{Body: bytes.NewReader(query)}},
		{"open point in time", esreq.OpenPointInTime(indices, "120s"), esapi.OpenPointInTimeRequest{Index: indices, KeepAlive: "120s"}},
		{"close point in time", esreq.ClosePointInTime(pit), esapi.ClosePointInTimeRequest{Body: bytes.NewReader(pit)}},
		{"count", esreq.Count(indices[:1], query), esapi.CountRequest{Index: indices[:1], Body: bytes.NewReader(query)}},
		{"count everything", esreq.Count(nil, query), esapi.CountRequest{Body: bytes.NewReader(query)}},
		{"update by query", esreq.UpdateByQuery(indices[2:], query, true, "proceed"),
			esapi.UpdateByQueryRequest{Index: indices[2:], Body: bytes.NewReader(query), Refresh: &refresh, Conflicts: "proceed"}},
		{"security authenticate", esreq.SecurityAuthenticate(), esapi.SecurityAuthenticateRequest{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec recorder
			res, err := tc.them.Do(context.Background(), &rec)
			if err != nil {
				t.Fatalf("esapi: %v", err)
			}
			res.Body.Close()
			want := sentBy(rec.req, rec.body)

			req, err := tc.ours.HTTP(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var body []byte
			if req.Body != nil {
				body, _ = io.ReadAll(req.Body)
			}
			got := sentBy(req, body)
			if got.method != want.method || got.uri != want.uri || got.body != want.body {
				t.Errorf("sent %s %s %q\nesapi %s %s %q", got.method, got.uri, got.body, want.method, want.uri, want.body)
			}
			if !sameHeader(got.header, want.header) {
				t.Errorf("headers %v, esapi's %v", got.header, want.header)
			}
			// The transport re-reads a body for each retry.
			if (req.GetBody == nil) != (rec.req.GetBody == nil) || req.ContentLength != rec.req.ContentLength {
				t.Errorf("GetBody set %v, ContentLength %d; esapi's %v, %d", req.GetBody != nil, req.ContentLength, rec.req.GetBody != nil, rec.req.ContentLength)
			}
		})
	}
}

func sameHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// The headers name the release of the module go.mod pins.
func TestVersionIsESAPIs(t *testing.T) {
	if esreq.Version != esapi.Version {
		t.Errorf("esreq.Version %q, esapi.Version %q: update esreq.Version with go-elasticsearch in go.mod", esreq.Version, esapi.Version)
	}
}
