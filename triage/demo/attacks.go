package demo

// Why this file is long: it is data, one short function per planted attack
// of this family; splitting it would separate attacks that share helpers.

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"picket/triage"
)

// The planted attacks added with the learned, windowed and configured
// detection points. Each function generates one row of Scenarios.

// More attackers' addresses (see the first list in scenarios.go).
var (
	ipEncoding    = netip.MustParseAddr("203.0.113.38")
	ipBigUpload   = netip.MustParseAddr("198.51.100.31")
	ipHijack      = netip.MustParseAddr("198.51.100.120")
	ipToolSwitch  = netip.MustParseAddr("203.0.113.150")
	ipHoneyPaths  = netip.MustParseAddr("203.0.113.88")
	ipUploadFlood = netip.MustParseAddr("198.51.100.52")
	ipScrapy      = netip.MustParseAddr("198.51.100.88")
	ipIDWalk      = netip.MustParseAddr("203.0.113.77")
	ipLoginFuzz   = netip.MustParseAddr("203.0.113.120")
	ipCartTamper  = netip.MustParseAddr("198.51.100.45")
	ipSpamBot     = netip.MustParseAddr("203.0.113.160")
	ipHeaderless  = netip.MustParseAddr("198.51.100.190")
	ipHoneyUser   = netip.MustParseAddr("203.0.113.190")
	ipTor         = netip.MustParseAddr("203.0.113.250")
	ipSubBomb     = netip.MustParseAddr("198.51.100.170")
	ipCarding     = netip.MustParseAddr("198.51.100.210")
	ipPrefetch    = netip.MustParseAddr("198.51.100.140")
	ipPriceBot    = netip.MustParseAddr("203.0.113.130")
	ipOrderDump   = netip.MustParseAddr("203.0.113.210")

	uaWfuzz      = "Wfuzz/3.1.0"
	uaHTTPX      = "python-httpx/0.27.0"
	uaVictim     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15"
	uaOpChrome   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36"
	uaScript     = "python-requests/2.32.3"
	uaWget       = "Wget/1.21.4"
	uaOkHTTP     = "okhttp/4.12.0"
	uaScrapy     = "Scrapy/2.11.2 (+https://scrapy.org)"
	uaAppTamper  = "ShopApp/5.14.2 (iPhone; iOS 26.1; Scale/3.00)"
	uaBurpFox    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
	uaOldChrome  = "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/49.0.2623.112 Safari/537.36"
	uaOldIE      = "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)"
	uaTorBrowser = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
	uaCarder     = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36"

	// The hijack victim: a customer browsing from home.
	victimIP   = netip.MustParseAddr("100.90.17.33")
	victimUser = "nora.vidal"
)

// visitAs starts a visit for a scenario at t, drawing from its stream.
func (a *attack) visitAs(p persona, t int64) *visit {
	return &visit{g: a.g, r: a.r, p: p, t: t, node: a.r.IntN(3)}
}

// oddlyEncoded reports the encodings EE2 is about in a raw URL: %u
// escapes, overlong UTF-8 (%c0, %c1, %e0%80) and UTF-7 markup.
func oddlyEncoded(u string) bool {
	u = strings.ToLower(u)
	for _, s := range []string{"%u00", "%uff", "%u20", "%c0%", "%c1%", "%e0%80", "+adw-", "%2badw-"} {
		if strings.Contains(u, s) {
			return true
		}
	}
	return false
}

// encodingEvasion: Wfuzz replays XSS and traversal payloads in encodings
// meant to slip past filters that decode once (EE2).
func encodingEvasion(a *attack) {
	a.sendAll([]probe{
		{"GET", "/search", "/search", "q=shoes", 200},
		{"GET", "/search", "/search", "q=%u003Cscript%u003Ealert(1)%u003C%2Fscript%u003E", 400},
		{"GET", "/search", "/search", "q=%uFF1Cscript%uFF1Ealert(1)%uFF1C%2Fscript%uFF1E", 400},
		{"GET", "/search", "/search", "q=%c0%bcscript%c0%bealert(1)%c0%bc%2Fscript%c0%be", 400},
		{"GET", "/search", "/search", "q=%e0%80%bcsvg%20onload%3Dalert(1)%e0%80%be", 400},
		{"GET", "/search", "/search", "q=%2BADw-script%2BAD4-alert(1)%2BADw-%2Fscript%2BAD4-", 400},
		{"GET", "/search", "/search", "q=+ADw-img+src%3Dx+onerror%3Dalert(1)+AD4-", 400},
		{"GET", "/download", "/download", "file=..%c0%af..%c0%af..%c0%afetc%c0%afpasswd", 400},
		{"GET", "/download", "/download", "file=..%c1%9c..%c1%9cwindows%c1%9cwin.ini", 400},
		{"GET", "/download", "/download", "file=%u002e%u002e%u2215%u002e%u002e%u2215etc%u2215passwd", 400},
		{"GET", "/static/*filepath", "/static/..%c0%af..%c0%afetc/passwd", "", 404},
		{"GET", "/redirect", "/redirect", "url=%u002F%u002Fevil.example%u002F", 400},
		{"GET", "/login", "/login", "next=%c0%ae%c0%ae%c0%afadmin", 200},
		{"GET", "", "/products/1042%c0%a7%20or%201=1", "", 404},
	})
}

