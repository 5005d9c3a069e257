package kql

import (
	"testing"
	"time"
)

// testNow is the instant date math resolves against in every test.
var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// conformanceDocs are the documents of the conformance table: APM
// transactions (nested objects and dotted keys), a firewall deny, threat
// enrichments (a nested field), awkward characters, and the document of
// detection-rules' own KQL evaluator tests.
var conformanceDocs = map[string]string{
	"apm403": `{"@timestamp":"2026-11-28T11:55:00.000Z","event":{"ingested":"2026-11-28T11:55:02Z","outcome":"failure"},
		"http":{"request":{"method":"POST"},"response":{"status_code":403}},
		"url":{"path":"/api/v1/login","original":"https://shop.example.com/api/v1/login?next=/admin"},
		"user_agent":{"original":"Mozilla/5.0 (X11; Linux x86_64) Firefox/118.0"},
		"source":{"ip":"203.0.113.7","port":51234},"client":{"ip":"2001:db8::17"},
		"transaction":{"name":"POST /api/v1/login","duration":{"us":1532}},"processor":{"event":"transaction"},
		"message":"Login DENIED for user Alice: bad password","tags":["apm","web"],"service.name":"shop"}`,
	"apmLower": `{"http.request.method":"post","http.response.status_code":"403","source.ip":"10.0.0.5",
		"@timestamp":"2026-11-27T23:59:59.999Z","user.name":"bob","message":"legacy lowercase method"}`,
	"fw": `{"event":{"category":["network"],"type":["denied","connection"],"action":"deny","outcome":"unknown"},
		"source":{"ip":"198.51.100.23","port":4444},"destination":{"ip":"10.1.2.3","port":22,"geo":{"country_name":"Netherlands"}},
		"network":{"transport":"tcp"},"observer":{"vendor":"Palo Alto Networks","type":"firewall"},"rule.name":"deny-ssh",
		"@timestamp":1795866000000}`,
	"threat": `{"threat":{"enrichments":[
		{"indicator":{"ip":"192.0.2.10","type":"ipv4-addr","confidence":"High"},"matched":{"field":"source.ip","atomic":"192.0.2.10"}},
		{"indicator":{"ip":"192.0.2.99","type":"ipv4-addr","confidence":"Low"},"matched":{"field":"destination.ip"}}]},
		"source":{"ip":"192.0.2.10"}}`,
	"special": `{"file":{"path":"C:\\Windows\\System32\\cmd.exe","name":"cmd.exe"},
		"process":{"command_line":"powershell -enc AAA (x:y) *star*","args":["-enc","AAA"],"pid":4242},
		"user":{"name":"or"},"labels":{"note":"a \"quoted\" word"},"host.name":"and","weird":"not sure",
		"container":{"security_context":{"privileged":"true"}},"custom":{"count":5.0,"code":"007"}}`,
	"custom": `{"app":{"latency_ms":"250","client":"192.168.1.9","started":"2026-11-28T08:00:00Z"}}`,
	"dr": `{"number":1,"boolean":true,"ip":"192.168.16.3","string":"hello world","string_list":["hello world","example"],
		"number_list":[1,2,3],"boolean_list":[true,false],"structured":[{"a":[{"b":1}]}]}`,
	"empty": `{}`,
}

// conformanceTypes are the custom field types some documents need
// (WithTypes), as a user would declare them in config.
var conformanceTypes = map[string]map[string]string{
	"custom": {"app.latency_ms": "long", "app.client": "ip", "app.started": "date"},
	"dr":     {"ip": "ip"},
}

type conformanceCase struct {
	query string
	doc   string
	want  bool
}

