//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A named pipe is read as a stream: the check of the inputs before the
// run must not open it (that took the writer's connection, and the read
// after waited for another or found nothing).
func TestDetectReadsANamedPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "events.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	data, err := os.ReadFile("testdata/sample.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.Write(data)
		f.Close()
	}()
	code, _, errOut := cli(t, "", "detect", "--db", filepath.Join(t.TempDir(), "c.db"), fifo)
	if code != 0 || !strings.Contains(errOut, "11 events from 1 file(s)") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}