// oversizedUpload: a logged-in script finds the avatar upload's size limit
// by sending ever larger files, then lies about the Content-Length (FIO1).
func oversizedUpload(a *attack) {
	a.sid = a.g.newSID()
	const who = "upload.tester"
	ts := a.times(16)
	acct := a.req(ts[0], "GET", "/account", "/account", "", 200)
	acct.user = who
	a.send(acct)
	sizes := []int{480_000, 12 << 20, 25 << 20, 50 << 20, 100 << 20, 512 << 20, 2147483647}
	for i := 1; i < len(ts); i++ {
		size := sizes[min(i-1, len(sizes)-1)]
		route := "/account/avatar"
		ctype := "multipart/form-data; boundary=" + hex16(a.g.id())
		if i >= 12 { // then the contact form, with a body no form needs
			route, ctype = "/contact", typeForm
			size = 50 << 20
		}
		rq := a.req(ts[i], "POST", route, route, "", 413)
		rq.user, rq.ctype, rq.bodyLen, rq.accept = who, ctype, size, acceptAny
		if size < 10<<20 {
			rq.status, rq.rtype = 303, ""
		}
		a.send(rq)
	}
}

// stolenSessionReplay: a customer logs in at home; an infostealer on her
// Mac sends her cookies and browser string to someone who replays the
// session from a server elsewhere (SE5) and changes her e-mail address.
func stolenSessionReplay(a *attack) {
	victim := persona{ip: victimIP, ua: uaVictim, lang: "es-ES,es;q=0.9,en;q=0.8", user: victimUser}
	v := a.visitAs(victim, a.start+a.r.Int64N(2*minuteMS))
	v.page("/", "/", "", 200, 25000, "")
	v.think(0.5)
	v.login()
	v.think(1)
	v.product(v.productID(), "", "")
	v.think(1)
	v.search()

	t := a.start + 25*minuteMS + a.r.Int64N(3*minuteMS)
	steps := []struct {
		method, route, path, query string
		status                     int
	}{
		{"GET", "/account", "/account", "", 200},
		{"GET", "/account/orders", "/account/orders", "", 200},
		{"GET", "/download", "/download", "file=invoice-" + strconv.Itoa(24000+a.r.IntN(9000)) + ".pdf", 200},
		{"GET", "/download", "/download", "file=invoice-" + strconv.Itoa(24000+a.r.IntN(9000)) + ".pdf", 200},
		{"GET", "/account", "/account", "", 200},
		{"POST", "/account/email", "/account/email", "", 303},
		{"GET", "/account", "/account", "", 200},
	}
	for _, s := range steps {
		rq := a.req(t, s.method, s.route, s.path, s.query, s.status)
		rq.sid, rq.user, rq.lang, rq.h2, rq.accept = v.sid, victimUser, victim.lang, true, acceptHTML
		if s.method == "POST" {
			rq.ctype, rq.body, rq.origin, rq.referer, rq.rtype = typeForm, "email="+url.QueryEscape("nora.vidal@mail.example"), shopURL, shopURL+"/account", ""
		}
		if s.route == "/download" {
			rq.rtype = "application/pdf"
		}
		a.send(rq)
		t += 20_000 + a.r.Int64N(60_000)
	}
}

