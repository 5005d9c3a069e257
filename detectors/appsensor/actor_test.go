package appsensor

import (
	"net/netip"
	"strings"
	"testing"

	"picket/triage"
)

func TestPathHelpers(t *testing.T) {
	tests := []struct {
		path, norm string
		static     bool
		id         string
	}{
		{"", "/", false, ""},
		{"/", "/", false, ""},
		{"/products", "/products", false, ""},
		{"/orders/17", "/orders/:id", false, "17"},
		{"/orders/17/", "/orders/:id/", false, "17"},
		{"/a/18446744073709551615/b", "/a/:id/b", false, "18446744073709551615"},
		{"/a/18446744073709551616", "/a/:hex", false, ""}, // past 64 bits: not a number, but long hex
		{"/u/0f8fad5b-d9cb-469f-a165-70867728950e", "/u/:uuid", false, "0f8fad5b-d9cb-469f-a165-70867728950e"},
		{"/t/deadbeefcafe01", "/t/:hex", false, ""},
		{"/t/deadbeef", "/t/deadbeef", false, ""},
		{"/static/app", "/static/app", true, ""},
		{"/ASSETS/x", "/ASSETS/x", true, ""},
		{"/images", "/images", false, ""},
		{"/app.JS", "/app.JS", true, ""},
		{"/favicon.ico", "/favicon.ico", true, ""},
		{"/v1.2/orders", "/v1.2/orders", false, ""},
		{"/report.pdf", "/report.pdf", false, ""},
		{"/img/7/logo.png", "/img/:id/logo.png", true, "7"},
	}
	for _, tt := range tests {
		if got := normPath(tt.path); got != tt.norm {
			t.Errorf("normPath(%q) = %q, want %q", tt.path, got, tt.norm)
		}
		if got := isStatic(tt.path); got != tt.static {
			t.Errorf("isStatic(%q) = %v", tt.path, got)
		}
		if id, ok := objectID(tt.path); id != tt.id || ok != (tt.id != "") {
			t.Errorf("objectID(%q) = %q, %v", tt.path, id, ok)
		}
	}
}

func TestUpperMethod(t *testing.T) {
	for _, m := range []string{"", "GET", "get", "Post", "PROPFIND", "X-é", "OPTıONS"} {
		if got := upperMethod(m); got != strings.ToUpper(m) {
			t.Errorf("upperMethod(%q) = %q, want %q", m, got, strings.ToUpper(m))
		}
	}
}

// TestActorNames: the key and the hash name the same actor, by the same
// precedence: user, session, address.
func TestActorNames(t *testing.T) {
	ip4, ip6 := netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("2001:db8::1")
	tests := []struct {
		ev  triage.Event
		key string
	}{
		{triage.Event{UserName: "alice", SessionID: "s1", SourceIP: ip4}, "user:alice"},
		{triage.Event{SessionID: "s1", SourceIP: ip4}, "session:s1"},
		{triage.Event{Cookies: []triage.Cookie{{Name: "PHPSESSID", Value: "abc"}}, SourceIP: ip4}, "session:abc"},
		{triage.Event{SessionID: redacted, SourceIP: ip4}, "ip:198.51.100.7"},
		{triage.Event{SourceIP: ip6}, "ip:2001:db8::1"},
		{triage.Event{}, ""},
	}
	hashes := map[uint64]string{}
	for _, tt := range tests {
		if got := actorKey(&tt.ev, DefaultSessionCookies); got != tt.key {
			t.Errorf("actorKey = %q, want %q", got, tt.key)
		}
		h := actorHash(&tt.ev, DefaultSessionCookies)
		if (h == 0) != (tt.key == "") {
			t.Errorf("actorHash for %q = %d", tt.key, h)
		}
		if prev, ok := hashes[h]; ok && prev != tt.key {
			t.Errorf("%q and %q hash alike", prev, tt.key)
		}
		hashes[h] = tt.key
	}
}
