package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/triage"
	"picket/triage/elastic/elastictest"
)

// mixedDocs are web and firewall events: some with source.ip, some with
// only client.ip, some without a user agent; some 403 POSTs; some denies.
func mixedDocs(srv *elastictest.Server) {
	for i := range 400 {
		ts := t0.Add(time.Duration(i*37) * time.Second).Format(time.RFC3339Nano)
		ip := fmt.Sprintf(`"source":{"ip":"10.1.0.%d"},`, i%7)
		if i%5 == 0 {
			ip = fmt.Sprintf(`"client":{"ip":"10.2.0.%d"},`, i%3)
		}
		ua := fmt.Sprintf(`"user_agent":{"original":"agent-%d"},`, i%4)
		if i%6 == 0 {
			ua = ""
		}
		id := ""
		if i%2 == 0 {
			id = fmt.Sprintf(`"event.id":"e%d",`, i)
		}
		status, method := 200, "GET"
		if i%3 == 0 {
			status, method = 403, "POST"
		}
		srv.Add("traces-apm-default", "", fmt.Appendf(nil, `{"@timestamp":%q,%s%s%s"http":{"request":{"method":%q},"response":{"status_code":%d}}}`, ts, id, ip, ua, method, status))
		var deny string
		switch i % 4 {
		case 0:
			deny = `"event":{"category":["network"],"outcome":"deny"}`
		case 1:
			deny = `"event":{"category":["network"],"type":["connection","denied"]}`
		case 2:
			deny = `"event":{"category":["network"],"outcome":"success"}`
		default:
			deny = `"event":{"category":["web"],"outcome":"deny"}`
		}
		srv.Add("logs-firewall-default", "", fmt.Appendf(nil, `{"@timestamp":%q,%s%s}`, ts, ip, deny))
	}
}

var post403 = json.RawMessage(`{"bool":{"filter":[{"term":{"http.response.status_code":403}},{"term":{"http.request.method":"POST"}}]}}`)

