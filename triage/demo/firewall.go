package demo

import (
	"math/rand/v2"
	"net/netip"
	"time"
)

// Firewall traffic, as Elastic's pfSense integration writes it (dataset
// pfsense.log, observer.vendor netgate): the edge firewall in front of the
// shop blocks the internet's background noise (scanners knocking on
// telnet, SSH, SMB, RDP...), logs the web traffic it passes, and blocks
// some outbound traffic from the office network. A second, smaller source,
// iptables on a back-office host, marks its denies only with
// event.action "drop" and no event.type "denied", which Elastic's "Spike in
// Firewall Denies" datafeed would miss.
//
// Noise sources are drawn from 198.18.0.0/15 (the benchmarking range):
// never an attacker's address.

// Our side of the firewall.
var (
	edgeIPs   = []netip.Addr{netip.MustParseAddr("192.0.2.80"), netip.MustParseAddr("192.0.2.81"), netip.MustParseAddr("192.0.2.82")}
	webIP     = edgeIPs[0] // where shop-web's load balancer listens
	backIP    = netip.MustParseAddr("192.0.2.90")
	homeGeo   = "Germany"
	homeASOrg = "Example Hosting GmbH"
)

// Denies per 15-minute bucket follow the internet's rhythm: more in the
// (UTC) afternoon, fewer at night, a little more on weekdays.
var (
	fwDaily = [24]float64{
		0.8, 0.75, 0.7, 0.7, 0.7, 0.75, 0.8, 0.9, 1.0, 1.05, 1.1, 1.15,
		1.2, 1.3, 1.4, 1.4, 1.35, 1.25, 1.15, 1.05, 1.0, 0.95, 0.9, 0.85,
	}
	fwWeekly = [7]float64{0.85, 1.1, 1.05, 1.05, 1.0, 1.0, 0.9}

	// The office's outbound policy blocks streaming, DNS-over-HTTPS and
	// the like while people work (UTC; Sunday first): on a weekday
	// afternoon that is far more denies than the internet's noise, and at
	// night nearly none.
	officeHours = [24]float64{
		0, 0, 0, 0, 0, 0, 0.05, 0.3, 0.8, 1, 1, 1,
		0.8, 1, 1, 1, 0.9, 0.6, 0.3, 0.1, 0.02, 0, 0, 0,
	}
	officeDays = [7]float64{0.05, 1, 1, 1, 1, 0.9, 0.05}
)

const (
	denyPerBucket     = 5.5   // inbound denies at daily × weekly = 1
	outboundPerBucket = 0.45  // outbound denies from the office
	passPerBucket     = 1.5   // logged passes to the web front end
	burstChance       = 0.015 // a noise source sweeping a few dozen ports
	iptablesPerHour   = 0.12
	officePerBucket   = 50 // office outbound denies at a full working hour
)

var noiseCountries = []string{
	"China", "United States", "Russia", "Netherlands", "Brazil", "India", "Vietnam",
	"Germany", "Romania", "Iran", "South Korea", "Bulgaria", "Hong Kong", "Singapore",
}

// Ports the background noise knocks on, most common first.
var noisePorts = []struct {
	port      int
	transport string
}{
	{23, "tcp"}, {22, "tcp"}, {445, "tcp"}, {3389, "tcp"}, {8080, "tcp"}, {1433, "tcp"},
	{3306, "tcp"}, {5900, "tcp"}, {6379, "tcp"}, {2323, "tcp"}, {8443, "tcp"}, {5060, "udp"},
	{123, "udp"}, {161, "udp"}, {1900, "udp"}, {53, "udp"}, {37215, "tcp"}, {9200, "tcp"},
	{27017, "tcp"}, {7547, "tcp"}, {81, "tcp"}, {8888, "tcp"}, {5555, "tcp"}, {2375, "tcp"},
	{11211, "udp"}, {502, "tcp"},
}

