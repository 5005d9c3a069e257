package kql

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// listEvent is a Document with the fields IOC lists test, extracted once
// as Picket's events hold them.
type listEvent struct {
	ip, path, port []Value
}

func (e *listEvent) Values(path string) []Value {
	switch path {
	case "source.ip":
		return e.ip
	case "url.path":
		return e.path
	case "destination.port":
		return e.port
	}
	return nil
}

func (e *listEvent) Fields() []string { return []string{"source.ip", "url.path", "destination.port"} }

func (e *listEvent) Objects(string) []Document { return nil }

// listEvents are events whose values mostly miss the lists below, the
// costly case: every value of a naive list is tried.
func listEvents() []*listEvent {
	r := rand.New(rand.NewSource(7))
	out := make([]*listEvent, 1024)
	for i := range out {
		out[i] = &listEvent{
			ip:   []Value{StringValue(fmt.Sprintf("172.16.%d.%d", r.Intn(256), r.Intn(256)))},
			path: []Value{StringValue(fmt.Sprintf("/shop/item/%d", r.Intn(100000)))},
			port: []Value{NumberValue(float64(r.Intn(65536)))},
		}
	}
	return out
}

// listQuery writes field:(v1 or v2 ...) with n values from gen.
func listQuery(field string, n int, gen func(r *rand.Rand, i int) string) string {
	r := rand.New(rand.NewSource(int64(n)))
	var b strings.Builder
	b.WriteString(field)
	b.WriteString(":(")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString(gen(r, i))
	}
	b.WriteString(")")
	return b.String()
}

func genIP(r *rand.Rand, i int) string {
	if i%10 == 9 { // one value in ten is a CIDR block
		return fmt.Sprintf("10.%d.%d.0/24", r.Intn(256), r.Intn(256))
	}
	return fmt.Sprintf("10.%d.%d.%d", r.Intn(256), r.Intn(256), r.Intn(256))
}

func genPath(r *rand.Rand, i int) string {
	return fmt.Sprintf("/ioc/%d/%x", i, r.Int63())
}

func genWildPath(r *rand.Rand, i int) string {
	if i%2 == 0 {
		return fmt.Sprintf("/ioc/%x/*", r.Int63())
	}
	return fmt.Sprintf("*.%x", r.Int63())
}

// BenchmarkValueList measures Match per event for value lists of 1, 1,000
// and 300,000 values (ns/op is ns per event).
func BenchmarkValueList(b *testing.B) {
	kinds := []struct {
		name, field string
		gen         func(*rand.Rand, int) string
	}{
		{"ip", "source.ip", genIP},
		{"path", "url.path", genPath},
		{"wildpath", "url.path", genWildPath},
	}
	evs := listEvents()
	for _, k := range kinds {
		for _, n := range []int{1, 1000, 300000} {
			b.Run(fmt.Sprintf("%s/%d", k.name, n), func(b *testing.B) {
				q := MustParse(listQuery(k.field, n, k.gen), WithNow(testNow))
				hits := 0
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if q.Match(evs[i&1023]) {
						hits++
					}
				}
				benchSink = hits
			})
		}
	}
}

// BenchmarkValueListParse measures Parse of a 300,000-value IP list.
func BenchmarkValueListParse(b *testing.B) {
	src := listQuery("source.ip", 300000, genIP)
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		if _, err := Parse(src, WithNow(testNow)); err != nil {
			b.Fatal(err)
		}
	}
}
