package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/triage"
	"picket/triage/useragent"
)

// Exceptions and allowlist entries: loading them, the dialog that makes
// one (e, a, a step's exception action), its preview, and saving.

// Messages of the suppressions.
type (
	// supsMsg carries the stored exceptions and allowlist entries.
	supsMsg struct {
		xs    []triage.Exception
		allow []triage.AllowEntry
		opts  []triage.SuppressOption // value lists, rules' exception lists
		err   error
	}
	// supSavedMsg reports a stored exception or allowlist entry.
	supSavedMsg struct {
		s   suppression
		err error
	}
	// previewMsg carries the dialog's preview count.
	previewMsg struct{ hits, groups, total int }
)

var previewAddr = address{to: viewDialog, topic: topicPreview}

// suppressor asks triage's Suppressor, the one owner of the decision, so
// the console agrees with picket detect and the exports. The console's
// engine runs without exceptions, so that suppressed findings can still be
// shown, marked, on request; evidence is judged on the events the
// collection kept.
type suppressor struct {
	s    *triage.Suppressor
	hits triage.EventHits
}

func newSuppressor(xs []triage.Exception, allow []triage.AllowEntry, now time.Time, coll *triage.Collection, opts ...triage.SuppressOption) *suppressor {
	s := &suppressor{s: triage.NewSuppressor(xs, allow, now, opts...)}
	if coll != nil && s.s.HasExceptions() {
		s.hits = coll.Hits(s.s)
	}
	return s
}

func (s *suppressor) empty() bool { return s == nil || s.s == nil }

// lints is what the Suppressor could not apply (missing lists).
func (s *suppressor) lints() []triage.Lint {
	if s.empty() {
		return nil
	}
	return s.s.Lints()
}

// suppressed says whether f is hidden, and by what ("allowlisted",
// "exception").
func (s *suppressor) suppressed(f *triage.Finding) (string, bool) {
	if s.empty() {
		return "", false
	}
	h, ok := s.s.Judge(f, s.hits)
	if !ok {
		return "", false
	}
	return h.Kind(), true
}

// hider says what hides f: the allowlist entry, or the exceptions.
func (s *suppressor) hider(f *triage.Finding) (triage.Hider, bool) {
	if s.empty() {
		return triage.Hider{}, false
	}
	return s.s.Judge(f, s.hits)
}

// hiderName names the entry that hides a finding without the kind the
// row's marker already says ([allowlisted], [exception]): "user_agent
// curl/8", "Googlebot". Escaped.
func hiderName(h triage.Hider) string {
	name := h.String()
	for _, p := range []string{"allowlist entry ", "exceptions ", "exception "} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return triage.Escape(rest)
		}
	}
	return triage.Escape(name)
}

// hiderText says in full what hides a finding: the entry (Hider.String)
// with its reason, author and expiry. Escaped.
func hiderText(h triage.Hider) string {
	s := triage.Escape(h.String())
	var reason, author string
	var expires time.Time
	switch {
	case h.Allow != nil:
		reason, author, expires = h.Allow.Reason, h.Allow.Author, h.Allow.Expires
	case len(h.Exceptions) == 1:
		x := h.Exceptions[0]
		reason, author, expires = x.Reason, x.Author, x.Expires
		if x.Detector == triage.AllDetectors || x.Detector == "" {
			s += " (every detector)"
		}
	}
	if reason != "" {
		s += " · “" + clipText(triage.Escape(reason), 60) + "”"
	}
	if author != "" {
		s += " · by " + triage.Escape(author)
	}
	if !expires.IsZero() {
		s += " · expires " + fmtTime(expires, "2006-01-02 15:04") + " UTC"
	}
	return s
}

