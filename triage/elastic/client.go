package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"
	tpversion "github.com/elastic/elastic-transport-go/v8/elastictransport/version"

	"picket/triage"
	"picket/triage/elastic/internal/esreq"
)

// The client is built from esreq (the seven requests Picket makes) and
// the official client's transport, elastictransport (connection pool,
// retries, authentication, TLS). It imports neither the go-elasticsearch
// root package, which links typedapi (some 900 packages), nor esapi, whose
// 565 generated files were a cold build's longest step: Picket uses seven
// of its request types. transport adds what the root package added on
// top: the product check and the client's identifying headers.

// Client talks to one cluster. It is safe for concurrent use.
type Client struct {
	tp  *transport
	cfg Config
}

// New checks cfg and returns a client. It does not contact the cluster:
// the first request does, and runs the product check.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	switch {
	case len(cfg.URLs) == 0 && cfg.CloudID == "":
		return nil, ErrNoAddress
	case len(cfg.URLs) > 0 && cfg.CloudID != "":
		return nil, fmt.Errorf("elasticsearch: give URLs or a Cloud ID, not both")
	}
	urls, err := cfg.addresses()
	if err != nil {
		return nil, err
	}
	rt, ca, err := cfg.transport()
	if err != nil {
		return nil, badSetting{fmt.Errorf("elasticsearch: %w", err)}
	}
	base := cfg.RetryBase
	opts := []elastictransport.Option{
		elastictransport.WithURLs(urls...),
		elastictransport.WithUserAgent(userAgent),
		elastictransport.WithTransport(rt),
		elastictransport.WithRetryOnStatus(429, 502, 503, 504),
		elastictransport.WithMaxRetries(cfg.MaxRetries),
		elastictransport.WithRetryOnError(func(req *http.Request, err error) bool {
			noteAttempt(req.Context(), err)
			return retryable(err)
		}),
		elastictransport.WithRetryBackoff(func(attempt int) time.Duration { return backoff(base, cfg.MaxRetries, attempt) }),
		elastictransport.WithInterceptors(prefixRawPath),
	}
	// A URL's user:password wins over the configured user, and an API key
	// over both (the transport sends a URL's userinfo itself).
	user, password := cfg.Username, cfg.Password.Reveal()
	if u := urls[0].User; u != nil {
		user = u.Username()
		password, _ = u.Password()
	}
	switch {
	case cfg.APIKey != "":
		opts = append(opts, elastictransport.WithAPIKey(cfg.APIKey.Reveal()))
	case user != "" || password != "":
		opts = append(opts, elastictransport.WithBasicAuth(user, password))
	}
	if cfg.CAFingerprint != "" {
		fp, err := fingerprint(cfg.CAFingerprint)
		if err != nil {
			return nil, badSetting{fmt.Errorf("elasticsearch: %w", err)}
		}
		opts = append(opts, elastictransport.WithCertificateFingerprint(fp))
	}
	if ca != nil {
		opts = append(opts, elastictransport.WithCACert(ca))
	}
	tp, err := elastictransport.NewClient(opts...)
	if err != nil {
		// The transport's message may quote a URL, password and all.
		return nil, fmt.Errorf("elasticsearch: %s", clean(cfg.scrub(err.Error())))
	}
	compat, _ := strconv.ParseBool(os.Getenv("ELASTIC_CLIENT_APIVERSIONING"))
	return &Client{tp: &transport{tp: tp, compat: compat}, cfg: cfg}, nil
}

// transport sends requests through the elastic transport, adding the
// client headers and the product check.
type transport struct {
	tp *elastictransport.Client
	// compat asks an Elasticsearch 9 cluster for version 8 answers, as the
	// official client does when ELASTIC_CLIENT_APIVERSIONING is true.
	compat bool
	// genuine is set once a successful answer carried the product header.
	genuine atomic.Bool
}

// errNotElasticsearch is the product check's failure.
var errNotElasticsearch = errors.New("the server is not Elasticsearch: a successful answer lacked X-Elastic-Product: Elasticsearch")

const (
	headerClientMeta = "X-Elastic-Client-Meta"
	compatMediaType  = "application/vnd.elasticsearch+json;compatible-with=8"
)

var (
	// The headers name the go-elasticsearch release whose requests esreq
	// reproduces, as that client would.
	userAgent = fmt.Sprintf("go-elasticsearch/%s (%s %s; Go %s)", esreq.Version, runtime.GOOS, runtime.GOARCH,
		strings.TrimPrefix(runtime.Version(), "go"))
	clientMeta = fmt.Sprintf("es=%s,go=%s,t=%s,hc=%s", metaVersion(esreq.Version), metaVersion(runtime.Version()),
		metaVersion(tpversion.Transport), metaVersion(runtime.Version()))
)