var conformanceCases = []conformanceCase{
	// The seed rule and keyword semantics: exact and case-sensitive.
	{`http.response.status_code:403 and http.request.method:post`, "apm403", false},
	{`http.response.status_code:403 and http.request.method:post`, "apmLower", true},
	{`http.response.status_code:403 and http.request.method:(POST or post)`, "apm403", true},
	{`http.response.status_code:403 and http.request.method:(POST or post)`, "apmLower", true},
	{`http.request.method:POST`, "apm403", true},
	{`http.request.method:"POST"`, "apm403", true},
	{`http.request.method:Post`, "apm403", false},
	{`http.request.method:PO`, "apm403", false},
	{`HTTP.request.method:POST`, "apm403", false},
	{`http.request.method:P*`, "apm403", true},
	{`http.request.method:p*`, "apm403", false},
	{`http.request.method:*ST`, "apm403", true},
	{`http.request.method:P*S*T`, "apm403", true},
	{`http.request.method:"P*"`, "apm403", false},
	{`http.request.method:P\*`, "apm403", false},
	{`http.request.method:*`, "apm403", true},
	{`http.request.method:*`, "fw", false},
	{`not http.request.method:*`, "fw", true},
	{`not http.request.method:POST`, "fw", true},
	{`not http.request.method:POST`, "apm403", false},
	{`http.request.method:(GET or PUT)`, "apm403", false},
	{`http.request.method:(not GET)`, "apm403", true},
	{`http.request.method:(not POST)`, "apm403", false},
	{`http.request.method:(not GET)`, "fw", true},
	{`http.request.method:(POST and GET)`, "apm403", false},
	{`tags:(apm and web)`, "apm403", true},
	{`tags:(apm and mobile)`, "apm403", false},
	{`tags:web`, "apm403", true},
	{`event.category:network and event.type:denied`, "fw", true},
	{`event.type:(allowed or denied)`, "fw", true},
	{`event.type:connection and not event.type:allowed`, "fw", true},
	{`observer.vendor:Palo Alto Networks`, "fw", true},
	{`observer.vendor:palo alto networks`, "fw", false},
	{`rule.name:deny-ssh`, "fw", true},

	// Numbers.
	{`http.response.status_code:403`, "apm403", true},
	{`http.response.status_code:"403"`, "apm403", true},
	{`http.response.status_code:403.0`, "apm403", true},
	{`http.response.status_code:403.5`, "apm403", false},
	{`http.response.status_code >= 400`, "apm403", true},
	{`http.response.status_code > 403`, "apm403", false},
	{`http.response.status_code <= 403`, "apm403", true},
	{`http.response.status_code < 403`, "apm403", false},
	{`http.response.status_code >= 400 and http.response.status_code < 500`, "apm403", true},
	{`http.response.status_code >= 400`, "apmLower", true},
	{`destination.port:22`, "fw", true},
	{`destination.port:(22 or 3389)`, "fw", true},
	{`source.port > 1024`, "fw", true},
	{`transaction.duration.us > 1000`, "apm403", true},
	{`custom.count:5`, "special", true},
	{`custom.code:7`, "special", false},
	{`custom.code:007`, "special", true},
	{`custom.count > 4`, "special", true},
	{`custom.code > 006`, "special", true},
	{`app.latency_ms > 200`, "custom", true},
	{`app.latency_ms:250`, "custom", true},

	// IP addresses and CIDR blocks, v4 and v6.
	{`source.ip:203.0.113.7`, "apm403", true},
	{`source.ip:203.0.113.0/24`, "apm403", true},
	{`source.ip:10.0.0.0/8`, "apm403", false},
	{`source.ip:10.0.0.0/8`, "apmLower", true},
	{`client.ip:"2001:db8::/32"`, "apm403", true},
	{`client.ip:2001\:db8\:\:17`, "apm403", true},
	{`client.ip:"2001:db8::18"`, "apm403", false},
	{`source.ip > 203.0.113.0`, "apm403", true},
	{`source.ip < 10.0.0.0`, "apm403", false},
	{`source.ip:"::ffff:203.0.113.7"`, "apm403", true},
	{`destination.ip:10.1.2.3 or destination.ip:10.1.2.4`, "fw", true},
	{`app.client:192.168.0.0/16`, "custom", true},

	// Values close to malformed ones that the field types still read
	// (malformed values are parse errors: see TestMalformedValues).
	{`source.ip:"203.0.113.7"`, "apm403", true},
	{`not source.ip:10.0.0.0/8`, "apm403", true},
	{`http.response.status_code:" 403 "`, "apm403", true},
	{`http.response.status_code >= 4e2`, "apm403", true},
	{`@timestamp:"2026-11-28T11:55:00Z||/d"`, "apm403", true},
	{`container.security_context.privileged:"true"`, "special", true},
	{`source.ip:*`, "apm403", true},

	// Dates: instants, precision, rounding, date math against Now.
	{`@timestamp > now-15m`, "apm403", true},
	{`@timestamp > now-1m`, "apm403", false},
	{`@timestamp < now`, "apm403", true},
	{`@timestamp:now/d`, "apm403", true},
	{`@timestamp:now/d`, "apmLower", false},
	{`@timestamp:now-1d/d`, "apmLower", true},
	{`@timestamp:2026-11-28`, "apm403", true},
	{`@timestamp:2026-11`, "apmLower", true},
	{`@timestamp:"2026-11-28T11:55:00Z"`, "apm403", true},
	{`@timestamp:"2026-11-28T11:55:00.001Z"`, "apm403", false},
	{`@timestamp >= "2026-11-28T11:55:00Z"`, "apm403", true},
	{`@timestamp > "2026-11-28T11:55:00Z"`, "apm403", false},
	{`@timestamp > 2026-11-27`, "apmLower", false},
	{`@timestamp >= 2026-11-27`, "apmLower", true},
	{`@timestamp < 2026-11-28`, "apmLower", true},
	{`@timestamp <= 2026-11-27`, "apmLower", true},
	{`@timestamp < 2026-11-28`, "apm403", false},
	{`@timestamp >= now-1h and @timestamp <= now`, "fw", true},
	{`@timestamp < "2026-11-28T11:50:00Z||+10m"`, "apm403", true},
	{`event.ingested > now-5m`, "apm403", true},
	{`@timestamp >= "2026-11-28T12:55:00+01:00"`, "apm403", true},
	{`@timestamp:2026-11-28T11`, "apm403", true},
	{`@timestamp:1795866000000`, "fw", true},
	{`app.started < now-2h`, "custom", true},

	// Analysed text (match_only_text, text multi-fields).
	{`message:denied`, "apm403", true},
	{`message:DENIED`, "apm403", true},
	{`message:"bad password"`, "apm403", true},
	{`message:"password bad"`, "apm403", false},
	{`message:alice bob`, "apm403", true},
	{`message:"alice bob"`, "apm403", false},
	{`message:pass*`, "apm403", true},
	{`message:Pass*`, "apm403", true},
	{`message:"Login DENIED"`, "apm403", true},
	{`message:login*denied`, "apm403", false},
	{`user_agent.original.text:firefox`, "apm403", true},
	{`user_agent.original:firefox`, "apm403", false},
	{`user_agent.original:*Firefox*`, "apm403", true},
	{`user_agent.original:*firefox*`, "apm403", false},
	{`transaction.name:"POST /api/v1/login"`, "apm403", true},
	{`transaction.name:POST /api/v1/login`, "apm403", true},
	{`transaction.name.text:login`, "apm403", true},
	{`error.message:*`, "apm403", false},

	// The wildcard field type: exact like keyword.
	{`url.path:/api/v1/login`, "apm403", true},
	{`url.path:/api/*`, "apm403", true},
	{`url.path:/API/*`, "apm403", false},
	{`url.original:*next=/admin`, "apm403", true},
	{`url.path:*login`, "apm403", true},

	// Bare values search every field (and their multi-fields).
	{`POST`, "apm403", true},
	{`post`, "apm403", true},
	{`post`, "apmLower", true},
	{`denied`, "apm403", true},
	{`"bad password"`, "apm403", true},
	{`"password bad"`, "apm403", false},
	{`403`, "apm403", true},
	{`Fire*`, "apm403", true},
	{`nomatchanywhere`, "apm403", false},
	{`*`, "empty", true},
	{``, "empty", true},
	{`   `, "fw", true},

	// Field-name wildcards.
	{`http.response.status_*:403`, "apm403", true},
	{`http.response.status_*:404`, "apm403", false},
	{`http.*.method:POST`, "apm403", true},
	{`source.*:*`, "fw", true},
	{`*.ip:198.51.100.23`, "fw", true},
	{`http.*:*`, "fw", false},
	{`*:*`, "empty", true},
	{`http.response.status_* >= 400`, "apm403", true},

	// Nested fields: per object inside field:{...}, nothing outside.
	{`threat.enrichments:{ indicator.ip:192.0.2.10 and indicator.confidence:High }`, "threat", true},
	{`threat.enrichments:{ indicator.ip:192.0.2.10 and indicator.confidence:Low }`, "threat", false},
	{`threat.enrichments.indicator.ip:192.0.2.10 and threat.enrichments.indicator.confidence:Low`, "threat", false},
	{`threat.enrichments:{ matched.field:source.ip }`, "threat", true},
	{`not threat.enrichments:{ indicator.confidence:Medium }`, "threat", true},
	{`threat.enrichments:{ indicator.ip:192.0.2.0/24 and not indicator.confidence:High }`, "threat", true},
	{`threat.enrichments:{ indicator.ip:* }`, "threat", true},
	{`threat.enrichments:{ indicator.ip:* }`, "fw", false},
	{`threat.enrichments.indicator.ip:*`, "threat", false},
	{`threat.enrichments:{ indicator.*:High }`, "threat", true},

	// Escapes, quoting, keywords and precedence.
	{`file.path:C\:\\Windows\\System32\\cmd.exe`, "special", true},
	{`file.path:"C:\\Windows\\System32\\cmd.exe"`, "special", true},
	{`file.path:*\\cmd.exe`, "special", true},
	{`process.command_line:*\(x\:y\)*`, "special", true},
	{`process.command_line:*\*star\**`, "special", true},
	{`process.command_line:"powershell -enc AAA (x:y) *star*"`, "special", true},
	{`user.name:\or`, "special", true},
	{`user.name:"or"`, "special", true},
	{`host.name:\and`, "special", true},
	{`labels.note:"a \"quoted\" word"`, "special", true},
	{`weird:"not sure"`, "special", true},
	{`weird:not\ sure`, "special", true},
	{`process.pid:4242 and process.args:-enc`, "special", true},
	{`process.args:(-enc and AAA)`, "special", true},
	{`NOT process.pid:1 AnD process.pid:4242 Or process.pid:7`, "special", true},
	{`process.pid:4242 or process.pid:1 and process.pid:7`, "special", true},
	{`not process.pid:4242 or process.pid:4242`, "special", true},
	{`not (process.pid:4242 or process.pid:1)`, "special", false},
	{`(process.pid:1 or process.pid:4242) and file.name:cmd.exe`, "special", true},
	{`user.name:null`, "special", false},
	{`host.name:*`, "special", true},
	{`container.security_context.privileged:true`, "special", true},
	{`container.security_context.privileged:false`, "special", false},

	// detection-rules tests/kuery/test_evaluator.py (the cases, restated).
	{`number:1`, "dr", true},
	{`number:"1"`, "dr", true},
	{`boolean:true`, "dr", true},
	{`string:"hello world"`, "dr", true},
	{`number:0`, "dr", false},
	{`boolean:false`, "dr", false},
	{`string:"missing"`, "dr", false},
	{`number_list:1`, "dr", true},
	{`number_list:2`, "dr", true},
	{`number_list:3`, "dr", true},
	{`boolean_list:true`, "dr", true},
	{`boolean_list:false`, "dr", true},
	{`string_list:"hello world"`, "dr", true},
	{`string_list:example`, "dr", true},
	{`number_list:4`, "dr", false},
	{`string_list:"missing"`, "dr", false},
	{`number_list:(1 and 2)`, "dr", true},
	{`boolean_list:(false and true)`, "dr", true},
	{`string:("missing" and "hello world")`, "dr", false},
	{`number:(0 and 1)`, "dr", false},
	{`boolean:(false and true)`, "dr", false},
	{`not number_list:1`, "dr", false},
	{`number_list:(not 1)`, "dr", false},
	{`number:(0 or 1)`, "dr", true},
	{`number:(1 or 2)`, "dr", true},
	{`boolean:(false or true)`, "dr", true},
	{`string:("missing" or "hello world")`, "dr", true},
	{`number:(0 or 3)`, "dr", false},
	{`number:1 and boolean:true`, "dr", true},
	{`number:1 and boolean:false`, "dr", false},
	{`number:1 or boolean:false`, "dr", true},
	{`number:0 or boolean:false`, "dr", false},
	{`number < 2`, "dr", true},
	{`number > 2`, "dr", false},
	{`ip:192.168.0.0/16`, "dr", true},
	{`ip:10.0.0.0/8`, "dr", false},
	{`string:'*'`, "dr", false},
	{`string:'?'`, "dr", false},
	{`string:hello*`, "dr", true},
	{`string:*world`, "dr", true},
	{`string:foobar*`, "dr", false},
	{`number:*`, "dr", true},
	{`boolean:*`, "dr", true},
	{`ip:*`, "dr", true},
	{`string:*`, "dr", true},
	{`string_list:*`, "dr", true},
	{`number_list:*`, "dr", true},
	{`boolean_list:*`, "dr", true},
	{`a:*`, "dr", false},
	{`structured.a.b:*`, "dr", true},
	{`structured.a.b:1`, "dr", true},
	{`structured.a.b:2`, "dr", false},
}

