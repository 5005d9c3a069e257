package triage

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"
)

func addr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)})
}

// wave plants n sources that each raise one AE11 finding within the
// minutes after start, like a credential-stuffing run.
func wave(n int, start time.Time, spread time.Duration, field string) []Finding {
	var fs []Finding
	for i := range n {
		at := start.Add(time.Duration(i) * spread / time.Duration(n))
		fs = append(fs, Finding{Detector: "appsensor:AE11", Severity: High, RiskScore: 73, Timestamp: at,
			SourceIP: addr(i), UserAgent: fmt.Sprintf("python-requests/2.%d", i%5),
			Reason:   fmt.Sprintf("login without field %s, which %d clean logins carried", field, 200+i),
			Evidence: []EventRef{{Seq: uint64(i + 1), ID: "w"}}})
	}
	return fs
}

// twoAttempts makes every every-th finding of a wave one that covers two
// attempts, as AppSensor's bursts write it: the attempts' reasons joined,
// their counts apart (a login happened between them), the burst's words
// after the last. Every finding gets the burst's words.
func twoAttempts(fs []Finding, every int) []Finding {
	for i := range fs {
		if i%every == 0 {
			fs[i].Reason += "; " + fmt.Sprintf("login without field remember, which %d clean logins carried", 1000+i)
		}
		fs[i].Reason += " (2 login attempts over 3s) — AppSensor AE11, Authentication, attack"
	}
	return fs
}

func TestFold(t *testing.T) {
	t19 := time.Date(2026, 11, 13, 19, 0, 0, 0, time.UTC)
	bruteIP := netip.MustParseAddr("203.0.113.120")
	brute := []Finding{}
	for _, d := range []string{"appsensor:AE2", "appsensor:AE3", "appsensor:AE11", "appsensor:RE6"} {
		brute = append(brute, Finding{Detector: d, Severity: High, RiskScore: 73, Timestamp: t19.Add(10 * time.Minute),
			SourceIP: bruteIP, UserAgent: "Firefox", Reason: "login without field remember, which 300 clean logins carried",
			Evidence: []EventRef{{Seq: 9000, ID: "b"}}})
	}
	scanners := []Finding{
		{Detector: "appsensor:CIE1", Severity: High, RiskScore: 90, Timestamp: t19.Add(5 * time.Minute), SourceIP: netip.MustParseAddr("203.0.113.99"), UserAgent: "sqlmap", Reason: "SQL injection in id", Evidence: []EventRef{{Seq: 9001}}},
		{Detector: "appsensor:RE2", Severity: High, RiskScore: 73, Timestamp: t19.Add(6 * time.Minute), SourceIP: netip.MustParseAddr("203.0.113.98"), UserAgent: "Burp", Reason: "unexpected method TRACE", Evidence: []EventRef{{Seq: 9002}}},
	}
	// Same detector and reason, but hours apart, from unrelated clients.
	var apart []Finding
	for i := range 6 {
		f := wave(1, t19.Add(time.Duration(i+2)*5*time.Hour), time.Minute, "remember")[0]
		f.SourceIP = netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)})
		apart = append(apart, f)
	}
	tests := []struct {
		name          string
		findings      [][]Finding
		wantCampaigns []int // members of each campaign, largest first
		wantOthers    int   // groups left unfolded
	}{
		{"one wave folds into one row", [][]Finding{wave(300, t19, 40*time.Minute, "remember")}, []int{300}, 0},
		{"the brute-forcer and the scanners stay apart",
			[][]Finding{wave(300, t19, 40*time.Minute, "remember"), brute, scanners}, []int{300}, 3},
		{"a quiet gap splits two waves",
			[][]Finding{wave(150, t19, 20*time.Minute, "remember"), wave(150, t19.Add(3*time.Hour), 20*time.Minute, "remember")[0:150]}, nil, 0},
		{"same detector hours apart does not fold", [][]Finding{apart}, nil, 6},
		{"another missing field is another attack",
			[][]Finding{wave(100, t19, 30*time.Minute, "remember"), shift(wave(100, t19, 30*time.Minute, "captcha"), 1000)}, []int{100, 100}, 0},
		{"too few to fold", [][]Finding{wave(4, t19, 10*time.Minute, "remember")}, nil, 4},
		{"members whose two attempts read differently fold with the rest", [][]Finding{twoAttempts(wave(300, t19, 40*time.Minute, "remember"), 3)}, []int{300}, 0},
	}
	// The gap case: two campaigns of 150.
	tests[2].wantCampaigns = []int{150, 150}
	tests[2].findings[1] = shift(tests[2].findings[1], 500)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gr Grouper
			for _, fs := range tt.findings {
				for i := range fs {
					gr.Add(&fs[i])
				}
			}
			gs := gr.Groups()
			out, members := FoldMembers(gs, DefaultFold)
			if plain := Fold(gs, DefaultFold); len(plain) != len(out) {
				t.Errorf("Fold gives %d rows, FoldMembers %d", len(plain), len(out))
			}
			var camps []int
			others := 0
			for _, g := range out {
				if g.Campaign != nil {
					camps = append(camps, len(g.Campaign.Members))
					var keys []GroupKey
					for _, m := range members[g.Key] {
						keys = append(keys, m.Key)
						if !slices.Contains(gs, m) {
							t.Errorf("member %s is not one of the groups folded", m.Key)
						}
					}
					if !slices.Equal(keys, g.Campaign.Members) {
						t.Errorf("FoldMembers gives %d member groups, the campaign names %d", len(keys), len(g.Campaign.Members))
					}
					if g.Campaign.Spread.Sources != len(g.Campaign.Members) || g.Sources.Len() != len(g.Campaign.Members) {
						t.Errorf("campaign spread %+v, sources %d, for %d members", g.Campaign.Spread, g.Sources.Len(), len(g.Campaign.Members))
					}
					continue
				}
				others++
			}
			if fmt.Sprint(camps) != fmt.Sprint(tt.wantCampaigns) || others != tt.wantOthers {
				t.Errorf("campaigns %v and %d other groups, want %v and %d", camps, others, tt.wantCampaigns, tt.wantOthers)
			}
		})
	}
}

