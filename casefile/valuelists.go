package casefile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"picket/triage"
)

// ValueList describes a stored Elastic value list.
type ValueList struct {
	ID         string // Kibana's list id, as exception entries name it
	Type       string // triage.ListIP, ListIPRange or ListKeyword
	Name       string
	Source     string // the file it was imported from
	ImportedBy string
	ImportedAt time.Time
	Count      int // values stored
}

// ErrListType is returned when values are imported into a list of another type.
var ErrListType = errors.New("list exists with another type")

// ImportValueList stores values (already checked, trimmed) in list l,
// creating it. With replace, the list's earlier values are dropped first
// (the file is the list); without, they are kept and the new ones added,
// as Kibana's import into an existing list does. Duplicates are stored
// once. It returns the list's count of values afterwards.
func (s *Store) ImportValueList(ctx context.Context, l ValueList, values []string, replace bool) (int, error) {
	if l.ID == "" {
		return 0, errors.New("casefile: import value list: no list id")
	}
	for _, v := range values {
		if err := triage.ParseListValue(l.Type, v); err != nil {
			return 0, fmt.Errorf("casefile: import value list %s: %w", l.ID, err)
		}
	}
	if l.ImportedBy == "" {
		l.ImportedBy = LocalUser()
	}
	var n int
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var typ string
		switch err := tx.QueryRowContext(ctx, `SELECT type FROM value_lists WHERE id = ?`, l.ID).Scan(&typ); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case typ != l.Type:
			return fmt.Errorf("%w: %s is %s, not %s (remove it first: picket lists remove %s)", ErrListType, l.ID, typ, l.Type, l.ID)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO value_lists (id, type, name, source, imported_by, imported_at) VALUES (?, ?, ?, ?, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET name = excluded.name, source = excluded.source,
			   imported_by = excluded.imported_by, imported_at = excluded.imported_at`,
			l.ID, l.Type, l.Name, l.Source, l.ImportedBy, orNow(l.ImportedAt)); err != nil {
			return err
		}
		if replace {
			if _, err := tx.ExecContext(ctx, `DELETE FROM value_list_items WHERE list_id = ?`, l.ID); err != nil {
				return err
			}
		}
		ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO value_list_items (list_id, value) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, v := range values {
			if _, err := ins.ExecContext(ctx, l.ID, v); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM value_list_items WHERE list_id = ?`, l.ID).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("casefile: import value list %s: %w", l.ID, dbErr(err))
	}
	return n, nil
}

// ValueListInfos describes every stored value list, by id.
func (s *Store) ValueListInfos(ctx context.Context) ([]ValueList, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT l.id, l.type, l.name, l.source, l.imported_by, l.imported_at,
		        (SELECT count(*) FROM value_list_items i WHERE i.list_id = l.id)
		 FROM value_lists l ORDER BY l.id`)
	if err != nil {
		return nil, fmt.Errorf("casefile: value lists: %w", dbErr(err))
	}
	defer rows.Close()
	var out []ValueList
	for rows.Next() {
		var l ValueList
		var at int64
		if err := rows.Scan(&l.ID, &l.Type, &l.Name, &l.Source, &l.ImportedBy, &at, &l.Count); err != nil {
			return nil, fmt.Errorf("casefile: value lists: %w", err)
		}
		l.ImportedAt = fromMillis(at)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: value lists: %w", dbErr(err))
	}
	return out, nil
}

// ValueListValues returns the values of list id, sorted; ErrNotFound when
// there is no such list.
func (s *Store) ValueListValues(ctx context.Context, id string) ([]string, error) {
	var typ string
	if err := s.reader.QueryRowContext(ctx, `SELECT type FROM value_lists WHERE id = ?`, id).Scan(&typ); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("casefile: value list %s: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("casefile: value list %s: %w", id, dbErr(err))
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT value FROM value_list_items WHERE list_id = ? ORDER BY value`, id)
	if err != nil {
		return nil, fmt.Errorf("casefile: value list %s: %w", id, dbErr(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("casefile: value list %s: %w", id, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: value list %s: %w", id, dbErr(err))
	}
	return out, nil
}

// ValueLists compiles every stored list for the Suppressor
// (triage.WithValueLists).
func (s *Store) ValueLists(ctx context.Context) (triage.ValueLists, error) {
	infos, err := s.ValueListInfos(ctx)
	if err != nil {
		return nil, err
	}
	out := make(triage.ValueLists, len(infos))
	for _, info := range infos {
		vals, err := s.ValueListValues(ctx, info.ID)
		if err != nil {
			return nil, err
		}
		l, err := triage.NewValueList(info.ID, info.Type, vals)
		if err != nil {
			return nil, fmt.Errorf("casefile: %w", err)
		}
		out[info.ID] = l
	}
	return out, nil
}

// DeleteValueList removes list id and its values.
func (s *Store) DeleteValueList(ctx context.Context, id string) error {
	if err := s.deleteRow(ctx, `DELETE FROM value_lists WHERE id = ?`, id); err != nil {
		return fmt.Errorf("casefile: delete value list %s: %w", id, err)
	}
	return nil
}
