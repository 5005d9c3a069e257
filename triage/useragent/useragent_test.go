package useragent

import "testing"

func TestLabel(t *testing.T) {
	tests := []struct {
		ua, want string
	}{
		{"Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0", "Firefox 131 / Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Chrome 124 / Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51", "Edge 124 / Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", "Safari 17 / macOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", "Safari 17 / iOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1", "Chrome 124 / iOS"},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36", "Chrome 124 / Android"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0", "Opera 106 / Windows"},
		{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome 120 / ChromeOS"},
		{"Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer 11 / Windows"},
		{"Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1)", "Internet Explorer 8 / Windows"},
		{"sqlmap/1.7.2#stable (https://sqlmap.org)", "sqlmap (tool)"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 sqlmap/1.8", "sqlmap (tool)"},
		{"Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000001)", "Nikto (tool)"},
		{"curl/8.5.0", "curl (tool)"},
		{"python-requests/2.31.0", "python-requests (tool)"},
		{"Go-http-client/1.1", "Go-http-client (tool)"},
		{"Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "Nmap (tool)"},
		{"masscan/1.3 (https://github.com/robertdavidgraham/masscan)", "masscan (tool)"},
		{"Mozilla/5.0 zgrab/0.x", "zgrab (tool)"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Safari/537.36 Nuclei - Open-source project (github.com/projectdiscovery/nuclei)", "Nuclei (tool)"},
		{"Wfuzz/3.1.0", "wfuzz (tool)"},
		{"gobuster/3.6", "gobuster (tool)"},
		{"DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)", "DirBuster (tool)"},
		{"Mozilla/4.0 (Hydra)", "Hydra (tool)"},
		{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot (bot)"},
		{"Wget/1.21.4", "Wget (tool)"},
		{"", ""},
		{"   ", ""},
		{"my-app/1.0", ""},
		{"Mozilla/5.0 (compatible)", ""},
		{"\x1b[31mevil\u202ebot", ""},
	}
	for _, tc := range tests {
		t.Run(tc.ua, func(t *testing.T) {
			if got := Label(tc.ua); got != tc.want {
				t.Errorf("Label(%q) = %q, want %q", tc.ua, got, tc.want)
			}
		})
	}
}

func TestParseKinds(t *testing.T) {
	tests := []struct {
		ua   string
		kind Kind
		name string
	}{
		{"curl/8.5.0", Tool, "curl"},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0", Browser, "Firefox"},
		{"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", Bot, "bingbot"},
		{"unknown", Unknown, ""},
	}
	for _, tc := range tests {
		got := Parse(tc.ua)
		if got.Kind != tc.kind || got.Name != tc.name {
			t.Errorf("Parse(%q) = %+v, want kind %d name %q", tc.ua, got, tc.kind, tc.name)
		}
	}
}

func BenchmarkLabel(b *testing.B) {
	ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51"
	for b.Loop() {
		_ = Label(ua)
	}
}
