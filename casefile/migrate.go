package casefile

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

func embeddedMigrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // cannot happen: the directory is embedded above
	}
	return sub
}

// migration is one NNNN_name.sql file.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the *.sql files at the root of fsys. Each name must
// start with its version number followed by '_'; versions must run 1, 2, 3…
// without gaps or duplicates. The result is sorted by version.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var migs []migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must look like 0001_name.sql", e.Name())
		}
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		migs = append(migs, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for i, m := range migs {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d (versions must be 1, 2, 3… without gaps or duplicates)", m.name, i+1)
		}
	}
	return migs, nil
}

// latest is the highest version in migs (sorted, gap-free).
func latest(migs []migration) int { return len(migs) }

// migrate applies every migration newer than the file's user_version, each
// in its own BEGIN IMMEDIATE transaction together with the new user_version.
// The version is re-read inside each transaction, so two processes opening
// the same new file at once cannot both apply a migration. Even when nothing
// is pending one empty write transaction runs, so a file locked by someone
// else is reported here rather than on the first write.
func (s *Store) migrate(ctx context.Context, migs []migration) error {
	for {
		done := false
		err := s.withTx(ctx, func(tx *sql.Tx) error {
			st, err := readState(ctx, tx)
			if err != nil {
				return err
			}
			if err := st.check(latest(migs)); err != nil {
				return err
			}
			if st.userVersion == latest(migs) {
				done = true
				return nil
			}
			m := migs[st.userVersion] // versions are 1..n, so this is userVersion+1
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			// Stamp the application id even if a migration forgot to, so a
			// file with user_version > 0 is always recognisable as Picket's.
			stamp := fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", m.version, ApplicationID)
			if _, err := tx.ExecContext(ctx, stamp); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if done {
			return nil
		}
	}
}
