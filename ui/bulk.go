package ui

// Why this file is long: a bulk action is one flow (selection, the
// confirmation naming the count, the form for allowlists and exceptions,
// the one-transaction write and its undo on failure) and reads best in
// order.

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/triage"
)

// Bulk actions: with rows selected in the queue (space, V), s, n, a and e
// act on all of them after a confirmation that names how many; a status
// or note set on a folded campaign reaches every member the same way.
// The case file writes each action in one transaction (BulkStore), so a
// failure leaves nothing half-applied: the statuses shown are put back and
// the error says nothing was written. With --es a status is written back
// to the alerts of every group once the case file has it.

// BulkStore writes a bulk action in one transaction; the console's case
// file (*casefile.Store, through picket's wiring) implements it. Without
// one, statuses are kept for the session only and notes, allowlist
// entries and exceptions are refused.
type BulkStore interface {
	ApplyBulk(ctx context.Context, b casefile.Bulk) (casefile.BulkResult, error)
}

// bulkKind is what a bulk action does.
type bulkKind int

const (
	bulkStatus bulkKind = iota
	bulkNote
	bulkAllow
	bulkException
)

// bulkModel is a bulk action waiting for its confirmation: the status
// to set (o, a, c), the note to add (y/n), or the allowlist entries and
// exceptions to make, with a reason and an expiry (enter).
type bulkModel struct {
	kind   bulkKind
	groups []*triage.Group // what the action is on, as the analyst picked them
	leaves int             // groups it reaches, campaigns' members counted
	note   string
	allow  []triage.AllowEntry
	xs     []triage.Exception
	skip   int // groups an entry cannot be made for
	// picked marks an action on the queue's selection: the selection is
	// cleared once it is written (a campaign's own status or note is not
	// one, and leaves the selection be).
	picked bool
	reason textinput.Model
	expiry textinput.Model
	focus  int // 0 reason, 1 expiry
	err    string
	// preview is what the entries would newly hide, counted before
	// they are saved (previewing: still being counted).
	preview    previewMsg
	previewing bool
}

func (b bulkModel) form() bool { return b.kind == bulkAllow || b.kind == bulkException }

// bulkDoneMsg reports a bulk write.
type bulkDoneMsg struct {
	what   string
	err    error
	kind   bulkKind
	status string
	prev   map[triage.GroupKey]string // statuses before, put back on failure
	notes  map[triage.GroupKey]casefile.Note
	allow  []triage.AllowEntry
	xs     []triage.Exception
	keys   []triage.GroupKey
	picked []triage.GroupKey // the selection it was on, unselected once written
	note   string            // a note's text, kept when the write fails
}

// selection is what a shared action acts on in bulk: the queue's
// selected rows. ok is false when none are selected (or another view is
// in front): the action is then the single one.
func (m *model) selection() ([]*triage.Group, bool) {
	if m.view != viewQueue || len(m.queue.picked) == 0 {
		return nil, false
	}
	gs := m.queue.pickedGroups()
	return gs, len(gs) > 0
}

// campaignMembers returns the member groups of a campaign in the
// snapshot.
func (m *model) campaignMembers(k triage.GroupKey) []triage.GroupKey {
	return m.snap.members(k)
}

