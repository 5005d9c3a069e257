package casefile

import (
	"slices"
	"strings"
	"time"

	"picket/playbooks"
)

// A step several detectors of a group share (playbooks.Merge) is one step
// in the console: a tick or a note on it is recorded for each detector's
// step. SharedState reads such a step's state back, and the exports list
// its note once.

// SharedState is the state of one step recorded for several detectors:
// ticked when ticked for any (a tick made before the step was shared
// still counts), its note every distinct note recorded, oldest first,
// separated by a blank line, and who changed it last and when.
func SharedState(items []ChecklistItem) ChecklistItem {
	var out ChecklistItem
	type dated struct {
		note string
		at   time.Time
	}
	var notes []dated
	for _, it := range items {
		out.Checked = out.Checked || it.Checked
		if it.At.After(out.At) || out.By == "" && it.By != "" {
			out.By, out.At = it.By, it.At
		}
		if n := strings.TrimSpace(it.Note); n != "" && !slices.ContainsFunc(notes, func(d dated) bool { return d.note == n }) {
			notes = append(notes, dated{n, it.At})
		}
	}
	slices.SortStableFunc(notes, func(a, b dated) int { return a.at.Compare(b.at) })
	parts := make([]string, len(notes))
	for i, n := range notes {
		parts[i] = n.note
	}
	out.Note = strings.Join(parts, "\n\n")
	return out
}

// StepNote is a note written on a checklist step, once per step as the
// console shows it.
type StepNote struct {
	// Detectors are those the step serves (one for a step no longer in
	// its playbook).
	Detectors []string
	Section   playbooks.SectionKind // empty for a step no longer in the playbook
	ItemID    string                // the first detector's step id
	Text      string                // the step, Markdown; "" when no longer in the playbook
	Body      string                // the note, Markdown
	By        string
	At        time.Time
}

// StepNotes lists the notes on a case's checklist steps, a shared step's
// once, oldest first.
func StepNotes(cs []ReportCheck) []StepNote {
	var out []StepNote
	for _, g := range reportSteps(cs) {
		items := make([]ChecklistItem, len(g))
		dets := make([]string, len(g))
		for i, k := range g {
			items[i] = ChecklistItem{DetectorID: k.Detector, ItemID: k.ItemID, Checked: k.Checked, By: k.By, At: k.At, Note: k.Note}
			dets[i] = k.Detector
		}
		st := SharedState(items)
		if st.Note == "" {
			continue
		}
		out = append(out, StepNote{Detectors: dets, Section: g[0].Section, ItemID: g[0].ItemID, Text: g[0].Text,
			Body: st.Note, By: st.By, At: st.At})
	}
	slices.SortStableFunc(out, func(a, b StepNote) int { return a.At.Compare(b.At) })
	return out
}

// reportSteps groups a case's checklist as the console shows it: the
// checks of one merged step together (playbooks.Merge over the shipped
// playbooks of the case's detectors). Checks of steps those playbooks do
// not list (a step removed since, a test's own) are grouped as the only
// evidence allows: detectors that recorded the same list of such steps
// share them, step by step; a step id alone never joins two detectors.
func reportSteps(cs []ReportCheck) [][]ReportCheck {
	type key struct{ det, item string }
	idx := map[key]int{}
	var pbs []playbooks.Playbook
	seen := map[string]bool{}
	for i, k := range cs {
		idx[key{k.Detector, k.ItemID}] = i
		if k.Section == "" || seen[k.Detector] {
			continue
		}
		seen[k.Detector] = true
		if p, ok := playbooks.For(k.Detector); ok {
			pbs = append(pbs, p)
		}
	}
	used := make([]bool, len(cs))
	var out [][]ReportCheck
	for _, m := range playbooks.Merge(pbs) {
		var g []ReportCheck
		for _, r := range m.Serves {
			if i, ok := idx[key{r.Detector, r.ItemID}]; ok && !used[i] && cs[i].Section != "" {
				g = append(g, cs[i])
				used[i] = true
			}
		}
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	lists := map[string]string{} // detector: its other steps, in order
	for i, k := range cs {
		if !used[i] {
			lists[k.Detector] += string(k.Section) + "/" + k.ItemID + "\n"
		}
	}
	rest := map[[2]string]int{} // (list, item): its group in out
	for i, k := range cs {
		if used[i] {
			continue
		}
		step := [2]string{lists[k.Detector], k.ItemID}
		if j, ok := rest[step]; ok {
			out[j] = append(out[j], k)
			continue
		}
		rest[step] = len(out)
		out = append(out, []ReportCheck{k})
	}
	return out
}
