package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"time"

	"picket/triage/elastic/internal/esreq"
)

// Pushing work down: when a pull would be too large, Elasticsearch does
// the counting. Groups counts a rule's matches per actor (source IP ×
// user agent) with a composite aggregation, Histogram counts documents
// per fixed interval with a date_histogram. Both read the documents a
// Query selects; put the rule's query DSL (kql.ToDSL) in Query.Filter.

// Group is one source IP × user agent bucket counted in Elasticsearch.
type Group struct {
	// SourceIP is source.ip, else client.ip, as triage.Event reads it;
	// invalid when the documents have neither.
	SourceIP  netip.Addr
	UserAgent string // user_agent.original; "" when absent
	Count     int64
	// First and Last are the earliest and latest time-field values, to
	// the millisecond.
	First, Last time.Time
	// EventIDs are up to SampleIDs of the earliest documents' ids
	// (event.id, else _id): evidence an analyst can open.
	EventIDs []string
}

// SampleIDs is how many evidence ids a Group carries.
const SampleIDs = 10

// groupPage is how many composite buckets one request returns (a
// variable so tests can make paging happen).
var groupPage = 1000

// Groups counts the documents q selects per source IP and user agent,
// paging through the composite aggregation's buckets, and calls fn for
// each group in key order. Documents with both source.ip and client.ip
// count under source.ip, as triage.Event does.
func (c *Client) Groups(ctx context.Context, q Query, fn func(Group) error) error {
	field := q.timeField()
	var after json.RawMessage
	pending := map[string]*Group{} // merged across composite keys
	var order []string
	for page := 1; ; page++ {
		comp := map[string]any{
			"size": groupPage,
			"sources": []any{
				map[string]any{"source_ip": map[string]any{"terms": map[string]any{"field": "source.ip", "missing_bucket": true}}},
				map[string]any{"client_ip": map[string]any{"terms": map[string]any{"field": "client.ip", "missing_bucket": true}}},
				map[string]any{"user_agent": map[string]any{"terms": map[string]any{"field": "user_agent.original", "missing_bucket": true}}},
			},
		}
		if after != nil {
			comp["after"] = after
		}
		body := map[string]any{
			"size":             0,
			"track_total_hits": false,
			"query":            q.dsl(),
			"aggs": map[string]any{"actors": map[string]any{
				"composite": comp,
				"aggs": map[string]any{
					"first": map[string]any{"min": map[string]any{"field": field}},
					"last":  map[string]any{"max": map[string]any{"field": field}},
					"sample": map[string]any{"top_hits": map[string]any{
						"size":    SampleIDs,
						"sort":    []any{map[string]any{field: "asc"}},
						"_source": map[string]any{"includes": []string{"event.id"}},
					}},
				},
			}},
		}
		var out struct {
			Aggregations struct {
				Actors struct {
					AfterKey json.RawMessage `json:"after_key"`
					Buckets  []struct {
						Key struct {
							SourceIP  *string `json:"source_ip"`
							ClientIP  *string `json:"client_ip"`
							UserAgent *string `json:"user_agent"`
						} `json:"key"`
						DocCount int64 `json:"doc_count"`
						First    struct {
							Value *float64 `json:"value"`
						} `json:"first"`
						Last struct {
							Value *float64 `json:"value"`
						} `json:"last"`
						Sample struct {
							Hits struct {
								Hits []struct {
									ID     string `json:"_id"`
									Source struct {
										Event struct {
											ID string `json:"id"`
										} `json:"event"`
										EventID string `json:"event.id"`
									} `json:"_source"`
								} `json:"hits"`
							} `json:"hits"`
						} `json:"sample"`
					} `json:"buckets"`
				} `json:"actors"`
			} `json:"aggregations"`
		}
		op := fmt.Sprintf("group %s by source IP and user agent (page %d)", q.name(), page)
		req := esreq.Search(q.Indices, jsonBody(body))
		if err := c.doJSON(ctx, op, req, &out); err != nil {
			return err
		}
		bs := out.Aggregations.Actors.Buckets
		for _, b := range bs {
			var ip netip.Addr
			for _, s := range []*string{b.Key.SourceIP, b.Key.ClientIP} {
				if s == nil {
					continue
				}
				if a, err := netip.ParseAddr(*s); err == nil {
					ip = a.Unmap()
					break
				}
			}
			ua := ""
			if b.Key.UserAgent != nil {
				ua = *b.Key.UserAgent
			}
			key := ip.String() + "\x00" + ua
			g := pending[key]
			if g == nil {
				g = &Group{SourceIP: ip, UserAgent: ua}
				pending[key] = g
				order = append(order, key)
			}
			g.Count += b.DocCount
			if b.First.Value != nil {
				if t := msTime(*b.First.Value); g.First.IsZero() || t.Before(g.First) {
					g.First = t
				}
			}
			if b.Last.Value != nil {
				if t := msTime(*b.Last.Value); t.After(g.Last) {
					g.Last = t
				}
			}
			for _, h := range b.Sample.Hits.Hits {
				id := h.Source.Event.ID
				if id == "" {
					id = h.Source.EventID
				}
				if id == "" {
					id = h.ID
				}
				if len(g.EventIDs) < SampleIDs {
					g.EventIDs = append(g.EventIDs, id)
				}
			}
		}
		after = out.Aggregations.Actors.AfterKey
		if len(bs) < groupPage || after == nil {
			break
		}
	}
	sort.Strings(order)
	for _, k := range order {
		if err := fn(*pending[k]); err != nil {
			return err
		}
	}
	return nil
}

