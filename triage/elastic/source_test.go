package elastic

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"picket/triage"
	"picket/triage/elastic/elastictest"
	"picket/triage/eventtest"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// apmDoc is an APM transaction of about 1 KB. Every third one carries an
// event.id; the others are identified by their _id.
func apmDoc(i int) []byte {
	ts := t0.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano)
	eventID := ""
	if i%3 == 0 {
		eventID = fmt.Sprintf(`"id":"evt-%d",`, i)
	}
	status, method := 200, "GET"
	if i%7 == 0 {
		status, method = 403, "POST"
	}
	return fmt.Appendf(nil, `{"@timestamp":%q,"event":{%s"outcome":"success","kind":"event","category":["web"]},`+
		`"processor":{"event":"transaction"},"source":{"ip":"10.0.%d.%d"},"user_agent":{"original":"Mozilla/5.0 (X11; Linux x86_64) agent-%d"},`+
		`"http":{"request":{"method":%q,"headers":{"Accept":["text/html"],"Host":["shop.example"]}},"response":{"status_code":%d}},`+
		`"url":{"original":"/products/%d?ref=home","path":"/products/%d","query":"ref=home","full":"https://shop.example/products/%d?ref=home"},`+
		`"transaction":{"name":"GET /products/:id","id":"%016x","duration":{"us":%d},"result":"HTTP 2xx"},`+
		`"service":{"name":"shop","environment":"production","version":"1.4.2"},"user":{"name":"user%d"},`+
		`"agent":{"name":"go","version":"2.6.0"},"host":{"hostname":"web-1","os":{"platform":"linux"}},`+
		`"labels":{"team":"checkout","region":"eu-west-1","padding":"%s"},"data_stream":{"dataset":"apm","type":"traces","namespace":"default"}}`,
		ts, eventID, i/256%256, i%256, i%5, method, status, i, i, i, i, 1000+i, i%50, strings.Repeat("x", 200))
}

func newFake(t testing.TB, index string, n int) *elastictest.Server {
	t.Helper()
	srv := elastictest.NewServer()
	t.Cleanup(srv.Close)
	for i := range n {
		srv.Add(index, "", apmDoc(i))
	}
	return srv
}

