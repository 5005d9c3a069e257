// Package cli is Picket's command line: the commands, their flags, the
// configuration (read once and turned into detector options once), output
// formats, and the wiring of sources, detectors, the case file and the
// console. The work itself happens in triage/, detectors/, ui/, casefile/
// and the packages beside them.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"picket/triage"
)

// exitInterrupted is the exit code after Ctrl-C or SIGTERM: 128 + SIGINT,
// as shells report an interrupted command.
const exitInterrupted = 130

// Run executes one command line and returns the process exit code:
// 0 success, 1 failure, 2 usage error, 130 interrupted. It reads and
// writes only what it is given, so tests run commands in-process.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	// Every line Picket prints may quote what attackers wrote: all of it
	// goes through one escaping writer, so no command can forget to.
	safeOut, safeErr := triage.NewTerminalWriter(stdout), triage.NewTerminalWriter(stderr)
	defer safeOut.Flush()
	defer safeErr.Flush()
	stdout, stderr = safeOut, safeErr
	root := newRootCmd(&env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv})
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// Ctrl-C or SIGTERM: what was found is already printed; exit as a
		// shell expects of an interrupted command.
		fmt.Fprintln(stderr, "picket: interrupted")
		return exitInterrupted
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
