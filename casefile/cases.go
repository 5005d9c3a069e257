package casefile

// Why this file is long: it is every statement on the cases table and the
// items linked to cases, kept beside each other so the transactions that
// touch several of them read in one place.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"slices"
	"strings"
	"time"

	"picket/triage"
	"picket/triage/useragent"
)

// ErrNotFound reports a case (or other record) that does not exist.
var ErrNotFound = errors.New("not found")

// Case severities (Case.Severity): Picket's finding severities plus info.
var caseSeverities = []string{"info", "low", "medium", "high", "critical"}

// Case item kinds (CaseItem.Kind).
const (
	ItemFinding = "finding"
	ItemAlert   = "alert"
	ItemGroup   = "group"
	ItemEvent   = "event"
)

// Observable kinds (Observable.Kind).
const (
	ObsIP        = "ip"
	ObsUserAgent = "user_agent"
	ObsUser      = "user"
	ObsURL       = "url"
	ObsSession   = "session"
	ObsDomain    = "domain"
)

// Case is the record of one piece of analyst work: normally one group
// (source address × user agent) that the analyst acted on. A group becomes
// a case the first time the analyst ticks an item, writes a note, changes a
// status or raises an exception for it; the console calls GroupCase then.
type Case struct {
	ID          int64
	Key         string // group key (triage.GroupKey.String()); "" for a case opened by hand
	Title       string
	Description string
	Status      string // StatusOpen, StatusAcknowledged or StatusClosed
	Severity    string // info, low, medium, high, critical
	Assignee    string // defaults to the local user name
	CreatedBy   string
	Created     time.Time
	Updated     time.Time
	// GroupBy is the chain the case's key was made under
	// ("source.ip,user_agent.original", "user.name", "campaign"); "" for
	// a case opened by hand.
	GroupBy string
}

// CaseItem is one thing linked to a case, with the snapshot kept of it.
type CaseItem struct {
	Kind    string          // ItemFinding, ItemAlert, ItemGroup or ItemEvent
	Key     string          // finding key (FindingKey), alert id, group key or event id
	Data    json.RawMessage // the finding as JSON, the event document, or {}
	Added   time.Time
	AddedBy string
}

// Observable is an indicator gathered from a case's evidence.
type Observable struct {
	Kind      string // ObsIP, ObsUserAgent, ObsUser, ObsURL, ObsSession, ObsDomain
	Value     string
	FirstSeen time.Time
}

// Activity is one entry of a case's timeline.
type Activity struct {
	At     time.Time
	Actor  string
	Kind   string // opened, status, assignee, severity, link, cut, note, checklist, exception
	Detail string
}

// CaseFilter selects cases; the zero value selects every case.
type CaseFilter struct {
	Status   []string // any of these statuses; empty: all
	Assignee string   // exact; empty: any
	Limit    int      // at most this many, most recently updated first; 0: no limit
}

// LocalUser is the default author and assignee: $PICKET_USER, else the
// operating system's user name, else $USER, else "analyst".
func LocalUser() string {
	if u := os.Getenv("PICKET_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "analyst"
}

// FindingKey is the stable key a finding is linked by: detector, start
// time and first evidence id.
func FindingKey(f triage.Finding) string {
	first := ""
	if len(f.Evidence) > 0 {
		first = f.Evidence[0].ID
	}
	return f.Detector + "@" + f.Timestamp.UTC().Format(time.RFC3339Nano) + "#" + first
}

// ValidStatus says whether s is a case status (open, acknowledged,
// closed): the one check of the case file and the CLI's --status.
func ValidStatus(s string) bool {
	return s == StatusOpen || s == StatusAcknowledged || s == StatusClosed
}

// EnsureCase returns the case for key, creating it (status open, assignee
// the local user) when there is none. An existing case keeps its title; its
// severity is raised, never lowered, to severity. A key that is a
// triage.GroupKey records the chain it was made under (Case.GroupBy).
func (s *Store) EnsureCase(ctx context.Context, key, title, severity string) (Case, error) {
	var id int64
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = ensureCaseTx(ctx, tx, key, title, severity)
		return err
	})
	if err != nil {
		return Case{}, fmt.Errorf("casefile: ensure case %s: %w", key, err)
	}
	return s.Case(ctx, id)
}