// Groups computed in Elasticsearch agree with grouping the pulled events.
func TestGroupsAgreeWithLocal(t *testing.T) {
	srv := elastictest.NewServer()
	defer srv.Close()
	mixedDocs(srv)
	c := newClient(t, srv.URL)
	for _, page := range []int{1000, 4} {
		t.Run(fmt.Sprintf("page %d", page), func(t *testing.T) {
			old := groupPage
			groupPage = page
			defer func() { groupPage = old }()
			q := Query{Indices: []string{"traces-apm-*"}, From: t0, To: t0.Add(24 * time.Hour), Filter: post403}

			// Local: pull everything, filter and group here.
			type key struct {
				ip netip.Addr
				ua string
			}
			local := map[key]*Group{}
			var keys []key
			err := c.NewSource(Query{Indices: q.Indices, From: q.From, To: q.To}, SourceOptions{PageSize: 50}).Events(context.Background(), func(ev *triage.Event) error {
				if ev.StatusCode != 403 || ev.Method != "POST" {
					return nil
				}
				k := key{ev.SourceIP, ev.UserAgent}
				g := local[k]
				if g == nil {
					g = &Group{SourceIP: ev.SourceIP, UserAgent: ev.UserAgent, First: ev.Timestamp}
					local[k] = g
					keys = append(keys, k)
				}
				g.Count++
				g.Last = ev.Timestamp
				if len(g.EventIDs) < SampleIDs {
					g.EventIDs = append(g.EventIDs, ev.ID)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			var pushed []Group
			if err := c.Groups(context.Background(), q, func(g Group) error { pushed = append(pushed, g); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(pushed) != len(local) || len(pushed) < 10 {
				t.Fatalf("%d groups pushed down, %d local", len(pushed), len(local))
			}
			for _, p := range pushed {
				l := local[key{p.SourceIP, p.UserAgent}]
				if l == nil {
					t.Errorf("pushed group %v %q not found locally", p.SourceIP, p.UserAgent)
					continue
				}
				if p.Count != l.Count || !p.First.Equal(l.First) || !p.Last.Equal(l.Last) || !slices.Equal(p.EventIDs, l.EventIDs) {
					t.Errorf("group %v %q:\n pushed %+v\n local  %+v", p.SourceIP, p.UserAgent, p, *l)
				}
			}
		})
	}
}

// Deny counts per 15 minutes agree with counting pulled events the way
// the high_count_network_denies datafeed selects them.
func TestDenyHistogramAgreesWithLocal(t *testing.T) {
	srv := elastictest.NewServer()
	defer srv.Close()
	mixedDocs(srv)
	c := newClient(t, srv.URL)
	q := Query{Indices: []string{"logs-*"}, From: t0, To: t0.Add(24 * time.Hour)}
	local := map[time.Time]int64{}
	err := c.NewSource(q, SourceOptions{}).Events(context.Background(), func(ev *triage.Event) error {
		if triage.Has(ev.Category, "network") && (ev.Outcome == "deny" || triage.Has(ev.Type, "denied")) {
			local[ev.Timestamp.Truncate(15*time.Minute)]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	q.Filter = DenyFilter
	bs, err := c.Histogram(context.Background(), q, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != len(local) || len(bs) < 10 {
		t.Fatalf("%d buckets pushed down, %d local", len(bs), len(local))
	}
	var total int64
	for i, b := range bs {
		if local[b.Start] != b.Count {
			t.Errorf("bucket %v: pushed %d, local %d", b.Start, b.Count, local[b.Start])
		}
		if i > 0 && !b.Start.After(bs[i-1].Start) {
			t.Errorf("buckets out of order at %d", i)
		}
		total += b.Count
	}
	if total != 200 {
		t.Errorf("%d denies counted, want 200", total)
	}
	if _, err := c.Histogram(context.Background(), q, time.Millisecond); err == nil {
		t.Errorf("a sub-second interval should be refused")
	}
}

// The samples of chosen deny buckets agree with the pulled events of the
// same buckets: the earliest ids, each source IP's count, how many
// distinct sources; other buckets are left out, in batches or not.
func TestSampleBucketsAgreeWithLocal(t *testing.T) {
	srv := elastictest.NewServer()
	defer srv.Close()
	mixedDocs(srv)
	c := newClient(t, srv.URL)
	span := 15 * time.Minute
	q := Query{Indices: []string{"logs-*"}, From: t0, To: t0.Add(24 * time.Hour)}
	type local struct {
		ids []string
		ips map[string]int64
	}
	byBucket := map[time.Time]*local{}
	err := c.NewSource(q, SourceOptions{}).Events(context.Background(), func(ev *triage.Event) error {
		if !triage.Has(ev.Category, "network") || (ev.Outcome != "deny" && !triage.Has(ev.Type, "denied")) {
			return nil
		}
		s := ev.Timestamp.Truncate(span)
		l := byBucket[s]
		if l == nil {
			l = &local{ips: map[string]int64{}}
			byBucket[s] = l
		}
		if len(l.ids) < SampleIDs {
			l.ids = append(l.ids, ev.ID)
		}
		if ip := ev.SourceIP; ip.IsValid() && ev.Raw != nil && strings.Contains(string(ev.Raw), `"source"`) {
			l.ips[ip.String()]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	q.Filter = DenyFilter
	bs, err := c.Histogram(context.Background(), q, span)
	if err != nil || len(bs) < 10 {
		t.Fatalf("histogram: %d buckets, %v", len(bs), err)
	}
	starts := []time.Time{bs[1].Start, bs[4].Start, bs[5].Start, bs[9].Start, t0.Add(-time.Hour)} // the last has no denies
	for _, batch := range []int{100, 2} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			old := sampleBatch
			sampleBatch = batch
			defer func() { sampleBatch = old }()
			got, err := c.SampleBuckets(context.Background(), q, span, starts, []string{"source.ip", "destination.port"}, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 4 {
				t.Fatalf("%d samples, want the 4 buckets with denies", len(got))
			}
			for i, s := range got {
				l := byBucket[s.Start]
				if !s.Start.Equal(starts[i]) || l == nil {
					t.Fatalf("sample %d starts at %v, want %v", i, s.Start, starts[i])
				}
				if s.Count != bs[slices.IndexFunc(bs, func(b Bucket) bool { return b.Start.Equal(s.Start) })].Count {
					t.Errorf("bucket %v: count %d differs from the histogram's", s.Start, s.Count)
				}
				if !slices.Equal(s.IDs, l.ids) {
					t.Errorf("bucket %v: ids %v, local %v", s.Start, s.IDs, l.ids)
				}
				if len(s.Fields) != 2 || s.Fields[0].Field != "source.ip" || s.Fields[1].Field != "destination.port" {
					t.Fatalf("fields %+v", s.Fields)
				}
				src := s.Fields[0]
				if src.Distinct != int64(len(l.ips)) || len(src.Top) == 0 || len(src.Top) > 3 {
					t.Errorf("bucket %v: source.ip %+v, local %v", s.Start, src, l.ips)
				}
				for j, tc := range src.Top {
					if l.ips[tc.Value] != tc.Count || j > 0 && tc.Count > src.Top[j-1].Count {
						t.Errorf("bucket %v: %s counted %d, local %d (or out of order)", s.Start, tc.Value, tc.Count, l.ips[tc.Value])
					}
				}
				if dp := s.Fields[1]; len(dp.Top) != 0 || dp.Distinct != 0 {
					t.Errorf("destination.port of documents without it: %+v", dp)
				}
			}
		})
	}
}
