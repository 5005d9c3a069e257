// Package casefile is Picket's local case file: a single SQLite database that
// keeps an analyst's notes, checklist ticks, alert workflow status,
// exceptions and allowlists between sessions.
//
// # Concurrency model
//
// A Store holds two connection pools to the same file. All writes go through
// a writer pool limited to exactly one connection, so inside one process
// writes are queued by database/sql rather than fighting over SQLite's lock.
// Reads use a separate small pool whose connections are query_only, so a
// read can never take the write lock by accident.
//
// The file runs in WAL (write-ahead log) mode: readers see a consistent
// snapshot and are never blocked by the writer, and the writer is never
// blocked by readers. Between processes (two Picket consoles on the same
// file) SQLite's file lock still allows only one writer at a time. Every
// write transaction starts with BEGIN IMMEDIATE, which takes the write lock
// up front instead of upgrading a read transaction half way through; that
// avoids the upgrade deadlock in which SQLite fails at once instead of
// waiting. While another process holds the lock, busy_timeout makes SQLite
// retry for a few seconds; if the lock is still held after that, the
// operation fails with an error matching [ErrLocked] instead of hanging.
// synchronous=NORMAL is durable across application crashes in WAL mode and
// only risks the last transactions on a power loss.
//
// # Safety
//
// Open refuses files that are not Picket case files ([ErrNotPicket]) and
// case files written by a newer Picket ([ErrTooNew]). Those checks run on a
// read-only connection before anything is written, so a refused file is left
// exactly as it was.
//
// # Read-only case files
//
// OpenReadOnly opens a file for reading only, so a case file that cannot
// be written (its mode, or its directory's) can still be listed and
// exported. When no -wal file lies beside it nobody has it open and the
// main file holds everything, so it is read as immutable: SQLite then
// creates no -wal or -shm file, which a read-only directory would not
// allow anyway. A file with a log is read with mode=ro, through its -shm
// file. A store opened this way refuses every write with [ErrReadOnly];
// Open on a file that cannot be written fails with ErrReadOnly too.
//
// The schema lives in migrations/NNNN_name.sql, embedded in the binary and
// tracked with PRAGMA user_version. Every timestamp column holds INTEGER unix
// milliseconds (UTC).
package casefile

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"
)

// ApplicationID is stored in the SQLite header (PRAGMA application_id) of
// every Picket case file: 0x5049434B, "PICK" in ASCII.
const ApplicationID = 0x5049434B

// ErrNotPicket reports a file that exists but is not a Picket case file.
// Open leaves such a file untouched.
var ErrNotPicket = errors.New("not a Picket case file")

// ErrTooNew reports a case file whose schema version is newer than this
// build of Picket understands. Open leaves such a file untouched.
var ErrTooNew = errors.New("case file was written by a newer Picket")

// ErrLocked reports that another connection or process held the write lock
// for longer than the busy timeout.
var ErrLocked = errors.New("case file is locked by another writer")

// ErrReadOnly reports a case file that cannot be written, because of its
// mode or its directory's, or a write through a Store from OpenReadOnly.
var ErrReadOnly = errors.New("case file is read-only (its mode or its directory's): it can be read, not changed")

// defaultBusyTimeout is how long SQLite retries a locked database.
const defaultBusyTimeout = 5 * time.Second

// readPoolSize is the number of read-only connections kept per Store.
const readPoolSize = 4

// sqliteMagic starts every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// SQLite primary result codes we map to sentinel errors.
const (
	sqliteBusy     = 5
	sqliteLocked   = 6
	sqliteReadOnly = 8
	sqliteCantOpen = 14
	sqliteNotADB   = 26
)

// Store is an open case file. It is safe for concurrent use by multiple
// goroutines.
type Store struct {
	path   string
	writer *sql.DB // exactly one connection, BEGIN IMMEDIATE; nil when read-only
	reader *sql.DB // query_only pool
}

// config holds what tests may swap out.
type config struct {
	migrations  fs.FS
	busyTimeout time.Duration
}

// Open opens the case file at path, creating it and its parent directory
// (mode 0700) if needed, and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, config{migrations: embeddedMigrations(), busyTimeout: defaultBusyTimeout})
}

