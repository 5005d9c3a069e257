package kql

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unicode"
)

// bareNumDoc is a jsonDoc whose numbers carry no literal text, as
// Picket's decoded events present them: keyword comparisons then see the
// number formatted (4.03e2 reads "403").
type bareNumDoc struct{ jsonDoc }

func (d bareNumDoc) Values(path string) []Value {
	vs := d.jsonDoc.Values(path)
	for i := range vs {
		if vs[i].Kind == KindNumber {
			vs[i].Str = ""
		}
	}
	return vs
}

func (d bareNumDoc) Objects(path string) []Document {
	os := d.jsonDoc.Objects(path)
	for i, o := range os {
		os[i] = bareNumDoc{o.(jsonDoc)}
	}
	return os
}

// parseLine decodes a JSON line as the tests' documents, ok false when
// it is not a JSON object.
func parseLine(line string) (jsonDoc, bool) {
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&m); err != nil || m == nil || d.More() {
		return jsonDoc{}, false
	}
	return jsonDoc{m}, true
}

// checkSound fails when the prefilter rejects a line the query matches.
func checkSound(t *testing.T, q *Query, line string) (kept bool) {
	t.Helper()
	pf, ok := q.Prefilter()
	if !ok {
		return true
	}
	kept = pf([]byte(line))
	d, valid := parseLine(line)
	if !kept && valid && (q.Match(d) || q.Match(bareNumDoc{d})) {
		t.Fatalf("prefilter of %q drops %s, which matches", q.Source(), line)
	}
	return kept
}

