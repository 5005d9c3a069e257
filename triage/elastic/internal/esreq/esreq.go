// Package esreq builds the HTTP requests of the Elasticsearch 8 API calls
// Picket makes: search (with and without an index list), open and close
// point in time, count, update by query and security authenticate. It
// stands in for go-elasticsearch's esapi package, whose 565 generated
// files took two minutes of a cold build for the seven calls Picket uses;
// a test in this package checks each request against esapi's.
//
// A Request is only the HTTP request: the transport (connection pool,
// retries, authentication, TLS) is elastictransport's, and the client
// headers and product check are triage/elastic's.
package esreq

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Version is the go-elasticsearch release whose esapi requests these
// reproduce, and which the client headers name as the official client's
// would (User-Agent go-elasticsearch/Version, X-Elastic-Client-Meta
// es=Version). A test checks it equals esapi.Version of the module go.mod
// pins.
const Version = "8.19.7"

// Request is one API call.
type Request struct {
	Method string
	// Indices are the path's index names or patterns, escaped one by one
	// and joined with commas; none: the endpoint applies to all indices,
	// or to none (point in time, security).
	Indices []string
	// Endpoint is the rest of the path, as written: "_search",
	// "_security/_authenticate"; "" for the index itself.
	Endpoint string
	// Params are the query string's parameters.
	Params url.Values
	// Body is the JSON body; nil sends none.
	Body []byte
}

// Search is POST /<indices>/_search, or POST /_search without indices
// (a search over a point in time names none).
func Search(indices []string, body []byte) Request {
	return Request{Method: http.MethodPost, Indices: indices, Endpoint: "_search", Body: body}
}

// OpenPointInTime is POST /<indices>/_pit?keep_alive=<keepAlive>.
func OpenPointInTime(indices []string, keepAlive string) Request {
	return Request{Method: http.MethodPost, Indices: indices, Endpoint: "_pit",
		Params: url.Values{"keep_alive": {keepAlive}}}
}

// ClosePointInTime is DELETE /_pit with {"id": ...} as body.
func ClosePointInTime(body []byte) Request {
	return Request{Method: http.MethodDelete, Endpoint: "_pit", Body: body}
}

// Count is POST /<indices>/_count.
func Count(indices []string, body []byte) Request {
	return Request{Method: http.MethodPost, Indices: indices, Endpoint: "_count", Body: body}
}

// UpdateByQuery is POST /<indices>/_update_by_query with refresh and
// conflicts ("proceed" or "abort"; "" leaves the server's default).
func UpdateByQuery(indices []string, body []byte, refresh bool, conflicts string) Request {
	p := url.Values{"refresh": {strconv.FormatBool(refresh)}}
	if conflicts != "" {
		p.Set("conflicts", conflicts)
	}
	return Request{Method: http.MethodPost, Indices: indices, Endpoint: "_update_by_query", Params: p, Body: body}
}

// SecurityAuthenticate is GET /_security/_authenticate.
func SecurityAuthenticate() Request {
	return Request{Method: http.MethodGet, Endpoint: "_security/_authenticate"}
}

// Path returns the request's path decoded (as url.URL.Path holds it) and
// escaped (as it is sent). Each index name is escaped on its own, so a
// date-math name such as <logs-{now/d}> stays one path segment; the
// wildcard * is kept as written.
func (r Request) Path() (path, escaped string) {
	var p, e strings.Builder
	if len(r.Indices) > 0 {
		p.WriteByte('/')
		e.WriteByte('/')
		for i, name := range r.Indices {
			if i > 0 {
				p.WriteByte(',')
				e.WriteByte(',')
			}
			p.WriteString(name)
			e.WriteString(escapeName(name))
		}
	}
	if r.Endpoint != "" || len(r.Indices) == 0 {
		p.WriteByte('/')
		e.WriteByte('/')
		p.WriteString(r.Endpoint)
		e.WriteString(r.Endpoint)
	}
	return p.String(), e.String()
}

// escapeName escapes one index name for a path segment: everything but
// unreserved characters, the sub-delimiters a segment may carry, and the
// wildcard is percent-encoded. Commas inside a name (not valid in
// Elasticsearch) are escaped too, so they cannot split it.
func escapeName(name string) string {
	return strings.ReplaceAll(url.PathEscape(name), "%2A", "*")
}

// HTTP returns the request as an *http.Request without scheme or host,
// which the transport fills in per node, as esapi's requests are.
func (r Request) HTTP(ctx context.Context) (*http.Request, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	path, escaped := r.Path()
	u := &url.URL{Scheme: "http", Path: path, RawQuery: r.Params.Encode()}
	if escaped != u.EscapedPath() {
		u.RawPath = escaped
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}
