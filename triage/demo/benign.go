package demo

import (
	"math/rand/v2"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// More ordinary traffic, each kind from its own random stream and id
// sequence (like the scenarios), so adding one leaves the rest of the data
// as it was. Several are traps (see BenignTraps); the others give the
// learned detectors something to learn: newsletter sign-ups make
// POST /newsletter a POST-only route, long visits show that visitors'
// browsers fetch static assets, and a regular customer has a history to
// compare a hijacked day with.

// benignPart is one kind of extra traffic.
type benignPart struct {
	name string
	hour func(g *generator, r *rand.Rand, hs int64) // generates what starts in [hs, hs+1h)
}

var benignParts = []benignPart{
	{"ad-clicks", adClicksHour},
	{"mobile-roamers", roamersHour},
	{"office-nat", officeNATHour},
	{"review-photos", reviewPhotosHour},
	{"long-visits", longVisitsHour},
	{"regular-customer", regularHour},
	{"newsletter", newsletterHour},
}

// benignStream is a part's random stream and id sequence.
type benignStream struct {
	r   *rand.Rand
	ids idSource
}

// benignHour generates the extra ordinary traffic starting in [hs, hs+1h).
func (g *generator) benignHour(hs int64) {
	if g.benign == nil {
		for _, p := range benignParts {
			g.benign = append(g.benign, &benignStream{r: g.streamFor("benign/" + p.name), ids: g.idSourceFor("benign/" + p.name)})
		}
	}
	for i, p := range benignParts {
		s := g.benign[i]
		g.ids = &s.ids
		p.hour(g, s.r, hs)
	}
}

// seasonal is the traffic multiplier of the hour starting at hs: time of
// day, day of the week, the sale.
func seasonal(hs int64) float64 {
	t0 := time.UnixMilli(hs).UTC()
	m := diurnal[t0.Hour()] * weekly[t0.Weekday()]
	if hs >= saleDay && hs < saleDay+dayMS {
		m *= saleMultiplier
	}
	return m
}

// newVisit starts a visit of p at t, drawing from r.
func (g *generator) newVisit(r *rand.Rand, p persona, t int64) *visit {
	return &visit{g: g, r: r, p: p, t: t, node: r.IntN(3)}
}

// clickID returns an ad network's click id: prefix, then n characters of
// base64url, then suffix.
func clickID(r *rand.Rand, prefix string, n int, suffix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 0, len(prefix)+n+len(suffix))
	b = append(b, prefix...)
	for range n {
		b = append(b, alphabet[r.IntN(len(alphabet))])
	}
	return string(append(b, suffix...))
}

var adCampaigns = []string{"winter_boots_2026", "singles_day", "kitchen_brand", "gift_ideas", "retargeting_cart"}

// adClicksHour: visitors from paid search and social ads land on a product
// page whose URL carries the ad network's click id (gclid, fbclid) and utm_*
// parameters: long, random, never the same twice.
func adClicksHour(g *generator, r *rand.Rand, hs int64) {
	for range poisson(r, 0.3*seasonal(hs)) {
		v := g.newVisit(r, anonymous(r), hs+r.Int64N(hourMS))
		id := firstProduct + r.IntN(lastProduct-firstProduct+1)
		camp := adCampaigns[r.IntN(len(adCampaigns))]
		if r.IntN(3) < 2 {
			v.product(id, "gclid="+clickID(r, "Cj0KCQiA", 78, "_BwE")+"&utm_source=google&utm_medium=cpc&utm_campaign="+camp, "https://www.google.com/")
		} else {
			v.product(id, "utm_source=facebook&utm_medium=paid_social&utm_campaign="+camp+"&utm_content=carousel_"+strconv.Itoa(1+r.IntN(5))+
				"&fbclid="+clickID(r, "IwAR", 58, ""), "https://m.facebook.com/")
		}
		for range r.IntN(5) {
			v.think(1)
			v.step()
		}
	}
}

// roamersHour: phones on mobile data whose carrier moves them to another
// address of the same /24 in the middle of a visit, session cookie and all.
// (Long visits and newsletter sign-ups are baselines rather than traps:
// a long visit tempts UT1 and UT2 only as much as any browsing does.)
func roamersHour(g *generator, r *rand.Rand, hs int64) {
	for range poisson(r, 0.25*seasonal(hs)) {
		p := persona{ip: netip.AddrFrom4([4]byte{100, 100, byte(r.IntN(256)), byte(1 + r.IntN(254))}),
			lang: languages[r.IntN(len(languages))], ua: mobileUAs[r.IntN(len(mobileUAs))]}
		p.ios = strings.Contains(p.ua, "iPhone") || strings.Contains(p.ua, "iPad")
		v := g.newVisit(r, p, hs+r.Int64N(hourMS))
		v.page("/", "/", "", 200, 25000, "https://www.google.com/")
		steps := 3 + r.IntN(6)
		moveAt := 1 + r.IntN(steps-1)
		for i := range steps {
			v.think(1)
			if i == moveAt {
				v.p.ip = sameNet24(r, v.p.ip)
			}
			if i == 1 && r.IntN(3) == 0 {
				v.login()
				continue
			}
			v.step()
		}
	}
}

// roamerNet is the mobile carrier's block the roamers' phones use (inside
// the shoppers' 100.64.0.0/10, where other shoppers may land too).
var roamerNet = netip.MustParsePrefix("100.100.0.0/16")

// sameNet24 returns another host of a's /24.
func sameNet24(r *rand.Rand, a netip.Addr) netip.Addr {
	b := a.As4()
	old := b[3]
	for b[3] == old {
		b[3] = byte(1 + r.IntN(254))
	}
	return netip.AddrFrom4(b)
}

