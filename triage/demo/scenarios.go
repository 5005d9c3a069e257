package demo

// Why this file is long: it is the table of planted scenarios (what each
// plants, when, from where, and how to recognise its evidence) and the
// first family of attacks; the table is meant to be read in one place.

import (
	"math/rand/v2"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"picket/triage"
)

// Scenario is one attack planted in the demo data.
//
// To plant another: write a documented func(*attack) that generates the
// attack with the helpers below (everything it sends must fall inside its
// window and come from its own address, or its own range for a
// distributed attack; it may also plant a victim's ordinary requests,
// from an ordinary address), add a row to Scenarios, and give the row an
// Evidence func so tests, and detector tests, can tell the planted events
// apart. Each scenario draws from its own random stream, so adding one
// leaves the rest of the data unchanged.
type Scenario struct {
	Name        string
	Description string
	// Detectors are the ids of the detectors that should catch it.
	Detectors []string
	// Also lists detectors that may rightly fire on some of its events
	// too (sqlmap's first request also carries an XSS probe, a refused
	// POST is also a refused write...). Findings about the scenario from
	// any detector outside Detectors and Also are suspect.
	Also []string
	// Start and End bound its events: every event from its addresses
	// (see From) is timestamped in [Start, End).
	Start, End time.Time
	// SourceIP is the attacker's address; no other traffic uses it. It
	// is the zero Addr for a distributed attack, which has Sources.
	SourceIP netip.Addr
	// Sources is the range a distributed attack's many addresses come
	// from (the zero Prefix for a single-address attack); no other
	// traffic uses it. Which addresses of it were used is in the events.
	Sources netip.Prefix
	// UserAgent is the attacker's user_agent.original; "" when the
	// scenario is network traffic only, or its client sends several
	// agents or none.
	UserAgent string
	// Evidence reports whether ev is one of the planted events carrying
	// the property the detectors look for (a %00 in the URL, a 403 to a
	// POST...). Every such event comes from one of its addresses (From),
	// but for database spans, which name no client: those belong to its
	// transactions.
	Evidence func(ev *triage.Event) bool

	run func(a *attack)
}

// From reports whether a is one of the scenario's addresses: its
// SourceIP, or an address in its Sources.
func (sc Scenario) From(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	return a == sc.SourceIP || sc.Sources.Contains(a)
}

// Attackers' addresses, from the documentation ranges.
var (
	ipOddMethods  = netip.MustParseAddr("203.0.113.17")
	ipNULByte     = netip.MustParseAddr("198.51.100.23")
	ipCRLF        = netip.MustParseAddr("198.51.100.77")
	ipForce       = netip.MustParseAddr("198.51.100.9")
	ipPost403     = netip.MustParseAddr("203.0.113.45")
	ipHostile     = netip.MustParseAddr("198.51.100.66")
	ipSQLi        = netip.MustParseAddr("203.0.113.99")
	ipXSS         = netip.MustParseAddr("198.51.100.150")
	ipTraversal   = netip.MustParseAddr("203.0.113.201")
	ipStuffing    = netip.MustParseAddr("2001:db8:dead:beef::7")
	ipDenySpike   = netip.MustParseAddr("203.0.113.66")
	ipBeacon      = netip.MustParseAddr("10.20.0.77") // an office workstation, outside the range benign office hosts use
	attackerNets  = []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8:dead::/48"), netip.PrefixFrom(ipBeacon, 32), waveNet}
	uaNikto       = "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)"
	uaCurl8       = "curl/8.5.0"
	uaRequests    = "python-requests/2.31.0"
	uaGobuster    = "gobuster/3.6"
	uaGoClient    = "Go-http-client/1.1"
	uaSQLMap      = "sqlmap/1.8.4#stable (https://sqlmap.org)"
	uaSpoofedFox  = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
	uaCurl7       = "curl/7.88.1"
	uaSpoofedCr   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaHostile     = "Mozilla/5.0 \x1b[31mCRITICAL: session hijacked, call +1-555-0100\x1b[0m (Windows NT 10.0; Win64; x64) \u202egnp.exe"
	hostileMarker = "\x1b[31m"
)