// shift moves a wave's sources to other addresses.
func shift(fs []Finding, by int) []Finding {
	for i := range fs {
		fs[i].SourceIP = addr(i + by)
	}
	return fs
}

func TestReasonShape(t *testing.T) {
	tests := []struct{ a, b string }{
		{"login without field remember, which 223 clean logins carried", "login without field remember, which 9 clean logins carried"},
		{"60 failed logins for admin from 198.51.100.7", "3 failed logins for admin from 2001:db8::1"},
		{"61382 rows from SELECT FROM orders", "12 rows from SELECT FROM orders"},
		{"login without field csrf_token, which 3 clean logins carried; login without field csrf_token, which 4 clean logins carried",
			"login without field csrf_token, which 9 clean logins carried"},
		// What follows the joined reasons rides on the last: a member
		// whose two attempts read differently is of the same attack as one
		// whose attempts read alike (it had been left out of its campaign).
		{"login without field csrf_token, which 445 clean logins carried; login without field csrf_token, which 446 clean logins carried (2 login attempts over 3s) — AppSensor AE11, Authentication, attack",
			"login without field csrf_token, which 445 clean logins carried (2 login attempts over 3s) — AppSensor AE11, Authentication, attack"},
	}
	for _, tt := range tests {
		if reasonShape(tt.a) != reasonShape(tt.b) {
			t.Errorf("%q and %q have different shapes: %q, %q", tt.a, tt.b, reasonShape(tt.a), reasonShape(tt.b))
		}
	}
	if reasonShape("failed logins for admin") == reasonShape("failed logins for root") {
		t.Error("different user names must keep different shapes")
	}
	if reasonShape("login without field remember; login without field csrf_token (2 login attempts)") == reasonShape("login without field remember (2 login attempts)") {
		t.Error("a reason with two different parts must keep both")
	}
	// A point's name is text, not a number: the shape shows it.
	for _, tc := range []struct{ reason, want string }{
		{"login without field csrf_token, which 223 clean logins carried — AppSensor AE11, Authentication, attack",
			"login without field csrf_token, which # clean logins carried — AppSensor AE11, Authentication, attack"},
		{"61382 rows (CIE2.)", "# rows (CIE2.)"},
		{"request 0xAB12 and A1 and AB123", "request # and # and #"},
	} {
		if got := reasonShape(tc.reason); got != tc.want {
			t.Errorf("reasonShape(%q) = %q, want %q", tc.reason, got, tc.want)
		}
	}
}

// benchFindings makes n findings over g groups (sources), a third of them
// one wave that folds, with user names and detectors to regroup by.
func benchFindings(n, g int) []Finding {
	t19 := time.Date(2026, 11, 13, 19, 0, 0, 0, time.UTC)
	fs := make([]Finding, n)
	for i := range fs {
		src := i % g
		f := Finding{Detector: "appsensor:RE2", Severity: Medium, RiskScore: 47, Timestamp: t19.Add(time.Duration(i%100000) * time.Second),
			SourceIP: addr(src), UserAgent: "curl", UserName: fmt.Sprint("user", i%5000),
			Reason: "unexpected method PROPFIND", Evidence: []EventRef{{Seq: uint64(i + 1)}}}
		if src%3 == 0 {
			f.Detector, f.Reason = "appsensor:AE11", "login without field remember"
			f.Timestamp = t19.Add(time.Duration(src%2400) * time.Second)
		}
		fs[i] = f
	}
	return fs
}

// BenchmarkRegroup groups a million findings from 100,000 sources by the
// default key and by user.name × detector (what G does in the console).
func BenchmarkRegroup(b *testing.B) {
	fs := benchFindings(1_000_000, 100_000)
	for _, by := range []GroupBy{DefaultGroupBy, {"user.name", FieldDetector}} {
		b.Run(by.String(), func(b *testing.B) {
			for range b.N {
				gr := Grouper{By: by}
				for i := range fs {
					gr.Add(&fs[i])
				}
				_ = gr.Groups()
			}
		})
	}
}

// BenchmarkFold folds 100,000 groups (a third of them one wave).
func BenchmarkFold(b *testing.B) {
	fs := benchFindings(1_000_000, 100_000)
	var gr Grouper
	for i := range fs {
		gr.Add(&fs[i])
	}
	gs := gr.Groups()
	b.ResetTimer()
	for range b.N {
		_ = Fold(gs, DefaultFold)
	}
}