// metaVersion shortens a version for the client meta header as the
// official client does: digits and dots, "p" for a pre-release.
func metaVersion(v string) string {
	v = strings.TrimPrefix(v, "go")
	end := strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	switch {
	case end == 0 || strings.Contains(v, "devel"):
		return "0.0p"
	case end > 0:
		return v[:end] + "p"
	}
	return v
}

// Perform sends one request. Like the official client, it
// checks the product header on successful answers until one passes:
// the header is how a proxy or another product tells itself apart.
func (t *transport) Perform(req *http.Request) (*http.Response, error) {
	if t.compat {
		if req.Body != nil {
			req.Header.Set("Content-Type", compatMediaType)
		}
		req.Header.Set("Accept", compatMediaType)
	}
	if m := req.Header.Get(headerClientMeta); m != "" {
		req.Header.Set(headerClientMeta, clientMeta+","+m)
	} else {
		req.Header.Set(headerClientMeta, clientMeta)
	}
	res, err := t.tp.Perform(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode >= 200 && res.StatusCode < 300 && !t.genuine.Load() {
		if res.Header.Get("X-Elastic-Product") != "Elasticsearch" {
			res.Body.Close()
			return nil, errNotElasticsearch
		}
		t.genuine.Store(true)
	}
	return res, nil
}

// scrub removes the configuration's secrets from a message: the API key,
// the password, and passwords written into URLs.
func (c Config) scrub(msg string) string {
	secrets := []string{c.APIKey.Reveal(), c.Password.Reveal(), triage.BasicAuth(c.Username, c.Password.Reveal())}
	for _, u := range c.URLs {
		secrets = append(secrets, triage.URLSecrets(u)...)
	}
	return triage.ScrubSecrets(msg, secrets...)
}

// backoff doubles from base per attempt, caps at 10s and adds up to 25%
// jitter so that many clients do not retry in step. It is 0 after the
// last attempt: the transport calls it then too, and would wait for
// nothing before returning the last failure.
func backoff(base time.Duration, maxRetries, attempt int) time.Duration {
	if attempt > maxRetries {
		return 0
	}
	d := base
	for i := 1; i < attempt && d < 10*time.Second; i++ {
		d *= 2
	}
	d = min(d, 10*time.Second)
	return d + time.Duration(rand.Int64N(int64(d)/4+1))
}

// String describes the connection, without secrets.
func (c *Client) String() string { return c.cfg.String() }

// do runs one request with the per-request timeout and reads the whole
// answer into buf (reset first). Error answers become *Error.
func (c *Client) do(ctx context.Context, op string, req esreq.Request, buf *bytes.Buffer) error {
	attempts := &attemptErr{}
	rctx, cancel := context.WithTimeout(context.WithValue(ctx, attemptKey{}, attempts), c.cfg.Timeout)
	defer cancel()
	_, escaped := req.Path()
	hreq, err := req.HTTP(context.WithValue(rctx, rawPathKey{}, escaped))
	if err != nil {
		return &Error{Op: op, Reason: clean(c.cfg.scrub(err.Error()))}
	}
	res, err := c.tp.Perform(hreq)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && attempts.err != nil && ctx.Err() == nil {
			// Retries ran out of time: what failed was the last attempt
			// (a refused connection, say), not the server's speed.
			err = attempts.err
		}
		err = transportError(ctx, op, err)
		if e, ok := err.(*Error); ok {
			e.Reason = c.cfg.scrub(e.Reason)
		}
		return err
	}
	defer res.Body.Close()
	buf.Reset()
	if n := res.Header.Get("Content-Length"); n != "" {
		var size int
		if _, err := fmt.Sscan(n, &size); err == nil && size > 0 && size < 1<<30 {
			buf.Grow(size)
		}
	}
	if _, err := buf.ReadFrom(res.Body); err != nil {
		return transportError(ctx, op, err)
	}
	if res.StatusCode > 299 {
		// The client checks the product header only on successful
		// answers. An error page without it and without Elasticsearch's
		// error body (a web server, a login portal) is not Elasticsearch;
		// quoting its HTML would help nobody.
		// 429 and 50x may come from a proxy in front of a cluster that is
		// down: those keep their own message.
		if res.Header.Get("X-Elastic-Product") == "" && !looksLikeESError(buf.Bytes()) && !retryStatus(res.StatusCode) {
			return &Error{Op: op, Status: res.StatusCode, Kind: KindNotElasticsearch}
		}
		e := httpError(op, res.StatusCode, buf.Bytes())
		// A proxy or a server may echo the request, its Authorization
		// header included, in the error it answers.
		e.scrub(c.cfg.scrub)
		if e.Kind == KindThrottled || e.Kind == KindUnavailable {
			e.Retries = c.cfg.MaxRetries
		}
		return e
	}
	return nil
}

