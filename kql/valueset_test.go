package kql

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// naive compiles value lists as ors of single comparisons, the
// evaluation valueSet must agree with.
func naive(o *options) { o.naive = true }

// setTypes declares a field of every comparison class for the
// equivalence tests (the ECS fields used are ip, wildcard, keyword,
// long, float, scaled_float, date and match_only_text).
var setTypes = WithTypes(map[string]string{
	"x.kw": "keyword", "x.dbl": "double", "x.half": "half_float", "x.int": "integer",
	"x.flag": "boolean", "x.nanos": "date_nanos", "x.text": "text", "x.cks": "constant_keyword",
})

// setFields are the fields the random lists and documents use, with a
// generator of values written as KQL literals.
var setFields = []struct {
	field string
	gen   func(r *rand.Rand) string
}{
	{"source.ip", genSetIP},
	{"url.path", genSetWord},
	{"x.kw", genSetWord},
	{"x.cks", genSetWord},
	{"x.unk", genSetAny},
	{"http.request.method", genSetWord},
	{"destination.port", genSetNumber},
	{"x.int", genSetNumber},
	{"x.dbl", genSetNumber},
	{"x.half", genSetNumber},
	{"event.risk_score", genSetNumber},
	{"host.cpu.usage", genSetNumber},
	{"x.flag", func(r *rand.Rand) string { return pick(r, "true", "false") }},
	{"@timestamp", genSetDate},
	{"x.nanos", genSetDate},
	{"message", genSetText},
	{"x.text", genSetText},
	{"user_agent.original.text", genSetText},
}

func pick(r *rand.Rand, xs ...string) string { return xs[r.Intn(len(xs))] }

var setIPs = []string{
	"10.0.0.1", "10.0.0.2", "10.0.1.7", "10.1.2.3", "192.168.1.1", "192.168.1.200", "172.16.5.4",
	"::ffff:10.0.0.1", "::ffff:192.168.1.1", "2001:db8::1", "2001:db8::2", "2001:db8:1::5", "fe80::1", "::1", "::",
	"0.0.0.0", "255.255.255.255",
}

// ipLiteral escapes the colons of an IPv6 address for an unquoted value.
func ipLiteral(s string) string { return strings.ReplaceAll(s, ":", `\:`) }

func genSetIP(r *rand.Rand) string {
	switch r.Intn(4) {
	case 0:
		cidrs := []string{"10.0.0.0/8", "10.0.0.0/24", "10.0.0.0/31", "192.168.0.0/16", "192.168.1.1/32", "0.0.0.0/0",
			"2001:db8::/32", "2001:db8::/64", "::ffff:10.0.0.0/104", "::ffff:0:0/96", "::/0", "fe80::/10", "::ffff:0:0/80"}
		return ipLiteral(pick(r, cidrs...))
	case 1:
		return `"` + pick(r, setIPs...) + `"`
	}
	return ipLiteral(pick(r, setIPs...))
}

var setWords = []string{"GET", "get", "POST", "/a", "/a/b", "/b", "/admin", "/admin/x", "a.php", "b.php", "x", "", "403", "1e3", "true", "é", "É", "a b"}

func genSetWord(r *rand.Rand) string {
	w := pick(r, setWords...)
	switch r.Intn(5) {
	case 0:
		return wildOf(r, w)
	case 1:
		return Quote(w)
	}
	if w == "" || w == "a b" {
		return Quote(w)
	}
	return escapeUnquoted(w, true, true)
}

// wildOf puts stars into w at random places.
func wildOf(r *rand.Rand, w string) string {
	var b strings.Builder
	if r.Intn(2) == 0 {
		b.WriteByte('*')
	}
	for i, c := range w {
		if i > 0 && r.Intn(4) == 0 {
			b.WriteByte('*')
		}
		b.WriteString(escapeUnquoted(string(c), false, false))
	}
	if r.Intn(2) == 0 || b.Len() == 0 {
		b.WriteByte('*')
	}
	return b.String()
}

func genSetNumber(r *rand.Rand) string {
	return pick(r, "0", "1", "5", "5.0", "5.5", "-5", "403", "403.2", "1e3", "1000", "0.1", "-0", `"5"`, "65535", "3.4028235e38")
}

func genSetDate(r *rand.Rand) string {
	return pick(r, "2026-11-28", `"2026-11-28T11:55:00Z"`, "2026-11", "now/d", "now-1d/d", "1795866000000",
		`"2026-11-28T11:55:00.001Z"`, "2026-11-27", "now-15m")
}

func genSetText(r *rand.Rand) string {
	switch r.Intn(4) {
	case 0:
		return pick(r, `"bad password"`, `"login denied"`, `"denied for"`)
	case 1:
		return pick(r, "pass*", "den*", "*ice", "log*n")
	}
	return pick(r, "denied", "DENIED", "alice", "bob", "password", "fire", "403", "x")
}

