package ui

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"picket/triage"
)

// The chrome around the view: the header, the status line and the help.

// helpKeys is the help for what is in front.
func (m *model) helpKeys() viewHelp {
	ev := m.view == viewEvent
	return viewHelp{k: m.keys, v: m.view, focus: m.group.focus, modal: m.modal, discard: !m.confirmQuit, rulesDetail: m.rules.detail, bulk: m.bulk.kind,
		multi: ev && m.event.multi(), evidence: ev && m.event.multi() && m.event.focus == paneEvidence}
}

// bodyHeight is what is left for the view between the header and the
// status line and help.
func (m *model) bodyHeight() int {
	return max(m.height-2-m.helpHeight(), 2)
}

// helpHeight is how many lines of help fit: all of them, unless the
// terminal is so short that the view would get fewer than two lines.
func (m *model) helpHeight() int {
	helpH := lipgloss.Height(m.helpText())
	return max(min(helpH, m.height-4), 0)
}

// helpText renders the help to the width. The one-line help drops the
// least useful keys (those just before ? and q, which always show) until
// it fits; the full help puts its columns side by side while they fit and
// wraps the rest onto more rows.
func (m *model) helpText() string {
	h := m.help
	h.Width = 0 // no cutting with …: the fitting is done here
	hk := m.helpKeys()
	if !h.ShowAll {
		bs := hk.ShortHelp()
		out := h.ShortHelpView(bs)
		for lipgloss.Width(out) > m.width && len(bs) > 2 {
			bs = slices.Delete(slices.Clone(bs), len(bs)-3, len(bs)-2)
			out = h.ShortHelpView(bs)
		}
		return clip(out, m.width)
	}
	sep := h.Styles.FullSeparator.Render(h.FullSeparator)
	var rows, row []string
	flush := func() {
		if len(row) > 0 {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row = nil
		}
	}
	for _, g := range hk.FullHelp() {
		col := h.FullHelpView([][]key.Binding{g})
		if col == "" {
			continue
		}
		if len(row) > 0 && lipgloss.Width(lipgloss.JoinHorizontal(lipgloss.Top, append(row, sep, col)...)) > m.width {
			flush()
		}
		if len(row) > 0 {
			row = append(row, sep)
		}
		row = append(row, col)
	}
	flush()
	lines := strings.Split(strings.Join(rows, "\n"), "\n")
	for i, l := range lines {
		lines[i] = clip(strings.TrimRight(l, " "), m.width)
	}
	return strings.Join(lines, "\n")
}