// sessionToolSwitch: an operator logs in to their own account in Chrome,
// then hands the session cookie to a Python script that pulls product data
// through the API: the same session, a new user agent (SE6).
func sessionToolSwitch(a *attack) {
	const who = "deal.watcher"
	op := persona{ip: a.ip, ua: uaOpChrome, lang: "en-GB,en;q=0.9"}
	v := a.visitAs(op, a.start+a.r.Int64N(minuteMS))
	v.seen = true
	v.p.user = who
	v.page("/login", "/login", "", 200, 8000, "")
	v.think(0.4)
	rq := v.base("POST", "/login", "/login", "")
	rq.accept, rq.ctype, rq.origin, rq.referer = acceptHTML, typeForm, shopURL, shopURL+"/login"
	rq.body = "csrf_token=" + csrfToken(v.sid) + "&username=" + who + "&password=[REDACTED]"
	rq.status, rq.user, rq.durUS = 302, who, durUS(a.r, 120000)
	a.send(rq)
	v.user = who
	v.t += 200
	v.page("/account", "/account", "", 200, 18000, "")

	t := v.t + 3*minuteMS
	for i := range 90 {
		var s *req
		if i%15 == 0 {
			s = a.req(t, "GET", "/api/products", "/api/products", "category="+categories[(i/15)%len(categories)]+"&page=1", 200)
		} else {
			id := strconv.Itoa(firstProduct + a.r.IntN(lastProduct-firstProduct+1))
			s = a.req(t, "GET", "/api/products/:id", "/api/products/"+id, "", 200)
		}
		s.ua, s.sid, s.user, s.accept, s.rtype = uaScript, v.sid, who, acceptAny, typeJSON
		s.durUS = durUS(a.r, 20000)
		a.send(s)
		t += 8_000 + a.r.Int64N(12_000)
	}
}

// isHoneyPath reports whether p is one of HoneyPaths (or under one).
func isHoneyPath(p string) bool {
	for _, h := range HoneyPaths {
		if p == h || strings.HasSuffix(h, "/") && strings.HasPrefix(p, h) {
			return true
		}
	}
	return false
}

// robotsHoneyPaths: someone reads robots.txt and visits exactly what it
// asks robots to leave alone (HT2).
func robotsHoneyPaths(a *attack) {
	a.sendAll([]probe{
		{"GET", "/robots.txt", "/robots.txt", "", 200},
		{"GET", "", "/internal/", "", 404},
		{"GET", "", "/internal/reports/", "", 404},
		{"GET", "", "/internal/reports/2026-q3.xlsx", "", 404},
		{"GET", "", "/old-admin/", "", 404},
		{"GET", "", "/old-admin/login.php", "", 404},
		{"GET", "", "/backup/customers.sql.gz", "", 404},
	})
}

// uploadFlood: a bot with a throwaway account posts review photos by the
// dozen, using the shop as free hosting for spam images (FIO2).
func uploadFlood(a *attack) {
	a.sid = a.g.newSID()
	const who = "fresh.deals.24"
	for _, t := range a.times(72) {
		id := strconv.Itoa(firstProduct + a.r.IntN(lastProduct-firstProduct+1))
		rq := a.req(t, "POST", "/products/:id/reviews", "/products/"+id+"/reviews", "", 303)
		rq.user, rq.accept, rq.rtype = who, acceptAny, ""
		rq.ctype = "multipart/form-data; boundary=" + hex16(a.g.id())
		rq.bodyLen = 150_000 + a.r.IntN(900_000)
		rq.durUS = durUS(a.r, 300000)
		a.send(rq)
	}
}

// catalogueScraper: Scrapy, cookies off, reads the sitemap and then every
// product page and its JSON twice a second or faster (UT2).
func catalogueScraper(a *attack) {
	t := a.start + 2000
	for _, p := range []string{"/robots.txt", "/sitemap.xml"} {
		rq := a.req(t, "GET", p, p, "", 200)
		rq.rtype = typePlain
		a.send(rq)
		t += 800
	}
	ids := make([]int, 0, lastProduct-firstProduct+1)
	for id := firstProduct; id <= lastProduct; id++ {
		ids = append(ids, id)
	}
	a.r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	for _, id := range ids {
		for _, api := range []bool{false, true} {
			rq := a.req(t, "GET", "/products/:id", "/products/"+strconv.Itoa(id), "", 200)
			rq.accept, rq.durUS = acceptHTML, durUS(a.r, 30000)
			if api {
				rq.route, rq.path, rq.accept, rq.rtype = "/api/products/:id", "/api/products/"+strconv.Itoa(id), acceptJSON, typeJSON
			}
			a.send(rq)
			t += 150 + a.r.Int64N(200)
		}
	}
}

