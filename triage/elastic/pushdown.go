package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"time"

	"github.com/elastic/go-elasticsearch/v8/esapi"
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
		req := esapi.SearchRequest{Index: q.Indices, Body: jsonBody(body)}
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
	if err := c.doJSON(ctx, op, esapi.SearchRequest{Index: q.Indices, Body: jsonBody(body)}, &out); err != nil {
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