var outboundDests = []struct {
	port      int
	transport string
	country   string
	org       string
}{
	{53, "udp", "United States", "Example Public DNS LLC"},
	{853, "tcp", "United States", "Example Public DNS LLC"},
	{123, "udp", "Netherlands", "Example Time Services B.V."},
	{25, "tcp", "Ireland", "Example Mail Cloud Ltd"},
	{6881, "udp", "Sweden", "Example Broadband AB"},
	{3478, "udp", "United States", "Example Video Conferencing Inc."},
}

// conn is one firewall log event.
type conn struct {
	t          int64
	iptables   bool   // the back-office host's iptables rather than the edge pfSense
	action     string // "block", "pass" (pfSense) or "drop" (iptables)
	src, dst   netip.Addr
	sport      int
	dport      int
	transport  string
	srcCountry string
	dstCountry string
	dstOrg     string
	inbound    bool
	ruleID     string
}

// fwConn builds c as an ECS firewall document and queues it.
func (g *generator) fwConn(c *conn) {
	w := &g.w
	w.b = w.b[:0]
	w.begin()
	w.time("@timestamp", c.t)
	dataset := "pfsense.log"
	if c.iptables {
		dataset = "iptables.log"
	}
	w.open("data_stream")
	w.str("dataset", dataset)
	w.str("namespace", "default")
	w.str("type", "logs")
	w.end()
	w.open("destination")
	if c.dstOrg != "" {
		w.open("as")
		w.open("organization")
		w.str("name", c.dstOrg)
		w.end()
		w.end()
	}
	if c.dstCountry != "" {
		w.open("geo")
		w.str("country_name", c.dstCountry)
		w.end()
	}
	w.ip("ip", c.dst)
	w.int("port", int64(c.dport))
	w.end()
	w.open("ecs")
	w.str("version", "8.11.0")
	w.end()
	w.open("event")
	w.str("action", c.action)
	w.strs("category", "network")
	w.str("dataset", dataset)
	w.hex("id", g.id())
	w.time("ingested", c.t+1200+c.t%2300)
	w.str("kind", "event")
	switch {
	case c.iptables:
		// This source states neither the outcome nor a "denied" type:
		// only its action says the packet was dropped.
		w.strs("type", "connection")
	case c.action == "pass":
		w.str("outcome", "success")
		w.strs("type", "connection", "allowed")
	default:
		w.str("outcome", "failure")
		w.strs("type", "connection", "denied")
	}
	w.end()
	w.open("network")
	if c.inbound {
		w.str("direction", "inbound")
	} else {
		w.str("direction", "outbound")
	}
	if c.transport == "udp" {
		w.str("iana_number", "17")
	} else {
		w.str("iana_number", "6")
	}
	w.str("transport", c.transport)
	if c.src.Is4() {
		w.str("type", "ipv4")
	} else {
		w.str("type", "ipv6")
	}
	w.end()
	w.open("observer")
	if c.iptables {
		w.str("name", "backoffice-1")
		w.str("product", "iptables")
		w.str("type", "firewall")
		w.str("vendor", "netfilter")
	} else {
		w.open("ingress")
		w.open("interface")
		if c.inbound {
			w.str("name", "igb0")
		} else {
			w.str("name", "igb1.20")
		}
		w.end()
		w.end()
		w.str("name", "fw-edge-1.example.com")
		w.str("product", "pfSense")
		w.str("type", "firewall")
		w.str("vendor", "netgate")
	}
	w.end()
	if c.ruleID != "" {
		w.open("rule")
		w.str("id", c.ruleID)
		w.end()
	}
	w.open("source")
	if c.srcCountry != "" {
		w.open("geo")
		w.str("country_name", c.srcCountry)
		w.end()
	}
	w.ip("ip", c.src)
	w.int("port", int64(c.sport))
	w.end()
	w.end()
	g.add(c.t)
}

// noiseIP draws an internet background-noise source from 198.18.0.0/15.
func noiseIP(r *rand.Rand) netip.Addr {
	v := r.Uint32N(1 << 17)
	return netip.AddrFrom4([4]byte{198, 18 + byte(v>>16), byte(v >> 8), byte(1 + v%254)})
}

func ephemeralPort(r *rand.Rand) int { return 32768 + r.IntN(28232) }

