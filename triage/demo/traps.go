package demo

import (
	"net/url"
	"slices"
	"strings"

	"picket/triage"
)

// Trap is ordinary demo traffic that looks suspicious to a careless
// detector. None of it comes from an attacker's address.
type Trap struct {
	Name        string
	Description string
	// Tempts lists the detector ids a careless implementation would fire
	// on it. Where a detector fires by design (a faithful re-run of an
	// Elastic query rule that matches it), the description says so: the
	// console must then help the analyst dismiss it.
	Tempts []string
	// Match reports whether ev is an instance of the trap.
	Match func(ev *triage.Event) bool
}

// isSearchFor reports whether ev is a shopper's search whose raw query
// contains one of subs.
func isSearchFor(ev *triage.Event, subs ...string) bool {
	if ev.URLPath != "/search" || IsAttacker(ev.SourceIP) {
		return false
	}
	for _, s := range subs {
		if strings.Contains(ev.URLQuery, s) {
			return true
		}
	}
	return false
}

var sqlWordSearches = func() []string {
	var out []string
	for _, q := range []string{"select reserve coffee", "drop leaf table", "union station poster", "update sneakers"} {
		out = append(out, "q="+url.QueryEscape(q))
	}
	return out
}()

// BenignTraps lists the traps planted in the ordinary traffic.
var BenignTraps = []Trap{
	{
		Name:        "cors-preflight",
		Description: "Browsers send OPTIONS /api/cart (with Origin and Access-Control-Request-Method) before the cross-origin quick-add widget posts to the cart: a standard method, answered 204.",
		Tempts:      []string{"appsensor:RE2", "appsensor:RE1"},
		Match: func(ev *triage.Event) bool {
			return ev.Method == "OPTIONS" && ev.URLPath == "/api/cart" && !IsAttacker(ev.SourceIP)
		},
	},
	{
		Name:        "uptime-head",
		Description: "An uptime monitor (Uptime-Kuma, 192.0.2.50) sends HEAD / every quarter hour: a standard method.",
		Tempts:      []string{"appsensor:RE2", "appsensor:RE1"},
		Match:       func(ev *triage.Event) bool { return ev.Method == "HEAD" && ev.UserAgent == uptimeUA },
	},
	{
		Name:        "liveness-probe",
		Description: "The Kubernetes liveness probe (kube-probe, 10.42.0.1) GETs /healthz every ten minutes, day and night, at a rate no human keeps.",
		Tempts:      []string{"appsensor:UT2", "appsensor:STE3"},
		Match:       func(ev *triage.Event) bool { return ev.URLPath == "/healthz" && ev.UserAgent == probeUA },
	},
	{
		Name:        "apostrophe-search",
		Description: "Searches with an apostrophe, the classic SQL injection character: q=O%27Reilly, q=men%27s+boots, q=kids%27+toys.",
		Tempts:      []string{"appsensor:CIE1"},
		Match:       func(ev *triage.Event) bool { return isSearchFor(ev, "%27") },
	},
	{
		Name:        "percent-search",
		Description: "Searches with a percent sign, encoded once as %25: q=50%25+off (the Singles' Day sale) and q=100%25+cotton. Decoded once they hold no further escape.",
		Tempts:      []string{"appsensor:EE1", "appsensor:CIE3", "appsensor:CIE4"},
		Match:       func(ev *triage.Event) bool { return isSearchFor(ev, "%25") },
	},
	{
		Name:        "sql-word-search",
		Description: "Searches for products whose names hold SQL keywords: select reserve coffee, drop leaf table, union station poster, update sneakers.",
		Tempts:      []string{"appsensor:CIE1"},
		Match:       func(ev *triage.Event) bool { return isSearchFor(ev, sqlWordSearches...) },
	},
	{
		Name:        "markup-search",
		Description: "Searches with quotes or a less-than sign: q=%22wool+socks%22 and q=i+%3C3+tea.",
		Tempts:      []string{"appsensor:IE1", "appsensor:CIE1"},
		Match:       func(ev *triage.Event) bool { return isSearchFor(ev, "%22", "%3C") },
	},
	{
		Name:        "expired-csrf-403",
		Description: "Now and then a shopper's form POST (cart, checkout, contact) is answered 403 because the page sat open until its CSRF token expired; the shopper submits again and succeeds. Elastic's query rule \"POST Request Declined\" matches these by design (its documented false positive); the console should make them easy to dismiss, and a burst detector must not count them as an attack.",
		Tempts:      []string{"elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e", "appsensor:ACE2", "appsensor:ACE4"},
		Match: func(ev *triage.Event) bool {
			return ev.Method == "POST" && ev.StatusCode == 403 && !IsAttacker(ev.SourceIP)
		},
	},
	{
		Name:        "occasional-404",
		Description: "Single 404s: iPhones asking for /apple-touch-icon.png, old bookmarks and crawlers asking for removed products (/products/1481-1499).",
		Tempts:      []string{"appsensor:ACE3", "appsensor:ACE1"},
		Match: func(ev *triage.Event) bool {
			return ev.StatusCode == 404 && ev.Processor == "transaction" && !IsAttacker(ev.SourceIP)
		},
	},
	{
		Name:        "multiline-contact-form",
		Description: "The contact form posts a multi-line message: its body (http.request.body.original, form-encoded) holds CR LF as %0D%0A, as browsers encode a textarea. The path and query hold none.",
		Tempts:      []string{"appsensor:CIE4"},
		Match: func(ev *triage.Event) bool {
			return ev.Method == "POST" && ev.URLPath == "/contact" && !IsAttacker(ev.SourceIP)
		},
	},
	{
		Name:        "login-typo",
		Description: "A shopper mistypes the password once (401) and succeeds on the next try.",
		Tempts:      []string{"appsensor:AE2", "appsensor:AE3"},
		Match: func(ev *triage.Event) bool {
			return ev.Method == "POST" && ev.URLPath == "/login" && ev.StatusCode == 401 && !IsAttacker(ev.SourceIP)
		},
	},
	{
		Name:        "newsletter-redirect",
		Description: "Newsletter links go through the click tracker, /redirect?url=%2Fproducts%2F1234: the route the CRLF and XSS probes target, used legitimately with encoded slashes.",
		Tempts:      []string{"appsensor:CIE4", "appsensor:IE3"},
		Match: func(ev *triage.Event) bool {
			return ev.URLPath == "/redirect" && !IsAttacker(ev.SourceIP)
		},
	},
	{
		Name:        "crawlers",
		Description: "Googlebot and bingbot fetch product pages in quick runs, removed products (404) included.",
		Tempts:      []string{"appsensor:UT2", "appsensor:ACE3"},
		Match: func(ev *triage.Event) bool {
			return strings.Contains(ev.UserAgent, "Googlebot") || strings.Contains(ev.UserAgent, "bingbot")
		},
	},
	{
		Name:        "back-office-admin",
		Description: "Staff (maria.ops, from the office at 192.0.2.30) work in /admin/orders on weekdays and now and then POST a refund.",
		Tempts:      []string{"appsensor:ACE3", "appsensor:ACE4"},
		Match:       func(ev *triage.Event) bool { return ev.UserName == staffWho },
	},
	{
		Name:        "sale-day",
		Description: "Traffic on 11 November, the Singles' Day sale, runs 1.7 times the usual, with many \"50% off\" searches.",
		Tempts:      []string{"appsensor:STE2", "appsensor:STE3"},
		Match: func(ev *triage.Event) bool {
			t := ev.Timestamp.UnixMilli()
			return t >= saleDay && t < saleDay+dayMS && ev.Processor == "transaction" && !IsAttacker(ev.SourceIP)
		},
	},
	{
		Name:        "ad-click-params",
		Description: "Visitors from paid search and social ads land on product pages whose URLs carry a click id of 60 to 90 random characters (gclid, fbclid) and utm_source, utm_medium, utm_campaign, utm_content: parameters no other request on the route carries, never the same twice.",
		Tempts:      []string{"appsensor:RE5", "appsensor:RE7"},
		Match: func(ev *triage.Event) bool {
			return (strings.Contains(ev.URLQuery, "gclid=") || strings.Contains(ev.URLQuery, "fbclid=")) && !IsAttacker(ev.SourceIP)
		},
	},
	{
		Name:        "mobile-roamer",
		Description: "Phones on a mobile carrier's network (100.100.0.0/16) whose carrier moves them to another address of the same /24 in the middle of a visit: one session cookie, two addresses, one network.",
		Tempts:      []string{"appsensor:SE5"},
		Match: func(ev *triage.Event) bool {
			return roamerNet.Contains(ev.SourceIP) && strings.Contains(ev.UserAgent, "Mobile") && len(ev.Cookies) > 0
		},
	},
	{
		Name:        "office-nat",
		Description: "On weekdays dozens of a company's staff shop from its one NAT address (192.0.2.200), each in their own browser and session: several usernames from one address, now and then a mistyped password.",
		Tempts:      []string{"appsensor:AE1", "appsensor:AE3", "appsensor:UT2", "appsensor:ACE3", "appsensor:SE6"},
		Match:       func(ev *triage.Event) bool { return ev.SourceIP == officeNATIP },
	},
	{
		Name:        "review-photos",
		Description: "Customers upload photos with a product review, one multipart POST per photo, up to about 7.5 MB each: uploads, several in a row, but under the 10 MiB limit.",
		Tempts:      []string{"appsensor:FIO1", "appsensor:FIO2"},
		Match: func(ev *triage.Event) bool {
			return ev.Method == "POST" && strings.HasSuffix(ev.URLPath, "/reviews") && !IsAttacker(ev.SourceIP)
		},
	},
	{
		Name:        "regular-customer",
		Description: "A café owner (k.lindqvist) logs in and orders supplies every morning, and some afternoons browses again: a user far busier than most, but steady.",
		Tempts:      []string{"appsensor:UT3", "appsensor:UT4"},
		Match: func(ev *triage.Event) bool {
			return ev.UserName == regularUser && ev.SourceIP == regular.ip
		},
	},
	{
		Name:        "iptables-drop",
		Description: "A data-quality trap rather than a detection one: a back-office host's iptables (dataset iptables.log) marks denies only with event.action \"drop\", without event.type \"denied\" or an outcome, so Elastic's \"Spike in Firewall Denies\" datafeed would not count them; a data lint should report them.",
		Match: func(ev *triage.Event) bool {
			return ev.Dataset == "iptables.log" && ev.Action == "drop" && !slices.Contains(ev.Type, "denied")
		},
	},
}