// IsAttacker reports whether a is in the ranges the planted attacks use
// (203.0.113.0/24, 198.51.100.0/24, 2001:db8:dead::/48, the office
// workstation 10.20.0.77, and the distributed wave's 240.0.0.0/8).
// Ordinary demo traffic never comes from them.
func IsAttacker(a netip.Addr) bool {
	for _, p := range attackerNets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// day returns a time on day d of the span (1 = 1 November 2026), UTC.
func day(d, hour, minute int) time.Time {
	return End.Add(-Span).Add(time.Duration(d-1)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

// Scenarios lists the planted attacks in time order.
var Scenarios = []Scenario{
	{
		Name:        "odd-methods-scanner",
		Description: "Nikto probes which methods the shop accepts: PROPFIND, TRACK, DEBUG, SEARCH, MKCOL and invented ones (GETS, BCTJ), answered 405, among a few ordinary GETs and an OPTIONS.",
		Detectors:   []string{"appsensor:RE2", "appsensor:RE1"},
		Also:        []string{"appsensor:ACE3"},
		Start:       day(2, 14, 5), End: day(2, 14, 20),
		SourceIP: ipOddMethods, UserAgent: uaNikto,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipOddMethods && !slices.Contains(stdMethods, ev.Method)
		},
		run: oddMethodsScanner,
	},
	{
		Name:        "nul-byte-probe",
		Description: "curl requests file names with an encoded NUL (%00) in a query parameter or the path, hoping the file API truncates at it: /download?file=report.pdf%00.jpg.",
		Detectors:   []string{"appsensor:CIE3"},
		Also:        []string{"appsensor:ACE3", "appsensor:RE8"},
		Start:       day(3, 9, 40), End: day(3, 9, 50),
		SourceIP: ipNULByte, UserAgent: uaCurl8,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipNULByte && strings.Contains(ev.URLOriginal, "%00")
		},
		run: nulByteProbe,
	},
	{
		Name:        "encoding-evasion",
		Description: "Wfuzz replays script and traversal payloads in encodings meant to slip past a filter that decodes once: IIS-style %u003C escapes, overlong UTF-8 (%c0%af for a slash, %c0%bc for <) and UTF-7 (+ADw-script+AD4-). Most are answered 400.",
		Detectors:   []string{"appsensor:EE2"},
		Also:        []string{"appsensor:IE1", "appsensor:IE3", "appsensor:CIE1", "appsensor:ACE3", "appsensor:RE5", "appsensor:RE7", "appsensor:EE1"},
		Start:       day(3, 15, 0), End: day(3, 15, 15),
		SourceIP: ipEncoding, UserAgent: uaWfuzz,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipEncoding && oddlyEncoded(ev.URLOriginal)
		},
		run: encodingEvasion,
	},
	{
		Name:        "oversized-upload",
		Description: "A logged-in script finds the avatar upload's limit: after one ordinary 480 KB picture it sends 12, 25, 50, 100 and 512 MB files and finally announces a 2 GB Content-Length, then tries the contact form with 50 MB; the shop answers 413 each time.",
		Detectors:   []string{"appsensor:FIO1"},
		Start:       day(4, 10, 20), End: day(4, 10, 40),
		SourceIP: ipBigUpload, UserAgent: uaHTTPX,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipBigUpload && ev.StatusCode == 413
		},
		run: oversizedUpload,
	},
	{
		Name:        "crlf-injection",
		Description: "python-requests sends encoded CR LF (%0d%0a) in the redirect target, a search and the path, trying to split the response and inject headers: /redirect?url=%0d%0aSet-Cookie:x.",
		Detectors:   []string{"appsensor:CIE4"},
		Also:        []string{"appsensor:IE1", "appsensor:ACE3", "appsensor:RE8"},
		Start:       day(4, 21, 15), End: day(4, 21, 25),
		SourceIP: ipCRLF, UserAgent: uaRequests,
		Evidence: func(ev *triage.Event) bool {
			u := strings.ToLower(ev.URLOriginal)
			return ev.SourceIP == ipCRLF && (strings.Contains(u, "%0d") || strings.Contains(u, "%0a"))
		},
		run: crlfInjection,
	},
	{
		Name:        "force-browsing",
		Description: "gobuster walks a wordlist of admin pages, leaked files and other stacks' paths (/admin, /.git/config, /.env, /wp-login.php...): about a hundred requests in three minutes, nearly all 404, /admin 403.",
		Detectors:   []string{"appsensor:ACE3"},
		Also:        []string{"appsensor:HT2", "appsensor:IE3"},
		Start:       day(5, 3, 30), End: day(5, 3, 38),
		SourceIP: ipForce, UserAgent: uaGobuster,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipForce && (ev.StatusCode == 404 || ev.StatusCode == 403)
		},
		run: forceBrowsing,
	},
	{
		Name:        "stolen-session-replay",
		Description: "A customer logs in at home in Safari; an infostealer on her Mac ships her cookies and browser string to someone who, twenty minutes later, replays the session from a server in another network: same session, same user agent, her account, her invoices, and a new e-mail address for it.",
		Detectors:   []string{"appsensor:SE5"},
		Start:       day(5, 19, 40), End: day(5, 20, 40),
		SourceIP: ipHijack, UserAgent: uaVictim,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipHijack
		},
		run: stolenSessionReplay,
	},
	{
		Name:        "session-tool-switch",
		Description: "An operator logs in to their own account in Chrome, then copies the session cookie into a Python script that pulls ninety product records from the API over twenty minutes: one session, from one address, suddenly speaking python-requests.",
		Detectors:   []string{"appsensor:SE6"},
		Also:        []string{"appsensor:STE3"},
		Start:       day(6, 9, 10), End: day(6, 9, 55),
		SourceIP: ipToolSwitch, UserAgent: "",
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipToolSwitch && ev.UserAgent == uaScript
		},
		run: sessionToolSwitch,
	},
	{
		Name:        "post-403-burst",
		Description: "A Go client POSTs to admin and refund endpoints it may not use, about sixty times in ten minutes, every one answered 403; its look around the API first leaves out the category parameter the app always sends.",
		Detectors:   []string{"elastic:a87a4e42-1d82-44bd-b0bf-d9b7f91fb89e", "appsensor:ACE2", "appsensor:ACE4"},
		Also:        []string{"appsensor:ACE3", "appsensor:RE6"},
		Start:       day(6, 16, 0), End: day(6, 16, 10),
		SourceIP: ipPost403, UserAgent: uaGoClient,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipPost403 && ev.Method == "POST" && ev.StatusCode == 403
		},
		run: post403Burst,
	},
	{
		Name:        "robots-honeypaths",
		Description: "Wget fetches robots.txt and then exactly the paths it asks robots to avoid: /internal/, /old-admin/ and /backup/customers.sql.gz, decoys nothing links to.",
		Detectors:   []string{"appsensor:HT2"},
		Also:        []string{"appsensor:ACE3"},
		Start:       day(6, 20, 30), End: day(6, 20, 45),
		SourceIP: ipHoneyPaths, UserAgent: uaWget,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipHoneyPaths && isHoneyPath(ev.URLPath)
		},
		run: robotsHoneyPaths,
	},
	{
		Name:        "terminal-escape-ua",
		Description: "Three requests whose user agent carries an ANSI colour sequence (ESC [31m) and a right-to-left override (U+202E): harmless to the shop, aimed at whoever reads the logs in a terminal. The console must show them escaped.",
		Detectors:   []string{"appsensor:RE8"},
		Start:       day(7, 11, 0), End: day(7, 11, 5),
		SourceIP: ipHostile, UserAgent: uaHostile,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipHostile && strings.Contains(ev.UserAgent, hostileMarker) && strings.ContainsRune(ev.UserAgent, '\u202e')
		},
		run: terminalEscapeUA,
	},
	{
		Name:        "upload-flood",
		Description: "A bot with a throwaway account posts 72 review photos in twelve minutes, one product after another: the shop's review images as free hosting for spam.",
		Detectors:   []string{"appsensor:FIO2"},
		Also:        []string{"appsensor:STE3"},
		Start:       day(7, 14, 0), End: day(7, 14, 12),
		SourceIP: ipUploadFlood, UserAgent: uaOkHTTP,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipUploadFlood && ev.Method == "POST" && strings.HasPrefix(ev.Headers.ContentType, "multipart/form-data")
		},
		run: uploadFlood,
	},
	{
		Name:        "sqlmap-injection",
		Description: "sqlmap tests the search and category parameters for SQL injection: quotes, boolean, UNION, error-based and time-based (SLEEP, PG_SLEEP: those requests take five seconds) payloads; some answered 500.",
		Detectors:   []string{"appsensor:CIE1", "appsensor:RE7", "appsensor:STE3"},
		Also:        []string{"appsensor:IE1", "appsensor:IE3", "appsensor:UT2"},
		Start:       day(7, 22, 10), End: day(7, 22, 40),
		SourceIP: ipSQLi, UserAgent: uaSQLMap,
		Evidence: func(ev *triage.Event) bool {
			q := strings.ToUpper(ev.URLQuery)
			return ev.SourceIP == ipSQLi && (strings.Contains(q, "%27") || strings.Contains(q, "%22") ||
				strings.Contains(q, "SELECT") || strings.Contains(q, "%20AND%20"))
		},
		run: sqlmapInjection,
	},
	{
		Name:        "catalogue-scraper",
		Description: "Scrapy, cookies off, reads robots.txt and the sitemap and then fetches all 480 product pages and their JSON in about four minutes: some 240 requests a minute.",
		Detectors:   []string{"appsensor:UT2"},
		Also:        []string{"appsensor:STE3"},
		Start:       day(8, 3, 0), End: day(8, 3, 10),
		SourceIP: ipScrapy, UserAgent: uaScrapy,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipScrapy && (strings.HasPrefix(ev.URLPath, "/products/") || strings.HasPrefix(ev.URLPath, "/api/products/"))
		},
		run: catalogueScraper,
	},
	{
		Name:        "xss-probes",
		Description: "A spoofed (old) Firefox tries script payloads in the search, the product referral, the login redirect and the click tracker: <script>, <svg onload>, <img onerror>, javascript: URLs.",
		Detectors:   []string{"appsensor:IE1"},
		Start:       day(8, 13, 20), End: day(8, 13, 35),
		SourceIP: ipXSS, UserAgent: uaSpoofedFox,
		Evidence: func(ev *triage.Event) bool {
			q := strings.ToLower(ev.URLQuery)
			return ev.SourceIP == ipXSS && (strings.Contains(q, "%3c") || strings.Contains(q, "javascript"))
		},
		run: xssProbes,
	},
	{
		Name:        "order-id-walking",
		Description: "A customer replays the app's order request through an intercepting proxy and counts the order id down from their own: 63 other orders in six minutes, refused with 403 (or 404 where deleted).",
		Detectors:   []string{"appsensor:ACE1"},
		Also:        []string{"appsensor:ACE3"},
		Start:       day(8, 17, 0), End: day(8, 17, 6),
		SourceIP: ipIDWalk, UserAgent: uaAppTamper,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipIDWalk && (ev.StatusCode == 403 || ev.StatusCode == 404)
		},
		run: orderIDWalking,
	},
	{
		Name:        "path-traversal",
		Description: "curl (with --path-as-is) asks the invoice download and the static file server for ../../etc/passwd, win.ini and /proc/self/environ, plain, encoded and double-encoded.",
		Detectors:   []string{"appsensor:IE3", "appsensor:EE1"},
		Also:        []string{"appsensor:ACE3"},
		Start:       day(9, 7, 45), End: day(9, 7, 55),
		SourceIP: ipTraversal, UserAgent: uaCurl7,
		Evidence: func(ev *triage.Event) bool {
			u := strings.ToLower(ev.URLOriginal)
			return ev.SourceIP == ipTraversal && (strings.Contains(u, "..") || strings.Contains(u, "%2e%2e") ||
				strings.Contains(u, "etc%2fpasswd") || strings.Contains(u, "/etc/passwd"))
		},
		run: pathTraversal,
	},
	{
		Name:        "login-form-fuzzer",
		Description: "Burp Intruder mutates the login form: a 300-character username, control characters (NUL, ESC, CR LF, tab) in it, the password or the username field left out, role=admin and is_admin=true added, the anti-forgery token dropped.",
		Detectors:   []string{"appsensor:AE4", "appsensor:AE6", "appsensor:AE8", "appsensor:AE9", "appsensor:AE10", "appsensor:AE11"},
		Also:        []string{"appsensor:AE1", "appsensor:AE2", "appsensor:AE3", "appsensor:AE12", "appsensor:RE5", "appsensor:RE6", "appsensor:RE7", "appsensor:RE8", "appsensor:CIE1"},
		Start:       day(9, 15, 40), End: day(9, 16, 20),
		SourceIP: ipLoginFuzz, UserAgent: uaBurpFox,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipLoginFuzz && ev.Method == "POST" && ev.URLPath == "/login"
		},
		run: loginFormFuzzer,
	},
	{
		Name:        "cart-tampering",
		Description: "A bargain hunter edits the cart form in Burp: flips the hidden decoy admin=false to true, adds price=0.01 and discount=100, sends qty and product_id twice, and tries repeated and invented parameters on the search.",
		Detectors:   []string{"appsensor:RE5", "appsensor:HT1"},
		Also:        []string{"appsensor:RE7"},
		Start:       day(9, 20, 0), End: day(9, 20, 12),
		SourceIP: ipCartTamper, UserAgent: uaSpoofedCr,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipCartTamper && ((ev.Method == "POST" && ev.URLPath == "/cart" && tamperedCart(ev.Body)) ||
				(ev.URLPath == "/search" && (strings.Count(ev.URLQuery, "q=") > 1 || strings.Contains(ev.URLQuery, "debug="))))
		},
		run: cartTampering,
	},
	{
		Name:        "credential-stuffing",
		Description: "From one IPv6 address and one session, a tool posing as Chrome tries some 400 logins in half an hour: hundreds of usernames from a leaked list, admin/test accounts repeatedly, all 401 except two real customers' accounts, which it then opens.",
		Detectors:   []string{"appsensor:AE1", "appsensor:AE2", "appsensor:AE3", "appsensor:AE12", "appsensor:STE2"},
		Start:       day(10, 2, 0), End: day(10, 2, 30),
		SourceIP: ipStuffing, UserAgent: uaSpoofedCr,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipStuffing && ev.Method == "POST" && ev.URLPath == "/login"
		},
		run: credentialStuffing,
	},
	{
		Name:        "night-beacon",
		Description: "At 4 a.m. an office workstation infected overnight calls its controller on TCP 4444 again and again; the egress policy blocks every attempt. About 45 denies per quarter hour: fewer than a busy office afternoon brings, but five times what the night normally does, so only a model that knows the time of day sees it.",
		Detectors:   []string{"elastic:eaa77d63-9679-4ce3-be25-3ba8b795e5fa"},
		Start:       day(10, 4, 0), End: day(10, 5, 0),
		SourceIP: ipBeacon,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipBeacon && triage.Has(ev.Type, "denied")
		},
		run: nightBeacon,
	},
	{
		Name:        "comment-spam-bot",
		Description: "A forum spam bot posts its comment form (a pharmacy link in BBCode) to every page it finds: the home page, the search and ten product pages, which only ever take GET; the router answers 405.",
		Detectors:   []string{"appsensor:RE4"},
		Also:        []string{"appsensor:RE1", "appsensor:RE5"},
		Start:       day(10, 12, 0), End: day(10, 12, 12),
		SourceIP: ipSpamBot, UserAgent: uaOldChrome,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipSpamBot && ev.Method == "POST"
		},
		run: commentSpamBot,
	},
	{
		Name:        "headerless-checker",
		Description: "A home-made stock checker (printf piped into nc) polls four product pages every minute with bare HTTP/1.0 requests: an Accept header, but no Host and no User-Agent.",
		Detectors:   []string{"appsensor:RE6"},
		Also:        []string{"appsensor:STE3"},
		Start:       day(10, 16, 0), End: day(10, 16, 40),
		SourceIP: ipHeaderless, UserAgent: "",
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipHeaderless && ev.Headers.Present&triage.HeaderHost == 0
		},
		run: headerlessChecker,
	},
	{
		Name:        "honeytoken-login",
		Description: "Someone who found the decoy account ops.backup in a leaked-looking configuration file tries to log in with it four times in twenty minutes.",
		Detectors:   []string{"appsensor:HT3"},
		Start:       day(10, 23, 0), End: day(10, 23, 20),
		SourceIP: ipHoneyUser, UserAgent: uaScript,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipHoneyUser && ev.Method == "POST" && ev.URLPath == "/login"
		},
		run: honeytokenLogin,
	},
	{
		Name:        "tor-visitor",
		Description: "A visitor comes through a Tor exit node on the operators' list, browses a few products and tries two usernames' passwords.",
		Detectors:   []string{"appsensor:RP1"},
		Also:        []string{"appsensor:AE1"},
		Start:       day(11, 18, 0), End: day(11, 18, 30),
		SourceIP: ipTor, UserAgent: uaTorBrowser,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipTor
		},
		run: torVisitor,
	},
	{
		Name:        "firewall-deny-spike",
		Description: "One host sweeps about a thousand TCP and UDP ports across the shop's three public addresses for 42 minutes at night, every packet blocked: some 25 denies a minute against a baseline of a few per quarter hour.",
		Detectors:   []string{"elastic:eaa77d63-9679-4ce3-be25-3ba8b795e5fa"},
		Start:       day(12, 2, 10), End: day(12, 2, 52),
		SourceIP: ipDenySpike,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipDenySpike && triage.Has(ev.Type, "denied")
		},
		run: firewallDenySpike,
	},
	{
		Name:        "card-testing",
		Description: "The café owner who orders every morning reused her password elsewhere; a carder logs in to her account and tests stolen cards at the checkout in a dozen bursts over the day: some 13 visits against her usual one or two, a hundred checkouts (402, card declined) against her one a day.",
		Detectors:   []string{"appsensor:UT3", "appsensor:UT4"},
		Start:       day(12, 9, 0), End: day(12, 21, 0),
		SourceIP: ipCarding, UserAgent: uaCarder,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipCarding && ev.UserName == regularUser
		},
		run: cardTesting,
	},
	{
		Name:        "subscription-bombing",
		Description: "A list-bombing bot submits victims' addresses to every newsletter form it finds, always with GET; the shop's form only takes POST, so each of its 14 requests is answered 405.",
		Detectors:   []string{"appsensor:RE3"},
		Also:        []string{"appsensor:RE1", "appsensor:RE5"},
		Start:       day(12, 11, 0), End: day(12, 11, 12),
		SourceIP: ipSubBomb, UserAgent: uaOldIE,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipSubBomb && ev.Method == "GET" && ev.URLPath == "/newsletter"
		},
		run: subscriptionBombing,
	},
	{
		Name:        "prefetch-proxy-logouts",
		Description: "A company's web-accelerator proxy prefetches every link on the pages its staff open, with their cookies, the Log out link included: an intranet newsletter sends 48 staff to the shop within the hour and each is logged out behind their back.",
		Detectors:   []string{"appsensor:STE1"},
		Also:        []string{"appsensor:STE3"},
		Start:       day(13, 10, 0), End: day(13, 11, 0),
		SourceIP: ipPrefetch, UserAgent: "",
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipPrefetch && ev.URLPath == "/logout"
		},
		run: prefetchProxy,
	},
	{
		Name:        "price-scraper",
		Description: "A competitor's price bot passing itself off as Chrome walks listings, product pages, the API, the cart, the checkout and the login page for prices and shipping costs: seventy pages over eleven routes in half an hour, and never a stylesheet, script or image.",
		Detectors:   []string{"appsensor:UT1"},
		Start:       day(13, 14, 0), End: day(13, 14, 50),
		SourceIP: ipPriceBot, UserAgent: uaSpoofedCr,
		Evidence: func(ev *triage.Event) bool {
			return ev.SourceIP == ipPriceBot
		},
		run: priceScraper,
	},
	{
		Name:        "order-export-dump",
		Description: "A customer finds that the order list's status filter fails open: status=all with a page size of 100,000 returns every customer's orders, and they page through all 61,382 (the database spans show the rows).",
		Detectors:   []string{"appsensor:CIE2"},
		Also:        []string{"appsensor:RE5", "appsensor:RE7"},
		Start:       day(13, 21, 0), End: day(13, 21, 15),
		SourceIP: ipOrderDump, UserAgent: uaBurpFox,
		Evidence: func(ev *triage.Event) bool {
			return ev.Processor == "span" && spanRows(ev) >= 10000
		},
		run: orderExportDump,
	},
	{
		Name:        "stuffing-wave",
		Description: "A credential-stuffing wave through a rotating proxy pool: 240 addresses in nine networks and eight countries, each trying two usernames from a leaked list within seconds (some come back minutes later with a second password), some 540 logins in 40 minutes. The script clients never load the form, so no body carries the csrf_token every real login has; the shop checks the token only for requests with a session cookie, which the bot never holds, so it answers 401, and 302 for the two customers who reused their password.",
		Detectors:   []string{"appsensor:AE11", "appsensor:STE2"},
		Start:       day(14, 19, 0), End: day(14, 19, 40),
		Sources: waveNet,
		Evidence: func(ev *triage.Event) bool {
			return waveNet.Contains(ev.SourceIP) && ev.Method == "POST" && ev.URLPath == "/login"
		},
		run: stuffingWave,
	},
}