func genSetAny(r *rand.Rand) string {
	switch r.Intn(3) {
	case 0:
		return genSetNumber(r)
	case 1:
		return genSetIP(r)
	}
	return genSetWord(r)
}

// setDocValue writes a JSON value for field f.
func setDocValue(r *rand.Rand, f string) string {
	one := func() string {
		switch r.Intn(9) {
		case 0:
			return pick(r, "5", "5.0", "403", "1000", "1e3", "-5", "0", "-0", "0.1", "403.7", "65535", "4.03e2")
		case 1:
			return pick(r, "true", "false", "null")
		case 2:
			return `"` + pick(r, setIPs...) + `"`
		case 3:
			return `"` + pick(r, "2026-11-28T11:55:00Z", "2026-11-28T11:55:00.001Z", "2026-11-27T23:59:59.999Z", "2026-11-28") + `"`
		case 4:
			return pick(r, "1795866000000", "1795866000001")
		case 5:
			return `"` + pick(r, "Login DENIED for user Alice: bad password", "bob", "password bad", "Firefox", "alice bob", "log in") + `"`
		case 6:
			return `"` + pick(r, "fe80::1%eth0", "5", " 5 ", "403", "1e3", "", "true") + `"`
		}
		return `"` + strings.ReplaceAll(pick(r, setWords...), `"`, `\"`) + `"`
	}
	if r.Intn(4) == 0 {
		return "[" + one() + "," + one() + "]"
	}
	return one()
}

func TestValueSetEquivalence(t *testing.T) {
	r := rand.New(rand.NewSource(17))
	docs := make([]jsonDoc, 300)
	for i := range docs {
		var parts []string
		for _, f := range setFields {
			if r.Intn(3) > 0 {
				parts = append(parts, fmt.Sprintf("%q:%s", f.field, setDocValue(r, f.field)))
			}
		}
		docs[i] = mustDoc("{" + strings.Join(parts, ",") + "}")
	}
	lists := 0
	for i := 0; i < 600; i++ {
		f := setFields[r.Intn(len(setFields))]
		n := 2 + r.Intn(12)
		vals := make([]string, n)
		for k := range vals {
			vals[k] = f.gen(r)
		}
		var q string
		switch r.Intn(3) {
		case 0:
			q = f.field + ":(" + strings.Join(vals, " or ") + ")"
		case 1:
			q = f.field + ":" + strings.Join(vals, " or "+f.field+":")
		default: // another field's comparison in the middle of the chain
			o := setFields[r.Intn(len(setFields))]
			q = f.field + ":(" + strings.Join(vals[:n/2], " or ") + ") or " + o.field + ":" + o.gen(r) +
				" or " + f.field + ":(" + strings.Join(vals[n/2:], " or ") + ")"
		}
		if r.Intn(4) == 0 {
			q = "not (" + q + ")"
		}
		fast, err := Parse(q, WithNow(testNow), setTypes)
		if err != nil {
			t.Fatalf("Parse(%q): %v", q, err)
		}
		slow := MustParse(q, WithNow(testNow), setTypes, naive)
		if len(fast.ValueLists()) > 0 {
			lists++
		}
		for _, d := range docs {
			if got, want := fast.Match(d), slow.Match(d); got != want {
				t.Fatalf("%q on %v: set says %v, one by one %v", q, d.m, got, want)
			}
		}
	}
	if lists < 500 {
		t.Errorf("only %d of 600 queries compiled a value list", lists)
	}
}

func TestValueLists(t *testing.T) {
	cases := []struct {
		query string
		want  []ValueList
	}{
		{`source.ip:1.2.3.4`, nil},
		{`source.ip:(1.2.3.4 or 10.0.0.0/8 or "::1")`, []ValueList{{"source.ip", 1, 3}}},
		{`url.path:/a or url.path:/b or http.request.method:GET`, []ValueList{{"url.path", 1, 2}}},
		{`x:(a and b)`, nil},
		{`a:1 or b:1`, nil},
		{`threat.enrichments:{ indicator.ip:(1.2.3.4 or 5.6.7.8) }`, []ValueList{{"threat.enrichments.indicator.ip", 22, 2}}},
		{`not (p:(a or b) and q:c) or p:d`, []ValueList{{"p", 6, 2}}},
	}
	for _, tc := range cases {
		got := MustParse(tc.query).ValueLists()
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: ValueLists = %v, want %v", tc.query, got, tc.want)
		}
	}
}

// TestHugeValueList parses and evaluates a flat list of 300,000 values:
// the depth limit must not count its members, and Warnings must name it.
func TestHugeValueList(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 300,000-value query")
	}
	q, err := Parse(listQuery("source.ip", 300000, genIP) + " or source.ip:172.16.0.0/12")
	if err != nil {
		t.Fatal(err)
	}
	ls := q.ValueLists()
	if len(ls) != 1 || ls[0].Values != 300001 {
		t.Fatalf("ValueLists = %v", ls)
	}
	cases := []struct {
		ip   string
		want bool
	}{{"172.16.1.1", true}, {"8.8.8.8", false}}
	for _, tc := range cases {
		if got := q.Match(mustDoc(`{"source":{"ip":"` + tc.ip + `"}}`)); got != tc.want {
			t.Errorf("%s: Match = %v, want %v", tc.ip, got, tc.want)
		}
	}
	ws := q.Warnings()
	if len(ws) != 1 || !strings.Contains(ws[0], "source.ip holds 300001 values") {
		t.Errorf("Warnings = %q", ws)
	}
	if ws := MustParse(`source.ip:(1.2.3.4 or 5.6.7.8)`).Warnings(); ws != nil {
		t.Errorf("Warnings of a small list = %q", ws)
	}
}

