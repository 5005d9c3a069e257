// Package playbooks holds Picket's triage checklists: for every detector,
// what to investigate, how to rule out a false positive, and how to respond.
//
// The checklists are TOML files under content/, embedded in the binary. One
// file covers a detector or a family of detectors (the AppSensor login
// points share one); an item may be limited to some members of its family
// with `only`. Items that the data can answer carry an [Action] the console
// runs. Investigation guides written as Markdown rule notes (Elastic's
// "note" field) are turned into the same shape by [FromNote].
//
// This package imports nothing else of Picket's.
package playbooks

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// SectionKind names one of the three checklist sections.
type SectionKind string

// The sections, in the order they are shown.
const (
	Investigation  SectionKind = "investigation"
	FalsePositives SectionKind = "false_positives"
	Response       SectionKind = "response"
)

// Kinds lists the sections in display order.
var Kinds = []SectionKind{Investigation, FalsePositives, Response}

// Heading is the section's title as shown to the analyst.
func (k SectionKind) Heading() string {
	switch k {
	case Investigation:
		return "Investigation"
	case FalsePositives:
		return "False positive analysis"
	case Response:
		return "Response and remediation"
	}
	return string(k)
}

// Item is one checklist step.
type Item struct {
	// ID is stable across releases; the case file keys ticks by it. Ids
	// are unique within a playbook and start with the section's prefix
	// (inv-, fp-, resp-).
	ID string
	// Text is the step in Markdown (one paragraph).
	Text string
	// Details are sub-points folded into the step (nested bullets of a
	// rule note, or extra lines of a content file).
	Details []string
	// Action, when set, is what the console runs to answer the step.
	Action *Action
	// Only limits the item to these detector ids; empty means every
	// detector of the playbook.
	Only []string
}

// Section is one of the three lists of a playbook.
type Section struct {
	Kind  SectionKind
	Items []Item
}

// Playbook is the checklist of one detector or family.
type Playbook struct {
	// ID names the playbook: the content file's id ("appsensor-login"),
	// or "note:<rule id>" for one parsed from a rule note.
	ID string
	// DetectorID is set by For to the detector asked for; items limited
	// to other members of the family are left out.
	DetectorID string
	// Title names what the playbook is about.
	Title string
	// About says in a few sentences what the detector saw and why it
	// matters. Markdown.
	About string
	// Detectors are the ids the playbook covers.
	Detectors []string
	// Sections are Investigation, False positive analysis and Response
	// and remediation, always in that order and always all three (an
	// unparsed note leaves them empty).
	Sections []Section
	// Guide is the original investigation guide of a rule note, kept
	// whole; it is what the console shows when the note's layout could
	// not be parsed.
	Guide string
	// Parsed is false for a note whose three lists could not be found.
	Parsed bool
	// NoGuide says the rule has no note at all: Guide then says so, and
	// nothing is said about its layout.
	NoGuide bool
}

// Section returns the section of kind k (empty if absent).
func (p Playbook) Section(k SectionKind) Section {
	for _, s := range p.Sections {
		if s.Kind == k {
			return s
		}
	}
	return Section{Kind: k}
}

// Items returns every item of every section in display order.
func (p Playbook) Items() []Item {
	var out []Item
	for _, s := range p.Sections {
		out = append(out, s.Items...)
	}
	return out
}

// Item returns the item with the given id.
func (p Playbook) Item(id string) (Item, bool) {
	for _, s := range p.Sections {
		for _, it := range s.Items {
			if it.ID == id {
				return it, true
			}
		}
	}
	return Item{}, false
}

// forDetector returns a copy of p narrowed to detector id.
func (p Playbook) forDetector(id string) Playbook {
	out := p
	out.DetectorID = id
	out.Sections = make([]Section, len(p.Sections))
	for i, s := range p.Sections {
		out.Sections[i] = Section{Kind: s.Kind}
		for _, it := range s.Items {
			if len(it.Only) == 0 || slices.Contains(it.Only, id) {
				out.Sections[i].Items = append(out.Sections[i].Items, it)
			}
		}
	}
	return out
}

//go:embed content/*.toml
var contentFS embed.FS

var (
	loadOnce   sync.Once
	loaded     []Playbook
	byDetector map[string]int
	loadErr    error
)

func load() {
	loaded, loadErr = parseContent(contentFS, "content")
	byDetector = make(map[string]int)
	for i, p := range loaded {
		for _, d := range p.Detectors {
			if _, dup := byDetector[d]; dup && loadErr == nil {
				loadErr = fmt.Errorf("playbooks: detector %s is in two playbooks", d)
			}
			byDetector[d] = i
		}
	}
}

// Err reports a broken content file (tests assert it is nil; For and All
// skip what could not be read).
func Err() error {
	loadOnce.Do(load)
	return loadErr
}

// For returns the playbook of a detector, narrowed to the items that apply
// to it. The bool is false when Picket has no playbook for the id.
func For(detectorID string) (Playbook, bool) {
	loadOnce.Do(load)
	i, ok := byDetector[detectorID]
	if !ok {
		return Playbook{}, false
	}
	return loaded[i].forDetector(detectorID), true
}

// All returns every embedded playbook (whole families, not narrowed),
// sorted by id.
func All() []Playbook {
	loadOnce.Do(load)
	out := make([]Playbook, len(loaded))
	copy(out, loaded)
	return out
}

