package elastic

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The client built from esapi and the transport sends what the official
// client's root package sent: its user agent and meta header, and the
// credentials (a URL's userinfo, else the API key, else basic auth).
func TestClientHeaders(t *testing.T) {
	var mu sync.Mutex
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"count":1}`))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		name string
		cfg  Config
		auth string
	}{
		{"no credentials", Config{URLs: []string{srv.URL}}, ""},
		{"api key", Config{URLs: []string{srv.URL}, APIKey: "a2V5", Username: "u", Password: "p"}, "APIKey a2V5"},
		{"basic auth", Config{URLs: []string{srv.URL}, Username: "analyst", Password: "pw"}, "Basic YW5hbHlzdDpwdw=="},
		{"userinfo in the URL", Config{URLs: []string{"http://elastic:changeme@" + host}, Username: "u", Password: "p"}, "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := c.Count(context.Background(), Query{Indices: []string{"logs-*"}}); err != nil || n != 1 {
				t.Fatalf("count %d, %v", n, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if a := got.Get("Authorization"); a != tc.auth {
				t.Errorf("Authorization %q, want %q", a, tc.auth)
			}
			if ua := got.Get("User-Agent"); !strings.HasPrefix(ua, "go-elasticsearch/8.") {
				t.Errorf("User-Agent %q", ua)
			}
			if m := got.Get("X-Elastic-Client-Meta"); !strings.HasPrefix(m, "es=8.") || !strings.Contains(m, ",t=8.") {
				t.Errorf("X-Elastic-Client-Meta %q", m)
			}
		})
	}
}

// The product check, as the official client runs it: a successful answer
// without the product header fails until one with it has passed; error
// answers are not checked here (do says what they are).
func TestProductCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers []bool // product header on each answer
		want    []error
	}{
		{"Elasticsearch", []bool{true, true}, []error{nil, nil}},
		{"another server", []bool{false, false}, []error{ErrNotElasticsearch, ErrNotElasticsearch}},
		{"checked once", []bool{true, false}, []error{nil, nil}},
		{"passes late", []bool{false, true, false}, []error{ErrNotElasticsearch, nil, nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			n := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				if tc.headers[n] {
					w.Header().Set("X-Elastic-Product", "Elasticsearch")
				}
				n++
				mu.Unlock()
				w.Write([]byte(`{"count":1}`))
			}))
			defer srv.Close()
			c, err := New(Config{URLs: []string{srv.URL}, RetryBase: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tc.want {
				_, err := c.Count(context.Background(), Query{})
				if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
					t.Errorf("request %d: err = %v, want %v", i+1, err, want)
				}
			}
		})
	}
}

func TestMetaVersion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"8.19.7", "8.19.7"},
		{"go1.26.8", "1.26.8"},
		{"go1.27rc1", "1.27p"},
		{"8.9.0-SNAPSHOT", "8.9.0p"},
		{"devel go1.27-abc", "0.0p"},
	} {
		if got := metaVersion(tc.in); got != tc.want {
			t.Errorf("metaVersion(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The path as it reaches the server: index names escaped one by one (a
// date-math name keeps its slash), also under a node URL with a path of
// its own, as behind a proxy.
func TestPathsAsSent(t *testing.T) {
	var mu sync.Mutex
	var uri string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uri = r.RequestURI
		mu.Unlock()
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Write([]byte(`{"count":1}`))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name    string
		node    string // appended to the server's URL
		indices []string
		want    string
	}{
		{"patterns", "", []string{"logs-*", "traces-apm*"}, "/logs-*,traces-apm*/_count"},
		{"date math", "", []string{"<logs-{now/d}>"}, "/%3Clogs-%7Bnow%2Fd%7D%3E/_count"},
		{"no index", "", nil, "/_count"},
		{"patterns under a prefix", "/es", []string{"logs-*"}, "/es/logs-*/_count"},
		{"date math under a prefix", "/es", []string{"<logs-{now/d}>", "logs-b"}, "/es/%3Clogs-%7Bnow%2Fd%7D%3E,logs-b/_count"},
		{"date math under an odd prefix", "/my es", []string{"<logs-{now/d}>"}, "/my%20es/%3Clogs-%7Bnow%2Fd%7D%3E/_count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, srv.URL+tc.node)
			if _, err := c.Count(context.Background(), Query{Indices: tc.indices}); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if uri != tc.want {
				t.Errorf("server got %q, want %q", uri, tc.want)
			}
		})
	}
}

// With ELASTIC_CLIENT_APIVERSIONING=true the client asks for version 8
// answers, as the official client does: Accept on every request,
// Content-Type on those with a body. Otherwise a body is application/json
// and no Accept is sent.
func TestCompatibilityHeaders(t *testing.T) {
	var mu sync.Mutex
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Write([]byte(`{"count":1,"username":"analyst"}`))
	}))
	defer srv.Close()
	const compat = "application/vnd.elasticsearch+json;compatible-with=8"
	for _, tc := range []struct {
		name, env           string
		call                func(*Client) error
		accept, contentType string
	}{
		{"count", "", func(c *Client) error { _, err := c.Count(context.Background(), Query{}); return err }, "", "application/json"},
		{"authenticate", "", func(c *Client) error { _, err := c.Ping(context.Background()); return err }, "", ""},
		{"count, compatibility", "true", func(c *Client) error { _, err := c.Count(context.Background(), Query{}); return err }, compat, compat},
		{"authenticate, compatibility", "true", func(c *Client) error { _, err := c.Ping(context.Background()); return err }, compat, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("ELASTIC_CLIENT_APIVERSIONING", tc.env)
			if err := tc.call(newClient(t, srv.URL)); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if a := got.Get("Accept"); a != tc.accept {
				t.Errorf("Accept %q, want %q", a, tc.accept)
			}
			if ct := got.Get("Content-Type"); ct != tc.contentType {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
		})
	}
}

// The fake server refuses, as Elasticsearch 8 does, a body it is not told
// is JSON, so that every test through it checks the client says so.
func TestFakeWantsJSONContentType(t *testing.T) {
	srv := newFake(t, "logs-a", 3)
	for _, tc := range []struct {
		contentType string
		status      int
	}{
		{"", 406},
		{"text/plain", 406},
		{"application/x-www-form-urlencoded", 406},
		{"application/vnd.elasticsearch+json;compatible-with=7", 406},
		{"application/json", 200},
		{"application/json; charset=UTF-8", 200},
		{"application/vnd.elasticsearch+json;compatible-with=8", 200},
	} {
		req, err := http.NewRequest("POST", srv.URL+"/logs-a/_count", strings.NewReader(`{"query":{"match_all":{}}}`))
		if err != nil {
			t.Fatal(err)
		}
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("Content-Type %q: status %d, want %d", tc.contentType, res.StatusCode, tc.status)
		}
	}
}

// A retry on another node keeps the path escaped under that node's own
// path prefix.
func TestPathsAsSentAcrossNodes(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]string{} // node prefix → request URIs
	node := func(prefix string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			got[prefix] = append(got[prefix], r.RequestURI)
			first := len(got[prefix]) == 1
			mu.Unlock()
			w.Header().Set("X-Elastic-Product", "Elasticsearch")
			if first {
				w.WriteHeader(503)
				w.Write([]byte(`{"error":{"type":"unavailable","reason":"busy"},"status":503}`))
				return
			}
			w.Write([]byte(`{"count":1}`))
		}))
		t.Cleanup(srv.Close)
		return srv.URL + prefix
	}
	c, err := New(Config{URLs: []string{node("/a"), node("/b")}, RetryBase: time.Millisecond, MaxRetries: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Count(context.Background(), Query{Indices: []string{"<logs-{now/d}>"}}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got["/a"])+len(got["/b"]) != 3 || len(got["/a"]) == 0 || len(got["/b"]) == 0 {
		t.Fatalf("requests %v: want 503 from each node, then an answer", got)
	}
	for prefix, uris := range got {
		for _, uri := range uris {
			if want := prefix + "/%3Clogs-%7Bnow%2Fd%7D%3E/_count"; uri != want {
				t.Errorf("node %s got %q, want %q", prefix, uri, want)
			}
		}
	}
}
