package triage

import (
	"fmt"
	"net/netip"
	"slices"
)

// Impact says what a finding means if it is true, beyond how sure or how
// severe the rule is: data leaving, an account taken over, an exploit
// that worked, a host calling out. The queue ranks groups by the worst
// impact first, so one confirmed data breach outranks a scanner's forty
// probes.
type Impact uint8

// Impacts, in increasing order of what they cost.
const (
	ImpactNone         Impact = iota // an attempt, a probe, an anomaly
	ImpactBeacon                     // an internal host calling out (command and control)
	ImpactExploited                  // an attack that worked
	ImpactTakeover                   // an account or session taken over
	ImpactExfiltration               // data leaving
)

var impactNames = [...]string{"", "outbound beaconing", "successful exploitation", "account takeover", "data exfiltration"}

// String names the impact in plain words ("" for none).
func (i Impact) String() string {
	if int(i) < len(impactNames) {
		return impactNames[i]
	}
	return fmt.Sprintf("impact(%d)", int(i))
}

// MarshalText writes the name.
func (i Impact) MarshalText() ([]byte, error) { return []byte(i.String()), nil }

// UnmarshalText reads a name.
func (i *Impact) UnmarshalText(b []byte) error {
	if n := slices.Index(impactNames[:], string(b)); n >= 0 {
		*i = Impact(n)
		return nil
	}
	return fmt.Errorf("unknown impact %q", b)
}

// rankClass places a finding on one scale with its severity: low 0,
// medium 2, high 4, critical 6; an outbound beacon ranks with the highs,
// a working exploit with the criticals, a takeover and data leaving above
// everything.
func rankClass(sev Severity, imp Impact) int {
	c := 2 * int(sev)
	switch imp {
	case ImpactBeacon:
		c = max(c, 4)
	case ImpactExploited:
		c = max(c, 6)
	case ImpactTakeover:
		c = max(c, 7)
	case ImpactExfiltration:
		c = max(c, 8)
	}
	return c
}

// sourceSet is the distinct client addresses of the events a finding
// cites: the first inline, the rest only when there is a second, so the
// common one-address finding costs nothing more.
type sourceSet struct {
	first netip.Addr
	more  *SourceSet
}

func (s *sourceSet) add(a netip.Addr) {
	if !a.IsValid() {
		return
	}
	a = a.Unmap()
	switch {
	case !s.first.IsValid():
		s.first = a
	case a == s.first:
	default:
		if s.more == nil {
			s.more = &SourceSet{}
			s.more.Add(s.first)
		}
		s.more.Add(a)
	}
}

func (s *sourceSet) count() int {
	if s.more != nil {
		return s.more.Len()
	}
	if s.first.IsValid() {
		return 1
	}
	return 0
}

func (s *sourceSet) addrs() []netip.Addr {
	if s.more != nil {
		return s.more.Addrs()
	}
	if s.first.IsValid() {
		return []netip.Addr{s.first}
	}
	return nil
}

// addSourcesOf adds the client addresses f's evidence came from (its own
// address when it names none) without listing them first: a regroup
// does this for every finding.
func (s *SourceSet) addSourcesOf(f *Finding) {
	switch {
	case f.sources.more != nil:
		s.Merge(f.sources.more)
	case f.sources.first.IsValid():
		s.Add(f.sources.first)
	default:
		s.Add(f.SourceIP)
	}
}

// Sources lists the distinct client addresses of the events the finding
// cites (at most MaxSources) and how many there were (a lower bound when
// partial).
func (f *Finding) Sources() (addrs []netip.Addr, count int, partial bool) {
	return f.sources.addrs(), f.sources.count(), f.sources.more != nil && f.sources.more.Partial()
}

// NoteSource records a contributing client address for evidence cited by
// reference (AddRef) whose event is no longer at hand.
func (f *Finding) NoteSource(a netip.Addr) { f.sources.add(a) }

// fileUnderSubject files a finding that is not about one client under
// what it is about: the user it names, else the site. That is a finding
// whose evidence came from several addresses (its own address and user
// agent, one arbitrary contributor's, are then cleared), or one for which
// neither the detector nor the trace join named a client.
func (f *Finding) fileUnderSubject() {
	if f.Subject.Field != "" || (f.SourceIP.IsValid() && f.sources.count() < 2) {
		return
	}
	if f.UserName != "" {
		f.Subject = Attr{Field: "user.name", Value: f.UserName}
	} else {
		f.Subject = Attr{Field: SubjectSite}
	}
	f.SourceIP, f.UserAgent = netip.Addr{}, ""
}

// SubjectSite files findings about the whole site (site-wide trends, or
// no single user) together.
const SubjectSite = "site"
