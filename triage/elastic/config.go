// Package elastic reads events and Elastic Security alerts from an
// Elasticsearch 8 cluster and writes alert triage status back.
//
// A Source pulls raw events over a point in time with search_after,
// decoding each page straight into triage.Events with triage's one-pass
// Decoder; Client.Alerts reads the .alerts-security.alerts-<space> index
// into triage.Alerts; Client.UpdateAlerts sets workflow status and tags the
// way Kibana does, by _update_by_query on the alerts index (never on source
// indices). Client.Count, Client.Groups (a composite aggregation by source
// IP × user agent) and Client.Histogram (a date_histogram) let callers do
// the heavy part in Elasticsearch when a pull would be too large.
//
// Failures come back as *Error, whose Kind says what went wrong (401, 403
// with the missing privilege, 404 index, throttling after bounded retries,
// timeouts, TLS trust, a server that is not Elasticsearch) in one line.
// Credentials are held as Secret and never printed.
package elastic

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"picket/triage"
)

// Secret is a credential (an API key, a password). Every way of printing
// it, fmt verbs, JSON and text marshalling, shows "[redacted]"; Reveal
// returns the value for the one place that needs it.
type Secret string

const redacted = "[redacted]"

// String returns "[redacted]", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString redacts the secret for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("elastic.Secret(%q)", s.String()) }

// Format redacts the secret whatever the verb.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, s.GoString())
		return
	}
	io.WriteString(f, s.String())
}

// MarshalText redacts the secret in JSON, TOML and other encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// Config says how to reach and authenticate to a cluster. Set URLs or
// CloudID, not both.
type Config struct {
	// URLs of Elasticsearch nodes, e.g. https://localhost:9200. A URL may
	// carry user:password, which is then used for basic auth (and redacted
	// when printed).
	URLs []string
	// CloudID of an Elastic Cloud deployment, instead of URLs.
	CloudID string
	// APIKey is the base64 "id:key" credential Kibana and the
	// _security/api_key API hand out. It takes precedence over basic auth.
	APIKey Secret
	// Username and Password for basic authentication.
	Username string
	Password Secret
	// CAFile is a PEM file of certificate authorities to trust instead of
	// the system's.
	CAFile string
	// CAFingerprint is the SHA-256 fingerprint (hex, colons allowed) of a
	// certificate in the server's chain, as Elasticsearch prints on first
	// start; the server is trusted when one matches.
	CAFingerprint string
	// Insecure skips TLS verification. Only when asked; callers warn.
	Insecure bool
	// Timeout bounds each request (default 60s).
	Timeout time.Duration
	// MaxRetries bounds retries of 429, 502, 503 and 504 answers and of
	// dropped connections (default 3). Backoff doubles from RetryBase
	// (default 500ms) up to 10s, with jitter.
	MaxRetries int
	RetryBase  time.Duration
	// Transport replaces the HTTP transport (tests). CAFile and Insecure
	// then apply only when it is an *http.Transport.
	Transport http.RoundTripper
}

// ErrNoAddress is returned when a Config names no cluster.
var ErrNoAddress = errors.New("no Elasticsearch address: set ELASTICSEARCH_URL or ELASTIC_CLOUD_ID, url or cloud_id in the [elasticsearch] table of the config file, or --es-url")

// ErrBadSetting is matched (errors.Is) by New's error for a TLS setting
// it cannot use (a CA file that cannot be read or holds no certificate, a
// malformed fingerprint): nothing was sent.
var ErrBadSetting = errors.New("elasticsearch: unusable setting")

type badSetting struct{ error }

func (e badSetting) Is(target error) bool { return target == ErrBadSetting }
func (e badSetting) Unwrap() error        { return e.error }

// ErrBadURL is matched (errors.Is) by New's error for a node URL it
// cannot use: no http:// or https:// scheme, or no host.
var ErrBadURL = errors.New("elasticsearch: unusable URL")

// badURL says what is wrong with one URL, which it quotes with any
// password hidden.
type badURL struct{ msg string }

func (e *badURL) Error() string        { return "elasticsearch: " + e.msg }
func (e *badURL) Is(target error) bool { return target == ErrBadURL }

