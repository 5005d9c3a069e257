package demo

import (
	"net/netip"
	"net/url"
	"strconv"
)

// The distributed credential-stuffing wave: one attack spread over
// hundreds of addresses, each too quiet to stand out alone. Only together
// (the same missing form field, the same minutes) do they read as one
// campaign, which is what triage.Fold is for.

// waveNet is the wave's range. 240.0.0.0/4 is reserved and never routed,
// so no address in it is anyone's real one. (The benchmarking range
// 198.18.0.0/15 would do as well, but the firewall's background noise
// already draws from it.)
var waveNet = netip.MustParsePrefix("240.0.0.0/8")

// waveSources is how many addresses the wave uses.
const waveSources = 240

// waveNetworks are the networks the proxy pool's exits sit in: consumer
// ISPs and a few hosting providers, each an AS (numbers from the
// documentation range of RFC 5398) in one country, owning a /12 of
// waveNet. weight is its share of the exits.
var waveNetworks = []struct {
	asn     int
	org     string
	country string
	weight  int
}{
	{64496, "Example Cable Communications LLC", "United States", 5},
	{64497, "Example Telecom Brasil S.A.", "Brazil", 4},
	{64498, "Example Mobile India Ltd", "India", 4},
	{64499, "Example Broadband Vietnam JSC", "Vietnam", 3},
	{64500, "Example Net Polska Sp. z o.o.", "Poland", 2},
	{64501, "Example Cloud Hosting B.V.", "Netherlands", 3},
	{64502, "Example Datacenter OOO", "Russia", 2},
	{64503, "Example Telekomunikasi Indonesia", "Indonesia", 2},
	{64504, "Example VPS Inc.", "United States", 2},
}

// waveUAs are the stuffing tool's HTTP clients: libraries, not browsers.
var waveUAs = []string{
	"python-requests/2.28.2",
	"python-requests/2.25.1",
	"Go-http-client/1.1",
	"axios/1.6.8",
	"curl/7.81.0",
}

// waveHitUsers index the customers (in generator.users) whose reused
// passwords the wave finds.
var waveHitUsers = [2]int{29, 112}

// stuffingWave: a stuffing tool works through a leaked combo list via a
// rotating proxy pool. Each exit gets a few seconds for two logins; some
// come back once more minutes later with a second password the list holds
// for an address. The tool posts the fields it knows without ever loading
// the form, so no body carries the csrf_token every real login has (AE11);
// and since it never holds a session cookie, the shop's CSRF check (which
// only guards requests with a session) lets the posts through to the
// password check: 401, but 302 for two customers who reused their password.
//
// AE11 words its finding with the number of clean logins learned so far,
// and a successful login is one. So that every exit's finding reads alike
// (the same text but for numbers, which is what lets the exits fold into
// one campaign), no exit's logins span a success: the two hits come late,
// each as its exit's first login, after every returning exit is done.
// A returning exit comes back after more than five minutes, so its three
// logins are never three within five minutes (RE6's gate).
func stuffingWave(a *attack) {
	weights := 0
	for _, n := range waveNetworks {
		weights += n.weight
	}
	type exit struct {
		ip  netip.Addr
		ua  string
		net int
	}
	used := map[netip.Addr]bool{}
	exits := make([]exit, 0, waveSources)
	for len(exits) < waveSources {
		k, w := 0, a.r.IntN(weights)
		for w >= waveNetworks[k].weight {
			w -= waveNetworks[k].weight
			k++
		}
		ip := netip.AddrFrom4([4]byte{240, byte(16*k + a.r.IntN(16)), byte(a.r.IntN(256)), byte(1 + a.r.IntN(254))})
		if used[ip] {
			continue
		}
		used[ip] = true
		exits = append(exits, exit{ip: ip, ua: waveUAs[a.r.IntN(len(waveUAs))], net: k})
	}

	// The combo list: addresses that mostly have no account here.
	customers := map[string]bool{}
	for _, u := range a.g.users {
		customers[u.user] = true
	}
	seen := map[string]bool{}
	leaked := func() string {
		for {
			f := comboFirst[a.r.IntN(len(comboFirst))]
			l := lastNames[a.r.IntN(len(lastNames))]
			d := comboDomains[a.r.IntN(len(comboDomains))]
			var n string
			switch a.r.IntN(3) {
			case 0:
				n = f + "." + l + "@" + d
			case 1:
				n = f + strconv.Itoa(70+a.r.IntN(40)) + "@" + d
			default:
				n = f[:1] + l + strconv.Itoa(a.r.IntN(100)) + "@" + d
			}
			if !seen[n] && !customers[n] {
				seen[n] = true
				return n
			}
		}
	}

	// Ten seconds an exit; the hits among the last thirty.
	const (
		slot       = 10_000
		comeBackLo = 6 * minuteMS
		comeBackHi = 9 * minuteMS
	)
	hits := map[int]string{}
	firstHit := waveSources
	for _, ui := range waveHitUsers {
		for {
			i := waveSources - 30 + a.r.IntN(28)
			if _, ok := hits[i]; !ok {
				hits[i] = a.g.users[ui].user
				firstHit = min(firstHit, i)
				break
			}
		}
	}
	for i, e := range exits {
		nw := waveNetworks[e.net]
		login := func(t int64, u string, status int) {
			rq := a.req(t, "POST", "/login", "/login", "", status)
			rq.ip, rq.ua = e.ip, e.ua
			rq.srcASN, rq.srcOrg, rq.srcCountry = nw.asn, nw.org, nw.country
			rq.ctype = typeForm
			rq.body = "username=" + url.QueryEscape(u) + "&password=[REDACTED]"
			rq.durUS = durUS(a.r, 120000)
			if status == 302 {
				rq.rtype, rq.user = "", u
			}
			a.send(rq)
		}
		t := a.start + int64(i)*slot + a.r.Int64N(2000)
		first, second := leaked(), leaked()
		if hit, ok := hits[i]; ok {
			login(t, hit, 302)
		} else {
			login(t, first, 401)
		}
		login(t+1500+a.r.Int64N(1500), second, 401)
		back := t + comeBackLo + a.r.Int64N(comeBackHi-comeBackLo)
		if _, ok := hits[i]; !ok && back < a.start+int64(firstHit)*slot && a.r.IntN(10) < 4 {
			login(back, first, 401) // the same address, its second password
		}
	}
}