// reach lists the keys an action on gs writes: each group, and a
// campaign's members after it.
func (m *model) reach(gs []*triage.Group) []triage.GroupKey {
	keys := make([]triage.GroupKey, 0, len(gs))
	for _, g := range gs {
		keys = append(keys, g.Key)
	}
	var out []triage.GroupKey
	seen := map[triage.GroupKey]bool{}
	for _, k := range keys {
		for _, k := range append([]triage.GroupKey{k}, m.campaignMembers(k)...) {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// countLabel names what an action reaches: "12 selected groups", "12
// selected groups (316 more in their campaigns)".
func (m *model) countLabel(gs []*triage.Group) string {
	s := plural(len(gs), "selected group")
	if extra := len(m.reach(gs)) - len(gs); extra > 0 {
		s += " (" + strconv.Itoa(extra) + " more in their campaigns)"
	}
	return s
}

// bulkStatus asks which status the selected groups get.
func (m *model) bulkStatus(gs []*triage.Group) tea.Cmd {
	m.bulk = bulkModel{kind: bulkStatus, groups: gs, leaves: len(m.reach(gs)), picked: true}
	m.modal = modalBulk
	return nil
}

// bulkNoteEditor opens the editor for a note on the selected groups.
func (m *model) bulkNoteEditor(gs []*triage.Group) {
	m.bulk = bulkModel{kind: bulkNote, groups: gs, leaves: len(m.reach(gs)), picked: true}
	m.editor = newEditor("New note on "+m.countLabel(gs), editBulkNote, "", m.width, m.bodyHeight())
	m.editor.ta.SetValue(m.bulkNoteDraft) // a note the case file refused, if any
	m.modal = modalEditor
}

// campaignNoteEditor opens the editor for a note on a campaign, which
// every member gets too.
func (m *model) campaignNoteEditor(g *triage.Group) {
	gs := []*triage.Group{g}
	m.bulk = bulkModel{kind: bulkNote, groups: gs, leaves: len(m.reach(gs))}
	m.editor = newEditor("New note on "+campaignLine(g)+" and its "+plural(len(g.Campaign.Members), "group"),
		editCampaignNote, "", m.width, m.bodyHeight())
	m.editor.ta.SetValue(m.bulkNoteDraft) // a note the case file refused, if any
	m.editor.target = groupTarget(g.Key)
	m.modal = modalEditor
}

// saveBulkNote takes the editor's text: a note on selected groups waits
// for y; a campaign's is written at once.
func (m *model) saveBulkNote(body string, confirm bool) tea.Cmd {
	if body == "" {
		m.modal = modalNone
		m.info = "empty note not saved"
		return nil
	}
	m.bulk.note = body
	if confirm {
		m.modal = modalBulk
		return nil
	}
	m.modal = modalNone
	return m.applyBulk(m.bulk, "")
}

// bulkSuppress opens the form for allowlist entries or exceptions on the
// selected groups.
func (m *model) bulkSuppress(kind bulkKind, gs []*triage.Group) tea.Cmd {
	b := bulkModel{kind: kind, groups: gs, reason: newInput(""), expiry: newInput(""), picked: true}
	keys := leafKeys(keysOf(gs), m.campaignMembers)
	b.leaves = len(keys)
	byKey := map[triage.GroupKey]*triage.Group{}
	for _, g := range gs {
		byKey[g.Key] = g
		for _, mk := range m.campaignMembers(g.Key) {
			if mg := m.snap.findGroup(mk); mg != nil {
				byKey[mk] = mg
			}
		}
	}
	seen := map[string]bool{}
	for _, k := range keys {
		switch kind {
		case bulkAllow:
			a, ok := allowFor(k)
			if !ok {
				b.skip++
				continue
			}
			// One entry per value and detector: two leaves with one
			// value under two detectors need both entries.
			if id := a.Kind + "\x00" + a.Value + "\x00" + a.Detector; !seen[id] {
				seen[id] = true
				b.allow = append(b.allow, a)
			}
		case bulkException:
			var dets []string
			if g := byKey[k]; g != nil {
				dets = g.Detectors
			}
			xs := exceptionsFor(k, dets)
			if len(xs) == 0 {
				b.skip++
			}
			b.xs = append(b.xs, xs...)
		}
	}
	b.reason.Focus()
	m.bulk = b
	m.modal = modalBulk
	return m.bulkPreview()
}

// bulkPreviewAddr is where the bulk form's preview count goes.
var bulkPreviewAddr = address{to: viewDialog, topic: topicPreview, key: "bulk"}

// bulkPreview counts what the bulk form's entries would newly hide (as
// the one-entry dialog does: preview), at once for small collections, in
// a command for large ones.
func (m *model) bulkPreview() tea.Cmd {
	b := &m.bulk
	if len(b.allow) == 0 && len(b.xs) == 0 {
		m.req.issue(bulkPreviewAddr)
		return nil
	}
	c, now := m.opts.Collection, m.opts.Now()
	xs, allow, opts := slices.Clone(m.xs), slices.Clone(m.allow), m.supOpts
	addX, addA := slices.Clone(b.xs), slices.Clone(b.allow)
	count := func() tea.Msg {
		h, g, active := previewAll(c.FindingsView(), addX, addA, xs, allow, c, now, opts...)
		return previewMsg{hits: h, groups: g, total: active}
	}
	if m.snap.findings+m.snap.hidden <= syncRows {
		m.req.issue(bulkPreviewAddr)
		b.onPreview(count())
		return nil
	}
	b.previewing = true
	return m.req.ask(bulkPreviewAddr, count)
}

// onPreview shows the form's preview count.
func (b *bulkModel) onPreview(msg tea.Msg) {
	if p, ok := msg.(previewMsg); ok {
		b.previewing, b.preview = false, p
	}
}

func keysOf(gs []*triage.Group) []triage.GroupKey {
	out := make([]triage.GroupKey, len(gs))
	for i, g := range gs {
		out[i] = g.Key
	}
	return out
}

// allowFor is the allowlist entry that covers a group: its source address,
// else the innermost of its key's fields an allowlist can name (the row's
// own value: a URL path under a user, not the user), for the detector of
// its key when it has one, else for every detector.
func allowFor(k triage.GroupKey) (triage.AllowEntry, bool) {
	det := triage.AllDetectors
	pairs := k.Pairs()
	for _, p := range pairs {
		if p.Field == triage.FieldDetector && p.Value != "" {
			det = p.Value
		}
	}
	if a, ok := keyAddr(k); ok {
		return triage.AllowEntry{Kind: triage.AllowIP, Value: a.Unmap().String(), Detector: det}, true
	}
	for i := len(pairs) - 1; i >= 0; i-- {
		if kind, ok := allowKindOf[pairs[i].Field]; ok && pairs[i].Value != "" && kind != triage.AllowIP {
			return triage.AllowEntry{Kind: kind, Value: pairs[i].Value, Detector: det}, true
		}
	}
	return triage.AllowEntry{}, false
}

// exceptionsFor are the exceptions that cover a group: one per detector of
// the group, whose entries are the group's key (its fields equal to its
// values; a detector field names the detector instead). Empty values
// cannot be matched and are left out; a key left with none makes none.
func exceptionsFor(k triage.GroupKey, detectors []string) []triage.Exception {
	var entries []triage.ExceptionEntry
	for _, p := range k.Pairs() {
		switch {
		case p.Field == triage.FieldDetector:
			detectors = []string{p.Value}
		case p.Value != "":
			entries = append(entries, triage.ExceptionEntry{Field: p.Field, Operator: triage.OpIncluded, Type: triage.EntryMatch, Value: p.Value})
		}
	}
	if len(entries) == 0 || len(detectors) == 0 {
		return nil
	}
	out := make([]triage.Exception, 0, len(detectors))
	for _, d := range detectors {
		out = append(out, triage.Exception{
			Name:     autoName + clipText(triage.ExceptionSummary(entries), 80),
			Detector: d, Entries: slices.Clone(entries),
		})
	}
	return out
}

// bulkKey: the status keys (o, a, c) or y/n confirm; in a form, tab moves
// between reason and expiry, enter saves; esc cancels.
func (m *model) bulkKey(k tea.KeyMsg) tea.Cmd {
	b := &m.bulk
	if k.String() == "ctrl+c" {
		return tea.Quit
	}
	if keyIs(k, m.keys.Cancel) {
		m.modal = modalNone
		m.info = "bulk action cancelled: nothing written"
		return nil
	}
	switch b.kind {
	case bulkStatus:
		st := map[string]string{"o": casefile.StatusOpen, "a": casefile.StatusAcknowledged, "c": casefile.StatusClosed}[k.String()]
		if st == "" {
			return nil
		}
		m.modal = modalNone
		return m.applyBulk(*b, st)
	case bulkNote:
		switch {
		case keyIs(k, m.keys.Yes):
			m.modal = modalNone
			return m.applyBulk(*b, "")
		case keyIs(k, m.keys.No):
			m.modal = modalNone
			m.info = "note not added: nothing written"
		}
		return nil
	}
	switch k.String() {
	case "tab", "shift+tab", "down", "up":
		b.focus = 1 - b.focus
		b.reason.Blur()
		b.expiry.Blur()
		if b.focus == 0 {
			b.reason.Focus()
		} else {
			b.expiry.Focus()
		}
		return nil
	case "enter", "ctrl+s":
		return m.saveBulkSuppress()
	}
	b.err = ""
	if b.focus == 0 {
		b.reason, _ = b.reason.Update(k)
	} else {
		b.expiry, _ = b.expiry.Update(k)
	}
	return nil
}

// saveBulkSuppress stamps the entries with the reason, expiry and author
// and writes them.
func (m *model) saveBulkSuppress() tea.Cmd {
	b := m.bulk
	now := m.opts.Now()
	exp, err := parseExpiry(b.expiry.Value(), now)
	if err != nil {
		m.bulk.err = err.Error()
		return nil
	}
	if len(b.allow)+len(b.xs) == 0 {
		m.bulk.err = "nothing to save: no selected group has a value an entry can name"
		return nil
	}
	reason := strings.TrimSpace(b.reason.Value())
	for i := range b.allow {
		b.allow[i].Reason, b.allow[i].Author, b.allow[i].Created, b.allow[i].Expires = reason, m.opts.Author, now, exp
		if err := b.allow[i].Validate(); err != nil {
			m.bulk.err = triage.Escape(err.Error())
			return nil
		}
	}
	for i := range b.xs {
		b.xs[i].Reason, b.xs[i].Author, b.xs[i].Created, b.xs[i].Expires = reason, m.opts.Author, now, exp
		if err := b.xs[i].Validate(); err != nil {
			m.bulk.err = triage.Escape(err.Error())
			return nil
		}
	}
	m.modal = modalNone
	return m.applyBulk(b, "")
}

// bulkSeq numbers bulk writes: each one's answer is wanted, whatever
// comes after it.
var bulkSeq int

// applyBulk writes b (with status st for a status action) in one
// transaction, off the loop. Statuses show at once and are put back if
// the write fails.
func (m *model) applyBulk(b bulkModel, st string) tea.Cmd {
	keys := m.reach(b.groups)
	if b.form() {
		keys = nil
	}
	done := bulkDoneMsg{kind: b.kind, status: st, allow: b.allow, xs: b.xs, keys: keys}
	if b.picked {
		done.picked = keysOf(b.groups)
	}
	done.note = b.note
	switch b.kind {
	case bulkStatus:
		done.what = "status " + st + " on " + plural(len(keys), "group")
		done.prev = map[triage.GroupKey]string{}
		next := maps.Clone(m.status)
		for _, k := range keys {
			done.prev[k] = statusOr(m.status, k)
			next[k] = st
			m.statusAsked[k] = true
		}
		m.setStatusMap(next)
	case bulkNote:
		done.what = "note added to " + plural(len(keys), "group")
	case bulkAllow:
		done.what = "allowlisted " + plural(len(b.allow), "value") + " of " + plural(b.leaves-b.skip, "group")
	case bulkException:
		done.what = plural(len(b.xs), "exception") + " for " + plural(b.leaves-b.skip, "group")
	}
	store, ok := m.opts.Store.(BulkStore)
	if !ok {
		if b.kind == bulkStatus {
			m.lastErr = "no case file: the statuses are not saved"
			return m.writeBackKeys(keys, st)
		}
		m.lastErr = "no case file: nothing written"
		return nil
	}
	if len(keys) > 0 {
		m.info = "writing " + plural(len(keys), "group") + "…"
	}
	now := m.opts.Now().UTC().Truncate(time.Millisecond)
	bk := casefile.Bulk{Status: st, Note: b.note, Allow: b.allow, Exceptions: b.xs, Author: m.opts.Author, At: now}
	titles, members := map[triage.GroupKey]string{}, map[triage.GroupKey][]triage.GroupKey{}
	for _, g := range b.groups {
		if g.Campaign != nil {
			titles[g.Key], members[g.Key] = campaignLine(g), g.Campaign.Members
		}
	}
	c, ctx, all := m.opts.Collection, m.ctx, m.all()
	bulkSeq++
	addr := address{to: viewRoot, topic: topicBulk, key: strconv.Itoa(bulkSeq)}
	return m.req.ask(addr, func() tea.Msg {
		if len(keys) > 0 {
			fs := collectFindings(c, all, keys, members)
			for _, k := range keys {
				bk.Targets = append(bk.Targets, casefile.BulkTarget{Key: k, Title: titles[k], Findings: fs[k], Members: members[k]})
			}
		}
		res, err := store.ApplyBulk(ctx, bk)
		done.err = err
		if err == nil {
			// The entries carry their case-file ids, so the E view can
			// count and remove them now, not after a restart.
			done.allow = withIDs(done.allow, res.Allow, func(a *triage.AllowEntry) *int64 { return &a.ID })
			done.xs = withIDs(done.xs, res.Exceptions, func(x *triage.Exception) *int64 { return &x.ID })
		}
		if err == nil && b.note != "" {
			done.notes = map[triage.GroupKey]casefile.Note{}
			for _, k := range keys {
				done.notes[k] = casefile.Note{TargetKind: casefile.TargetGroup, TargetKey: groupTarget(k), Body: b.note,
					Author: bk.Author, Created: now}
			}
		}
		return done
	})
}

// withIDs returns a copy of the stored entries with the ids the case
// file gave them, in the same order; id points at an entry's id.
func withIDs[T any](stored []T, ids []int64, id func(*T) *int64) []T {
	out := slices.Clone(stored)
	for i := range min(len(out), len(ids)) {
		*id(&out[i]) = ids[i]
	}
	return out
}

// collectFindings reads the findings of many groups in one pass; a
// campaign's are its members'.
func collectFindings(c *triage.Collection, all *findingsCache, keys []triage.GroupKey, members map[triage.GroupKey][]triage.GroupKey) map[triage.GroupKey][]triage.Finding {
	out := map[triage.GroupKey][]triage.Finding{}
	km := newKeyMatcher(keys, members, c)
	campaignOf := map[triage.GroupKey][]triage.GroupKey{}
	for ck, ms := range members {
		for _, mk := range ms {
			campaignOf[mk] = append(campaignOf[mk], ck)
		}
	}
	var buf []triage.GroupKey
	fs := all.get(c)
	for i := range fs {
		buf = km.keys(&fs[i], buf)
		for _, k := range buf {
			out[k] = append(out[k], fs[i])
			for _, ck := range campaignOf[k] {
				out[ck] = append(out[ck], fs[i])
			}
		}
	}
	return out
}

// onBulkDone reports a bulk write: on failure the statuses are put back;
// on success notes show, allowlist entries and exceptions apply, and a
// status goes to Elasticsearch.
func (m *model) onBulkDone(msg bulkDoneMsg) tea.Cmd {
	if msg.err != nil {
		if msg.kind == bulkNote && msg.note != "" {
			// Nothing typed is lost: the next n on a selection or a
			// campaign brings the text back.
			m.bulkNoteDraft = msg.note
			defer func() { m.lastErr = "note not saved, its text is kept (n brings it back): " + m.lastErr }()
		}
		if len(msg.prev) > 0 {
			st := maps.Clone(m.status)
			for k, was := range msg.prev {
				if st[k] == msg.status {
					st[k] = was
				}
			}
			m.setStatusMap(st)
		}
		m.setErr(msg.err)
		return nil
	}
	m.info = msg.what + " (one transaction)"
	if msg.kind == bulkNote {
		m.bulkNoteDraft = ""
	}
	if len(msg.picked) > 0 {
		// Done with them: a selection kept would carry the next action
		// to rows this one may have hidden (an allowlist, an exception).
		// Rows picked since stay picked.
		p := maps.Clone(m.queue.picked)
		for _, k := range msg.picked {
			delete(p, k)
		}
		m.queue.picked = p
		m.info += "; selection cleared"
	}
	switch msg.kind {
	case bulkStatus:
		return m.writeBackKeys(msg.keys, msg.status)
	case bulkNote:
		if m.group.group != nil {
			if n, ok := msg.notes[m.group.group.Key]; ok {
				m.group.notes.add(n)
			}
		}
	case bulkAllow, bulkException:
		m.allow = append(slices.Clip(m.allow), msg.allow...)
		m.xs = append(slices.Clip(m.xs), msg.xs...)
		m.setSuppressions()
		if m.view != viewQueue && m.group.group != nil {
			m.group.recompute()
		}
		// Then the entries as the case file lists them (its order, every
		// field), as after a removal.
		return tea.Batch(m.refresh(), m.judgeAlerts(), m.loadSuppressions())
	}
	return nil
}

// writeBackKeys gives the pulled alerts of these groups a status, here
// and in Elasticsearch, in one write.
func (m *model) writeBackKeys(keys []triage.GroupKey, status string) tea.Cmd {
	set := map[*alertItem]bool{}
	var its []*alertItem
	for _, k := range keys {
		for _, it := range m.alertsFor(k) {
			if !set[it] {
				set[it] = true
				its = append(its, it)
			}
		}
	}
	if len(its) == 0 {
		return nil
	}
	m.setAlertStatus(set, status)
	return m.writeBack(its, status)
}

// alertsFor are the pulled alerts of a group of any grouping: those of
// its source × user agent pair, of a campaign's members, or whose values
// of a chain's fields are the key's.
func (a *app) alertsFor(k triage.GroupKey) []*alertItem {
	switch {
	case k.Default():
		return a.al.byKey[k]
	case k.By == triage.CampaignBy:
		var out []*alertItem
		for _, mk := range a.snap.members(k) {
			out = append(out, a.al.byKey[mk]...)
		}
		return out
	}
	var out []*alertItem
	by := k.Fields()
	ev := memoEvent(a.opts.Collection)
	for _, it := range a.al.items {
		if triage.KeyFor(&it.row, by, ev) == k {
			out = append(out, it)
		}
	}
	return out
}

// line is the status line while a status or note waits for its key.
func (b bulkModel) line(m *model) string {
	switch b.kind {
	case bulkStatus:
		return "status of " + m.countLabel(b.groups) + ": o open · a acknowledged · c closed · esc cancel"
	case bulkNote:
		return "add this note to " + plural(b.leaves, "group") + "? y/n"
	}
	return ""
}

// view draws the allowlist or exception form.
func (b bulkModel) view(st *Styles, w int) string {
	inner := max(w-6, 20)
	var lines []string
	switch b.kind {
	case bulkAllow:
		lines = append(lines, st.Focused.Render(clip("Allowlist "+plural(len(b.allow), "value")+" of "+plural(b.leaves-b.skip, "group"), inner)))
		for i, a := range b.allow {
			if i == 5 {
				lines = append(lines, st.Dim.Render("  … "+strconv.Itoa(len(b.allow)-5)+" more"))
				break
			}
			scope := "every detector"
			if a.Detector != triage.AllDetectors {
				scope = shortDetector(a.Detector) + " only"
			}
			lines = append(lines, clip("  "+a.Kind+" "+triage.Escape(a.Value)+st.Dim.Render("  "+scope), inner))
		}
	case bulkException:
		lines = append(lines, st.Focused.Render(clip(plural(len(b.xs), "exception")+" for "+plural(b.leaves-b.skip, "group")+": each group's key, per detector", inner)))
		for i, x := range b.xs {
			if i == 5 {
				lines = append(lines, st.Dim.Render("  … "+strconv.Itoa(len(b.xs)-5)+" more"))
				break
			}
			lines = append(lines, clip("  "+shortDetector(x.Detector)+": "+triage.Escape(triage.ExceptionSummary(x.Entries)), inner))
		}
	}
	if b.skip > 0 {
		lines = append(lines, st.Dim.Render(clip("  "+plural(b.skip, "group")+" skipped: no value an entry can name", inner)))
	}
	switch {
	case b.previewing:
		lines = append(lines, st.Dim.Render("counting…"))
	case len(b.allow) > 0 || len(b.xs) > 0:
		p := b.preview
		lines = append(lines, clip("would suppress "+plural(p.hits, "finding")+" in "+plural(p.groups, "group")+
			st.Dim.Render(" (of "+plural(p.total, "finding")+" in the queue)"), inner))
	}
	lines = append(lines, "")
	mark := func(i int) string {
		if b.focus == i {
			return st.Marker.Render("▸ ")
		}
		return "  "
	}
	lines = append(lines, clip(mark(0)+st.Label.Render(fit("reason", 9))+" "+inputView(b.reason), inner))
	exp := inputView(b.expiry)
	if b.expiry.Value() == "" && b.focus != 1 {
		exp = st.Dim.Render("never (7d, 24h, 2026-12-31)")
	}
	lines = append(lines, clip(mark(1)+st.Label.Render(fit("expires", 9))+" "+exp, inner))
	lines = append(lines, "")
	if b.err != "" {
		lines = append(lines, st.Error.Render(clip(b.err, inner)))
	} else {
		lines = append(lines, st.Dim.Render(clip("enter saves all in one transaction · esc cancels", inner)))
	}
	return st.Dialog.Width(inner + 2).Render(strings.Join(lines, "\n"))
}

// CampaignStore learns which groups each folded campaign stands for, so
// that a case the console opens for a campaign (a tick on its checklist)
// gets a readable title and links its members' findings; picket's case
// file wiring implements it.
type CampaignStore interface {
	Campaigns(map[triage.GroupKey]CampaignInfo)
}

// CampaignInfo is a campaign's title and its members' keys.
type CampaignInfo struct {
	Title   string
	Members []triage.GroupKey
}

// tellCampaigns passes the snapshot's campaigns to the case file.
func (m *model) tellCampaigns() {
	cs, ok := m.opts.Store.(CampaignStore)
	if !ok || m.snap.campaigns == 0 {
		return
	}
	out := make(map[triage.GroupKey]CampaignInfo, m.snap.campaigns)
	for _, g := range m.snap.groups {
		if g.Campaign != nil {
			out[g.Key] = CampaignInfo{Title: campaignLine(g), Members: g.Campaign.Members}
		}
	}
	cs.Campaigns(out)
}
