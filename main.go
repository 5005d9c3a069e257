// Command picket is a terminal triage console for SOC analysts: it re-runs
// Elastic and AppSensor detections locally over alerts and raw events,
// groups what it finds, and keeps the analyst's work in a local SQLite case
// file. Everything but signal handling lives in internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"picket/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