// orderIDWalking: a customer replays the app's order request through an
// intercepting proxy, counting the order id down from their own: other
// customers' orders are refused, deleted ones missing (ACE1).
func orderIDWalking(a *attack) {
	const who = "t.marsh"
	own := 24871
	ts := a.times(64)
	for i, t := range ts {
		id, status := own-i, 403
		switch {
		case i == 0:
			status = 200
		case a.r.IntN(9) == 0:
			status = 404
		}
		rq := a.req(t, "GET", "/api/orders/:id", "/api/orders/"+strconv.Itoa(id), "", status)
		rq.user, rq.auth, rq.accept, rq.rtype = who, true, acceptJSON, typeJSON
		rq.durUS = durUS(a.r, 9000)
		a.send(rq)
	}
}

// loginBodies are what the login fuzzer sends ({csrf} is the token):
// usernames too long or with control characters, fields removed or added.
var loginBodies = []struct {
	body   string
	status int
}{
	{"csrf_token={csrf}&username=admin&password=[REDACTED]", 401},
	{"csrf_token={csrf}&username=" + strings.Repeat("A", 300) + "&password=[REDACTED]", 400},
	{"csrf_token={csrf}&username=admin%00&password=[REDACTED]", 401},
	{"csrf_token={csrf}&username=%1B%5B31madmin&password=[REDACTED]", 401},
	{"csrf_token={csrf}&username=admin%0D%0Aroot&password=[REDACTED]", 401},
	{"csrf_token={csrf}&username=admin", 400},
	{"csrf_token={csrf}&password=[REDACTED]", 400},
	{"csrf_token={csrf}&username=admin&password=[REDACTED]&role=admin", 401},
	{"csrf_token={csrf}&username=admin&password=[REDACTED]&is_admin=true", 401},
	{"username=admin&password=[REDACTED]", 403},
	{"csrf_token={csrf}&username[]=admin&password=[REDACTED]", 400},
	{"csrf_token={csrf}&username=" + strings.Repeat("%27", 120) + "&password=[REDACTED]", 400},
	{"csrf_token={csrf}&username=guest&password=[REDACTED]&remember_me=1&debug=1", 401},
	{"csrf_token={csrf}&username=admin%09&password=[REDACTED]", 401},
}

// loginFormFuzzer: Burp Intruder mutates the login form: overlong and
// control-character usernames (AE4, AE6), a field left out (AE8, AE9),
// fields added (AE10), the anti-forgery token dropped (AE11).
func loginFormFuzzer(a *attack) {
	a.sid = a.g.newSID()
	ts := a.times(len(loginBodies) + 1)
	rq := a.req(ts[0], "GET", "/login", "/login", "", 200)
	rq.accept, rq.lang = acceptHTML, "en-US,en;q=0.5"
	a.send(rq)
	for i, lb := range loginBodies {
		rq := a.req(ts[i+1], "POST", "/login", "/login", "", lb.status)
		rq.accept, rq.lang, rq.ctype, rq.origin, rq.referer = acceptHTML, "en-US,en;q=0.5", typeForm, shopURL, shopURL+"/login"
		rq.body = strings.ReplaceAll(lb.body, "{csrf}", csrfToken(a.sid))
		rq.durUS = durUS(a.r, 60000)
		a.send(rq)
	}
}

// tamperedCart reports whether a cart POST's body is not what the form
// sends: the decoy changed, fields added or repeated.
func tamperedCart(body string) bool {
	form, err := url.ParseQuery(body)
	if err != nil {
		return true
	}
	if len(form) != 3 || form.Get("admin") != "false" {
		return true
	}
	for _, vs := range form {
		if len(vs) != 1 {
			return true
		}
	}
	return false
}