// groupByOf is the chain a case key was made under, "" when the key is
// not a group key.
func groupByOf(key string) string {
	k, err := triage.ParseGroupKey(key)
	if err != nil {
		return ""
	}
	return k.Fields().String()
}

// ensureCaseTx is EnsureCase inside tx.
func ensureCaseTx(ctx context.Context, tx *sql.Tx, key, title, severity string) (int64, error) {
	if key == "" {
		return 0, fmt.Errorf("empty key")
	}
	if !slices.Contains(caseSeverities, severity) {
		return 0, fmt.Errorf("unknown severity %q", severity)
	}
	if title == "" {
		title = key
	}
	me := LocalUser()
	var id int64
	var cur, by string
	err := tx.QueryRowContext(ctx, `SELECT id, severity, group_by FROM cases WHERE case_key = ?`, key).Scan(&id, &cur, &by)
	if errors.Is(err, sql.ErrNoRows) {
		now := stamp()
		res, err := tx.ExecContext(ctx,
			`INSERT INTO cases (case_key, title, status, severity, assignee, created_by, created_at, updated_at, group_by)
			 VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?)`, key, title, severity, me, me, now, now, groupByOf(key))
		if err != nil {
			return 0, err
		}
		if id, err = res.LastInsertId(); err != nil {
			return 0, err
		}
		return id, logActivity(ctx, tx, id, me, "opened", "case opened for "+key)
	}
	if err != nil {
		return 0, err
	}
	if by == "" {
		if by = groupByOf(key); by != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE cases SET group_by = ? WHERE id = ?`, by, id); err != nil {
				return 0, err
			}
		}
	}
	if slices.Index(caseSeverities, severity) > slices.Index(caseSeverities, cur) {
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET severity = ?, updated_at = ? WHERE id = ?`,
			severity, stamp(), id); err != nil {
			return 0, err
		}
		return id, logActivity(ctx, tx, id, me, "severity", cur+" → "+severity)
	}
	return id, nil
}

// NewCase opens a case that belongs to no group (key empty).
func (s *Store) NewCase(ctx context.Context, title, severity string) (Case, error) {
	if title == "" || !slices.Contains(caseSeverities, severity) {
		return Case{}, fmt.Errorf("casefile: new case: need a title and a known severity")
	}
	me := LocalUser()
	var id int64
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		now := stamp()
		res, err := tx.ExecContext(ctx,
			`INSERT INTO cases (title, status, severity, assignee, created_by, created_at, updated_at)
			 VALUES (?, 'open', ?, ?, ?, ?, ?)`, title, severity, me, me, now, now)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return logActivity(ctx, tx, id, me, "opened", "case opened")
	})
	if err != nil {
		return Case{}, fmt.Errorf("casefile: new case: %w", err)
	}
	return s.Case(ctx, id)
}

const caseCols = `id, coalesce(case_key, ''), title, description, status, severity, assignee, created_by, created_at, updated_at, group_by`

func scanCase(sc interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var created, updated int64
	err := sc.Scan(&c.ID, &c.Key, &c.Title, &c.Description, &c.Status, &c.Severity, &c.Assignee, &c.CreatedBy, &created, &updated, &c.GroupBy)
	c.Created, c.Updated = fromMillis(created), fromMillis(updated)
	return c, err
}

