// Command picket is a terminal triage console for SOC analysts: it re-runs
// Elastic and AppSensor detections locally over alerts and raw events,
// groups what it finds by source IP and user agent, and keeps the
// analyst's work in a local SQLite case file.
//
// This file and its siblings only parse flags and configuration and wire
// the packages together; the work happens in triage/, detectors/, ui/ and
// casefile/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run executes one command line and returns the process exit code:
// 0 success, 1 failure, 2 usage error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	root := newRootCmd(&env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv})
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	// errors.Join puts one failure per line (several unreadable files):
	// give each its own prefix.
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(stderr, "picket: %s\n", line)
	}
	var ue usageError
	if errors.As(err, &ue) || isCobraUsageError(err) {
		return 2
	}
	return 1
}