// stdMethods are the methods ordinary clients send.
var stdMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"}

// attack is what a scenario generates with.
type attack struct {
	g          *generator
	r          *rand.Rand
	ip         netip.Addr
	ua         string
	start, end int64 // window, Unix ms
	sid        string
}

func newAttack(g *generator, sc *Scenario) *attack {
	return &attack{g: g, r: g.streamFor("scenario/" + sc.Name), ip: sc.SourceIP, ua: sc.UserAgent,
		start: sc.Start.UnixMilli(), end: sc.End.UnixMilli()}
}

// times returns n sorted instants spread over the window, each jittered
// within its share of it.
func (a *attack) times(n int) []int64 {
	out := make([]int64, n)
	share := float64(a.end-a.start) / float64(n)
	for i := range out {
		out[i] = a.start + int64((float64(i)+a.r.Float64()*0.9)*share)
	}
	return out
}

// clamp keeps t inside the window.
func (a *attack) clamp(t int64) int64 { return min(max(t, a.start), a.end-1) }

// req returns a request from the attacker at t; the caller adjusts it and
// sends it with send.
func (a *attack) req(t int64, method, route, path, query string, status int) *req {
	rq := &req{t: a.clamp(t), ip: a.ip, ua: a.ua, method: method, route: route, path: path, query: query,
		status: status, durUS: durUS(a.r, 4000), accept: acceptAny, sid: a.sid, node: a.r.IntN(3)}
	if status >= 400 || status == 200 {
		rq.rtype = typeHTML
	}
	return rq
}

