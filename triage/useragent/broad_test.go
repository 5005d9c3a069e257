package useragent

import (
	"strings"
	"testing"

	"picket/triage"
)

func TestBroadAllow(t *testing.T) {
	tests := []struct {
		kind, value string
		want        string // in the warning; "" for none
	}{
		{triage.AllowUserAgent, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "stock Chrome 120"},
		{triage.AllowUserAgent, "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0", "stock Firefox 131"},
		{triage.AllowUserAgent, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15", "stock Safari 17"},
		{triage.AllowUserAgent, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "stock Safari"},
		{triage.AllowUserAgent, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", "stock Edge 120"},
		{triage.AllowUserAgent, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", "stock Chrome"},
		{triage.AllowUserAgent, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 CorpMonitor/2.1", ""},
		{triage.AllowUserAgent, "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0", ""},
		{triage.AllowUserAgent, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", ""},
		{triage.AllowUserAgent, "Pingdom.com_bot_version_1.4", ""},
		{triage.AllowUserAgent, "curl/8.4.0", ""},
		{triage.AllowUserAgent, "Mozilla/5.0 (X11; Linux x86_64) sqlmap/1.7 Firefox/131.0", ""},
		{triage.AllowCIDR, "10.0.0.0/8", "/8 is wider than /24"},
		{triage.AllowCIDR, "192.0.2.0/23", "512 addresses"},
		{triage.AllowCIDR, "192.0.2.0/24", ""},
		{triage.AllowIP, "192.0.2.7", ""},
		{triage.AllowCIDR, "2001:db8::/32", "/32 is wider than /48"},
		{triage.AllowCIDR, "2001:db8:1::/48", ""},
		{triage.AllowCIDR, "::ffff:10.0.0.0/104", "/8 is wider than /24"},
		{triage.AllowCIDR, "not a cidr", ""},
		{triage.AllowUser, "admin", ""},
	}
	for _, tt := range tests {
		got := BroadAllow(triage.AllowEntry{Kind: tt.kind, Value: tt.value})
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s %q: %q, want %q", tt.kind, tt.value, got, tt.want)
		}
	}
}
