package cli

import (
	"fmt"
	"os"
	"testing"
)

// TestMain runs the command tests from the repository root, where the
// README and the shared testdata/ live, so paths in their output
// ("testdata/sample.ndjson:7") read as a user at the root would see them.
func TestMain(m *testing.M) {
	if err := os.Chdir("../.."); err != nil {
		fmt.Fprintln(os.Stderr, "cli tests: cannot change to the repository root:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
