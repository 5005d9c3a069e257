package playbooks

import (
	"slices"
	"strings"
)

// A group hit by several detectors gets one checklist, not one per
// detector: the playbooks of a family (the login points) and of unrelated
// families ask many of the same things (open the client's other activity,
// read the evidence, check the allowlist). Merge decides which steps are
// the same; the console, the case exports and their progress counts all
// ask it, so they agree.

// StepRef is one detector's step a merged step stands for: the detector,
// the item's id in that detector's playbook, and how that playbook words
// it.
type StepRef struct {
	Detector string
	ItemID   string
	Text     string
}

// MergedStep is a checklist step shown once for every detector it serves.
type MergedStep struct {
	// Kind is the section the step is in.
	Kind SectionKind
	// Item is the step as the first detector it serves words it.
	Item Item
	// Serves lists the detectors' steps it stands for, the first being
	// Item's; never empty, one entry per detector.
	Serves []StepRef
}

// Detectors lists the detectors the step serves, in Serves order.
func (s MergedStep) Detectors() []string {
	out := make([]string, len(s.Serves))
	for i, r := range s.Serves {
		out[i] = r.Detector
	}
	return out
}

// Merge lists the steps of pbs (one playbook per detector, as For returns
// them) once each. Two steps of different detectors in the same section
// are one step when they run the same action, or when they have no action
// or the same one and their texts are the same (spacing and case aside: a
// text shared over different actions is two questions); two steps of one detector are never merged, so no
// step is lost. Steps are ordered by section (investigation, false
// positives, response), then by first appearance, detectors taken in
// natural order of their ids (AE2 before AE11). Unparsed playbooks have no
// steps and add none.
func Merge(pbs []Playbook) []MergedStep {
	pbs = slices.Clone(pbs)
	slices.SortStableFunc(pbs, func(a, b Playbook) int { return NaturalCompare(a.DetectorID, b.DetectorID) })
	var out []MergedStep
	for _, kind := range Kinds {
		byText := map[string]int{}
		byAction := map[string]int{}
		for _, p := range pbs {
			for _, it := range p.Section(kind).Items {
				ref := StepRef{Detector: p.DetectorID, ItemID: it.ID, Text: it.Text}
				act := ""
				if it.Action != nil {
					act = it.Action.String()
				}
				text := strings.ToLower(oneLine(it.Text)) + "\x00" + act
				i, ok := byText[text]
				if !ok || serves(out[i], p.DetectorID) {
					i, ok = byAction[act]
					if act == "" || (ok && serves(out[i], p.DetectorID)) {
						ok = false
					}
				}
				if !ok {
					i = len(out)
					out = append(out, MergedStep{Kind: kind, Item: it})
				}
				out[i].Serves = append(out[i].Serves, ref)
				if _, seen := byText[text]; !seen {
					byText[text] = i
				}
				if _, seen := byAction[act]; !seen && act != "" {
					byAction[act] = i
				}
			}
		}
	}
	return out
}

func serves(s MergedStep, detector string) bool {
	for _, r := range s.Serves {
		if r.Detector == detector {
			return true
		}
	}
	return false
}

// NaturalCompare orders detector ids as people read them: runs of digits
// compare by value, so appsensor:AE2 comes before appsensor:AE11.
func NaturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
