package triage

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"
	"unsafe"
)

// wideFinding cites n events from n addresses: past MaxEvidence ids the
// positions go to moreSeqs, past MaxSources addresses the set is capped.
func wideFinding(n int) Finding {
	f := Finding{Detector: "appsensor:AE2", Title: "many failed logins", Severity: High, RiskScore: 73,
		Timestamp: time.Date(2026, 11, 13, 19, 0, 0, 5, time.UTC), End: time.Date(2026, 11, 13, 19, 40, 0, 0, time.UTC),
		Impact: ImpactTakeover, Subject: Attr{Field: "user.name", Value: "admin"}, Reason: "60 failed logins for admin"}
	for i := range n {
		ev := &Event{ID: fmt.Sprintf("e%d", i%7), Seq: uint64(10 + 3*i), SourceIP: netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})}
		f.AddEvidence(ev)
		f.EventCount++
	}
	return f
}

func TestFindingBinaryRoundTrip(t *testing.T) {
	zoned := time.Date(2026, 11, 13, 20, 0, 0, 0, time.FixedZone("", 2*3600))
	for _, tc := range []struct {
		name string
		f    Finding
	}{
		{"zero", Finding{}},
		{"one event", Finding{Detector: "query", Title: "POST declined", Severity: Medium, RiskScore: 47,
			Timestamp: zoned, SourceIP: netip.MustParseAddr("2001:db8::1"), UserAgent: "curl/8.0\x1b[2J",
			UserName: "anna", SessionID: "s-1", Attrs: []Attr{{Field: "url.path", Value: "/login"}, {Field: "source.geo.country_name", Value: "Nowhere"}},
			Reason: "status 403, method POST \xff", Evidence: []EventRef{{Seq: 42, ID: "demo:42"}}, EventCount: 1}},
		{"two sources", wideFinding(2)},
		{"past the id cap", wideFinding(MaxEvidence + 50)},
		{"past the address cap", wideFinding(MaxSources + 20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The wide cases must reach the compact parts they test.
			if tc.f.EventCount > MaxEvidence && len(tc.f.moreSeqs) == 0 ||
				tc.f.EventCount > MaxSources && (tc.f.sources.more == nil || !tc.f.sources.more.more) {
				t.Fatal("the finding does not reach the part it tests")
			}
			b, err := tc.f.AppendBinary([]byte("prefix"))
			if err != nil {
				t.Fatal(err)
			}
			var got Finding
			if err := got.UnmarshalBinary(b[len("prefix"):]); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.f) {
				t.Fatalf("round trip changed the finding:\n got %+v\nwant %+v", got, tc.f)
			}
		})
	}
}

// A record cut anywhere, or with a byte too many, is an error, never a
// panic or a half-read finding.
func TestFindingBinaryRefusesDamage(t *testing.T) {
	f := wideFinding(MaxEvidence + 3)
	b, err := f.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		var got Finding
		if err := got.UnmarshalBinary(b[:n]); err == nil {
			t.Fatalf("a record cut to %d of %d bytes was read", n, len(b))
		}
	}
	var got Finding
	if err := got.UnmarshalBinary(append(b, 0)); err == nil {
		t.Fatal("a record with a trailing byte was read")
	}
	b[0] = findingWireVersion + 1
	if err := got.UnmarshalBinary(b); err == nil {
		t.Fatal("a record of another version was read")
	}
}

// Read back through an Interner, findings are the same and share the
// strings they repeat.
func TestFindingBinaryInterned(t *testing.T) {
	f := wideFinding(3)
	f.UserAgent, f.Attrs = "sqlmap/1.7", []Attr{{Field: "url.path", Value: "/login"}}
	b, err := f.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	var in Interner
	var got [2]Finding
	for i := range got {
		if err := got[i].DecodeBinary(b, &in); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[i], f) {
			t.Fatalf("decoded through the interner: %+v, want %+v", got[i], f)
		}
	}
	for _, pair := range [][2]string{{got[0].UserAgent, got[1].UserAgent}, {got[0].Reason, got[1].Reason}, {got[0].Attrs[0].Value, got[1].Attrs[0].Value}} {
		if unsafe.StringData(pair[0]) != unsafe.StringData(pair[1]) {
			t.Errorf("%q is held twice", pair[0])
		}
	}
}

// FuzzRecords feeds damaged finding and group records to the decoders:
// an error is fine, a panic or a record that does not encode back the
// same is not. (go test runs the seeds; -fuzz FuzzRecords explores.)
func FuzzRecords(f *testing.F) {
	fin := wideFinding(MaxEvidence + 2)
	b, err := fin.AppendBinary(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, g := range wireGroups(f, 30) {
		gb, err := g.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(gb)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fd Finding
		if fd.UnmarshalBinary(data) == nil {
			again, err := fd.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			var fd2 Finding
			if err := fd2.UnmarshalBinary(again); err != nil || !reflect.DeepEqual(fd, fd2) {
				t.Fatalf("a finding read back does not encode to itself: %v", err)
			}
		}
		var g Group
		if g.UnmarshalBinary(data) == nil {
			if _, err := g.MarshalBinary(); err != nil {
				t.Fatal(err)
			}
			_ = g.Key.Pairs() // indexes Values by the chain
		}
	})
}
