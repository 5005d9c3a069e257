package triage

// Why this file is long: it is the one decoder of events, every hot field
// and its projection in one pass over the document; splitting it by field
// would spread one walk over several files.

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// maxDepth bounds recursion into nested objects, so a hostile document of
// a million '{' cannot exhaust the stack. ECS documents are a few levels deep.
const maxDepth = 64

// hot field ids: where extract stores a value.
type hotField uint8

const (
	hTimestamp hotField = iota + 1
	hEventID
	hSourceIP
	hClientIP
	hUserAgent
	hMethod
	hStatus
	hURLOriginal
	hURLPath
	hURLQuery
	hURLFull
	hUserName
	hCategory
	hType
	hAction
	hOutcome
	hKind
	hDataset
	hEventDataset
	hProcessor
	hRoute
	hBody
	hBodyBytes
	hReferrer
	hHeaders
	hCookies
	hSessionField
	hTraceID
	hTransactionID
	hEnd // one past the last hot field
)

var hotPaths = map[string]hotField{
	"@timestamp":                 hTimestamp,
	"event.id":                   hEventID,
	"source.ip":                  hSourceIP,
	"client.ip":                  hClientIP,
	"user_agent.original":        hUserAgent,
	"http.request.method":        hMethod,
	"http.response.status_code":  hStatus,
	"url.original":               hURLOriginal,
	"url.path":                   hURLPath,
	"url.query":                  hURLQuery,
	"url.full":                   hURLFull,
	"user.name":                  hUserName,
	"event.category":             hCategory,
	"event.type":                 hType,
	"event.action":               hAction,
	"event.outcome":              hOutcome,
	"event.kind":                 hKind,
	"data_stream.dataset":        hDataset,
	"event.dataset":              hEventDataset,
	"processor.event":            hProcessor,
	"transaction.name":           hRoute,
	"http.request.body.original": hBody,
	"http.request.body.bytes":    hBodyBytes,
	"http.request.referrer":      hReferrer,
	"http.request.headers":       hHeaders,
	"http.request.cookies":       hCookies,
	"session.id":                 hSessionField,
	"trace.id":                   hTraceID,
	"transaction.id":             hTransactionID,
}

// hotMask is a set of hot fields, one bit per hotField.
type hotMask uint32

func (f hotField) bit() hotMask { return 1 << f }

// allHot holds every hot field.
const allHot = hotMask(1<<hEnd-1) &^ 1

// hotNode is one segment of the hot paths a decoder looks for: the walk
// follows a document's keys (or each dotted piece of a key) down this
// tree, so it hashes one short segment per key rather than the joined
// path, and it descends only into objects that can hold a wanted field.
type hotNode struct {
	field hotField
	kids  map[string]*hotNode
}

// newHotTree builds the tree of the hot fields in want.
func newHotTree(want hotMask) *hotNode {
	root := &hotNode{}
	for p, f := range hotPaths {
		if want&f.bit() == 0 {
			continue
		}
		n := root
		for _, seg := range strings.Split(p, ".") {
			c := n.kids[seg]
			if c == nil {
				if n.kids == nil {
					n.kids = map[string]*hotNode{}
				}
				c = &hotNode{}
				n.kids[seg] = c
			}
			n = c
		}
		n.field = f
	}
	return root
}

var fullTree = newHotTree(allHot)

// Decoder turns NDJSON lines into Events. It reuses its parser and string
// table between calls, so it is not safe for concurrent use: give each
// goroutine its own.
type Decoder struct {
	p      fastjson.Parser
	intern map[string]string
	lists  map[string][]string
	ev     *Event
	hasSrc bool
	// assigned marks the hot fields set so far in this document: one set
	// twice (nested and as a dotted key) holds two values, as
	// Elasticsearch indexes both.
	assigned hotMask

	want hotMask  // the hot fields decoded; allHot unless Project says less
	tree *hotNode // the tree of want

	slab []Event // events handed out from one allocation
	key  []byte  // scratch for list keys

	// resolve are fields read into each event from the parsed document
	// (Resolve), with their slab.
	resolve []string
	resSlab []resolvedFields
}

// NewDecoder returns a Decoder ready for use.
func NewDecoder() *Decoder {
	return &Decoder{intern: make(map[string]string, 256), lists: map[string][]string{}, want: allHot, tree: fullTree}
}

