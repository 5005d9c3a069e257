package elastictest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// aggs answers POST /<index>/_search with size 0 and one aggregation:
// composite (terms sources with missing_bucket) or date_histogram
// (fixed_interval, min_doc_count), each with min, max, top_hits, terms
// and cardinality sub-aggregations (see subAggs).
func (s *Server) aggs(w http.ResponseWriter, index string, body []byte) {
	var req struct {
		Query json.RawMessage                       `json:"query"`
		Aggs  map[string]map[string]json.RawMessage `json:"aggs"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, 400, "parsing_exception", err.Error(), nil)
		return
	}
	q, err := parseQuery(req.Query)
	if err != nil {
		writeError(w, 400, "parsing_exception", err.Error(), nil)
		return
	}
	s.mu.Lock()
	docs, missing := s.resolveIndices(index)
	var matched []*doc
	for _, d := range docs {
		if q.match(d.parsed) {
			matched = append(matched, d)
		}
	}
	s.mu.Unlock()
	if missing != "" {
		writeError(w, 404, "index_not_found_exception", "no such index ["+missing+"]", map[string]any{"index": missing})
		return
	}
	slices.SortStableFunc(matched, func(a, b *doc) int {
		if c := a.ts.Compare(b.ts); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	out := map[string]any{}
	for name, agg := range req.Aggs {
		switch {
		case agg["composite"] != nil:
			res, err := composite(matched, agg["composite"], agg["aggs"])
			if err != nil {
				writeError(w, 400, "parsing_exception", err.Error(), nil)
				return
			}
			out[name] = res
		case agg["date_histogram"] != nil:
			res, err := dateHistogram(matched, agg["date_histogram"], agg["aggs"])
			if err != nil {
				writeError(w, 400, "parsing_exception", err.Error(), nil)
				return
			}
			out[name] = res
		default:
			writeError(w, 400, "parsing_exception", "fake Elasticsearch: unsupported aggregation "+name, nil)
			return
		}
	}
	writeJSON(w, 200, map[string]any{
		"took": 1, "timed_out": false,
		"_shards":      map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits":         map[string]any{"max_score": nil, "hits": []any{}},
		"aggregations": out,
	})
}

func composite(docs []*doc, spec, subSpec json.RawMessage) (map[string]any, error) {
	var c struct {
		Size    int                                     `json:"size"`
		Sources []map[string]map[string]json.RawMessage `json:"sources"`
		After   map[string]any                          `json:"after"`
	}
	if err := json.Unmarshal(spec, &c); err != nil {
		return nil, err
	}
	type source struct{ name, field string }
	var srcs []source
	for _, m := range c.Sources {
		for name, def := range m {
			var t struct {
				Field string `json:"field"`
			}
			_ = json.Unmarshal(def["terms"], &t)
			srcs = append(srcs, source{name, t.Field})
		}
	}
	var sub map[string]map[string]json.RawMessage
	if len(subSpec) > 0 {
		if err := json.Unmarshal(subSpec, &sub); err != nil {
			return nil, err
		}
	}
	type bucket struct {
		key  []any
		docs []*doc
	}
	byKey := map[string]*bucket{}
	for _, d := range docs {
		key := make([]any, len(srcs))
		for i, src := range srcs {
			if vs := values(d.parsed, src.field); len(vs) > 0 {
				key[i] = text(vs[0])
			}
		}
		k, _ := json.Marshal(key)
		b := byKey[string(k)]
		if b == nil {
			b = &bucket{key: key}
			byKey[string(k)] = b
		}
		b.docs = append(b.docs, d)
	}
	var bs []*bucket
	for _, b := range byKey {
		bs = append(bs, b)
	}
	cmpKey := func(a, b []any) int {
		for i := range a {
			switch {
			case a[i] == nil && b[i] == nil:
				continue
			case a[i] == nil:
				return -1
			case b[i] == nil:
				return 1
			}
			if c := strings.Compare(a[i].(string), b[i].(string)); c != 0 {
				return c
			}
		}
		return 0
	}
	slices.SortFunc(bs, func(a, b *bucket) int { return cmpKey(a.key, b.key) })
	if c.After != nil {
		after := make([]any, len(srcs))
		for i, src := range srcs {
			if v, ok := c.After[src.name]; ok && v != nil {
				after[i] = text(v)
			}
		}
		i := 0
		for i < len(bs) && cmpKey(bs[i].key, after) <= 0 {
			i++
		}
		bs = bs[i:]
	}
	if c.Size <= 0 {
		c.Size = 10
	}
	if len(bs) > c.Size {
		bs = bs[:c.Size]
	}
	keyMap := func(key []any) map[string]any {
		m := map[string]any{}
		for i, src := range srcs {
			m[src.name] = key[i]
		}
		return m
	}
	out := make([]any, 0, len(bs))
	for _, b := range bs {
		ob := map[string]any{"key": keyMap(b.key), "doc_count": len(b.docs)}
		subAggs(b.docs, sub, ob)
		out = append(out, ob)
	}
	res := map[string]any{"buckets": out}
	if len(bs) > 0 {
		res["after_key"] = keyMap(bs[len(bs)-1].key)
	}
	return res, nil
}

func dateHistogram(docs []*doc, spec, subSpec json.RawMessage) (map[string]any, error) {
	var h struct {
		Field         string `json:"field"`
		FixedInterval string `json:"fixed_interval"`
		MinDocCount   int    `json:"min_doc_count"`
	}
	if err := json.Unmarshal(spec, &h); err != nil {
		return nil, err
	}
	iv, err := time.ParseDuration(h.FixedInterval)
	if err != nil {
		return nil, err
	}
	var sub map[string]map[string]json.RawMessage
	if len(subSpec) > 0 {
		if err := json.Unmarshal(subSpec, &sub); err != nil {
			return nil, err
		}
	}
	byKey := map[int64][]*doc{}
	for _, d := range docs {
		for _, v := range values(d.parsed, h.Field) {
			if t, ok := asTime(v); ok {
				ms := t.UnixMilli()
				step := iv.Milliseconds()
				k := ms - ((ms%step)+step)%step
				byKey[k] = append(byKey[k], d)
				break
			}
		}
	}
	keys := make([]int64, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		ob := map[string]any{
			"key_as_string": time.UnixMilli(k).UTC().Format("2006-01-02T15:04:05.000Z"),
			"key":           k,
			"doc_count":     len(byKey[k]),
		}
		subAggs(byKey[k], sub, ob)
		out = append(out, ob)
	}
	return map[string]any{"buckets": out}, nil
}

// subAggs computes sub-aggregations over one bucket's docs (in time
// order) into ob: min and max of a time field, top_hits (the earliest
// documents' event.id), terms (doc counts of a field's values, most
// frequent first, ties by value) and cardinality (exact here).
func subAggs(docs []*doc, sub map[string]map[string]json.RawMessage, ob map[string]any) {
	for name, def := range sub {
		switch {
		case def["min"] != nil, def["max"] != nil:
			var f struct {
				Field string `json:"field"`
			}
			isMin := def["min"] != nil
			if isMin {
				_ = json.Unmarshal(def["min"], &f)
			} else {
				_ = json.Unmarshal(def["max"], &f)
			}
			var best time.Time
			for _, d := range docs {
				for _, v := range values(d.parsed, f.Field) {
					if t, ok := asTime(v); ok && (best.IsZero() || (isMin && t.Before(best)) || (!isMin && t.After(best))) {
						best = t
					}
				}
			}
			if best.IsZero() {
				ob[name] = map[string]any{"value": nil}
			} else {
				ob[name] = map[string]any{"value": float64(best.UnixMilli()), "value_as_string": best.Format("2006-01-02T15:04:05.000Z")}
			}
		case def["top_hits"] != nil:
			var th struct {
				Size int `json:"size"`
			}
			_ = json.Unmarshal(def["top_hits"], &th)
			var hits []any
			for i, d := range docs { // docs are in time order
				if i == th.Size {
					break
				}
				src := map[string]any{}
				if v, ok := d.parsed["event.id"]; ok {
					src["event.id"] = v
				} else if vs := values(d.parsed, "event.id"); len(vs) > 0 {
					src["event"] = map[string]any{"id": vs[0]}
				}
				hits = append(hits, map[string]any{"_index": d.index, "_id": d.id, "_score": nil, "_source": src})
			}
			ob[name] = map[string]any{"hits": map[string]any{"total": map[string]any{"value": len(docs), "relation": "eq"}, "hits": hits}}
		case def["terms"] != nil:
			var tm struct {
				Field string `json:"field"`
				Size  int    `json:"size"`
			}
			_ = json.Unmarshal(def["terms"], &tm)
			if tm.Size <= 0 {
				tm.Size = 10
			}
			type term struct {
				key   any
				count int
			}
			byKey := map[string]*term{}
			for _, d := range docs {
				seen := map[string]bool{}
				for _, v := range values(d.parsed, tm.Field) {
					k := text(v)
					if seen[k] {
						continue // a document counts once per value
					}
					seen[k] = true
					if byKey[k] == nil {
						byKey[k] = &term{key: v}
					}
					byKey[k].count++
				}
			}
			ts := make([]*term, 0, len(byKey))
			for _, t := range byKey {
				ts = append(ts, t)
			}
			slices.SortFunc(ts, func(a, b *term) int {
				if a.count != b.count {
					return b.count - a.count
				}
				return strings.Compare(text(a.key), text(b.key))
			})
			n := min(tm.Size, len(ts))
			other := 0
			for _, t := range ts[n:] {
				other += t.count
			}
			bs := []any{}
			for _, t := range ts[:n] {
				bs = append(bs, map[string]any{"key": t.key, "doc_count": t.count})
			}
			ob[name] = map[string]any{"doc_count_error_upper_bound": 0, "sum_other_doc_count": other, "buckets": bs}
		case def["cardinality"] != nil:
			var cd struct {
				Field string `json:"field"`
			}
			_ = json.Unmarshal(def["cardinality"], &cd)
			seen := map[string]bool{}
			for _, d := range docs {
				for _, v := range values(d.parsed, cd.Field) {
					seen[text(v)] = true
				}
			}
			ob[name] = map[string]any{"value": len(seen)}
		}
	}
}
