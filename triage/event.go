package triage

import (
	"net/netip"
	"strconv"
	"time"
)

// Event is one ECS document: an APM transaction, a firewall log line, an
// alert's source event. It keeps the raw JSON for the detail view and for
// fields nobody asked for in advance, plus the hot fields detectors and the
// console read on every event, extracted once when the event is decoded.
//
// Events are read-only once decoded: many goroutines may read one.
type Event struct {
	// Raw is the document as JSON: the line itself, or an Elasticsearch
	// hit's _source.
	Raw []byte
	// ID is how findings cite this event: event.id, else the hit's _id,
	// else where it was read ("FILE:LINE").
	ID string
	// Index is the Elasticsearch index of a hit; empty for plain documents.
	Index string
	// Origin says where the event was read, "FILE:LINE" or "demo".
	Origin string
	// Seq is the event's position in the stream the engine runs (1-based),
	// set by the engine before any detector sees the event; 0 before that.
	// Unlike ID it is unique within a run.
	Seq uint64

	Timestamp time.Time // @timestamp
	// BadTimestamp says @timestamp was there but is no date Elasticsearch
	// would store ("not a date", an object): the event counts as undated
	// and the run says so (InputLint).
	BadTimestamp bool
	SourceIP     netip.Addr // source.ip, else client.ip
	UserAgent    string     // user_agent.original
	Method       string     // http.request.method, as sent (ECS keeps wire case)
	StatusCode   int        // http.response.status_code; 0 when absent
	URLOriginal  string     // url.original
	URLPath      string     // url.path, else derived from url.original / url.full
	URLQuery     string     // url.query (without '?'), else derived likewise
	UserName     string     // user.name
	Category     []string   // event.category
	Type         []string   // event.type
	Action       string     // event.action
	Outcome      string     // event.outcome
	Kind         string     // event.kind
	Dataset      string     // data_stream.dataset, else event.dataset
	Processor    string     // processor.event (APM: transaction, span, error)
	Route        string     // transaction.name: APM's route template, "GET /products/:id"
	Body         string     // http.request.body.original, when the agent captured it
	BodyBytes    int64      // http.request.body.bytes; 0 when absent
	Referrer     string     // http.request.referrer
	SessionID    string     // session.id when the document has one (detectors may derive it from cookies)
	Headers      Headers    // selected http.request.headers
	Cookies      []Cookie   // http.request.cookies, in document order

	// TraceID and TransactionID tie an APM span or error to the request
	// (transaction) it ran in: spans carry no client address of their own.
	TraceID       string // trace.id
	TransactionID string // transaction.id

	urlFull string
	multi   multiField // hot fields the document held as arrays
	// undecoded holds the hot fields a projected decoder did not fill:
	// their struct fields are empty whatever the document says, and
	// lookups read the document. Zero (every field decoded) for events
	// built by hand.
	undecoded hotMask
	// resolved holds fields the decoder read from the document it had
	// parsed anyway (Decoder.Resolve), so reading them later costs no
	// second parse; nil when it read none.
	resolved *resolvedFields
}

// resolvedFields are a decoder's Resolve paths and their values in the
// document (what Get returns for each).
type resolvedFields struct {
	paths []string
	vals  [][]Value
}

// Resolved returns the values of a field the decoder read while it parsed
// the document (Decoder.Resolve): exactly what Get(path) returns, without
// a second parse. ok is false when the decoder did not read path. The
// slice must not be changed.
func (e *Event) Resolved(path string) (vs []Value, ok bool) {
	if r := e.resolved; r != nil {
		for i, p := range r.paths {
			if p == path {
				return r.vals[i], true
			}
		}
	}
	return nil, false
}

// Headers holds the request headers detectors read, from
// http.request.headers (names matched case-insensitively; first value).
type Headers struct {
	Present       HeaderSet
	Host          string
	UserAgent     string
	Accept        string
	Referer       string
	ContentType   string
	ContentLength int64
}

// HeaderSet records which headers the document carried, so "absent" and
// "empty" can be told apart.
type HeaderSet uint8

// Headers tracked in a HeaderSet.
const (
	HeaderHost HeaderSet = 1 << iota
	HeaderUserAgent
	HeaderAccept
	HeaderReferer
	HeaderContentType
	HeaderContentLength
	HeaderCookie
)

// Cookie is one request cookie.
type Cookie struct {
	Name, Value string
}

// Ref returns how findings cite the event.
func (e *Event) Ref() EventRef { return EventRef{Seq: e.Seq, ID: e.ID} }

// Complete returns the event with every hot field decoded: e itself when
// it is, else a copy decoded again from Raw in full (with e's ID, Index,
// Origin and Seq). A detector that reads only a few fields of every event
// calls it for the events it reports on, to describe them in full.
func (e *Event) Complete() *Event {
	if e.undecoded == 0 || e.Raw == nil {
		return e
	}
	d := decoderPool.Get().(*Decoder)
	defer decoderPool.Put(d)
	v, err := d.p.ParseBytes(e.Raw)
	if err != nil {
		return e
	}
	o, err := v.Object()
	if err != nil {
		return e
	}
	c := &Event{}
	d.extract(o, c)
	c.Raw, c.ID, c.Index, c.Origin, c.Seq = e.Raw, e.ID, e.Index, e.Origin, e.Seq
	return c
}

// Decoded reports whether the event's struct field for the hot ECS path
// was filled by the decoder. It is true for paths that are not hot fields
// and for events built by hand.
func (e *Event) Decoded(path string) bool {
	f, ok := hotPaths[path]
	return !ok || e.undecoded&f.bit() == 0
}

// URLFull returns url.full when the document has it.
func (e *Event) URLFull() string { return e.urlFull }

// Get returns every value at a dotted ECS path. It finds the path whether
// the document nests objects ({"http":{"request":{"method":"GET"}}}), uses
// dotted keys ({"http.request.method":"GET"}) or mixes both, and it
// flattens arrays, so a multi-valued field or an array of objects yields
// one Value per element. A missing path yields nil.
func (e *Event) Get(path string) []Value {
	return getPath(e.Raw, path)
}

// GetString returns the first string form of the value at path, or "".
func (e *Event) GetString(path string) string {
	vs := e.Get(path)
	if len(vs) == 0 {
		return ""
	}
	return vs[0].String()
}

// Has reports whether the category list contains c (ECS categorisation
// fields are arrays).
func Has(list []string, c string) bool {
	for _, v := range list {
		if v == c {
			return true
		}
	}
	return false
}

// Kind of a JSON value returned by Event.Get.
type ValueKind uint8

// Value kinds.
const (
	KindString ValueKind = iota + 1
	KindNumber
	KindBool
	KindObject
)

// Value is one value found at an ECS path.
type Value struct {
	Kind ValueKind
	// Str is the string itself, a number's literal text, "true"/"false",
	// or an object's JSON.
	Str  string
	Num  float64 // set when Kind is KindNumber
	Bool bool    // set when Kind is KindBool
}

// String returns the value as text: what a keyword comparison sees.
func (v Value) String() string { return v.Str }

// Number returns the value as a number when it is one, or a string that
// parses as one (ECS producers often quote numbers).
func (v Value) Number() (float64, bool) {
	switch v.Kind {
	case KindNumber:
		return v.Num, true
	case KindString:
		f, err := strconv.ParseFloat(v.Str, 64)
		return f, err == nil
	}
	return 0, false
}
