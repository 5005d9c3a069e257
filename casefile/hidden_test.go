package casefile

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

// burst raises one finding citing every event it sees.
type burst struct{ f triage.Finding }

func (b *burst) Info() triage.DetectorInfo {
	return triage.DetectorInfo{ID: "test:burst", Title: "burst"}
}
func (b *burst) Observe(ev *triage.Event, _ func(triage.Finding)) {
	b.f.SourceIP, b.f.UserAgent = ev.SourceIP, ev.UserAgent
	b.f.AddEvidence(ev)
}
func (b *burst) Flush(emit func(triage.Finding)) { emit(b.f) }

// TestSuppressionAgreesEverywhere is issue 15's case: a finding rests on
// events a (/a) and b (/b); one exception covers /a, another /b. picket
// detect (the engine), the console (judging its kept events) and the
// exports (judging the case's kept events) must all hide it, and must all
// show it when only one of the two exceptions exists. They all ask
// triage.Suppressor.
func TestSuppressionAgreesEverywhere(t *testing.T) {
	docs := []string{
		`{"event":{"id":"a"},"source":{"ip":"203.0.113.5"},"url":{"path":"/a"}}`,
		`{"event":{"id":"b"},"source":{"ip":"203.0.113.5"},"url":{"path":"/b"}}`,
	}
	exc := func(path string) triage.Exception {
		return triage.Exception{Name: "path " + path, Detector: "test:burst",
			Entries: []triage.ExceptionEntry{{Field: "url.path", Operator: triage.OpIncluded, Type: triage.EntryMatch, Value: path}}}
	}
	tests := []struct {
		name   string
		xs     []triage.Exception
		hidden bool
	}{
		{"a and b covered by two exceptions", []triage.Exception{exc("/a"), exc("/b")}, true},
		{"only a covered", []triage.Exception{exc("/a")}, false},
		{"neither", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var evs []*triage.Event
			for _, d := range docs {
				ev, err := triage.ParseEvent([]byte(d), "t")
				if err != nil {
					t.Fatal(err)
				}
				evs = append(evs, ev)
			}
			src := sliceSource(evs)

			// The engine, as picket detect runs it.
			eng := &triage.Engine{Detectors: []triage.Detector{&burst{}}, Exceptions: tt.xs}
			st, err := eng.Run(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			if engine := st.Suppressed == 1; engine != tt.hidden {
				t.Errorf("picket detect hides it: %v, want %v", engine, tt.hidden)
			}

			// The console: its engine runs without exceptions and judges
			// the kept events.
			coll := triage.NewCollection(0)
			all := &triage.Engine{Detectors: []triage.Detector{&burst{}}}
			coll.Wire(all)
			if _, err := all.Run(ctx, src); err != nil {
				t.Fatal(err)
			}
			f := coll.Findings()[0]
			sup := triage.NewSuppressor(tt.xs, nil, time.Now())
			if _, console := sup.Judge(&f, coll.Hits(sup)); console != tt.hidden {
				t.Errorf("the console hides it: %v, want %v", console, tt.hidden)
			}

			// The exports, from a case that kept the finding and its events.
			s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
			c, err := s.EnsureCase(ctx, triage.GroupKey{SourceIP: f.SourceIP}.String(), "case", "high")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.LinkFindings(ctx, c.ID, "t", []triage.Finding{f}); err != nil {
				t.Fatal(err)
			}
			if err := s.LinkEvents(ctx, c.ID, "t", evs...); err != nil {
				t.Fatal(err)
			}
			for _, x := range tt.xs {
				if _, err := s.AddException(ctx, x); err != nil {
					t.Fatal(err)
				}
			}
			r, err := s.Report(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if export := r.Findings[0].HiddenBy != ""; export != tt.hidden {
				t.Errorf("the export marks it hidden: %v (%q), want %v", export, r.Findings[0].HiddenBy, tt.hidden)
			}
			var md, js bytes.Buffer
			if err := WriteMarkdown(&md, []Report{r}, ExportOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&js, []Report{r}, ExportOptions{}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(md.String(), "Hidden now by: exceptions path /a; path /b"); got != tt.hidden {
				t.Errorf("Markdown says hidden: %v\n%s", got, md.String())
			}
			if got := strings.Contains(js.String(), `"hidden": {`); got != tt.hidden {
				t.Errorf("JSON says hidden: %v", got)
			}
		})
	}
}

type sliceSource []*triage.Event

func (s sliceSource) Name() string { return "test" }
func (s sliceSource) Events(ctx context.Context, fn func(*triage.Event) error) error {
	for _, ev := range s {
		cp := *ev // fresh per run: the engine numbers events
		if err := fn(&cp); err != nil {
			return err
		}
	}
	return nil
}