// Project makes the decoder fill only the hot fields p names (see
// Projection). Events it decodes then answer Hot and HotList only for
// those fields; Values and Get read the raw document for the rest, and
// Complete decodes the rest when a detector needs the whole event.
func (d *Decoder) Project(p Projection) {
	want := p.mask()
	if want == d.want {
		return
	}
	d.want = want
	if want == allHot {
		d.tree = fullTree
	} else {
		d.tree = newHotTree(want)
	}
}

// Resolve makes the decoder read the values of each path (at most
// MaxResolved, hot fields left out: the decoder holds them) from the
// document it parses anyway and keep them on the event (Event.Resolved),
// so a reader of those fields does not parse the document again: the
// captured fields and the fields of query rules, which are not hot, were
// read with a parse each per event on the engine's one goroutine.
func (d *Decoder) Resolve(paths ...string) {
	d.resolve = nil
	for _, p := range paths {
		if _, hot := hotPaths[p]; hot || slices.Contains(d.resolve, p) || len(d.resolve) == MaxResolved {
			continue
		}
		d.resolve = append(d.resolve, p)
	}
}

// MaxResolved is how many fields a decoder resolves at most (Resolve).
const MaxResolved = 16

// resolveInto fills ev's resolved fields from its parsed document v.
func (d *Decoder) resolveInto(v *fastjson.Value, ev *Event) {
	if len(d.resolve) == 0 {
		return
	}
	if len(d.resSlab) == 0 {
		d.resSlab = make([]resolvedFields, slabSize)
	}
	r := &d.resSlab[0]
	d.resSlab = d.resSlab[1:]
	r.paths, r.vals = d.resolve, make([][]Value, len(d.resolve))
	for i, path := range d.resolve {
		r.vals[i] = slices.Clip(resolve(v, path, nil, 0))
	}
	ev.resolved = r
}

// Errors Decode reports about a line. They name the problem in plain words;
// sources add the file and line.
var (
	ErrNotObject = errors.New("not a JSON object")
	ErrNUL       = errors.New("contains a NUL byte")
	// ErrUTF8Replaced comes with the events of a line whose invalid UTF-8
	// was replaced by U+FFFD before decoding: the caller keeps them and
	// warns. A stray byte in a header an attacker writes must not hide the
	// request from the detectors.
	ErrUTF8Replaced = errors.New("invalid UTF-8 replaced with U+FFFD; the event is kept")
)

// Decode parses one line: a raw ECS document, an Elasticsearch hit
// ({"_index","_id","_source"}) or a whole _search response page
// ({"hits":{"hits":[...]}}), and returns its events. origin names where the
// line came from ("FILE:LINE") and becomes the id of events with no other.
//
// Events of a raw document keep a reference to line as their Raw: the caller
// must not modify or reuse line afterwards.
func (d *Decoder) Decode(line []byte, origin string) ([]*Event, error) {
	return d.DecodeTo(nil, line, origin)
}

// DecodeTo is Decode appending the events to dst, so a caller decoding
// many lines allocates no slice per line. On an error dst holds the events
// decoded before it (hits of a page before the bad one).
func (d *Decoder) DecodeTo(dst []*Event, line []byte, origin string) ([]*Event, error) {
	if bytes.IndexByte(line, 0) >= 0 {
		return dst, ErrNUL
	}
	if !utf8.Valid(line) {
		// The events refer to the repaired copy, which is what the
		// event view shows.
		n := len(dst)
		dst, err := d.decodeValid(dst, bytes.ToValidUTF8(line, []byte("\uFFFD")), origin)
		switch {
		case err == nil:
			return dst, ErrUTF8Replaced
		case len(dst) > n: // a page whose later hit failed
			return dst, fmt.Errorf("%w; %w", ErrUTF8Replaced, err)
		}
		return dst, err
	}
	return d.decodeValid(dst, line, origin)
}