// Case returns case id; the error matches ErrNotFound when there is none.
func (s *Store) Case(ctx context.Context, id int64) (Case, error) {
	c, err := scanCase(s.reader.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, fmt.Errorf("casefile: case %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Case{}, fmt.Errorf("casefile: case %d: %w", id, dbErr(err))
	}
	return c, nil
}

// CaseByKey returns the case opened for a group key; the bool is false if
// there is none.
func (s *Store) CaseByKey(ctx context.Context, key string) (Case, bool, error) {
	c, err := scanCase(s.reader.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE case_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, false, nil
	}
	if err != nil {
		return Case{}, false, fmt.Errorf("casefile: case %s: %w", key, dbErr(err))
	}
	return c, true, nil
}

// Cases lists the cases f selects, most recently updated first.
func (s *Store) Cases(ctx context.Context, f CaseFilter) ([]Case, error) {
	q := `SELECT ` + caseCols + ` FROM cases`
	var where []string
	var args []any
	if len(f.Status) > 0 {
		for _, st := range f.Status {
			if !ValidStatus(st) {
				return nil, fmt.Errorf("casefile: cases: unknown status %q (want open, acknowledged or closed)", st)
			}
			args = append(args, st)
		}
		where = append(where, "status IN (?"+strings.Repeat(", ?", len(f.Status)-1)+")")
	}
	if f.Assignee != "" {
		where = append(where, "assignee = ?")
		args = append(args, f.Assignee)
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY updated_at DESC, id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("casefile: cases: %w", dbErr(err))
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("casefile: cases: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: cases: %w", dbErr(err))
	}
	return out, nil
}

// updateCase runs one UPDATE on case id and logs it; it fails with
// ErrNotFound when the case does not exist.
func (s *Store) updateCase(ctx context.Context, id int64, by, kind, detail, set string, args ...any) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		return updateCaseTx(ctx, tx, id, by, kind, detail, set, args...)
	})
}

// updateCaseTx is updateCase inside tx.
func updateCaseTx(ctx context.Context, tx *sql.Tx, id int64, by, kind, detail, set string, args ...any) error {
	res, err := tx.ExecContext(ctx, `UPDATE cases SET `+set+`, updated_at = ? WHERE id = ?`,
		append(args, stamp(), id)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return logActivity(ctx, tx, id, by, kind, detail)
}

// SetCaseStatus changes a case's workflow status.
func (s *Store) SetCaseStatus(ctx context.Context, id int64, status, by string) error {
	if !ValidStatus(status) {
		return fmt.Errorf("casefile: case %d: unknown status %q (want open, acknowledged or closed)", id, status)
	}
	if err := s.updateCase(ctx, id, by, "status", status, "status = ?", status); err != nil {
		return fmt.Errorf("casefile: set status of case %d: %w", id, err)
	}
	return nil
}

// SetCaseAssignee changes who works the case.
func (s *Store) SetCaseAssignee(ctx context.Context, id int64, assignee, by string) error {
	if err := s.updateCase(ctx, id, by, "assignee", assignee, "assignee = ?", assignee); err != nil {
		return fmt.Errorf("casefile: assign case %d: %w", id, err)
	}
	return nil
}

// SetCaseSeverity changes the case's severity.
func (s *Store) SetCaseSeverity(ctx context.Context, id int64, severity, by string) error {
	if !slices.Contains(caseSeverities, severity) {
		return fmt.Errorf("casefile: case %d: unknown severity %q", id, severity)
	}
	if err := s.updateCase(ctx, id, by, "severity", severity, "severity = ?", severity); err != nil {
		return fmt.Errorf("casefile: set severity of case %d: %w", id, err)
	}
	return nil
}

// SetCaseDescription replaces the case's summary (Markdown).
func (s *Store) SetCaseDescription(ctx context.Context, id int64, text, by string) error {
	if err := s.updateCase(ctx, id, by, "description", "summary edited", "description = ?", text); err != nil {
		return fmt.Errorf("casefile: describe case %d: %w", id, err)
	}
	return nil
}

// LinkFindings links findings to the case, keeping each as JSON, and adds
// their actors (address, user agent, user, session) as observables. A
// finding linked twice is kept once.
func (s *Store) LinkFindings(ctx context.Context, id int64, by string, fs []triage.Finding) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error { return linkFindingsTx(ctx, tx, id, by, fs) })
	if err != nil {
		return fmt.Errorf("casefile: link findings to case %d: %w", id, err)
	}
	return nil
}

