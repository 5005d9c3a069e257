package elastic

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"picket/triage/elastic/elastictest"
)

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(*elastictest.Server)
		index   string
		config  func(*Config)
		want    error
		wantMsg []string
		wantOK  bool // the retries absorb the fault
	}{
		{
			name:    "401 wrong api key",
			setup:   func(s *elastictest.Server) { s.APIKey = "right" },
			config:  func(c *Config) { c.APIKey = "wrong" },
			want:    ErrUnauthorized,
			wantMsg: []string{"401", "ELASTICSEARCH_API_KEY"},
		},
		{
			name:   "401 right api key",
			setup:  func(s *elastictest.Server) { s.APIKey = "right" },
			config: func(c *Config) { c.APIKey = "right" },
			wantOK: true,
		},
		{
			name:   "basic auth",
			setup:  func(s *elastictest.Server) { s.Password = "pw" },
			config: func(c *Config) { c.Username, c.Password = "analyst", "pw" },
			wantOK: true,
		},
		{
			name:    "basic auth wrong password",
			setup:   func(s *elastictest.Server) { s.Password = "pw" },
			config:  func(c *Config) { c.Username, c.Password = "analyst", "nope" },
			want:    ErrUnauthorized,
			wantMsg: []string{"401"},
		},
		{
			name:    "403 names the privilege",
			setup:   func(s *elastictest.Server) { s.Forbid("logs-a", false) },
			want:    ErrForbidden,
			wantMsg: []string{"403", "missing the read privilege on logs-a", "indices:data/read/open_point_in_time"},
		},
		{
			name:    "404 index",
			index:   "no-such-index",
			want:    ErrIndexNotFound,
			wantMsg: []string{"no such index no-such-index"},
		},
		{
			name:   "429 twice then fine",
			setup:  func(s *elastictest.Server) { s.Fail("search", 429, 2) },
			wantOK: true,
		},
		{
			name:    "429 past the retries",
			setup:   func(s *elastictest.Server) { s.Fail("search", 429, 10) },
			want:    ErrThrottled,
			wantMsg: []string{"429", "gave up after 3 retries"},
		},
		{
			name:   "503 then 502 then fine",
			setup:  func(s *elastictest.Server) { s.Fail("pit", 503, 1); s.Fail("pit", 502, 1) },
			wantOK: true,
		},
		{
			name:    "503 past the retries",
			setup:   func(s *elastictest.Server) { s.Fail("pit", 503, 10) },
			want:    ErrUnavailable,
			wantMsg: []string{"503 unavailable"},
		},
		{
			name:    "not elasticsearch",
			setup:   func(s *elastictest.Server) { s.NotElasticsearch = true },
			want:    ErrNotElasticsearch,
			wantMsg: []string{"not Elasticsearch", "product check"},
		},
		{
			name:    "timeout",
			setup:   func(s *elastictest.Server) { s.Delay = 300 * time.Millisecond },
			config:  func(c *Config) { c.Timeout = 50 * time.Millisecond },
			want:    ErrTimeout,
			wantMsg: []string{"no answer in time", "--es-timeout"},
		},
		{
			name: "400 bad request",
			setup: func(s *elastictest.Server) {
				s.FailWith("search", 400, `{"error":{"root_cause":[{"type":"parsing_exception","reason":"unknown query [frob]"}],"type":"parsing_exception","reason":"unknown query [frob]"},"status":400}`)
			},
			want:    ErrBadRequest,
			wantMsg: []string{"parsing_exception: unknown query [frob]"},
		},
		{
			name: "control characters in a reason are neutralised",
			setup: func(s *elastictest.Server) {
				s.FailWith("search", 500, `{"error":{"type":"x","reason":"bad \u001b[31m thing"},"status":500}`)
			},
			wantMsg: []string{`500 x: bad \x1b[31m thing`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t, "logs-a", 30)
			if tc.setup != nil {
				tc.setup(srv)
			}
			index := tc.index
			if index == "" {
				index = "logs-a"
			}
			c := newClient(t, srv.URL, func(c *Config) {
				if tc.config != nil {
					tc.config(c)
				}
			})
			evs, err := collect(t, c.NewSource(Query{Indices: []string{index}}, SourceOptions{PageSize: 10}))
			if tc.wantOK {
				if err != nil || len(evs) != 30 {
					t.Fatalf("got %d events, %v; want all 30", len(evs), err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error kind %v, want %v: %v", e.Kind, tc.want.(*Error).Kind, err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || strings.Contains(msg, "\x1b") {
				t.Errorf("message is not one clean line: %q", msg)
			}
			for _, w := range tc.wantMsg {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if srv.OpenPITs() != 0 && tc.want != ErrNotElasticsearch {
				t.Errorf("point in time left open after the error")
			}
		})
	}
}

func TestForbiddenReasonParsing(t *testing.T) {
	for _, tc := range []struct {
		reason                     string
		action, indices, privilege string
	}{
		{
			reason:    "action [indices:data/read/search] is unauthorized for user [bob] with effective roles [r] on indices [abc,def], this action is granted by the index privileges [read,all]",
			action:    "indices:data/read/search",
			indices:   "abc,def",
			privilege: "read",
		},
		{
			reason:    "action [indices:data/write/update/byquery] is unauthorized for user [bob] on restricted indices [.alerts-security.alerts-default], this action is granted by the privileges [write,all]",
			action:    "indices:data/write/update/byquery",
			indices:   ".alerts-security.alerts-default",
			privilege: "write",
		},
		{
			reason:    "action [cluster:monitor/main] is unauthorized for user [bob]",
			action:    "cluster:monitor/main",
			indices:   "",
			privilege: "",
		},
	} {
		body := `{"error":{"root_cause":[{"type":"security_exception","reason":` + quote(tc.reason) + `}],"type":"security_exception","reason":` + quote(tc.reason) + `},"status":403}`
		e := httpError("search", 403, []byte(body))
		if e.Kind != KindForbidden || e.Action != tc.action || e.Indices != tc.indices || e.Privilege != tc.privilege {
			t.Errorf("%q:\n got kind %v action %q indices %q privilege %q", tc.reason, e.Kind, e.Action, e.Indices, e.Privilege)
		}
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// TLS: an untrusted certificate is a KindTLS error that says how to fix
// it; a CA file or the certificate's fingerprint fixes it; insecure skips
// verification.
func TestTLS(t *testing.T) {
	srv := elastictest.NewTLSServer()
	defer srv.Close()
	srv.Add("logs-a", "", apmDoc(1))
	cert := srv.Certificate()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(cert.Raw)
	fp := strings.ToUpper(hex.EncodeToString(sum[:]))
	var colons []string
	for i := 0; i < len(fp); i += 2 {
		colons = append(colons, fp[i:i+2])
	}
	for _, tc := range []struct {
		name   string
		config func(*Config)
		ok     bool
	}{
		{"untrusted", func(*Config) {}, false},
		{"ca file", func(c *Config) { c.CAFile = caFile }, true},
		{"fingerprint", func(c *Config) { c.CAFingerprint = fp }, true},
		{"fingerprint with colons", func(c *Config) { c.CAFingerprint = strings.Join(colons, ":") }, true},
		{"wrong fingerprint", func(c *Config) { c.CAFingerprint = strings.Repeat("ab", 32) }, false},
		{"insecure", func(c *Config) { c.Insecure = true }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, srv.URL, tc.config)
			evs, err := collect(t, c.NewSource(Query{Indices: []string{"logs-a"}}, SourceOptions{}))
			if tc.ok {
				if err != nil || len(evs) != 1 {
					t.Fatalf("got %d events, %v", len(evs), err)
				}
				return
			}
			if !errors.Is(err, ErrTLS) {
				t.Fatalf("err = %v, want a TLS error", err)
			}
			if !strings.Contains(err.Error(), "use --es-ca FILE or --es-ca-fingerprint") {
				t.Errorf("message %q does not say how to fix it", err)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1", func(c *Config) { c.MaxRetries = 1 })
	_, err := c.Count(context.Background(), Query{Indices: []string{"x"}})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "cannot connect") {
		t.Errorf("err = %v, want unreachable", err)
	}
}

func TestBackoffBounded(t *testing.T) {
	const base, maxRetries = 500 * time.Millisecond, 19
	for attempt := 1; attempt <= maxRetries; attempt++ {
		d := backoff(base, maxRetries, attempt)
		if d < 500*time.Millisecond || d > 12500*time.Millisecond {
			t.Errorf("attempt %d: backoff %v out of bounds", attempt, d)
		}
	}
	if a, b := backoff(time.Second, 3, 1), backoff(time.Second, 3, 3); b < 3*a/2 {
		t.Errorf("backoff does not grow: %v then %v", a, b)
	}
}

// The transport asks for a backoff after its last attempt too; waiting
// then only delays the error.
func TestBackoffNoneAfterLastAttempt(t *testing.T) {
	for _, tc := range []struct {
		maxRetries, attempt int
		wait                bool
	}{
		{3, 1, true},
		{3, 3, true},
		{3, 4, false},
		{1, 1, true},
		{1, 2, false},
		{5, 9, false},
	} {
		d := backoff(time.Second, tc.maxRetries, tc.attempt)
		if (d > 0) != tc.wait {
			t.Errorf("backoff(max %d, attempt %d) = %v; want a wait: %v", tc.maxRetries, tc.attempt, d, tc.wait)
		}
	}
}

// A server (or a proxy in front of it) that echoes the request in its
// error page must not get the credentials printed: neither the API key
// nor the Basic authorization value, in a JSON reason or in a page of
// text; what a terminal acts on reads \x1b.
func TestErrorsNeverQuoteCredentials(t *testing.T) {
	const apiKey, user, password = "U0VDUkVUS0VZMTIz", "analyst", "PW-s3cret-999"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		body func(auth string) string
	}{
		{"api key, text page", func(c *Config) { c.APIKey = apiKey }, func(auth string) string {
			return "<html>\x1b]0;pwned\x07 oops " + auth + "</html>"
		}},
		{"basic, JSON reason", func(c *Config) { c.Username, c.Password = user, password }, func(auth string) string {
			b, _ := json.Marshal(map[string]any{"error": map[string]any{"type": "x", "reason": "\x1b[31m you sent " + auth + " as " + user + ":" + password}, "status": 500})
			return string(b)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Elastic-Product", "Elasticsearch")
				w.WriteHeader(500)
				io.WriteString(w, tc.body(r.Header.Get("Authorization")))
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, tc.cfg)
			_, err := c.Count(context.Background(), Query{Indices: []string{"logs-a"}})
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, secret := range []string{apiKey, password, basic} {
				if strings.Contains(msg, secret) {
					t.Errorf("the message quotes a credential: %q", msg)
				}
			}
			if !strings.Contains(msg, `\x1b`) || strings.Contains(msg, "\x1b") || !strings.Contains(msg, "[redacted]") {
				t.Errorf("message %q: want the escape shown as \\x1b and the credential redacted", msg)
			}
		})
	}
}