// decodeValid is DecodeTo on a line of valid UTF-8 without NUL bytes.
func (d *Decoder) decodeValid(dst []*Event, line []byte, origin string) ([]*Event, error) {
	v, err := d.p.ParseBytes(line)
	if err != nil {
		return dst, fmt.Errorf("invalid JSON: %s", shortJSONError(err))
	}
	o, err := v.Object()
	if err != nil {
		return dst, ErrNotObject
	}
	if src := o.Get("_source"); src != nil {
		ev, err := d.fromHit(v, origin)
		if err != nil {
			return dst, err
		}
		return append(dst, ev), nil
	}
	if hits := v.Get("hits", "hits"); hits != nil && hits.Type() == fastjson.TypeArray {
		arr, _ := hits.Array()
		for i, h := range arr {
			ev, err := d.fromHit(h, origin+"#"+strconv.Itoa(i+1))
			if err != nil {
				return dst, fmt.Errorf("hit %d: %w", i+1, err)
			}
			dst = append(dst, ev)
		}
		return dst, nil
	}
	ev := d.newEvent()
	ev.Raw, ev.Origin = line, origin
	d.extract(o, ev)
	d.resolveInto(v, ev)
	if ev.ID == "" {
		ev.ID = origin
	}
	return append(dst, ev), nil
}

// slabSize is how many events one allocation holds. An event kept alive
// keeps its slab alive, as it keeps its line's batch of bytes; both are
// small beside what detectors hold.
const slabSize = 64

func (d *Decoder) newEvent() *Event {
	if len(d.slab) == 0 {
		d.slab = make([]Event, slabSize)
	}
	ev := &d.slab[0]
	d.slab = d.slab[1:]
	return ev
}

func (d *Decoder) fromHit(h *fastjson.Value, origin string) (*Event, error) {
	src := h.Get("_source")
	if src == nil { // a page's hit without _source, or not an object
		return nil, fmt.Errorf("_source: %w", ErrNotObject)
	}
	so, err := src.Object()
	if err != nil {
		return nil, fmt.Errorf("_source: %w", ErrNotObject)
	}
	ev := d.newEvent()
	ev.Raw, ev.Origin = src.MarshalTo(nil), origin
	d.extract(so, ev)
	d.resolveInto(src, ev)
	ev.Index = string(h.GetStringBytes("_index"))
	if ev.ID == "" {
		ev.ID = string(h.GetStringBytes("_id"))
	}
	if ev.ID == "" {
		ev.ID = origin
	}
	return ev, nil
}

// ParseEvent decodes a single ECS document (or hit) from raw JSON. It is a
// convenience for tests and generators; streaming sources use a Decoder.
func ParseEvent(raw []byte, origin string) (*Event, error) {
	d := decoderPool.Get().(*Decoder)
	defer decoderPool.Put(d)
	evs, err := d.Decode(raw, origin)
	if err != nil && !(errors.Is(err, ErrUTF8Replaced) && len(evs) > 0) {
		return nil, err
	}
	if len(evs) != 1 {
		return nil, fmt.Errorf("want one document, got %d", len(evs))
	}
	return evs[0], nil
}

var decoderPool = sync.Pool{New: func() any { return NewDecoder() }}