// linkFindingsTx is LinkFindings inside tx.
func linkFindingsTx(ctx context.Context, tx *sql.Tx, id int64, by string, fs []triage.Finding) error {
	n := 0
	for _, f := range fs {
		data, err := json.Marshal(f)
		if err != nil {
			return err
		}
		added, err := linkItem(ctx, tx, id, ItemFinding, FindingKey(f), string(data), by)
		if err != nil {
			return err
		}
		n += added
		if f.SourceIP.IsValid() {
			if err := addObservable(ctx, tx, id, ObsIP, f.SourceIP.String(), f.Timestamp); err != nil {
				return err
			}
		}
		for kind, v := range map[string]string{ObsUserAgent: f.UserAgent, ObsUser: f.UserName, ObsSession: f.SessionID} {
			if err := addObservable(ctx, tx, id, kind, v, f.Timestamp); err != nil {
				return err
			}
		}
	}
	if n == 0 {
		return nil
	}
	return touch(ctx, tx, id, by, "link", fmt.Sprintf("%d finding(s) linked", n))
}

// LinkAlerts links alerts (Elastic alert ids or local ids) to the case.
func (s *Store) LinkAlerts(ctx context.Context, id int64, by string, alertIDs ...string) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		n := 0
		for _, a := range alertIDs {
			added, err := linkItem(ctx, tx, id, ItemAlert, a, "{}", by)
			if err != nil {
				return err
			}
			n += added
		}
		if n == 0 {
			return nil
		}
		return touch(ctx, tx, id, by, "link", fmt.Sprintf("%d alert(s) linked", n))
	})
	if err != nil {
		return fmt.Errorf("casefile: link alerts to case %d: %w", id, err)
	}
	return nil
}

// maxEventSnapshot caps the document kept for a linked event.
const maxEventSnapshot = 64 << 10

// LinkEvents links evidence events to the case, keeping their documents
// (when valid JSON and at most 64 KiB) and adding the URL, domain, address,
// user agent and user they carry as observables.
func (s *Store) LinkEvents(ctx context.Context, id int64, by string, evs ...*triage.Event) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		n := 0
		for _, ev := range evs {
			data := "{}"
			if len(ev.Raw) <= maxEventSnapshot && json.Valid(ev.Raw) {
				data = string(ev.Raw)
			}
			added, err := linkItem(ctx, tx, id, ItemEvent, ev.ID, data, by)
			if err != nil {
				return err
			}
			n += added
			for _, o := range eventObservables(ev) {
				if err := addObservable(ctx, tx, id, o.Kind, o.Value, ev.Timestamp); err != nil {
					return err
				}
			}
		}
		if n == 0 {
			return nil
		}
		return touch(ctx, tx, id, by, "link", fmt.Sprintf("%d event(s) linked", n))
	})
	if err != nil {
		return fmt.Errorf("casefile: link events to case %d: %w", id, err)
	}
	return nil
}

func eventObservables(ev *triage.Event) []Observable {
	var out []Observable
	if ev.SourceIP.IsValid() {
		out = append(out, Observable{Kind: ObsIP, Value: ev.SourceIP.String()})
	}
	out = append(out, Observable{Kind: ObsUserAgent, Value: ev.UserAgent}, Observable{Kind: ObsUser, Value: ev.UserName},
		Observable{Kind: ObsSession, Value: ev.SessionID})
	u := ev.URLFull()
	if u == "" {
		u = ev.URLOriginal
	}
	if u == "" && ev.URLPath != "" {
		u = ev.URLPath
		if ev.URLQuery != "" {
			u += "?" + ev.URLQuery
		}
	}
	out = append(out, Observable{Kind: ObsURL, Value: u})
	if pu, err := url.Parse(u); err == nil && pu.Hostname() != "" {
		out = append(out, Observable{Kind: ObsDomain, Value: pu.Hostname()})
	} else if h := ev.Headers.Host; h != "" {
		out = append(out, Observable{Kind: ObsDomain, Value: h})
	}
	return out
}