// officeNATIP is the one public address of a company's office network:
// dozens of staff shop from it at lunch, each in their own browser.
var officeNATIP = netip.MustParseAddr("192.0.2.200")

// officeNATHour: on weekdays, office hours, staff of one company shop from
// behind one NAT address: many sessions, users and agents on one address,
// now and then a mistyped password.
func officeNATHour(g *generator, r *rand.Rand, hs int64) {
	t0 := time.UnixMilli(hs).UTC()
	if wd := t0.Weekday(); wd == time.Saturday || wd == time.Sunday || t0.Hour() < 7 || t0.Hour() >= 16 {
		return
	}
	lambda := 1.0
	if t0.Hour() == 11 || t0.Hour() == 12 { // lunch break
		lambda = 2.5
	}
	for range poisson(r, lambda) {
		p := anonymous(r)
		p.ip = officeNATIP
		p.lang = "de-DE,de;q=0.9,en;q=0.8"
		v := g.newVisit(r, p, hs+r.Int64N(hourMS))
		switch r.IntN(3) {
		case 0:
			v.page("/", "/", "", 200, 25000, "")
		case 1:
			v.search()
		default:
			v.product(firstProduct+r.IntN(lastProduct-firstProduct+1), "", "")
		}
		if r.IntN(3) == 0 {
			v.think(1)
			v.login()
		}
		for range 1 + r.IntN(7) {
			v.think(1)
			v.step()
		}
	}
}

// reviewPhotosHour: customers review a product and upload their photos of
// it, one multipart request per photo, each up to a few megabytes.
func reviewPhotosHour(g *generator, r *rand.Rand, hs int64) {
	for range poisson(r, 0.25*seasonal(hs)) {
		u := g.users[r.IntN(len(g.users))]
		v := g.newVisit(r, u, hs+r.Int64N(hourMS))
		v.user, v.sid = u.user, g.newSID()
		id := firstProduct + r.IntN(lastProduct-firstProduct+1)
		v.product(id, "", "")
		for range 1 + r.IntN(4) {
			v.think(0.8)
			rq := v.base("POST", "/products/:id/reviews", "/products/"+strconv.Itoa(id)+"/reviews", "")
			rq.accept, rq.origin, rq.referer = acceptHTML, shopURL, v.last
			rq.ctype = "multipart/form-data; boundary=----WebKitFormBoundary" + clickID(r, "", 16, "")
			rq.bodyLen = 600_000 + r.IntN(7_000_000)
			rq.status, rq.durUS = 303, durUS(r, 400000)
			g.tx(rq)
		}
	}
}

// longVisitsHour: now and then a shopper spends half an hour comparing
// products: forty or more pages over most of the shop's routes, with the
// static assets a browser fetches (what UT1 learns visitors do).
func longVisitsHour(g *generator, r *rand.Rand, hs int64) {
	for range poisson(r, 0.1*seasonal(hs)) {
		v := g.newVisit(r, anonymous(r), hs+r.Int64N(hourMS))
		v.page("/", "/", "", 200, 25000, "https://www.google.com/")
		for i := range 32 + r.IntN(12) {
			v.think(0.5)
			switch i {
			case 4:
				v.login()
			case 9:
				v.account()
			case 12:
				v.contact()
			default:
				v.step()
			}
		}
		if v.cart > 0 {
			v.think(1)
			v.checkout()
		}
	}
}

// The regular customer runs a café and orders its supplies every morning
// (and some afternoons browses again): a steady history for UT3 and UT4.
var (
	regularUser = "k.lindqvist"
	regular     = persona{ip: netip.MustParseAddr("100.71.38.12"), user: regularUser, lang: "de-AT,de;q=0.9,en;q=0.8",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0"}
)

func regularHour(g *generator, r *rand.Rand, hs int64) {
	t0 := time.UnixMilli(hs).UTC()
	switch t0.Hour() {
	case 6: // the morning order
		v := g.newVisit(r, regular, hs+30*minuteMS+r.Int64N(45*minuteMS))
		v.page("/", "/", "", 200, 25000, "")
		v.think(0.5)
		v.login()
		for range 2 + r.IntN(3) {
			v.think(0.5)
			if r.IntN(2) == 0 {
				v.search()
			} else {
				v.product(v.productID(), v.ref(), "")
			}
			v.think(0.3)
			v.addToCart()
		}
		v.think(0.5)
		v.checkout()
	case 15: // browsing in a quiet hour
		if r.IntN(10) < 3 {
			v := g.newVisit(r, regular, hs+r.Int64N(hourMS))
			v.user, v.sid, v.seen = regularUser, g.newSID(), true
			for range 2 + r.IntN(3) {
				v.step()
				v.think(1)
			}
		}
	}
}

// newsletterHour: visitors sign up for the newsletter in the footer form,
// which POSTs to /newsletter (the only method the route takes).
func newsletterHour(g *generator, r *rand.Rand, hs int64) {
	for range poisson(r, 0.6*seasonal(hs)) {
		v := g.newVisit(r, anonymous(r), hs+r.Int64N(hourMS))
		v.page("/", "/", "", 200, 25000, "")
		v.think(1)
		email := firstNames[r.IntN(len(firstNames))] + "." + lastNames[r.IntN(len(lastNames))] + "@" +
			[]string{"example.com", "example.net", "example.org"}[r.IntN(3)]
		v.post("/newsletter", "/newsletter", "email="+url.QueryEscape(email), 0, 303, 9000)
	}
}
