package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"picket/kql"
	"picket/triage"
)

// QueryID is the detector id of an ad hoc query (picket detect --query).
const QueryID = "query"

// Options configure the detectors of query rules.
type Options struct {
	// Now resolves date math in queries ("@timestamp >= now-1d"). Zero
	// means the wall clock when the detector is built.
	Now time.Time
	// Types declares Elasticsearch field types for custom fields.
	Types map[string]string
}

func (o Options) kqlOptions() []kql.Option {
	var out []kql.Option
	if !o.Now.IsZero() {
		out = append(out, kql.WithNow(o.Now))
	}
	if len(o.Types) > 0 {
		out = append(out, kql.WithTypes(o.Types))
	}
	return out
}

// Detector re-runs a KQL query rule over a stream of events: one finding
// per matching event, as Elastic raises one alert per matching document.
// It implements triage.Detector and triage.Linter: after Flush, Lints
// reports what the rule linter found in the same pass (see Linter).
type Detector struct {
	rule  *Rule
	info  triage.DetectorInfo
	q     *kql.Query
	scope scope
	doc   eventDoc
	lint  *Linter

	lintOnly bool
	// allSeen is set once every field the rule compares has occurred:
	// from then on the line filter may skip lines (see LineFilter).
	allSeen allSeenFlag

	label   string // `rule "NAME"` or `query`
	oneLine string // the query on one line, for reasons
	// reasons interns reason texts: a rule matching many requests
	// says the same few things (one per method, status and path) over
	// and over, and a console keeps every finding.
	reasons map[string]string

	window   time.Duration
	cap      int
	runs     map[int64]int // matches per run window (interval of event time)
	runsFull int           // matches not counted in runs because it was full
	matches  int

	// untimed counts matches Elastic would not search: no
	// timestamp_override field and the @timestamp fallback turned off.
	untimed         int
	untimedExamples []string
}

// maxRuns bounds the per-window table of the alert-cap lint: a year of
// 5-minute windows.
const maxRuns = 1 << 17

// New builds the detector of a rule that runs locally: a query rule in
// KQL. Any other rule is an error saying why it does not run; a query
// that does not parse is a *kql.ParseError wrapped with the rule's id.
func New(r *Rule, opts Options) (*Detector, error) {
	if ready, why := r.Readiness(); ready != triage.RunsLocally || r.Type == TypeMachineLearning {
		if r.Type == TypeMachineLearning && ready == triage.RunsLocally {
			why = "its local runner is a separate detector (" + why + ")"
		}
		return nil, fmt.Errorf("rule %s (%s) is not run by the query engine: %s", r.RuleID, r.Name, why)
	}
	q, err := kql.Parse(r.Query, opts.kqlOptions()...)
	if err != nil {
		return nil, fmt.Errorf("rule %s (%s): query: %w", r.RuleID, r.Name, err)
	}
	d := newDetector(r, q)
	d.label = "rule " + triage.Quote(r.Name)
	return d, nil
}

// NewLintOnly builds a detector that lints a rule without raising
// findings: for a rule whose query is KQL but whose type Picket does not
// run (threshold, new_terms, indicator match) or that is disabled, so
// picket rules lint can still check its query against the data.
func NewLintOnly(r *Rule, opts Options) (*Detector, error) {
	switch {
	case r.Type == TypeMachineLearning:
		return nil, fmt.Errorf("a machine learning rule has no query: its job %s decides what is counted", strings.Join(r.MLJobIDs, ", "))
	case r.EffectiveLanguage() != LanguageKuery:
		return nil, fmt.Errorf("its query is %s, and only KQL is linted", r.EffectiveLanguage())
	}
	q, err := kql.Parse(r.Query, opts.kqlOptions()...)
	if err != nil {
		return nil, fmt.Errorf("rule %s (%s): query: %w", r.RuleID, r.Name, err)
	}
	d := newDetector(r, q)
	d.lintOnly = true
	return d, nil
}

// NewQuery builds the ad hoc detector of picket detect --query: id
// "query", medium severity, risk 50, no index patterns, Elastic's default
// schedule for the alert-cap lint. Parse errors are *kql.ParseError.
func NewQuery(query string, opts Options) (*Detector, error) {
	q, err := kql.Parse(query, opts.kqlOptions()...)
	if err != nil {
		return nil, err
	}
	r := &Rule{
		RuleID:    QueryID,
		Name:      "Ad hoc query: " + OneLine(query),
		Severity:  triage.Medium,
		RiskScore: 50,
		Type:      TypeQuery,
		Language:  LanguageKuery,
		Query:     query,
		Enabled:   true,
		Source:    "command line",
	}
	d := newDetector(r, q)
	d.info.ID = QueryID
	d.lint.detector = QueryID
	d.lint.subject = "the query"
	d.label = "the query"
	return d, nil
}