// doJSON runs a request and decodes its (small) answer into out.
func (c *Client) doJSON(ctx context.Context, op string, req esreq.Request, out any) error {
	var buf bytes.Buffer
	if err := c.do(ctx, op, req, &buf); err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(buf.Bytes(), out); err != nil {
		return &Error{Op: op, Reason: "unexpected answer: " + err.Error()}
	}
	return nil
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own request types are marshalled
	}
	return b
}

// Ping checks that the cluster answers, is Elasticsearch and accepts the
// credentials, and returns the authenticated user name.
func (c *Client) Ping(ctx context.Context) (user string, err error) {
	var auth struct {
		Username string `json:"username"`
	}
	err = c.doJSON(ctx, "authenticate", esreq.SecurityAuthenticate(), &auth)
	return auth.Username, err
}

// Query selects events: index patterns, a time range and an optional
// extra filter in Elasticsearch query DSL.
type Query struct {
	// Indices are index names or patterns (logs-*, traces-apm*).
	Indices []string
	// From (inclusive) and To (exclusive) bound TimeField; zero is open.
	From, To time.Time
	// TimeField is the time field; default @timestamp.
	TimeField string
	// Filter is an extra query DSL clause, ANDed (from kql.ToDSL).
	Filter json.RawMessage
	// Not are query DSL clauses that must not match.
	Not []json.RawMessage
}

func (q Query) timeField() string {
	if q.TimeField == "" {
		return "@timestamp"
	}
	return q.TimeField
}

// dsl renders the query as a bool filter.
func (q Query) dsl() map[string]any {
	var filter []any
	if !q.From.IsZero() || !q.To.IsZero() {
		r := map[string]any{"format": "strict_date_optional_time"}
		if !q.From.IsZero() {
			r["gte"] = q.From.UTC().Format(time.RFC3339Nano)
		}
		if !q.To.IsZero() {
			r["lt"] = q.To.UTC().Format(time.RFC3339Nano)
		}
		filter = append(filter, map[string]any{"range": map[string]any{q.timeField(): r}})
	}
	if len(q.Filter) > 0 {
		filter = append(filter, q.Filter)
	}
	b := map[string]any{}
	if len(filter) > 0 {
		b["filter"] = filter
	}
	if len(q.Not) > 0 {
		b["must_not"] = q.Not
	}
	if len(b) == 0 {
		return map[string]any{"match_all": map[string]any{}}
	}
	return map[string]any{"bool": b}
}

func (q Query) name() string { return strings.Join(q.Indices, ",") }

// Count returns how many documents the query matches.
func (c *Client) Count(ctx context.Context, q Query) (int64, error) {
	var out struct {
		Count int64 `json:"count"`
	}
	req := esreq.Count(q.Indices, jsonBody(map[string]any{"query": q.dsl()}))
	err := c.doJSON(ctx, "count "+q.name(), req, &out)
	return out.Count, err
}

// attemptErr keeps the error of the last failed attempt of one request, so
// that a request whose retries end in its deadline reports why the
// attempts failed.
type attemptErr struct{ err error }

type attemptKey struct{}

func noteAttempt(ctx context.Context, err error) {
	if a, ok := ctx.Value(attemptKey{}).(*attemptErr); ok && err != nil &&
		!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		a.err = err
	}
}

// looksLikeESError reports whether body is Elasticsearch's error shape:
// {"error": ..., "status": N}. Proxies in front of a cluster may strip the
// product header but pass such bodies through.
func looksLikeESError(body []byte) bool {
	var b struct {
		Error  json.RawMessage `json:"error"`
		Status int             `json:"status"`
	}
	return json.Unmarshal(body, &b) == nil && len(b.Error) > 0
}

func retryStatus(code int) bool {
	return code == 429 || code == 502 || code == 503 || code == 504
}

// rawPathKey holds, in a request's context, its path as escaped by esreq.
type rawPathKey struct{}

// prefixRawPath keeps an escaped path escaped under a node URL with a
// path of its own (a proxy's https://host/es): the transport prepends
// the node's path to the request's decoded Path only, and a RawPath that
// no longer matches would be dropped, a date-math index name's slash
// becoming a path separator. It runs on each attempt once the transport
// has chosen the node and set its URL.
func prefixRawPath(next elastictransport.RoundTripFunc) elastictransport.RoundTripFunc {
	return func(req *http.Request) (*http.Response, error) {
		if raw, ok := req.Context().Value(rawPathKey{}).(string); ok {
			if p, err := url.PathUnescape(raw); err == nil && strings.HasSuffix(req.URL.Path, p) {
				prefix := &url.URL{Path: strings.TrimSuffix(req.URL.Path, p)}
				req.URL.RawPath = prefix.EscapedPath() + raw
			}
		}
		return next(req)
	}
}
