package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"picket/triage"
	"picket/triage/elastic/internal/esreq"
)

// Page sizes: Elasticsearch's index.max_result_window defaults to 10,000.
const (
	DefaultPageSize = 5000
	MaxPageSize     = 10000
)

// Progress reports a pull under way.
type Progress struct {
	Docs    int64         // documents delivered so far
	Total   int64         // hits.total of the point in time (-1 unknown)
	Rate    float64       // documents per second so far
	ETA     time.Duration // time left at that rate; 0 when unknown
	Elapsed time.Duration
	Done    bool // the last report of the pull
}

// SourceOptions tune a Source.
type SourceOptions struct {
	// PageSize is how many hits one search returns: default 5,000, at
	// most 10,000.
	PageSize int
	// KeepAlive keeps the point in time open between pages (default 2m).
	KeepAlive time.Duration
	// Progress, when set, is called after each page and once at the end,
	// from the goroutine that calls Events.
	Progress func(Progress)
	// Warn receives problems that do not stop the pull (shard failures,
	// undecodable hits).
	Warn func(msg string)
	// Resolve names fields the decoder reads from each hit as it parses
	// it, for readers that would parse it again (triage.Decoder.Resolve).
	Resolve []string
}

// Source pulls the events a Query matches, oldest first, over a point in
// time with search_after, sorted by the time field then _shard_doc. It
// implements triage.Source.
type Source struct {
	c    *Client
	q    Query
	o    SourceOptions
	docs atomic.Int64
	pits atomic.Int64 // points in time still open (tests check it is 0)
}

// NewSource returns a source of the events q selects.
func (c *Client) NewSource(q Query, o SourceOptions) *Source {
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	o.PageSize = min(o.PageSize, MaxPageSize)
	if o.KeepAlive <= 0 {
		o.KeepAlive = 2 * time.Minute
	}
	return &Source{c: c, q: q, o: o}
}

// Name says where the events come from, for the console's title.
func (s *Source) Name() string { return "elasticsearch " + s.q.name() }

// Docs returns how many documents were delivered so far.
func (s *Source) Docs() int64 { return s.docs.Load() }

// page is one search answer: its hits and what the next request needs.
type page struct {
	n      int
	hits   []hitSpan // spans of the answer's bytes, which the events keep
	total  int64
	err    error
	shards string // a shard-failure summary, if any
}

