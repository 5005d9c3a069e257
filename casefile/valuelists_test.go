package casefile

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

// TestValueListTables asserts on migration 0005's tables, not on the
// schema version (the versions before it are integrated from elsewhere).
func TestValueListTables(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	for _, table := range []string{"value_lists", "value_list_items", "exception_lists"} {
		var n int
		if err := s.reader.QueryRowContext(context.Background(),
			"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: count %d, err %v", table, n, err)
		}
	}
	// The schema guards the type.
	if _, err := s.writer.Exec(`INSERT INTO value_lists (id, type, imported_at) VALUES ('x', 'text', 1)`); err == nil {
		t.Error("a list of type text was stored")
	}
}

func TestValueListRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	steps := []struct {
		name    string
		list    ValueList
		values  []string
		replace bool
		want    []string // the list's values afterwards; nil with err
		err     error
	}{
		{"new ip list", ValueList{ID: "office", Type: triage.ListIP, Source: "office.txt"},
			[]string{"10.0.0.2", "10.0.0.1", "10.0.0.2"}, true, []string{"10.0.0.1", "10.0.0.2"}, nil},
		{"append, as Kibana imports into a list", ValueList{ID: "office", Type: triage.ListIP},
			[]string{"10.0.0.3"}, false, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, nil},
		{"replace", ValueList{ID: "office", Type: triage.ListIP},
			[]string{"10.9.9.9"}, true, []string{"10.9.9.9"}, nil},
		{"another type is refused", ValueList{ID: "office", Type: triage.ListKeyword},
			[]string{"x"}, true, nil, ErrListType},
		{"bad value is refused", ValueList{ID: "nets", Type: triage.ListIPRange},
			[]string{"10.0.0.0/8", "nope"}, true, nil, nil},
		{"ip_range", ValueList{ID: "nets", Type: triage.ListIPRange},
			[]string{"10.0.0.0/8", "192.0.2.1-192.0.2.9"}, true, []string{"10.0.0.0/8", "192.0.2.1-192.0.2.9"}, nil},
		{"keyword", ValueList{ID: "users", Type: triage.ListKeyword},
			[]string{"svc backup", "Admin"}, true, []string{"Admin", "svc backup"}, nil},
	}
	for _, st := range steps {
		n, err := s.ImportValueList(ctx, st.list, st.values, st.replace)
		if st.want == nil {
			if err == nil || (st.err != nil && !errors.Is(err, st.err)) {
				t.Errorf("%s: error %v, want %v", st.name, err, st.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := s.ValueListValues(ctx, st.list.ID)
		if err != nil || !reflect.DeepEqual(got, st.want) || n != len(st.want) {
			t.Errorf("%s: values %v (count %d), %v; want %v", st.name, got, n, err, st.want)
		}
	}
	infos, err := s.ValueListInfos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range infos {
		ids = append(ids, in.ID+"/"+in.Type)
		if in.ImportedAt.IsZero() || in.ImportedBy == "" {
			t.Errorf("%s: imported at %v by %q", in.ID, in.ImportedAt, in.ImportedBy)
		}
	}
	if want := []string{"nets/ip_range", "office/ip", "users/keyword"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("lists %v, want %v", ids, want)
	}
	lists, err := s.ValueLists(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !lists["nets"].Contains("10.2.3.4") || !lists["office"].Contains("10.9.9.9") || lists["office"].Contains("10.0.0.1") ||
		!lists["users"].Contains("svc backup") {
		t.Error("compiled lists do not hold what was imported")
	}
	if err := s.DeleteValueList(ctx, "office"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ValueListValues(ctx, "office"); !errors.Is(err, ErrNotFound) {
		t.Errorf("values of a removed list: %v", err)
	}
	if err := s.DeleteValueList(ctx, "office"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
	var left int
	_ = s.reader.QueryRow(`SELECT count(*) FROM value_list_items WHERE list_id = 'office'`).Scan(&left)
	if left != 0 {
		t.Errorf("%d values of a removed list left behind", left)
	}
}

func TestDeleteAllowEntryAndExceptionLists(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	id, err := s.AddAllowEntry(ctx, triage.AllowEntry{Kind: triage.AllowIP, Value: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAllowEntry(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAllowEntry(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if left, _ := s.Allowlist(ctx, time.Time{}); len(left) != 0 {
		t.Errorf("left %v", left)
	}

	if err := s.AddExceptionLists(ctx, []ExceptionList{{ListID: "empty-list", Namespace: "agnostic"}, {ListID: ""}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddException(ctx, triage.Exception{ListID: "with-items",
		Entries: []triage.ExceptionEntry{{Field: "a", Type: triage.EntryExists}}}); err != nil {
		t.Fatal(err)
	}
	has, err := s.HasExceptionList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ref  triage.ExceptionListRef
		want bool
	}{
		{triage.ExceptionListRef{ListID: "empty-list", Namespace: "agnostic"}, true},
		{triage.ExceptionListRef{ListID: "empty-list"}, false}, // namespace single
		{triage.ExceptionListRef{ListID: "with-items"}, true},
		{triage.ExceptionListRef{ListID: "with-items", Namespace: "single"}, true},
		{triage.ExceptionListRef{ListID: "elsewhere"}, false},
	} {
		if got := has(c.ref); got != c.want {
			t.Errorf("has(%+v) = %v, want %v", c.ref, got, c.want)
		}
	}
}

// TestDeleteEntriesAllOrNothing: several entries go in one transaction;
// an id that matches nothing keeps every entry and is named.
func TestDeleteEntriesAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	var allow []int64
	for _, v := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		id, err := s.AddAllowEntry(ctx, triage.AllowEntry{Kind: triage.AllowIP, Value: v})
		if err != nil {
			t.Fatal(err)
		}
		allow = append(allow, id)
	}
	x, err := s.AddException(ctx, triage.Exception{Detector: "appsensor:AE2",
		Entries: []triage.ExceptionEntry{{Field: "user.name", Operator: triage.OpIncluded, Type: triage.EntryMatch, Value: "svc"}}})
	if err != nil {
		t.Fatal(err)
	}
	err = s.DeleteEntries(ctx, []int64{x}, []int64{allow[0], 9999})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "allowlist entry 9999") {
		t.Fatalf("a missing id: %v", err)
	}
	left, _ := s.Allowlist(ctx, time.Time{})
	xs, _ := s.Exceptions(ctx, ExceptionFilter{})
	if len(left) != 3 || len(xs) != 1 {
		t.Fatalf("a failed removal removed some: %d entries, %d exceptions left", len(left), len(xs))
	}
	if err := s.DeleteEntries(ctx, []int64{x}, allow[:2]); err != nil {
		t.Fatal(err)
	}
	left, _ = s.Allowlist(ctx, time.Time{})
	xs, _ = s.Exceptions(ctx, ExceptionFilter{})
	if len(left) != 1 || left[0].ID != allow[2] || len(xs) != 0 {
		t.Errorf("left %v and %d exceptions", left, len(xs))
	}
}
