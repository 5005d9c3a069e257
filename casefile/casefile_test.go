package casefile

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// openTest opens path with the embedded migrations and closes it at the end
// of the test.
func openTest(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawExec runs statements on path through a plain connection, bypassing
// Store, and closes it again.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// snapshot is everything Open must not change about a refused file.
type snapshot struct {
	data    []byte
	modTime time.Time
	mode    os.FileMode
	dir     []string
}

func takeSnapshot(t *testing.T, path string) snapshot {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return snapshot{data: data, modTime: fi.ModTime(), mode: fi.Mode(), dir: names}
}

func assertUntouched(t *testing.T, path string, before snapshot) {
	t.Helper()
	after := takeSnapshot(t, path)
	if !bytes.Equal(before.data, after.data) {
		t.Errorf("%s: contents changed (%d -> %d bytes)", path, len(before.data), len(after.data))
	}
	if !before.modTime.Equal(after.modTime) {
		t.Errorf("%s: mtime changed %v -> %v", path, before.modTime, after.modTime)
	}
	if before.mode != after.mode {
		t.Errorf("%s: mode changed %v -> %v", path, before.mode, after.mode)
	}
	if !slices.Equal(before.dir, after.dir) {
		t.Errorf("directory changed: %v -> %v", before.dir, after.dir)
	}
}

func embeddedLatest(t *testing.T) int {
	t.Helper()
	migs, err := loadMigrations(embeddedMigrations())
	if err != nil {
		t.Fatal(err)
	}
	return latest(migs)
}

func TestOpenFresh(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "state", "picket")
	path := filepath.Join(dir, "case file?#%.db") // URI-hostile name
	s := openTest(t, path)

	v, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := embeddedLatest(t); v != want || v < 1 {
		t.Errorf("SchemaVersion = %d, want %d", v, want)
	}

	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("parent dir: %v, mode %v, want 0700", err, fi.Mode().Perm())
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("case file: %v, mode %v, want 0600", err, fi.Mode().Perm())
	}

	pragmas := []struct {
		db   *sql.DB
		name string
		want string
	}{
		{s.reader, "application_id", fmt.Sprint(ApplicationID)},
		{s.reader, "journal_mode", "wal"},
		{s.reader, "foreign_keys", "1"},
		{s.reader, "query_only", "1"},
		{s.writer, "foreign_keys", "1"},
		{s.writer, "synchronous", "1"}, // NORMAL
		{s.writer, "busy_timeout", "5000"},
	}
	for _, p := range pragmas {
		var got string
		if err := p.db.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", p.name, err)
		}
		if got != p.want {
			t.Errorf("PRAGMA %s = %s, want %s", p.name, got, p.want)
		}
	}

	for _, table := range []string{"cases", "case_items", "notes", "checklist_state",
		"alert_status", "exceptions", "allowlists"} {
		var n int
		err := s.reader.QueryRowContext(ctx,
			"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("table %s: count %d, err %v", table, n, err)
		}
	}

	// The read pool must refuse writes.
	if _, err := s.reader.ExecContext(ctx, "DELETE FROM notes"); err == nil {
		t.Error("write through the read pool succeeded")
	}
}

func TestReopenIsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.db")
	want := embeddedLatest(t)
	for i := range 3 {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i, err)
		}
		if _, err := s.AddNote(ctx, Note{TargetKind: TargetFinding, TargetKey: "f1", Body: fmt.Sprint("note ", i)}); err != nil {
			t.Fatal(err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != want {
			t.Errorf("open #%d: version %d, %v; want %d", i, v, err, want)
		}
		notes, err := s.Notes(ctx, TargetFinding, "f1")
		if err != nil || len(notes) != i+1 {
			t.Errorf("open #%d: %d notes, %v; want %d", i, len(notes), err, i+1)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEmptyFilesAreInitialised(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
	}{
		{"zero-byte file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"SQLite file without tables", func(t *testing.T, path string) {
			rawExec(t, path, "CREATE TABLE tmp (x)", "DROP TABLE tmp")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "case.db")
			tt.setup(t, path)
			s := openTest(t, path)
			v, err := s.SchemaVersion(context.Background())
			if err != nil || v != embeddedLatest(t) {
				t.Errorf("version %d, %v", v, err)
			}
		})
	}
}

