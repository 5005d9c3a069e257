package elastic

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestRefusedIsNotATimeout: when every attempt is refused and the retries
// run into the request's deadline, the error says the node cannot be
// reached, not that it answered too slowly.
func TestRefusedIsNotATimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: connections are refused

	c, err := New(Config{URLs: []string{"http://" + addr}, Timeout: 300 * time.Millisecond,
		RetryBase: 200 * time.Millisecond, MaxRetries: 5})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Count(context.Background(), Query{Indices: []string{"logs-*"}})
	if !errors.Is(err, ErrUnreachable) || errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want an unreachable error", err)
	}
}

// TestNoWaitAfterLastAttempt: a node that fails every attempt is reported
// once the retries are spent, without one more backoff first. With
// RetryBase 250ms and 2 retries the client waits 250ms and 500ms (up to
// 25% more with jitter): 0.75–0.94 s. The transport's extra wait after
// the last attempt would add another 1–1.25 s.
func TestNoWaitAfterLastAttempt(t *testing.T) {
	const retries = 2
	for _, tc := range []struct {
		name  string
		start func(t *testing.T, attempts *atomic.Int32) string // the node's URL
		want  error
	}{
		{"refused", func(t *testing.T, _ *atomic.Int32) string {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			l.Close()
			return "http://" + l.Addr().String()
		}, ErrUnreachable},
		{"connection dropped", func(t *testing.T, attempts *atomic.Int32) string {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			go func() {
				for {
					conn, err := l.Accept()
					if err != nil {
						return
					}
					attempts.Add(1)
					conn.Close()
				}
			}()
			return "http://" + l.Addr().String()
		}, ErrUnreachable},
		{"503 every time", func(t *testing.T, attempts *atomic.Int32) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				w.Header().Set("X-Elastic-Product", "Elasticsearch")
				w.WriteHeader(503)
				w.Write([]byte(`{"error":{"type":"unavailable","reason":"no master"},"status":503}`))
			}))
			t.Cleanup(srv.Close)
			return srv.URL
		}, ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var attempts atomic.Int32
			url := tc.start(t, &attempts)
			c, err := New(Config{URLs: []string{url}, Timeout: 10 * time.Second, RetryBase: 250 * time.Millisecond, MaxRetries: retries})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = c.Count(context.Background(), Query{Indices: []string{"logs-*"}})
			took := time.Since(start)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if n := attempts.Load(); tc.name != "refused" && n != retries+1 {
				t.Errorf("%d attempts, want %d", n, retries+1)
			}
			if took < 700*time.Millisecond || took >= 1400*time.Millisecond {
				t.Errorf("reported after %v, want 0.75–0.94 s: the two backoffs and no wait after the last attempt", took)
			}
		})
	}
}