// AddObservable records an indicator on the case by hand.
func (s *Store) AddObservable(ctx context.Context, id int64, kind, value string) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		return addObservable(ctx, tx, id, kind, value, time.Time{})
	})
	if err != nil {
		return fmt.Errorf("casefile: add observable to case %d: %w", id, err)
	}
	return nil
}

func linkItem(ctx context.Context, tx *sql.Tx, id int64, kind, key, data, by string) (int, error) {
	res, err := tx.ExecContext(ctx,
		`INSERT INTO case_items (case_id, item_kind, item_key, data, added_at, added_by)
		 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, item_kind, item_key) DO NOTHING`,
		id, kind, key, data, stamp(), by)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func addObservable(ctx context.Context, tx *sql.Tx, id int64, kind, value string, seen time.Time) error {
	if value == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx,
		`INSERT INTO case_observables (case_id, kind, value, first_seen) VALUES (?, ?, ?, ?)
		 ON CONFLICT (case_id, kind, value) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen)`,
		id, kind, value, orNow(seen))
	return err
}

// touch bumps the case's updated_at and logs the activity.
func touch(ctx context.Context, tx *sql.Tx, id int64, by, kind, detail string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET updated_at = ? WHERE id = ?`, stamp(), id); err != nil {
		return err
	}
	return logActivity(ctx, tx, id, by, kind, detail)
}

func logActivity(ctx context.Context, tx *sql.Tx, id int64, by, kind, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO case_activity (case_id, at, actor, kind, detail) VALUES (?, ?, ?, ?, ?)`,
		id, stamp(), by, kind, detail)
	return err
}

// LogActivity adds an entry to the case's timeline (the console records
// ticks and notes this way) and bumps its update time.
func (s *Store) LogActivity(ctx context.Context, id int64, by, kind, detail string) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error { return touch(ctx, tx, id, by, kind, detail) })
	if err != nil {
		return fmt.Errorf("casefile: log activity on case %d: %w", id, err)
	}
	return nil
}

// CaseItems returns what is linked to the case, in the order it was linked.
func (s *Store) CaseItems(ctx context.Context, id int64) ([]CaseItem, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT item_kind, item_key, data, added_at, added_by FROM case_items WHERE case_id = ? ORDER BY added_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("casefile: case %d items: %w", id, dbErr(err))
	}
	defer rows.Close()
	var out []CaseItem
	for rows.Next() {
		var it CaseItem
		var data string
		var at int64
		if err := rows.Scan(&it.Kind, &it.Key, &data, &at, &it.AddedBy); err != nil {
			return nil, fmt.Errorf("casefile: case %d items: %w", id, err)
		}
		it.Data, it.Added = json.RawMessage(data), fromMillis(at)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: case %d items: %w", id, dbErr(err))
	}
	return out, nil
}