// fakeMigrations returns versions 1..n, each creating its own table and
// logging its version, so both order and completeness are visible.
func fakeMigrations(n int) fstest.MapFS {
	fsys := fstest.MapFS{"README.txt": {Data: []byte("not a migration")}}
	for v := 1; v <= n; v++ {
		sql := fmt.Sprintf("CREATE TABLE t%d (x); INSERT INTO log (v) VALUES (%d);", v, v)
		if v == 1 {
			sql = "CREATE TABLE log (seq INTEGER PRIMARY KEY, v INTEGER NOT NULL);\n" + sql
		}
		// Unpadded names: lexical order would run 10 before 2.
		fsys[fmt.Sprintf("%d_step.sql", v)] = &fstest.MapFile{Data: []byte(sql)}
	}
	return fsys
}

func fakeLog(t *testing.T, s *Store) []int {
	t.Helper()
	rows, err := s.reader.Query("SELECT v FROM log ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	return got
}

func TestMigrationsAppliedInOrder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.db")
	cfg := config{busyTimeout: time.Second}

	openFake := func(fsys fstest.MapFS) (*Store, error) {
		cfg.migrations = fsys
		return open(ctx, path, cfg)
	}

	// First open applies 1..10 in numeric order.
	s, err := openFake(fakeMigrations(10))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fakeLog(t, s), []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(got, want) {
		t.Errorf("log = %v, want %v", got, want)
	}
	if v, _ := s.SchemaVersion(ctx); v != 10 {
		t.Errorf("version = %d, want 10", v)
	}
	s.Close()

	// A later build with one more migration applies only that one.
	s, err = openFake(fakeMigrations(11))
	if err != nil {
		t.Fatal(err)
	}
	if got := fakeLog(t, s); len(got) != 11 || got[10] != 11 {
		t.Errorf("log = %v, want 1..11 once each", got)
	}
	s.Close()

	// A failing migration is rolled back as a whole and reported by name.
	bad := fakeMigrations(11)
	bad["12_bad.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE t12 (x); INSERT INTO no_such_table VALUES (1);")}
	_, err = openFake(bad)
	if err == nil || !strings.Contains(err.Error(), "12_bad.sql") || !strings.Contains(err.Error(), path) {
		t.Fatalf("bad migration: err = %v, want it to name 12_bad.sql and %s", err, path)
	}
	s, err = openFake(fakeMigrations(11))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(ctx); v != 11 {
		t.Errorf("version after failed migration = %d, want 11", v)
	}
	var n int
	s.reader.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 't12'").Scan(&n)
	if n != 0 {
		t.Error("table from the failed migration survived")
	}
}

func TestLoadMigrationsRejectsBadSets(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name string
		fsys fstest.MapFS
	}{
		{"gap", fstest.MapFS{"0001_a.sql": file(""), "0003_c.sql": file("")}},
		{"duplicate", fstest.MapFS{"0001_a.sql": file(""), "01_b.sql": file("")}},
		{"no number", fstest.MapFS{"init.sql": file("")}},
		{"zero", fstest.MapFS{"0000_a.sql": file("")}},
		{"missing first", fstest.MapFS{"0002_b.sql": file("")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if migs, err := loadMigrations(tt.fsys); err == nil {
				t.Errorf("loadMigrations accepted %v", migs)
			}
		})
	}
}