func (m *model) loadSuppressions() tea.Cmd {
	store := m.opts.Suppressions
	if store == nil {
		return nil
	}
	ctx, now, refs := m.ctx, m.opts.Now(), m.opts.RuleExceptionLists
	return func() tea.Msg {
		xs, err := store.Exceptions(ctx, casefile.ExceptionFilter{ActiveAt: now})
		allow, err2 := store.Allowlist(ctx, now)
		opts, err3 := suppressionLists(ctx, store, refs)
		return supsMsg{xs: xs, allow: allow, opts: opts, err: errors.Join(err, err2, err3)}
	}
}

// suppressionLists gives the Suppressor the value lists of a store that
// keeps them (casefile.Store) and the exception lists rules attach.
func suppressionLists(ctx context.Context, store Suppressions, refs map[string][]triage.ExceptionListRef) ([]triage.SuppressOption, error) {
	ls, ok := store.(interface {
		ValueLists(context.Context) (triage.ValueLists, error)
		HasExceptionList(context.Context) (func(triage.ExceptionListRef) bool, error)
	})
	if !ok {
		return []triage.SuppressOption{triage.WithRuleLists(refs, nil)}, nil
	}
	lists, err := ls.ValueLists(ctx)
	if err != nil {
		return nil, err
	}
	has, err := ls.HasExceptionList(ctx)
	if err != nil {
		return nil, err
	}
	return []triage.SuppressOption{triage.WithValueLists(lists), triage.WithRuleLists(refs, has)}, nil
}

func (m *model) setSuppressions() {
	m.sup = newSuppressor(m.xs, m.allow, m.opts.Now(), m.opts.Collection, m.supOpts...)
}

func (m *model) onSuppressions(msg supsMsg) tea.Cmd {
	if msg.err != nil {
		m.setErr(msg.err)
	}
	m.xs, m.allow, m.supOpts = msg.xs, msg.allow, msg.opts
	m.setSuppressions()
	var counts tea.Cmd
	if m.view == viewSupps {
		m.supps.build()
		counts = m.supps.count()
	}
	return tea.Batch(m.refresh(), m.judgeAlerts(), counts)
}

func (m *model) onSuppressionSaved(msg supSavedMsg) tea.Cmd {
	if msg.err != nil {
		m.setErr(msg.err)
		return nil
	}
	if msg.s.a != nil {
		m.allow = append(slices.Clip(m.allow), *msg.s.a)
	} else if msg.s.x != nil {
		m.xs = append(slices.Clip(m.xs), *msg.s.x)
	}
	m.setSuppressions()
	m.info = clip(msg.s.label(), 60)
	if m.opts.Suppressions == nil {
		m.info += " (kept for this session only: no exception storage)"
	}
	if m.view != viewQueue && m.group.group != nil {
		m.group.recompute()
	}
	return tea.Batch(m.refresh(), m.judgeAlerts())
}

// dialogKey: ctrl+s (or enter past the value) saves, esc cancels, ctrl+c
// asks before losing a typed reason; the rest edits the dialog, whose
// preview is redone when the entry changes.
func (m *model) dialogKey(k tea.KeyMsg) tea.Cmd {
	switch {
	case k.String() == "ctrl+c":
		if m.dialog.dirty() {
			m.prevModal, m.modal, m.confirmQuit = modalDialog, modalConfirm, true
			return nil
		}
		return tea.Quit
	case keyIs(k, m.keys.Cancel):
		m.modal = modalNone
		return nil
	case keyIs(k, m.keys.Save) || (k.String() == "enter" && m.dialog.focus >= dfReason):
		return m.saveDialog()
	}
	var changed bool
	m.dialog, changed = m.dialog.update(k, m.keys)
	if changed {
		return m.preview()
	}
	return nil
}