func TestPrefilterLines(t *testing.T) {
	const seed = `http.response.status_code:403 and http.request.method:POST`
	cases := []struct {
		query, line string
		keep        bool
	}{
		// The seed query: both literals, in any key order and form.
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":403}}}`, true},
		{seed, `{"http":{"response":{"status_code":403},"request":{"method":"POST"}}}`, true},
		{seed, `{"http.request.method":"POST","http.response.status_code":403}`, true},
		{seed, `{"http":{"request.method":"POST","response":{"status_code":"403"}}}`, true},
		{seed, `{"http":{"request":{"method":"GET"},"response":{"status_code":403}}}`, false},
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":404}}}`, false},
		{seed, `{"http":{"request":{"method":"post"},"response":{"status_code":403}}}`, false},
		// Numbers written another way.
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":403.0}}}`, true},
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":4.03e2}}}`, true},
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":4030E-1}}}`, true},
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":402.99999999999999999}}}`, true},
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":" 4.03e2 "}}}`, true},
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":"0x193p0"}}}`, true},
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":403.9}}}`, true},
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":4.04e2}},"timestamp":{"us":1795866000000000}}`, false},
		// Escapes hide literals from a byte search.
		{seed, `{"http":{"request":{"method":"P\u004fST"},"response":{"status_code":403}}}`, true},
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":"\u0034\u00303"}}}`, true},
		{seed, `{"http":{"request":{"\u006dethod":"POST"},"response":{"status_code":403}}}`, true},
		{seed, `{"http":{"request":{"method":"G\u0045T"},"response":{"status_code":403}}}`, false},
		{seed, `{"http":{"request":{"method":"P\ud800ST"}}}`, true}, // a lone surrogate: undecidable
		{`url.path:/admin`, `{"url":{"path":"\/admin"}}`, true},
		// Short escapes only: needles without escapable characters are
		// searched in the line as it is, the others after decoding.
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":"\n4.03e2"}},"m":"a\"b"}`, true},
		{seed, `{"http":{"request":{"method":"POST"},"response":{"status_code":"\t403"}}}`, true},
		{seed, `{"http":{"request":{"method":"GET"},"response":{"status_code":403}},"m":"a\"b"}`, false},
		{`labels.note:"a\tb"`, `{"labels":{"note":"a\tb"}}`, true},
		{`labels.note:"x/y" and http.request.method:GET`, `{"labels":{"note":"x\/y"},"http.request.method":"GET"}`, true},
		{`url.path:/admin`, `{"url":{"path":"/Admin"}}`, false},
		{`file.path:C\:\\Windows`, `{"file":{"path":"C:\\Windows"}}`, true},
		{`file.path:"say \"hi\""`, `{"file":{"path":"say \"hi\""}}`, true},
		{`file.path:"say \"hi\""`, `{"file":{"path":"say hi"}}`, false},
		// Text fields compare case-insensitively, keywords do not.
		{`message:denied`, `{"message":"Login DENIED"}`, true},
		{`message:"bad password"`, `{"message":"BAD Password"}`, true},
		{`message:"bad password"`, `{"message":"bad"}`, false},
		{`message:kelvin`, `{"message":"` + "\u212aELVIN" + `"}`, true},
		{`message:istanbul`, `{"message":"` + "\u0130STANBUL" + `"}`, true},
		{`message:kelvin`, `{"message":"\u212aelvin"}`, true},
		{`message:pass*`, `{"message":"PASSWORD"}`, true},
		{`message:pass*`, `{"message":"word"}`, false},
		{`http.request.method:POST`, `{"http":{"request":{"method":"Post"}}}`, false},
		// Keywords compare numbers by their text.
		{`labels.code:403`, `{"labels":{"code":4.03e2}}`, true},
		{`labels.code:1000`, `{"labels":{"code":1e3}}`, true},
		{`labels.code:"+Inf"`, `{"labels":{"code":1e999}}`, true},
		{`labels.code:abc`, `{"labels":{"code":1e3}}`, false},
		{`event.code:1000`, `{"event":{"code":1e3}}`, true}, // keyword: "1000" when the number has no text
		{`event.code:*00`, `{"event":{"code":1e3}}`, true},
		{`event.code:1000`, `{"event":{"code":2e3}}`, false},
		// A float field rounds to float32: 21.4999995 is 21.5 there.
		{`event.risk_score:21.5`, `{"event":{"risk_score":21.4999995}}`, true},
		// Wildcards use their literal pieces.
		{`url.path:/api/*/login`, `{"url":{"path":"/api/v1/login"}}`, true},
		{`url.path:/api/*/login`, `{"url":{"path":"/api/v1/logout"}}`, false},
		{`user_agent.original:*Fire*fox*`, `{"user_agent":{"original":"Firefox"}}`, true},
		// Value lists: any of the values.
		{`source.ip:(10.0.0.1 or 10.0.0.2 or 192.168.0.0/16 or 172.16.1.1 or 8.8.8.8)`, `{"source":{"ip":"192.168.7.7"}}`, true},
		{`source.ip:(10.0.0.1 or 10.0.0.2 or 192.168.0.0/16 or 172.16.1.1 or 8.8.8.8)`, `{"source":{"ip":"::ffff:a00:2"}}`, true},
		{`source.ip:(10.0.0.1 or 10.0.0.2 or 192.168.0.0/16 or 172.16.1.1 or 8.8.8.8)`, `{"source":{"ip":"::FFFF:a00:2"}}`, true},
		{`source.ip:(10.0.0.1 or 10.0.0.2 or 192.168.0.0/16 or 172.16.1.1 or 8.8.8.8)`, `{"source":{"ip":"10.0.0.3"}}`, false},
		{`url.path:(/a or /b or /c or /d or /admin*)`, `{"url":{"path":"/admin/x"}}`, true},
		{`url.path:(/a or /b or /c or /d or /admin*)`, `{"url":{"path":"/x"}}`, false},
		{`message:(alpha or beta or gamma or delta)`, `{"message":"GAMMA ray"}`, true},
		{`destination.port:(22 or 80 or 443 or 8080)`, `{"destination":{"port":8.08e3}}`, true},
		// No literal: ranges, not, IPv6, dates; exists needs the key.
		{`http.response.status_code >= 400`, `{}`, true},
		{`not http.request.method:POST`, `{}`, true},
		{`@timestamp:2026-11-28`, `{}`, true},
		{`client.ip:"2001:db8::1"`, `{}`, true},
		{`source.ip:*`, `{"source":{"ip":"1.2.3.4"}}`, true},
		{`source.ip:*`, `{"source":{"port":1}}`, false},
		{`source:*`, `{"source.port":1}`, true},
		{`source.ip:* and http.request.method:GET`, `{"source":{"\u0069p":"1.2.3.4"},"http.request.method":"GET"}`, true},
		// Nested queries need their values too.
		{`threat.enrichments:{ indicator.ip:192.0.2.10 }`, `{"threat":{"enrichments":[{"indicator":{"ip":"192.0.2.10"}}]}}`, true},
		{`threat.enrichments:{ indicator.ip:192.0.2.10 }`, `{"threat":{"enrichments":[{"indicator":{"ip":"192.0.2.11"}}]}}`, false},
		// Or of branches with literals: either will do.
		{`http.request.method:PUT or message:denied`, `{"message":"DENIED"}`, true},
		{`http.request.method:PUT or message:denied`, `{"message":"ok"}`, false},
		// A query that matches nothing rejects every line.
		{`source.ip:null`, `{"source":{"ip":"null"}}`, false},
	}
	for _, tc := range cases {
		q := MustParse(tc.query, WithNow(testNow))
		if got := checkSound(t, q, tc.line); got != tc.keep {
			t.Errorf("%s on %s: kept %v, want %v", tc.query, tc.line, got, tc.keep)
		}
	}
}

func TestPrefilterNoLiteral(t *testing.T) {
	cases := []struct {
		query string
		ok    bool
	}{
		{`http.response.status_code:403 and http.request.method:POST`, true},
		{`not http.request.method:POST`, false},
		{`http.response.status_code >= 400`, false},
		{`http.request.method:POST or http.response.status_code >= 500`, false},
		{`http.request.method:POST or not url.path:/x`, false},
		{`http.request.method:POST and not url.path:/x`, true},
		{`POST`, false},
		{`http.*:POST`, false},
		{`*`, false},
		{`client.ip:"2001:db8::1"`, false},
		{`message:"é"`, false},
		{`source.ip:*`, true},
		{listQuery("source.ip", maxListNeedles+1, genIP), false},
	}
	for _, tc := range cases {
		_, ok := MustParse(tc.query, WithNow(testNow)).Prefilter()
		if ok != tc.ok {
			t.Errorf("%.80s: ok = %v, want %v", tc.query, ok, tc.ok)
		}
	}
}

// TestASCIILowering derives the non-ASCII runes that lower-case to ASCII
// and checks the prefilter knows them all.
func TestASCIILowering(t *testing.T) {
	var got []string
	for r := rune(utf8RuneSelf); r <= unicode.MaxRune; r++ {
		if unicode.ToLower(r) < utf8RuneSelf {
			got = append(got, fmt.Sprintf("%c>%c", r, unicode.ToLower(r)))
		}
	}
	var want []string
	for _, x := range asciiLowering {
		want = append(want, fmt.Sprintf("%s>%c", x.utf8, x.lower))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("runes lower-casing to ASCII: %v, the prefilter knows %v", got, want)
	}
}

const utf8RuneSelf = 0x80

// TestTrie checks the three trie lookups on keys sharing prefixes.
func TestTrie(t *testing.T) {
	keys := []trieKey{{"ab", 0}, {"abc", 1}, {"b", 2}, {"bc", 3}, {"", 4}, {"abc", 5}}
	collect := func(f func(string, func(int32) bool) bool, s string) []int32 {
		var out []int32
		f(s, func(id int32) bool { out = append(out, id); return false })
		return out
	}
	fwd, rev := newTrie(keys, false), newTrie(keys, true)
	ac := newTrie(keys[:4], false) // no empty key: it occurs everywhere
	ac.link()
	cases := []struct {
		name string
		got  []int32
		want string
	}{
		{"prefixes of abcd", collect(fwd.prefixes, "abcd"), "[4 0 1 5]"},
		{"suffixes of xabc", collect(rev.suffixes, "xabc"), "[4 3 1 5]"},
		{"occurrences in xabcab", collect(ac.occurrences, "xabcab"), "[0 2 1 3 0 2]"},
		{"occurrences in xyz", collect(ac.occurrences, "xyz"), "[]"},
	}
	for _, tc := range cases {
		if fmt.Sprint(tc.got) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, tc.got, tc.want)
		}
	}
	dense := newDenseAC([]string{"post", "get", "403"}, true)
	for s, want := range map[string]bool{"a POST b": true, "xgEt": true, "40 3": false, "": false, "p0st": false} {
		if dense.find([]byte(s)) != want {
			t.Errorf("denseAC.find(%q) = %v, want %v", s, !want, want)
		}
	}
}

// --- random documents and queries -----------------------------------------

// pfFields are fields of each comparison kind with a value generator.
var pfFields = []struct {
	path string
	vals []string // values as a document writes them (JSON text)
}{
	{"http.request.method", []string{`"POST"`, `"post"`, `"P\u004fST"`, `"GET"`, `"\u0050OST"`}},
	{"http.response.status_code", []string{`403`, `403.0`, `4.03e2`, `"403"`, `404`, `403.7`, `4030E-1`, `402.99999999999999999`, `"\u0034\u00303"`, `" 403 "`, `"\n4.03e2"`, `"\t403"`}},
	{"source.ip", []string{`"10.0.0.1"`, `"::ffff:10.0.0.1"`, `"::ffff:a00:1"`, `"10.1.2.3"`, `"2001:db8::1"`, `"192.168.1.1"`, `"1\u0030.0.0.1"`}},
	{"url.path", []string{`"/admin"`, `"\/admin"`, `"/api/v1/login"`, `"/Admin"`, `"/x.php"`, `"/a\"b"`}},
	{"message", []string{`"Login DENIED"`, `"bad password"`, `"BAD PASSWORD for alice"`, `"` + "\u212aelvin" + `"`, `"\u0130stanbul"`, `"Caf\u00e9"`, `"café"`}},
	{"labels.code", []string{`403`, `4.03e2`, `1e3`, `"1000"`, `true`, `"abc"`, `1e999`, `-0`, `0.1`}},
	{"destination.port", []string{`22`, `80`, `8.08e3`, `"22"`, `443.5`}},
	{"custom.count", []string{`5`, `5.0`, `"5"`, `5e0`, `0.5e1`, `true`}},
	{"event.risk_score", []string{`21.5`, `21.50000001`, `2.15e1`, `21.4999995`}},
	{"event.code", []string{`1000`, `1e3`, `"1000"`, `4.03e2`, `"4624"`, `4624.0`}},
}

// pfValues are query values per field, written as KQL.
var pfValues = map[string][]string{
	"http.request.method":       {"POST", "post", "GET", "P*", "*ST", `"POST"`},
	"http.response.status_code": {"403", "404", "403.0", `"403"`},
	"source.ip":                 {"10.0.0.1", "10.0.0.0/8", "10.0.0.0/24", "192.168.0.0/16", `"2001:db8::/32"`},
	"url.path":                  {"/admin", "/api/*", "*login", "/Admin", `"/a\"b"`, "*.php"},
	"message":                   {"denied", "DENIED", `"bad password"`, "kelvin", "istanbul", "pass*", "café", "CAFÉ"},
	"labels.code":               {"403", "1000", "true", "abc", "4*", `"+Inf"`, "-0", "0.1"},
	"destination.port":          {"22", "80", "8080", "443"},
	"custom.count":              {"5", "5.0", "true"},
	"event.risk_score":          {"21.5"},
	"event.code":                {"1000", "403", "4624", "4*", "*00", "1000.0"},
}

func genPfDoc(r *rand.Rand) string {
	var parts []string
	for _, f := range pfFields {
		if r.Intn(3) == 0 {
			continue
		}
		v := f.vals[r.Intn(len(f.vals))]
		if r.Intn(5) == 0 {
			v = "[" + v + "," + f.vals[r.Intn(len(f.vals))] + "]"
		}
		segs := strings.Split(f.path, ".")
		// Nest from a random depth: {"a":{"b.c":v}} and the like.
		k := r.Intn(len(segs))
		obj := fmt.Sprintf("{%q:%s}", strings.Join(segs[k:], "."), v)
		for i := k - 1; i >= 0; i-- {
			obj = fmt.Sprintf("{%q:%s}", segs[i], obj)
		}
		parts = append(parts, obj[1:len(obj)-1])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func genPfQuery(r *rand.Rand, depth int) string {
	if depth > 0 && r.Intn(3) == 0 {
		a, b := genPfQuery(r, depth-1), genPfQuery(r, depth-1)
		switch r.Intn(4) {
		case 0:
			return "(" + a + " or " + b + ")"
		case 1:
			return "not (" + a + ")"
		}
		return "(" + a + " and " + b + ")"
	}
	f := pfFields[r.Intn(len(pfFields))].path
	vals := pfValues[f]
	if r.Intn(3) == 0 {
		n := 2 + r.Intn(6)
		list := make([]string, n)
		for i := range list {
			list[i] = vals[r.Intn(len(vals))]
		}
		return f + ":(" + strings.Join(list, " or ") + ")"
	}
	if r.Intn(10) == 0 {
		return f + ":*"
	}
	return f + ":" + vals[r.Intn(len(vals))]
}

// TestPrefilterRandom checks soundness over generated documents and
// queries (FuzzPrefilter explores further).
func TestPrefilterRandom(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	docs := make([]string, 200)
	for i := range docs {
		docs[i] = genPfDoc(r)
	}
	kept, total := 0, 0
	for i := 0; i < 400; i++ {
		q, err := Parse(genPfQuery(r, 2), WithNow(testNow))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			total++
			if checkSound(t, q, d) {
				kept++
			}
		}
	}
	// The prefilter must also reject lines, or it tests nothing.
	if kept == total {
		t.Errorf("the prefilter kept all %d lines", total)
	}
}

func FuzzPrefilter(f *testing.F) {
	f.Add(uint64(1), `{"http":{"request":{"method":"P\u004fST"},"response":{"status_code":4.03e2}}}`, `http.response.status_code:403 and http.request.method:POST`)
	f.Add(uint64(2), `{"message":"\u212aelvin"}`, `message:kelvin`)
	f.Add(uint64(3), `{"source.ip":"::ffff:a00:1"}`, `source.ip:(10.0.0.1 or 10.0.0.2 or 10.0.0.3 or 10.0.0.4)`)
	f.Add(uint64(4), `{"labels":{"code":1e999}}`, `labels.code:*Inf`)
	f.Add(uint64(5), `{"a":{"b.c":"x\/y"}}`, `a.b.c:x/y`)
	f.Fuzz(func(t *testing.T, seed uint64, line, query string) {
		// The given line and query, when they are valid.
		if q, err := Parse(query, WithNow(testNow)); err == nil {
			checkSound(t, q, line)
		}
		// A generated line and query from the seed.
		r := rand.New(rand.NewSource(int64(seed)))
		q, err := Parse(genPfQuery(r, 3), WithNow(testNow))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 8; i++ {
			checkSound(t, q, genPfDoc(r))
		}
	})
}

// BenchmarkPrefilter measures the seed query's prefilter on ~1 KB APM
// lines, most of which it rejects.
func BenchmarkPrefilter(b *testing.B) {
	plain := apmLines()
	// The same lines holding a JSON escape, which sends them through
	// unescaping first.
	escaped := make([][]byte, len(plain))
	for i, l := range plain {
		escaped[i] = []byte(strings.Replace(string(l), `"scheme":"https"`, `"scheme":"https","file":"C:\\Temp\\x.log"`, 1))
	}
	queries := []struct {
		name, q string
		lines   [][]byte
	}{
		{"seed", `http.response.status_code:403 and http.request.method:POST`, plain},
		{"seed-escaped", `http.response.status_code:403 and http.request.method:POST`, escaped},
		{"ip-list-1000", listQuery("source.ip", 1000, genIP), plain},
		{"text", `message:denied`, plain},
	}
	for _, tc := range queries {
		lines := tc.lines
		size := 0
		for _, l := range lines {
			size += len(l)
		}
		b.Run(tc.name, func(b *testing.B) {
			pf, ok := MustParse(tc.q, WithNow(testNow)).Prefilter()
			if !ok {
				b.Fatal("no prefilter")
			}
			kept := 0
			b.SetBytes(int64(size / len(lines)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if pf(lines[i%len(lines)]) {
					kept++
				}
			}
			benchSink = kept
		})
	}
}

// apmLines are ~1 KB APM transaction lines; one in eight is a POST, one
// in eight a 403.
func apmLines() [][]byte {
	r := rand.New(rand.NewSource(3))
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "GET", "DELETE", "GET"}
	codes := []int{200, 200, 404, 403, 200, 302, 500, 200}
	out := make([][]byte, 256)
	for i := range out {
		out[i] = []byte(fmt.Sprintf(`{"@timestamp":"2026-11-28T11:%02d:%02d.%03dZ","agent":{"name":"go","version":"2.6.0"},"client":{"ip":"172.16.%d.%d"},"ecs":{"version":"8.11.0"},"event":{"outcome":"success","ingested":"2026-11-28T11:55:02Z"},"host":{"hostname":"web-%d","os":{"platform":"linux"}},"http":{"request":{"method":"%s","headers":{"Accept":["*/*"],"User-Agent":["Mozilla/5.0 (X11; Linux x86_64) Firefox/118.0"]}},"response":{"status_code":%d,"headers":{"Content-Type":["application/json"]}},"version":"1.1"},"message":"handled request %d","observer":{"type":"apm-server","version":"8.11.0"},"processor":{"event":"transaction","name":"transaction"},"service":{"name":"shop","environment":"production","language":{"name":"go","version":"go1.22"}},"source":{"ip":"10.%d.%d.%d","port":%d},"timestamp":{"us":%d},"trace":{"id":"%016x%016x"},"transaction":{"duration":{"us":%d},"id":"%016x","name":"%s /api/v1/items/{id}","result":"HTTP 2xx","sampled":true,"type":"request"},"url":{"full":"https://shop.example.com/api/v1/items/%d?ref=home","path":"/api/v1/items/%d","scheme":"https"},"user_agent":{"name":"Firefox","original":"Mozilla/5.0 (X11; Linux x86_64) Firefox/118.0"}}`,
			r.Intn(60), r.Intn(60), r.Intn(1000), r.Intn(256), r.Intn(256), r.Intn(9), methods[i%8], codes[(i/3)%8], r.Int63(),
			r.Intn(256), r.Intn(256), r.Intn(256), r.Intn(65536), 1795866000000000+r.Int63n(1e9), r.Int63(), r.Int63(),
			r.Intn(100000), r.Int63(), methods[i%8], r.Intn(100000), r.Intn(100000)))
	}
	return out
}

func TestIndexFold(t *testing.T) {
	cases := []struct {
		hay, needle string
		want        int
	}{
		{"xxFfFFffff:", "ffff:", 6},
		{"FFFF:", "ffff:", 0},
		{"fFfF", "ffff:", -1},
		{"abc", "", 0},
		{"ab", "abc", -1},
		{"a-POST", "post", 2},
		{"123", "23", 1},
		{"zZz", "zz", 0},
	}
	for _, tc := range cases {
		if got := indexFold([]byte(tc.hay), []byte(tc.needle)); got != tc.want {
			t.Errorf("indexFold(%q, %q) = %d, want %d", tc.hay, tc.needle, got, tc.want)
		}
	}
}