func (a *attack) send(rq *req) { a.g.tx(rq) }

// probe is one request of a scanner's list.
type probe struct {
	method, route, path, query string
	status                     int
}

// sendAll sends probes spread over the window, in order.
func (a *attack) sendAll(ps []probe) {
	for i, t := range a.times(len(ps)) {
		p := ps[i]
		a.send(a.req(t, p.method, p.route, p.path, p.query, p.status))
	}
}

// oddMethodsScanner: Nikto's method checks. RE2 fires on the methods no
// standard defines; TRACE and OPTIONS are standard (RE1 territory).
func oddMethodsScanner(a *attack) {
	ps := []probe{
		{"GET", "/", "/", "", 200},
		{"GET", "/robots.txt", "/robots.txt", "", 200},
		{"OPTIONS", "", "/", "", 405},
	}
	odd := []string{"PROPFIND", "TRACK", "DEBUG", "GETS", "SEARCH", "BCTJ", "TRACE", "PROPFIND", "DEBUG", "MKCOL"}
	// No route serves these methods, so the agent names them "<METHOD>
	// unknown route"; the router answers 405 where the path exists.
	paths := []struct {
		path   string
		exists bool
	}{{"/", true}, {"/login", true}, {"/products", true}, {"/webdav/", false}}
	for _, p := range paths {
		for _, m := range odd[:5+a.r.IntN(len(odd)-4)] {
			status := 405
			if !p.exists {
				status = 404
			}
			ps = append(ps, probe{m, "", p.path, "", status})
		}
	}
	ps = append(ps, probe{"PUT", "", "/nikto-test-" + strconv.Itoa(1000+a.r.IntN(9000)) + ".html", "", 404})
	a.sendAll(ps)
}