// Observables returns the case's indicators, by kind then value.
func (s *Store) Observables(ctx context.Context, id int64) ([]Observable, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT kind, value, first_seen FROM case_observables WHERE case_id = ? ORDER BY kind, value`, id)
	if err != nil {
		return nil, fmt.Errorf("casefile: case %d observables: %w", id, dbErr(err))
	}
	defer rows.Close()
	var out []Observable
	for rows.Next() {
		var o Observable
		var at int64
		if err := rows.Scan(&o.Kind, &o.Value, &at); err != nil {
			return nil, fmt.Errorf("casefile: case %d observables: %w", id, err)
		}
		o.FirstSeen = fromMillis(at)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: case %d observables: %w", id, dbErr(err))
	}
	return out, nil
}

// CaseActivity returns the case's timeline, oldest first.
func (s *Store) CaseActivity(ctx context.Context, id int64) ([]Activity, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT at, actor, kind, detail FROM case_activity WHERE case_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("casefile: case %d activity: %w", id, dbErr(err))
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		var a Activity
		var at int64
		if err := rows.Scan(&at, &a.Actor, &a.Kind, &a.Detail); err != nil {
			return nil, fmt.Errorf("casefile: case %d activity: %w", id, err)
		}
		a.At = fromMillis(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: case %d activity: %w", id, dbErr(err))
	}
	return out, nil
}

// CaseNotes returns the notes that belong to the case: those filed with its
// id, and those on its group or on anything linked to it, oldest first.
func (s *Store) CaseNotes(ctx context.Context, c Case) ([]Note, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT id, coalesce(case_id, 0), target_kind, target_key, body, author, created_at FROM notes
		 WHERE case_id = ?1
		    OR (target_kind = 'group' AND target_key = ?2)
		    OR (target_kind IN ('finding', 'alert') AND target_key IN
		        (SELECT item_key FROM case_items WHERE case_id = ?1 AND item_kind = target_kind))
		 ORDER BY created_at, id`, c.ID, c.Key)
	if err != nil {
		return nil, fmt.Errorf("casefile: case %d notes: %w", c.ID, dbErr(err))
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var n Note
		var at int64
		if err := rows.Scan(&n.ID, &n.CaseID, &n.TargetKind, &n.TargetKey, &n.Body, &n.Author, &at); err != nil {
			return nil, fmt.Errorf("casefile: case %d notes: %w", c.ID, err)
		}
		n.Created = fromMillis(at)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: case %d notes: %w", c.ID, dbErr(err))
	}
	return out, nil
}