func shortJSONError(err error) string {
	s := err.Error()
	// fastjson quotes the tail of the input; keep the message one short line.
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

// extract walks the document once and fills the hot fields the decoder
// wants.
func (d *Decoder) extract(o *fastjson.Object, ev *Event) {
	d.ev, d.hasSrc, d.assigned = ev, false, 0
	ev.undecoded = allHot &^ d.want
	d.walk(o, d.tree, 0)
	d.ev = nil
	if ev.URLPath == "" {
		u := ev.URLOriginal
		if u == "" {
			u = ev.URLFull()
		}
		ev.URLPath, ev.URLQuery = SplitURL(u, ev.URLQuery)
	}
}

// walk visits an object whose path so far reached node. A key may hold
// several segments ("http.request.method" as one dotted key, or
// "request.method" inside "http"): each is followed in turn, so nested
// objects, dotted keys and mixtures all reach the same field.
func (d *Decoder) walk(o *fastjson.Object, node *hotNode, depth int) {
	if depth > maxDepth {
		return
	}
	o.Visit(func(k []byte, v *fastjson.Value) {
		n := node
		for {
			i := bytes.IndexByte(k, '.')
			seg := k
			if i >= 0 {
				seg = k[:i]
			}
			n = n.kids[string(seg)]
			if n == nil {
				return
			}
			if i < 0 {
				break
			}
			k = k[i+1:]
		}
		if n.field != 0 {
			d.assign(n.field, v)
			return
		}
		if n.kids != nil && v.Type() == fastjson.TypeObject {
			child, _ := v.Object()
			d.walk(child, n, depth+1)
		}
	})
}

func (d *Decoder) assign(f hotField, v *fastjson.Value) {
	ev := d.ev
	if d.assigned&f.bit() != 0 {
		// The same field spelt twice ({"http":{"response":{"status_code":
		// 403}},"http.response.status_code":200}): Elasticsearch indexes
		// both values, so lookups go to the document, which has both.
		ev.multi |= multiOf[f]
	}
	d.assigned |= f.bit()
	switch f {
	case hTimestamp:
		ev.Timestamp = parseTime(v)
		ev.BadTimestamp = ev.Timestamp.IsZero() && v.Type() != fastjson.TypeNull
	case hEventID:
		ev.ID = d.scalar(v)
	case hSourceIP:
		if a, ok := parseIP(v); ok {
			ev.SourceIP, d.hasSrc = a, true
		}
	case hClientIP:
		if a, ok := parseIP(v); ok && !d.hasSrc {
			ev.SourceIP = a
		}
	case hUserAgent:
		ev.UserAgent = d.str(v)
		ev.markMulti(v, multiUserAgent)
	case hMethod:
		ev.Method = d.str(v)
		ev.markMulti(v, multiMethod)
	case hStatus:
		ev.StatusCode = parseInt(v)
		ev.markMulti(v, multiStatus)
		// Only a plain integer is kept verbatim: "404" or 403.0 are
		// answered from the document, as they are written (see Hot).
		if d.key = v.MarshalTo(d.key[:0]); v.Type() != fastjson.TypeNumber || string(d.key) != itoa(ev.StatusCode) {
			ev.multi |= multiStatus
		}
	case hURLOriginal:
		ev.URLOriginal = d.scalar(v)
	case hURLPath:
		ev.URLPath = d.scalar(v)
	case hURLQuery:
		ev.URLQuery = d.scalar(v)
	case hURLFull:
		ev.urlFull = d.scalar(v)
	case hUserName:
		ev.UserName = d.str(v)
		ev.markMulti(v, multiUserName)
	case hCategory:
		ev.Category = d.strs(v)
	case hType:
		ev.Type = d.strs(v)
	case hAction:
		ev.Action = d.str(v)
		ev.markMulti(v, multiAction)
	case hOutcome:
		ev.Outcome = d.str(v)
		ev.markMulti(v, multiOutcome)
	case hKind:
		ev.Kind = d.str(v)
		ev.markMulti(v, multiKind)
	case hDataset:
		ev.Dataset = d.str(v)
	case hEventDataset:
		if ev.Dataset == "" {
			ev.Dataset = d.str(v)
		}
	case hProcessor:
		ev.Processor = d.str(v)
		ev.markMulti(v, multiProcessor)
	case hRoute:
		ev.Route = d.str(v)
		ev.markMulti(v, multiRoute)
	case hBody:
		ev.Body = d.scalar(v)
	case hBodyBytes:
		ev.BodyBytes = int64(parseInt(v))
	case hReferrer:
		ev.Referrer = d.scalar(v)
	case hHeaders:
		d.headers(v, ev)
	case hCookies:
		d.cookies(v, ev)
	case hSessionField:
		ev.SessionID = d.str(v)
	case hTraceID:
		ev.TraceID = scalarString(v)
	case hTransactionID:
		ev.TransactionID = scalarString(v)
	}
}

// markMulti notes that a hot field came as an array (any of whose values
// Elasticsearch would match), so lookups read the document, not the first
// value the decoder kept.
// multiOf is the multiField of each hot field that has one.
var multiOf = map[hotField]multiField{
	hUserAgent: multiUserAgent, hMethod: multiMethod, hStatus: multiStatus, hUserName: multiUserName,
	hAction: multiAction, hOutcome: multiOutcome, hKind: multiKind, hProcessor: multiProcessor, hRoute: multiRoute,
	hCategory: multiCategory, hType: multiType,
}

func (ev *Event) markMulti(v *fastjson.Value, f multiField) {
	if v.Type() == fastjson.TypeArray {
		ev.multi |= f
	}
}

// headers picks the request headers detectors read. APM stores them as
// {"Name": ["value", ...]}; names are matched case-insensitively because
// shippers differ in how they case them.
func (d *Decoder) headers(v *fastjson.Value, ev *Event) {
	o, err := v.Object()
	if err != nil {
		return
	}
	o.Visit(func(k []byte, hv *fastjson.Value) {
		var dst *string
		switch {
		case equalFold(k, "host"):
			dst = &ev.Headers.Host
			ev.Headers.Present |= HeaderHost
		case equalFold(k, "user-agent"):
			dst = &ev.Headers.UserAgent
			ev.Headers.Present |= HeaderUserAgent
		case equalFold(k, "accept"):
			dst = &ev.Headers.Accept
			ev.Headers.Present |= HeaderAccept
		case equalFold(k, "referer"):
			dst = &ev.Headers.Referer
			ev.Headers.Present |= HeaderReferer
		case equalFold(k, "content-type"):
			dst = &ev.Headers.ContentType
			ev.Headers.Present |= HeaderContentType
		case equalFold(k, "content-length"):
			ev.Headers.Present |= HeaderContentLength
			n, err := strconv.ParseInt(scalarString(hv), 10, 64)
			if err == nil {
				ev.Headers.ContentLength = n
			}
			return
		case equalFold(k, "cookie"):
			ev.Headers.Present |= HeaderCookie
			return
		default:
			return
		}
		*dst = d.str(hv)
	})
}

// cookies keeps the request's cookies in document order. APM writes them
// as {"name": "value"}; agents may redact values as "[REDACTED]".
func (d *Decoder) cookies(v *fastjson.Value, ev *Event) {
	o, err := v.Object()
	if err != nil {
		return
	}
	o.Visit(func(k []byte, cv *fastjson.Value) {
		if len(ev.Cookies) < 64 {
			ev.Cookies = append(ev.Cookies, Cookie{Name: d.internBytes(k), Value: d.scalar(cv)})
		}
	})
}

func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// str returns a scalar as an interned string: user agents, methods and
// actions repeat across millions of events, so one copy each is kept.
func (d *Decoder) str(v *fastjson.Value) string {
	var b []byte
	switch v.Type() {
	case fastjson.TypeString:
		b = v.GetStringBytes()
	case fastjson.TypeArray: // a multi-valued keyword: keep the first
		arr, _ := v.Array()
		if len(arr) == 0 {
			return ""
		}
		return d.str(arr[0])
	default:
		return scalarString(v)
	}
	return d.internBytes(b)
}

func (d *Decoder) internBytes(b []byte) string {
	if s, ok := d.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.intern) >= 8192 { // bound the table; start afresh
		clear(d.intern)
	}
	if len(s) <= 1024 {
		d.intern[s] = s
	}
	return s
}

