// Package elastictest is an in-process fake of the parts of the
// Elasticsearch 8 REST API Picket uses, for tests without a cluster:
// point in time (POST /<index>/_pit, DELETE /_pit), search with pit and
// search_after (POST /_search), _count, _update_by_query on alert
// documents, composite and date_histogram aggregations (with min, max, top_hits,
// terms and cardinality sub-aggregations), and
// _security/_authenticate. It answers with the X-Elastic-Product header
// the client's product check wants, and Elasticsearch's error bodies
// ({"error":{"root_cause":[...],"type":...,"reason":...},"status":N}).
//
// Faults are injected per operation: Fail makes the next calls answer
// 429, 503, 403, ...; Forbid refuses an index as a missing privilege
// would; NotElasticsearch drops the product header; Delay slows every
// answer. A body not declared JSON (Content-Type) gets Elasticsearch 8's
// 406. It evaluates a small query DSL subset: match_all, bool (filter,
// must, should, must_not), term, terms, match, match_phrase, range,
// exists, wildcard, prefix and query_string on one field.
package elastictest

// Why this file is long: it is one fake server, each route a short handler
// over the same in-memory indices.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a fake Elasticsearch node. Its methods are safe for
// concurrent use.
type Server struct {
	*httptest.Server

	mu      sync.Mutex
	indices map[string][]*doc
	pits    map[string]*pit
	nextPIT int
	seq     int
	faults  map[string][]fault
	forbid  []forbidden
	log     []string
	updates []Update

	// NotElasticsearch drops the X-Elastic-Product header, as a proxy or
	// another product would.
	NotElasticsearch bool
	// APIKey, when set, is required as "Authorization: ApiKey <key>";
	// other requests get 401.
	APIKey string
	// Password, when set, is required with User for basic auth.
	Password string
	// User is what _security/_authenticate reports (default "analyst").
	User string
	// Delay is added before every answer (timeouts).
	Delay time.Duration
}

type doc struct {
	index, id string
	src       []byte
	parsed    map[string]any
	seq       int
	ts        time.Time // @timestamp, parsed once
}

type pit struct {
	docs  []*doc // sorted by time, then sequence
	cache map[string][]*doc
}

type fault struct {
	status int
	body   string
}

type forbidden struct {
	pattern string
	write   bool
}

// Update is one _update_by_query the server ran, for assertions.
type Update struct {
	Index     string
	Refresh   string
	Conflicts string
	IDs       []string
	Params    map[string]any
}