// helpView renders the help cut to helpHeight lines.
func (m *model) helpView() string {
	lines := strings.Split(m.helpText(), "\n")
	if n := m.helpHeight(); len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// header is the first line: the title, the source, the demo marker and
// the counts.
//
// What gives way when the line is too narrow: the title first, then the
// demo's case file (the status line names it too); the demo marker and
// the counts always show.
func (m *model) header() string {
	st := m.st
	counts := "  " + st.Counts.Render(
		m.groupCounts()+" · "+plural(m.snap.findings, "finding")+" · "+
			plural(m.snap.events, "event")+m.alertCounts()+" · times UTC")
	head := st.Title.Render("Picket")
	demo := ""
	if m.opts.Demo {
		demo = "  " + st.Demo.Render("DEMO DATA")
		if cf := m.opts.CaseFile; cf != "" {
			withFile := demo + st.Counts.Render(" cases in "+triage.Escape(cf))
			if lipglossWidth(head+withFile+counts) <= m.width {
				demo = withFile
			}
		}
	}
	if m.opts.Title != "" {
		room := m.width - lipglossWidth(head+demo+counts) - 2
		if room >= 12 {
			head += "  " + st.Source.Render(clip(triage.Escape(m.opts.Title), room))
		}
	}
	return clip(head+demo+counts, m.width)
}

// groupCounts is the header's count of groups: "308 groups (1
// campaign of 300)" when campaigns fold, "26 groups by user.name ›
// source.ip" under another chain.
func (m *model) groupCounts() string {
	s := m.snap
	switch h := s.held; {
	case h.Loading:
		return "large run: groups wait on disk, the queue comes when loading ends"
	case h.Partial():
		return m.heldCounts() + " · top " + strconv.Itoa(h.HeldGroups) + " of " + plural(h.Groups, "group") + " held"
	}
	return m.heldCounts()
}

// heldCounts counts the groups the collection holds (groupCounts).
func (m *model) heldCounts() string {
	s := m.snap
	switch {
	case s.loadingOf > 0:
		return "top " + strconv.Itoa(len(s.groups)) + " of " + plural(s.loadingOf, "group") + " so far"
	case !s.gp.isDefault():
		return plural(s.leaves, "group") + " by " + triage.Escape(strings.Join(s.gp.by, " › "))
	case s.campaigns > 0:
		folded := s.leaves - (len(s.groups) - s.campaigns)
		return plural(s.leaves, "group") + " (" + plural(s.campaigns, "campaign") + " of " + strconv.Itoa(folded) + ")"
	}
	return plural(len(s.groups), "group")
}

// statusLine is the line under the view: the filter input or a
// question when one is open, else the source, filter, suppressed count,
// loading state, the answer to the last action, warnings, and the
// cursor's position.
func (m *model) statusLine() string {
	st := m.st
	switch m.modal {
	case modalConfirm:
		if !m.confirmQuit {
			return clip(st.Warn.Render("unsaved note: discard it? y/n"), m.width)
		}
		return clip(st.Warn.Render("unsaved text: quit anyway? y/n"), m.width)
	case modalFilter:
		return m.input.line(st, m.width)
	case modalBulk:
		if !m.bulk.form() {
			return clip(st.Warn.Render(m.bulk.line(m)), m.width)
		}
	}
	var parts []string
	if m.opts.SourceKind != "" {
		kind := m.opts.SourceKind
		if m.opts.Demo && m.opts.CaseFile != "" {
			// The name only: the title bar has the path when it fits,
			// and this line needs its room for answers.
			kind += " · " + filepath.Base(m.opts.CaseFile)
		}
		parts = append(parts, st.Status.Render(triage.Escape(kind)))
	}
	afterKind := len(parts)
	switch m.view {
	case viewQueue:
		q := m.queue
		if q.filter != "" {
			parts = append(parts, st.Status.Render(strconv.Itoa(q.shownTop)+"/"+plural(len(m.snap.groups), "group")))
			switch {
			case q.hitsBusy:
				parts = append(parts, st.Status.Render("searching findings and events…"))
			case q.hits != nil && q.hits.partial:
				parts = append(parts, st.Warn.Render("searched the first "+plural(q.hits.events, "evidence event")+" only"))
			}
			if h := m.snap.held; h.Partial() && !h.Loading {
				// A large run: what is not held cannot match.
				parts = append(parts, st.Warn.Render("searched the "+strconv.Itoa(h.HeldGroups)+" held groups of "+strconv.Itoa(h.Groups)+" only"))
			}
		}
		if n := len(q.picked); n > 0 {
			parts = append(parts, st.Filter.Render(plural(n, "group")+" selected"))
		}
		if !m.snap.gp.same(m.gp) {
			parts = append(parts, st.Status.Render("grouping by "+triage.Escape(m.gp.label())+"…"))
		}
	case viewGroup:
		if m.group.filter != "" {
			parts = append(parts, st.Status.Render(strconv.Itoa(len(m.group.rows))+"/"+plural(len(m.group.all), "finding")))
		}
	}
	if f := m.activeFilter(); f != "" {
		parts = append(parts, st.Filter.Render("filter: "+clip(triage.Escape(f), 40)))
	}
	if m.snap.hidden > 0 {
		s := strconv.Itoa(m.snap.hidden) + " suppressed"
		if !m.showSupp {
			s += " (S shows)"
		}
		parts = append(parts, st.Status.Render(s))
	}
	switch {
	case m.loading:
		parts = append(parts, m.load.view(m.st, m.snap.events))
	case m.startErr != nil:
		parts = append(parts, st.Error.Render("error: "+triage.Escape(m.startErr.Error())))
	}
	// The answer to what the analyst just did comes right after the
	// source, before the filter, counts and warnings, which are cut first
	// when the line is full (at 80 columns a filter once hid "copied").
	var answer []string
	if m.lastErr != "" {
		answer = append(answer, st.Error.Render("! "+m.lastErr))
	}
	if m.info != "" {
		answer = append(answer, st.Info.Render(m.info))
	}
	if len(answer) > 0 {
		parts = slices.Insert(parts, afterKind, answer...)
	}
	if n := len(m.snap.warnings); n > 0 {
		last := m.snap.warnings[n-1]
		parts = append(parts, st.Warn.Render(plural(n, "warning"))+st.Status.Render(" (last: "+triage.Escape(last)+")"))
	}
	pos := m.front().position()
	left := strings.Join(parts, st.Status.Render("  "))
	right := st.Status.Render(pos)
	gap := m.width - lipgloss.Width(right) - 1
	left = clip(left, max(gap, 0))
	pad := max(m.width-lipgloss.Width(left)-lipgloss.Width(right), 1)
	return clip(left+strings.Repeat(" ", pad)+right, m.width)
}

// activeFilter is the filter of what is shown: the group's in the group
// and event views, else the queue's.
func (m *model) activeFilter() string {
	if m.view == viewGroup || m.view == viewEvent {
		return m.group.filter
	}
	return m.queue.filter
}

// position is a list's cursor for the status line: "3/120".
func position(l listState) string {
	if l.n == 0 {
		return "0/0"
	}
	return strconv.Itoa(l.cursor+1) + "/" + strconv.Itoa(l.n)
}

// plural counts: "1 group", "3 groups".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
