package playbooks

import (
	"slices"
	"strings"
	"testing"
)

// bruteForce is the group of issue 12: a password guesser that also sends
// tampered login bodies and malformed requests.
var bruteForce = []string{"appsensor:RE6", "appsensor:AE11", "appsensor:AE3", "appsensor:AE2"}

func shipped(t *testing.T, ids []string) []Playbook {
	t.Helper()
	var out []Playbook
	for _, id := range ids {
		p, ok := For(id)
		if !ok {
			t.Fatalf("no playbook for %s", id)
		}
		out = append(out, p)
	}
	return out
}

// TestMergeBruteForce: the brute-force group's 41 steps (one list per
// detector) become one list in which each shared step shows once, no
// detector's step is lost, and every merged step is the same question
// (same action, or same text without a different action).
func TestMergeBruteForce(t *testing.T) {
	pbs := shipped(t, bruteForce)
	before := 0
	want := map[StepRef]bool{}
	for _, p := range pbs {
		for _, it := range p.Items() {
			before++
			want[StepRef{p.DetectorID, it.ID, it.Text}] = true
		}
	}
	// The issue saw 41; the login playbooks have grown a step since.
	if before < 41 {
		t.Fatalf("the shipped playbooks give %d steps, fewer than the 41 the issue saw", before)
	}
	steps := Merge(pbs)
	// No step lost, none counted twice.
	got := map[StepRef]int{}
	for _, s := range steps {
		for _, r := range s.Serves {
			got[r]++
		}
	}
	for r := range want {
		if got[r] != 1 {
			t.Errorf("%s %s served %d times", r.Detector, r.ItemID, got[r])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d steps served, want %d", len(got), len(want))
	}
	// Each merged step is one question, asked once per detector.
	items := func(r StepRef) Item {
		for _, p := range pbs {
			if p.DetectorID == r.Detector {
				it, _ := p.Item(r.ItemID)
				return it
			}
		}
		t.Fatalf("no %v", r)
		return Item{}
	}
	kinds := 0
	for i, s := range steps {
		if i > 0 && s.Kind != steps[i-1].Kind {
			kinds++
		}
		if s.Kind != Kinds[kinds] {
			t.Errorf("step %d (%s) in %s, out of section order", i, s.Item.ID, s.Kind)
		}
		dets := map[string]bool{}
		for _, r := range s.Serves {
			if dets[r.Detector] {
				t.Errorf("%s serves %s twice", s.Item.ID, r.Detector)
			}
			dets[r.Detector] = true
			a, b := items(s.Serves[0]), items(r)
			sameAction := a.Action != nil && b.Action != nil && a.Action.String() == b.Action.String()
			sameText := oneLine(a.Text) == oneLine(b.Text) && (a.Action == nil) == (b.Action == nil)
			if !sameAction && !sameText {
				t.Errorf("%s/%s merged with %s/%s: neither text nor action is the same", s.Serves[0].Detector, a.ID, r.Detector, b.ID)
			}
		}
	}
	// Ground truth from the content files: what is shared, and what is not.
	find := func(det, id string) MergedStep {
		for _, s := range steps {
			for _, r := range s.Serves {
				if r.Detector == det && r.ItemID == id {
					return s
				}
			}
		}
		t.Fatalf("no step %s %s", det, id)
		return MergedStep{}
	}
	tests := []struct {
		det, id string
		serves  []string
	}{
		{"appsensor:AE2", "inv-success", []string{"appsensor:AE2", "appsensor:AE3"}},
		{"appsensor:AE2", "inv-other-sources", []string{"appsensor:AE2"}},
		{"appsensor:AE3", "fp-nat", []string{"appsensor:AE3"}},
		// $ group: the client's other activity, asked by all four.
		{"appsensor:RE6", "inv-payload-points", []string{"appsensor:AE2", "appsensor:AE3", "appsensor:AE11", "appsensor:RE6"}},
		// $ evidence
		{"appsensor:RE6", "inv-evidence", []string{"appsensor:AE11", "appsensor:RE6"}},
		// $ allowlist-check
		{"appsensor:AE11", "fp-api-client", []string{"appsensor:AE2", "appsensor:AE3", "appsensor:AE11", "appsensor:RE6"}},
		// Same id, other words, no action: three different steps.
		{"appsensor:AE11", "resp-block", []string{"appsensor:AE11"}},
		{"appsensor:RE6", "resp-block", []string{"appsensor:RE6"}},
		{"appsensor:AE3", "resp-block", []string{"appsensor:AE2", "appsensor:AE3"}},
	}
	for _, tc := range tests {
		if got := find(tc.det, tc.id).Detectors(); !slices.Equal(got, tc.serves) {
			t.Errorf("%s %s serves %v, want %v", tc.det, tc.id, got, tc.serves)
		}
	}
	// The count after: each distinct question once.
	distinct := map[string]bool{}
	for _, p := range pbs {
		for _, s := range p.Sections {
			for _, it := range s.Items {
				k := string(s.Kind) + "|t|" + strings.ToLower(oneLine(it.Text))
				if it.Action != nil {
					k = string(s.Kind) + "|a|" + it.Action.String()
				}
				distinct[k] = true
			}
		}
	}
	if len(steps) != len(distinct) || len(steps) >= before {
		t.Errorf("%d steps after merging (from %d), want the %d distinct questions", len(steps), before, len(distinct))
	}
	t.Logf("brute-force checklist: %d steps before, %d after", before, len(steps))
}

// TestMergeKeepsOwnSteps: two steps of one detector are never one, even
// with the same action; a text asked with different actions is two steps.
func TestMergeKeepsOwnSteps(t *testing.T) {
	a := func(s string) *Action {
		x, err := ParseAction(s)
		if err != nil {
			t.Fatal(err)
		}
		return &x
	}
	p := func(det string, items ...Item) Playbook {
		return Playbook{DetectorID: det, Parsed: true, Sections: []Section{{Kind: Investigation, Items: items}, {Kind: FalsePositives}, {Kind: Response}}}
	}
	steps := Merge([]Playbook{
		p("x:A1", Item{ID: "g1", Text: "Open the group", Action: a("group")}, Item{ID: "g2", Text: "Look again", Action: a("group")},
			Item{ID: "c", Text: "Count", Action: a(`count query="a:1"`)}),
		p("x:A2", Item{ID: "g", Text: "Other activity", Action: a("group")}, Item{ID: "c", Text: "Count", Action: a(`count query="b:1"`)}),
	})
	var got []string
	for _, s := range steps {
		var ids []string
		for _, r := range s.Serves {
			ids = append(ids, r.Detector+"/"+r.ItemID)
		}
		got = append(got, strings.Join(ids, "+"))
	}
	want := []string{"x:A1/g1+x:A2/g", "x:A1/g2", "x:A1/c", "x:A2/c"}
	if !slices.Equal(got, want) {
		t.Errorf("merged %v, want %v", got, want)
	}
}

func TestNaturalCompare(t *testing.T) {
	ids := []string{"appsensor:RE6", "appsensor:AE11", "appsensor:AE2", "appsensor:AE3", "elastic:9", "appsensor:AE"}
	slices.SortFunc(ids, NaturalCompare)
	want := []string{"appsensor:AE", "appsensor:AE2", "appsensor:AE3", "appsensor:AE11", "appsensor:RE6", "elastic:9"}
	if !slices.Equal(ids, want) {
		t.Errorf("sorted %v, want %v", ids, want)
	}
}