func parseForDoc(t testing.TB, q, doc string) *Query {
	t.Helper()
	opts := []Option{WithNow(testNow)}
	if types, ok := conformanceTypes[doc]; ok {
		opts = append(opts, WithTypes(types))
	}
	pq, err := Parse(q, opts...)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	return pq
}

func TestConformance(t *testing.T) {
	if len(conformanceCases) < 100 {
		t.Fatalf("conformance table has %d cases, want at least 100", len(conformanceCases))
	}
	docs := map[string]jsonDoc{}
	for name, s := range conformanceDocs {
		docs[name] = mustDoc(s)
	}
	for _, tc := range conformanceCases {
		d, ok := docs[tc.doc]
		if !ok {
			t.Fatalf("%q: no document %q", tc.query, tc.doc)
		}
		q := parseForDoc(t, tc.query, tc.doc)
		if got := q.Match(d); got != tc.want {
			t.Errorf("%s on %s: Match = %v, want %v", tc.query, tc.doc, got, tc.want)
		}
		// The normalised form must mean the same.
		again := parseForDoc(t, q.String(), tc.doc)
		if got := again.Match(d); got != tc.want {
			t.Errorf("%s on %s: String() = %q matches %v, want %v", tc.query, tc.doc, q.String(), got, tc.want)
		}
	}
}
