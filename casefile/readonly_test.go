package casefile

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"picket/internal/asnobody"
)

// readOnlyFixture builds a case file in its own directory and makes it
// read-only the way the variant says; it returns the file's path.
type readOnlyFixture struct {
	name     string
	fileMode os.FileMode // mode of the case file and the log files kept
	dirMode  os.FileMode
	// log keeps the -wal (and, with shm, the -shm) of a file still open,
	// as a crash leaves them: the second case is only in the log.
	log, shm bool
}

func (f readOnlyFixture) build(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src.db")
	s, err := Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureCase(ctx, "192.0.2.1 curl", "first", "low"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cases")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "case.db")
	if f.log {
		if _, err := s.EnsureCase(ctx, "192.0.2.2 curl", "second", "low"); err != nil {
			t.Fatal(err)
		}
		asnobody.CopyFile(t, src, path, f.fileMode)
		asnobody.CopyFile(t, src+"-wal", path+"-wal", f.fileMode)
		if f.shm {
			asnobody.CopyFile(t, src+"-shm", path+"-shm", f.fileMode)
		}
		s.Close()
	} else {
		if _, err := s.EnsureCase(ctx, "192.0.2.2 curl", "second", "low"); err != nil {
			t.Fatal(err)
		}
		s.Close() // checkpoints: the file alone is the whole truth
		asnobody.CopyFile(t, src, path, f.fileMode)
	}
	if err := os.Chmod(dir, f.dirMode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	return path
}

// TestReadOnlyCaseFile: a case file that cannot be written (its mode, or
// its directory's) opens read-only and reads everything, its log
// included; writes fail with ErrReadOnly naming the file, and nothing on
// disk changes (issue 17, item 10).
func TestReadOnlyCaseFile(t *testing.T) {
	if asnobody.Rerun(t, "") {
		return
	}
	ctx := context.Background()
	for _, f := range []readOnlyFixture{
		{name: "file mode 0444", fileMode: 0o444, dirMode: 0o755},
		{name: "directory 0555", fileMode: 0o644, dirMode: 0o555},
		{name: "file and directory read-only", fileMode: 0o444, dirMode: 0o555},
		{name: "file 0444 with its log", fileMode: 0o444, dirMode: 0o755, log: true, shm: true},
		{name: "directory 0555 with a log left behind", fileMode: 0o444, dirMode: 0o555, log: true, shm: true},
	} {
		t.Run(f.name, func(t *testing.T) {
			path := f.build(t)
			before := takeSnapshot(t, path)

			s, err := OpenReadOnly(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := s.Cases(ctx, CaseFilter{})
			if err != nil || len(cs) != 2 {
				t.Errorf("read %d cases (%v), want 2", len(cs), err)
			}
			if _, err := s.Report(ctx, cs[len(cs)-1].ID); err != nil {
				t.Errorf("report: %v", err)
			}
			if _, err := s.AddNote(ctx, Note{TargetKind: TargetCase, TargetKey: "1", Body: "x", Author: "a"}); !errors.Is(err, ErrReadOnly) {
				t.Errorf("write through a read-only store: %v, want ErrReadOnly", err)
			}
			if err := s.Close(); err != nil {
				t.Error(err)
			}

			w, err := Open(ctx, path)
			if err == nil {
				w.Close()
				t.Fatal("opened for writing")
			}
			if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), path) {
				t.Errorf("open for writing: %v; want ErrReadOnly naming %s", err, path)
			}
			assertUntouched(t, path, before)
		})
	}

	// A log nobody can fold in and no shared-memory file to read it with:
	// refused with a message saying why, rather than read without it.
	t.Run("directory 0555, log without -shm", func(t *testing.T) {
		path := readOnlyFixture{fileMode: 0o444, dirMode: 0o555, log: true}.build(t)
		before := takeSnapshot(t, path)
		s, err := OpenReadOnly(ctx, path)
		if err == nil {
			s.Close()
			t.Fatal("opened without its log")
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "-wal") {
			t.Errorf("err = %v; want it to name the file and its -wal", err)
		}
		assertUntouched(t, path, before)
	})
}

// TestOpenReadOnlyOldSchema: a file written by an older Picket is brought
// up to date first when it can be written (as reading commands always
// did), and refused untouched, saying why, when it cannot.
func TestOpenReadOnlyOldSchema(t *testing.T) {
	if asnobody.Rerun(t, "") {
		return
	}
	ctx := context.Background()
	v1, err := fs.ReadFile(embeddedMigrations(), "0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	oldFile := func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "old.db")
		s, err := open(ctx, path, config{migrations: fstest.MapFS{"0001_init.sql": {Data: v1}}, busyTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		return path
	}

	path := oldFile(t)
	s, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != embeddedLatest(t) {
		t.Errorf("schema version %d (%v), want %d", v, err, embeddedLatest(t))
	}
	if _, err := s.Cases(ctx, CaseFilter{}); err != nil {
		t.Error(err)
	}
	s.Close()

	path = oldFile(t)
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, path)
	s, err = OpenReadOnly(ctx, path)
	if err == nil {
		s.Close()
		t.Fatal("read an old schema without upgrading it")
	}
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("err = %v", err)
	}
	assertUntouched(t, path, before)
}