// nulByteProbe: file requests with %00 (CIE3), after one normal download
// to learn the parameter.
func nulByteProbe(a *attack) {
	ps := []probe{
		{"GET", "/download", "/download", "file=invoice-24017.pdf", 302}, // not logged in: to /login
		{"GET", "/download", "/download", "file=report.pdf%00.jpg", 400},
		{"GET", "/download", "/download", "file=invoice-24017.pdf%00.html", 400},
		{"GET", "/download", "/download", "file=report.pdf%00", 400},
		{"GET", "/download", "/download", "file=%00", 400},
		{"GET", "/static/*filepath", "/static/img/logo.svg%00.php", "", 404},
		{"GET", "/static/*filepath", "/static/app.js%00.map", "", 404},
		{"GET", "", "/account/avatar", "name=me.jpg%00.php", 404},
		{"GET", "/products/:id", "/products/1001%00", "", 404},
		{"GET", "/search", "/search", "q=shoes%00", 200},
		{"GET", "/download", "/download", "file=invoice-24018.pdf%00.txt", 400},
		{"GET", "/download", "/download", "file=logo.svg%00.png&dl=1", 400},
	}
	a.sendAll(ps)
}

// crlfInjection: %0d%0a in parameters and the path (CIE4).
func crlfInjection(a *attack) {
	ps := []probe{
		{"GET", "/redirect", "/redirect", "url=%2F", 302},
		{"GET", "/redirect", "/redirect", "url=%0d%0aSet-Cookie:x", 400},
		{"GET", "/redirect", "/redirect", "url=%2F%0D%0ASet-Cookie:%20sid%3Dattacker", 400},
		{"GET", "/redirect", "/redirect", "url=https%3A%2F%2Fshop.example.com%2F%0d%0aLocation:%20https://evil.example/", 400},
		{"GET", "/redirect", "/redirect", "url=%0aX-Forwarded-Host:%20evil.example", 400},
		{"GET", "/search", "/search", "q=shoes%0d%0aX-Injected:%201", 200},
		{"GET", "", "/%0d%0aSet-Cookie:crlf=injected", "", 404},
		{"GET", "/products/:id", "/products/1001%0d%0aX-Test:%201", "", 404},
		{"GET", "/login", "/login", "next=%2Faccount%0D%0AContent-Length:%200", 200},
		{"GET", "/redirect", "/redirect", "url=%0D%0A%0D%0A%3Chtml%3Einjected%3C%2Fhtml%3E", 400},
	}
	a.sendAll(ps)
}

