package demo

// Why this file is long: it is the benign web shop, the traffic every
// detector must stay quiet on, generated persona by persona; the personas
// share the visit model defined here.

import (
	"math/rand/v2"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Ordinary shop traffic: shoppers in browsers, the mobile app, search
// crawlers, probes and monitors, back-office staff. Clients use addresses
// no attacker uses: shoppers 100.64.0.0/10 (carrier-grade NAT space) and
// 2001:db8:5eed::/48, crawlers, monitors, the back office and an office
// NAT 192.0.2.0/24, Kubernetes probes 10.42.0.0/16. More ordinary traffic
// is in benign.go. Attackers use 203.0.113.0/24, 198.51.100.0/24,
// 2001:db8:dead::/48 and, for the distributed wave, 240.0.0.0/8 only (see
// Scenarios).

// Traffic shape. The shop sells to Central Europe (UTC+1 in November):
// quiet at night, busy in the evening, busiest on Sunday, and the Singles'
// Day sale on 11 November brings a surge.
var (
	diurnal = [24]float64{ // by UTC hour
		0.35, 0.2, 0.15, 0.12, 0.12, 0.2, 0.45, 0.7, 0.85, 0.95, 1.0, 1.05,
		1.15, 1.1, 1.05, 1.05, 1.15, 1.35, 1.6, 1.75, 1.7, 1.4, 0.95, 0.6,
	}
	weekly = [7]float64{ // by time.Weekday, Sunday first
		1.2, 1.05, 0.95, 0.95, 1.0, 0.9, 0.85,
	}
	saleDay = time.Date(2026, time.November, 11, 0, 0, 0, 0, time.UTC).UnixMilli()
)

const (
	visitsPerHour  = 5.0 // browser visits at diurnal × weekly = 1
	appPerHour     = 2.4 // mobile app sessions
	crawlsPerHour  = 2.5 // crawler fetch runs, not seasonal
	staffPerHour   = 1.2 // back-office visits, weekday office hours
	saleMultiplier = 1.7
)

var desktopUAs = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
	"Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
}