// strs returns a keyword list (event.category, event.type). Lists repeat
// as much as their values do, so each distinct list is kept once and
// shared by the events that hold it; events never modify their fields.
func (d *Decoder) strs(v *fastjson.Value) []string {
	d.key = d.key[:0]
	n := 0
	plain := true // no value holds the separator (an escaped \u0000)
	add := func(e *fastjson.Value) {
		if s := d.str(e); s != "" {
			plain = plain && strings.IndexByte(s, 0) < 0
			d.key = append(append(d.key, s...), 0)
			n++
		}
	}
	if v.Type() != fastjson.TypeArray {
		add(v)
	} else {
		arr, _ := v.Array()
		for _, e := range arr {
			add(e)
		}
	}
	if n == 0 {
		return nil
	}
	if !plain {
		return d.strsSlow(v)
	}
	if l, ok := d.lists[string(d.key)]; ok {
		return l
	}
	out := make([]string, 0, n)
	for rest := d.key; len(rest) > 0; {
		i := bytes.IndexByte(rest, 0)
		out = append(out, d.internBytes(rest[:i]))
		rest = rest[i+1:]
	}
	if len(d.lists) >= 4096 { // bound the table; start afresh
		clear(d.lists)
	}
	if len(d.key) <= 1024 {
		d.lists[string(d.key)] = out
	}
	return out
}

// strsSlow builds a list without the shared table.
func (d *Decoder) strsSlow(v *fastjson.Value) []string {
	if v.Type() != fastjson.TypeArray {
		return []string{d.str(v)}
	}
	arr, _ := v.Array()
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s := d.str(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// copyString returns b as a string of its own. (Strings cut from shared
// blocks would save allocations, but detectors keep some strings of some
// events, URL paths and user names in their windows, and each kept string
// would keep its whole block alive.)
func (d *Decoder) copyString(b []byte) string {
	return string(b)
}

// scalar is scalarString with the text copied into the arena.
func (d *Decoder) scalar(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeString:
		return d.copyString(v.GetStringBytes())
	case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
		d.key = v.MarshalTo(d.key[:0])
		return d.copyString(d.key)
	case fastjson.TypeArray:
		arr, _ := v.Array()
		if len(arr) > 0 {
			return d.scalar(arr[0])
		}
	}
	return ""
}

func scalarString(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
		return v.String()
	case fastjson.TypeArray:
		arr, _ := v.Array()
		if len(arr) > 0 {
			return scalarString(arr[0])
		}
	}
	return ""
}

