package cli

// The console's Elasticsearch side beyond the events: the pulled alerts
// (read, judged against the local re-run, written back by s) and the
// load's progress bar for pulls and large files.

import (
	"context"
	"sync"
	"time"

	"picket/detectors"
	"picket/triage"
	"picket/triage/elastic"
	"picket/triage/ndjson"
	"picket/ui"
)

// consoleAlerts is the console's alert source: the open alerts of the
// space over the pull's time range, the catalogue's reasons for rules
// that do not run locally, and write-back with UpdateAlerts.
func (c *esConsoleSource) consoleAlerts(cfg config, warn func(string)) *ui.AlertSource {
	q := elastic.AlertQuery{Space: c.s.space, From: c.s.from, To: c.s.to,
		Statuses: []triage.WorkflowStatus{triage.StatusOpen}}
	w := &workflowUser{c: c.c, user: c.s.user}
	return &ui.AlertSource{
		Pull: func(ctx context.Context, fn func(*triage.Alert) error) error {
			return c.c.Alerts(ctx, q, elastic.SourceOptions{PageSize: c.s.pageSize, Warn: warn}, fn)
		},
		NotRun: notRunReasons(cfg),
		SetStatus: func(ctx context.Context, uuids []string, status string) (string, error) {
			return setAlertStatus(ctx, c.c, c.s.space, w.get(ctx), uuids, status)
		},
	}
}

// workflowUser is who write-backs are recorded as: the configured
// elasticsearch.workflow_user, else the authenticated user, asked once.
type workflowUser struct {
	c    *elastic.Client
	once sync.Once
	user string
}

func (w *workflowUser) get(ctx context.Context) string {
	w.once.Do(func() {
		if w.user == "" {
			w.user, _ = w.c.Ping(ctx) // best effort, as picket alerts set-status
		}
	})
	return w.user
}

// setAlertStatus is the console's write-back: elastic's SetAlertStatus,
// summed up in words for the status line.
func setAlertStatus(ctx context.Context, c *elastic.Client, space, user string, uuids []string, status string) (string, error) {
	st, err := triage.ParseWorkflowStatus(status)
	if err != nil {
		return "", err
	}
	res, err := c.SetAlertStatus(ctx, space, user, uuids, st)
	if err != nil {
		return "", err
	}
	return res.Summary(), nil
}

// notRunReasons says, for each detector the catalogue lists, why it would
// not run: its readiness and reason, or that --only left it out.
// Whether it ran is the console's to tell; this is only consulted for
// detectors that did not.
func notRunReasons(cfg config) map[string]string {
	opts, err := detectorOptions(cfg)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, info := range detectors.Catalogue(opts) {
		if info.Readiness == triage.RunsLocally {
			out[info.ID] = "not among the detectors run (detect.only in the config)"
			continue
		}
		why := string(info.Readiness)
		if info.Why != "" {
			why += ": " + info.Why
		}
		out[info.ID] = why
	}
	return out
}

// loadProgress keeps the latest progress report of the current load for
// the console, which polls it.
type loadProgress struct {
	mu   sync.Mutex
	p    ui.LoadProgress
	have bool
}

func (l *loadProgress) set(p ui.LoadProgress) {
	l.mu.Lock()
	l.p, l.have = p, true
	l.mu.Unlock()
}

func (l *loadProgress) get() (ui.LoadProgress, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.p, l.have
}

func (l *loadProgress) reset() {
	l.mu.Lock()
	l.have = false
	l.mu.Unlock()
}

// fromPull reports an Elasticsearch pull: documents, docs/s and ETA.
func (l *loadProgress) fromPull(p elastic.Progress) {
	l.set(ui.LoadProgress{Done: p.Docs, Total: p.Total, Unit: ui.UnitDocuments, Rate: p.Rate, ETA: p.ETA})
}

// fromFiles reports a file read: bytes read of the files' size.
func (l *loadProgress) fromFiles(p ndjson.Progress) {
	lp := ui.LoadProgress{Done: p.Bytes, Total: p.Total, Unit: ui.UnitBytes}
	if s := p.Elapsed.Seconds(); s > 0 {
		lp.Rate = float64(p.Bytes) / s
	}
	if lp.Rate > 0 && p.Total > p.Bytes {
		lp.ETA = secondsDuration(float64(p.Total-p.Bytes) / lp.Rate)
	}
	l.set(lp)
}

// sourceWithProgress returns a pull whose warnings go to the console's
// status line and whose progress goes to l, reading the resolve fields as
// it decodes (elastic.SourceOptions.Resolve).
func (c *esConsoleSource) sourceWithProgress(warn func(string), l *loadProgress, resolve []string) triage.Source {
	return c.c.NewSource(c.s.query(), elastic.SourceOptions{PageSize: c.s.pageSize, Warn: warn, Progress: l.fromPull, Resolve: resolve})
}

func secondsDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