// cartTampering: a bargain hunter edits the cart form in Burp: flips the
// hidden admin field (HT1), adds price and discount fields and repeats
// quantity and product (RE5), and tries the same on the search.
func cartTampering(a *attack) {
	a.sid = a.g.newSID()
	bodies := []string{
		"product_id=1042&qty=1&admin=false",
		"product_id=1042&qty=1&admin=true",
		"product_id=1042&qty=1&qty=-5&admin=false",
		"product_id=1042&qty=1&admin=false&price=0.01",
		"product_id=1042&qty=1&admin=false&discount=100",
		"product_id=1042&product_id=1043&qty=1&admin=false",
		"product_id=1042&qty=1&admin=1",
		"product_id=1042&qty=1&admin=true&price=0",
	}
	n := 2 + 2*len(bodies) + 3
	ts := a.times(n)
	i := 0
	next := func() int64 { i++; return ts[i-1] }
	page := func(route, path, query string) {
		rq := a.req(next(), "GET", route, path, query, 200)
		rq.accept, rq.lang, rq.h2 = acceptHTML, "en-GB,en;q=0.9", true
		a.send(rq)
	}
	page("/products/:id", "/products/1042", "")
	page("/products/:id", "/products/1043", "")
	for _, b := range bodies {
		rq := a.req(next(), "POST", "/cart", "/cart", "", 303)
		rq.accept, rq.lang, rq.h2, rq.ctype, rq.body, rq.origin, rq.referer, rq.rtype = acceptHTML, "en-GB,en;q=0.9", true, typeForm, b, shopURL, shopURL+"/products/1042", ""
		a.send(rq)
		page("/cart", "/cart", "")
	}
	page("/search", "/search", "q=boots&q=shoes")
	page("/search", "/search", "q=boots&debug=1")
	page("/search", "/search", "q=boots&q=%2A&page=2")
}

// commentSpamBot: a forum spam bot posts its comment form data to every
// page it finds, product pages and search included, though they only take
// GET (RE4); the router answers 405.
func commentSpamBot(a *attack) {
	targets := []string{"/", "/search"}
	for range 10 {
		targets = append(targets, "/products/"+strconv.Itoa(firstProduct+a.r.IntN(lastProduct-firstProduct+1)))
	}
	var ps []probe
	for _, p := range targets {
		ps = append(ps, probe{"GET", "", p, "", 200}, probe{"POST", "", p, "", 405})
	}
	for i, t := range a.times(len(ps)) {
		p := ps[i]
		rq := a.req(t, p.method, p.route, p.path, "", p.status)
		switch {
		case p.method == "GET" && p.path == "/":
			rq.route = "/"
		case p.method == "GET" && p.path == "/search":
			rq.route = "/search"
		case p.method == "GET":
			rq.route = "/products/:id"
		}
		rq.accept = acceptHTML
		if p.method == "POST" {
			rq.ctype, rq.referer = typeForm, shopURL+p.path
			rq.body = "author=Best+Pharmacy&email=sales%40pills.example&comment=Great+article%2C+thanks%21+Cheap+meds+without+prescription+%5Burl%3Dhttps%3A%2F%2Fpills.example%2F%5Dbuy+here%5B%2Furl%5D&submit=Post+Comment"
		}
		a.send(rq)
	}
}

// headerlessChecker: a home-made stock checker (printf piped into nc)
// polls a few product pages every minute with bare HTTP/1.0 requests: an
// Accept header, no Host, no User-Agent (RE6).
func headerlessChecker(a *attack) {
	ids := []int{1042, 1107, 1233, 1301}
	t := a.start + 5000
	for t < a.end-5*minuteMS {
		for _, id := range ids {
			rq := a.req(t, "GET", "/products/:id", "/products/"+strconv.Itoa(id), "", 200)
			rq.noHost, rq.http10, rq.accept, rq.durUS = true, true, acceptAny, durUS(a.r, 30000)
			a.send(rq)
			t += 300 + a.r.Int64N(500)
		}
		t += 60_000 + a.r.Int64N(5000)
	}
}

// honeytokenLogin: someone who found the decoy backup account in a
// leaked-looking configuration file tries to log in with it (HT3).
func honeytokenLogin(a *attack) {
	a.sid = a.g.newSID()
	ts := a.times(5)
	rq := a.req(ts[0], "GET", "/login", "/login", "", 200)
	a.send(rq)
	for _, t := range ts[1:] {
		rq := a.req(t, "POST", "/login", "/login", "", 401)
		rq.ctype, rq.origin, rq.referer = typeForm, shopURL, shopURL+"/login"
		rq.body = "csrf_token=" + csrfToken(a.sid) + "&username=ops.backup&password=[REDACTED]"
		rq.durUS = durUS(a.r, 120000)
		a.send(rq)
	}
}