func msTime(ms float64) time.Time { return time.UnixMilli(int64(ms)).UTC() }

// Bucket is one interval of a Histogram.
type Bucket struct {
	Start time.Time
	Count int64
}

// Histogram counts the documents q selects per fixed interval (aligned to
// the Unix epoch, as Elastic's anomaly detection buckets are), returning
// only non-empty buckets in time order.
func (c *Client) Histogram(ctx context.Context, q Query, interval time.Duration) ([]Bucket, error) {
	if interval < time.Second {
		return nil, fmt.Errorf("elasticsearch: histogram interval %v: want at least 1s", interval)
	}
	body := map[string]any{
		"size":             0,
		"track_total_hits": false,
		"query":            q.dsl(),
		"aggs": map[string]any{"over_time": map[string]any{"date_histogram": map[string]any{
			"field":          q.timeField(),
			"fixed_interval": strconv.FormatInt(int64(interval/time.Second), 10) + "s",
			"min_doc_count":  1,
		}}},
	}
	var out struct {
		Aggregations struct {
			OverTime struct {
				Buckets []struct {
					Key      float64 `json:"key"`
					DocCount int64   `json:"doc_count"`
				} `json:"buckets"`
			} `json:"over_time"`
		} `json:"aggregations"`
	}
	op := "count " + q.name() + " per " + interval.String()
	if err := c.doJSON(ctx, op, esreq.Search(q.Indices, jsonBody(body)), &out); err != nil {
		return nil, err
	}
	bs := make([]Bucket, 0, len(out.Aggregations.OverTime.Buckets))
	for _, b := range out.Aggregations.OverTime.Buckets {
		bs = append(bs, Bucket{Start: msTime(b.Key), Count: b.DocCount})
	}
	return bs, nil
}

// DenyFilter selects what the datafeed of Elastic's
// high_count_network_denies job counts: network events whose outcome is
// deny or whose type is denied.
var DenyFilter = json.RawMessage(`{"bool":{"filter":[{"term":{"event.category":"network"}}],` +
	`"should":[{"match":{"event.outcome":"deny"}},{"match":{"event.type":"denied"}}],"minimum_should_match":1}}`)

// TermCount is one value of a field and how many documents had it.
type TermCount struct {
	Value string
	Count int64
}

// FieldSummary is what a terms and a cardinality aggregation say about
// one field in one bucket.
type FieldSummary struct {
	Field string
	// Top are the most frequent values, most frequent first. Over several
	// shards their counts may be underestimated a little, as
	// Elasticsearch's terms aggregation documents.
	Top []TermCount
	// Distinct is the cardinality aggregation's estimate of how many
	// values there were: near exact below its precision threshold
	// (SamplePrecision), approximate (HyperLogLog++) above.
	Distinct int64
}

// BucketSample is what Elasticsearch returns about the documents of one
// histogram bucket: sample ids and summaries of some fields.
type BucketSample struct {
	Start time.Time
	Count int64
	// IDs are the event ids (event.id, else _id) of the bucket's
	// SampleIDs earliest documents.
	IDs    []string
	Fields []FieldSummary // in the order asked for
}

// SamplePrecision is the cardinality aggregations' precision_threshold.
const SamplePrecision = 3000

// sampleBatch is how many buckets one SampleBuckets request covers.
var sampleBatch = 100

