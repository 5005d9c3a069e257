// Package useragent gives a short, human label to a User-Agent header:
// the browser, its major version and the operating system ("Firefox 131 /
// Linux"), or the tool or bot that sent it ("sqlmap (tool)",
// "Googlebot (bot)"). It reads the string only; it never trusts it, and
// it escapes nothing: callers escape what they print.
package useragent

import (
	"strings"
)

// Kind says what sent a request.
type Kind uint8

// Kinds of clients.
const (
	Unknown Kind = iota
	Browser      // a web browser
	Tool         // a scanner, fuzzer or HTTP library
	Bot          // a crawler that says so
)

// Info is what Parse recognised.
type Info struct {
	Kind    Kind
	Name    string // "Firefox", "sqlmap", "Googlebot"; empty when unknown
	Version string // major version, "131"; may be empty
	OS      string // "Linux", "Windows", "macOS", "iOS", "Android", "ChromeOS"
}

// Label renders Info for a column: "Firefox 131 / Linux", "sqlmap (tool)",
// "Googlebot (bot)", or "" when nothing was recognised.
func (i Info) Label() string {
	switch i.Kind {
	case Tool:
		return i.Name + " (tool)"
	case Bot:
		return i.Name + " (bot)"
	case Browser:
		s := i.Name
		if i.Version != "" {
			s += " " + i.Version
		}
		if i.OS != "" {
			s += " / " + i.OS
		}
		return s
	}
	return ""
}

// Label is Parse(ua).Label().
func Label(ua string) string { return Parse(ua).Label() }

// signature recognises a tool or bot by a case-insensitive substring.
type signature struct {
	needle string // lower case
	name   string
	kind   Kind
}

// signatures are checked in order before browsers: scanners often pose as
// a browser and add their name ("Mozilla/5.0 ... Nikto"), so the tool's
// own token wins. More specific needles come first.
var signatures = []signature{
	{"sqlmap", "sqlmap", Tool},
	{"nikto", "Nikto", Tool},
	{"nmap scripting engine", "Nmap", Tool},
	{"nmap", "Nmap", Tool},
	{"masscan", "masscan", Tool},
	{"zgrab", "zgrab", Tool},
	{"nuclei", "Nuclei", Tool},
	{"wfuzz", "wfuzz", Tool},
	{"gobuster", "gobuster", Tool},
	{"dirbuster", "DirBuster", Tool},
	{"(hydra)", "Hydra", Tool},
	{"hydra", "Hydra", Tool},
	{"wpscan", "WPScan", Tool},
	{"acunetix", "Acunetix", Tool},
	{"burp", "Burp Suite", Tool},
	{"zaproxy", "OWASP ZAP", Tool},
	{"feroxbuster", "feroxbuster", Tool},
	{"ffuf", "ffuf", Tool},
	{"python-requests", "python-requests", Tool},
	{"python-urllib", "Python urllib", Tool},
	{"aiohttp", "aiohttp", Tool},
	{"go-http-client", "Go-http-client", Tool},
	{"curl/", "curl", Tool},
	{"wget/", "Wget", Tool},
	{"libwww-perl", "libwww-perl", Tool},
	{"okhttp", "OkHttp", Tool},
	{"apache-httpclient", "Apache HttpClient", Tool},
	{"java/", "Java", Tool},
	{"postmanruntime", "Postman", Tool},
	{"httpie", "HTTPie", Tool},
	{"googlebot", "Googlebot", Bot},
	{"bingbot", "bingbot", Bot},
	{"yandexbot", "YandexBot", Bot},
	{"duckduckbot", "DuckDuckBot", Bot},
	{"baiduspider", "Baiduspider", Bot},
	{"applebot", "Applebot", Bot},
	{"ahrefsbot", "AhrefsBot", Bot},
	{"semrushbot", "SemrushBot", Bot},
	{"facebookexternalhit", "Facebook", Bot},
	{"slackbot", "Slackbot", Bot},
}

// browser recognises a browser by its product token ("Firefox/131.0");
// checked in order, because Chrome-based browsers also say Chrome and
// Safari, and Chrome says Safari.
type browser struct {
	token string // product token before the slash, exact case
	name  string
}

var browsers = []browser{
	{"Edg/", "Edge"},
	{"EdgA/", "Edge"},
	{"EdgiOS/", "Edge"},
	{"Edge/", "Edge"},
	{"OPR/", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"YaBrowser/", "Yandex Browser"},
	{"Vivaldi/", "Vivaldi"},
	{"FxiOS/", "Firefox"},
	{"CriOS/", "Chrome"},
	{"Firefox/", "Firefox"},
	{"Chromium/", "Chromium"},
	{"Chrome/", "Chrome"},
}

// Parse recognises ua. It never fails: an unknown string gives Info{}.
func Parse(ua string) Info {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return Info{}
	}
	lower := strings.ToLower(ua)
	for _, s := range signatures {
		if strings.Contains(lower, s.needle) {
			return Info{Kind: s.kind, Name: s.name}
		}
	}
	if !strings.Contains(ua, "Mozilla/") && !strings.Contains(ua, "Opera") {
		return Info{}
	}
	info := Info{Kind: Browser, OS: parseOS(ua)}
	for _, b := range browsers {
		if v, ok := tokenVersion(ua, b.token); ok {
			info.Name, info.Version = b.name, v
			return info
		}
	}
	switch {
	case strings.Contains(ua, "Trident/") || strings.Contains(ua, "MSIE "):
		info.Name = "Internet Explorer"
		if v, ok := tokenVersion(ua, "MSIE "); ok {
			info.Version = v
		} else if v, ok := tokenVersion(ua, "rv:"); ok {
			info.Version = v
		}
	case strings.Contains(ua, "Safari/"):
		info.Name = "Safari"
		info.Version, _ = tokenVersion(ua, "Version/")
	case strings.HasPrefix(ua, "Opera"):
		info.Name = "Opera"
		if v, ok := tokenVersion(ua, "Version/"); ok {
			info.Version = v
		} else {
			info.Version, _ = tokenVersion(ua, "Opera/")
		}
	default:
		return Info{}
	}
	return info
}

// tokenVersion finds token in ua and returns the major version after it.
func tokenVersion(ua, token string) (string, bool) {
	i := strings.Index(ua, token)
	if i < 0 {
		return "", false
	}
	rest := ua[i+len(token):]
	n := 0
	for n < len(rest) && n < 6 && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	return rest[:n], true
}

// parseOS names the operating system in a browser's platform comment.
func parseOS(ua string) string {
	switch {
	case strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad") || strings.Contains(ua, "iPod"):
		return "iOS"
	case strings.Contains(ua, "Android"):
		return "Android"
	case strings.Contains(ua, "CrOS"):
		return "ChromeOS"
	case strings.Contains(ua, "Windows"):
		return "Windows"
	case strings.Contains(ua, "Macintosh") || strings.Contains(ua, "Mac OS X"):
		return "macOS"
	case strings.Contains(ua, "Linux") || strings.Contains(ua, "X11"):
		return "Linux"
	}
	return ""
}