// Detectors returns every detector id that has a playbook, sorted.
func Detectors() []string {
	loadOnce.Do(load)
	out := make([]string, 0, len(byDetector))
	for id := range byDetector {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// fileItem and file are the TOML shape of a content file.
type fileItem struct {
	ID      string   `toml:"id"`
	Text    string   `toml:"text"`
	Details []string `toml:"details"`
	Action  string   `toml:"action"`
	Only    []string `toml:"only"`
}

type file struct {
	ID             string     `toml:"id"`
	Title          string     `toml:"title"`
	About          string     `toml:"about"`
	Detectors      []string   `toml:"detectors"`
	Investigation  []fileItem `toml:"investigation"`
	FalsePositives []fileItem `toml:"false_positives"`
	Response       []fileItem `toml:"response"`
}

var prefixes = map[SectionKind]string{Investigation: "inv-", FalsePositives: "fp-", Response: "resp-"}

// parseContent reads every *.toml under dir.
func parseContent(fsys fs.FS, dir string) ([]Playbook, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("playbooks: %w", err)
	}
	var out []Playbook
	var errs []string
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".toml" {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		p, err := parseFile(b)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", e.Name(), err))
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if len(errs) > 0 {
		return out, fmt.Errorf("playbooks: %s", strings.Join(errs, "; "))
	}
	return out, nil
}

func parseFile(b []byte) (Playbook, error) {
	var f file
	md, err := toml.Decode(string(b), &f)
	if err != nil {
		return Playbook{}, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		return Playbook{}, fmt.Errorf("unknown keys %v", und)
	}
	if f.ID == "" || f.Title == "" || len(f.Detectors) == 0 {
		return Playbook{}, fmt.Errorf("id, title and detectors are required")
	}
	p := Playbook{ID: f.ID, Title: f.Title, About: strings.TrimSpace(f.About), Detectors: f.Detectors, Parsed: true}
	seen := map[string]bool{}
	for _, sec := range []struct {
		kind  SectionKind
		items []fileItem
	}{{Investigation, f.Investigation}, {FalsePositives, f.FalsePositives}, {Response, f.Response}} {
		s := Section{Kind: sec.kind}
		for _, fi := range sec.items {
			id := prefixes[sec.kind] + fi.ID
			if fi.ID == "" || seen[id] {
				return Playbook{}, fmt.Errorf("%s item %q: ids must be present and unique", sec.kind, fi.ID)
			}
			seen[id] = true
			for _, o := range fi.Only {
				if !slices.Contains(f.Detectors, o) {
					return Playbook{}, fmt.Errorf("item %s: only names %s, which is not in detectors", id, o)
				}
			}
			it := Item{ID: id, Text: strings.TrimSpace(fi.Text), Details: fi.Details, Only: fi.Only}
			if it.Text == "" {
				return Playbook{}, fmt.Errorf("item %s has no text", id)
			}
			if fi.Action != "" {
				a, err := ParseAction(fi.Action)
				if err != nil {
					return Playbook{}, fmt.Errorf("item %s: %w", id, err)
				}
				it.Action = &a
			}
			s.Items = append(s.Items, it)
		}
		p.Sections = append(p.Sections, s)
	}
	return p, nil
}

// Markdown renders the playbook as a Markdown checklist: a title, the
// about text, then the three sections with one "- [ ]" line per item, its
// details indented below and its action as a code span.
func (p Playbook) Markdown() string {
	var b strings.Builder
	title := p.Title
	if title == "" {
		title = p.ID
	}
	fmt.Fprintf(&b, "# %s\n\n", oneLine(title))
	if p.DetectorID != "" {
		fmt.Fprintf(&b, "Detector: `%s`\n\n", codeSafe(p.DetectorID))
	} else if len(p.Detectors) > 0 {
		ids := make([]string, len(p.Detectors))
		for i, d := range p.Detectors {
			ids[i] = "`" + codeSafe(d) + "`"
		}
		fmt.Fprintf(&b, "Detectors: %s\n\n", strings.Join(ids, ", "))
	}
	if p.About != "" {
		b.WriteString(p.About)
		b.WriteString("\n\n")
	}
	if !p.Parsed {
		if !p.NoGuide {
			b.WriteString("_The investigation guide does not use the usual three lists; it is shown as written._\n\n")
		}
		b.WriteString(strings.TrimSpace(p.Guide))
		b.WriteString("\n")
		return b.String()
	}
	for i, s := range p.Sections {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "## %s\n\n", s.Kind.Heading())
		if len(s.Items) == 0 {
			b.WriteString("_No steps._\n")
		}
		for _, it := range s.Items {
			fmt.Fprintf(&b, "- [ ] %s\n", indentLines(it.Text, "      "))
			for _, d := range it.Details {
				fmt.Fprintf(&b, "  - %s\n", indentLines(d, "    "))
			}
			if it.Action != nil {
				fmt.Fprintf(&b, "  - action: `%s`\n", codeSafe(it.Action.String()))
			}
		}
	}
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func indentLines(s, indent string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n"+indent)
}

// codeSafe keeps a code span from being closed early.
func codeSafe(s string) string { return strings.ReplaceAll(oneLine(s), "`", "'") }