// SampleBuckets fetches, for the interval buckets starting at starts (as
// Histogram returned them), the ids of each bucket's earliest documents
// and, per field, its top most frequent values and distinct count. It
// is the follow-up to Histogram for the few buckets worth explaining: one
// request per sampleBatch buckets, whose query keeps only those buckets'
// documents and whose date_histogram carries top_hits, terms and
// cardinality sub-aggregations. Buckets without documents are left out.
func (c *Client) SampleBuckets(ctx context.Context, q Query, interval time.Duration, starts []time.Time, fields []string, top int) ([]BucketSample, error) {
	if interval < time.Second {
		return nil, fmt.Errorf("elasticsearch: histogram interval %v: want at least 1s", interval)
	}
	field := q.timeField()
	var out []BucketSample
	for lo := 0; lo < len(starts); lo += sampleBatch {
		batch := starts[lo:min(lo+sampleBatch, len(starts))]
		var ranges []any
		for _, s := range batch {
			ranges = append(ranges, map[string]any{"range": map[string]any{field: map[string]any{
				"gte":    s.UTC().Format(time.RFC3339Nano),
				"lt":     s.Add(interval).UTC().Format(time.RFC3339Nano),
				"format": "strict_date_optional_time",
			}}})
		}
		sub := map[string]any{"sample": map[string]any{"top_hits": map[string]any{
			"size":    SampleIDs,
			"sort":    []any{map[string]any{field: "asc"}},
			"_source": map[string]any{"includes": []string{"event.id"}},
		}}}
		for i, f := range fields {
			sub[fmt.Sprintf("f%d", i)] = map[string]any{"terms": map[string]any{"field": f, "size": top}}
			sub[fmt.Sprintf("f%d_distinct", i)] = map[string]any{"cardinality": map[string]any{"field": f, "precision_threshold": SamplePrecision}}
		}
		body := map[string]any{
			"size":             0,
			"track_total_hits": false,
			"query": map[string]any{"bool": map[string]any{"filter": []any{
				q.dsl(),
				map[string]any{"bool": map[string]any{"should": ranges, "minimum_should_match": 1}},
			}}},
			"aggs": map[string]any{"over_time": map[string]any{
				"date_histogram": map[string]any{
					"field":          field,
					"fixed_interval": strconv.FormatInt(int64(interval/time.Second), 10) + "s",
					"min_doc_count":  1,
				},
				"aggs": sub,
			}},
		}
		var res struct {
			Aggregations struct {
				OverTime struct {
					Buckets []map[string]json.RawMessage `json:"buckets"`
				} `json:"over_time"`
			} `json:"aggregations"`
		}
		op := fmt.Sprintf("sample %d bucket(s) of %s", len(batch), q.name())
		if err := c.doJSON(ctx, op, esreq.Search(q.Indices, jsonBody(body)), &res); err != nil {
			return nil, err
		}
		for _, b := range res.Aggregations.OverTime.Buckets {
			s, err := sampleOf(b, fields)
			if err != nil {
				return nil, &Error{Op: op, Reason: "unexpected answer: " + err.Error()}
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// sampleOf decodes one bucket of SampleBuckets' answer.
func sampleOf(b map[string]json.RawMessage, fields []string) (BucketSample, error) {
	var s BucketSample
	var key float64
	if err := json.Unmarshal(b["key"], &key); err != nil {
		return s, fmt.Errorf("bucket key: %w", err)
	}
	s.Start = msTime(key)
	_ = json.Unmarshal(b["doc_count"], &s.Count)
	var sample struct {
		Hits struct {
			Hits []struct {
				ID     string `json:"_id"`
				Source struct {
					Event struct {
						ID string `json:"id"`
					} `json:"event"`
					EventID string `json:"event.id"`
				} `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if raw := b["sample"]; raw != nil {
		if err := json.Unmarshal(raw, &sample); err != nil {
			return s, fmt.Errorf("sample: %w", err)
		}
	}
	for _, h := range sample.Hits.Hits {
		id := h.Source.Event.ID
		if id == "" {
			id = h.Source.EventID
		}
		if id == "" {
			id = h.ID
		}
		s.IDs = append(s.IDs, id)
	}
	for i, f := range fields {
		fs := FieldSummary{Field: f}
		var terms struct {
			Buckets []struct {
				Key      json.RawMessage `json:"key"`
				KeyStr   string          `json:"key_as_string"`
				DocCount int64           `json:"doc_count"`
			} `json:"buckets"`
		}
		if raw := b[fmt.Sprintf("f%d", i)]; raw != nil {
			if err := json.Unmarshal(raw, &terms); err != nil {
				return s, fmt.Errorf("terms of %s: %w", f, err)
			}
		}
		for _, t := range terms.Buckets {
			v := t.KeyStr // ip and boolean fields name the value here
			if v == "" {
				var str string
				if json.Unmarshal(t.Key, &str) == nil {
					v = str
				} else {
					v = string(t.Key) // a number, as its JSON text
				}
			}
			fs.Top = append(fs.Top, TermCount{Value: v, Count: t.DocCount})
		}
		var card struct {
			Value int64 `json:"value"`
		}
		if raw := b[fmt.Sprintf("f%d_distinct", i)]; raw != nil {
			if err := json.Unmarshal(raw, &card); err != nil {
				return s, fmt.Errorf("cardinality of %s: %w", f, err)
			}
		}
		fs.Distinct = card.Value
		s.Fields = append(s.Fields, fs)
	}
	return s, nil
}
