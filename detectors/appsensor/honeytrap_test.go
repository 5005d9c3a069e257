package appsensor

import (
	"strings"
	"testing"
	"time"
)

func TestHoneyTrapsAndReputation(t *testing.T) {
	rep, err := ParseIPList("tor-exits", strings.NewReader("# Tor exits\n203.0.113.0/28\n2001:db8::7 # one host\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseIPList("bad.txt", strings.NewReader("10.0.0.1\nnot-an-ip\n")); err == nil || !strings.Contains(err.Error(), "bad.txt:2") {
		t.Errorf("bad list error = %v", err)
	}
	opts := Options{
		HoneyPaths:  []string{"/old-admin/", "/backup.sql"},
		HoneyParams: []HoneyParam{{Name: "debug", Value: "false"}},
		HoneyUsers:  []string{"svc_backup"},
		Reputation:  []Reputation{rep},
	}
	tests := []struct {
		name string
		r    rq
		det  string
		hit  bool
	}{
		{"honey path prefix", rq{url: "/old-admin/login.php", status: 404}, "appsensor:HT2", true},
		{"honey path exact", rq{url: "/backup.sql", status: 404}, "appsensor:HT2", true},
		{"not a honey path", rq{url: "/old-admins", status: 404}, "appsensor:HT2", false},
		{"decoy parameter flipped", rq{url: "/account?debug=true"}, "appsensor:HT1", true},
		{"decoy parameter intact", rq{url: "/account?debug=false"}, "appsensor:HT1", false},
		{"honeytoken login", rq{method: "POST", url: "/login", status: 401, body: "username=svc_backup&password=[REDACTED]"}, "appsensor:HT3", true},
		{"honeytoken user context", rq{user: "SVC_BACKUP", url: "/account"}, "appsensor:HT3", true},
		{"listed address", rq{ip: "203.0.113.9", url: "/"}, "appsensor:RP1", true},
		{"listed v6 host", rq{ip: "2001:db8::7", url: "/"}, "appsensor:RP1", true},
		{"unlisted address", rq{ip: "203.0.113.99", url: "/"}, "appsensor:RP1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runAll(t, opts, []rq{tt.r})
			if (len(got[tt.det]) > 0) != tt.hit {
				t.Errorf("%s fired = %v, want %v (%v)", tt.det, len(got[tt.det]) > 0, tt.hit, keys(got))
			}
		})
	}
	// A listed source crosses windowed thresholds at half the count: 5
	// distinct 404s instead of 10 for ACE3.
	var probes []rq
	for i, p := range []string{"/a", "/b", "/c", "/d", "/e"} {
		probes = append(probes, rq{at: time.Duration(i) * time.Second, ip: "203.0.113.2", url: p, status: 404})
	}
	if got := runAll(t, opts, probes); len(got["appsensor:ACE3"]) != 1 {
		t.Errorf("listed source not judged at half threshold: %v", keys(got))
	}
	for i := range probes {
		probes[i].ip = "198.51.100.2"
	}
	if got := runAll(t, opts, probes); len(got["appsensor:ACE3"]) != 0 {
		t.Errorf("unlisted source judged at half threshold")
	}
}
