package ui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"picket/casefile"
	"picket/playbooks"
	"picket/triage"
)

// stepKey identifies one checklist step of one detector.
type stepKey struct{ detector, item string }

// stepText is a step's line after its box, w cells at most: the step's
// text, its action ($) and its note (✎). When they do not all fit, the
// text is cut first (to no less than a third of the line), so the
// markers show with at least the start of the action and of the note.
func stepText(s *playbooks.Item, note string, w int) string {
	text := triage.Escape(s.Text)
	var action, memo string
	if s.Action != nil {
		action = "  $ " + triage.Escape(s.Action.String())
	}
	if note != "" {
		memo = "  ✎ " + triage.Escape(strings.ReplaceAll(note, "\n", " "))
	}
	tW, aW, mW := lipglossWidth(text), lipglossWidth(action), lipglossWidth(memo)
	if tW+aW+mW <= w {
		return text + action + memo
	}
	const least = 16 // of the action and of the note, when cut
	minA, minM := min(aW, least), min(mW, least)
	tw := min(tW, max(w-aW-mW, w-minA-minM, w/3))
	rest := w - tw
	aw := min(aW, max(rest-mW, min(minA, rest/2)))
	return clip(text, tw) + clip(action, aw) + clip(memo, max(rest-aw, 0))
}

// checkRow is a line of the checklist panel: a detector heading, a
// section heading or a step. Detectors whose playbooks are the same (a
// family such as the login points) share one list: also names the other
// detectors a tick is recorded for.
type checkRow struct {
	detector string
	also     []string
	section  string // set on section headings
	step     *playbooks.Item
	// resultFor is set on the line under a step that shows its action's
	// answer: the step's id (see actionrun.go).
	resultFor string
	// unparsed marks the line under the heading of an investigation guide
	// whose lists could not be read: picket playbook prints it whole.
	unparsed bool
}

// checklistModel is the checklist panel of the group view: the playbook
// steps of every detector the group hit, with their ticks and notes.
type checklistModel struct {
	st       *Styles
	rows     []checkRow
	state    map[stepKey]casefile.ChecklistItem
	list     listState
	width    int
	height   int
	missing  []string // detectors without a playbook
	noSource bool     // no playbooks wired at all
	// results are the answers of the steps' actions run on this group
	// (actionrun.go).
	results map[stepKey]actionResult
}

// open builds the rows for a group's detectors.
func (c *checklistModel) open(src Playbooks, detectors []string) {
	c.rows, c.missing, c.results = nil, nil, nil
	c.state = map[stepKey]casefile.ChecklistItem{}
	c.noSource = src == nil
	type list struct {
		dets []string
		pb   playbooks.Playbook
	}
	var lists []*list
	for _, d := range detectors {
		var pb playbooks.Playbook
		ok := false
		if src != nil {
			pb, ok = src.For(d)
		}
		if !ok {
			c.missing = append(c.missing, d)
			continue
		}
		merged := false
		for _, l := range lists {
			if sameSteps(l.pb, pb) {
				l.dets = append(l.dets, d)
				merged = true
				break
			}
		}
		if !merged {
			lists = append(lists, &list{dets: []string{d}, pb: pb})
		}
	}
	for _, l := range lists {
		d, also := l.dets[0], l.dets[1:]
		c.rows = append(c.rows, checkRow{detector: d, also: also})
		if !l.pb.Parsed {
			c.rows = append(c.rows, checkRow{detector: d, also: also, unparsed: true})
		}
		for _, sec := range l.pb.Sections {
			if len(sec.Items) == 0 {
				continue
			}
			c.rows = append(c.rows, checkRow{detector: d, also: also, section: sec.Kind.Heading()})
			for i := range sec.Items {
				c.rows = append(c.rows, checkRow{detector: d, also: also, step: &sec.Items[i]})
			}
		}
	}
	c.list = listState{height: c.list.height}
	c.list.setLen(len(c.rows))
	c.toStep(1)
}

// sameSteps reports whether two playbooks list the same steps, in the
// same sections and order.
func sameSteps(a, b playbooks.Playbook) bool {
	if a.Title != b.Title || len(a.Sections) != len(b.Sections) || a.Parsed != b.Parsed {
		return false
	}
	for i := range a.Sections {
		sa, sb := a.Sections[i], b.Sections[i]
		if sa.Kind != sb.Kind || len(sa.Items) != len(sb.Items) {
			return false
		}
		for j := range sa.Items {
			if sa.Items[j].ID != sb.Items[j].ID {
				return false
			}
		}
	}
	return true
}

// toStep moves the cursor forward (d=1) or back (d=-1) to the nearest
// step, staying put if there is none that way.
func (c *checklistModel) toStep(d int) {
	for i := c.list.cursor; i >= 0 && i < len(c.rows); i += d {
		if c.rows[i].step != nil {
			c.list.setCursor(i)
			return
		}
	}
}

// move moves the cursor by d rows, landing on a step.
func (c *checklistModel) move(d int) {
	old := c.list.cursor
	c.list.move(d)
	dir := 1
	if d < 0 {
		dir = -1
	}
	c.toStep(dir)
	if c.list.cursor < len(c.rows) && c.rows[c.list.cursor].step == nil {
		c.toStep(-dir)
	}
	if len(c.rows) > 0 && c.rows[c.list.cursor].step == nil {
		c.list.setCursor(old)
	}
}

func (c *checklistModel) setSize(w, h int) {
	c.width, c.height = w, h
	c.list.setHeight(max(h-1, 1))
}

