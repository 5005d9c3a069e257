package elastic

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestErrorPageFromAnotherServer: an error page from a web server that is
// not Elasticsearch says so in one line, while a 503 (a proxy in front of
// a cluster that is down) keeps its own meaning.
func TestErrorPageFromAnotherServer(t *testing.T) {
	tests := []struct {
		status int
		want   *Error
	}{
		{http.StatusNotImplemented, ErrNotElasticsearch},
		{http.StatusNotFound, ErrNotElasticsearch},
		{http.StatusServiceUnavailable, ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(tt.status)
				w.Write([]byte("<!DOCTYPE HTML><html><body>Error</body></html>"))
			}))
			defer srv.Close()
			c, err := New(Config{URLs: []string{srv.URL}, Timeout: 2 * time.Second, RetryBase: time.Millisecond, MaxRetries: 1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Count(context.Background(), Query{Indices: []string{"logs-*"}})
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want kind %v", err, tt.want.Kind)
			}
		})
	}
}
