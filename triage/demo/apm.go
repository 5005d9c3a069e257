package demo

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// The shop, as its APM agent reports it.
const (
	shopHost    = "shop.example.com"
	shopURL     = "https://" + shopHost
	serviceName = "shop-web"
)

// Content types used in headers.
const (
	acceptHTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	acceptJSON = "application/json"
	acceptAny  = "*/*"
	typeHTML   = "text/html; charset=utf-8"
	typeJSON   = "application/json; charset=utf-8"
	typeForm   = "application/x-www-form-urlencoded"
	typePlain  = "text/plain; charset=utf-8"
)

// req describes one HTTP transaction as the shop's APM agent records it.
type req struct {
	t      int64 // Unix ms
	ip     netip.Addr
	ua     string // user_agent.original; "" when the client sent none
	method string // as sent: ECS keeps the wire case
	route  string // route template for transaction.name; "" for an unmatched route
	path   string // raw path as sent (still percent-encoded)
	query  string // raw query without '?'; "" for none
	status int
	durUS  int64

	user    string // user.name of a logged-in user
	sid     string // session cookie value; "" when the client sent none
	accept  string
	lang    string // Accept-Language; "" for none
	referer string
	origin  string // Origin, for CORS requests
	acrm    string // Access-Control-Request-Method of a preflight
	ctype   string // request Content-Type of a body
	body    string // http.request.body.original; only form bodies are captured
	bodyLen int    // Content-Length when the body is not captured
	auth    bool   // an Authorization header was sent (recorded redacted)
	rtype   string // response Content-Type; "" for none
	h2      bool   // HTTP/2 rather than HTTP/1.1
	http10  bool   // HTTP/1.0, which needs no Host header
	noHost  bool   // the client sent no Host header
	purpose string // Sec-Purpose of a prefetch ("prefetch"); "" for none
	rows    int64  // rows the database span returns; 0 draws an ordinary count
	node    int    // which of the service's instances served it

	// GeoIP and ASN enrichment of the client address, as an ingest
	// pipeline writes it into source.as and source.geo; "" and 0 leave
	// the fields out (most demo clients sit in ranges no database
	// places, so ordinary documents carry none).
	srcASN     int
	srcOrg     string
	srcCountry string
}

