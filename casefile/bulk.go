package casefile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"picket/triage"
)

// Bulk is one analyst action on many groups at once: the console's bulk
// actions (space/V then s, n, a, e) and a status or note set on a folded
// campaign, which applies to every member. ApplyBulk writes it in one
// transaction: every group gets it, or, on any error, none does.
type Bulk struct {
	Targets []BulkTarget
	// Status, when set, is the workflow status every target (and its
	// case) gets.
	Status string
	// Note, when set, is added to every target as a group note.
	Note string
	// Allow and Exceptions are stored with the rest.
	Allow      []triage.AllowEntry
	Exceptions []triage.Exception
	Author     string
	At         time.Time // zero: now
}

// BulkTarget is one group a bulk action applies to. Every target becomes
// a case as GroupCase makes them (a bulk action with no status and no
// note just does that).
type BulkTarget struct {
	Key triage.GroupKey
	// Title is the case's title when it is new; "" follows GroupTitle.
	Title string
	// Findings are the group's, linked to its case (at most
	// MaxCaseFindings: see GroupCase).
	Findings []triage.Finding
	// Members are the groups a campaign folds: recorded in
	// campaign_members. They are not changed through the campaign: give
	// them as targets of their own.
	Members []triage.GroupKey
}

// BulkResult says what ApplyBulk wrote.
type BulkResult struct {
	Cases      map[string]int64 // case id per target key
	Allow      []int64
	Exceptions []int64
}

// ErrEmptyBulk reports a bulk action with nothing to do.
var ErrEmptyBulk = errors.New("casefile: bulk action: nothing to write")

// ApplyBulk writes b in one transaction.
func (s *Store) ApplyBulk(ctx context.Context, b Bulk) (BulkResult, error) {
	res := BulkResult{Cases: map[string]int64{}}
	if b.Status != "" && !ValidStatus(b.Status) {
		return res, fmt.Errorf("casefile: bulk action: unknown status %q (want open, acknowledged or closed)", b.Status)
	}
	if len(b.Targets) == 0 && len(b.Allow) == 0 && len(b.Exceptions) == 0 {
		return res, ErrEmptyBulk
	}
	for _, a := range b.Allow {
		if err := a.Validate(); err != nil {
			return res, fmt.Errorf("casefile: bulk action: allowlist entry %s %s: %w", a.Kind, a.Value, err)
		}
	}
	at := b.At
	if at.IsZero() {
		at = clock()
	}
	at = at.UTC().Truncate(time.Millisecond)
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		for _, t := range b.Targets {
			id, err := bulkTarget(ctx, tx, b, t, at)
			if err != nil {
				return fmt.Errorf("group %s: %w", t.Key.String(), err)
			}
			res.Cases[t.Key.String()] = id
		}
		for _, a := range b.Allow {
			id, err := addAllowTx(ctx, tx, a)
			if err != nil {
				return fmt.Errorf("allowlist entry %s %s: %w", a.Kind, a.Value, err)
			}
			res.Allow = append(res.Allow, id)
		}
		for i, x := range b.Exceptions {
			id, err := addExceptionTx(ctx, tx, x)
			if err != nil {
				return fmt.Errorf("exception %d (%s): %w", i+1, x.Name, err)
			}
			res.Exceptions = append(res.Exceptions, id)
		}
		return nil
	})
	if err != nil {
		return BulkResult{}, fmt.Errorf("casefile: bulk action on %d group(s), nothing written: %w", len(b.Targets), err)
	}
	return res, nil
}

// bulkTarget makes t a case (as GroupCase does) and gives it b's status
// and note, inside tx.
func bulkTarget(ctx context.Context, tx *sql.Tx, b Bulk, t BulkTarget, at time.Time) (int64, error) {
	key := t.Key.String()
	title := t.Title
	if title == "" {
		title = GroupTitle(t.Key)
	}
	id, err := ensureCaseTx(ctx, tx, key, title, groupSeverity(t.Findings))
	if err != nil {
		return 0, err
	}
	kept, cut := keptFindings(t.Findings)
	if err := linkGroupFindingsTx(ctx, tx, id, b.Author, kept, cut); err != nil {
		return 0, err
	}
	for _, m := range t.Members {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO campaign_members (campaign_key, member_key, added_at) VALUES (?, ?, ?)
			 ON CONFLICT (campaign_key, member_key) DO NOTHING`, key, m.String(), at.UnixMilli()); err != nil {
			return 0, err
		}
	}
	if b.Status != "" {
		if err := setAlertStatusTx(ctx, tx, AlertStatus{AlertID: "group:" + key, Source: SourceLocal, Status: b.Status,
			UpdatedAt: at, UpdatedBy: b.Author}); err != nil {
			return 0, err
		}
		if err := updateCaseTx(ctx, tx, id, b.Author, "status", b.Status, "status = ?", b.Status); err != nil {
			return 0, err
		}
	}
	if b.Note != "" {
		if _, err := addNoteTx(ctx, tx, Note{CaseID: id, TargetKind: TargetGroup, TargetKey: key, Body: b.Note,
			Author: b.Author, Created: at}); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// CampaignMembers returns the group keys recorded for a campaign's key,
// sorted.
func (s *Store) CampaignMembers(ctx context.Context, campaignKey string) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT member_key FROM campaign_members WHERE campaign_key = ? ORDER BY member_key`, campaignKey)
	if err != nil {
		return nil, fmt.Errorf("casefile: campaign members: %w", dbErr(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("casefile: campaign members: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("casefile: campaign members: %w", dbErr(err))
	}
	return out, nil
}
