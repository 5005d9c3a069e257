package elastic

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// No way of printing a Config or a Secret shows the secret.
func TestSecretsNeverPrinted(t *testing.T) {
	cfg := Config{
		URLs:     []string{"https://elastic:hunter2-in-url@es.example:9200"},
		APIKey:   "c2VjcmV0LWFwaS1rZXk=",
		Username: "elastic",
		Password: "hunter2-password",
	}
	secrets := []string{"hunter2-in-url", "c2VjcmV0LWFwaS1rZXk=", "hunter2-password"}
	type wrapper struct {
		Cfg Config
		Key Secret
		Ptr *Config
	}
	w := wrapper{Cfg: cfg, Key: cfg.APIKey, Ptr: &cfg}
	js, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":       fmt.Sprintf("%v", cfg),
		"%+v":      fmt.Sprintf("%+v", cfg),
		"%#v":      fmt.Sprintf("%#v", cfg),
		"%s":       fmt.Sprintf("%s", cfg),
		"String":   cfg.String(),
		"%v ptr":   fmt.Sprintf("%v", &cfg),
		"%+v wrap": fmt.Sprintf("%+v", w),
		"%#v wrap": fmt.Sprintf("%#v", w),
		"%q key":   fmt.Sprintf("%q", cfg.APIKey),
		"%x key":   fmt.Sprintf("%x", cfg.APIKey),
		"json":     string(js),
	}
	for name, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s shows a secret: %s", name, out)
			}
		}
	}
	if !strings.Contains(cfg.String(), "es.example:9200") || !strings.Contains(cfg.String(), "api key") {
		t.Errorf("String() = %q, want the address and the auth kind", cfg.String())
	}
	if cfg.APIKey.Reveal() != "c2VjcmV0LWFwaS1rZXk=" {
		t.Errorf("Reveal lost the value")
	}
	if Secret("").String() != "" {
		t.Errorf("an empty secret should print empty")
	}
}

// A malformed URL with a password in it does not leak the password
// through the client's error.
func TestNewErrorScrubsSecrets(t *testing.T) {
	_, err := New(Config{URLs: []string{"http://user:pa ss%zz-word@host:9200"}})
	if err == nil {
		t.Skip("the client accepted the URL")
	}
	if strings.Contains(err.Error(), "ss%zz-word") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no address", Config{}, "no Elasticsearch address"},
		{"both", Config{URLs: []string{"http://a"}, CloudID: "x:eA=="}, "not both"},
		{"bad fingerprint", Config{URLs: []string{"http://a"}, CAFingerprint: "abc"}, "64 hex digits"},
		{"not hex", Config{URLs: []string{"http://a"}, CAFingerprint: strings.Repeat("zz", 32)}, "not a hex digit"},
		{"missing CA file", Config{URLs: []string{"http://a"}, CAFile: "/nonexistent/ca.pem"}, "CA file"},
		{"ok", Config{URLs: []string{"http://a"}}, ""},
		{"cloud id", Config{CloudID: "name:" + "dXMtZWFzdC0xLmF3cy5mb3VuZC5pbyRjZWMzMjMkZGVm"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	if _, err := New(Config{}); !errors.Is(err, ErrNoAddress) {
		t.Errorf("New(Config{}) = %v, want ErrNoAddress", err)
	}
}

// A node URL must say http:// or https://. Without a scheme, New refuses
// it at once, suggesting both, instead of the transport retrying an
// unusable address; the message never quotes a password.
func TestNewURLScheme(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  string
		want []string // in the error; none: accepted
	}{
		{"host and port", "localhost:9200", []string{`"localhost:9200" has no scheme`, "https://localhost:9200", "http://localhost:9200"}},
		{"dotted host and port", "es.example.com:9200", []string{"no scheme", "https://es.example.com:9200"}},
		{"IPv4 and port", "10.0.0.1:9200", []string{"no scheme", "https://10.0.0.1:9200"}},
		{"IPv6 and port", "[::1]:9200", []string{"no scheme", "https://[::1]:9200"}},
		{"host alone", "localhost", []string{"no scheme", "https://localhost"}},
		{"password without scheme", "elastic:hunter2@localhost:9200", []string{"no scheme", "https://localhost:9200"}},
		{"other scheme", "ftp://es.example:21", []string{`scheme "ftp"`, "http or https"}},
		{"no host", "http://", []string{"no host"}},
		{"no host, a path", "https:///x", []string{"no host"}},
		{"https", "https://es.example:9200", nil},
		{"http upper case", "HTTP://localhost:9200", nil},
		{"path prefix and slash", "https://proxy.example/es/", nil},
		{"password in URL", "https://elastic:hunter2@es.example:9200", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := New(Config{URLs: []string{tc.url}})
			if time.Since(start) > time.Second {
				t.Errorf("New took %v: it must not contact the node", time.Since(start))
			}
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("%q accepted", tc.url)
			}
			if !errors.Is(err, ErrBadURL) {
				t.Errorf("error %v is not ErrBadURL", err)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "hunter2") || strings.Contains(msg, "\n") {
				t.Errorf("error is not one line without the password: %q", msg)
			}
		})
	}
}
