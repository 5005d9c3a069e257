package casefile

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// AlertRef is an alert linked to a case, with what Kibana needs to attach
// it to a Kibana case: its index and rule.
type AlertRef struct {
	ID       string `json:"-"`
	Index    string `json:"index,omitempty"`     // concrete alerts index; empty: the space's alerts alias
	RuleID   string `json:"rule_id,omitempty"`   // kibana.alert.rule.uuid
	RuleName string `json:"rule_name,omitempty"` // kibana.alert.rule.name
}

// LinkAlertRefs links alerts with their index and rule (see LinkAlerts).
func (s *Store) LinkAlertRefs(ctx context.Context, id int64, by string, refs ...AlertRef) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		n := 0
		for _, r := range refs {
			data, err := json.Marshal(r)
			if err != nil {
				return err
			}
			added, err := linkItem(ctx, tx, id, ItemAlert, r.ID, string(data), by)
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

// AlertRefs returns the alerts linked to case id, in the order they were
// linked, with the index and rule kept for those linked by LinkAlertRefs.
func (s *Store) AlertRefs(ctx context.Context, id int64) ([]AlertRef, error) {
	items, err := s.CaseItems(ctx, id)
	if err != nil {
		return nil, err
	}
	var refs []AlertRef
	for _, it := range items {
		if it.Kind != ItemAlert {
			continue
		}
		ref := AlertRef{}
		_ = json.Unmarshal(it.Data, &ref) // alerts linked by id alone keep {}
		ref.ID = it.Key
		refs = append(refs, ref)
	}
	return refs, nil
}

// ActivityPushed is the timeline kind of a push to a Kibana case.
const ActivityPushed = "kibana"

// RecordPush adds a push of case id to its timeline; detail says where it
// went (the Kibana case id).
func (s *Store) RecordPush(ctx context.Context, id int64, by, detail string) error {
	return s.LogActivity(ctx, id, by, ActivityPushed, detail)
}

// FirstPush returns the first push recorded on case id; the bool is false
// when the case was never pushed.
func (s *Store) FirstPush(ctx context.Context, id int64) (Activity, bool, error) {
	acts, err := s.CaseActivity(ctx, id)
	if err != nil {
		return Activity{}, false, err
	}
	for _, a := range acts {
		if a.Kind == ActivityPushed {
			return a, true, nil
		}
	}
	return Activity{}, false, nil
}
