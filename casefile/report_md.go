package casefile

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"

	"picket/playbooks"
	"picket/triage"
)

// reportTemplate is the Markdown export; report.md.tmpl says which
// escaper each value goes through.
//
//go:embed report.md.tmpl
var reportTemplate string

// markdownFuncs are the escapers, one per context (see markdown.go), and
// the few formatting helpers the template needs.
var markdownFuncs = template.FuncMap{
	"text":       md,
	"code":       code,
	"cellcode":   cellCode,
	"codeblock":  codeBlock,
	"link":       linkTarget,
	"note":       mdBlock,
	"step":       mdInline,
	"ts":         ts,
	"lines":      func(s string) []string { return strings.Split(s, "\n") },
	"conditions": triage.ExceptionSummary,
	"expires": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return ts(t)
	},
}

var reportTmpl = template.Must(template.New("report.md").Funcs(markdownFuncs).Parse(reportTemplate))

// WriteMarkdown writes a report per case for a ticket: summary, timeline,
// findings with reasons, checklist with ticks and notes, notes (those on
// checklist steps too, a shared step's once, with the step),
// observables, and the exceptions in force. Text that came from events
// (user agents, URLs, reasons quoting payloads) is escaped: control
// characters become visible escapes, Markdown and HTML syntax is
// backslash-escaped, code is shown verbatim in code spans, and table
// cells can never be split by a '|'. Analyst notes stay Markdown, with
// raw HTML and unsafe links (javascript:, data:, ...) neutralised.
func WriteMarkdown(w io.Writer, rs []Report, o ExportOptions) error {
	doc := mdReport{Now: ts(o.now()), Many: len(rs) > 1}
	for _, r := range rs {
		doc.Cases = append(doc.Cases, newMDCase(r, doc.Now, doc.Many))
	}
	bw := bufio.NewWriter(w)
	if err := reportTmpl.ExecuteTemplate(bw, "report", doc); err != nil {
		return err
	}
	return bw.Flush()
}

// mdReport and the types below are what the template reads: the report
// with the decisions (headings, grouping, truncation) already taken.
type mdReport struct {
	Now   string
	Many  bool
	Cases []mdCase
}

type mdCase struct {
	H           string // heading prefix: "#" alone, "##" among several cases
	Many        bool
	Now         string
	Case        Case
	KeyLabel    string // what the case's key is: "Group (source IP, user agent)", "Campaign", …
	Members     int    // groups a campaign folded
	Cut         string // the findings a case left out, "" when none
	Opened      string
	Summary     string
	Timeline    []tlEntry
	Findings    []mdFinding
	Checklist   []mdStep
	Notes       []Note
	StepNotes   []StepNote // notes on checklist steps, a shared step's once
	Observables []Observable
	Exceptions  []triage.Exception
}

type mdFinding struct {
	HiddenBy string // the entry in force that hides it
	N        int
	F        triage.Finding
	When     string
	IP       string
	IDs      []string // the first ten evidence ids
	More     string   // " (N events in all)" when there are more
}

// mdStep is one checklist step, with the headings that open before it.
type mdStep struct {
	Detector     string // heading of a new detector's playbook, or ""
	BreakBefore  bool   // a blank line before that heading
	Section      string // heading of a new section, or ""
	SectionBreak bool
	Box          string
	Text         string
	By, At       string
	Note         string   // a one-line note
	NoteLines    []string // a note of several lines, as Markdown
	Answer       string   // the step's kept answer in words, or why it could not answer
	AnswerWhen   string   // when and by whom it was answered
}

func newMDCase(r Report, now string, many bool) mdCase {
	c := r.Case
	m := mdCase{H: "#", Many: many, Now: now, Case: c, Opened: ts(c.Created) + " by " + c.CreatedBy,
		Summary: Summary(r), Timeline: timeline(r), Notes: r.Notes, StepNotes: StepNotes(r.Checklist), Observables: r.Observables, Exceptions: r.Exceptions}
	if many {
		m.H = "##"
	}
	m.KeyLabel, m.Members, m.Cut = keyLabel(c.GroupBy), len(r.Members), r.Cut()
	for i, rf := range r.Findings {
		f := rf.Finding
		mf := mdFinding{N: i + 1, F: f, When: ts(f.Timestamp), HiddenBy: rf.HiddenBy}
		if !f.End.IsZero() {
			mf.When += " to " + ts(f.End)
		}
		if f.SourceIP.IsValid() {
			mf.IP = f.SourceIP.String()
		}
		ids := f.EventIDs()
		mf.IDs = ids[:min(len(ids), 10)]
		if f.EventCount > len(mf.IDs) {
			mf.More = fmt.Sprintf(" (%d events in all)", f.EventCount)
		}
		m.Findings = append(m.Findings, mf)
	}
	lastDet, lastSec := "", playbooks.SectionKind("-")
	for _, k := range r.Checklist {
		st := mdStep{Box: "[ ]", Text: k.Text, By: k.By}
		if k.Detector != lastDet {
			st.Detector = k.Detector
			if p, ok := playbooks.For(k.Detector); ok {
				st.Detector = p.Title + " (" + k.Detector + ")"
			}
			st.BreakBefore = lastDet != ""
			lastDet, lastSec = k.Detector, "-"
		}
		if k.Section != lastSec {
			st.Section = "Other steps"
			if k.Section != "" {
				st.Section = k.Section.Heading()
			}
			st.SectionBreak = lastSec != "-"
			lastSec = k.Section
		}
		if k.Checked {
			st.Box = "[x]"
		}
		if k.Answer != nil {
			st.Answer, st.AnswerWhen = answerMarkdown(*k.Answer)
		}
		if st.Text == "" {
			st.Text = "step " + k.ItemID
		}
		if k.By != "" {
			st.At = ts(k.At)
		}
		switch note := strings.TrimRight(strings.ReplaceAll(k.Note, "\r\n", "\n"), "\n"); {
		case strings.Contains(note, "\n"):
			// A note of several lines is the analyst's Markdown, kept as
			// a quoted block under the step (as notes are below).
			st.NoteLines = strings.Split(mdBlock(note), "\n")
		default:
			st.Note = note
		}
		m.Checklist = append(m.Checklist, st)
	}
	return m
}

// keyLabel names what a case's key is, from the chain it was made under.
func keyLabel(groupBy string) string {
	switch groupBy {
	case "", triage.DefaultGroupBy.String():
		return "Group (source IP, user agent)"
	case triage.CampaignBy:
		return "Campaign"
	}
	return "Group (" + groupBy + ")"
}