// selected returns the step under the cursor.
func (c *checklistModel) selected() (string, *playbooks.Item, bool) {
	if c.list.cursor >= len(c.rows) {
		return "", nil, false
	}
	r := c.rows[c.list.cursor]
	if r.step == nil {
		return "", nil, false
	}
	return r.detector, r.step, true
}

// sharing returns the other detectors the selected step is recorded for.
func (c *checklistModel) sharing() []string {
	if c.list.cursor >= len(c.rows) {
		return nil
	}
	return c.rows[c.list.cursor].also
}

// set records a step's state.
func (c *checklistModel) set(it casefile.ChecklistItem) {
	if c.state == nil {
		c.state = map[stepKey]casefile.ChecklistItem{}
	}
	c.state[stepKey{it.DetectorID, it.ItemID}] = it
}

func (c *checklistModel) item(detector, id string) casefile.ChecklistItem {
	return c.state[stepKey{detector, id}]
}

// progress counts ticked and total steps. Detectors sharing a list
// (sameSteps) have its steps once, so each counts once (the case export
// counts them the same way: casefile's checklistProgress).
func (c *checklistModel) progress() (done, total int) {
	for _, r := range c.rows {
		if r.step != nil {
			total++
			if c.item(r.detector, r.step.ID).Checked {
				done++
			}
		}
	}
	return done, total
}

func (c *checklistModel) view(focused bool) []string {
	st := c.st
	done, total := c.progress()
	head := "CHECKLIST"
	if total > 0 {
		head += "  " + itoa(done) + "/" + itoa(total) + " done"
	}
	lines := []string{heading(st, clip(head, c.width), focused)}
	if len(c.rows) == 0 {
		msg := "no playbook for these detectors"
		if c.noSource {
			msg = "playbooks are not available in this build"
		}
		lines = append(lines, "  "+st.Dim.Render(clip(msg, c.width-2)))
	}
	start, end := c.list.window()
	for i := start; i < end; i++ {
		r := c.rows[i]
		var line string
		switch {
		case r.resultFor != "":
			line = c.resultLine(r)
		case r.unparsed:
			line = "  " + st.Dim.Render(clip("the investigation guide has no checklist to tick: picket playbook "+triage.Escape(r.detector)+" prints it", c.width-2))
		case r.step == nil && r.section == "":
			names := shortDetector(r.detector)
			for _, d := range r.also {
				names += ", " + shortDetector(d)
			}
			line = st.Source.Render(clip(names, c.width))
		case r.step == nil:
			line = " " + st.Section.Render(clip(triage.Escape(r.section), c.width-1))
		default:
			it := c.item(r.detector, r.step.ID)
			box := "[ ] "
			if it.Checked {
				box = "[x] "
			}
			body := fit(box+stepText(r.step, it.Note, max(c.width-2-len(box), 1)), max(c.width-2, 1))
			switch {
			case i == c.list.cursor && focused:
				line = st.Marker.Render("▸ ") + st.Selected.Render(body)
			case i == c.list.cursor:
				line = "> " + body
			case it.Checked:
				line = "  " + st.Done.Render(body)
			default:
				line = "  " + body
			}
		}
		lines = append(lines, clip(line, c.width))
	}
	if len(c.missing) > 0 && !c.noSource && len(lines) < c.height {
		ms := make([]string, len(c.missing))
		for i, d := range c.missing {
			ms[i] = shortDetector(d)
		}
		lines = append(lines, st.Dim.Render(clip("no playbook: "+strings.Join(ms, ", "), c.width)))
	}
	return lines
}

// tick toggles the checklist step under the cursor. Detectors sharing
// the list get the same tick, so each detector's checklist in the case
// file tells the truth.
func (m *groupModel) tick() tea.Cmd {
	det, step, ok := m.check.selected()
	if !ok || m.group == nil {
		return nil
	}
	a := m.a
	it := m.check.item(det, step.ID)
	it.DetectorID, it.ItemID, it.TargetKey = det, step.ID, groupTarget(m.group.Key)
	it.Checked = !it.Checked
	it.By, it.At = a.opts.Author, a.opts.Now()
	m.check.set(it)
	cmds := []tea.Cmd{m.saveStep(it, "ticked")}
	for _, d := range m.check.sharing() {
		other := it
		other.DetectorID = d
		if prev := m.check.item(d, step.ID); prev.Note != "" {
			other.Note = prev.Note
		}
		m.check.set(other)
		cmds = append(cmds, m.saveStep(other, "ticked"))
	}
	return tea.Batch(cmds...)
}

// saveStepNote records a step's note for the step's detector and those
// sharing its list; target is the group the editor was opened on.
func (m *groupModel) saveStepNote(target string, k stepKey, body string) tea.Cmd {
	if m.group == nil || groupTarget(m.group.Key) != target {
		return nil
	}
	a := m.a
	var cmds []tea.Cmd
	for _, d := range append([]string{k.detector}, m.check.sharing()...) {
		it := m.check.item(d, k.item)
		it.DetectorID, it.ItemID, it.TargetKey = d, k.item, target
		it.Note, it.By, it.At = body, a.opts.Author, a.opts.Now()
		m.check.set(it)
		cmds = append(cmds, m.saveStep(it, "step note saved"))
	}
	return tea.Batch(cmds...)
}

func (m *groupModel) saveStep(it casefile.ChecklistItem, verb string) tea.Cmd {
	store := m.a.opts.Store
	if store == nil {
		m.a.lastErr = "no case file: checklist ticks are not saved"
		return nil
	}
	if verb == "ticked" && !it.Checked {
		verb = "unticked"
	}
	ctx, what := m.a.ctx, verb+": "+clip(triage.Escape(it.ItemID), 40)
	return func() tea.Msg { return savedMsg{what: what, err: store.SetChecklistItem(ctx, it)} }
}
