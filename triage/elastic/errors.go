package elastic

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"unicode/utf8"

	"picket/triage"
)

// Kind classifies a failure talking to Elasticsearch.
type Kind int

// Failure kinds.
const (
	KindOther            Kind = iota
	KindUnauthorized          // 401: credentials missing or wrong
	KindForbidden             // 403: a privilege is missing
	KindIndexNotFound         // 404: the index does not exist
	KindThrottled             // 429 still, after the bounded retries
	KindUnavailable           // 502/503/504 still, after the bounded retries
	KindTimeout               // no answer within the timeout
	KindTLS                   // the server's certificate is not trusted
	KindNotElasticsearch      // the product check failed
	KindUnreachable           // no connection (refused, DNS, reset)
	KindBadRequest            // 400: Elasticsearch rejected the request
)

var kindNames = map[Kind]string{
	KindOther:            "error",
	KindUnauthorized:     "unauthorized",
	KindForbidden:        "forbidden",
	KindIndexNotFound:    "index not found",
	KindThrottled:        "too many requests",
	KindUnavailable:      "unavailable",
	KindTimeout:          "timeout",
	KindTLS:              "TLS",
	KindNotElasticsearch: "not Elasticsearch",
	KindUnreachable:      "unreachable",
	KindBadRequest:       "bad request",
}

func (k Kind) String() string { return kindNames[k] }

// Error is a failed Elasticsearch call, in words an analyst can act on.
type Error struct {
	Kind   Kind
	Op     string // what Picket was doing: "search logs-*", "update alerts"
	Status int    // HTTP status, 0 for transport failures
	Type   string // Elasticsearch's error type (security_exception, ...)
	Reason string // Elasticsearch's reason, or the transport error
	// Privilege is, for KindForbidden, the least privilege that would
	// grant the refused action ("read"), and Action the action itself
	// ("indices:data/read/search"); Indices the indices concerned.
	Privilege, Action, Indices string
	// Index is, for KindIndexNotFound, the missing index.
	Index string
	// Retries is how many times the call was retried before giving up.
	Retries int
	Err     error // the underlying transport error, if any
}

// Sentinel errors for errors.Is: errors.Is(err, elastic.ErrForbidden).
var (
	ErrUnauthorized     = &Error{Kind: KindUnauthorized}
	ErrForbidden        = &Error{Kind: KindForbidden}
	ErrIndexNotFound    = &Error{Kind: KindIndexNotFound}
	ErrThrottled        = &Error{Kind: KindThrottled}
	ErrUnavailable      = &Error{Kind: KindUnavailable}
	ErrTimeout          = &Error{Kind: KindTimeout}
	ErrTLS              = &Error{Kind: KindTLS}
	ErrNotElasticsearch = &Error{Kind: KindNotElasticsearch}
	ErrUnreachable      = &Error{Kind: KindUnreachable}
	ErrBadRequest       = &Error{Kind: KindBadRequest}
)

// Is matches another *Error of the same Kind, so the sentinels work with
// errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// Unwrap returns the transport error.
func (e *Error) Unwrap() error { return e.Err }

// scrub passes every text the server wrote through f (Config.scrub).
func (e *Error) scrub(f func(string) string) {
	for _, s := range []*string{&e.Type, &e.Reason, &e.Index, &e.Privilege, &e.Action, &e.Indices} {
		*s = f(*s)
	}
}

// Error returns one line: what failed, why, and what to do.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("elasticsearch: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	switch e.Kind {
	case KindUnauthorized:
		b.WriteString("401 unauthorized: the credentials were refused; check ELASTICSEARCH_API_KEY, or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD")
	case KindForbidden:
		b.WriteString("403 forbidden: ")
		switch {
		case e.Privilege != "" && e.Indices != "":
			fmt.Fprintf(&b, "missing the %s privilege on %s (action %s)", clean(e.Privilege), clean(e.Indices), clean(e.Action))
		case e.Privilege != "":
			fmt.Fprintf(&b, "missing the %s privilege (action %s)", clean(e.Privilege), clean(e.Action))
		case e.Action != "":
			fmt.Fprintf(&b, "not allowed to run %s", clean(e.Action))
		default:
			b.WriteString(clean(e.Reason))
		}
	case KindIndexNotFound:
		if e.Index != "" {
			fmt.Fprintf(&b, "no such index %s (check --es-index or the alerts space)", clean(e.Index))
		} else {
			b.WriteString("index not found: " + clean(e.Reason))
		}
	case KindThrottled:
		fmt.Fprintf(&b, "429 too many requests: the cluster is overloaded; gave up after %d retries", e.Retries)
	case KindUnavailable:
		fmt.Fprintf(&b, "%d unavailable: gave up after %d retries", e.Status, e.Retries)
	case KindTimeout:
		b.WriteString("no answer in time (raise --es-timeout or narrow the time range)")
	case KindTLS:
		fmt.Fprintf(&b, "TLS: %s: the server's certificate is not trusted; use --es-ca FILE or --es-ca-fingerprint SHA256", clean(e.Reason))
	case KindNotElasticsearch:
		b.WriteString("the server is not Elasticsearch (the client's product check failed: no X-Elastic-Product: Elasticsearch header; an http:// URL to a node that serves HTTPS gets this answer too: try https://)")
	case KindUnreachable:
		b.WriteString("cannot connect: " + clean(e.Reason))
	default:
		if e.Status != 0 {
			fmt.Fprintf(&b, "%d ", e.Status)
		}
		if e.Type != "" {
			b.WriteString(clean(e.Type) + ": ")
		}
		b.WriteString(clean(e.Reason))
	}
	return b.String()
}

