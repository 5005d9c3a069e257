package triage

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// wireGroups groups findings from n addresses over several hours, under
// the default key and under a chain, so every part of a group is set:
// sources (past MaxSources for the chain), hours, attrs, signature,
// worst finding.
func wireGroups(t testing.TB, n int) []*Group {
	t.Helper()
	t0 := time.Date(2026, 11, 13, 19, 0, 0, 0, time.UTC)
	var out []*Group
	for _, by := range []GroupBy{nil, {"user.name", "url.path"}} {
		gr := Grouper{By: by}
		for i := range n {
			f := Finding{Detector: []string{"appsensor:AE2", "appsensor:CIE2", "query"}[i%3], Severity: Severity(i % 4), RiskScore: i % 100,
				Impact: Impact(i % 5), Timestamp: t0.Add(time.Duration(i) * 7 * time.Minute), UserName: "admin",
				SourceIP: netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)}), UserAgent: "ua" + fmt.Sprint(i%2),
				Attrs: []Attr{{Field: "url.path", Value: "/login"}}, Reason: fmt.Sprintf("login without field remember (%d)", i)}
			f.End = f.Timestamp.Add(time.Minute)
			gr.Add(&f)
		}
		out = append(out, gr.Groups()...)
	}
	return out
}

func TestGroupBinaryRoundTrip(t *testing.T) {
	gs := wireGroups(t, MaxSources+40)
	sawMore := false
	for _, g := range gs {
		sawMore = sawMore || g.Sources.more
		b, err := g.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got Group
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&got, g) {
			t.Fatalf("round trip changed group %v:\n got %+v\nwant %+v", g.Key, got, *g)
		}
	}
	if !sawMore || len(gs) < 3 {
		t.Fatalf("the groups do not reach what the test checks (%d groups, capped sources %v)", len(gs), sawMore)
	}
}

func TestGroupBinaryRefusesDamage(t *testing.T) {
	g := wireGroups(t, 50)[0]
	b, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		var got Group
		if got.UnmarshalBinary(b[:n]) == nil {
			t.Fatalf("a record cut to %d of %d bytes was read", n, len(b))
		}
	}
	var got Group
	if got.UnmarshalBinary(append(b, 0)) == nil {
		t.Fatal("a record with a trailing byte was read")
	}
}

// A key whose chain names more fields than it has values (or than a
// chain may have) is refused: Fields and Pairs would index past Values.
func TestGroupBinaryRefusesMismatchedKey(t *testing.T) {
	for _, k := range []GroupKey{
		{By: "a,b,c,d", Values: [MaxGroupBy]string{"1", "2", "3"}},
		{By: "user.name,url.path"},
	} {
		g := &Group{Key: GroupKey{By: "user.name", Values: [MaxGroupBy]string{"anna"}}}
		b, err := g.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		// Rewrite the record's By, keeping its one value.
		var bad []byte
		bad = append(bad, b[0])
		bad = appendAddr(bad, k.SourceIP)
		bad = appendString(appendString(bad, ""), k.By)
		rest := wireReader{b: b[1:]}
		rest.addr()
		rest.string()
		rest.string()
		bad = append(bad, rest.b...)
		var got Group
		if err := got.UnmarshalBinary(bad); err == nil {
			t.Errorf("a record keyed %q with one value was read", k.By)
		}
	}
}