// torVisitor: a visitor through a Tor exit node browses and tries two
// accounts' passwords (RP1, and its halved thresholds).
func torVisitor(a *attack) {
	p := persona{ip: a.ip, ua: a.ua, lang: "en-US,en;q=0.5"}
	v := a.visitAs(p, a.start+a.r.Int64N(minuteMS))
	v.page("/", "/", "", 200, 25000, "")
	for range 3 {
		v.think(0.5)
		v.product(v.productID(), "", "")
	}
	v.think(0.5)
	v.page("/login", "/login", "", 200, 8000, "")
	for _, name := range []string{"julia.rossi@example.net", "julia.r"} {
		v.think(0.4)
		rq := v.base("POST", "/login", "/login", "")
		rq.accept, rq.ctype, rq.origin, rq.referer = acceptHTML, typeForm, shopURL, shopURL+"/login"
		rq.body = "csrf_token=" + csrfToken(v.sid) + "&username=" + url.QueryEscape(name) + "&password=[REDACTED]"
		rq.status, rq.rtype, rq.durUS = 401, typeHTML, durUS(a.r, 120000)
		a.send(rq)
	}
}

// subscriptionBombing: a list-bombing bot signs victims' addresses up to
// every newsletter form it finds, always with GET; the shop's form takes
// POST only, so each is answered 405 (RE3).
func subscriptionBombing(a *attack) {
	victims := []string{"m.keller@mail.example", "accounts@firm.example", "m.keller@mail.example", "j.wu@inbox.example"}
	var ps []probe
	for i := range 14 {
		ps = append(ps, probe{"GET", "", "/newsletter", "email=" + url.QueryEscape(victims[i%len(victims)]) + "&submit=Subscribe", 405})
	}
	a.sendAll(ps)
}

// cardTesting: the regular customer's password, reused elsewhere, leaked;
// a carder logs in to her account and tests stolen cards at the checkout
// in bursts all day: ten times her usual visits, a hundred checkouts
// against her one a day (UT3, UT4).
func cardTesting(a *attack) {
	p := persona{ip: a.ip, ua: a.ua, lang: "en-US,en;q=0.9"}
	v := a.visitAs(p, a.start+a.r.Int64N(5*minuteMS))
	v.seen = true
	v.p.user = regularUser
	v.page("/login", "/login", "", 200, 8000, "")
	v.think(0.4)
	rq := v.base("POST", "/login", "/login", "")
	rq.accept, rq.ctype, rq.origin, rq.referer = acceptHTML, typeForm, shopURL, shopURL+"/login"
	rq.body = "csrf_token=" + csrfToken(v.sid) + "&username=" + regularUser + "&password=[REDACTED]"
	rq.status, rq.user, rq.durUS = 302, regularUser, durUS(a.r, 120000)
	a.send(rq)
	v.user = regularUser
	for burst := range 12 {
		if burst > 0 {
			v.t = a.start + int64(burst)*55*minuteMS + a.r.Int64N(4*minuteMS)
		}
		v.think(0.2)
		giftCard := "product_id=1003&qty=1&" + cartDecoy
		add := v.base("POST", "/cart", "/cart", "")
		add.accept, add.ctype, add.body, add.origin, add.referer, add.status = acceptHTML, typeForm, giftCard, shopURL, shopURL+"/products/1003", 303
		add.durUS = durUS(a.r, 14000)
		a.send(add)
		v.t += 300
		v.page("/checkout", "/checkout", "", 200, 20000, shopURL+"/cart")
		for range 8 + a.r.IntN(3) {
			v.t += 15_000 + a.r.Int64N(25_000)
			co := v.base("POST", "/checkout", "/checkout", "")
			co.accept, co.ctype, co.bodyLen, co.origin, co.referer = acceptHTML, typeForm, 180+a.r.IntN(60), shopURL, shopURL+"/checkout"
			co.status, co.rtype, co.durUS = 402, typeHTML, durUS(a.r, 900000) // declined by the card processor
			if a.r.IntN(12) == 0 {
				co.status, co.rtype = 303, ""
			}
			a.send(co)
		}
	}
}

