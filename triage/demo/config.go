package demo

import "net/netip"

// What the shop's operators would configure for the detection points that
// need to know the application (AppSensor HT1-HT3 and RP1). Plain data,
// so this package stays free of detector imports: whoever runs detectors
// over the demo copies it into their options.

// HoneyPaths are decoy paths: robots.txt lists them as Disallow entries
// and nothing on the site links to them, so no honest visitor (nor any
// crawler that obeys robots.txt) ever asks for one. A path ending in '/'
// covers everything under it.
var HoneyPaths = []string{"/internal/", "/old-admin/", "/backup/customers.sql.gz"}

// HoneyParam is a decoy field the shop plants with a fixed value.
type HoneyParam struct {
	Name, Value string
}

// HoneyParams are the decoy fields: the cart form carries a hidden
// admin=false that the application ignores, so only someone editing the
// form by hand sends another value.
var HoneyParams = []HoneyParam{{Name: "admin", Value: "false"}}

// HoneyUsers are honeytoken accounts: ops.backup appears only in a
// deliberately leaked-looking configuration file; no person uses it.
var HoneyUsers = []string{"ops.backup"}

// ReputationListName names ReputationList in findings.
const ReputationListName = "tor-exits"

// ReputationList is a list of Tor exit addresses (a few of them, from the
// documentation ranges): requests from them are RP1's business.
var ReputationList = []netip.Prefix{
	netip.MustParsePrefix("203.0.113.250/32"),
	netip.MustParsePrefix("203.0.113.251/32"),
	netip.MustParsePrefix("203.0.113.252/31"),
}