// CaseChecklist returns the checklist ticks recorded for the case: those
// whose target is the case's group key or one of its linked findings or
// alerts, by detector then item.
func (s *Store) CaseChecklist(ctx context.Context, c Case) ([]ChecklistItem, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT detector_id, target_key, item_id, checked, checked_by, updated_at, note FROM checklist_state
		 WHERE target_key = ?2
		    OR target_key IN (SELECT item_key FROM case_items WHERE case_id = ?1 AND item_kind IN ('finding', 'alert'))
		    OR target_key = 'case:' || ?1
		 ORDER BY detector_id, item_id`, c.ID, c.Key)
	if err != nil {
		return nil, fmt.Errorf("casefile: case %d checklist: %w", c.ID, dbErr(err))
	}
	defer rows.Close()
	var out []ChecklistItem
	for rows.Next() {
		var it ChecklistItem
		var at int64
		if err := rows.Scan(&it.DetectorID, &it.TargetKey, &it.ItemID, &it.Checked, &it.By, &at, &it.Note); err != nil {
			return nil, fmt.Errorf("casefile: case %d checklist: %w", c.ID, err)
		}
		it.At = fromMillis(at)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: case %d checklist: %w", c.ID, dbErr(err))
	}
	return out, nil
}

// clock is the time source for records this file stamps itself; tests
// replace it to get reproducible exports.
var clock = time.Now

// stamp is clock() in unix milliseconds.
func stamp() int64 { return clock().UnixMilli() }

// orNow returns t, or clock() when t is zero, in unix milliseconds.
func orNow(t time.Time) int64 {
	if t.IsZero() {
		return stamp()
	}
	return t.UnixMilli()
}

// GroupCase is the one rule for when and how a group becomes a case. The
// console calls it the first time the analyst acts on a group: a checklist
// tick, a note, a status change or an exception. Nothing else opens a
// case for a group, and merely looking at one opens none.
//
//   - Key: key.String() (the source address or "-", a space, the user
//     agent), so a group has at most one case.
//   - Title: GroupTitle: "ADDRESS · AGENT" when the address is known and
//     the user agent is one useragent.Label recognises ("192.0.2.1 · curl
//     (tool)"), the fields and values of a key under another chain
//     ("user.name anna"), else the key. An existing case keeps its title.
//   - Severity: the highest severity of findings, at least low. An
//     existing case is raised to it, never lowered (see EnsureCase).
//   - A new case is open and assigned to the local user (LocalUser).
//   - findings (the group's, as the console holds them) are linked by
//     by, at most MaxCaseFindings of them (the timeline says when some
//     were left out), with their actors as observables; linking again is
//     harmless.
//
// On an error while linking, the case is returned with the error.
func (s *Store) GroupCase(ctx context.Context, key triage.GroupKey, findings []triage.Finding, by string) (Case, error) {
	c, err := s.EnsureCase(ctx, key.String(), GroupTitle(key), groupSeverity(findings))
	if err != nil {
		return Case{}, err
	}
	kept, cut := keptFindings(findings)
	err = s.withTx(ctx, func(tx *sql.Tx) error { return linkGroupFindingsTx(ctx, tx, c.ID, by, kept, cut) })
	if err != nil {
		return c, fmt.Errorf("casefile: link findings to case %d: %w", c.ID, err)
	}
	return c, nil
}

// MaxCaseFindings is how many of its group's findings a case keeps: a
// case is a hand-off, not a copy of the run, and a campaign's members
// each keep their own in their cases.
const MaxCaseFindings = 1000

// keptFindings is the part of a group's findings its case keeps, and,
// when some are left out, the timeline's line saying so ("" otherwise):
// one rule for GroupCase and the bulk actions.
func keptFindings(fs []triage.Finding) (kept []triage.Finding, cut string) {
	if len(fs) <= MaxCaseFindings {
		return fs, ""
	}
	return fs[:MaxCaseFindings], fmt.Sprintf("kept the first %d of the group's %d findings (a case keeps at most %d)", MaxCaseFindings, len(fs), MaxCaseFindings)
}

// linkGroupFindingsTx links a group's kept findings and, when some were
// left out, says so in the timeline once for each count.
func linkGroupFindingsTx(ctx context.Context, tx *sql.Tx, id int64, by string, kept []triage.Finding, cut string) error {
	if len(kept) > 0 {
		if err := linkFindingsTx(ctx, tx, id, by, kept); err != nil {
			return err
		}
	}
	if cut == "" {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM case_activity WHERE case_id = ? AND kind = ? AND detail = ?`,
		id, ActivityCut, cut).Scan(&n); err != nil || n > 0 {
		return err
	}
	return logActivity(ctx, tx, id, by, ActivityCut, cut)
}

// ActivityCut is the kind of the timeline line that says a case keeps
// only part of its group's findings.
const ActivityCut = "cut"

// groupSeverity is a group case's severity: its findings' highest, at
// least low.
func groupSeverity(findings []triage.Finding) string {
	sev := triage.Low
	for _, f := range findings {
		sev = max(sev, f.Severity)
	}
	return sev.String()
}

// GroupTitle is the title a group's case gets (see GroupCase): "ADDRESS ·
// AGENT" for a default key whose agent useragent.Label recognises, the
// key's values joined with " · " for a key under another chain
// ("anna · 203.0.113.7"), else the key.
func GroupTitle(key triage.GroupKey) string {
	if key.Default() {
		// "address · user agent" always: its label when it has one,
		// else the user agent itself.
		ua := useragent.Label(key.UserAgent)
		if ua == "" {
			ua = key.UserAgent
		}
		if !key.SourceIP.IsValid() || ua == "" {
			return key.String()
		}
		return key.SourceIP.String() + " · " + ua
	}
	if key.By == triage.CampaignBy {
		return "campaign " + key.Values[0]
	}
	var parts []string
	for _, p := range key.Pairs() {
		v := p.Value
		if v == "" {
			v = "(none)"
		}
		parts = append(parts, p.Field+" "+v)
	}
	return strings.Join(parts, " · ")
}