var mobileUAs = []string{
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/29.0 Chrome/136.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (iPad; CPU OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1",
}

var appUAs = []string{
	"ShopApp/5.14.2 (iPhone; iOS 26.1; Scale/3.00)",
	"ShopApp/5.14.1 (Linux; Android 16; Pixel 9) okhttp/4.12.0",
	"ShopApp/5.13.0 (Linux; Android 15; SM-S921B) okhttp/4.12.0",
}

var crawlers = []struct{ ua, net string }{
	{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "192.0.2.10"},
	{"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/142.0.7444.59 Safari/537.36", "192.0.2.10"},
	{"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "192.0.2.12"},
}

// Monitoring: the Kubernetes liveness probe and an external uptime monitor.
const (
	probeUA  = "kube-probe/1.31"
	uptimeUA = "Uptime-Kuma/2.0.2"
	staffUA  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
	staffWho = "maria.ops"
)

var (
	probeIP  = netip.MustParseAddr("10.42.0.1")
	uptimeIP = netip.MustParseAddr("192.0.2.50")
	staffIP  = netip.MustParseAddr("192.0.2.30")
)

var languages = []string{
	"de-DE,de;q=0.9,en;q=0.8", "de-DE,de;q=0.9,en;q=0.8", "de-AT,de;q=0.9", "en-GB,en;q=0.9",
	"en-US,en;q=0.9", "fr-FR,fr;q=0.9,en;q=0.7", "nl-NL,nl;q=0.9,en;q=0.8", "pl-PL,pl;q=0.9,en;q=0.6",
}

var categories = []string{"shoes", "outdoor", "kitchen", "home", "books", "toys", "electronics", "accessories"}

// Product ids in the catalogue; ids above lastProduct were removed and
// answer 404 to old links and crawlers.
const (
	firstProduct = 1001
	lastProduct  = 1480
)

// searches are ordinary queries; trapSearches look like injection to a
// careless detector (see BenignTraps) but are what shoppers type.
var searches = []string{
	"running shoes", "rain jacket", "coffee grinder", "wool socks", "yoga mat", "ceramic mug",
	"gift card", "backpack", "headphones", "usb-c cable", "desk lamp", "water bottle",
	"winter boots", "linen shirt", "board games", "french press", "phone case", "notebook",
	"scarf", "sunglasses", "advent calendar", "lego", "espresso cups", "hiking poles",
}

var trapSearches = []string{
	"O'Reilly", "men's boots", "kids' toys", "50% off", "100% cotton",
	"select reserve coffee", "drop leaf table", "union station poster", "update sneakers",
	`"wool socks"`, "i <3 tea", "café au lait bowl", "1/2 price",
}

// persona is a client that visits the shop.
type persona struct {
	ip   netip.Addr
	ua   string
	lang string
	user string // registered username; "" for an anonymous visitor
	ios  bool
}

var firstNames = []string{
	"alice", "bob", "chen", "dmitri", "emma", "farah", "george", "hana", "ivan", "julia",
	"kofi", "lena", "marco", "nadia", "oskar", "priya", "quentin", "rosa", "sven", "tomasz",
	"uma", "viktor", "wen", "xavier", "yasmin", "zoe", "henry", "ingrid", "jonas", "leila",
}

var lastNames = []string{
	"mueller", "schmidt", "novak", "rossi", "dubois", "jansen", "kowalski", "okafor", "tanaka",
	"garcia", "berg", "horvat", "weber", "meyer", "fischer", "lang", "costa", "nielsen",
}

// makeUsers returns the registered customers, each with a usual device.
func makeUsers(r *rand.Rand) []persona {
	seen := map[string]bool{}
	var out []persona
	for len(out) < 140 {
		f := firstNames[r.IntN(len(firstNames))]
		l := lastNames[r.IntN(len(lastNames))]
		var name string
		switch r.IntN(4) {
		case 0:
			name = f
		case 1:
			name = f + "." + l[:1]
		case 2:
			name = f + strconv.Itoa(70+r.IntN(35))
		default:
			name = f[:1] + "." + l
		}
		if len(out) == 0 {
			name = "alice"
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		p := anonymous(r)
		p.user = name
		out = append(out, p)
	}
	return out
}

// anonymous returns a new client: a browser on a desktop or a phone.
func anonymous(r *rand.Rand) persona {
	p := persona{ip: shopperIP(r), lang: languages[r.IntN(len(languages))]}
	if r.Float64() < 0.55 {
		p.ua = desktopUAs[r.IntN(len(desktopUAs))]
	} else {
		p.ua = mobileUAs[r.IntN(len(mobileUAs))]
		p.ios = strings.Contains(p.ua, "iPhone") || strings.Contains(p.ua, "iPad")
	}
	return p
}

// shopperIP draws a shopper address: 100.64.0.0/10 or, for one in ten,
// 2001:db8:5eed::/48.
func shopperIP(r *rand.Rand) netip.Addr {
	if r.IntN(10) == 0 {
		var a [16]byte
		copy(a[:], []byte{0x20, 0x01, 0x0d, 0xb8, 0x5e, 0xed})
		a[6], a[7] = byte(r.IntN(256)), byte(r.IntN(256))
		a[14], a[15] = byte(1+r.IntN(254)), byte(r.IntN(256))
		return netip.AddrFrom16(a)
	}
	return shopperIP4(r)
}

// shopperIP4 draws a shopper address from 100.64.0.0/10.
func shopperIP4(r *rand.Rand) netip.Addr {
	v := 100<<24 | 64<<16 | r.Uint32N(1<<22)
	if v&0xff == 0 || v&0xff == 0xff {
		v ^= 0x17
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// durUS draws a plausible server time around mean microseconds.
func durUS(r *rand.Rand, mean int64) int64 {
	return mean/3 + int64(r.ExpFloat64()*float64(mean)*2/3)
}

// webHour generates the shop's ordinary traffic starting in [hs, hs+1h).
func (g *generator) webHour(hs int64) {
	r := g.web
	t0 := time.UnixMilli(hs).UTC()
	m := diurnal[t0.Hour()] * weekly[t0.Weekday()]
	if hs >= saleDay && hs < saleDay+dayMS {
		m *= saleMultiplier
	}
	for range poisson(r, visitsPerHour*m) {
		g.visit(hs + r.Int64N(hourMS))
	}
	for range poisson(r, appPerHour*m) {
		g.appSession(hs + r.Int64N(hourMS))
	}
	for range poisson(r, crawlsPerHour) {
		g.crawl(hs + r.Int64N(hourMS))
	}
	for i := int64(0); i < 6; i++ { // liveness probe every ten minutes
		g.tx(&req{t: hs + i*10*minuteMS + r.Int64N(1500), ip: probeIP, ua: probeUA,
			method: "GET", route: "/healthz", path: "/healthz", status: 200, durUS: durUS(r, 180),
			accept: acceptAny, rtype: typePlain, node: int(i)})
	}
	for i := int64(0); i < 4; i++ { // uptime monitor every quarter hour
		g.tx(&req{t: hs + i*15*minuteMS + 7000 + r.Int64N(3000), ip: uptimeIP, ua: uptimeUA,
			method: "HEAD", route: "/", path: "/", status: 200, durUS: durUS(r, 9000),
			accept: acceptAny, rtype: typeHTML, node: r.IntN(3)})
	}
	if wd := t0.Weekday(); wd != time.Saturday && wd != time.Sunday && t0.Hour() >= 7 && t0.Hour() < 16 {
		for range poisson(r, staffPerHour) {
			g.staff(hs + r.Int64N(hourMS))
		}
	}
}

// visit is one browser session on the shop.
type visit struct {
	g    *generator
	r    *rand.Rand
	p    persona
	t    int64
	sid  string
	user string
	last string // URL of the last page, for Referer
	node int
	cart int
	seen bool // static assets are cached
}

func (g *generator) newSID() string { return hex16(g.id()) + hex16(g.id()) }

// visit generates one shopper's session starting at t.
func (g *generator) visit(t int64) {
	r := g.web
	v := &visit{g: g, r: r, t: t, node: r.IntN(3)}
	if r.Float64() < 0.4 { // a returning customer on their usual device
		v.p = g.users[r.IntN(len(g.users))]
		v.sid = g.newSID()
		v.seen = r.Float64() < 0.5
		if r.Float64() < 0.65 {
			v.user = v.p.user
		}
	} else {
		v.p = anonymous(r)
	}

	switch x := r.Float64(); {
	case x < 0.35:
		v.page("/", "/", "", 200, 25000, "https://www.google.com/")
	case x < 0.65:
		id := firstProduct + r.IntN(lastProduct-firstProduct+1)
		v.product(id, "utm_source=google&utm_medium=organic", "https://www.google.com/")
	case x < 0.75: // a link from the newsletter goes through the click tracker
		id := firstProduct + r.IntN(lastProduct-firstProduct+1)
		v.page("/redirect", "/redirect", "url=%2Fproducts%2F"+strconv.Itoa(id)+"&utm_source=newsletter", 302, 1500, "")
		v.think(1)
		v.product(id, "utm_source=newsletter", "")
	case x < 0.88:
		v.search()
	default:
		v.category()
	}
	for range 1 + r.IntN(8) {
		v.think(1)
		v.step()
	}
	if v.user != "" && r.Float64() < 0.15 {
		v.think(1)
		v.page("/logout", "/logout", "", 302, 2000, v.last)
		v.user = ""
	}
}

// step is one click of a shopper: a product, a search, the cart...
func (v *visit) step() {
	switch x := v.r.Float64(); {
	case x < 0.36:
		v.product(v.productID(), v.ref(), "")
	case x < 0.50:
		v.search()
	case x < 0.60:
		v.category()
	case x < 0.65:
		v.page("/", "/", "", 200, 25000, "")
	case x < 0.77:
		v.addToCart()
	case x < 0.82:
		v.viewCart()
	case x < 0.86:
		if v.cart > 0 {
			v.checkout()
		} else {
			v.product(v.productID(), "", "")
		}
	case x < 0.91:
		if v.user != "" {
			v.account()
		} else {
			v.login()
		}
	case x < 0.92:
		v.contact()
	case x < 0.94:
		if v.user != "" {
			v.invoice()
		} else {
			v.search()
		}
	default:
		v.product(v.productID(), "", "")
	}
}

// think lets the shopper read for a while.
func (v *visit) think(scale float64) {
	v.t += 2000 + int64(v.r.ExpFloat64()*25000*scale)
}

// ref is the referral parameter the shop's own links add to product
// pages: ref=home from the home page, ref=search from results.
func (v *visit) ref() string {
	switch {
	case v.last == shopURL+"/":
		return "ref=home"
	case strings.HasPrefix(v.last, shopURL+"/search?"):
		return "ref=search"
	}
	return ""
}

func (v *visit) productID() int {
	if v.r.IntN(100) == 0 { // an old bookmark of a removed product
		return lastProduct + 1 + v.r.IntN(19)
	}
	return firstProduct + v.r.IntN(lastProduct-firstProduct+1)
}

// base returns a request from this shopper at the current time.
func (v *visit) base(method, route, path, query string) *req {
	return &req{t: v.t, ip: v.p.ip, ua: v.p.ua, lang: v.p.lang, method: method, route: route,
		path: path, query: query, user: v.user, sid: v.sid, h2: true, node: v.node}
}

// page requests an HTML page (or a redirecting URL) and the static
// assets a first page needs.
func (v *visit) page(route, path, query string, status int, mean int64, referer string) {
	rq := v.base("GET", route, path, query)
	rq.accept, rq.rtype, rq.status = acceptHTML, typeHTML, status
	rq.durUS = durUS(v.r, mean)
	if status >= 300 && status < 400 {
		rq.rtype = ""
	}
	switch {
	case referer != "":
		rq.referer = referer
	case v.last != "" && v.r.IntN(10) < 8:
		rq.referer = v.last
	}
	v.g.tx(rq)
	if v.sid == "" { // the response set the session cookie
		v.sid = v.g.newSID()
	}
	if status == 200 {
		v.last = shopURL + path
		if query != "" {
			v.last += "?" + query
		}
		v.assets()
	}
}

// assets fetches what an uncached page loads: stylesheet, script, logo,
// and on iPhones the touch icon the shop does not have.
func (v *visit) assets() {
	if v.seen {
		return
	}
	v.seen = true
	at := v.t + 40 + v.r.Int64N(200)
	for _, a := range []struct{ path, accept, rtype string }{
		{"/static/app.css", "text/css,*/*;q=0.1", "text/css; charset=utf-8"},
		{"/static/app.js", acceptAny, "text/javascript; charset=utf-8"},
		{"/static/img/logo.svg", "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5", "image/svg+xml"},
	} {
		rq := v.base("GET", "/static/*filepath", a.path, "")
		rq.t, rq.accept, rq.rtype, rq.status, rq.durUS = at, a.accept, a.rtype, 200, durUS(v.r, 900)
		rq.referer = v.last
		v.g.tx(rq)
		at += 5 + v.r.Int64N(60)
	}
	if v.p.ios && v.r.IntN(3) == 0 {
		rq := v.base("GET", "", "/apple-touch-icon.png", "")
		rq.t, rq.accept, rq.rtype, rq.status, rq.durUS = at+300, acceptAny, typePlain, 404, durUS(v.r, 300)
		v.g.tx(rq)
	}
}

func (v *visit) product(id int, query, referer string) {
	path := "/products/" + strconv.Itoa(id)
	status := 200
	if id > lastProduct {
		status = 404
	}
	v.page("/products/:id", path, query, status, 30000, referer)
	if status == 200 {
		rq := v.base("GET", "/static/*filepath", "/static/img/products/"+strconv.Itoa(id)+".webp", "")
		rq.t += 120 + v.r.Int64N(300)
		rq.accept, rq.rtype, rq.status, rq.durUS = "image/avif,image/webp,*/*", "image/webp", 200, durUS(v.r, 1200)
		rq.referer = v.last
		v.g.tx(rq)
	}
}

func (v *visit) search() {
	var q string
	switch {
	case v.t >= saleDay && v.t < saleDay+dayMS && v.r.IntN(4) == 0:
		q = "50% off"
	case v.r.IntN(8) == 0:
		q = trapSearches[v.r.IntN(len(trapSearches))]
	default:
		q = searches[v.r.IntN(len(searches))]
	}
	query := "q=" + url.QueryEscape(q)
	if v.r.IntN(5) == 0 {
		query += "&page=2"
	}
	v.page("/search", "/search", query, 200, 90000, "")
}

func (v *visit) category() {
	query := "category=" + categories[v.r.IntN(len(categories))]
	if v.r.IntN(3) == 0 {
		query += "&page=" + strconv.Itoa(2+v.r.IntN(4))
	}
	if v.r.IntN(4) == 0 {
		query += "&sort=price_asc"
	}
	v.page("/products", "/products", query, 200, 45000, "")
}

// csrfExpired says whether a form post fails with 403 because the page
// sat open until its CSRF token expired: rare, harmless, and exactly what
// the "POST Request Declined" rule matches.
func (v *visit) csrfExpired() bool { return v.r.IntN(60) == 0 }

// post submits a form. When the token has expired the shop answers 403 and
// the shopper submits again after the page reloads.
func (v *visit) post(route, path, body string, bodyLen int, status int, mean int64) {
	for {
		rq := v.base("POST", route, path, "")
		rq.accept, rq.ctype, rq.body, rq.bodyLen = acceptHTML, typeForm, body, bodyLen
		rq.origin, rq.referer = shopURL, v.last
		rq.durUS = durUS(v.r, mean)
		expired := v.csrfExpired()
		if expired {
			rq.status, rq.rtype = 403, typeHTML
		} else {
			rq.status = status
		}
		v.g.tx(rq)
		if !expired {
			return
		}
		v.think(0.3)
	}
}

func (v *visit) addToCart() {
	id := firstProduct + v.r.IntN(lastProduct-firstProduct+1)
	v.cart++
	if v.r.IntN(4) == 0 {
		// The quick-add widget on www.shop.example.com calls the API
		// cross-origin, so the browser sends a CORS preflight first.
		rq := v.base("OPTIONS", "/api/cart", "/api/cart", "")
		rq.accept, rq.origin, rq.acrm, rq.status, rq.durUS = acceptAny, "https://www."+shopHost, "POST", 204, durUS(v.r, 200)
		rq.referer = "https://www." + shopHost + "/"
		v.g.tx(rq)
		rq = v.base("POST", "/api/cart", "/api/cart", "")
		rq.t += 60 + v.r.Int64N(100)
		rq.accept, rq.ctype, rq.bodyLen, rq.origin = acceptJSON, "application/json", 30+v.r.IntN(8), "https://www."+shopHost
		rq.status, rq.rtype, rq.durUS = 201, typeJSON, durUS(v.r, 15000)
		rq.referer = "https://www." + shopHost + "/"
		v.g.tx(rq)
		return
	}
	v.post("/cart", "/cart", "product_id="+strconv.Itoa(id)+"&qty="+strconv.Itoa(1+v.r.IntN(2))+"&"+cartDecoy, 0, 303, 14000)
	v.t += 150
	v.page("/cart", "/cart", "", 200, 12000, "")
}

func (v *visit) viewCart() { v.page("/cart", "/cart", "", 200, 12000, "") }

func (v *visit) checkout() {
	v.page("/checkout", "/checkout", "", 200, 20000, "")
	v.think(2)
	v.post("/checkout", "/checkout", "", 180+v.r.IntN(60), 303, 250000) // card details: body not captured
	v.t += 300
	v.page("/checkout/confirmation", "/checkout/confirmation", "", 200, 15000, "")
	v.cart = 0
}

// csrfToken is the anti-forgery token the login form carries for a
// session: derived from the session id, so it draws nothing at random.
func csrfToken(sid string) string {
	h := fnv("csrf/" + sid)
	return hex16(mix64(h)) + hex16(mix64(h^0x5bd1e995))
}

// cartDecoy is the hidden field the cart form plants for HT1: no honest
// client ever changes it (see HoneyParams).
const cartDecoy = "admin=false"

// login signs in; one attempt in ten mistypes the password first.
func (v *visit) login() {
	name := v.p.user
	if name == "" { // a customer on a device the data has not seen before
		name = v.g.users[v.r.IntN(len(v.g.users))].user
	}
	v.page("/login", "/login", "", 200, 8000, "")
	body := "csrf_token=" + csrfToken(v.sid) + "&username=" + url.QueryEscape(name) + "&password=[REDACTED]"
	for typo := v.r.IntN(10) == 0; ; typo = false {
		v.think(0.4)
		rq := v.base("POST", "/login", "/login", "")
		rq.accept, rq.ctype, rq.body, rq.origin, rq.referer = acceptHTML, typeForm, body, shopURL, shopURL+"/login"
		rq.durUS = durUS(v.r, 120000) // password hashing
		if typo {
			rq.status, rq.rtype = 401, typeHTML
			v.g.tx(rq)
			continue
		}
		rq.status, rq.user = 302, name
		v.g.tx(rq)
		break
	}
	v.user = name
	v.t += 200
	v.page("/account", "/account", "", 200, 18000, "")
}

func (v *visit) account() {
	v.page("/account", "/account", "", 200, 18000, "")
	if v.r.IntN(2) == 0 {
		v.think(0.5)
		v.page("/account/orders", "/account/orders", "", 200, 35000, "")
	}
}

func (v *visit) invoice() {
	v.page("/account/orders", "/account/orders", "", 200, 35000, "")
	v.think(0.3)
	rq := v.base("GET", "/download", "/download", "file=invoice-"+strconv.Itoa(24000+v.r.IntN(9000))+".pdf")
	rq.accept, rq.rtype, rq.status, rq.durUS, rq.referer = acceptHTML, "application/pdf", 200, durUS(v.r, 40000), v.last
	v.g.tx(rq)
}

// contactMessages are multi-line: the form posts CR LF line breaks,
// percent-encoded as browsers encode a textarea.
var contactMessages = []string{
	"Hello,\r\nmy parcel arrived damaged.\r\nCan you send a replacement?\r\nThanks",
	"Hi,\r\nI would like to return order 4471.\r\n\r\nBest regards",
	"Do you ship to Switzerland?\r\nThank you!",
	"Hello,\r\nthe invoice shows the wrong address.\r\nPlease correct it.",
}

func (v *visit) contact() {
	v.page("/contact", "/contact", "", 200, 9000, "")
	v.think(4)
	name := v.user
	if name == "" {
		name = firstNames[v.r.IntN(len(firstNames))]
	}
	body := "name=" + url.QueryEscape(name) + "&email=" + url.QueryEscape(name+"@example.net") +
		"&message=" + url.QueryEscape(contactMessages[v.r.IntN(len(contactMessages))])
	v.post("/contact", "/contact", body, 0, 303, 30000)
}

// appSession is the mobile app browsing the JSON API.
func (g *generator) appSession(t int64) {
	r := g.web
	var p persona
	loggedIn := r.Float64() < 0.7
	if loggedIn {
		p = g.users[r.IntN(len(g.users))]
		if r.IntN(2) == 0 {
			p.ip = shopperIP(r) // on mobile data, not at home
		}
	} else {
		p = anonymous(r)
	}
	ua := appUAs[r.IntN(len(appUAs))]
	node := r.IntN(3)
	call := func(method, route, path, query string, status int, mean int64, bodyLen int) {
		rq := &req{t: t, ip: p.ip, ua: ua, lang: p.lang, method: method, route: route, path: path,
			query: query, status: status, durUS: durUS(r, mean), accept: acceptJSON, rtype: typeJSON, node: node}
		if loggedIn {
			rq.user, rq.auth = p.user, true
		}
		if bodyLen > 0 {
			rq.ctype, rq.bodyLen = "application/json", bodyLen
		}
		g.tx(rq)
		t += 1500 + int64(r.ExpFloat64()*12000)
	}
	call("GET", "/api/products", "/api/products", "category="+categories[r.IntN(len(categories))]+"&page=1", 200, 35000, 0)
	for range 1 + r.IntN(4) {
		call("GET", "/api/products/:id", "/api/products/"+strconv.Itoa(firstProduct+r.IntN(lastProduct-firstProduct+1)), "", 200, 20000, 0)
	}
	if r.IntN(3) == 0 {
		call("POST", "/api/cart", "/api/cart", "", 201, 15000, 30+r.IntN(8))
		call("GET", "/api/cart", "/api/cart", "", 200, 9000, 0)
		if loggedIn && r.IntN(3) == 0 {
			call("POST", "/api/orders", "/api/orders", "", 201, 220000, 300+r.IntN(120))
		}
	}
}

// crawl is a search engine fetching a few pages.
func (g *generator) crawl(t int64) {
	r := g.web
	c := crawlers[r.IntN(len(crawlers))]
	ip := netip.MustParseAddr(c.net + strconv.Itoa(r.IntN(10)))
	for range 1 + r.IntN(4) {
		rq := &req{t: t, ip: ip, ua: c.ua, method: "GET", accept: acceptHTML, rtype: typeHTML, status: 200, node: r.IntN(3)}
		switch x := r.IntN(20); {
		case x == 0:
			rq.route, rq.path, rq.rtype = "/robots.txt", "/robots.txt", typePlain
		case x == 1:
			rq.route, rq.path, rq.rtype = "/sitemap.xml", "/sitemap.xml", "application/xml"
		case x < 5:
			rq.route, rq.path, rq.query = "/products", "/products", "category="+categories[r.IntN(len(categories))]
		default:
			id := firstProduct + r.IntN(lastProduct-firstProduct+1+19) // crawlers still know removed products
			rq.route, rq.path = "/products/:id", "/products/"+strconv.Itoa(id)
			if id > lastProduct {
				rq.status = 404
			}
		}
		rq.durUS = durUS(r, 25000)
		g.tx(rq)
		t += 2000 + int64(r.ExpFloat64()*15000)
	}
}

// staff is back-office work on orders from the office.
func (g *generator) staff(t int64) {
	r := g.web
	sid := g.newSID()
	node := r.IntN(3)
	do := func(method, route, path, query string, status int, mean int64) {
		rq := &req{t: t, ip: staffIP, ua: staffUA, lang: "de-DE,de;q=0.9,en;q=0.8", method: method, route: route,
			path: path, query: query, status: status, durUS: durUS(r, mean), user: staffWho, sid: sid,
			accept: acceptHTML, rtype: typeHTML, h2: true, node: node}
		if method == "POST" {
			rq.ctype, rq.bodyLen, rq.rtype = typeForm, 40, ""
		}
		g.tx(rq)
		t += 4000 + int64(r.ExpFloat64()*40000)
	}
	do("GET", "/admin/orders", "/admin/orders", "status=open", 200, 60000)
	for range 1 + r.IntN(3) {
		id := strconv.Itoa(24000 + r.IntN(9000))
		do("GET", "/admin/orders/:id", "/admin/orders/"+id, "", 200, 30000)
		if r.IntN(8) == 0 {
			do("POST", "/admin/orders/:id/refund", "/admin/orders/"+id+"/refund", "", 303, 90000)
		}
	}
}