// saveDialog stores the dialog's entry, or says what is wrong with it.
func (m *model) saveDialog() tea.Cmd {
	s, err := m.dialog.draft(m.opts.Author, m.opts.Now())
	if err != nil {
		m.dialog.err = err.Error()
		return nil
	}
	// A stock browser user agent or a wide network is saved only when the
	// analyst saves again after the warning (picket allowlist add asks
	// for --force).
	if s.a != nil {
		if broad := useragent.BroadAllow(*s.a); broad != "" && m.dialog.broadOK != s.a.Kind+"\x00"+s.a.Value {
			m.dialog.broadOK = s.a.Kind + "\x00" + s.a.Value
			m.dialog.err = "ctrl+s again to save anyway: " + broad
			return nil
		}
	}
	m.modal = modalNone
	store := m.opts.Suppressions
	if store == nil {
		return func() tea.Msg { return supSavedMsg{s: s} }
	}
	ctx := m.ctx
	return func() tea.Msg {
		var err error
		if s.a != nil {
			s.a.ID, err = store.AddAllowEntry(ctx, *s.a)
		} else {
			s.x.ID, err = store.AddException(ctx, *s.x)
		}
		return supSavedMsg{s: s, err: err}
	}
}

// preview counts what the dialog's entry would suppress: at once for
// small collections, in a command for large ones.
func (m *model) preview() tea.Cmd {
	s, err := m.dialog.draft(m.opts.Author, m.opts.Now())
	if err != nil {
		m.req.issue(previewAddr) // an older count no longer applies
		m.dialog.hits, m.dialog.groups = 0, 0
		return nil
	}
	c, now := m.opts.Collection, m.opts.Now()
	xs, allow, opts := slices.Clone(m.xs), slices.Clone(m.allow), m.supOpts
	count := func() tea.Msg {
		fs := c.FindingsView()
		h, g, active := previewCount(fs, s, xs, allow, c, now, opts...)
		return previewMsg{hits: h, groups: g, total: active}
	}
	if m.snap.findings+m.snap.hidden <= syncRows {
		m.req.issue(previewAddr)
		m.dialog.onPreview(count())
		return nil
	}
	m.dialog.previewing = true
	return m.req.ask(previewAddr, count)
}

// onPreview shows a preview count.
func (d *dialogModel) onPreview(msg tea.Msg) {
	if p, ok := msg.(previewMsg); ok {
		d.previewing = false
		d.hits, d.groups, d.total = p.hits, p.groups, p.total
	}
}

// previewCount counts the findings a suppression would newly hide: hidden
// with it added to the active entries xs and allow, and not hidden now.
// (With it, a finding whose events other exceptions already half cover may
// become hidden.) active counts the findings not hidden now: the queue's,
// which the count is "of".
func previewCount(fs []triage.Finding, s suppression, xs []triage.Exception, allow []triage.AllowEntry, coll *triage.Collection, now time.Time, opts ...triage.SuppressOption) (hits, groups, active int) {
	var addX []triage.Exception
	var addA []triage.AllowEntry
	if s.a != nil {
		addA = []triage.AllowEntry{*s.a}
	} else {
		addX = []triage.Exception{*s.x}
	}
	return previewAll(fs, addX, addA, xs, allow, coll, now, opts...)
}

// previewAll is previewCount for several new entries at once (a bulk
// allowlist or exception form): exceptions addX and allowlist entries
// addA added to the active xs and allow.
func previewAll(fs []triage.Finding, addX []triage.Exception, addA []triage.AllowEntry, xs []triage.Exception, allow []triage.AllowEntry, coll *triage.Collection, now time.Time, opts ...triage.SuppressOption) (hits, groups, active int) {
	before := newSuppressor(xs, allow, now, coll, opts...)
	after := newSuppressor(slices.Concat(xs, addX), slices.Concat(allow, addA), now, coll, opts...)
	seen := map[triage.GroupKey]bool{}
	for i := range fs {
		if _, was := before.suppressed(&fs[i]); was {
			continue
		}
		active++
		if _, ok := after.suppressed(&fs[i]); ok {
			hits++
			k := triage.GroupKey{SourceIP: fs[i].SourceIP, UserAgent: fs[i].UserAgent}
			if !seen[k] {
				seen[k] = true
				groups++
			}
		}
	}
	return hits, groups, active
}
