// Package pushdown runs what Elasticsearch can count instead of Picket:
// KQL query rules as DSL grouped by actor, and the spike model scored on
// Elasticsearch's deny histogram. It is used when a pull would be too
// large to bring the events home.
package pushdown

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"picket/detectors/rules"
	"picket/detectors/spike"
	"picket/kql"
	"picket/triage"
	"picket/triage/elastic"
)

// Plan replaces the detectors by what Elasticsearch can do for them:
// KQL query rules become their query in DSL (kql.ToDSL) grouped by source
// IP × user agent through a composite aggregation, one finding per group;
// the spike model is scored on the deny counts of a date_histogram over
// its datafeed's query, and the buckets it finds anomalous are then
// sampled for evidence ids and influencer values; other detectors need
// the events and are listed as not run. The returned source delivers no events: it runs the
// aggregations, whose errors end the run as a pull's would.
//
// q selects the documents (indices and time range); indexGiven says the
// user named the indices, so a rule's own index patterns do not replace
// them.
func Plan(c *elastic.Client, q elastic.Query, dets []triage.Detector, indexGiven bool) (triage.Source, []triage.Detector) {
	src := &pushedSource{c: c, q: q}
	var out []triage.Detector
	var notRun []string
	for _, d := range dets {
		switch d := d.(type) {
		case *rules.Detector:
			r := d.Rule()
			if r.Type != rules.TypeQuery || (r.Language != "" && r.Language != rules.LanguageKuery) {
				notRun = append(notRun, d.Info().ID)
				continue
			}
			kq, err := kql.Parse(r.Query)
			if err != nil {
				notRun = append(notRun, d.Info().ID)
				continue
			}
			dsl, _ := json.Marshal(kq.ToDSL())
			rq := q
			rq.Filter = dsl
			if len(r.Index) > 0 && !indexGiven {
				rq.Indices = r.Index
			}
			p := &pushedRule{info: d.Info(), q: rq}
			src.rules = append(src.rules, p)
			out = append(out, p)
		case *spike.Detector:
			p := &pushedSpike{d: d}
			src.spike = p
			out = append(out, p)
		default:
			notRun = append(notRun, d.Info().ID)
		}
	}
	if len(notRun) > 0 {
		out = append(out, &notRunLint{ids: notRun})
	}
	return src, out
}

// pushedSource runs the aggregations when the engine asks for events.
type pushedSource struct {
	c     *elastic.Client
	q     elastic.Query
	rules []*pushedRule
	spike *pushedSpike
}

func (p *pushedSource) Name() string {
	return "elasticsearch " + strings.Join(p.q.Indices, ",") + " (counted in Elasticsearch)"
}

