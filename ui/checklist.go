package ui

import (
	"slices"
	"strings"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

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

// checkStep is a step of the group's checklist: a playbook step shown
// once for every detector of the group it serves (playbooks.Merge decides
// which steps are the same). Its ticks and note are recorded for each.
type checkStep struct {
	playbooks.MergedStep
	keys  []stepKey // the served detectors' steps, keys[0] the one shown
	label string    // the detectors it serves, short; "" when unlabelled
}

// stepLabel names the detectors a step serves, short: "all" when it
// serves every detector with steps, else the shorter of their ids
// ("AE2,AE3") and the others' ("all but AE12").
func stepLabel(serves, dets []string, withSteps map[string]bool) string {
	if len(serves) == len(withSteps) {
		return "all"
	}
	ids := shortDetectors(serves)
	var others []string
	for _, d := range dets {
		if withSteps[d] && !slices.Contains(serves, d) {
			others = append(others, d)
		}
	}
	if but := "all but " + shortDetectors(others); len(but) < len(ids) {
		return but
	}
	return ids
}

// key is the step's own key: answers are kept under it.
func (s *checkStep) key() stepKey { return s.keys[0] }

// checkRow is a line of the checklist panel: the detectors heading, a
// section heading, a step, or the answer under a step.
type checkRow struct {
	heading bool   // the line naming the checklist's detectors
	section string // set on section headings
	step    *checkStep
	// resultFor is set on the line under a step that shows its action's
	// answer (see actionrun.go).
	resultFor *checkStep
	// unparsed names a detector whose investigation guide's lists could
	// not be read: picket playbook prints it whole.
	unparsed string
}

// checklistModel is the checklist panel of the group view: the playbook
// steps of every detector the group hit, each shared step once, with
// their ticks and notes.
type checklistModel struct {
	st       *Styles
	rows     []checkRow
	steps    []*checkStep
	dets     []string // detectors with a playbook, in natural order
	state    map[stepKey]casefile.ChecklistItem
	list     listState
	width    int
	height   int
	missing  []string // detectors without a playbook
	noSource bool     // no playbooks wired at all
	// results are the answers of the steps' actions run on this group
	// (actionrun.go), by the step's key.
	results map[stepKey]actionResult
}

// open builds the steps for a group's detectors: one list, in section
// order, in which a step several detectors share shows once, labelled
// with the detectors it serves when not every step serves them all.
func (c *checklistModel) open(src Playbooks, detectors []string) {
	c.rows, c.steps, c.dets, c.missing, c.results = nil, nil, nil, nil, nil
	c.state = map[stepKey]casefile.ChecklistItem{}
	c.noSource = src == nil
	var pbs []playbooks.Playbook
	var unparsed []string
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
		pb.DetectorID = d
		pbs = append(pbs, pb)
		c.dets = append(c.dets, d)
		if !pb.Parsed {
			unparsed = append(unparsed, d)
		}
	}
	slices.SortStableFunc(c.dets, playbooks.NaturalCompare)
	slices.SortStableFunc(unparsed, playbooks.NaturalCompare)
	merged := playbooks.Merge(pbs)
	// Labels are needed only when the steps differ in whom they serve.
	withSteps := map[string]bool{}
	for _, m := range merged {
		for _, r := range m.Serves {
			withSteps[r.Detector] = true
		}
	}
	labelled := false
	for _, m := range merged {
		if len(m.Serves) != len(withSteps) {
			labelled = true
		}
	}
	for _, m := range merged {
		s := &checkStep{MergedStep: m}
		for _, r := range m.Serves {
			s.keys = append(s.keys, stepKey{r.Detector, r.ItemID})
		}
		if labelled {
			s.label = stepLabel(m.Detectors(), c.dets, withSteps)
		}
		c.steps = append(c.steps, s)
	}
	if len(c.dets) > 0 {
		c.rows = append(c.rows, checkRow{heading: true})
	}
	for _, d := range unparsed {
		c.rows = append(c.rows, checkRow{unparsed: d})
	}
	kind := playbooks.SectionKind("")
	for _, s := range c.steps {
		if s.Kind != kind {
			kind = s.Kind
			c.rows = append(c.rows, checkRow{section: kind.Heading()})
		}
		c.rows = append(c.rows, checkRow{step: s})
	}
	c.list = listState{height: c.list.height}
	c.list.setLen(len(c.rows))
	c.toStep(1)
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

// selected returns the step under the cursor: the detector and item it
// is shown as (a shared step serves others too: selectedStep).
func (c *checklistModel) selected() (string, *playbooks.Item, bool) {
	s, ok := c.selectedStep()
	if !ok {
		return "", nil, false
	}
	return s.key().detector, &s.Item, true
}

// selectedStep returns the step under the cursor.
func (c *checklistModel) selectedStep() (*checkStep, bool) {
	if c.list.cursor >= len(c.rows) {
		return nil, false
	}
	r := c.rows[c.list.cursor]
	return r.step, r.step != nil
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

// merged is a step's state over the detectors it serves
// (casefile.SharedState): ticked when ticked for any, so a tick made
// before the steps were shared still counts, and every distinct note
// recorded for them.
func (c *checklistModel) merged(s *checkStep) casefile.ChecklistItem {
	items := make([]casefile.ChecklistItem, len(s.keys))
	for i, k := range s.keys {
		items[i] = c.item(k.detector, k.item)
	}
	return casefile.SharedState(items)
}

// progress counts ticked and total steps; a shared step counts once (the
// case export counts them the same way: casefile's checklistProgress).
func (c *checklistModel) progress() (done, total int) {
	for _, s := range c.steps {
		total++
		if c.merged(s).Checked {
			done++
		}
	}
	return done, total
}

// stepNote is a step's note as the notes pane lists it.
type stepNote struct {
	step *checkStep
	note casefile.ChecklistItem // merged
}

// stepNotes lists the steps that carry a note.
func (c *checklistModel) stepNotes() []stepNote {
	var out []stepNote
	for _, s := range c.steps {
		if it := c.merged(s); it.Note != "" {
			out = append(out, stepNote{step: s, note: it})
		}
	}
	return out
}

// step returns the step serving k, if any.
func (c *checklistModel) step(k stepKey) *checkStep {
	for _, s := range c.steps {
		if slices.Contains(s.keys, k) {
			return s
		}
	}
	return nil
}

// goTo puts the cursor on s.
func (c *checklistModel) goTo(s *checkStep) bool {
	for i, r := range c.rows {
		if r.step == s {
			c.list.setCursor(i)
			return true
		}
	}
	return false
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
	// The step under the cursor shows what its line cannot: its note in
	// full, and how the other detectors it serves word it. The window
	// scrolls so those lines show too.
	var detail []string
	if s, ok := c.selectedStep(); ok && focused {
		detail = c.detailLines(s)
		detail = detail[:min(len(detail), max(c.list.height-2, 0))] // room for the step and its answer
	}
	// The detail goes under the step's answer line when it has one, so
	// the answer stays in view.
	detailAfter := c.list.cursor
	if n := detailAfter + 1; n < len(c.rows) && c.rows[n].resultFor != nil && c.rows[n].resultFor == c.rows[detailAfter].step {
		detailAfter = n
	}
	start := c.list.offset
	if over := detailAfter - start + 1 + len(detail) - c.list.height; over > 0 && len(detail) > 0 {
		start = min(start+over, c.list.cursor)
	}
	for i := start; i < len(c.rows) && len(lines) < c.list.height+1; i++ {
		lines = append(lines, clip(c.rowLine(i, focused), c.width))
		if i == detailAfter {
			lines = append(lines, detail...)
		}
	}
	lines = lines[:min(len(lines), c.list.height+1)]
	if len(c.missing) > 0 && !c.noSource && len(lines) < c.height {
		ms := make([]string, len(c.missing))
		for i, d := range c.missing {
			ms[i] = shortDetector(d)
		}
		lines = append(lines, st.Dim.Render(clip("no playbook: "+strings.Join(ms, ", "), c.width)))
	}
	return lines
}

// rowLine renders row i of the checklist.
func (c *checklistModel) rowLine(i int, focused bool) string {
	st, r := c.st, c.rows[i]
	switch {
	case r.resultFor != nil:
		return c.resultLine(r)
	case r.unparsed != "":
		return "  " + st.Dim.Render(clip("the investigation guide of "+shortDetector(r.unparsed)+" has no checklist to tick: picket playbook "+
			triage.Escape(r.unparsed)+" prints it", c.width-2))
	case r.heading:
		names := make([]string, len(c.dets))
		for i, d := range c.dets {
			names[i] = shortDetector(d)
		}
		return st.Source.Render(clip(strings.Join(names, ", "), c.width))
	case r.step == nil:
		return " " + st.Section.Render(clip(triage.Escape(r.section), c.width-1))
	}
	it := c.merged(r.step)
	box := "[ ] "
	if it.Checked {
		box = "[x] "
	}
	if r.step.label != "" {
		box += r.step.label + " · "
	}
	body := fit(box+stepText(&r.step.Item, it.Note, max(c.width-2-lipglossWidth(box), 1)), max(c.width-2, 1))
	switch {
	case i == c.list.cursor && focused:
		return st.Marker.Render("▸ ") + st.Selected.Render(body)
	case i == c.list.cursor:
		return "> " + body
	case it.Checked:
		return "  " + st.Done.Render(body)
	}
	return "  " + body
}

// detailLines are the lines under the selected step: its words and
// action in full when its line cut them, how each other detector it
// serves words it, when the words differ, and its note in full when the
// step's line cut it, with who wrote it and when.
func (c *checklistModel) detailLines(s *checkStep) []string {
	st := c.st
	w := max(c.width-6, 8)
	var out []string
	wrap := func(text string) {
		for i, l := range strings.Split(ansi.Wrap(text, w-2, " ,"), "\n") {
			if i > 0 {
				l = "  " + l
			}
			out = append(out, "      "+st.Dim.Render(clip(l, w)))
		}
	}
	it := c.merged(s)
	box := 4 + lipglossWidth(s.label)
	if s.label != "" {
		box += 3
	}
	// The step's own words and action in full when its line cut them.
	if lipglossWidth(stepText(&s.Item, "", 1<<20)) > c.width-2-box {
		wrap(triage.Escape(s.Item.Text))
		if s.Item.Action != nil {
			wrap("$ " + triage.Escape(s.Item.Action.String()))
		}
	}
	// Its answer in full when the answer's line cut it.
	if res, ok := c.results[s.key()]; ok && !res.pending {
		full := strings.TrimRightFunc(res.text, unicode.IsSpace)
		if res.err != "" {
			full = "! " + res.err
		}
		if lipglossWidth(full) > max(c.width-4, 1) {
			wrap(full)
		}
	}
	// The other wordings, each once, with the detectors that use it.
	oneLine := func(t string) string { return strings.Join(strings.Fields(t), " ") }
	var texts []string
	by := map[string][]string{}
	for _, r := range s.Serves[1:] {
		t := oneLine(r.Text)
		if t == oneLine(s.Item.Text) {
			continue
		}
		if _, ok := by[t]; !ok {
			texts = append(texts, t)
		}
		by[t] = append(by[t], r.Detector)
	}
	for _, t := range texts {
		verb := " asks: "
		if len(by[t]) > 1 {
			verb = " ask: "
		}
		wrap(shortDetectors(by[t]) + verb + triage.Escape(t))
	}
	if it.Note == "" {
		return out
	}
	if !strings.Contains(it.Note, "\n") && lipglossWidth(stepText(&s.Item, it.Note, 1<<20)) <= c.width-2-box {
		return out // the line shows it whole
	}
	who := "✎ note"
	if it.By != "" {
		who += " by " + triage.Escape(it.By)
	}
	if !it.At.IsZero() {
		who += ", " + fmtTime(it.At, "2006-01-02 15:04") + " UTC"
	}
	out = append(out, "    "+st.Label.Render(clip(who, w+2)))
	for _, l := range renderMarkdown(st, it.Note, w) {
		out = append(out, "      "+clip(l, w))
	}
	return out
}

// tick toggles the checklist step under the cursor, for every detector
// the step serves, so each detector's checklist in the case file tells
// the truth. A step without a note of its own gets the shared one.
func (m *groupModel) tick() tea.Cmd {
	s, ok := m.check.selectedStep()
	if !ok || m.group == nil {
		return nil
	}
	a := m.a
	cur := m.check.merged(s)
	var items []casefile.ChecklistItem
	for _, k := range s.keys {
		it := m.check.item(k.detector, k.item)
		it.DetectorID, it.ItemID, it.TargetKey = k.detector, k.item, groupTarget(m.group.Key)
		it.Checked = !cur.Checked
		it.By, it.At = a.opts.Author, a.opts.Now()
		if it.Note == "" {
			it.Note = cur.Note
		}
		m.check.set(it)
		items = append(items, it)
	}
	m.syncStepNotes()
	return m.saveSteps(items, "ticked")
}

// saveStepNote records a step's note for every detector's step in keys
// (the step the editor was opened on); target is its group.
func (m *groupModel) saveStepNote(target string, keys []stepKey, body string) tea.Cmd {
	if m.group == nil || groupTarget(m.group.Key) != target {
		return nil
	}
	a := m.a
	var items []casefile.ChecklistItem
	for _, k := range keys {
		it := m.check.item(k.detector, k.item)
		it.DetectorID, it.ItemID, it.TargetKey = k.detector, k.item, target
		it.Note, it.By, it.At = body, a.opts.Author, a.opts.Now()
		m.check.set(it)
		items = append(items, it)
	}
	var saved *checkStep
	if len(keys) > 0 {
		saved = m.check.step(keys[0])
	}
	m.syncStepNotes(saved)
	return m.saveSteps(items, "step note saved")
}

// saveSteps writes one step's state for each detector it serves, in
// one command, and reports it once: "ticked: inv-success (AE2, AE3)".
func (m *groupModel) saveSteps(items []casefile.ChecklistItem, verb string) tea.Cmd {
	store := m.a.opts.Store
	if store == nil {
		m.a.lastErr = "no case file: checklist ticks are not saved"
		return nil
	}
	if len(items) == 0 {
		return nil
	}
	if verb == "ticked" && !items[0].Checked {
		verb = "unticked"
	}
	what := verb + ": " + clip(triage.Escape(items[0].ItemID), 40)
	if len(items) > 1 {
		dets := make([]string, len(items))
		for i, it := range items {
			dets[i] = it.DetectorID
		}
		what += " (" + clip(shortDetectors(dets), 40) + ")"
	}
	ctx := m.a.ctx
	return func() tea.Msg {
		for _, it := range items {
			if err := store.SetChecklistItem(ctx, it); err != nil {
				return savedMsg{what: what, err: err}
			}
		}
		return savedMsg{what: what}
	}
}
