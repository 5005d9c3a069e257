package main

import (
	"context"
	"fmt"
	"sync"

	"picket/casefile"
	"picket/triage"
	"picket/triage/demo"
	"picket/triage/ndjson"
	"picket/ui"
)

type consoleOptions struct {
	files []string
	demo  bool
	keep  int
}

// runConsole opens the console. The case file is opened first; if it
// cannot be (locked, foreign, too new), the console still opens and says
// so, because reading findings must not depend on it.
func runConsole(ctx context.Context, e *env, cfg config, o consoleOptions) error {
	dets, err := selectDetectors(cfg, cfg.Detect.Only)
	if err != nil {
		return err
	}
	var (
		mu       sync.Mutex
		warnings []string
	)
	addWarning := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		if len(warnings) < 1000 {
			warnings = append(warnings, s)
		}
	}

	store, err := casefile.Open(ctx, cfg.DB)
	if err != nil {
		addWarning(fmt.Sprintf("case file unavailable, notes will not be saved: %v", err))
	} else {
		defer store.Close()
	}

	var src triage.Source
	if o.demo && len(o.files) == 0 {
		src = demo.New(demo.DefaultSeed)
	} else {
		if len(o.files) == 0 {
			return usageError{errNoInput}
		}
		src = ndjson.New(o.files, ndjson.Options{
			Warn:  func(where string, err error) { addWarning(where + ": " + err.Error()) },
			Stdin: e.stdin,
		})
	}
	title := src.Name()
	if o.demo && len(o.files) == 0 {
		title = "web shop, 14 days of APM and firewall events"
	}
	coll := triage.NewCollection(o.keep)
	eng := &triage.Engine{Detectors: dets}
	coll.Wire(eng)
	return ui.Run(ctx, ui.Options{
		Title:      title,
		Demo:       o.demo && len(o.files) == 0,
		Collection: coll,
		Start: func(ctx context.Context) error {
			_, err := eng.Run(ctx, src)
			return err
		},
		Warnings: func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), warnings...)
		},
	})
}
