package elastic

import (
	"context"
	"errors"
	"net"
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