// forcePaths is gobuster's wordlist: admin panels, leaked files, other
// stacks' entry points.
var forcePaths = []string{
	"/.git/config", "/.git/HEAD", "/.env", "/.env.bak", "/.env.production", "/.htpasswd", "/.htaccess",
	"/.DS_Store", "/.svn/entries", "/.aws/credentials", "/.ssh/id_rsa", "/.well-known/security.txt",
	"/wp-login.php", "/wp-admin/", "/wp-config.php.bak", "/xmlrpc.php", "/wp-content/debug.log",
	"/phpmyadmin/", "/pma/", "/myadmin/", "/adminer.php", "/administrator/", "/admin.php",
	"/backup.zip", "/backup.tar.gz", "/backup.sql", "/db.sql", "/dump.sql", "/database.sql",
	"/config.php.bak", "/config.yml", "/config.json", "/settings.py", "/web.config", "/composer.json",
	"/package.json", "/server-status", "/server-info", "/actuator/env", "/actuator/health",
	"/console", "/jenkins/", "/manager/html", "/solr/", "/api/v1/admin", "/api/swagger.json",
	"/swagger-ui.html", "/graphql", "/debug/pprof/", "/metrics", "/old/", "/test/", "/dev/",
	"/staging/", "/tmp/", "/logs/", "/uploads/", "/cgi-bin/", "/shell.php", "/info.php",
	"/phpinfo.php", "/index.php", "/login.aspx", "/default.aspx", "/admin/login", "/admin/config",
	"/user/login", "/install.php", "/setup.php", "/readme.html", "/CHANGELOG.md", "/id_rsa",
	"/.vscode/settings.json", "/.idea/workspace.xml", "/docker-compose.yml", "/Dockerfile",
	"/.npmrc", "/.dockerignore", "/.travis.yml", "/sitemap_index.xml", "/crossdomain.xml",
}

// forceBrowsing: a burst of requests for resources the shop does not have
// (ACE3).
func forceBrowsing(a *attack) {
	paths := slices.Clone(forcePaths)
	a.r.Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
	paths = append([]string{"/", "/admin"}, paths...)
	t := a.start + 5000 + a.r.Int64N(60000)
	for _, p := range paths {
		rq := a.req(t, "GET", "", p, "", 404)
		switch p {
		case "/":
			rq.route, rq.status = "/", 200
		case "/admin":
			rq.route, rq.status = "/admin/*path", 403
		}
		rq.durUS = durUS(a.r, 600)
		a.send(rq)
		t += 300 + a.r.Int64N(2500)
	}
}

// post403Burst: POSTs the shop refuses (the Elastic "POST Request
// Declined" rule).
func post403Burst(a *attack) {
	targets := []struct{ route, path string }{
		{"/api/admin/users", "/api/admin/users"},
		{"/api/orders/:id/refund", "/api/orders/%d/refund"},
		{"/admin/orders/:id/refund", "/admin/orders/%d/refund"},
		{"/account/email", "/account/email"},
		{"/api/admin/discounts", "/api/admin/discounts"},
	}
	ts := a.times(64)
	for i, t := range ts {
		if i < 4 { // look around first
			rq := a.req(t, "GET", "/api/products", "/api/products", "page="+strconv.Itoa(i+1), 200)
			rq.accept, rq.rtype = acceptJSON, typeJSON
			a.send(rq)
			continue
		}
		tg := targets[a.r.IntN(len(targets))]
		path := strings.Replace(tg.path, "%d", strconv.Itoa(24000+a.r.IntN(9000)), 1)
		rq := a.req(t, "POST", tg.route, path, "", 403)
		rq.accept, rq.rtype, rq.ctype, rq.bodyLen = acceptJSON, typeJSON, "application/json", 40+a.r.IntN(90)
		a.send(rq)
	}
}

// terminalEscapeUA: hostile text for the console's escaping.
func terminalEscapeUA(a *attack) {
	ps := []probe{
		{"GET", "/", "/", "", 200},
		{"GET", "/products/:id", "/products/1042", "", 200},
		{"GET", "/search", "/search", "q=" + url.QueryEscape("gift card"), 200},
	}
	for i, t := range a.times(len(ps)) {
		p := ps[i]
		rq := a.req(t, p.method, p.route, p.path, p.query, p.status)
		rq.accept, rq.lang = acceptHTML, "en-US,en;q=0.5"
		a.send(rq)
	}
}