// addresses parses the node URLs, or the Cloud ID into its one URL.
func (c Config) addresses() ([]*url.URL, error) {
	if c.CloudID != "" {
		u, err := cloudURL(c.CloudID)
		if err != nil {
			return nil, fmt.Errorf("elasticsearch: Cloud ID: %w", err)
		}
		return []*url.URL{u}, nil
	}
	out := make([]*url.URL, 0, len(c.URLs))
	for _, raw := range c.URLs {
		u, err := nodeURL(raw)
		if err != nil {
			if e, ok := err.(*badURL); ok {
				e.msg = clean(c.scrub(e.msg))
			}
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// nodeURL parses one node URL. Without a scheme it is refused rather
// than guessed: http:// would send the credentials in clear text to a
// node that, as Elasticsearch 8 does by default, expects TLS, and https://
// fails on the plain-HTTP development nodes where a bare host:port is
// most often typed. Either way the user would wait through the retries
// for a misleading error; one line now says what to write.
func nodeURL(raw string) (*url.URL, error) {
	u, problem, hostport := triage.WebURLProblem(raw)
	switch {
	case problem == "":
		return u, nil
	case hostport != "":
		return nil, &badURL{fmt.Sprintf("URL %q has no scheme: write https://%s (Elasticsearch 8 serves HTTPS unless set up otherwise) or http://%s (a node without TLS)",
			triage.HideURLPassword(raw), hostport, hostport)}
	}
	return nil, &badURL{fmt.Sprintf("URL %q %s", triage.HideURLPassword(raw), problem)}
}

// cloudURL decodes a Cloud ID, "name:base64(host$es-id$kibana-id)", into
// the deployment's Elasticsearch URL, https://es-id.host.
func cloudURL(id string) (*url.URL, error) {
	parts := strings.Split(id, ":")
	if len(parts) != 2 {
		return nil, fmt.Errorf("want name:base64, got %d colon-separated parts", len(parts))
	}
	data, err := base64.StdEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("not base64 after the colon: %w", err)
	}
	fields := strings.Split(string(data), "$")
	if len(fields) < 2 || fields[0] == "" || fields[1] == "" {
		return nil, fmt.Errorf("the decoded value is not host$es-id$...")
	}
	return url.Parse("https://" + fields[1] + "." + fields[0])
}

// String describes the connection without its secrets:
// "https://es:9200 (api key)".
func (c Config) String() string {
	var where string
	switch {
	case c.CloudID != "":
		name, _, _ := strings.Cut(c.CloudID, ":")
		where = "cloud " + name
	case len(c.URLs) > 0:
		us := make([]string, len(c.URLs))
		for i, u := range c.URLs {
			us[i] = redactURL(u)
		}
		where = strings.Join(us, ",")
	default:
		where = "(no address)"
	}
	var auth []string
	switch {
	case c.APIKey != "":
		auth = append(auth, "api key")
	case c.Username != "":
		auth = append(auth, "user "+c.Username)
	}
	switch {
	case c.CAFile != "":
		auth = append(auth, "CA "+c.CAFile)
	case c.CAFingerprint != "":
		auth = append(auth, "CA fingerprint")
	}
	if c.Insecure {
		auth = append(auth, "TLS NOT VERIFIED")
	}
	if len(auth) > 0 {
		where += " (" + strings.Join(auth, ", ") + ")"
	}
	return where
}

// Format prints the redacted String whatever the verb, so a Config
// logged with %v, %+v or %#v never shows a secret.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// MarshalJSON writes the redacted description, so a Config encoded by
// accident carries no secret.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// redactURL hides a password in a URL's userinfo.
func redactURL(raw string) string { return triage.HideURLPassword(raw) }

// fingerprint normalises a SHA-256 fingerprint to 64 lower-case hex digits.
func fingerprint(s string) (string, error) {
	s = strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(s)))
	if len(s) != 64 {
		return "", fmt.Errorf("CA fingerprint: want a SHA-256 fingerprint (64 hex digits), got %d characters", len(s))
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return "", fmt.Errorf("CA fingerprint: %q is not a hex digit", r)
		}
	}
	return s, nil
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
	if c.MaxRetries <= 0 {
		c.MaxRetries = 3
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 500 * time.Millisecond
	}
	return c
}

// transport builds the HTTP transport: the caller's, or a clone of the
// default with the TLS settings applied.
func (c Config) transport() (http.RoundTripper, []byte, error) {
	var ca []byte
	if c.CAFile != "" {
		b, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("CA file: %w", err)
		}
		if !strings.Contains(string(b), "-----BEGIN CERTIFICATE-----") {
			return nil, nil, fmt.Errorf("CA file %s: no PEM certificate in it", c.CAFile)
		}
		ca = b
	}
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport.(*http.Transport).Clone()
	}
	if t, ok := rt.(*http.Transport); ok && c.Insecure {
		t = t.Clone()
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{}
		}
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // only when the user asks (--es-insecure)
		rt = t
	}
	if t, ok := rt.(*http.Transport); ok && t.TLSClientConfig == nil {
		// The client's CA option adds to TLSClientConfig, which must exist.
		t = t.Clone()
		t.TLSClientConfig = &tls.Config{}
		rt = t
	}
	return rt, ca, nil
}
