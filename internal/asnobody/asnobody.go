// Package asnobody lets a test that needs file modes to bite run as an
// ordinary user even when the suite runs as root (as CI does), which
// ignores them. It is for tests only.
package asnobody

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// Rerun makes file modes bite. As an ordinary user it does nothing and
// returns false: chmod already stops the test's own writes. As root it
// runs the calling test again in a copy of the test binary as the user
// nobody, reports that run's failures, and returns true: the caller then
// returns at once. The copy runs in workDir under a fresh directory (""
// for the directory itself; "internal/cli" where a TestMain first
// changes to "../..").
func Rerun(t *testing.T, workDir string) bool {
	t.Helper()
	if os.Geteuid() != 0 {
		return false
	}
	if os.Getenv("PICKET_TEST_AS_NOBODY") != "" {
		t.Fatal("still root after dropping privileges")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The build directory is private to root; nobody runs a copy.
	dir, err := os.MkdirTemp("", "picket-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, filepath.Base(exe))
	CopyFile(t, exe, bin, 0o755)
	cwd := filepath.Join(dir, workDir)
	if err := os.MkdirAll(cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^"+t.Name()+"$", "-test.v")
	cmd.Dir = cwd
	cmd.Env = append(os.Environ(), "PICKET_TEST_AS_NOBODY=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	t.Logf("as nobody:\n%s", out)
	return true
}

// CopyFile copies from to to, created with mode.
func CopyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
