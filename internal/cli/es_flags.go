package cli

// Elasticsearch on the command line: the --es* flags shared by the
// console, detect and alerts, what they resolve to, and the progress line.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"picket/pushdown"
	"picket/triage"
	"picket/triage/elastic"
)

// defaultESIndices are read when neither --es-index nor the config file
// names event indices: the seed rules' APM indices and the spike model's
// firewall indices.
var defaultESIndices = []string{"traces-apm*", "apm-*-transaction*", "logs-*", "filebeat-*", "packetbeat-*"}

// defaultESLimit is the largest pull; above it work is pushed down.
const defaultESLimit = 2_000_000

// esFlags are the connection and selection flags of every command that
// talks to Elasticsearch.
type esFlags struct {
	enabled      bool // --es (console and detect)
	url, cloudID string
	ca, caFinger string
	insecure     bool
	timeout      time.Duration
	index        []string
	space        string
	pageSize     int
	limit        int64
	since        string
	from, to     string
}

// register adds the flags to cmd: withEnable adds --es itself, withIndex
// the event index flags (else --space), withRange the time range.
func (f *esFlags) register(cmd *cobra.Command, withEnable, withIndex, withRange bool) {
	fl := cmd.Flags()
	if withEnable {
		fl.BoolVar(&f.enabled, "es", false, "read events from Elasticsearch (connection: ELASTICSEARCH_URL, the config file or --es-url)")
	}
	fl.StringVar(&f.url, "es-url", "", "Elasticsearch URL(s), comma-separated (env "+envESURL+")")
	fl.StringVar(&f.cloudID, "es-cloud-id", "", "Elastic Cloud ID instead of a URL (env "+envESCloudID+")")
	fl.StringVar(&f.ca, "es-ca", "", "PEM file of the certificate authority to trust")
	fl.StringVar(&f.caFinger, "es-ca-fingerprint", "", "SHA-256 fingerprint of the cluster's CA certificate, as Elasticsearch prints it")
	fl.BoolVar(&f.insecure, "es-insecure", false, "do not verify the cluster's TLS certificate (unsafe; prefer --es-ca)")
	fl.DurationVar(&f.timeout, "es-timeout", 0, "timeout of each request (default 60s)")
	if withRange {
		fl.StringVar(&f.since, "since", "", "the last D: 30m, 24h, 7d (default 24h)")
		fl.StringVar(&f.from, "from", "", "from this time (RFC 3339 or YYYY-MM-DD), with --to or until now")
		fl.StringVar(&f.to, "to", "", "until this time, exclusive (with --from)")
	}
	if withIndex {
		fl.StringSliceVar(&f.index, "es-index", nil, "event index patterns, comma-separated (default "+strings.Join(defaultESIndices, ",")+")")
		f.registerPageSize(cmd)
		fl.Int64Var(&f.limit, "es-limit", 0, "largest pull in documents before work is pushed down to Elasticsearch (default 2000000)")
	} else {
		fl.StringVar(&f.space, "space", "", "Kibana space whose alerts to read (default \"default\")")
	}
}

// registerPageSize adds --es-page-size (with the event flags, and on
// picket alerts, whose pull pages the same way).
func (f *esFlags) registerPageSize(cmd *cobra.Command) {
	cmd.Flags().IntVar(&f.pageSize, "es-page-size", 0, "hits per page (default 5000, at most 10000)")
}

// settings is what the flags, environment and config file add up to.
type esSettings struct {
	conn     elastic.Config
	indices  []string
	space    string
	pageSize int
	limit    int64
	from, to time.Time
	user     string
}

