package casefile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"picket/playbooks"
	"picket/triage"
)

// TestStepNotesInExports: a note on a checklist step is in every export
// in full: the Markdown notes list it with its step (a shared step's
// note once), JSON's step_notes carries it with the detectors the step
// serves, and CSV's step_notes column on the rows of those detectors'
// findings. The summary counts the steps as the console shows them.
func TestStepNotesInExports(t *testing.T) {
	dets := []string{"appsensor:AE2", "appsensor:AE3", "appsensor:AE11", "appsensor:RE6"}
	at := time.Date(2026, 11, 19, 22, 0, 0, 0, time.UTC)
	key := "198.51.100.66 python-requests/2.31"
	long := "held-out note: the names come from the 2023 leak\n\n- see ticket 7781\n- " + strings.Repeat("reset every account; ", 8) + "END"
	ticks := []ChecklistItem{
		// The console records a shared step's note for each detector.
		{DetectorID: "appsensor:AE2", TargetKey: key, ItemID: "inv-usernames", Checked: true, By: "ana", At: at, Note: long},
		{DetectorID: "appsensor:AE3", TargetKey: key, ItemID: "inv-usernames", Checked: true, By: "ana", At: at, Note: long},
		// Two notes made before the steps were shared, one step now.
		{DetectorID: "appsensor:AE11", TargetKey: key, ItemID: "inv-body", By: "bo", At: at.Add(time.Minute), Note: "field remember missing"},
		{DetectorID: "appsensor:RE6", TargetKey: key, ItemID: "inv-evidence", By: "ana", At: at.Add(2 * time.Minute), Note: "X-Forwarded-For forged"},
		// Only RE6 has this step.
		{DetectorID: "appsensor:RE6", TargetKey: key, ItemID: "fp-release", Checked: true, By: "ana", At: at.Add(3 * time.Minute), Note: "no release that week"},
	}
	detSet := map[string]bool{}
	var fs []ReportFinding
	for i, d := range dets {
		detSet[d] = true
		fs = append(fs, ReportFinding{Key: fmt.Sprintf("f%d", i), Finding: triage.Finding{Detector: d, Title: "t", Timestamp: at, Reason: "r", EventCount: 1}})
	}
	r := Report{Case: Case{ID: 1, Key: key, Title: "brute force", Status: "open"}, Findings: fs, Checklist: checklist(detSet, ticks)}

	// Ground truth from the content files: the distinct questions.
	questions := map[string]bool{}
	for _, d := range dets {
		p, _ := playbooks.For(d)
		for _, s := range p.Sections {
			for _, it := range s.Items {
				q := string(s.Kind) + "|" + strings.ToLower(strings.Join(strings.Fields(it.Text), " "))
				if it.Action != nil {
					q = string(s.Kind) + "|$" + it.Action.String()
				}
				questions[q] = true
			}
		}
	}
	total := 0
	for _, d := range dets {
		p, _ := playbooks.For(d)
		total += len(p.Items())
	}
	if len(r.Checklist) != total {
		t.Fatalf("%d checks, want the %d steps of the four playbooks", len(r.Checklist), total)
	}

	notes := StepNotes(r.Checklist)
	want := []struct {
		item string
		dets []string
		body string
	}{
		{"inv-usernames", []string{"appsensor:AE2", "appsensor:AE3"}, long},
		{"inv-body", []string{"appsensor:AE11", "appsensor:RE6"}, "field remember missing\n\nX-Forwarded-For forged"},
		{"fp-release", []string{"appsensor:RE6"}, "no release that week"},
	}
	if len(notes) != len(want) {
		t.Fatalf("%d step notes, want %d: %+v", len(notes), len(want), notes)
	}
	for i, w := range want {
		if n := notes[i]; n.ItemID != w.item || !slices.Equal(n.Detectors, w.dets) || n.Body != w.body {
			t.Errorf("step note %d: %s %v %q, want %s %v %q", i, n.ItemID, n.Detectors, n.Body, w.item, w.dets, w.body)
		}
	}

	var md, js, cs bytes.Buffer
	if err := WriteMarkdown(&md, []Report{r}, ExportOptions{Now: at}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, []Report{r}, ExportOptions{Now: at}); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(&cs, []Report{r}); err != nil {
		t.Fatal(err)
	}

	// Markdown: the summary's count, and each note whole in the notes.
	out := md.String()
	if s := fmt.Sprintf("2 of %d checklist step(s) done; 0 note(s) and 3 on checklist steps", len(questions)); !strings.Contains(out, s) {
		t.Errorf("summary lacks %q:\n%s", s, out)
	}
	notesMD := out[strings.Index(out, "## Notes"):strings.Index(out, "## Observables")]
	for _, s := range []string{
		"(on checklist step `inv-usernames` for `appsensor:AE2`, `appsensor:AE3`: Which usernames were tried?",
		"> held-out note: the names come from the 2023 leak\n> \n> - see ticket 7781\n", "END\n",
		"(on checklist step `inv-body` for `appsensor:AE11`, `appsensor:RE6`: Read the captured login body",
		"> field remember missing\n> \n> X-Forwarded-For forged\n",
	} {
		if !strings.Contains(notesMD, s) {
			t.Errorf("markdown notes lack %q:\n%s", s, notesMD)
		}
	}
	if n := strings.Count(notesMD, "held-out note"); n != 1 {
		t.Errorf("the shared step's note is listed %d times", n)
	}

	// JSON: step_notes, the rest of v1 unchanged.
	var doc struct {
		Cases []struct {
			Checklist []json.RawMessage `json:"checklist"`
			StepNotes []struct {
				Detectors []string `json:"detectors"`
				Section   string   `json:"section"`
				ItemID    string   `json:"item_id"`
				Text      string   `json:"text"`
				Body      string   `json:"body"`
				By        string   `json:"by"`
				At        string   `json:"at"`
			} `json:"step_notes"`
			Notes []any `json:"notes"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Cases[0].StepNotes
	if len(got) != len(want) || len(doc.Cases[0].Checklist) != total || doc.Cases[0].Notes == nil {
		t.Fatalf("json: %d step notes, %d checks", len(got), len(doc.Cases[0].Checklist))
	}
	for i, w := range want {
		g := got[i]
		if g.ItemID != w.item || !slices.Equal(g.Detectors, w.dets) || g.Body != w.body || g.By == "" || g.At == "" || g.Section == "" || g.Text == "" {
			t.Errorf("json step note %d: %+v", i, g)
		}
	}

	// CSV: the step_notes column on each finding's row.
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "step_notes")
	if col != len(CSVHeader)-1 || !slices.Equal(rows[0][:col], CSVHeader[:col]) {
		t.Fatalf("header %v", rows[0])
	}
	cell := map[string]string{}
	for _, row := range rows[1:] {
		cell[row[6]] = row[col]
	}
	csvWant := map[string][]string{
		"appsensor:AE2":  {`inv-usernames: held-out note: the names come from the 2023 leak\n\n- see ticket 7781`, "END"},
		"appsensor:AE3":  {"inv-usernames: held-out note"},
		"appsensor:AE11": {`inv-body: field remember missing\n\nX-Forwarded-For forged`},
		"appsensor:RE6":  {"inv-body: field remember missing", "fp-release: no release that week"},
	}
	for d, ws := range csvWant {
		for _, w := range ws {
			if !strings.Contains(cell[d], w) {
				t.Errorf("csv %s step_notes %q lacks %q", d, cell[d], w)
			}
		}
	}
	if strings.Contains(cell["appsensor:AE11"], "fp-release") {
		t.Errorf("csv AE11 row carries RE6's own step note: %q", cell["appsensor:AE11"])
	}
}

// TestSharedState: a step's state over several detectors.
func TestSharedState(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		items []ChecklistItem
		want  ChecklistItem
	}{
		{"none", nil, ChecklistItem{}},
		{"ticked under one", []ChecklistItem{{Checked: true, By: "ana", At: at}, {}}, ChecklistItem{Checked: true, By: "ana", At: at}},
		{"same note once", []ChecklistItem{{Note: "x", By: "a", At: at}, {Note: " x\n", By: "b", At: at.Add(time.Second)}},
			ChecklistItem{Note: "x", By: "b", At: at.Add(time.Second)}},
		{"distinct notes oldest first", []ChecklistItem{{Note: "new", By: "b", At: at.Add(time.Hour)}, {Note: "old", By: "a", At: at}},
			ChecklistItem{Note: "old\n\nnew", By: "b", At: at.Add(time.Hour)}},
	}
	for _, tc := range tests {
		if got := SharedState(tc.items); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