func TestRefusedFilesAreUntouched(t *testing.T) {
	random := make([]byte, 8192)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.UintN(256))
	}
	writeFile := func(data []byte) func(*testing.T, string) {
		return func(t *testing.T, path string) {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	sqliteFile := func(stmts ...string) func(*testing.T, string) {
		return func(t *testing.T, path string) { rawExec(t, path, stmts...) }
	}
	picketAt := func(version int) func(*testing.T, string) {
		return func(t *testing.T, path string) {
			s, err := Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			rawExec(t, path, fmt.Sprintf("PRAGMA user_version = %d", version))
		}
	}

	tests := []struct {
		name    string
		setup   func(*testing.T, string)
		wantErr error
		wantMsg []string
	}{
		{"text file", writeFile([]byte("alert_id,status\n1,open\n")), ErrNotPicket, []string{"not a SQLite database"}},
		{"short file", writeFile([]byte("SQLite")), ErrNotPicket, nil},
		{"random bytes", writeFile(random), ErrNotPicket, []string{"not a SQLite database"}},
		{"SQLite magic then garbage", writeFile(append([]byte("SQLite format 3\x00"), random...)), ErrNotPicket, nil},
		{"foreign schema", sqliteFile(
			"CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)",
			"INSERT INTO customers (name) VALUES ('acme')"), ErrNotPicket, []string{"1 schema objects"}},
		{"foreign schema with user_version", sqliteFile(
			"CREATE TABLE t (x)", "PRAGMA user_version = 7"), ErrNotPicket, []string{"user_version 7"}},
		{"foreign application_id, no tables", sqliteFile(
			"PRAGMA application_id = 42"), ErrNotPicket, []string{"0x2a"}},
		{"foreign WAL database", sqliteFile(
			"PRAGMA journal_mode = WAL", "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)"), ErrNotPicket, nil},
		{"Picket file from the future", picketAt(99), ErrTooNew, []string{"99", fmt.Sprintf("up to %d", embeddedLatest(t))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "case.db")
			tt.setup(t, path)
			before := takeSnapshot(t, path)

			// Writers and readers refuse it alike.
			for name, open := range map[string]func(context.Context, string) (*Store, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
				s, err := open(context.Background(), path)
				if err == nil {
					s.Close()
					t.Fatalf("%s succeeded", name)
				}
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("%s: err = %v, want %v", name, err, tt.wantErr)
				}
				for _, want := range append(tt.wantMsg, path) {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s: err = %q, want it to mention %q", name, err, want)
					}
				}
				assertUntouched(t, path, before)
			}
		})
	}
}

func TestConcurrentStores(t *testing.T) {
	const (
		writersPerStore = 4
		notesPerWriter  = 50
	)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.db")
	stores := []*Store{openTest(t, path), openTest(t, path)}

	var wg sync.WaitGroup
	errs := make(chan error, len(stores)*writersPerStore)
	for si, s := range stores {
		for w := range writersPerStore {
			wg.Go(func() {
				for i := range notesPerWriter {
					_, err := s.AddNote(ctx, Note{
						TargetKind: TargetGroup, TargetKey: "g",
						Body: fmt.Sprintf("store %d writer %d note %d", si, w, i),
					})
					if err != nil {
						errs <- err
						return
					}
					// Interleave reads with the writes of the other store.
					if _, err := s.Notes(ctx, TargetGroup, "g"); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	want := len(stores) * writersPerStore * notesPerWriter
	for i, s := range stores {
		notes, err := s.Notes(ctx, TargetGroup, "g")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, n := range notes {
			seen[n.Body] = true
		}
		if len(notes) != want || len(seen) != want {
			t.Errorf("store %d sees %d notes (%d distinct), want %d", i, len(notes), len(seen), want)
		}
	}
	var check string
	if err := stores[0].reader.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	var fkProblems int
	stores[0].reader.QueryRowContext(ctx, "SELECT count(*) FROM pragma_foreign_key_check").Scan(&fkProblems)
	if fkProblems != 0 {
		t.Errorf("foreign_key_check found %d problems", fkProblems)
	}
}

func TestLockedDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "case.db")
	cfg := config{migrations: embeddedMigrations(), busyTimeout: 200 * time.Millisecond}
	early, err := open(ctx, path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()

	// Another "process" takes the write lock and keeps it.
	other, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	if s, err := open(ctx, path, cfg); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
		if err == nil {
			s.Close()
		}
		t.Errorf("open while locked: err = %v, want ErrLocked naming the path", err)
	}
	if _, err := early.AddNote(ctx, Note{TargetKind: TargetCase, TargetKey: "c", Body: "x"}); !errors.Is(err, ErrLocked) {
		t.Errorf("AddNote while locked: err = %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("locked operations took %v; busy timeout not honoured", d)
	}
	// Readers are not blocked by a writer in WAL mode.
	if _, err := early.Notes(ctx, TargetCase, "c"); err != nil {
		t.Errorf("read while locked: %v", err)
	}

	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if _, err := early.AddNote(ctx, Note{TargetKind: TargetCase, TargetKey: "c", Body: "x"}); err != nil {
		t.Errorf("AddNote after unlock: %v", err)
	}
}