// prefetchProxy: a company's web accelerator proxy prefetches every link
// on the pages its staff view, sending their cookies, the Log out link
// included: a newsletter on the intranet sends some fifty staff to the
// shop within the hour, and each is logged out behind their back (STE1).
func prefetchProxy(a *attack) {
	order := a.r.Perm(len(a.g.users))[:48]
	for i, ui := range order {
		p := a.g.users[ui]
		p.ip = a.ip
		v := a.visitAs(p, a.start+2*minuteMS+int64(i)*40_000+a.r.Int64N(30_000))
		v.user, v.sid = p.user, a.g.newSID()
		v.product(firstProduct+a.r.IntN(lastProduct-firstProduct+1), "utm_source=intranet&utm_medium=newsletter&utm_campaign=friday_deals", "https://intranet.corp.example/news")
		for _, link := range []string{"/", "/cart", "/account", "/logout"} {
			v.t += 150 + a.r.Int64N(400)
			rq := v.base("GET", link, link, "")
			rq.accept, rq.purpose, rq.rtype, rq.status, rq.durUS = acceptHTML, "prefetch", typeHTML, 200, durUS(a.r, 15000)
			if link == "/logout" {
				rq.status, rq.rtype = 302, ""
			}
			a.send(rq)
		}
		v.user = ""
		v.think(1)
		if i%5 == 0 { // noticed, and logged in again
			v.login()
		} else {
			v.addToCart()
		}
	}
}

// priceScraper: a competitor's price bot passing itself off as Chrome
// walks listings, product pages, the API, the cart, the checkout and
// the login page to read prices and shipping costs; it never fetches a stylesheet, script or
// image (UT1).
func priceScraper(a *attack) {
	t := a.start + 3000
	get := func(route, path, query string, accept string) {
		rq := a.req(t, "GET", route, path, query, 200)
		rq.accept, rq.sid, rq.lang = accept, a.sid, "en-US,en;q=0.9"
		if accept == acceptJSON {
			rq.rtype = typeJSON
		}
		a.send(rq)
		t += 15_000 + a.r.Int64N(20_000)
		if a.sid == "" {
			a.sid = a.g.newSID()
		}
	}
	get("/", "/", "", acceptHTML)
	for i := range 6 {
		cat := categories[(i*3)%len(categories)]
		get("/products", "/products", "category="+cat, acceptHTML)
		get("/api/products", "/api/products", "category="+cat+"&page=1", acceptJSON)
		for range 3 {
			id := strconv.Itoa(firstProduct + a.r.IntN(lastProduct-firstProduct+1))
			get("/products/:id", "/products/"+id, "", acceptHTML)
			get("/api/products/:id", "/api/products/"+id, "", acceptJSON)
		}
		get("/search", "/search", "q="+url.QueryEscape(searches[a.r.IntN(len(searches))]), acceptHTML)
		if i%2 == 0 {
			rq := a.req(t, "POST", "/api/cart", "/api/cart", "", 201)
			rq.accept, rq.sid, rq.ctype, rq.bodyLen, rq.rtype = acceptJSON, a.sid, "application/json", 34, typeJSON
			a.send(rq)
			t += 2000
			get("/api/cart", "/api/cart", "", acceptJSON)
			get("/cart", "/cart", "", acceptHTML)
			get("/checkout", "/checkout", "", acceptHTML)
		}
	}
	get("/", "/", "", acceptHTML) // the home page's deals, with the session this time
	get("/login", "/login", "", acceptHTML)
	get("/contact", "/contact", "", acceptHTML)
}

// spanRows reads a span's span.db.rows_affected.
func spanRows(ev *triage.Event) int64 {
	vs := ev.Get("span.db.rows_affected")
	if len(vs) == 0 {
		return -1
	}
	n, _ := vs[0].Number()
	return int64(n)
}

// orderExportDump: a customer finds that the order list's status filter
// fails open: status=all with a huge page size returns every customer's
// orders, and they page through the lot (CIE2 reads the rows in the
// database spans).
func orderExportDump(a *attack) {
	a.sid = a.g.newSID()
	const who = "b.carvalho"
	steps := []struct {
		query string
		rows  int64
	}{
		{"", 0},
		{"per_page=100", 0},
		{"status=all", 0},
		{"status=all&per_page=100000", 61382},
		{"status=all&per_page=100000&page=1", 61382},
		{"status=all&per_page=50000&page=2", 50000},
		{"status=all&per_page=50000&page=3", 11382},
	}
	for i, t := range a.times(len(steps)) {
		s := steps[i]
		rq := a.req(t, "GET", "/account/orders", "/account/orders", s.query, 200)
		rq.user, rq.accept, rq.lang, rq.rows = who, acceptHTML, "pt-PT,pt;q=0.9,en;q=0.8", s.rows
		rq.durUS = durUS(a.r, 35000) + s.rows*12
		a.send(rq)
	}
}