// resolve lays the flags over the configuration (already environment
// over file) and checks them. Mistakes are usage errors.
func (f *esFlags) resolve(cmd *cobra.Command, cfg config, now time.Time) (esSettings, error) {
	ec := cfg.Elasticsearch
	changed := cmd.Flags().Changed
	if changed("es-url") || changed("es-cloud-id") {
		ec.URL, ec.CloudID = f.url, f.cloudID
	}
	if changed("es-ca") {
		ec.CAFile = f.ca
	}
	if changed("es-ca-fingerprint") {
		ec.CAFingerprint = f.caFinger
	}
	if changed("es-insecure") {
		ec.Insecure = f.insecure
	}
	s := esSettings{
		conn: elastic.Config{
			URLs:          splitList(ec.URL),
			CloudID:       ec.CloudID,
			APIKey:        ec.APIKey,
			Username:      ec.Username,
			Password:      ec.Password,
			CAFile:        ec.CAFile,
			CAFingerprint: ec.CAFingerprint,
			Insecure:      ec.Insecure,
		},
		indices:  ec.Index,
		space:    ec.Space,
		pageSize: ec.PageSize,
		limit:    ec.Limit,
		user:     ec.WorkflowUser,
	}
	if ec.Timeout != "" {
		d, err := time.ParseDuration(ec.Timeout)
		if err != nil || d <= 0 {
			return s, usagef("config elasticsearch.timeout %q: want a positive duration such as 60s", ec.Timeout)
		}
		s.conn.Timeout = d
	}
	if changed("es-timeout") {
		if f.timeout <= 0 {
			return s, usagef("--es-timeout %s: want a positive duration such as 60s", f.timeout)
		}
		s.conn.Timeout = f.timeout
	}
	if changed("es-index") {
		s.indices = f.index
	}
	if len(s.indices) == 0 {
		s.indices = defaultESIndices
	}
	if changed("space") {
		s.space = f.space
	}
	source := "config elasticsearch.page_size"
	if changed("es-page-size") {
		s.pageSize, source = f.pageSize, "--es-page-size"
		if s.pageSize == 0 {
			return s, usagef("--es-page-size 0: want 1 to %d", elastic.MaxPageSize)
		}
	}
	if s.pageSize < 0 || s.pageSize > elastic.MaxPageSize {
		return s, usagef("%s %d: want 1 to %d", source, s.pageSize, elastic.MaxPageSize)
	}
	if changed("es-limit") {
		s.limit = f.limit
	}
	if s.limit <= 0 {
		s.limit = defaultESLimit
	}
	var err error
	s.from, s.to, err = timeRange(f.since, f.from, f.to, now)
	return s, err
}

// timeRange reads --since or --from/--to; the default is the last 24 hours.
func timeRange(since, from, to string, now time.Time) (time.Time, time.Time, error) {
	switch {
	case since != "" && (from != "" || to != ""):
		return time.Time{}, time.Time{}, usagef("give --since or --from/--to, not both")
	case to != "" && from == "":
		return time.Time{}, time.Time{}, usagef("--to needs --from")
	case from != "":
		f := triage.ParseTimestamp(from)
		if f.IsZero() {
			return time.Time{}, time.Time{}, usagef("--from %q: want RFC 3339 (2026-11-27T10:00:00Z) or YYYY-MM-DD", from)
		}
		t := now
		if to != "" {
			if t = triage.ParseTimestamp(to); t.IsZero() {
				return time.Time{}, time.Time{}, usagef("--to %q: want RFC 3339 (2026-11-27T10:00:00Z) or YYYY-MM-DD", to)
			}
		}
		if !t.After(f) {
			return time.Time{}, time.Time{}, usagef("--to must be after --from")
		}
		return f, t, nil
	}
	if since == "" {
		since = "24h"
	}
	d, err := parseSince(since)
	if err != nil {
		return time.Time{}, time.Time{}, usagef("--since %q: %v", since, err)
	}
	return now.Add(-d), now, nil
}

// parseSince accepts Go durations and whole days ("7d").
func parseSince(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration such as 30m, 24h or 7d")
	}
	return d, nil
}

// client connects, warning on stderr when TLS verification is off.
func (s esSettings) client(stderr io.Writer) (*elastic.Client, error) {
	if s.conn.Insecure {
		fmt.Fprintln(stderr, "picket: warning: TLS verification is off (--es-insecure): anyone on the path can read or alter the traffic; prefer --es-ca or --es-ca-fingerprint")
	}
	c, err := elastic.New(s.conn)
	if errors.Is(err, elastic.ErrNoAddress) || errors.Is(err, elastic.ErrBadURL) || errors.Is(err, elastic.ErrBadSetting) {
		// Nothing was attempted: the command line or configuration says
		// no usable address.
		return nil, usageError{err}
	}
	return c, err
}

func (s esSettings) query() elastic.Query {
	return elastic.Query{Indices: s.indices, From: s.from, To: s.to}
}

// esConsole makes the console's source: nil when --es was not given.
// The connection is checked before the screen is taken, so a bad URL or
// credentials fail with one line on stderr.
func (f *esFlags) esConsole(ctx context.Context, cmd *cobra.Command, e *env, cfg config) (*esConsoleSource, error) {
	if !f.enabled {
		return nil, nil
	}
	if demo, _ := cmd.Flags().GetBool("demo"); demo || cmd.Flags().NArg() > 0 {
		return nil, usagef("give FILE arguments, --demo or --es, not several")
	}
	s, err := f.resolve(cmd, cfg, time.Now())
	if err != nil {
		return nil, err
	}
	c, err := s.client(e.stderr)
	if err != nil {
		return nil, err
	}
	if _, err := c.Ping(ctx); connectionFailed(err) {
		return nil, err
	}
	return &esConsoleSource{c: c, s: s}, nil
}

