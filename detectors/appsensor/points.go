// Package appsensor re-runs OWASP AppSensor detection points over HTTP/APM
// events. AppSensor was written for code inside an application; here each
// point is judged from what an APM agent or access log records about a
// request, with event time, so history can be replayed.
//
// Each point is a triage.Detector with id "appsensor:<ID>". Hits from one
// actor (source IP × user agent) that follow each other within ten minutes
// merge into one finding listing every request as evidence.
package appsensor

import (
	"fmt"
	"slices"
	"strings"

	"picket/triage"
)

// Options configure the detection points.
type Options struct {
	// ExtraMethods are accepted by RE2 besides the standard ones, for
	// applications that really use WebDAV or similar (PROPFIND, MKCOL).
	ExtraMethods []string
	// MaxBodyBytes is FIO1's limit; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// HoneyPaths are decoy paths for HT2; HT2 needs at least one.
	HoneyPaths []string
	// SessionCookies name the cookies read as a session id; empty means
	// DefaultSessionCookies.
	SessionCookies []string
	// HoneyParams are planted decoy parameters for HT1.
	HoneyParams []HoneyParam
	// HoneyUsers are honeytoken account names for HT3.
	HoneyUsers []string
	// Reputation lists feed RP1 and tighten windowed thresholds.
	Reputation []Reputation
	// Login says how to recognise logins (AE points).
	Login LoginOptions
	// Actor tunes the windowed points judged per actor.
	Actor ActorOptions
	// Learn tunes the points that learn from the data.
	Learn LearnOptions
}

func (o Options) sessionCookies() []string {
	if len(o.SessionCookies) > 0 {
		return o.SessionCookies
	}
	return DefaultSessionCookies
}

// Detectors returns a fresh instance of every point implemented so far,
// ready for one engine run. Instances keep per-run state: do not share them
// between runs.
func Detectors(opts Options) []triage.Detector {
	cache := &partsCache{}
	ds := []triage.Detector{
		newRE2(opts.ExtraMethods, cache),
		newRE8(cache),
		newEE1(cache),
		newEE2(cache),
		newIE1(cache),
		newIE3(cache),
		newCIE1(cache),
		newCIE3(cache),
		newCIE4(cache),
		newFIO1(opts.MaxBodyBytes),
	}
	if len(opts.HoneyPaths) > 0 {
		ds = append(ds, newHT2(opts.HoneyPaths))
	}
	if len(opts.HoneyParams) > 0 {
		ds = append(ds, newHT1(opts.HoneyParams, cache))
	}
	if len(opts.Reputation) > 0 {
		ds = append(ds, newRP1(opts.Reputation))
	}
	ds = append(ds, newLoginPoints(opts, cache)...)
	ds = append(ds, newAccessPoints(opts, cache)...)
	ds = append(ds, learnedDetectors(opts, cache)...)
	return ds
}

// point is a stateless per-request check whose hits merge into bursts.
type point struct {
	b     *bursts
	check func(ev *triage.Event) (detail string, hit bool)
}

func (p *point) Info() triage.DetectorInfo { return p.b.info }

func (p *point) Observe(ev *triage.Event, emit func(triage.Finding)) {
	if detail, ok := p.check(ev); ok {
		p.b.hit(ev, detail, emit)
		return
	}
	p.b.observeTime(ev.Timestamp, emit)
}

func (p *point) Flush(emit func(triage.Finding)) { p.b.flushAll(emit) }

func (p *point) Lints() []triage.Lint { return p.b.lints() }

// pointInfo describes a running point from its catalogue entry: AppSensor's
// class sets the severity (an Attack needs tools or intent; a Suspicious
// hit may be an honest mistake).
func pointInfo(id, summary string) triage.DetectorInfo {
	e, ok := Lookup(id)
	if !ok {
		panic("appsensor: " + id + " is not in the catalogue")
	}
	info := infoFor(e, summary)
	// A point that is made runs: the catalogue's "needs configuration"
	// (HT1-HT3, RP1) is what Pending says of it when it is not made.
	info.Readiness, info.Why = triage.RunsLocally, ""
	return info
}

func infoFor(e Entry, summary string) triage.DetectorInfo {
	sev, risk := triage.Medium, 47
	if e.Class == Attack {
		sev, risk = triage.High, 73
	}
	return triage.DetectorInfo{
		ID:        "appsensor:" + e.ID,
		Title:     e.Title,
		Severity:  sev,
		RiskScore: risk,
		Summary:   summary,
		Readiness: e.Readiness,
		Why:       e.Why,
		Impact:    impacts[e.ID],
	}
}

// Pending describes the catalogue's points that do not run, with why.
func Pending() []triage.DetectorInfo {
	var out []triage.DetectorInfo
	for _, e := range Catalogue {
		if e.Readiness != triage.RunsLocally {
			out = append(out, infoFor(e, e.Category+" detection point ("+string(e.Class)+")"))
		}
	}
	return out
}

// standardMethods are the methods RFC 9110 defines, plus PATCH (RFC 5789).
var standardMethods = []string{"HEAD", "GET", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"}

func newRE2(extra []string, cache *partsCache) *point {
	allowed := map[string]bool{}
	for _, m := range slices.Concat(standardMethods, extra) {
		allowed[strings.ToUpper(m)] = true
	}
	info := pointInfo("RE2", "a request used a method outside HEAD, GET, POST, PUT, DELETE, TRACE, OPTIONS, CONNECT, PATCH (and any configured extras)")
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		// ECS before 1.6 stored methods in lower case, so case is ignored:
		// otherwise every request of older data would fire.
		m, odd := cache.anyOf(ev, fieldMethod, func(m string) bool { return m != "" && !allowed[m] && !allowed[upperMethod(m)] })
		if !odd {
			return "", false
		}
		return "method " + clip(m, 24), true
	}}
}

func newCIE3(cache *partsCache) *point {
	info := pointInfo("CIE3", "%00 or a NUL byte in the URL path or a query parameter (file-name truncation probes)")
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		return firstPart(cache.get(ev), "%00", func(p Part) bool { return p.isURLPart() && strings.IndexByte(p.Value, 0) >= 0 })
	}}
}

func newCIE4(cache *partsCache) *point {
	info := pointInfo("CIE4", "%0d/%0a (carriage return, line feed) in the URL path or a query parameter (header injection, response splitting)")
	return &point{b: newBursts(info, "request"), check: func(ev *triage.Event) (string, bool) {
		return firstPart(cache.get(ev), "CR/LF", func(p Part) bool { return p.isURLPart() && strings.ContainsAny(p.Value, "\r\n") })
	}}
}

// firstPart reports the first part that matches, as "what in where: value".
func firstPart(parts []Part, what string, match func(Part) bool) (string, bool) {
	for _, p := range parts {
		if match(p) {
			return fmt.Sprintf("%s in %s: %s", what, p.Label(), clip(p.Raw, 60)), true
		}
	}
	return "", false
}

// impacts says what the points whose findings mean more than an attempt
// detect, when true: a query returning far more records than the route
// ever does is data leaving; a session that changes address or client
// mid-way has been taken over. The queue ranks these first.
var impacts = map[string]triage.Impact{
	"CIE2": triage.ImpactExfiltration,
	"SE5":  triage.ImpactTakeover,
	"SE6":  triage.ImpactTakeover,
}
