package useragent

import (
	"fmt"
	"net/netip"
	"strings"

	"picket/triage"
)

// stockBrowsers are the browsers whose unmodified user agents millions of
// people send.
var stockBrowsers = map[string]bool{"Chrome": true, "Firefox": true, "Safari": true, "Edge": true}

// stockTokens are the product tokens a stock Chrome, Firefox, Safari or
// Edge string holds after its platform comment.
var stockTokens = map[string]bool{
	"AppleWebKit": true, "Chrome": true, "Safari": true, "Version": true, "Mobile": true,
	"Edg": true, "EdgA": true, "EdgiOS": true, "CriOS": true, "FxiOS": true, "Gecko": true, "Firefox": true,
}

// Stock reports whether ua has the shape of an unmodified Chrome, Firefox,
// Safari or Edge user agent ("Mozilla/5.0 (platform) AppleWebKit/…
// (KHTML, like Gecko) Chrome/… Safari/…"): nothing but the tokens those
// browsers send. It names the browser ("Chrome 120 / Windows"). A string
// with any other token (a monitoring agent's, a tool's) is not stock.
func Stock(ua string) (string, bool) {
	info := Parse(ua)
	if info.Kind != Browser || !stockBrowsers[info.Name] {
		return "", false
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(ua), "Mozilla/5.0 (")
	if !ok {
		return "", false
	}
	end := strings.IndexByte(rest, ')')
	if end < 0 {
		return "", false
	}
	for _, tok := range strings.Fields(rest[end+1:]) {
		if tok == "(KHTML," || tok == "like" || tok == "Gecko)" || tok == "Mobile" {
			continue
		}
		name, ver, ok := strings.Cut(tok, "/")
		if !ok || !stockTokens[name] || !versionLike(ver) {
			return "", false
		}
	}
	return info.Label(), true
}

func versionLike(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// Widest networks an allowlist entry takes without a warning.
const (
	WidestIPv4 = 24
	WidestIPv6 = 48
)

// BroadAllow says why allowlisting a would hide far more than one actor:
// a stock browser user agent (every visitor with that browser and
// version), or a network wider than /24 (/48 for IPv6). It returns ""
// when the entry is narrow. The CLI asks for --force and the console for
// a confirmation before saving a broad entry.
func BroadAllow(a triage.AllowEntry) string {
	switch a.Kind {
	case triage.AllowUserAgent:
		if name, ok := Stock(a.Value); ok {
			return fmt.Sprintf("this is a stock %s user agent: allowlisting it hides findings about everyone who browses with it, attackers who copy it included", name)
		}
	case triage.AllowIP, triage.AllowCIDR:
		p, err := netip.ParsePrefix(strings.TrimSpace(a.Value))
		if err != nil {
			return ""
		}
		addr, bits := p.Addr(), p.Bits()
		if addr.Is4In6() && bits >= 96 {
			addr, bits = addr.Unmap(), bits-96
		}
		widest := WidestIPv4
		if addr.Is6() {
			widest = WidestIPv6
		}
		if bits < widest {
			size := fmt.Sprintf("2^%d addresses", 128-bits)
			if addr.Is4() {
				size = fmt.Sprintf("%d addresses", uint64(1)<<(32-bits))
			}
			return fmt.Sprintf("/%d is wider than /%d: allowlisting it hides findings about %s, not one host or site", bits, widest, size)
		}
	}
	return ""
}
