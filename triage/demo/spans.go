package demo

// Database spans. The shop's APM agent traces the SQL queries of a few
// transactions as span documents (processor.event "span") that record how
// many rows each query returned in span.db.rows_affected: what CIE2 learns
// from. Spans name no client (APM keeps the request on the transaction),
// so they carry no source.ip; transaction.id and parent.id tie each one to
// its transaction.

// dbQuery is the query a transaction runs, with the usual range of rows.
type dbQuery struct {
	name, statement  string
	minRows, maxRows int64
}

// dbQueries are the traced queries by "METHOD route" (those whose driver
// reports row counts). A search shows at most 48 products, a
// customer's order list at most 30 orders.
var dbQueries = map[string]dbQuery{
	"GET /search": {"SELECT FROM products",
		"SELECT id, name, price FROM products WHERE search_vector @@ plainto_tsquery($1) ORDER BY ts_rank(search_vector, plainto_tsquery($1)) DESC LIMIT 48 OFFSET $2", 0, 48},
	"GET /account/orders": {"SELECT FROM orders",
		"SELECT id, placed_at, total, status FROM orders WHERE customer_id = $1 AND status = ANY($2) ORDER BY placed_at DESC LIMIT $3", 1, 30},
}

// mix64 scrambles v (splitmix64's finaliser): span details are derived from
// their transaction's id, so spans draw nothing from any random stream and
// adding them changed no other document.
func mix64(v uint64) uint64 {
	v ^= v >> 33
	v *= 0xff51afd7ed558ccd
	v ^= v >> 33
	v *= 0xc4ceb9fe1a85ec53
	return v ^ v>>33
}

// span queues the database span of transaction r (ids as written there).
func (g *generator) span(r *req, q dbQuery, traceHi, traceLo, txID uint64) {
	h := mix64(txID ^ 0x7370616e) // "span"
	rows := r.rows
	if rows <= 0 {
		rows = q.minRows + int64(h%uint64(q.maxRows-q.minRows+1))
	}
	// The query starts a little into the transaction and takes a share of
	// it; a big result takes longer to read.
	durUS := max(r.durUS/4, 300) + int64(h>>20%2000) + rows*8
	startUS := r.t*1000 + 200 + int64(h>>40%800)
	t := startUS / 1000
	node := nodeNames[r.node%len(nodeNames)]

	w := &g.w
	w.b = w.b[:0]
	w.begin()
	w.time("@timestamp", t)
	apmAgent(w)
	apmStream(w)
	w.open("event")
	w.str("outcome", "success")
	w.end()
	w.open("host")
	w.str("hostname", node)
	w.end()
	apmObserver(w)
	w.open("parent")
	w.hex("id", txID)
	w.end()
	w.open("processor")
	w.str("event", "span")
	w.end()
	w.open("service")
	w.str("environment", "production")
	w.str("name", serviceName)
	w.open("node")
	w.str("name", node)
	w.end()
	w.open("target")
	w.str("name", "shop")
	w.str("type", "postgresql")
	w.end()
	w.end()
	w.open("span")
	w.str("action", "query")
	w.open("db")
	w.str("instance", "shop")
	w.int("rows_affected", rows)
	w.str("statement", q.statement)
	w.str("type", "sql")
	w.end()
	w.open("duration")
	w.int("us", durUS)
	w.end()
	w.hex("id", mix64(h))
	w.str("name", q.name)
	w.str("subtype", "postgresql")
	w.str("type", "db")
	w.end()
	w.open("timestamp")
	w.int("us", startUS)
	w.end()
	w.open("trace")
	w.hex("id", traceHi, traceLo)
	w.end()
	w.open("transaction")
	w.hex("id", txID)
	w.end()
	w.end()
	g.add(t)
}