func newClient(t testing.TB, url string, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{URLs: []string{url}, RetryBase: time.Millisecond, Timeout: 5 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func collect(t *testing.T, src triage.Source) ([]*triage.Event, error) {
	t.Helper()
	var evs []*triage.Event
	err := src.Events(context.Background(), func(ev *triage.Event) error {
		evs = append(evs, ev)
		return nil
	})
	return evs, err
}

func TestSourcePagesInOrder(t *testing.T) {
	for _, tc := range []struct {
		docs, page   int
		wantSearches int
	}{
		{docs: 0, page: 10, wantSearches: 1},
		{docs: 1, page: 10, wantSearches: 1},
		{docs: 10, page: 10, wantSearches: 2}, // a full page asks once more
		{docs: 11, page: 10, wantSearches: 2},
		{docs: 95, page: 10, wantSearches: 10},
		{docs: 120, page: 0, wantSearches: 1}, // default page size 5,000
	} {
		t.Run(fmt.Sprintf("%d docs page %d", tc.docs, tc.page), func(t *testing.T) {
			srv := newFake(t, "traces-apm-default", tc.docs)
			src := newClient(t, srv.URL).NewSource(Query{Indices: []string{"traces-apm*"}}, SourceOptions{PageSize: tc.page})
			evs, err := collect(t, src)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != tc.docs {
				t.Fatalf("got %d events, want %d", len(evs), tc.docs)
			}
			for i, ev := range evs {
				if want := t0.Add(time.Duration(i) * time.Second); !ev.Timestamp.Equal(want) {
					t.Fatalf("event %d at %v, want %v (order)", i, ev.Timestamp, want)
				}
				wantID := fmt.Sprintf("traces-apm-default-%d", i+1)
				if i%3 == 0 {
					wantID = fmt.Sprintf("evt-%d", i)
				}
				if ev.ID != wantID || ev.Index != "traces-apm-default" {
					t.Fatalf("event %d: id %q index %q, want id %q", i, ev.ID, ev.Index, wantID)
				}
			}
			reqs := srv.Requests()
			searches := 0
			for _, r := range reqs {
				if r == "POST /_search" {
					searches++
				}
			}
			if searches != tc.wantSearches {
				t.Errorf("%d searches, want %d: %v", searches, tc.wantSearches, reqs)
			}
			if reqs[0] != "POST /traces-apm*/_pit" || reqs[len(reqs)-1] != "DELETE /_pit" {
				t.Errorf("requests %v: want the point in time opened first and closed last", reqs)
			}
			if srv.OpenPITs() != 0 || src.pits.Load() != 0 {
				t.Errorf("point in time left open")
			}
		})
	}
}

func TestSourceHotFieldsDecoded(t *testing.T) {
	srv := newFake(t, "traces-apm-default", 8)
	evs, err := collect(t, newClient(t, srv.URL).NewSource(Query{Indices: []string{"traces-apm-default"}}, SourceOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	ev := evs[7]
	if ev.Method != "POST" || ev.StatusCode != 403 || ev.SourceIP.String() != "10.0.0.7" || ev.UserAgent != "Mozilla/5.0 (X11; Linux x86_64) agent-2" || ev.URLPath != "/products/7" {
		t.Errorf("hot fields: %+v", ev)
	}
	if got := ev.GetString("labels.team"); got != "checkout" {
		t.Errorf("Get(labels.team) = %q", got)
	}
}

func TestSourceTimeRange(t *testing.T) {
	srv := newFake(t, "logs-a", 100)
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"open", time.Time{}, time.Time{}, 100},
		{"from", t0.Add(90 * time.Second), time.Time{}, 10},
		{"to exclusive", time.Time{}, t0.Add(10 * time.Second), 10},
		{"window", t0.Add(20 * time.Second), t0.Add(30 * time.Second), 10},
		{"empty", t0.Add(time.Hour), time.Time{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := newClient(t, srv.URL).NewSource(Query{Indices: []string{"logs-*"}, From: tc.from, To: tc.to}, SourceOptions{PageSize: 7})
			evs, err := collect(t, src)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != tc.want {
				t.Errorf("got %d events, want %d", len(evs), tc.want)
			}
			n, err := newClient(t, srv.URL).Count(context.Background(), Query{Indices: []string{"logs-*"}, From: tc.from, To: tc.to})
			if err != nil || n != int64(tc.want) {
				t.Errorf("Count = %d, %v; want %d", n, err, tc.want)
			}
		})
	}
}

// Stopping part-way (Ctrl-C, or the consumer's error) keeps what was
// delivered and still closes the point in time.
func TestSourceStopsCleanly(t *testing.T) {
	stop := errors.New("stop")
	for _, tc := range []struct {
		name    string
		cancel  bool
		wantErr error
	}{
		{"ctx cancelled", true, context.Canceled},
		{"consumer error", false, stop},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t, "logs-a", 100)
			src := newClient(t, srv.URL).NewSource(Query{Indices: []string{"logs-a"}}, SourceOptions{PageSize: 10})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			err := src.Events(ctx, func(*triage.Event) error {
				n++
				if n == 25 {
					if tc.cancel {
						cancel()
						return nil
					}
					return stop
				}
				return nil
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if n < 25 || n > 30 {
				t.Errorf("delivered %d events; want the 25 before the stop (and at most the rest of that page)", n)
			}
			if srv.OpenPITs() != 0 {
				t.Errorf("point in time left open after stop")
			}
			if got := srv.Requests(); got[len(got)-1] != "DELETE /_pit" {
				t.Errorf("last request %q, want DELETE /_pit", got[len(got)-1])
			}
		})
	}
}

func TestSourceProgress(t *testing.T) {
	srv := newFake(t, "logs-a", 50)
	var mu sync.Mutex
	var got []Progress
	src := newClient(t, srv.URL).NewSource(Query{Indices: []string{"logs-a"}}, SourceOptions{PageSize: 20, Progress: func(p Progress) {
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
	}})
	if _, err := collect(t, src); err != nil {
		t.Fatal(err)
	}
	docs := []int64{}
	for _, p := range got {
		docs = append(docs, p.Docs)
		if p.Total != 50 {
			t.Errorf("progress total %d, want 50 (hits.total)", p.Total)
		}
	}
	if !slices.Equal(docs, []int64{20, 40, 50, 50}) {
		t.Errorf("progress docs %v, want [20 40 50 50]", docs)
	}
	if last := got[len(got)-1]; !last.Done || last.Rate <= 0 || last.ETA != 0 {
		t.Errorf("last progress %+v: want Done, a rate, no ETA left", last)
	}
	if first := got[0]; first.ETA <= 0 {
		t.Errorf("first progress %+v: want an ETA", first)
	}
}

func TestPageSizeBounded(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1")
	for _, tc := range []struct{ in, want int }{{0, 5000}, {-3, 5000}, {200, 200}, {10000, 10000}, {50000, 10000}} {
		if got := c.NewSource(Query{}, SourceOptions{PageSize: tc.in}).o.PageSize; got != tc.want {
			t.Errorf("PageSize %d -> %d, want %d", tc.in, got, tc.want)
		}
	}
}

// With Resolve, the pull's decoder reads the captured fields from each
// hit as it parses it; the findings must be the ones a second parse of
// each document gave.
func TestSourceResolvedCaptureIsTheSecondParse(t *testing.T) {
	srv := newFake(t, "traces-apm-default", 300)
	capture := []string{"labels.team", "service.name", "labels.region"}
	findings := func(resolve []string) []triage.Finding {
		var out []triage.Finding
		eng := &triage.Engine{Detectors: []triage.Detector{eventtest.EveryEvent{}}, Capture: capture,
			OnFinding: func(f triage.Finding) { out = append(out, f) }}
		src := newClient(t, srv.URL).NewSource(Query{Indices: []string{"traces-apm-default"}}, SourceOptions{PageSize: 64, Resolve: resolve})
		if _, err := eng.Run(context.Background(), src); err != nil {
			t.Fatal(err)
		}
		return out
	}
	parsedAgain, resolved := findings(nil), findings(triage.CaptureFields(capture))
	if len(resolved) != 300 || !reflect.DeepEqual(resolved, parsedAgain) {
		t.Fatalf("%d findings with the decoder resolving, %d parsed again; they differ", len(resolved), len(parsedAgain))
	}
	if a := resolved[7].Attrs; len(a) != 3 || a[0].Value != "checkout" || a[1].Value != "shop" || a[2].Value != "eu-west-1" {
		t.Fatalf("captured %+v", a)
	}
}
