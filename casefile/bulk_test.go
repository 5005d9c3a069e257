package casefile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	sqlite "modernc.org/sqlite"

	"picket/triage"
)

// bulkKeys are n default group keys, 10.0.0.1 … with one user agent.
func bulkKeys(n int) []BulkTarget {
	out := make([]BulkTarget, n)
	for i := range out {
		k := triage.GroupKey{SourceIP: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i + 1)}), UserAgent: "curl/8.5.0"}
		out[i] = BulkTarget{Key: k, Findings: []triage.Finding{{
			Detector: "appsensor:AE11", Severity: triage.Medium, Timestamp: time.Unix(int64(1000+i), 0),
			SourceIP: k.SourceIP, UserAgent: k.UserAgent, Evidence: triage.RefsFromIDs([]string{fmt.Sprint("ev-", i)}),
		}}}
	}
	return out
}

// commits counts the transactions the store's one writer connection
// commits while fn runs, with SQLite's commit hook.
func commits(t *testing.T, s *Store, fn func()) int {
	t.Helper()
	ctx := context.Background()
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	err = conn.Raw(func(dc any) error {
		h, ok := dc.(sqlite.HookRegisterer)
		if !ok {
			return fmt.Errorf("%T has no commit hook", dc)
		}
		h.RegisterCommitHook(func() int32 { n.Add(1); return 0 })
		return nil
	})
	conn.Close() // back to the pool of one, hook and all
	if err != nil {
		t.Fatal(err)
	}
	fn()
	return int(n.Load())
}