func newDetector(r *Rule, q *kql.Query) *Detector {
	d := &Detector{
		rule:    r,
		info:    r.Info(),
		q:       q,
		scope:   scope{patterns: CompileIndex(r.Index)},
		oneLine: OneLine(r.Query),
		window:  r.IntervalDuration(),
		cap:     r.EffectiveMaxSignals(),
		runs:    map[int64]int{},
	}
	d.lint = newLinter(r, q, &d.scope)
	return d
}

// Rule returns the rule the detector runs.
func (d *Detector) Rule() *Rule { return d.rule }

// Info implements triage.Detector.
func (d *Detector) Info() triage.DetectorInfo { return d.info }

// Observe implements triage.Detector.
func (d *Detector) Observe(ev *triage.Event, emit func(triage.Finding)) {
	d.doc.Reset(ev)
	matched := d.q.Match(&d.doc)
	inScope := d.lint.observe(ev, &d.doc, matched)
	d.noteSeen()
	if !matched || !inScope || d.lintOnly {
		return
	}
	// The run may have decoded only the fields the rule reads; the
	// finding describes the whole event.
	ev = ev.Complete()
	at, searched := d.eventTime(ev)
	if !searched {
		d.untimed++
		if len(d.untimedExamples) < 3 {
			d.untimedExamples = append(d.untimedExamples, clip(ev.ID, 60))
		}
		return
	}
	d.matches++
	if !at.IsZero() {
		w := at.UnixNano() / int64(d.window)
		if _, ok := d.runs[w]; ok || len(d.runs) < maxRuns {
			d.runs[w]++
		} else {
			d.runsFull++
		}
	}
	emit(triage.Finding{
		Detector:   d.info.ID,
		Title:      d.info.Title,
		Severity:   d.info.Severity,
		RiskScore:  d.info.RiskScore,
		Timestamp:  at,
		SourceIP:   ev.SourceIP,
		UserAgent:  ev.UserAgent,
		UserName:   ev.UserName,
		SessionID:  ev.SessionID,
		Evidence:   []triage.EventRef{ev.Ref()},
		EventCount: 1,
		Reason:     d.reason(ev),
	})
}

// eventTime returns the time Elastic gives ev under this rule: the date in
// the rule's timestamp_override field, or else @timestamp. Elastic's
// search selects an event without the override field by its @timestamp
// unless the rule sets timestamp_override_fallback_disabled; then such an
// event is never searched, and searched is false.
func (d *Detector) eventTime(ev *triage.Event) (at time.Time, searched bool) {
	field := d.rule.TimestampOverride
	if field == "" || field == "@timestamp" {
		return ev.Timestamp, true
	}
	for _, v := range ev.Values(field) {
		if v.Kind == triage.KindString || v.Kind == triage.KindNumber {
			if t := triage.ParseTimestamp(v.Str); !t.IsZero() {
				return t, true
			}
		}
	}
	if d.rule.TimestampOverrideFallbackDisabled {
		return time.Time{}, false
	}
	return ev.Timestamp, true
}

// Flush implements triage.Detector. Findings are raised per event, so
// nothing is held; Flush completes the lints.
func (d *Detector) Flush(func(triage.Finding)) {
	d.lint.finish()
}

// reason says what the event was and that the rule matched it:
// POST answered 403 on /api/cart matched rule "..." (query).
func (d *Detector) reason(ev *triage.Event) string {
	r := describe(ev) + " matched " + d.label + " (" + clip(d.oneLine, 300) + ")"
	if s, ok := d.reasons[r]; ok {
		return s
	}
	if d.reasons == nil {
		d.reasons = map[string]string{}
	}
	if len(d.reasons) < maxInternedReasons {
		d.reasons[r] = r
	}
	return r
}

// maxInternedReasons bounds the reasons a rule interns.
const maxInternedReasons = 1 << 14

