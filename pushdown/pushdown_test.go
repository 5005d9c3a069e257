package pushdown

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/detectors/rules"
	"picket/detectors/spike"
	"picket/triage"
	"picket/triage/demo"
	"picket/triage/elastic"
	"picket/triage/elastic/elastictest"
)

func newClient(t *testing.T, url string) *elastic.Client {
	t.Helper()
	c, err := elastic.New(elastic.Config{URLs: []string{url}, RetryBase: time.Millisecond, MaxRetries: 1, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// run runs detectors over a source as picket detect does, and returns
// their findings and lints.
func run(t *testing.T, src triage.Source, dets []triage.Detector) ([]triage.Finding, triage.Stats) {
	t.Helper()
	var fs []triage.Finding
	e := &triage.Engine{Detectors: dets, OnFinding: func(f triage.Finding) { fs = append(fs, f) }}
	st, err := e.Run(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if st.Unproven != 0 {
		t.Errorf("%d findings without evidence", st.Unproven)
	}
	return fs, st
}

// needsEvents stands for a detector that only works on events (an
// AppSensor point).
type needsEvents struct{ id string }

func (n needsEvents) Info() triage.DetectorInfo                   { return triage.DetectorInfo{ID: n.id} }
func (n needsEvents) Observe(*triage.Event, func(triage.Finding)) {}
func (n needsEvents) Flush(func(triage.Finding))                  {}

// Plan keeps what Elasticsearch can count and names the rest.
func TestPlan(t *testing.T) {
	query, err := rules.NewQuery(`http.response.status_code >= 400`, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	threshold, err := rules.NewLintOnly(&rules.Rule{RuleID: "th-1", Name: "threshold", Type: rules.TypeThreshold, Query: `event.outcome:failure`}, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		dets   []triage.Detector
		pushed []string // ids of the detectors returned, lint last
		notRun string   // the not-run lint's message, "" for none
	}{
		{"a KQL rule", []triage.Detector{query}, []string{"query"}, ""},
		{"the spike model", []triage.Detector{spike.New(spike.Options{})}, []string{spike.New(spike.Options{}).Info().ID}, ""},
		{"a threshold rule is not counted", []triage.Detector{threshold, query}, []string{"query", "picket:pushdown"}, "elastic:th-1"},
		{"detectors that need events", []triage.Detector{needsEvents{"appsensor:CIE1"}, query, needsEvents{"appsensor:RE2"}},
			[]string{"query", "picket:pushdown"}, "not run, they need the events (narrow the time range or raise --es-limit): appsensor:CIE1, appsensor:RE2"},
		{"nothing", nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, out := Plan(nil, elastic.Query{Indices: []string{"logs-*"}}, tc.dets, true)
			var ids []string
			var lint string
			for _, d := range out {
				ids = append(ids, d.Info().ID)
				if n, ok := d.(*notRunLint); ok {
					lint = n.Lints()[0].Message
				}
			}
			if !slices.Equal(ids, tc.pushed) {
				t.Errorf("detectors %v, want %v", ids, tc.pushed)
			}
			if !strings.Contains(lint, tc.notRun) || (tc.notRun == "") != (lint == "") {
				t.Errorf("not-run lint %q, want %q", lint, tc.notRun)
			}
			if !strings.Contains(src.Name(), "counted in Elasticsearch") {
				t.Errorf("source name %q does not say it counts", src.Name())
			}
		})
	}
}

// A rule counted in Elasticsearch searches its own index patterns unless
// the user named the indices.
func TestPlanRuleIndices(t *testing.T) {
	srv := elastictest.NewServer()
	defer srv.Close()
	srv.Add("logs-web", "", []byte(`{"@timestamp":"2026-11-27T10:00:00Z","source":{"ip":"10.0.0.1"},"http":{"response":{"status_code":404}}}`))
	srv.Add("logs-other", "", []byte(`{"@timestamp":"2026-11-27T10:00:00Z","source":{"ip":"10.0.0.2"},"http":{"response":{"status_code":500}}}`))
	rule := &rules.Rule{RuleID: "r-1", Name: "errors", Type: rules.TypeQuery, Language: rules.LanguageKuery,
		Query: `http.response.status_code >= 400`, Index: []string{"logs-web*"}, Enabled: true}
	for _, tc := range []struct {
		name       string
		indexGiven bool
		wantPath   string
		wantIPs    []string
	}{
		{"the rule's patterns", false, "/logs-web*/_search", []string{"10.0.0.1"}},
		{"the user's indices", true, "/logs-*/_search", []string{"10.0.0.1", "10.0.0.2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := rules.New(rule, rules.Options{})
			if err != nil {
				t.Fatal(err)
			}
			before := len(srv.Requests())
			src, dets := Plan(newClient(t, srv.URL), elastic.Query{Indices: []string{"logs-*"}}, []triage.Detector{d}, tc.indexGiven)
			fs, _ := run(t, src, dets)
			var ips []string
			for _, f := range fs {
				ips = append(ips, f.SourceIP.String())
			}
			slices.Sort(ips)
			if !slices.Equal(ips, tc.wantIPs) {
				t.Errorf("findings from %v, want %v", ips, tc.wantIPs)
			}
			if reqs := srv.Requests()[before:]; !slices.Contains(reqs, "POST "+tc.wantPath) {
				t.Errorf("requests %v, want one to %s", reqs, tc.wantPath)
			}
		})
	}
}

// An aggregation that fails ends the run with Elasticsearch's error, as
// a failed pull does.
func TestPushDownErrors(t *testing.T) {
	q, _ := rules.NewQuery(`source.ip:10.0.0.1`, rules.Options{})
	for _, tc := range []struct {
		name  string
		setup func(*elastictest.Server)
		dets  []triage.Detector
		want  error
	}{
		{"rule counts refused", func(s *elastictest.Server) { s.Forbid("logs-a", false) }, []triage.Detector{q}, elastic.ErrForbidden},
		{"histogram rejected", func(s *elastictest.Server) { s.Fail("aggs", 400, 1) }, []triage.Detector{spike.New(spike.Options{})}, elastic.ErrBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := elastictest.NewServer()
			defer srv.Close()
			srv.Add("logs-a", "", []byte(`{"@timestamp":"2026-11-27T10:00:00Z","source":{"ip":"10.0.0.1"}}`))
			tc.setup(srv)
			src, dets := Plan(newClient(t, srv.URL), elastic.Query{Indices: []string{"logs-a"}}, tc.dets, true)
			_, err := (&triage.Engine{Detectors: dets}).Run(context.Background(), src)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// A KQL rule counted in Elasticsearch per source IP × user agent agrees
// with the same query run locally over the pulled events: same groups,
// same counts, same first and last times (to the millisecond, as
// Elasticsearch keeps them). Three days of demo data.
func TestRuleCountsAgreeWithLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("loads three days of demo data into the fake cluster")
	}
	const query = `http.response.status_code >= 400 or user_agent.original:*curl* or url.path:/admin*`
	end := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	srv := elastictest.NewServer()
	defer srv.Close()
	stop := errors.New("done")
	err := demo.New(demo.DefaultSeed).Events(context.Background(), func(ev *triage.Event) error {
		if !ev.Timestamp.Before(end) {
			return stop
		}
		srv.Add("logs-demo", "", ev.Raw)
		return nil
	})
	if err != stop {
		t.Fatalf("demo: %v", err)
	}
	c := newClient(t, srv.URL)
	q := elastic.Query{Indices: []string{"logs-*"}, From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: end}
	newQuery := func() []triage.Detector {
		d, err := rules.NewQuery(query, rules.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return []triage.Detector{d}
	}
	local, _ := run(t, c.NewSource(q, elastic.SourceOptions{PageSize: 3000}), newQuery())
	src, dets := Plan(c, q, newQuery(), true)
	pushed, _ := run(t, src, dets)

	type key struct{ ip, ua string }
	type agg struct {
		count       int
		first, last time.Time
	}
	collect := func(fs []triage.Finding) map[key]agg {
		m := map[key]agg{}
		for _, f := range fs {
			k := key{f.SourceIP.String(), f.UserAgent}
			a := m[k]
			first, last := f.Timestamp.Truncate(time.Millisecond), f.End.Truncate(time.Millisecond)
			if f.End.IsZero() {
				last = first
			}
			if a.first.IsZero() || first.Before(a.first) {
				a.first = first
			}
			if last.After(a.last) {
				a.last = last
			}
			a.count += f.EventCount
			m[k] = a
		}
		return m
	}
	for _, f := range pushed {
		if len(f.Evidence) == 0 || !strings.Contains(f.Reason, "counted in Elasticsearch, not pulled") {
			t.Errorf("pushed-down finding without evidence or without saying how it was counted: %+v", f)
		}
	}
	l, p := collect(local), collect(pushed)
	if len(l) < 5 || len(l) != len(p) {
		t.Fatalf("%d groups locally, %d pushed down", len(l), len(p))
	}
	for k, la := range l {
		if pa, ok := p[k]; !ok || pa != la {
			t.Errorf("group %v: local %+v, pushed down %+v", k, la, pa)
		}
	}
}

// firewallDenies loads four days of firewall denies with a daily rhythm,
// a port sweep from one address in one bucket of the last day and a
// burst over two buckets that evening, with allowed traffic between.
func firewallDenies(t *testing.T) *elastictest.Server {
	t.Helper()
	srv := elastictest.NewServer()
	t.Cleanup(srv.Close)
	r := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	span := 15 * time.Minute
	sweep := start.Add(3*24*time.Hour + 14*time.Hour + 30*time.Minute)
	burst := start.Add(3*24*time.Hour + 20*time.Hour)
	n := 0
	add := func(ts time.Time, src string, port int, deny bool) {
		n++
		outcome, typ := "success", "allowed"
		if deny {
			outcome, typ = "failure", "denied"
		}
		srv.Add("logs-firewall", "", fmt.Appendf(nil, `{"@timestamp":%q,"event":{"id":"fw-%d","category":["network"],"type":["connection",%q],"outcome":%q},`+
			`"source":{"ip":%q},"destination":{"port":%d,"geo":{"country_name":"Germany"}}}`,
			ts.Format(time.RFC3339), n, typ, outcome, src, port))
	}
	for b := range 4 * 96 {
		bs := start.Add(time.Duration(b) * span)
		h := float64(bs.Hour()) + float64(bs.Minute())/60
		mean := 4 + 8*(1-math.Cos(2*math.Pi*(h-3)/24))/2
		count := int(mean) + r.IntN(4)
		switch {
		case bs.Equal(sweep):
			count += 300
		case bs.Equal(burst), bs.Equal(burst.Add(span)):
			count += 150
		}
		var ts []time.Time
		for range count {
			ts = append(ts, bs.Add(time.Duration(r.IntN(int(span/time.Second)))*time.Second))
		}
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		for i, at := range ts {
			src := fmt.Sprintf("198.18.%d.%d", r.IntN(50), 1+r.IntN(250))
			port := 20 + r.IntN(30)
			if bs.Equal(sweep) && i%4 != 3 {
				src, port = "203.0.113.14", 1+i%41
			}
			add(at, src, port, true)
			if i%3 == 0 {
				add(at, "192.0.2.44", 443, false)
			}
		}
	}
	return srv
}

// The spike model scored on Elasticsearch's deny histogram, with its
// anomalous buckets sampled, agrees with the model run over the pulled
// events: findings start and end at the same times with the same counts
// and scores; the evidence is each bucket's earliest ids, which the local
// run cites too; the influencers are Elasticsearch's summaries, and the
// reason says so.
func TestSpikeAgreesWithLocal(t *testing.T) {
	srv := firewallDenies(t)
	c := newClient(t, srv.URL)
	q := elastic.Query{Indices: []string{"logs-*"}, From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 7, 0, 0, 0, 0, time.UTC)}
	local, localSt := run(t, c.NewSource(q, elastic.SourceOptions{}), []triage.Detector{spike.New(spike.Options{})})
	src, dets := Plan(c, q, []triage.Detector{spike.New(spike.Options{})}, true)
	pushed, pushedSt := run(t, src, dets)
	if len(local) < 2 || len(local) != len(pushed) {
		t.Fatalf("%d findings locally, %d pushed down", len(local), len(pushed))
	}
	for i, l := range local {
		p := pushed[i]
		t.Logf("local:  %s\npushed: %s", l.Reason, p.Reason)
		if !p.Timestamp.Equal(l.Timestamp) || !p.End.Equal(l.End) || p.EventCount != l.EventCount {
			t.Errorf("finding %d: local %s-%s (%d denies), pushed down %s-%s (%d)", i, l.Timestamp, l.End, l.EventCount, p.Timestamp, p.End, p.EventCount)
		}
		lscore, _, _ := strings.Cut(l.Reason, "; ")
		pscore, _, _ := strings.Cut(p.Reason, "; ")
		if lscore != pscore {
			t.Errorf("finding %d: scores differ:\n local  %s\n pushed %s", i, lscore, pscore)
		}
		if len(p.Evidence) == 0 {
			t.Errorf("finding %d cites no evidence", i)
		}
		for _, id := range p.EventIDs() {
			if !slices.Contains(l.EventIDs(), id) {
				t.Errorf("finding %d: pushed evidence %s is not among the local run's", i, id)
			}
		}
		if !strings.Contains(p.Reason, fmt.Sprintf("the %d denies were counted by Elasticsearch, not read as events", p.EventCount)) ||
			!strings.Contains(p.Reason, "the influencers are Elasticsearch's own summaries") {
			t.Errorf("finding %d: reason does not say what Elasticsearch counted: %s", i, p.Reason)
		}
	}
	// The sweep is attributed to its source either way.
	sweep := slices.IndexFunc(pushed, func(f triage.Finding) bool {
		return f.Timestamp.Equal(time.Date(2026, 11, 5, 14, 30, 0, 0, time.UTC))
	})
	if sweep < 0 || !strings.Contains(pushed[sweep].Reason, "from 203.0.113.14") ||
		pushed[sweep].SourceIP.String() != "203.0.113.14" || local[sweep].SourceIP.String() != "203.0.113.14" {
		t.Errorf("the sweep's source is not named: %+v", pushed)
	}
	// The model's own lints are the same, and the push-down says what it
	// counted and sampled.
	lint := func(st triage.Stats, word string) string {
		for _, l := range st.Lints {
			if strings.Contains(l.Message, word) {
				return l.Message
			}
		}
		return ""
	}
	if w := lint(localSt, "model learned"); w == "" || w != lint(pushedSt, "model learned") {
		t.Errorf("warm-up lints differ:\n local  %q\n pushed %q", w, lint(pushedSt, "model learned"))
	}
	if m := lint(pushedSt, "Elasticsearch counted"); !strings.Contains(m, "anomalous bucket(s) sampled for evidence and influencers") {
		t.Errorf("no lint says what was counted and sampled: %q", m)
	}
}
