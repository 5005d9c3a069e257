package casefile

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"picket/triage"
)

// DefaultListID is the Kibana list_id given to exceptions made in Picket.
const DefaultListID = "picket-exceptions"

// ExceptionFilter selects exceptions; the zero value selects all of them,
// expired ones included.
type ExceptionFilter struct {
	// ActiveAt, when set, leaves out exceptions expired at that time.
	ActiveAt time.Time
	// Detector, when set, keeps exceptions for that detector or for all.
	Detector string
	// CaseID, when set, keeps exceptions raised from that case.
	CaseID int64
	// ListID, when set, keeps exceptions of that Kibana list.
	ListID string
}

// newItemID returns a random Kibana item_id for an exception made here.
func newItemID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "picket-" + hex.EncodeToString(b[:])
}

// AddException stores one exception and returns its id; see AddExceptions.
func (s *Store) AddException(ctx context.Context, x triage.Exception) (int64, error) {
	ids, err := s.AddExceptions(ctx, []triage.Exception{x})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// AddExceptions stores exceptions in one transaction and returns their
// ids. Missing fields get defaults: detector "*", list DefaultListID, a
// fresh item id, namespace "single", author the local user, created now.
// An exception whose list and item id are already stored replaces it, so
// importing the same Kibana file twice updates rather than duplicates.
func (s *Store) AddExceptions(ctx context.Context, xs []triage.Exception) ([]int64, error) {
	ids := make([]int64, 0, len(xs))
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		for i := range xs {
			id, err := addExceptionTx(ctx, tx, xs[i])
			if err != nil {
				return fmt.Errorf("exception %d (%s): %w", i+1, xs[i].Name, err)
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("casefile: add exceptions: %w", err)
	}
	return ids, nil
}

// addExceptionTx stores one exception inside tx (see AddExceptions).
func addExceptionTx(ctx context.Context, tx *sql.Tx, x triage.Exception) (int64, error) {
	if err := x.Validate(); err != nil {
		return 0, err
	}
	if x.Detector == "" {
		x.Detector = triage.AllDetectors
	}
	if x.ListID == "" {
		x.ListID = DefaultListID
	}
	if x.ItemID == "" {
		x.ItemID = newItemID()
	}
	if x.Namespace == "" {
		x.Namespace = "single"
	}
	if x.Author == "" {
		x.Author = LocalUser()
	}
	created := orNow(x.Created)
	var expires any
	if !x.Expires.IsZero() {
		if x.Expires.UnixMilli() <= created {
			return 0, fmt.Errorf("expires (%s) before it was created", x.Expires.UTC().Format(time.RFC3339))
		}
		expires = x.Expires.UnixMilli()
	}
	entries, err := json.Marshal(x.Entries)
	if err != nil {
		return 0, err
	}
	tags, _ := json.Marshal(nonNil(x.Tags))
	comments, _ := json.Marshal(nonNil(x.Comments))
	var caseID any
	if x.CaseID != 0 {
		caseID = x.CaseID
	}
	var id int64
	err = tx.QueryRowContext(ctx,
		`INSERT INTO exceptions (detector_id, entries, reason, created_by, created_at, expires_at,
		   item_id, list_id, name, namespace_type, tags, comments, case_id)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (list_id, item_id) WHERE item_id <> '' DO UPDATE SET
		   detector_id = excluded.detector_id, entries = excluded.entries, reason = excluded.reason,
		   created_by = excluded.created_by, created_at = excluded.created_at, expires_at = excluded.expires_at,
		   name = excluded.name, namespace_type = excluded.namespace_type, tags = excluded.tags,
		   comments = excluded.comments, case_id = coalesce(excluded.case_id, case_id)
		 RETURNING id`,
		x.Detector, string(entries), x.Reason, x.Author, created, expires,
		x.ItemID, x.ListID, x.Name, x.Namespace, string(tags), string(comments), caseID).Scan(&id)
	if err != nil {
		return 0, err
	}
	if x.CaseID != 0 {
		detail := fmt.Sprintf("exception %q on %s: %s", x.Name, x.Detector, triage.ExceptionSummary(x.Entries))
		if err := touch(ctx, tx, x.CaseID, x.Author, "exception", detail); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Exceptions returns the stored exceptions f selects, oldest first.
func (s *Store) Exceptions(ctx context.Context, f ExceptionFilter) ([]triage.Exception, error) {
	q := `SELECT id, detector_id, entries, reason, created_by, created_at, coalesce(expires_at, 0),
	             item_id, list_id, name, namespace_type, tags, comments, coalesce(case_id, 0)
	      FROM exceptions`
	var where []string
	var args []any
	if !f.ActiveAt.IsZero() {
		where = append(where, "(expires_at IS NULL OR expires_at > ?)")
		args = append(args, f.ActiveAt.UnixMilli())
	}
	if f.Detector != "" {
		where = append(where, "detector_id IN (?, '*')")
		args = append(args, f.Detector)
	}
	if f.CaseID != 0 {
		where = append(where, "case_id = ?")
		args = append(args, f.CaseID)
	}
	if f.ListID != "" {
		where = append(where, "list_id = ?")
		args = append(args, f.ListID)
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at, id"
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("casefile: exceptions: %w", dbErr(err))
	}
	defer rows.Close()
	var out []triage.Exception
	for rows.Next() {
		var x triage.Exception
		var entries, tags, comments string
		var created, expires int64
		if err := rows.Scan(&x.ID, &x.Detector, &entries, &x.Reason, &x.Author, &created, &expires,
			&x.ItemID, &x.ListID, &x.Name, &x.Namespace, &tags, &comments, &x.CaseID); err != nil {
			return nil, fmt.Errorf("casefile: exceptions: %w", err)
		}
		if err := json.Unmarshal([]byte(entries), &x.Entries); err != nil {
			return nil, fmt.Errorf("casefile: exception %d: entries: %w", x.ID, err)
		}
		if err := json.Unmarshal([]byte(tags), &x.Tags); err != nil {
			return nil, fmt.Errorf("casefile: exception %d: tags: %w", x.ID, err)
		}
		if err := json.Unmarshal([]byte(comments), &x.Comments); err != nil {
			return nil, fmt.Errorf("casefile: exception %d: comments: %w", x.ID, err)
		}
		x.Created = fromMillis(created)
		if expires != 0 {
			x.Expires = fromMillis(expires)
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: exceptions: %w", dbErr(err))
	}
	return out, nil
}

// DeleteException removes exception id.
func (s *Store) DeleteException(ctx context.Context, id int64) error {
	if err := s.deleteRow(ctx, `DELETE FROM exceptions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("casefile: delete exception %d: %w", id, err)
	}
	return nil
}

// DeleteEntries removes exceptions xIDs and allowlist entries aIDs in one
// transaction: when any id matches nothing, nothing is removed and the
// error (ErrNotFound) names that id.
func (s *Store) DeleteEntries(ctx context.Context, xIDs, aIDs []int64) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		for _, d := range []struct {
			table, what string
			ids         []int64
		}{{"exceptions", "exception", xIDs}, {"allowlists", "allowlist entry", aIDs}} {
			for _, id := range d.ids {
				res, err := tx.ExecContext(ctx, `DELETE FROM `+d.table+` WHERE id = ?`, id)
				if err != nil {
					return fmt.Errorf("casefile: delete %s %d: %w", d.what, id, dbErr(err))
				}
				if n, _ := res.RowsAffected(); n == 0 {
					return fmt.Errorf("casefile: delete %s %d: %w", d.what, id, ErrNotFound)
				}
			}
		}
		return nil
	})
}

// deleteRow runs a DELETE of one row in a transaction: ErrNotFound when
// it deleted nothing.
func (s *Store) deleteRow(ctx context.Context, query string, arg any) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, arg)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// AddAllowEntry stores an allowlist entry (replacing one with the same
// kind, value and detector) and returns its id. A single address given as
// kind cidr, or a network given as kind ip, is stored under the right kind.
func (s *Store) AddAllowEntry(ctx context.Context, a triage.AllowEntry) (int64, error) {
	if err := a.Validate(); err != nil {
		return 0, fmt.Errorf("casefile: add allowlist entry: %w", err)
	}
	var id int64
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = addAllowTx(ctx, tx, a)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("casefile: add allowlist entry %s %s: %w", a.Kind, a.Value, err)
	}
	return id, nil
}

// addAllowTx stores a validated allowlist entry inside tx (see
// AddAllowEntry).
func addAllowTx(ctx context.Context, tx *sql.Tx, a triage.AllowEntry) (int64, error) {
	if a.Kind == triage.AllowIP || a.Kind == triage.AllowCIDR {
		a.Kind = triage.AllowIP
		if strings.Contains(a.Value, "/") {
			a.Kind = triage.AllowCIDR
		}
	}
	if a.Detector == "" {
		a.Detector = triage.AllDetectors
	}
	if a.Author == "" {
		a.Author = LocalUser()
	}
	var expires any
	if !a.Expires.IsZero() {
		expires = a.Expires.UnixMilli()
	}
	var id int64
	err := tx.QueryRowContext(ctx,
		`INSERT INTO allowlists (kind, value, detector_id, reason, created_by, created_at, expires_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (kind, value, detector_id) DO UPDATE SET
		   reason = excluded.reason, created_by = excluded.created_by,
		   created_at = excluded.created_at, expires_at = excluded.expires_at
		 RETURNING id`,
		a.Kind, a.Value, a.Detector, a.Reason, a.Author, orNow(a.Created), expires).Scan(&id)
	return id, err
}

// Allowlist returns the stored allowlist entries, by kind then value. With
// a non-zero activeAt, entries expired at that time are left out.
func (s *Store) Allowlist(ctx context.Context, activeAt time.Time) ([]triage.AllowEntry, error) {
	q := `SELECT id, kind, value, detector_id, reason, created_by, created_at, coalesce(expires_at, 0) FROM allowlists`
	var args []any
	if !activeAt.IsZero() {
		q += ` WHERE expires_at IS NULL OR expires_at > ?`
		args = append(args, activeAt.UnixMilli())
	}
	q += ` ORDER BY kind, value, detector_id`
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("casefile: allowlist: %w", dbErr(err))
	}
	defer rows.Close()
	var out []triage.AllowEntry
	for rows.Next() {
		var a triage.AllowEntry
		var created, expires int64
		if err := rows.Scan(&a.ID, &a.Kind, &a.Value, &a.Detector, &a.Reason, &a.Author, &created, &expires); err != nil {
			return nil, fmt.Errorf("casefile: allowlist: %w", err)
		}
		a.Created = fromMillis(created)
		if expires != 0 {
			a.Expires = fromMillis(expires)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: allowlist: %w", dbErr(err))
	}
	return out, nil
}

// DeleteAllowEntry removes allowlist entry id.
func (s *Store) DeleteAllowEntry(ctx context.Context, id int64) error {
	if err := s.deleteRow(ctx, `DELETE FROM allowlists WHERE id = ?`, id); err != nil {
		return fmt.Errorf("casefile: delete allowlist entry %d: %w", id, err)
	}
	return nil
}

// ExceptionList is a Kibana exception list container an import read.
type ExceptionList struct {
	ListID      string
	Namespace   string // "single" (default) or "agnostic"
	Name        string
	Description string
	Type        string // "detection" (default), "rule_default", "endpoint"
}

// AddExceptionLists records the containers of imported exception lists
// (replacing those of the same list_id and namespace).
func (s *Store) AddExceptionLists(ctx context.Context, ls []ExceptionList) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		for _, l := range ls {
			if l.ListID == "" {
				continue
			}
			ns, typ := l.Namespace, l.Type
			if ns == "" {
				ns = "single"
			}
			if typ == "" {
				typ = "detection"
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO exception_lists (list_id, namespace_type, name, description, type, imported_at)
				 VALUES (?, ?, ?, ?, ?, ?)
				 ON CONFLICT (list_id, namespace_type) DO UPDATE SET name = excluded.name,
				   description = excluded.description, type = excluded.type, imported_at = excluded.imported_at`,
				l.ListID, ns, l.Name, l.Description, typ, orNow(time.Time{})); err != nil {
				return fmt.Errorf("list %s: %w", l.ListID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("casefile: add exception lists: %w", err)
	}
	return nil
}

// HasExceptionList returns a function that says whether the case file
// holds an exception list: an imported container, or any exception (in
// force or expired) of that list_id and namespace. Rules' exceptions_list
// references to other lists are missing (triage.WithRuleLists).
func (s *Store) HasExceptionList(ctx context.Context) (func(triage.ExceptionListRef) bool, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT list_id, namespace_type FROM exception_lists
		 UNION SELECT list_id, namespace_type FROM exceptions WHERE list_id <> ''`)
	if err != nil {
		return nil, fmt.Errorf("casefile: exception lists: %w", dbErr(err))
	}
	defer rows.Close()
	have := map[[2]string]bool{}
	for rows.Next() {
		var id, ns string
		if err := rows.Scan(&id, &ns); err != nil {
			return nil, fmt.Errorf("casefile: exception lists: %w", err)
		}
		have[[2]string{ns, id}] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: exception lists: %w", dbErr(err))
	}
	return func(r triage.ExceptionListRef) bool {
		ns := r.Namespace
		if ns == "" {
			ns = "single"
		}
		return have[[2]string{ns, r.ListID}]
	}, nil
}