func open(ctx context.Context, path string, cfg config) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}
	migs, err := loadMigrations(cfg.migrations)
	if err != nil {
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}
	// Inspect an existing file before anything can write to it.
	if _, err := preflight(ctx, abs, latest(migs), cfg.busyTimeout); err != nil {
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}
	// Create the file ourselves so it is private (0600) rather than
	// SQLite's default 0644; SQLite gives -wal and -shm the same mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if errors.Is(err, fs.ErrPermission) && exists(abs) {
		err = ErrReadOnly // the path is in the message already
	}
	if err != nil {
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}
	f.Close()

	busy := fmt.Sprintf("_pragma=busy_timeout(%d)", cfg.busyTimeout.Milliseconds())
	writer, err := sql.Open("sqlite", dsn(abs, busy,
		"_pragma=foreign_keys(1)",
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(NORMAL)",
		"_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	writer.SetConnMaxLifetime(0)
	s := &Store{path: path, writer: writer}
	if err := s.migrate(ctx, migs); err != nil {
		writer.Close()
		if errors.Is(err, ErrReadOnly) {
			err = ErrReadOnly // a directory we cannot write: say just that
		}
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}

	reader, err := sql.Open("sqlite", dsn(abs, busy,
		"_pragma=foreign_keys(1)",
		"_pragma=query_only(1)"))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(readPoolSize)
	reader.SetMaxIdleConns(readPoolSize)
	if err := reader.PingContext(ctx); err != nil {
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("casefile: open %s: %w", path, dbErr(err))
	}
	s.reader = reader
	return s, nil
}

// OpenReadOnly opens the existing case file at path for reading only; see
// "Read-only case files" above. Like Open it refuses foreign and newer
// files without touching them. A file written by an older Picket is
// brought up to date first, as Open would, when it can be written;
// otherwise it is refused with ErrReadOnly.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	return openReadOnly(ctx, path, config{migrations: embeddedMigrations(), busyTimeout: defaultBusyTimeout})
}

func openReadOnly(ctx context.Context, path string, cfg config) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}
	migs, err := loadMigrations(cfg.migrations)
	if err != nil {
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}
	st, err := preflight(ctx, abs, latest(migs), cfg.busyTimeout)
	if err != nil {
		return nil, fmt.Errorf("casefile: open %s: %w", path, logHint(abs, err))
	}
	if st.userVersion < latest(migs) {
		// This Picket's queries need the current schema.
		w, err := open(ctx, path, cfg)
		if err != nil {
			return nil, fmt.Errorf("casefile: open %s: schema version %d must be upgraded to %d before it can be read: %w",
				path, st.userVersion, latest(migs), err)
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
	}
	reader, err := sql.Open("sqlite", dsn(abs, readOnlyParams(abs, cfg.busyTimeout,
		"_pragma=foreign_keys(1)", "_pragma=query_only(1)")...))
	if err != nil {
		return nil, fmt.Errorf("casefile: open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(readPoolSize)
	reader.SetMaxIdleConns(readPoolSize)
	// Check again through the pool itself: the file may have changed
	// since preflight, and this is where a log that cannot be read shows.
	now, err := readState(ctx, reader)
	if err == nil {
		err = now.check(latest(migs))
	}
	if err == nil && now.userVersion != latest(migs) {
		err = fmt.Errorf("schema version %d changed while opening", now.userVersion)
	}
	if err != nil {
		reader.Close()
		return nil, fmt.Errorf("casefile: open %s: %w", path, logHint(abs, err))
	}
	return &Store{path: path, reader: reader}, nil
}

// logHint explains SQLite's "unable to open database file" when path has
// a log: reading it needs its -shm file, which only a writable directory
// lets SQLite create. Picket folds the log in the next time the file is
// opened with write access.
func logHint(path string, err error) error {
	if cantOpen(err) && exists(path+"-wal") {
		return fmt.Errorf("its write-ahead log (-wal) can only be read with the -shm file beside it or write access to the directory: %w", err)
	}
	return err
}

// readOnlyParams are the URI parameters of a read-only connection to
// path: immutable when no log or journal lies beside it (nobody has it
// open, so the main file is the whole truth and SQLite need create
// nothing), else mode=ro, which reads the log through its -shm file.
func readOnlyParams(path string, busy time.Duration, extra ...string) []string {
	params := []string{"mode=ro", fmt.Sprintf("_pragma=busy_timeout(%d)", busy.Milliseconds())}
	if !exists(path+"-wal") && !exists(path+"-journal") {
		params = append(params, "immutable=1")
	}
	return append(params, extra...)
}

// Close closes both connection pools. In WAL mode the last connection to
// close checkpoints the log back into the main file.
func (s *Store) Close() error {
	var errs []error
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	if s.writer != nil {
		errs = append(errs, s.writer.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("casefile: close %s: %w", s.path, err)
	}
	return nil
}

// SchemaVersion returns the schema version (PRAGMA user_version) of the
// open case file.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.reader.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("casefile: schema version: %w", dbErr(err))
	}
	return v, nil
}

// dsn builds a file: URI for path (which must be absolute) with the given
// query parameters. The path is percent-escaped so that '?', '#' and '%'
// in a file name cannot be mistaken for URI syntax.
func dsn(path string, params ...string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: strings.Join(params, "&")}
	return u.String()
}