// Events streams the matching events to fn in sort order. The next page
// is fetched and scanned while the current one is decoded and handed on.
// On return, whatever the reason (end, error, ctx cancelled, fn's error),
// the point in time is closed; events already handed to fn stand.
func (s *Source) Events(ctx context.Context, fn func(*triage.Event) error) error {
	pit, err := s.openPIT(ctx)
	if err != nil {
		return err
	}
	s.docs.Store(0)
	start := time.Now()
	fctx, cancel := context.WithCancel(ctx)
	pages := make(chan *page, 1)
	fetched := make(chan struct{})
	go func() {
		defer close(fetched)
		s.fetch(fctx, pit, pages)
	}()
	defer func() {
		cancel()
		<-fetched // no request in flight when the point in time closes
		s.closePIT(ctx, pit)
	}()

	dec := triage.NewDecoder()
	dec.Resolve(s.o.Resolve...)
	total := int64(-1)
	report := func(done bool) {
		if s.o.Progress == nil {
			return
		}
		el := time.Since(start)
		p := Progress{Docs: s.docs.Load(), Total: total, Elapsed: el, Done: done}
		if el > 0 {
			p.Rate = float64(p.Docs) / el.Seconds()
		}
		if p.Rate > 0 && total > p.Docs {
			p.ETA = time.Duration(float64(total-p.Docs) / p.Rate * float64(time.Second))
		}
		s.o.Progress(p)
	}
	defer report(true)
	for pg := range pages {
		if pg.err != nil {
			return pg.err
		}
		if pg.total >= 0 {
			total = pg.total
		}
		if pg.shards != "" {
			s.warn(pg.shards)
		}
		for i, h := range pg.hits {
			ev, err := s.decode(dec, h, pg.n, i)
			if err != nil {
				s.warn(err.Error())
				continue
			}
			if err := fn(ev); err != nil {
				return err
			}
			s.docs.Add(1)
		}
		report(false)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// decode turns one hit's _source into an event. The source is decoded in
// place (the event's Raw is a span of the answer, which is never reused);
// its id is event.id, else the hit's _id.
func (s *Source) decode(dec *triage.Decoder, h hitSpan, page, i int) (*triage.Event, error) {
	where := h.index + "/" + h.id
	if h.source == nil {
		return nil, fmt.Errorf("%s: the hit has no _source (is _source disabled on the index?); skipped", where)
	}
	origin := h.id
	if origin == "" {
		origin = fmt.Sprintf("elasticsearch page %d#%d", page, i+1)
	}
	evs, err := dec.Decode(h.source, origin)
	if err != nil && !(errors.Is(err, triage.ErrUTF8Replaced) && len(evs) == 1) {
		return nil, fmt.Errorf("%s: %v; skipped", where, err)
	}
	if len(evs) != 1 {
		return nil, fmt.Errorf("%s: _source holds %d documents, want one; skipped", where, len(evs))
	}
	ev := evs[0]
	ev.Index, ev.Origin = h.index, "elasticsearch"
	return ev, nil
}

func (s *Source) warn(msg string) {
	if s.o.Warn != nil {
		s.o.Warn(msg)
	}
}

// fetch requests pages one after another, scans each and sends it on,
// ending with a closed channel. One page waits while the consumer works
// on another; memory holds at most three answers.
func (s *Source) fetch(ctx context.Context, pit *pitState, out chan<- *page) {
	defer close(out)
	var after json.RawMessage
	sortSpec := []any{
		map[string]any{s.q.timeField(): map[string]any{"order": "asc", "format": "strict_date_optional_time_nanos"}},
		map[string]any{"_shard_doc": "asc"},
	}
	query := s.q.dsl()
	indices := map[string]string{} // index names repeat: keep one copy
	for n := 1; ; n++ {
		body := map[string]any{
			"size":             s.o.PageSize,
			"query":            query,
			"pit":              map[string]any{"id": pit.ID(), "keep_alive": keepAlive(s.o.KeepAlive)},
			"sort":             sortSpec,
			"track_total_hits": n == 1, // once, for the ETA
		}
		if after != nil {
			body["search_after"] = after
		}
		op := fmt.Sprintf("search %s (page %d)", s.q.name(), n)
		pg := &page{n: n, total: -1}
		buf := new(bytes.Buffer) // not reused: the events keep spans of it
		if err := s.c.do(ctx, op, esreq.Search(nil, jsonBody(body)), buf); err != nil {
			pg.err = err
			select {
			case out <- pg:
			case <-ctx.Done():
			}
			return
		}
		meta, hits, err := scanPage(buf.Bytes(), make([]hitSpan, 0, s.o.PageSize), indices)
		if err != nil {
			pg.err = &Error{Op: op, Reason: "unexpected answer: " + err.Error()}
		} else {
			pit.Set(meta.pitID)
			pg.hits, pg.total = hits, meta.total
			if meta.failedShards > 0 {
				pg.shards = fmt.Sprintf("page %d: %d of %d shards failed; results are partial", n, meta.failedShards, meta.shards)
			} else if meta.timedOut {
				pg.shards = fmt.Sprintf("page %d: the search timed out on some shards; results are partial", n)
			}
			if len(hits) > 0 {
				after = hits[len(hits)-1].sort
				if len(after) == 0 {
					pg.err = &Error{Op: op, Reason: "hits carry no sort values"}
				}
			}
		}
		select {
		case out <- pg:
		case <-ctx.Done():
			return
		}
		if pg.err != nil || len(pg.hits) < s.o.PageSize {
			return
		}
	}
}

func keepAlive(d time.Duration) string {
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// pitState holds the current point-in-time id; Elasticsearch may return a
// new one with each page.
type pitState struct {
	id atomic.Pointer[string]
}

func (p *pitState) ID() string { return *p.id.Load() }

func (p *pitState) Set(id string) {
	if id != "" {
		p.id.Store(&id)
	}
}

func (s *Source) openPIT(ctx context.Context) (*pitState, error) {
	var out struct {
		ID string `json:"id"`
	}
	req := esreq.OpenPointInTime(s.q.Indices, keepAlive(s.o.KeepAlive))
	if err := s.c.doJSON(ctx, "open point in time on "+s.q.name(), req, &out); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, &Error{Op: "open point in time on " + s.q.name(), Reason: "no id in the answer"}
	}
	s.pits.Add(1)
	p := &pitState{}
	p.Set(out.ID)
	return p, nil
}

// closePIT frees the point in time even when ctx is already cancelled
// (Ctrl-C), with a short timeout of its own. A failure is only warned
// about: the keep-alive frees it anyway.
func (s *Source) closePIT(ctx context.Context, p *pitState) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	req := esreq.ClosePointInTime(jsonBody(map[string]string{"id": p.ID()}))
	if err := s.c.doJSON(cctx, "close point in time", req, nil); err != nil {
		s.warn(fmt.Sprintf("%v (it expires by itself after %s)", err, keepAlive(s.o.KeepAlive)))
		return
	}
	s.pits.Add(-1)
}