func count(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.reader.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBulkStatusOneTransaction: a status on 50 selected groups makes 50
// cases, each acknowledged, in one commit.
func TestBulkStatusOneTransaction(t *testing.T) {
	fixedClock(t)
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	targets := bulkKeys(50)
	var res BulkResult
	n := commits(t, s, func() {
		var err error
		res, err = s.ApplyBulk(ctx, Bulk{Targets: targets, Status: StatusAcknowledged, Author: "bob"})
		if err != nil {
			t.Fatal(err)
		}
	})
	if n != 1 {
		t.Errorf("%d commits, want 1", n)
	}
	if len(res.Cases) != 50 || count(t, s, "cases") != 50 {
		t.Fatalf("%d cases reported, %d stored; want 50", len(res.Cases), count(t, s, "cases"))
	}
	for _, tg := range targets {
		st, ok, err := s.AlertStatus(ctx, "group:"+tg.Key.String())
		if err != nil || !ok || st.Status != StatusAcknowledged || st.UpdatedBy != "bob" {
			t.Fatalf("status of %s: %+v %v %v", tg.Key, st, ok, err)
		}
		c, ok, _ := s.CaseByKey(ctx, tg.Key.String())
		if !ok || c.Status != StatusAcknowledged || c.GroupBy != "source.ip,user_agent.original" || c.ID != res.Cases[tg.Key.String()] {
			t.Fatalf("case of %s: %+v", tg.Key, c)
		}
		if items, _ := s.CaseItems(ctx, c.ID); len(items) != 1 {
			t.Fatalf("%d findings linked to %s", len(items), tg.Key)
		}
	}
}

// TestBulkNothingHalfApplied injects a failure on the 37th of 50 groups
// (a trigger that aborts its note) and on the last allowlist entry: the
// whole action is refused and nothing of it stays.
func TestBulkNothingHalfApplied(t *testing.T) {
	fixedClock(t)
	ctx := context.Background()
	targets := bulkKeys(50)
	for _, tc := range []struct {
		name    string
		trigger string
		bulk    Bulk
	}{
		{"note on the 37th group", `CREATE TRIGGER fail BEFORE INSERT ON notes WHEN NEW.target_key = '` + targets[36].Key.String() +
			`' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
			Bulk{Targets: targets, Status: StatusClosed, Note: "one wave", Author: "bob"}},
		{"last allowlist entry", `CREATE TRIGGER fail BEFORE INSERT ON allowlists WHEN NEW.value = '10.0.0.50' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
			Bulk{Targets: targets, Status: StatusClosed, Author: "bob", Allow: allowAll(targets)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.db")
			s := openTest(t, path)
			// One group already has a case and a status: it must keep them.
			if _, err := s.ApplyBulk(ctx, Bulk{Targets: targets[:1], Status: StatusAcknowledged, Author: "ana"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.writer.ExecContext(ctx, tc.trigger); err != nil {
				t.Fatal(err)
			}
			_, err := s.ApplyBulk(ctx, tc.bulk)
			if err == nil || !strings.Contains(err.Error(), "injected failure") || !strings.Contains(err.Error(), "nothing written") {
				t.Fatalf("err = %v, want the injected failure", err)
			}
			if n := count(t, s, "cases"); n != 1 {
				t.Errorf("%d cases after the failed action, want the 1 from before", n)
			}
			for table, want := range map[string]int{"notes": 0, "alert_status": 1, "allowlists": 0, "case_items": 1} {
				if n := count(t, s, table); n != want {
					t.Errorf("%s: %d rows, want %d", table, n, want)
				}
			}
			if st, _, _ := s.AlertStatus(ctx, "group:"+targets[0].Key.String()); st.Status != StatusAcknowledged {
				t.Errorf("first group's status %q, want it kept acknowledged", st.Status)
			}
		})
	}
}

func allowAll(ts []BulkTarget) []triage.AllowEntry {
	var out []triage.AllowEntry
	for _, t := range ts {
		out = append(out, triage.AllowEntry{Kind: triage.AllowIP, Value: t.Key.SourceIP.String(), Reason: "wave"})
	}
	return out
}

// TestBulkCampaign: a note on a campaign reaches the campaign and every
// member, the campaign records its members, chain keys record their
// chain and get readable titles; allowlist entries and exceptions are
// stored with the rest.
func TestBulkCampaign(t *testing.T) {
	fixedClock(t)
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	members := bulkKeys(6)
	camp := triage.GroupKey{By: triage.CampaignBy, Values: [triage.MaxGroupBy]string{"0123abcd"}}
	chain := triage.GroupKey{By: "user.name,source.ip", Values: [triage.MaxGroupBy]string{"anna", "10.0.0.1"}}
	var keys []triage.GroupKey
	for _, m := range members {
		keys = append(keys, m.Key)
	}
	targets := append([]BulkTarget{{Key: camp, Title: "campaign · 6 sources · AE11", Members: keys}, {Key: chain}}, members...)
	x := triage.Exception{Name: "wave", Detector: "appsensor:AE11", Entries: []triage.ExceptionEntry{{Field: "source.ip", Type: triage.EntryMatch, Operator: triage.OpIncluded, Value: "10.0.0.1"}}}
	res, err := s.ApplyBulk(ctx, Bulk{Targets: targets, Note: "credential stuffing, one wave", Author: "bob",
		Allow: allowAll(members[:2]), Exceptions: []triage.Exception{x}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cases) != 8 || len(res.Allow) != 2 || len(res.Exceptions) != 1 {
		t.Fatalf("result %+v", res)
	}
	got, err := s.CampaignMembers(ctx, camp.String())
	if err != nil || len(got) != 6 {
		t.Fatalf("campaign members %v %v", got, err)
	}
	tests := []struct {
		key            triage.GroupKey
		title, groupBy string
	}{
		{camp, "campaign · 6 sources · AE11", "campaign"},
		{chain, "user.name anna · source.ip 10.0.0.1", "user.name,source.ip"},
		{members[0].Key, "10.0.0.1 · curl (tool)", "source.ip,user_agent.original"},
	}
	for _, tt := range tests {
		c, ok, _ := s.CaseByKey(ctx, tt.key.String())
		if !ok || c.Title != tt.title || c.GroupBy != tt.groupBy || c.Status != StatusOpen {
			t.Errorf("case %s = %+v, want title %q group_by %q", tt.key, c, tt.title, tt.groupBy)
		}
		notes, _ := s.CaseNotes(ctx, c)
		if len(notes) != 1 || notes[0].Body != "credential stuffing, one wave" || notes[0].CaseID != c.ID {
			t.Errorf("notes of %s: %+v", tt.key, notes)
		}
	}
	// Its exports say it is a campaign and which groups it folded.
	cc, _, _ := s.CaseByKey(ctx, camp.String())
	r, err := s.Report(ctx, cc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var js, md bytes.Buffer
	if err := WriteJSON(&js, []Report{r}, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			GroupBy string   `json:"group_by"`
			Members []string `json:"campaign_members"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || len(doc.Cases) != 1 || doc.Cases[0].GroupBy != "campaign" || !slices.Equal(doc.Cases[0].Members, got) {
		t.Errorf("JSON export: %+v %v; want group_by campaign and the members %v", doc, err, got)
	}
	if err := WriteMarkdown(&md, []Report{r}, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| Campaign | ") || !strings.Contains(md.String(), "| Members | 6 groups |") || strings.Contains(md.String(), "Group (source IP") {
		t.Errorf("Markdown export does not say it is a campaign of 6 groups:\n%s", md.String())
	}
	if _, err := s.ApplyBulk(ctx, Bulk{Targets: targets, Status: "done"}); err == nil {
		t.Error("unknown status accepted")
	}
	if _, err := s.ApplyBulk(ctx, Bulk{Author: "bob"}); err != ErrEmptyBulk {
		t.Errorf("empty action: %v", err)
	}
	// Targets alone are made cases, statuses left as they are.
	if _, err := s.ApplyBulk(ctx, Bulk{Targets: targets[:1]}); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := s.AlertStatus(ctx, "group:"+camp.String()); st.Status != "" {
		t.Errorf("opening the campaign's case set its status %q", st.Status)
	}
}

// TestMigrationGroupKeys opens a case file made by the previous schema
// (0001 and 0002) holding a group's case, a hand-made case, notes, ticks
// and a status, and checks 0003 keeps them all, records the default chain
// on the group's case, and that the console finds the same case again.
func TestMigrationGroupKeys(t *testing.T) {
	fixedClock(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v2.db")
	old := fstest.MapFS{}
	for _, name := range []string{"0001_init.sql", "0002_cases.sql"} {
		b, err := fs.ReadFile(embeddedMigrations(), name)
		if err != nil {
			t.Fatal(err)
		}
		old[name] = &fstest.MapFile{Data: bytes.Clone(b)}
	}
	v2, err := open(ctx, path, config{migrations: old, busyTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	key := "203.0.113.7 sqlmap/1.7.2#stable (https://sqlmap.org)"
	for _, q := range []string{
		`INSERT INTO cases (id, case_key, title, status, severity, created_at, updated_at) VALUES (3, '` + key + `', 'sqlmap', 'acknowledged', 'critical', 1, 2)`,
		`INSERT INTO cases (id, title, severity, created_at, updated_at) VALUES (4, 'by hand', 'low', 1, 2)`,
		`INSERT INTO notes (case_id, target_kind, target_key, body, author, created_at) VALUES (3, 'group', '` + key + `', 'blocked at the WAF', 'bob', 4)`,
		`INSERT INTO checklist_state (detector_id, target_key, item_id, checked, updated_at) VALUES ('appsensor:CIE1', '` + key + `', 'inv-1', 1, 5)`,
		`INSERT INTO alert_status (alert_id, source, status, updated_at) VALUES ('group:` + key + `', 'local', 'acknowledged', 6)`,
	} {
		if _, err := v2.writer.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if v, _ := v2.SchemaVersion(ctx); v != 2 {
		t.Fatalf("old file at version %d", v)
	}
	v2.Close()

	s := openTest(t, path)
	if v, _ := s.SchemaVersion(ctx); v < 3 {
		t.Fatalf("version %d after open", v)
	}
	c, err := s.Case(ctx, 3)
	if err != nil || c.GroupBy != "source.ip,user_agent.original" || c.Key != key || c.Status != StatusAcknowledged {
		t.Fatalf("migrated group case %+v %v", c, err)
	}
	if h, _ := s.Case(ctx, 4); h.GroupBy != "" {
		t.Errorf("hand-made case got group_by %q", h.GroupBy)
	}
	gk, err := triage.ParseGroupKey(key)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.GroupCase(ctx, gk, nil, "ana")
	if err != nil || again.ID != 3 || again.Title != "sqlmap" {
		t.Errorf("GroupCase on the old key: %+v %v", again, err)
	}
	notes, _ := s.Notes(ctx, TargetGroup, key)
	items, _ := s.ChecklistItems(ctx, "appsensor:CIE1", key)
	st, ok, _ := s.AlertStatus(ctx, "group:"+key)
	if len(notes) != 1 || len(items) != 1 || !items[0].Checked || !ok || st.Status != StatusAcknowledged {
		t.Errorf("after migration: notes %+v ticks %+v status %+v", notes, items, st)
	}
	// New work on the old file: a campaign with its members.
	if _, err := s.ApplyBulk(ctx, Bulk{Targets: []BulkTarget{{Key: triage.GroupKey{By: triage.CampaignBy, Values: [3]string{"ff"}},
		Members: []triage.GroupKey{gk}}}, Status: StatusClosed}); err != nil {
		t.Fatal(err)
	}
}
