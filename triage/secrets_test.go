package triage

import "testing"

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