// fileState is what the header of a SQLite file says about its owner.
type fileState struct {
	appID       int32
	userVersion int
	objects     int // rows in sqlite_schema
}

// check decides whether Picket may open (and migrate) a file in state st.
func (st fileState) check(maxVersion int) error {
	switch {
	case st.appID == ApplicationID && st.userVersion > maxVersion:
		return fmt.Errorf("%w: file has schema version %d, this Picket supports up to %d",
			ErrTooNew, st.userVersion, maxVersion)
	case st.appID == ApplicationID:
		return nil
	case st.appID == 0 && st.userVersion == 0 && st.objects == 0:
		return nil // an empty SQLite database: safe to adopt
	default:
		return fmt.Errorf("%w: SQLite database with application_id %#x, user_version %d and %d schema objects",
			ErrNotPicket, uint32(st.appID), st.userVersion, st.objects)
	}
}

// preflight inspects an existing non-empty file without writing to it: the
// 16-byte SQLite magic first, then application_id, user_version and the
// schema size through a read-only connection (immutable when no log lies
// beside it, see readOnlyParams). A missing or empty file passes with the
// zero state. migrate repeats the check inside its write transaction, so
// a file that changes in between is still caught.
func preflight(ctx context.Context, path string, maxVersion int, busy time.Duration) (fileState, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fileState{}, nil
	case err != nil:
		return fileState{}, err
	case fi.IsDir():
		return fileState{}, fmt.Errorf("%w: is a directory", ErrNotPicket)
	case fi.Size() == 0:
		return fileState{}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fileState{}, err
	}
	hdr := make([]byte, 100) // the SQLite database header
	_, err = io.ReadFull(f, hdr)
	f.Close()
	if errors.Is(err, io.ErrUnexpectedEOF) || (err == nil && !bytes.HasPrefix(hdr, sqliteMagic)) {
		return fileState{}, fmt.Errorf("%w: not a SQLite database", ErrNotPicket)
	}
	if err != nil {
		return fileState{}, err
	}
	db, err := sql.Open("sqlite", dsn(path, readOnlyParams(path, busy)...))
	if err != nil {
		return fileState{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return fileState{}, dbErr(err)
	}
	defer conn.Close()
	st, err := readState(ctx, conn)
	if err != nil {
		return st, err
	}
	return st, st.check(maxVersion)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// queryer is satisfied by *sql.Conn and *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func readState(ctx context.Context, q queryer) (fileState, error) {
	var st fileState
	if err := q.QueryRowContext(ctx, "PRAGMA application_id").Scan(&st.appID); err != nil {
		return st, dbErr(err)
	}
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&st.userVersion); err != nil {
		return st, dbErr(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&st.objects); err != nil {
		return st, dbErr(err)
	}
	return st, nil
}

// dbErr maps SQLite result codes to this package's sentinel errors, keeping
// the original error in the chain.
func dbErr(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqliteBusy, sqliteLocked:
		return fmt.Errorf("%w: %w", ErrLocked, err)
	case sqliteReadOnly:
		return fmt.Errorf("%w: %w", ErrReadOnly, err)
	case sqliteNotADB:
		return fmt.Errorf("%w: %w", ErrNotPicket, err)
	}
	return err
}

// cantOpen reports SQLite's "unable to open database file".
func cantOpen(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqliteCantOpen
}

// withTx runs fn in a write transaction (BEGIN IMMEDIATE via _txlock) and
// commits it if fn succeeds.
func (s *Store) withTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if s.writer == nil {
		return ErrReadOnly
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return dbErr(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return dbErr(err)
	}
	return dbErr(tx.Commit())
}