// TestValueSetEdges pins cases the random equivalence test reaches
// rarely: each is checked against the expected answer and against the
// one-by-one evaluation.
func TestValueSetEdges(t *testing.T) {
	cases := []struct {
		query, doc string
		want       bool
	}{
		// A phrase ending the text, next to one that does not occur.
		{`message:("bad password" or "no such")`, `{"message":"Login DENIED: bad password"}`, true},
		{`message:("password bad" or "no such")`, `{"message":"Login DENIED: bad password"}`, false},
		// Date intervals that overlap and extend each other: November,
		// and the ISO week starting Monday 30 November.
		{`@timestamp:(2026-11 or "2026-11-30||/w")`, `{"@timestamp":"2026-12-02T00:00:00Z"}`, true},
		{`@timestamp:(2026-11 or "2026-11-30||/w")`, `{"@timestamp":"2026-12-07T00:00:00Z"}`, false},
		{`x.nanos:(2026-11-27 or 2026-11-28)`, `{"x":{"nanos":"2026-11-28T23:59:59.999Z"}}`, true},
		// IPv4 CIDRs against mapped and plain addresses, IPv6 blocks.
		{`source.ip:(192.168.0.0/16 or 10.0.0.0/8)`, `{"source.ip":"::ffff:10.9.9.9"}`, true},
		{`source.ip:("::ffff:0:0/96" or "2001:db8::/32")`, `{"source.ip":"1.2.3.4"}`, true},
		{`source.ip:("::ffff:0:0/80" or "2001:db8::/32")`, `{"source.ip":"1.2.3.4"}`, false},
		{`source.ip:("fe80::1" or "::2")`, `{"source.ip":"fe80::1%eth0"}`, true},
		{`source.ip:(1.2.3.4 or 1.2.3.5)`, `{"source.ip":["x","1.2.3.5"]}`, true},
		// Numbers: truncation on integers, float rounding, text and number.
		{`destination.port:(22 or 80)`, `{"destination.port":80.9}`, true},
		{`destination.port:(22 or 80)`, `{"destination.port":"80"}`, true},
		{`x.half:(0.1 or 7)`, `{"x":{"half":0.100000001}}`, true},
		{`x.dbl:(0.1 or 7)`, `{"x":{"dbl":0.1000001}}`, false},
		{`x.unk:(1e3 or abc)`, `{"x":{"unk":1000}}`, true},
		{`x.unk:(1e3 or abc)`, `{"x":{"unk":"1000"}}`, false},
		{`x.unk:(1000 or abc)`, `{"x":{"unk":true}}`, false},
		{`x.unk:(true or abc)`, `{"x":{"unk":true}}`, true},
		// Keywords compare numbers and booleans by their text.
		{`x.kw:(403 or true)`, `{"x":{"kw":403}}`, true},
		{`x.kw:(403.0 or false)`, `{"x":{"kw":403}}`, false},
		// Wildcards anchored at the start, the end, inside, or nowhere.
		{`url.path:(/admin* or *.php or *etc/pass* or /x)`, `{"url":{"path":"/var/etc/passwd"}}`, true},
		{`url.path:(/admin* or *.php or *etc/pass* or /x)`, `{"url":{"path":"/var/etc/shadow"}}`, false},
		{`url.path:(/a*b or /a*c)`, `{"url":{"path":"/a/c"}}`, true},
		{`url.path:(/a*b or ** or /x)`, `{"url":{"path":""}}`, true},
		{`message:(pass* or den*)`, `{"message":"Login DENIED"}`, true},
		// Booleans, and null never matching.
		{`x.flag:(false or true)`, `{"x":{"flag":""}}`, true},
		{`x.kw:(a or b)`, `{"x":{"kw":null}}`, false},
	}
	for _, tc := range cases {
		d := mustDoc(tc.doc)
		fast := MustParse(tc.query, WithNow(testNow), setTypes)
		slow := MustParse(tc.query, WithNow(testNow), setTypes, naive)
		if len(fast.ValueLists()) != 1 {
			t.Errorf("%s: ValueLists = %v, want one list", tc.query, fast.ValueLists())
		}
		if got := fast.Match(d); got != tc.want || slow.Match(d) != tc.want {
			t.Errorf("%s on %s: set %v, one by one %v, want %v", tc.query, tc.doc, got, slow.Match(d), tc.want)
		}
	}
}
