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
