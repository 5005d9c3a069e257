package cli

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"picket/casefile"
	"picket/triage"
	"picket/ui"
)

// TestConsoleCasesAnyGrouping: a note, tick or status on a group of any
// grouping makes its case, with the findings of that group linked: a
// chain's group by its fields' values, a campaign by its members (which
// the console tells), recorded with the chain it was made under.
func TestConsoleCasesAnyGrouping(t *testing.T) {
	t.Setenv("PICKET_USER", "ana")
	ctx := context.Background()
	store, err := casefile.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	coll := triage.NewCollection(0)
	t0 := time.Date(2026, 11, 13, 19, 0, 0, 0, time.UTC)
	var members []triage.GroupKey
	for i, user := range []string{"anna", "anna", "bob"} {
		f := triage.Finding{Detector: "appsensor:AE11", Severity: triage.Medium, Timestamp: t0.Add(time.Duration(i) * time.Minute),
			SourceIP: netip.AddrFrom4([4]byte{198, 18, 0, byte(i + 1)}), UserAgent: "curl/8", UserName: user,
			Evidence: triage.RefsFromIDs([]string{"e" + user + string(rune('0'+i))}), EventCount: 1}
		coll.AddFinding(f)
		members = append(members, triage.GroupKey{SourceIP: f.SourceIP, UserAgent: f.UserAgent})
	}
	cases := &consoleCases{Store: store, author: "ana", current: coll}
	chain := triage.GroupKey{By: "user.name", Values: [triage.MaxGroupBy]string{"anna"}}
	camp := triage.GroupKey{By: triage.CampaignBy, Values: [triage.MaxGroupBy]string{"c0ffee"}}
	cases.Campaigns(map[triage.GroupKey]ui.CampaignInfo{camp: {Title: "campaign · 3 sources · AE11", Members: members}})

	if _, err := cases.AddNote(ctx, casefile.Note{TargetKind: casefile.TargetGroup, TargetKey: chain.String(), Body: "real customer", Author: "ana"}); err != nil {
		t.Fatal(err)
	}
	if err := cases.SetChecklistItem(ctx, casefile.ChecklistItem{DetectorID: "appsensor:AE11", TargetKey: camp.String(), ItemID: "inv-1", Checked: true}); err != nil {
		t.Fatal(err)
	}
	if err := cases.SetAlertStatus(ctx, casefile.AlertStatus{AlertID: "group:" + chain.String(), Source: casefile.SourceLocal, Status: casefile.StatusClosed}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key            triage.GroupKey
		title, groupBy string
		status         string
		linked         int
	}{
		{chain, "user.name anna", "user.name", casefile.StatusClosed, 2},
		{camp, "campaign · 3 sources · AE11", "campaign", casefile.StatusOpen, 3},
	}
	for _, tt := range tests {
		c, ok, err := store.CaseByKey(ctx, tt.key.String())
		if err != nil || !ok {
			t.Fatalf("no case for %s: %v", tt.key, err)
		}
		items, _ := store.CaseItems(ctx, c.ID)
		if c.Title != tt.title || c.GroupBy != tt.groupBy || c.Status != tt.status || len(items) != tt.linked {
			t.Errorf("case %s: %+v with %d findings; want %q %q %s %d", tt.key, c, len(items), tt.title, tt.groupBy, tt.status, tt.linked)
		}
	}
	if ms, _ := store.CampaignMembers(ctx, camp.String()); len(ms) != 3 {
		t.Errorf("campaign members %v", ms)
	}
}
