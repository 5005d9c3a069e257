package casefile

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"picket/playbooks"
	"picket/triage"
)

// TestExportStepNotesAndProgress: a step note of several lines is an
// indented quoted block (not one line of escaped \n and \#), and the
// summary counts a playbook shared by two detectors once, as the console
// does, while a same-named step of another playbook counts on its own.
func TestExportStepNotesAndProgress(t *testing.T) {
	at := time.Date(2026, 11, 19, 22, 14, 5, 0, time.UTC)
	inv := playbooks.Investigation
	step := func(det, id string, checked bool, note string) ReportCheck {
		return ReportCheck{Detector: det, Section: inv, ItemID: id, Text: "step " + id, Checked: checked, Note: note}
	}
	r := Report{
		Case: Case{ID: 1, Title: "login burst", Status: "open"},
		Findings: []ReportFinding{{Finding: triage.Finding{Detector: "appsensor:AE2", Timestamp: at}},
			{Finding: triage.Finding{Detector: "appsensor:AE3", Timestamp: at}}},
		Checklist: []ReportCheck{
			// AE2 and AE3 share the login playbook: 2 steps.
			step("appsensor:AE2", "inv-a", true, "line one\n\n# heading\n- bullet"),
			step("appsensor:AE2", "inv-b", false, ""),
			step("appsensor:AE3", "inv-a", true, "line one\n\n# heading\n- bullet"),
			step("appsensor:AE3", "inv-b", false, ""),
			// CIE1's playbook is another: its inv-a is its own step.
			step("appsensor:CIE1", "inv-a", false, "one line"),
		},
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, []Report{r}, ExportOptions{Now: at}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "1 of 3 checklist step(s) done") {
		t.Errorf("summary does not count 1 of 3 steps:\n%s", out)
	}
	block := "  - Note:\n\n    > line one\n    > \n    > # heading\n    > - bullet\n"
	if !strings.Contains(out, block) {
		t.Errorf("multi-line note is not an indented block:\n%s", out)
	}
	if strings.Contains(out, `line one\n`) || strings.Contains(out, `\# heading`) {
		t.Errorf("multi-line note flattened:\n%s", out)
	}
	if !strings.Contains(out, "  - Note: one line\n") {
		t.Errorf("one-line note changed:\n%s", out)
	}
}