func (p *pushedSource) Events(ctx context.Context, _ func(*triage.Event) error) error {
	for _, r := range p.rules {
		err := p.c.Groups(ctx, r.q, func(g elastic.Group) error {
			r.groups = append(r.groups, g)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if p.spike != nil {
		return p.spike.count(ctx, p.c, p.q)
	}
	return nil
}

// pushedRule is a KQL rule counted in Elasticsearch: one finding per
// source IP × user agent, with the group's count and sample evidence.
type pushedRule struct {
	info   triage.DetectorInfo
	q      elastic.Query
	groups []elastic.Group
}

func (p *pushedRule) Info() triage.DetectorInfo                   { return p.info }
func (p *pushedRule) Observe(*triage.Event, func(triage.Finding)) {}

func (p *pushedRule) Flush(emit func(triage.Finding)) {
	for _, g := range p.groups {
		emit(triage.Finding{
			Detector: p.info.ID, Title: p.info.Title, Severity: p.info.Severity, RiskScore: p.info.RiskScore,
			Timestamp: g.First, End: g.Last, SourceIP: g.SourceIP, UserAgent: g.UserAgent,
			Reason: fmt.Sprintf("%d events from this source match the rule's query (counted in Elasticsearch, not pulled); the ids are the first %d",
				g.Count, len(g.EventIDs)),
			Evidence: triage.RefsFromIDs(g.EventIDs), EventCount: int(g.Count),
		})
	}
}

// pushedSpike is the spike model scored on counts: Elasticsearch counts
// the denies per bucket (the job's datafeed as elastic.DenyFilter), the
// model scores those counts exactly as it scores events, and only the
// buckets it finds anomalous are sampled for evidence (the first
// elastic.SampleIDs ids) and influencers (each field's top values and
// distinct count), so findings cite events like a local run's do.
type pushedSpike struct {
	d                *spike.Detector
	denies           int64
	bucketN, sampled int
}

// countedBy names the counter in the findings' reasons.
const countedBy = "Elasticsearch"

// spikeTop is how many values per influencer field a sample asks for.
const spikeTop = 8

func (p *pushedSpike) count(ctx context.Context, c *elastic.Client, q elastic.Query) error {
	q.Filter = elastic.DenyFilter
	span := p.d.Span()
	bs, err := c.Histogram(ctx, q, span)
	if err != nil {
		return err
	}
	counts := make([]spike.BucketCount, len(bs))
	for i, b := range bs {
		counts[i] = spike.BucketCount{Start: b.Start, Count: int(b.Count)}
		p.denies += b.Count
	}
	p.bucketN = len(bs)
	p.d.AddCounts(countedBy, counts...)
	anomalous := p.d.Anomalous()
	if len(anomalous) == 0 {
		return nil
	}
	samples, err := c.SampleBuckets(ctx, q, span, anomalous, spike.InfluencerFields[:], spikeTop)
	if err != nil {
		return err
	}
	p.sampled = len(samples)
	for _, s := range samples {
		bc := spike.BucketCount{Start: s.Start, IDs: s.IDs}
		for _, f := range s.Fields {
			if len(f.Top) == 0 {
				continue
			}
			inf := spike.InfluencerField{
				Field:    f.Field,
				Distinct: int(f.Distinct),
				// Below its precision threshold the cardinality
				// aggregation counts hashes in a set, as the local tally
				// does up to 64 values: call that exact, like it.
				Exact: f.Distinct <= 64,
			}
			for _, t := range f.Top {
				inf.Top = append(inf.Top, spike.InfluencerValue{Value: t.Value, Count: int(t.Count), Share: float64(t.Count) / float64(max(s.Count, 1))})
			}
			bc.Influencers = append(bc.Influencers, inf)
		}
		p.d.AddCounts(countedBy, bc)
	}
	return nil
}

func (p *pushedSpike) Info() triage.DetectorInfo                   { return p.d.Info() }
func (p *pushedSpike) Observe(*triage.Event, func(triage.Finding)) {}
func (p *pushedSpike) Flush(emit func(triage.Finding))             { p.d.Flush(emit) }

// Lints are the model's own (warm-up, history dropped) and a note of
// what counting in Elasticsearch changes.
func (p *pushedSpike) Lints() []triage.Lint {
	span := strings.TrimSuffix(strings.TrimSuffix(p.d.Span().String(), "0s"), "0m")
	msg := fmt.Sprintf("scored on the denies Elasticsearch counted (%d in %d buckets of %s, not pulled); %d anomalous bucket(s) sampled for evidence and influencers; deny look-alikes the job's datafeed misses cannot be seen in counts and were not checked",
		p.denies, p.bucketN, span, p.sampled)
	return append(p.d.Lints(), triage.Lint{Detector: p.d.Info().ID, Message: msg, Count: int(p.denies)})
}

// notRunLint names the detectors a push-down cannot run.
type notRunLint struct{ ids []string }

func (n *notRunLint) Info() triage.DetectorInfo {
	return triage.DetectorInfo{ID: "picket:pushdown", Title: "Detectors not run on a pushed-down pull"}
}
func (n *notRunLint) Observe(*triage.Event, func(triage.Finding)) {}
func (n *notRunLint) Flush(func(triage.Finding))                  {}
func (n *notRunLint) Lints() []triage.Lint {
	return []triage.Lint{{Detector: "picket:pushdown", Message: "not run, they need the events (narrow the time range or raise --es-limit): " + strings.Join(n.ids, ", ")}}
}