// saleSurge multiplies the logged passes on sale day: a surge of allowed
// traffic that the deny model must not count.
func saleSurge(hs int64) float64 {
	if hs >= saleDay && hs < saleDay+dayMS {
		return 4 * saleMultiplier
	}
	return 1
}

// denyIn is an inbound packet the edge firewall's default rule blocks.
func denyIn(t int64, src netip.Addr, country string, dst netip.Addr, port int, transport string, sport int) *conn {
	return &conn{t: t, action: "block", src: src, dst: dst, sport: sport, dport: port, transport: transport,
		srcCountry: country, dstCountry: homeGeo, dstOrg: homeASOrg, inbound: true, ruleID: "1000000103"}
}

// firewallHour generates the firewall's background in [hs, hs+1h).
func (g *generator) firewallHour(hs int64) {
	r := g.fw
	t0 := time.UnixMilli(hs).UTC()
	season := fwDaily[t0.Hour()] * fwWeekly[t0.Weekday()]
	web := diurnal[t0.Hour()] * weekly[t0.Weekday()]
	const bucket = 15 * minuteMS
	for bs := hs; bs < hs+hourMS; bs += bucket {
		for range poisson(r, denyPerBucket*season) {
			np := noisePorts[min(int(r.ExpFloat64()*7), len(noisePorts)-1)]
			g.fwConn(denyIn(bs+r.Int64N(bucket), noiseIP(r), noiseCountries[r.IntN(len(noiseCountries))],
				edgeIPs[r.IntN(len(edgeIPs))], np.port, np.transport, ephemeralPort(r)))
		}
		if r.Float64() < burstChance { // one source sweeping ports for a minute or two
			src, country, dst := noiseIP(r), noiseCountries[r.IntN(len(noiseCountries))], edgeIPs[r.IntN(len(edgeIPs))]
			t := bs + r.Int64N(bucket-3*minuteMS)
			sport := ephemeralPort(r)
			for range 6 + r.IntN(20) {
				np := noisePorts[r.IntN(len(noisePorts))]
				g.fwConn(denyIn(t, src, country, dst, np.port, np.transport, sport))
				t += 200 + r.Int64N(6000)
			}
		}
		for range poisson(r, outboundPerBucket) {
			d := outboundDests[r.IntN(len(outboundDests))]
			dst := noiseIP(r)
			g.fwConn(&conn{t: bs + r.Int64N(bucket), action: "block",
				src: netip.AddrFrom4([4]byte{10, 20, 0, byte(10 + r.IntN(40))}), dst: dst,
				sport: ephemeralPort(r), dport: d.port, transport: d.transport,
				dstCountry: d.country, dstOrg: d.org, ruleID: "1000000214"})
		}
		for range poisson(r, officePerBucket*officeHours[t0.Hour()]*officeDays[t0.Weekday()]) {
			d := outboundDests[r.IntN(len(outboundDests))]
			g.fwConn(&conn{t: bs + r.Int64N(bucket), action: "block",
				src: netip.AddrFrom4([4]byte{10, 20, 0, byte(10 + r.IntN(40))}), dst: noiseIP(r),
				sport: ephemeralPort(r), dport: d.port, transport: d.transport,
				dstCountry: d.country, dstOrg: d.org, ruleID: "1000000214"})
		}
		for range poisson(r, passPerBucket*web*saleSurge(hs)) {
			g.fwConn(&conn{t: bs + r.Int64N(bucket), action: "pass", src: shopperIP4(r), dst: webIP,
				sport: ephemeralPort(r), dport: 443, transport: "tcp", srcCountry: homeGeo,
				dstCountry: homeGeo, dstOrg: homeASOrg, inbound: true, ruleID: "1000000207"})
		}
	}
	for range poisson(r, iptablesPerHour) {
		np := noisePorts[r.IntN(6)]
		g.fwConn(&conn{t: hs + r.Int64N(hourMS), iptables: true, action: "drop", src: noiseIP(r), dst: backIP,
			sport: ephemeralPort(r), dport: np.port, transport: np.transport, inbound: true})
	}
}