// tx builds req as an APM transaction document and queues it.
func (g *generator) tx(r *req) {
	w := &g.w
	w.b = w.b[:0]
	w.begin()
	w.time("@timestamp", r.t)
	apmAgent(w)
	w.open("client")
	w.ip("ip", r.ip)
	w.end()
	apmStream(w)
	w.open("event")
	w.time("ingested", r.t+r.durUS/1000+800+int64(r.t%1700))
	// APM marks a server transaction failed only for 5xx: a 401 or 404 was
	// served successfully.
	if r.status >= 500 {
		w.str("outcome", "failure")
	} else {
		w.str("outcome", "success")
	}
	w.end()
	node := nodeNames[r.node%len(nodeNames)]
	w.open("host")
	w.str("hostname", node)
	w.end()

	w.open("http")
	w.open("request")
	if r.body != "" {
		w.open("body")
		w.str("original", r.body)
		w.end()
	}
	if r.sid != "" {
		w.open("cookies")
		w.str("sid", r.sid)
		w.end()
	}
	w.open("headers")
	if r.accept != "" {
		w.strs("Accept", r.accept)
	}
	if r.lang != "" {
		w.strs("Accept-Language", r.lang)
	}
	if r.acrm != "" {
		w.strs("Access-Control-Request-Method", r.acrm)
	}
	if r.auth {
		w.strs("Authorization", "[REDACTED]")
	}
	if r.body != "" || r.bodyLen > 0 {
		n := r.bodyLen
		if r.body != "" {
			n = len(r.body)
		}
		w.strs("Content-Length", strconv.Itoa(n))
		w.strs("Content-Type", r.ctype)
	}
	if !r.noHost {
		w.strs("Host", shopHost)
	}
	if r.origin != "" {
		w.strs("Origin", r.origin)
	}
	if r.referer != "" {
		w.strs("Referer", r.referer)
	}
	if r.purpose != "" {
		w.strs("Sec-Purpose", r.purpose)
	}
	if r.ua != "" {
		w.strs("User-Agent", r.ua)
	}
	w.end()
	w.str("method", r.method)
	if r.referer != "" {
		w.str("referrer", r.referer)
	}
	w.end()
	w.open("response")
	if r.rtype != "" {
		w.open("headers")
		w.strs("Content-Type", r.rtype)
		w.end()
	}
	w.int("status_code", int64(r.status))
	w.end()
	switch {
	case r.h2:
		w.str("version", "2.0")
	case r.http10:
		w.str("version", "1.0")
	default:
		w.str("version", "1.1")
	}
	w.end()

	apmObserver(w)
	w.open("processor")
	w.str("event", "transaction")
	w.end()
	w.open("service")
	w.str("environment", "production")
	w.open("framework")
	w.str("name", "gin")
	w.end()
	w.open("language")
	w.str("name", "go")
	w.end()
	w.str("name", serviceName)
	w.open("node")
	w.str("name", node)
	w.end()
	w.end()
	w.open("source")
	if r.srcOrg != "" {
		w.open("as")
		w.int("number", int64(r.srcASN))
		w.open("organization")
		w.str("name", r.srcOrg)
		w.end()
		w.end()
	}
	if r.srcCountry != "" {
		w.open("geo")
		w.str("country_name", r.srcCountry)
		w.end()
	}
	w.ip("ip", r.ip)
	w.end()
	traceHi, traceLo := g.id(), g.id()
	w.open("trace")
	w.hex("id", traceHi, traceLo)
	w.end()
	txID := g.id()
	w.open("transaction")
	w.open("duration")
	w.int("us", r.durUS)
	w.end()
	w.hex("id", txID)
	name := r.route
	if name == "" {
		name = "unknown route"
	}
	w.key("name")
	w.b = appendJSONString(w.b, r.method+" "+name)
	w.str("result", resultClass(r.status))
	w.bool("sampled", true)
	w.str("type", "request")
	w.end()

	target := r.path
	if r.query != "" {
		target += "?" + r.query
	}
	w.open("url")
	w.str("domain", shopHost)
	w.str("full", shopURL+target)
	w.str("original", target)
	w.str("path", decodedPath(r.path))
	if r.query != "" {
		w.str("query", r.query)
	}
	w.str("scheme", "https")
	w.end()
	if r.user != "" {
		w.open("user")
		w.str("name", r.user)
		w.end()
	}
	if r.ua != "" {
		w.open("user_agent")
		w.str("original", r.ua)
		w.end()
	}
	w.end()
	g.add(r.t)
	if q, ok := dbQueries[r.method+" "+r.route]; ok && r.status == 200 {
		g.span(r, q, traceHi, traceLo, txID)
	}
}

// decodedPath is url.path as the Go agent records it: the request's
// URL.Path, percent-decoded (so a %00 or %0d%0a probe arrives there as the
// raw control characters; url.original keeps what was sent).
func decodedPath(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	d, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return d
}

var nodeNames = []string{"shop-web-6d8f7-2kqxp", "shop-web-6d8f7-9wz4c", "shop-web-6d8f7-hn5tr"}

func resultClass(status int) string {
	switch {
	case status >= 500:
		return "HTTP 5xx"
	case status >= 400:
		return "HTTP 4xx"
	case status >= 300:
		return "HTTP 3xx"
	case status >= 200:
		return "HTTP 2xx"
	}
	return "HTTP 1xx"
}

// hex16 formats v as 16 lower-case hex digits.
func hex16(v uint64) string {
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = hexDigits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

// The APM envelope transactions and spans share. Keys are written in
// order, so each helper is called where its key sorts.

func apmAgent(w *obj) {
	w.open("agent")
	w.str("name", "go")
	w.str("version", "2.7.1")
	w.end()
}

// apmStream writes data_stream and ecs, adjacent in both documents.
func apmStream(w *obj) {
	w.open("data_stream")
	w.str("dataset", "apm")
	w.str("namespace", "production")
	w.str("type", "traces")
	w.end()
	w.open("ecs")
	w.str("version", "8.11.0")
	w.end()
}

func apmObserver(w *obj) {
	w.open("observer")
	w.str("hostname", "apm-server-7c9f")
	w.str("type", "apm-server")
	w.str("version", "8.15.3")
	w.end()
}