// clean makes server text safe for one terminal line: line breaks and
// tabs become spaces, other controls show as triage.Escape shows them
// (\x1b, as everywhere in Picket), and it is cut at 300 bytes, on a
// character's boundary.
func clean(s string) string {
	s = triage.Escape(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s))
	if len(s) > 300 {
		cut := 300
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

// esErrorBody is Elasticsearch's error response.
type esErrorBody struct {
	Error  json.RawMessage `json:"error"`
	Status int             `json:"status"`
}

type esErrorDetail struct {
	Type      string          `json:"type"`
	Reason    string          `json:"reason"`
	Index     string          `json:"index"`
	RootCause []esErrorDetail `json:"root_cause"`
}

// "action [indices:data/read/search] is unauthorized for user [bob] with
// effective roles [r] on indices [a,b], this action is granted by the
// index privileges [read,all]"
var (
	reAction     = regexp.MustCompile(`action \[([^\]]+)\] is unauthorized`)
	reIndices    = regexp.MustCompile(`on (?:restricted )?indices \[([^\]]*)\]`)
	rePrivileges = regexp.MustCompile(`granted by the (?:index |cluster )?privileges \[([^\]]+)\]`)
)

// httpError classifies an error response.
func httpError(op string, status int, body []byte) *Error {
	e := &Error{Op: op, Status: status}
	var eb esErrorBody
	if json.Unmarshal(body, &eb) == nil && len(eb.Error) > 0 {
		var d esErrorDetail
		if json.Unmarshal(eb.Error, &d) == nil {
			e.Type, e.Reason, e.Index = d.Type, d.Reason, d.Index
			if len(d.RootCause) > 0 && d.RootCause[0].Reason != "" {
				e.Type, e.Reason = d.RootCause[0].Type, d.RootCause[0].Reason
				if d.RootCause[0].Index != "" {
					e.Index = d.RootCause[0].Index
				}
			}
		} else {
			var s string
			_ = json.Unmarshal(eb.Error, &s)
			e.Reason = s
		}
	} else {
		e.Reason = strings.TrimSpace(string(body))
	}
	switch {
	case status == 401:
		e.Kind = KindUnauthorized
	case status == 403:
		e.Kind = KindForbidden
		if m := reAction.FindStringSubmatch(e.Reason); m != nil {
			e.Action = m[1]
		}
		if m := reIndices.FindStringSubmatch(e.Reason); m != nil {
			e.Indices = m[1]
		}
		if m := rePrivileges.FindStringSubmatch(e.Reason); m != nil {
			// Elasticsearch lists privileges from least to most powerful.
			e.Privilege, _, _ = strings.Cut(m[1], ",")
		}
	case status == 404 && (e.Type == "index_not_found_exception" || e.Index != ""):
		e.Kind = KindIndexNotFound
	case status == 429:
		e.Kind = KindThrottled
	case status == 502 || status == 503 || status == 504:
		e.Kind = KindUnavailable
	case status == 400:
		e.Kind = KindBadRequest
	}
	if e.Reason == "" {
		e.Reason = fmt.Sprintf("HTTP %d", status)
	}
	return e
}

// transportError classifies a failure before any HTTP answer. parent is
// the caller's context: its cancellation is returned as is, so a Ctrl-C
// reads as a cancellation, not a timeout.
func transportError(parent context.Context, op string, err error) error {
	if perr := parent.Err(); perr != nil {
		return perr
	}
	e := &Error{Op: op, Err: err, Reason: err.Error()}
	var (
		uae   x509.UnknownAuthorityError
		hne   x509.HostnameError
		cie   x509.CertificateInvalidError
		cve   *tls.CertificateVerificationError
		rhe   tls.RecordHeaderError
		nerr  net.Error
		dnse  *net.DNSError
		operr *net.OpError
	)
	switch {
	case errors.Is(err, errNotElasticsearch):
		e.Kind = KindNotElasticsearch
	case errors.As(err, &uae), errors.As(err, &hne), errors.As(err, &cie), errors.As(err, &cve),
		strings.Contains(err.Error(), "fingerprint mismatch"), strings.Contains(err.Error(), "x509:"):
		e.Kind = KindTLS
		e.Reason = tlsReason(err)
	case errors.As(err, &rhe):
		e.Kind = KindTLS
		e.Reason = "the server did not answer TLS (is the URL http:// rather than https://?)"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		e.Kind = KindTimeout
	case errors.As(err, &dnse), errors.As(err, &operr):
		e.Kind = KindUnreachable
	default:
		e.Kind = KindUnreachable
	}
	return e
}

func tlsReason(err error) string {
	var (
		uae x509.UnknownAuthorityError
		hne x509.HostnameError
	)
	switch {
	case errors.As(err, &uae):
		return "certificate signed by an unknown authority"
	case errors.As(err, &hne):
		return "certificate is not valid for " + hne.Host
	case strings.Contains(err.Error(), "fingerprint mismatch"):
		return "no certificate matches the CA fingerprint"
	}
	msg := err.Error()
	if i := strings.Index(msg, "x509: "); i >= 0 {
		return msg[i+len("x509: "):]
	}
	return msg
}

// retryable says whether a transport failure is worth another try:
// not cancellations, timeouts of our own, nor TLS trust problems.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var (
		uae x509.UnknownAuthorityError
		hne x509.HostnameError
		cve *tls.CertificateVerificationError
		rhe tls.RecordHeaderError
	)
	if errors.As(err, &uae) || errors.As(err, &hne) || errors.As(err, &cve) || errors.As(err, &rhe) ||
		strings.Contains(err.Error(), "fingerprint mismatch") || strings.Contains(err.Error(), "x509:") {
		return false
	}
	return true
}