// sqlPayloads are appended to a parameter's ordinary value; {n} becomes a
// random number. As on the wire: percent-encoded.
var sqlPayloads = []string{
	"%27",
	"%22",
	"%27%29",
	"%27%20AND%20{n}%3D{n}--%20-",
	"%20AND%20{n}%3D{n}",
	"%27%20OR%20%271%27%3D%271",
	"%27%20ORDER%20BY%20{n}--%20-",
	"%27%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL--%20-",
	"%27%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL%2CNULL--%20-",
	"%27%20AND%20%28SELECT%20{n}%20FROM%20%28SELECT%28SLEEP%285%29%29%29abcd%29--%20-",
	"%27%3BSELECT%20PG_SLEEP%285%29--",
	"%27%20AND%20EXTRACTVALUE%28{n}%2CCONCAT%280x5c%2C0x71626b7a71%2C%28SELECT%20%28ELT%28{n}%3D{n}%2C1%29%29%29%29%29--%20-",
	"%27%20AND%20{n}%3DCONVERT%28INT%2C%28SELECT%20%40%40version%29%29--%20-",
	"%27%20UNION%20ALL%20SELECT%20table_name%2CNULL%2CNULL%20FROM%20information_schema.tables--%20-",
	"%29%20AND%20{n}%3D{n}%20AND%20%28{n}%3D{n}",
}

// sqlmapInjection: sqlmap's parameter tests (CIE1).
func sqlmapInjection(a *attack) {
	type param struct{ route, path, name, value, rest string }
	params := []param{
		{"/search", "/search", "q", "shoes", ""},
		{"/products", "/products", "category", "shoes", "&page=1"},
		{"/products", "/products", "page", "1", "category=shoes&"},
	}
	var ps []probe
	ps = append(ps, probe{"GET", "/search", "/search", "q=shoes", 200})
	// sqlmap's heuristic check for a WAF: one request mixing everything.
	ps = append(ps, probe{"GET", "/search", "/search", "q=shoes&Xkqz=6137%20AND%201%3D1%20UNION%20ALL%20SELECT%201%2CNULL%2C%27%3Cscript%3Ealert%28%22XSS%22%29%3C%2Fscript%3E%27%2Ctable_name%20FROM%20information_schema.tables%20WHERE%202%3E1--%2F%2A%2A%2F%3B%20EXEC%20xp_cmdshell%28%27cat%20..%2F..%2F..%2Fetc%2Fpasswd%27%29%23", 200})
	for range 5 {
		for _, p := range params {
			for _, pl := range sqlPayloads {
				pl = fillNumbers(a.r, pl)
				var q string
				if p.name == "page" {
					q = p.rest + p.name + "=" + p.value + pl
				} else {
					q = p.name + "=" + p.value + pl + p.rest
				}
				status := 200
				if strings.HasPrefix(pl, "%27") && a.r.IntN(3) == 0 {
					status = 500
				}
				ps = append(ps, probe{"GET", p.route, p.path, q, status})
			}
		}
	}
	for i, t := range a.times(len(ps)) {
		p := ps[i]
		rq := a.req(t, p.method, p.route, p.path, p.query, p.status)
		rq.durUS = durUS(a.r, 30000)
		if strings.Contains(p.query, "SLEEP%285%29") {
			rq.durUS += 5_000_000
		}
		a.send(rq)
	}
}

// fillNumbers replaces each {n} with a random number.
func fillNumbers(r *rand.Rand, s string) string {
	for strings.Contains(s, "{n}") {
		s = strings.Replace(s, "{n}", strconv.Itoa(1000+r.IntN(9000)), 1)
	}
	return s
}

// xssProbes: script injection attempts (IE1).
func xssProbes(a *attack) {
	payloads := []string{
		"%3Cscript%3Ealert(1)%3C%2Fscript%3E",
		"%22%3E%3Csvg%2Fonload%3Dalert(document.domain)%3E",
		"%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
		"%27%3E%3Ciframe%20src%3Djavascript%3Aalert(%60xss%60)%3E",
		"%3Cbody%20onload%3Dalert(%27XSS%27)%3E",
		"%3Cdetails%20open%20ontoggle%3Dconfirm(1)%3E",
		"%3CsCrIpT%3Eprompt(1)%3C%2FsCrIpT%3E",
		"%3Ca%20href%3D%22javascript%3Aalert(1)%22%3Eclick%3C%2Fa%3E",
	}
	var ps []probe
	ps = append(ps, probe{"GET", "/search", "/search", "q=mug", 200})
	for _, pl := range payloads {
		ps = append(ps,
			probe{"GET", "/search", "/search", "q=" + pl, 200},
			probe{"GET", "/products/:id", "/products/" + strconv.Itoa(firstProduct+a.r.IntN(400)), "ref=" + pl, 200},
			probe{"GET", "/login", "/login", "next=" + pl, 200},
		)
	}
	ps = append(ps,
		probe{"GET", "/redirect", "/redirect", "url=javascript%3Aalert(document.cookie)", 400},
		probe{"GET", "/redirect", "/redirect", "url=javascript:alert(1)", 400},
	)
	for i, t := range a.times(len(ps)) {
		p := ps[i]
		rq := a.req(t, p.method, p.route, p.path, p.query, p.status)
		rq.accept, rq.lang = acceptHTML, "en-US,en;q=0.5"
		rq.durUS = durUS(a.r, 40000)
		a.send(rq)
	}
}