// connectionFailed tells the errors that mean no request can succeed
// (credentials, trust, wrong server, no answer) from those of the
// _authenticate call alone (a cluster without security, a missing
// privilege), which the console can live with.
func connectionFailed(err error) bool {
	for _, k := range []error{elastic.ErrUnauthorized, elastic.ErrTLS, elastic.ErrNotElasticsearch, elastic.ErrUnreachable, elastic.ErrTimeout} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// esConsoleSource builds a fresh pull each time the console (re)runs.
type esConsoleSource struct {
	c *elastic.Client
	s esSettings
}

// esDetectSource prepares detect --es: it counts first and pulls the
// events when they are within the limit; above it, the work is pushed down
// to Elasticsearch and the detectors are replaced by their pushed-down
// forms (see pushdown.Plan). resolve names fields the decoder reads as it
// parses (elastic.SourceOptions.Resolve).
func (f *esFlags) esDetectSource(ctx context.Context, cmd *cobra.Command, e *env, cfg config, dets []triage.Detector, resolve []string) (triage.Source, []triage.Detector, func(), error) {
	s, err := f.resolve(cmd, cfg, time.Now())
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := s.client(e.stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	n, err := c.Count(ctx, s.query())
	if err != nil {
		return nil, nil, nil, err
	}
	if n > s.limit {
		src, pushed := pushdown.Plan(c, s.query(), dets, cmd.Flags().Changed("es-index"))
		fmt.Fprintf(e.stderr, "picket: elasticsearch: %d documents in range exceed the limit of %d (--es-limit): counting in Elasticsearch instead of pulling\n", n, s.limit)
		return src, pushed, func() {}, nil
	}
	pp := newProgressPrinter(e.stderr, n)
	src := c.NewSource(s.query(), elastic.SourceOptions{
		PageSize: s.pageSize,
		Progress: pp.update,
		Warn:     func(m string) { pp.warn(esWarning(m)) },
		Resolve:  resolve,
	})
	return src, dets, pp.finish, nil
}

// progressPrinter shows a pull's progress on stderr: a line redrawn in
// place on a terminal, else one final line.
type progressPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	count int64
	last  time.Time
	final elastic.Progress
	drawn bool
}

// newProgressPrinter draws on w's terminal itself: its lines hold numbers
// and text escaped already, and redrawing needs \r and an erase sequence
// that the escaping writer would show instead.
func newProgressPrinter(w io.Writer, count int64) *progressPrinter {
	w = unwrapTerminal(w)
	return &progressPrinter{w: w, tty: isTerminal(w), count: count}
}

// unwrapTerminal returns the writer under Picket's escaping writer.
func unwrapTerminal(w io.Writer) io.Writer {
	if u, ok := w.(interface{ Underlying() io.Writer }); ok {
		return u.Underlying()
	}
	return w
}

func isTerminal(w io.Writer) bool {
	f, ok := unwrapTerminal(w).(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progressPrinter) update(pr elastic.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pr.Total < 0 {
		pr.Total = p.count
	}
	p.final = pr
	if !p.tty || pr.Done || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	line := fmt.Sprintf("picket: elasticsearch: %d/%d documents, %.0f docs/s", pr.Docs, pr.Total, pr.Rate)
	if pr.ETA > 0 {
		line += ", ETA " + pr.ETA.Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.drawn = true
}

// warn prints a warning without breaking the progress line.
func (p *progressPrinter) warn(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
	fmt.Fprintln(p.w, msg)
}

// finish prints the final line.
func (p *progressPrinter) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	pr := p.final
	fmt.Fprintf(p.w, "picket: elasticsearch: pulled %d of %d documents in %s (%.0f docs/s)\n",
		pr.Docs, max(pr.Total, p.count), pr.Elapsed.Round(time.Millisecond), pr.Rate)
}

// esWarning is a warning of the Elasticsearch source as printed: escaped,
// and prefixed "elasticsearch: " once (its errors carry the prefix
// already).
func esWarning(m string) string {
	return "picket: elasticsearch: " + triage.Escape(strings.TrimPrefix(m, "elasticsearch: "))
}
