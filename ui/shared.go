package ui

import (
	tea "github.com/charmbracelet/bubbletea"

	"picket/triage"
)

// Shared actions are the keys that mean the same in the queue, group and
// event views and act on what is selected there: / (filter), c
// (checklist), s (status), n (note), e (exception), a (allowlist), y
// (copy) and S (show suppressed). With rows selected in the queue (space,
// V), s, n, e and a act on all of them (bulk.go). The root handles them for the view in front, asking it
// what is selected; the histogram and rules views claim every key but the
// global ones, so these do nothing there.

// copier is a view that can say what y copies: a label and the value.
type copier interface {
	copyTarget() (what, value string)
}

// sharedKey handles the shared actions; other keys do nothing.
func (m *model) sharedKey(k tea.KeyMsg) tea.Cmd {
	km := m.keys
	switch {
	case keyIs(k, km.Filter):
		return m.openFilter()
	case keyIs(k, km.Checklist):
		return m.openChecklist()
	case m.rerunning && m.loading && (keyIs(k, km.Status) || keyIs(k, km.Note) || keyIs(k, km.Exception) || keyIs(k, km.Allow)):
		// The rows are the new run's, arriving: the one under the cursor
		// may not be the group the analyst was on, and a case made now
		// would miss findings not yet read.
		m.info = "re-running: statuses, notes and entries wait until the run has loaded"
		return nil
	case keyIs(k, km.Status):
		return m.cycleStatus()
	case keyIs(k, km.Note):
		return m.newNote()
	case keyIs(k, km.Exception):
		return m.openException()
	case keyIs(k, km.Allow):
		return m.openAllow()
	case keyIs(k, km.Suppressed):
		return m.toggleSuppressed()
	case keyIs(k, km.Copy):
		if c, ok := m.front().(copier); ok {
			what, v := c.copyTarget()
			return m.copyValue(what, v)
		}
	}
	return nil
}

// currentGroup is the group the analyst is working on: the open one, or
// the queue's selection.
func (m *model) currentGroup() (*triage.Group, bool) {
	if m.view != viewQueue && m.group.group != nil {
		return m.group.group, true
	}
	return m.queue.selected()
}

// openChecklist puts the keys in the checklist of the current group,
// opening it from the queue.
func (m *model) openChecklist() tea.Cmd {
	var cmd tea.Cmd
	switch m.view {
	case viewQueue:
		g, ok := m.queue.selected()
		if !ok {
			return nil
		}
		cmd = m.openGroup(g)
	case viewEvent:
		m.show(viewGroup)
	}
	m.group.focusPane(paneChecklist)
	return cmd
}

// toggleSuppressed shows or hides the suppressed findings, marked ~.
func (m *model) toggleSuppressed() tea.Cmd {
	m.showSupp = !m.showSupp
	if m.showSupp {
		m.info = "showing suppressed findings, marked ~"
	} else {
		m.info = "suppressed findings hidden"
	}
	if m.group.group != nil {
		m.group.recompute()
	}
	return m.queue.recompute()
}

// openException starts an exception from what the view has selected: an
// evidence event's field, or the selected finding's address.
func (m *model) openException() tea.Cmd {
	if gs, ok := m.selection(); ok {
		return m.bulkSuppress(bulkException, gs)
	}
	var d dialogModel
	switch m.view {
	case viewEvent:
		r, ok := m.event.selectedField()
		if !ok {
			m.lastErr = "select a field with a value to make an exception from it"
			return nil
		}
		d = newExceptionDialog(m.event.finding.Detector, r.path, r.value)
	case viewGroup:
		f, ok := m.group.selected()
		if !ok {
			return nil
		}
		field, value := "user_agent.original", f.UserAgent
		if f.SourceIP.IsValid() {
			field, value = "source.ip", f.SourceIP.String()
		}
		d = newExceptionDialog(f.Detector, field, value)
	default:
		m.lastErr = "open a group or a finding to make an exception (a for an allowlist entry)"
		return nil
	}
	return m.openDialog(d)
}

// openAllow starts an allowlist entry for the current group, scoped to
// the detector in view if any.
func (m *model) openAllow() tea.Cmd {
	if gs, ok := m.selection(); ok {
		return m.bulkSuppress(bulkAllow, gs)
	}
	g, ok := m.currentGroup()
	if !ok {
		return nil
	}
	if g.Key.By == triage.CampaignBy {
		// One entry cannot name a wave of addresses; selecting its
		// members makes one for each.
		m.lastErr = "a campaign has many addresses: enter lists its members, V selects them, a allowlists each"
		return nil
	}
	det := ""
	switch m.view {
	case viewEvent:
		det = m.event.finding.Detector
	case viewGroup:
		if f, ok := m.group.selected(); ok {
			det = f.Detector
		}
	}
	return m.openDialog(newAllowDialog(g.Key, det))
}
