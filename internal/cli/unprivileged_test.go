package cli

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// unprivileged makes file modes bite (a copy of casefile's helper: test
// code cannot be shared between packages). As an ordinary user it does nothing
// and returns false: chmod already stops the test's own writes. As root,
// which ignores file modes, it runs the calling test again in a copy of
// the test binary as the user nobody, reports that run's failures, and
// returns true: the caller then returns at once.
func unprivileged(t *testing.T) bool {
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
	bin := filepath.Join(dir, "cli.test")
	copyFile(t, exe, bin, 0o755)
	// TestMain changes to ../.. first.
	cwd := filepath.Join(dir, "internal", "cli")
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

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
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