func parseInt(v *fastjson.Value) int {
	switch v.Type() {
	case fastjson.TypeNumber:
		f := v.GetFloat64()
		if f >= -1<<31 && f <= 1<<31 {
			return int(f)
		}
	case fastjson.TypeString:
		n, err := strconv.Atoi(string(v.GetStringBytes()))
		if err == nil {
			return n
		}
	}
	return 0
}

func parseIP(v *fastjson.Value) (netip.Addr, bool) {
	if v.Type() == fastjson.TypeArray {
		arr, _ := v.Array()
		if len(arr) == 0 {
			return netip.Addr{}, false
		}
		v = arr[0]
	}
	b := v.GetStringBytes()
	if b == nil {
		return netip.Addr{}, false
	}
	if a, ok := parseIPv4(b); ok {
		return a, true
	}
	a, err := netip.ParseAddr(string(b))
	if err != nil {
		return netip.Addr{}, false
	}
	// Elasticsearch's ip type has no zones, and a zone is free text that
	// would reach the screen and the case key unchecked: drop it.
	return a.WithZone("").Unmap(), true
}

// parseIPv4 parses a dotted-quad address as netip.ParseAddr does (four
// decimal octets of at most three digits, no leading zeros, each at most
// 255), without turning b into a string; ok is false for anything else,
// which the caller hands to netip.ParseAddr.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var o [4]byte
	i := 0
	for k := range 4 {
		if k > 0 {
			if i >= len(b) || b[i] != '.' {
				return netip.Addr{}, false
			}
			i++
		}
		n, digits := 0, 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if digits > 0 && n == 0 { // a leading zero
				return netip.Addr{}, false
			}
			n = n*10 + int(b[i]-'0')
			digits++
			i++
			if digits > 3 || n > 255 {
				return netip.Addr{}, false
			}
		}
		if digits == 0 {
			return netip.Addr{}, false
		}
		o[k] = byte(n)
	}
	if i != len(b) {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(o), true
}

// parseTime accepts what Elasticsearch's default date format accepts in
// practice: RFC 3339 strings (with or without a zone, with any fraction)
// and epoch milliseconds as a number or numeric string.
func parseTime(v *fastjson.Value) time.Time {
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		if err != nil || f < 0 || f > maxEpochMillis {
			return time.Time{} // not a date Elasticsearch would store
		}
		return time.UnixMilli(int64(f)).UTC()
	case fastjson.TypeString:
		return ParseTimestamp(string(v.GetStringBytes()))
	}
	return time.Time{}
}

// maxEpochMillis is the end of year 9999, the last instant of
// Elasticsearch's default date format.
const maxEpochMillis = 253402300799999

// ParseTimestamp parses an Elasticsearch date string; the zero time when it
// is not one.
func ParseTimestamp(s string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms >= 0 && ms <= maxEpochMillis {
		return time.UnixMilli(ms).UTC()
	}
	return time.Time{}
}

// SplitURL derives path and query from url.original or url.full, which may
// be absolute ("https://h/p?q") or a request target ("/p?q"). A non-empty
// query argument is kept in preference to the one in u.
func SplitURL(u, query string) (path, q string) {
	if u == "" {
		return "", query
	}
	// Only a target that does not start with '/' can be absolute; "://" may
	// well appear inside a query ("/page?inc=http://...").
	if i := strings.Index(u, "://"); i >= 0 && u[0] != '/' && !strings.ContainsAny(u[:i], "/?#") {
		rest := u[i+3:]
		j := strings.IndexAny(rest, "/?#")
		if j < 0 {
			return "/", query
		}
		u = rest[j:]
	}
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u = u[:i]
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		if query == "" {
			query = u[i+1:]
		}
		u = u[:i]
	}
	if u == "" {
		u = "/"
	}
	return u, query
}