// NewServer starts a fake node; Close it when done.
func NewServer() *Server {
	s := &Server{indices: map[string][]*doc{}, pits: map[string]*pit{}, faults: map[string][]fault{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// NewTLSServer starts a fake node serving HTTPS with httptest's
// self-signed certificate (Certificate returns it).
func NewTLSServer() *Server {
	s := &Server{indices: map[string][]*doc{}, pits: map[string]*pit{}, faults: map[string][]fault{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s
}

// Add stores a document: source is its JSON; id "" means one is made up.
func (s *Server) Add(index, id string, source []byte) {
	var m map[string]any
	if err := json.Unmarshal(source, &m); err != nil {
		panic(fmt.Sprintf("elastictest: document is not a JSON object: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if id == "" {
		id = fmt.Sprintf("%s-%d", index, s.seq)
	}
	d := &doc{index: index, id: id, src: bytes.Clone(source), parsed: m, seq: s.seq}
	for _, v := range values(m, "@timestamp") {
		if t, ok := asTime(v); ok {
			d.ts = t
			break
		}
	}
	s.indices[index] = append(s.indices[index], d)
}

// Source returns a stored document's JSON (after updates).
func (s *Server) Source(index, id string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.indices[index] {
		if d.id == id {
			return d.src
		}
	}
	return nil
}

// Fail makes the next n calls of op answer status with an Elasticsearch
// error body. op is one of pit, search, count, update, close, aggs,
// authenticate.
func (s *Server) Fail(op string, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[op] = append(s.faults[op], fault{status: status})
	}
}

// FailWith is Fail with a given raw body.
func (s *Server) FailWith(op string, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = append(s.faults[op], fault{status: status, body: body})
}

// Forbid refuses reads (or, with write, writes) of indices matching
// pattern with a 403 naming the privilege, as Elasticsearch security does.
func (s *Server) Forbid(pattern string, write bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbid = append(s.forbid, forbidden{pattern, write})
}

// OpenPITs returns how many points in time are open.
func (s *Server) OpenPITs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pits)
}

// Requests returns "METHOD /path" of every request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Updates returns the _update_by_query calls so far.
func (s *Server) Updates() []Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.updates)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !s.NotElasticsearch {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
	}
	w.Header().Set("Content-Type", "application/json")
	if s.Delay > 0 {
		select {
		case <-time.After(s.Delay):
		case <-r.Context().Done():
			return
		}
	}
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.log = append(s.log, r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	if len(body) > 0 && !jsonContentType(r.Header.Get("Content-Type")) {
		// Elasticsearch 8 refuses a body it is not told is JSON.
		msg := "Content-Type header is missing"
		if ct := r.Header.Get("Content-Type"); ct != "" {
			msg = "Content-Type header [" + ct + "] is not supported"
		}
		writeJSON(w, 406, map[string]any{"error": msg, "status": 406})
		return
	}
	if !s.authorized(r) {
		writeError(w, 401, "security_exception", "unable to authenticate with provided credentials and anonymous access is not allowed for this request", nil)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var op, index string
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/_security/_authenticate":
		op = "authenticate"
	case r.Method == http.MethodDelete && r.URL.Path == "/_pit":
		op = "close"
	case r.Method == http.MethodPost && r.URL.Path == "/_search":
		op = "search"
	case len(parts) == 2 && parts[1] == "_pit":
		op, index = "pit", parts[0]
	case len(parts) == 2 && parts[1] == "_count":
		op, index = "count", parts[0]
	case len(parts) == 2 && parts[1] == "_search":
		op, index = "aggs", parts[0]
	case len(parts) == 2 && parts[1] == "_update_by_query":
		op, index = "update", parts[0]
	default:
		writeError(w, 400, "illegal_argument_exception", "fake Elasticsearch: unsupported request "+r.Method+" "+r.URL.Path, nil)
		return
	}
	if s.takeFault(w, op) {
		return
	}
	if index != "" && s.refused(w, op, index) {
		return
	}
	switch op {
	case "authenticate":
		user := s.User
		if user == "" {
			user = "analyst"
		}
		writeJSON(w, 200, map[string]any{"username": user, "roles": []string{"viewer"}, "enabled": true})
	case "pit":
		s.openPIT(w, r, index)
	case "close":
		s.closePIT(w, body)
	case "search":
		s.search(w, body)
	case "count":
		s.count(w, index, body)
	case "aggs":
		s.aggs(w, index, body)
	case "update":
		s.update(w, r, index, body)
	}
}

// jsonContentType reports whether a request's Content-Type is one
// Elasticsearch 8 reads as JSON: application/json, or the versioned
// application/vnd.elasticsearch+json;compatible-with=8 the client sends
// in compatibility mode (parameters such as charset allowed).
func jsonContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
		return false
	case mt == "application/json", mt == "application/x-ndjson":
		return true
	case mt == "application/vnd.elasticsearch+json":
		return params["compatible-with"] == "8"
	}
	return false
}

// authorized checks the API key or basic credentials when the server
// requires them (the auth scheme is case-insensitive, as in HTTP).
func (s *Server) authorized(r *http.Request) bool {
	if s.APIKey == "" && s.Password == "" {
		return true
	}
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if s.APIKey != "" && strings.EqualFold(scheme, "ApiKey") && cred == s.APIKey {
		return true
	}
	user, pass, ok := r.BasicAuth()
	want := s.User
	if want == "" {
		want = "analyst"
	}
	return s.Password != "" && ok && user == want && pass == s.Password
}

func (s *Server) takeFault(w http.ResponseWriter, op string) bool {
	s.mu.Lock()
	q := s.faults[op]
	if len(q) == 0 {
		s.mu.Unlock()
		return false
	}
	f := q[0]
	s.faults[op] = q[1:]
	s.mu.Unlock()
	if f.body != "" {
		w.WriteHeader(f.status)
		io.WriteString(w, f.body)
		return true
	}
	switch f.status {
	case 429:
		writeError(w, 429, "es_rejected_execution_exception", "rejected execution of coordinating operation", nil)
	case 401:
		writeError(w, 401, "security_exception", "unable to authenticate user [analyst] for REST request [/_search]", nil)
	default:
		writeError(w, f.status, "fake_exception", http.StatusText(f.status), nil)
	}
	return true
}

func (s *Server) refused(w http.ResponseWriter, op, index string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.forbid {
		write := op == "update"
		if f.write != write {
			continue
		}
		for _, name := range strings.Split(index, ",") {
			if match(f.pattern, name) || match(name, f.pattern) {
				action, privs := "indices:data/read/search", "read,all"
				switch op {
				case "pit":
					action = "indices:data/read/open_point_in_time"
				case "update":
					action, privs = "indices:data/write/update/byquery", "write,all"
				}
				reason := fmt.Sprintf("action [%s] is unauthorized for user [analyst] with effective roles [viewer] on indices [%s], this action is granted by the index privileges [%s]", action, name, privs)
				writeError(w, 403, "security_exception", reason, nil)
				return true
			}
		}
	}
	return false
}

// resolveIndices expands a comma-separated list of names and patterns. A
// missing concrete name is an error, as in Elasticsearch.
func (s *Server) resolveIndices(expr string) ([]*doc, string) {
	var out []*doc
	seen := map[string]bool{}
	for _, name := range strings.Split(expr, ",") {
		found := false
		for idx, docs := range s.indices {
			if match(name, idx) && !seen[idx] {
				seen[idx] = true
				out = append(out, docs...)
			}
			if match(name, idx) {
				found = true
			}
		}
		if !found && !strings.Contains(name, "*") {
			return nil, name
		}
	}
	return out, ""
}

func (s *Server) openPIT(w http.ResponseWriter, r *http.Request, index string) {
	if r.URL.Query().Get("keep_alive") == "" {
		writeError(w, 400, "action_request_validation_exception", "Validation Failed: 1: [keep_alive] is not specified;", nil)
		return
	}
	s.mu.Lock()
	docs, missing := s.resolveIndices(index)
	if missing != "" {
		s.mu.Unlock()
		writeError(w, 404, "index_not_found_exception", "no such index ["+missing+"]", map[string]any{"index": missing, "resource.type": "index_or_alias", "resource.id": missing})
		return
	}
	slices.SortStableFunc(docs, func(a, b *doc) int {
		if c := docTime(a).Compare(docTime(b)); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	s.nextPIT++
	id := fmt.Sprintf("pit-%d-%s", s.nextPIT, strings.Repeat("A", 20))
	s.pits[id] = &pit{docs: docs, cache: map[string][]*doc{}}
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"id": id, "_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0}})
}

func (s *Server) closePIT(w http.ResponseWriter, body []byte) {
	var req struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &req)
	s.mu.Lock()
	_, ok := s.pits[req.ID]
	delete(s.pits, req.ID)
	s.mu.Unlock()
	if !ok {
		writeJSON(w, 404, map[string]any{"succeeded": true, "num_freed": 0})
		return
	}
	writeJSON(w, 200, map[string]any{"succeeded": true, "num_freed": 1})
}

type searchRequest struct {
	Size  *int            `json:"size"`
	Query json.RawMessage `json:"query"`
	PIT   *struct {
		ID        string `json:"id"`
		KeepAlive string `json:"keep_alive"`
	} `json:"pit"`
	Sort           json.RawMessage   `json:"sort"`
	SearchAfter    []json.RawMessage `json:"search_after"`
	TrackTotalHits any               `json:"track_total_hits"`
	Aggs           json.RawMessage   `json:"aggs"`
	Aggregations   json.RawMessage   `json:"aggregations"`
}

func (s *Server) search(w http.ResponseWriter, body []byte) {
	var req searchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, 400, "parsing_exception", "request body: "+err.Error(), nil)
		return
	}
	if req.PIT == nil {
		writeError(w, 400, "action_request_validation_exception", "fake Elasticsearch: POST /_search needs a pit", nil)
		return
	}
	s.mu.Lock()
	p, ok := s.pits[req.PIT.ID]
	s.mu.Unlock()
	if !ok {
		writeError(w, 404, "search_context_missing_exception", "No search context found for id ["+req.PIT.ID+"]", nil)
		return
	}
	q, err := parseQuery(req.Query)
	if err != nil {
		writeError(w, 400, "parsing_exception", err.Error(), nil)
		return
	}
	s.mu.Lock()
	key := string(req.Query)
	matched, cached := p.cache[key]
	if !cached {
		for _, d := range p.docs {
			if q.match(d.parsed) {
				matched = append(matched, d)
			}
		}
		p.cache[key] = matched
	}
	s.mu.Unlock()
	size := 10
	if req.Size != nil {
		size = *req.Size
	}
	if size > 10000 {
		writeError(w, 400, "illegal_argument_exception", "Result window is too large, from + size must be less than or equal to: [10000]", nil)
		return
	}
	// Sort values: the formatted time and the position in the point in
	// time (our _shard_doc).
	start := 0
	if len(req.SearchAfter) == 2 {
		var ts string
		var pos int
		if json.Unmarshal(req.SearchAfter[0], &ts) != nil || json.Unmarshal(req.SearchAfter[1], &pos) != nil {
			writeError(w, 400, "illegal_argument_exception", "search_after: want [time string, shard doc]", nil)
			return
		}
		start, _ = slices.BinarySearchFunc(matched, pos+1, func(d *doc, target int) int { return posOf(p, d) - target })
	}
	end := min(start+size, len(matched))
	var b bytes.Buffer
	b.Grow((end - start) * 1200)
	fmt.Fprintf(&b, `{"pit_id":%q,"took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{`, req.PIT.ID)
	if t, ok := req.TrackTotalHits.(bool); ok && t {
		fmt.Fprintf(&b, `"total":{"value":%d,"relation":"eq"},`, len(matched))
	}
	b.WriteString(`"max_score":null,"hits":[`)
	var scratch []byte
	for i, d := range matched[start:end] {
		if i > 0 {
			b.WriteByte(',')
		}
		// Written by hand: this loop is most of the server's work in the
		// pull benchmark, which should measure the client.
		scratch = append(scratch[:0], `{"_index":`...)
		scratch = appendJSONString(scratch, d.index)
		scratch = append(scratch, `,"_id":`...)
		scratch = appendJSONString(scratch, d.id)
		scratch = append(scratch, `,"_score":null,"_source":`...)
		b.Write(scratch)
		b.Write(d.src)
		scratch = append(scratch[:0], `,"sort":["`...)
		scratch = docTime(d).AppendFormat(scratch, "2006-01-02T15:04:05.000000000Z")
		scratch = append(scratch, `",`...)
		scratch = strconv.AppendInt(scratch, int64(posOf(p, d)), 10)
		scratch = append(scratch, `]}`...)
		b.Write(scratch)
	}
	b.WriteString(`]}}`)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(200)
	w.Write(b.Bytes())
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// posOf is a document's position in the point in time; documents are
// sorted by time then insertion, so the sequence number orders them the
// same way within the snapshot.
func posOf(p *pit, d *doc) int {
	i, _ := slices.BinarySearchFunc(p.docs, d, func(a, b *doc) int {
		if c := docTime(a).Compare(docTime(b)); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	return i
}

func (s *Server) count(w http.ResponseWriter, index string, body []byte) {
	var req searchRequest
	_ = json.Unmarshal(body, &req)
	q, err := parseQuery(req.Query)
	if err != nil {
		writeError(w, 400, "parsing_exception", err.Error(), nil)
		return
	}
	s.mu.Lock()
	docs, missing := s.resolveIndices(index)
	n := 0
	for _, d := range docs {
		if q.match(d.parsed) {
			n++
		}
	}
	s.mu.Unlock()
	if missing != "" {
		writeError(w, 404, "index_not_found_exception", "no such index ["+missing+"]", map[string]any{"index": missing})
		return
	}
	writeJSON(w, 200, map[string]any{"count": n, "_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0}})
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, index string, body []byte) {
	var req struct {
		Query  json.RawMessage `json:"query"`
		Script struct {
			Lang   string         `json:"lang"`
			Source string         `json:"source"`
			Params map[string]any `json:"params"`
		} `json:"script"`
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
	defer s.mu.Unlock()
	docs, missing := s.resolveIndices(index)
	if missing != "" {
		writeError(w, 404, "index_not_found_exception", "no such index ["+missing+"]", map[string]any{"index": missing})
		return
	}
	u := Update{Index: index, Refresh: r.URL.Query().Get("refresh"), Conflicts: r.URL.Query().Get("conflicts"), Params: req.Script.Params}
	total, updated, noops := 0, 0, 0
	for _, d := range docs {
		if !q.match(d.parsed) {
			continue
		}
		total++
		u.IDs = append(u.IDs, d.id)
		if applyScript(d.parsed, req.Script.Params) {
			d.src, _ = json.Marshal(d.parsed)
			updated++
		} else {
			noops++
		}
	}
	s.updates = append(s.updates, u)
	writeJSON(w, 200, map[string]any{
		"took": 3, "timed_out": false, "total": total, "updated": updated, "deleted": 0, "batches": 1,
		"version_conflicts": 0, "noops": noops, "retries": map[string]any{"bulk": 0, "search": 0},
		"throttled_millis": 0, "requests_per_second": -1.0, "throttled_until_millis": 0, "failures": []any{},
	})
}

// applyScript does what Picket's painless update script does, on dotted
// top-level keys as alert documents store them.
func applyScript(src map[string]any, params map[string]any) bool {
	changed := false
	if st, ok := params["status"].(string); ok && src["kibana.alert.workflow_status"] != st {
		src["kibana.alert.workflow_status"] = st
		src["kibana.alert.workflow_status_updated_at"] = params["now"]
		src["kibana.alert.workflow_user"] = params["user"]
		changed = true
	}
	add, _ := params["add"].([]any)
	remove, _ := params["remove"].([]any)
	if len(add) > 0 || len(remove) > 0 {
		var tags []any
		switch old := src["kibana.alert.workflow_tags"].(type) {
		case []any:
			tags = old
		case nil:
		default:
			tags = []any{old}
		}
		for _, t := range remove {
			if i := slices.Index(tags, t); i >= 0 {
				tags = slices.Delete(tags, i, i+1)
				changed = true
			}
		}
		for _, t := range add {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
				changed = true
			}
		}
		if tags == nil {
			tags = []any{}
		}
		src["kibana.alert.workflow_tags"] = tags
	}
	return changed
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// writeError answers in Elasticsearch's error format.
func writeError(w http.ResponseWriter, status int, typ, reason string, extra map[string]any) {
	cause := map[string]any{"type": typ, "reason": reason}
	for k, v := range extra {
		cause[k] = v
	}
	top := map[string]any{"root_cause": []any{cause}}
	for k, v := range cause {
		top[k] = v
	}
	writeJSON(w, status, map[string]any{"error": top, "status": status})
}

// match is a glob where * matches any run of characters.
func match(pattern, name string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == name
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(name, p) && len(name) >= len(p)
		}
		j := strings.Index(name, p)
		if j < 0 {
			return false
		}
		name = name[j+len(p):]
	}
	return true
}

func docTime(d *doc) time.Time { return d.ts }

func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC(), true
			}
		}
	case float64:
		return time.UnixMilli(int64(x)).UTC(), true
	}
	return time.Time{}, false
}
