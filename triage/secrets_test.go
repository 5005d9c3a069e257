package triage

import (
	"slices"
	"strings"
	"testing"
)

func TestHideURLPassword(t *testing.T) {
	for _, tc := range []struct{ in, hidden, password string }{
		{"https://elastic:hunter2@es:9200", "https://elastic:[redacted]@es:9200", "hunter2"},
		{"u:hunter2@kibana:5601", "u:[redacted]@kibana:5601", "hunter2"},
		{"https://u:p:w@x@host", "https://u:[redacted]@host", "p:w@x"},
		{"https://user@host", "https://user@host", ""},
		{"https://host:9200", "https://host:9200", ""},
	} {
		if got := HideURLPassword(tc.in); got != tc.hidden {
			t.Errorf("HideURLPassword(%q) = %q, want %q", tc.in, got, tc.hidden)
		}
		if got := URLPassword(tc.in); got != tc.password {
			t.Errorf("URLPassword(%q) = %q, want %q", tc.in, got, tc.password)
		}
	}
	msg := "denied: Basic " + BasicAuth("elastic", "hunter2") + " and hunter2, ok"
	if got, want := ScrubSecrets(msg, "hunter2", BasicAuth("elastic", "hunter2"), "ok", ""), "denied: Basic [redacted] and [redacted], ok"; got != want {
		t.Errorf("ScrubSecrets = %q, want %q (secrets under 3 bytes stay)", got, want)
	}
}

func TestURLSecrets(t *testing.T) {
	got := URLSecrets("https://el%61stic:hunter%32@es:9200")
	want := []string{"hunter%32", "hunter2", BasicAuth("elastic", "hunter2")}
	if !slices.Equal(got, want) {
		t.Errorf("URLSecrets = %q, want %q", got, want)
	}
	if got := URLSecrets("https://es:9200"); got != nil {
		t.Errorf("no password: %q", got)
	}
}

// TestWebURLProblemQuotesNoPassword: what is wrong with a URL is said
// without any part of its password, whatever the password holds.
func TestWebURLProblemQuotesNoPassword(t *testing.T) {
	for _, tc := range []struct{ raw, problem, hostport string }{
		{"https://u:pw@es:9200", "", ""},
		{"u:hunter2@es:9200", "has no scheme", "es:9200"},
		{"https://u:hunter#2@es:9200", "does not parse", ""},
		{"https://u:hun/ter?2@es:9200", "does not parse", ""},
		// These parse, with a piece of the password as the host.
		{"https://elastic:p@ss#word@127.0.0.1:9200", "does not read as a server address", ""},
		{"http://elastic:p@ss/word@127.0.0.1", "does not read as a server address", ""},
		{"http://elastic:12345?x@127.0.0.1", "does not read as a server address", ""},
		{"http://elastic:12345#abc@127.0.0.1", "does not read as a server address", ""},
		{"https://proxy.example/es", "", ""},
		{"ftp://u:hunter2@es", `has scheme "ftp"`, ""},
		{"https://", "has no host", ""},
	} {
		_, problem, hostport := WebURLProblem(tc.raw)
		if tc.problem == "" && problem != "" || !strings.Contains(problem, tc.problem) || hostport != tc.hostport {
			t.Errorf("%s: %q %q, want %q %q", tc.raw, problem, hostport, tc.problem, tc.hostport)
		}
		if strings.Contains(problem+hostport, "hun") || strings.Contains(problem+hostport, "#word") || strings.Contains(problem+hostport, "/word") || strings.Contains(problem+hostport, "12345") {
			t.Errorf("%s: %q quotes the password", tc.raw, problem)
		}
	}
}
