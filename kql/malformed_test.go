package kql

import (
	"errors"
	"strings"
	"testing"
)

// TestMalformedValues: a value the field's type cannot read is a parse
// error naming the field, the value and its column, as Elasticsearch
// rejects the search (it used to match nothing, silently).
func TestMalformedValues(t *testing.T) {
	types := WithTypes(map[string]string{"app.latency_ms": "long", "app.client": "ip", "app.started": "date_nanos", "app.ratio": "double",
		"app.\x1bip": "ip"})
	cases := []struct {
		query  string
		column int
		want   string // in the message
	}{
		// Formerly conformance cases that matched nothing.
		{`source.ip:not-an-ip`, 11, `expected an IP address or CIDR block for source.ip (type ip), found "not-an-ip"`},
		{`http.response.status_code:abc`, 27, `expected a number for http.response.status_code (type long), found "abc"`},
		{`not http.response.status_code:abc`, 31, `found "abc"`},
		{`@timestamp:yesterday`, 12, `for @timestamp (type date), found "yesterday"`},
		{`container.security_context.privileged:yes`, 39, `expected true or false for container.security_context.privileged (type boolean), found "yes"`},
		// Wildcards on ip, numeric, date and boolean fields.
		{`source.ip:203.0.113.*`, 11, `for source.ip (type ip; Elasticsearch rejects wildcards on it), found "203.0.113.*"`},
		{`http.response.status_code:4*`, 27, `(type long; Elasticsearch rejects wildcards on it), found "4*"`},
		{`@timestamp:2026-*`, 12, `Elasticsearch rejects wildcards`},
		{`container.security_context.privileged:t*`, 39, `Elasticsearch rejects wildcards`},
		// CIDR blocks and addresses.
		{`source.ip:10.0.0.0/99`, 11, `found "10.0.0.0/99"`},
		{`source.ip:"10.0.0.0/8/8"`, 11, `found "10.0.0.0/8/8"`},
		{`source.ip:010.0.0.1`, 11, `found "010.0.0.1"`},
		{`source.ip:(1.2.3.4 or 1.2.3.400)`, 23, `found "1.2.3.400"`},
		{`client.ip:"2001:db8::g"`, 11, `found "2001:db8::g"`},
		// Ranges.
		{`http.response.status_code >= abc`, 30, `expected a number for http.response.status_code (type long), found "abc"`},
		{`http.response.status_code < 4*`, 29, `found "4*"`},
		{`@timestamp >= not-a-date`, 15, `for @timestamp (type date), found "not-a-date"`},
		{`@timestamp < now-15x`, 14, `found "now-15x"`},
		{`source.ip > 10.0.0.0/8`, 13, `expected an IP address for source.ip (type ip), found "10.0.0.0/8"`},
		{`event.risk_score <= high`, 21, `(type float), found "high"`},
		// Types declared with WithTypes, nested queries, later comparisons.
		{`app.latency_ms:fast`, 16, `for app.latency_ms (type long)`},
		{`app.client:localhost`, 12, `for app.client (type ip)`},
		{`app.started > tomorrow`, 15, `for app.started (type date_nanos)`},
		{`app.ratio:1,5`, 11, `for app.ratio (type double)`},
		{`threat.enrichments:{ indicator.ip:bad }`, 35, `for threat.enrichments.indicator.ip (type ip)`},
		{`http.request.method:GET and destination.port:ssh`, 46, `found "ssh"`},
		// Kibana's grammar reads a trailing keyword as part of the value.
		{`http.response.status_code:403 and`, 27, `found "403 and"`},
		// Control characters are quoted, never written raw.
		{"source.ip:\"a\\u001b[2Jb\"", 11, `found "a\x1b[2Jb"`},
		{"app.\\u001bip:x", 14, `for "app.\x1bip" (type ip)`},
	}
	for _, tc := range cases {
		_, err := Parse(tc.query, WithNow(testNow), types)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want a *ParseError", tc.query, err)
			continue
		}
		if pe.Column != tc.column || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q): column %d, %q; want column %d and %q", tc.query, pe.Column, err, tc.column, tc.want)
		}
	}
}

// TestLenientValues: what Elasticsearch reads, or reads leniently, stays
// valid (a fraction on an integer field matches nothing there too).
func TestLenientValues(t *testing.T) {
	queries := []string{
		`http.response.status_code:403.5`, `http.response.status_code:NaN`, `http.response.status_code:" 403 "`,
		`source.ip:*`, `source.ip:null`, `source.ip:"::ffff:10.0.0.1"`, `source.ip:"::ffff:0:0/96"`, `source.ip:"fe80::1%eth0"`,
		`@timestamp >= now-15m/m`, `@timestamp:1795866000000`, `user.name:not-an-ip`, `not-an-ip`, `*.ip:not-an-ip`,
		`source.*:abc`, `custom.unknown:abc*`, `message:4*`, `url.path:/a*`, `threat.enrichments:{ indicator.ip:* }`,
		`container.security_context.privileged:false`,
	}
	for _, q := range queries {
		if _, err := Parse(q, WithNow(testNow)); err != nil {
			t.Errorf("Parse(%q): %v", q, err)
		}
	}
}