// pathTraversal: ../ in the file parameter and the path (IE3).
func pathTraversal(a *attack) {
	ps := []probe{
		{"GET", "/download", "/download", "file=invoice-24017.pdf", 302},
		{"GET", "/download", "/download", "file=../../etc/passwd", 400},
		{"GET", "/download", "/download", "file=../../../../../../etc/passwd", 400},
		{"GET", "/download", "/download", "file=..%2F..%2F..%2F..%2Fetc%2Fpasswd", 400},
		{"GET", "/download", "/download", "file=....%2F%2F....%2F%2F....%2F%2Fetc%2Fpasswd", 400},
		{"GET", "/download", "/download", "file=..%5C..%5C..%5Cwindows%5Cwin.ini", 400},
		{"GET", "/download", "/download", "file=%2e%2e%2f%2e%2e%2f%2e%2e%2fproc%2fself%2fenviron", 400},
		{"GET", "/download", "/download", "file=..%252f..%252f..%252fetc%252fpasswd", 400},
		{"GET", "/download", "/download", "file=%2Fetc%2Fpasswd", 400},
		{"GET", "/download", "/download", "file=..%2F..%2F.env", 400},
		{"GET", "/download", "/download", "file=php%3A%2F%2Ffilter%2Fconvert.base64-encode%2Fresource%3D..%2Fconfig.yaml", 400},
		{"GET", "/static/*filepath", "/static/../../../../etc/passwd", "", 404},
		{"GET", "/static/*filepath", "/static/..%2f..%2f..%2f..%2fetc%2fshadow", "", 404},
		{"GET", "/static/*filepath", "/static/%2e%2e/%2e%2e/%2e%2e/etc/hosts", "", 404},
		{"GET", "", "/..;/..;/etc/passwd", "", 404},
	}
	// Run the list twice, the second time with a deeper prefix.
	more := make([]probe, 0, len(ps)*2)
	more = append(more, ps...)
	for _, p := range ps[1:] {
		if strings.HasPrefix(p.query, "file=..") {
			p.query = "file=../../../" + strings.TrimPrefix(p.query, "file=")
			more = append(more, p)
		}
	}
	a.sendAll(more)
}

// Usernames of a leaked combo list: addresses and handles that mostly do
// not exist in the shop.
var (
	comboFirst = []string{"michael", "jessica", "daniel", "sarah", "thomas", "laura", "kevin", "anna", "peter", "maria",
		"stefan", "julia", "marcus", "nina", "robert", "sophie", "chris", "lisa", "andreas", "katrin"}
	comboDomains = []string{"example.com", "example.net", "example.org", "mail.example", "inbox.example"}
)

// credentialStuffing: hundreds of logins from one client and session,
// many usernames (AE1), admin and test tried over and over (AE2), a rate
// no human keeps (AE3). Two guesses hit real customers, whose accounts the
// tool then opens.
func credentialStuffing(a *attack) {
	a.sid = a.g.newSID()
	var names []string
	seen := map[string]bool{}
	for len(names) < 380 {
		f := comboFirst[a.r.IntN(len(comboFirst))]
		var n string
		switch a.r.IntN(3) {
		case 0:
			n = f + strconv.Itoa(70+a.r.IntN(40)) + "@" + comboDomains[a.r.IntN(len(comboDomains))]
		case 1:
			n = f + "." + lastNames[a.r.IntN(len(lastNames))] + "@" + comboDomains[a.r.IntN(len(comboDomains))]
		default:
			n = f + "_" + strconv.Itoa(a.r.IntN(1000))
		}
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for range 12 {
		names = append(names, "admin")
	}
	for range 5 {
		names = append(names, "administrator", "test")
	}
	a.r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	// Two real customers reused a leaked password.
	hits := map[int]string{
		len(names) / 3:     a.g.users[17].user,
		len(names) * 4 / 5: a.g.users[63].user,
	}
	for i, u := range hits {
		names[i] = u
	}

	ts := a.times(len(names) + 1)
	rq := a.req(ts[0], "GET", "/login", "/login", "", 200)
	rq.accept, rq.lang, rq.h2 = acceptHTML, "en-US,en;q=0.9", true
	a.send(rq)
	for i, u := range names {
		t := ts[i+1]
		rq := a.req(t, "POST", "/login", "/login", "", 401)
		rq.accept, rq.lang, rq.h2 = acceptHTML, "en-US,en;q=0.9", true
		// The tool scrapes the form's anti-forgery token, as any
		// off-the-shelf stuffing tool does.
		rq.ctype, rq.origin, rq.referer = typeForm, shopURL, shopURL+"/login"
		rq.body = "csrf_token=" + csrfToken(a.sid) + "&username=" + url.QueryEscape(u) + "&password=[REDACTED]"
		rq.durUS = durUS(a.r, 120000)
		if _, hit := hits[i]; hit {
			rq.status, rq.rtype, rq.user = 302, "", u
			a.send(rq)
			acct := a.req(t+400+a.r.Int64N(300), "GET", "/account", "/account", "", 200)
			acct.accept, acct.lang, acct.h2, acct.user = acceptHTML, "en-US,en;q=0.9", true, u
			a.send(acct)
			continue
		}
		a.send(rq)
	}
}

// nightBeacon: blocked outbound callbacks from one office workstation at
// night, fewer per bucket than the office's daytime denies.
func nightBeacon(a *attack) {
	c2 := netip.MustParseAddr("198.51.100.200")
	for _, t := range a.times(180) {
		a.g.fwConn(&conn{t: t, action: "block", src: a.ip, dst: c2, sport: ephemeralPort(a.r), dport: 4444,
			transport: "tcp", dstCountry: "Romania", dstOrg: "Example Bulletproof Hosting SRL", ruleID: "1000000214"})
	}
}

// firewallDenySpike: a port sweep the edge firewall blocks, far above the
// seasonal baseline (Elastic's "Spike in Firewall Denies").
func firewallDenySpike(a *attack) {
	var ports []int
	for p := 1; p <= 1024; p++ {
		ports = append(ports, p)
	}
	ports = append(ports, 1433, 1521, 2049, 2375, 3000, 3306, 3389, 5432, 5601, 5900, 5984, 6379,
		7001, 8000, 8080, 8081, 8443, 8888, 9000, 9090, 9200, 9300, 10000, 11211, 27017, 50000)
	a.r.Shuffle(len(ports), func(i, j int) { ports[i], ports[j] = ports[j], ports[i] })
	sport := 40000 + a.r.IntN(20000)
	for i, t := range a.times(len(ports)) {
		transport := "tcp"
		if a.r.IntN(10) == 0 {
			transport = "udp"
		}
		a.g.fwConn(denyIn(t, a.ip, "Netherlands", edgeIPs[i%len(edgeIPs)], ports[i], transport, sport))
	}
}