// describe says in a few words what an event is.
func describe(ev *triage.Event) string {
	path := ev.URLPath
	if path == "" {
		path = ev.URLOriginal
	}
	// Every value of a field the event holds several of (an array, or
	// nested and dotted spellings): the one the decoder kept may not be
	// the one the query matched. Only such fields are read again (a rule
	// matching every event describes each one).
	method, status := clip(ev.Method, 20), strconv.Itoa(ev.StatusCode)
	if _, one := ev.Hot("http.request.method"); ev.Method != "" && !one {
		method = clip(strings.Join(ev.Strings("http.request.method"), "/"), 20)
	}
	if _, one := ev.Hot("http.response.status_code"); ev.StatusCode != 0 && !one {
		status = strings.Join(ev.Strings("http.response.status_code"), "/")
	}
	switch {
	case ev.Method != "" && ev.StatusCode != 0 && path != "":
		return method + " answered " + clip(status, 40) + " on " + clip(path, 120)
	case ev.Method != "" && path != "":
		return method + " on " + clip(path, 120)
	case ev.StatusCode != 0:
		return "response " + clip(status, 40)
	}
	var parts []string
	if len(ev.Category) > 0 {
		parts = append(parts, clip(strings.Join(ev.Category, "/"), 40))
	}
	parts = append(parts, "event")
	var attrs []string
	if ev.Action != "" {
		attrs = append(attrs, "action "+clip(ev.Action, 40))
	}
	if ev.Outcome != "" {
		attrs = append(attrs, "outcome "+clip(ev.Outcome, 20))
	}
	if ev.Dataset != "" {
		attrs = append(attrs, "from "+clip(ev.Dataset, 40))
	}
	s := strings.Join(parts, " ")
	if len(attrs) > 0 {
		s += " (" + strings.Join(attrs, ", ") + ")"
	}
	if ev.ID != "" {
		s += " " + clip(ev.ID, 60)
	}
	return s
}

// clip shortens text for a one-line reason, escaping anything a terminal
// would act on.
func clip(s string, n int) string {
	s = triage.Escape(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xc0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// Lints implements triage.Linter: the rule linter's findings about the
// rule and the data, then what Elastic's alert cap would have done.
func (d *Detector) Lints() []triage.Lint {
	out := d.lint.Lints()
	// A value list of IOC size works (it is a set), but it costs time to
	// parse and memory to hold: say so.
	for _, w := range d.q.Warnings() {
		out = append(out, triage.Lint{Detector: d.info.ID, Message: w})
	}
	if d.untimed > 0 {
		out = append(out, triage.Lint{Detector: d.info.ID, Count: d.untimed, Message: fmt.Sprintf(
			"%s the rule but lack %s, its timestamp_override, and the rule turns off the @timestamp fallback (timestamp_override_fallback_disabled): Elastic would not search %s, so Picket raises no finding for %s, e.g. %s",
			pick(d.untimed == 1, "1 event matches", strconv.Itoa(d.untimed)+" events match"), clip(d.rule.TimestampOverride, 80),
			pick(d.untimed == 1, "it", "them"), pick(d.untimed == 1, "it", "them"), strings.Join(d.untimedExamples, ", "))})
	}
	if l, ok := d.capLint(); ok {
		out = append(out, l)
	}
	return out
}

// capLint says what Elastic's per-run alert cap (max_signals) would have
// done to this run's matches, taking each interval of event time as one
// run.
func (d *Detector) capLint() (triage.Lint, bool) {
	if d.lintOnly {
		return triage.Lint{}, false
	}
	over, dropped := 0, 0
	var worst int64
	found := false
	for w, n := range d.runs {
		if n <= d.cap {
			continue
		}
		over++
		dropped += n - d.cap
		if m := d.runs[worst]; !found || n > m || n == m && w < worst {
			worst, found = w, true
		}
	}
	if over == 0 {
		return triage.Lint{}, false
	}
	start := time.Unix(0, worst*int64(d.window)).UTC()
	msg := fmt.Sprintf("Elastic would have raised at most %d of these %d in one %s run (from %s)",
		d.cap, d.runs[worst], runLength(d.window), start.Format("2006-01-02 15:04 MST"))
	if over > 1 {
		msg += fmt.Sprintf("; %d runs went over the cap of %d alerts, so Elastic would have raised %d of all %d matches",
			over, d.cap, d.matches-dropped, d.matches)
	}
	msg += "; Picket reports every match"
	return triage.Lint{Detector: d.info.ID, Message: msg, Count: dropped}, true
}
