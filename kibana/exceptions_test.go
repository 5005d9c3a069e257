package kibana

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"picket/casefile"
	"picket/triage"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

// openTest opens a fresh case file that is closed at the end of the test.
func openTest(t *testing.T) *casefile.Store {
	t.Helper()
	s, err := casefile.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestKibanaRoundTrip imports a Kibana export, stores it, exports it and
// checks every item comes back with the same entries and identity.
func TestKibanaRoundTrip(t *testing.T) {
	ctx := context.Background()
	in, err := os.ReadFile(filepath.Join("testdata", "kibana-exceptions.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	xs, lists, st, err := ReadExceptions(bytes.NewReader(in), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Items != 3 || st.Lists != 1 || st.Skipped != 1 || len(lists) != 1 || lists[0].ListID != "web-benign" {
		t.Fatalf("stats %+v lists %+v", st, lists)
	}
	if xs[1].Detector != "appsensor:ACE3" || xs[0].Detector != triage.AllDetectors || len(xs[1].Tags) != 0 {
		t.Errorf("detector tags: %q %q %v", xs[0].Detector, xs[1].Detector, xs[1].Tags)
	}
	s := openTest(t)
	if _, err := s.AddExceptions(ctx, xs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddExceptions(ctx, xs); err != nil { // importing again updates
		t.Fatal(err)
	}
	stored, err := s.Exceptions(ctx, casefile.ExceptionFilter{ListID: "web-benign"})
	if err != nil || len(stored) != 3 {
		t.Fatalf("stored %d exceptions: %v", len(stored), err)
	}
	var out bytes.Buffer
	if err := WriteExceptions(&out, lists[0], stored); err != nil {
		t.Fatal(err)
	}
	golden(t, "kibana-exceptions.golden.ndjson", out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("export has %d lines:\n%s", len(lines), out.String())
	}
	var summary map[string]any
	json.Unmarshal([]byte(lines[4]), &summary)
	if summary["exported_exception_list_count"] != 1.0 || summary["exported_exception_list_item_count"] != 3.0 ||
		summary["missing_exception_list_item_count"] != 0.0 {
		t.Errorf("summary line %s", lines[4])
	}
	type item struct {
		ItemID      string          `json:"item_id"`
		ListID      string          `json:"list_id"`
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Type        string          `json:"type"`
		Namespace   string          `json:"namespace_type"`
		Entries     json.RawMessage `json:"entries"`
		Tags        []string        `json:"tags"`
		ExpireTime  string          `json:"expire_time"`
		Comments    []struct {
			Comment string `json:"comment"`
		} `json:"comments"`
	}
	inLines := strings.Split(strings.TrimSpace(string(in)), "\n")
	for i := 1; i <= 3; i++ {
		var a, b item
		if err := json.Unmarshal([]byte(inLines[i]), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(lines[i]), &b); err != nil {
			t.Fatal(err)
		}
		var ea, eb any
		json.Unmarshal(a.Entries, &ea)
		json.Unmarshal(b.Entries, &eb)
		if !reflect.DeepEqual(ea, eb) {
			t.Errorf("item %s entries changed:\n in  %s\n out %s", a.ItemID, a.Entries, b.Entries)
		}
		a.Entries, b.Entries = nil, nil
		if a.ExpireTime != "" {
			ta, _ := time.Parse(time.RFC3339Nano, a.ExpireTime)
			tb, _ := time.Parse(time.RFC3339Nano, b.ExpireTime)
			if !ta.Equal(tb) {
				t.Errorf("expire_time %s became %s", a.ExpireTime, b.ExpireTime)
			}
			a.ExpireTime, b.ExpireTime = "", ""
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("item changed:\n in  %+v\n out %+v", a, b)
		}
	}
	// The round trip also survives a second pass byte for byte.
	again, _, _, err := ReadExceptions(bytes.NewReader(out.Bytes()), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out2 bytes.Buffer
	for i := range again {
		again[i].ID = stored[i].ID
	}
	WriteExceptions(&out2, lists[0], again)
	if out2.String() != out.String() {
		t.Errorf("second round trip differs:\n%s\n%s", out.String(), out2.String())
	}
}

func TestReadExceptionsErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not json", "{nope", "line 1"},
		{"bad entry", `{"item_id":"x","list_id":"l","type":"simple","entries":[{"field":"a","type":"regex","value":"x"}]}`, "unknown type"},
		{"endpoint item", `{"item_id":"x","list_id":"l","type":"endpoint","entries":[{"field":"a","type":"exists"}]}`, "not supported"},
		{"empty", "\n\n", "no exception list"},
		{"only rules", `{"rule_id":"r","name":"n"}`, "no exception list"},
	}
	for _, tt := range tests {
		_, _, _, err := ReadExceptions(strings.NewReader(tt.in), ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestWriteValueList(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, a := range []triage.AllowEntry{
		{Kind: triage.AllowIP, Value: "192.0.2.10", Reason: "monitor"},
		{Kind: triage.AllowIP, Value: "198.51.100.0/24"}, // stored as cidr
		{Kind: triage.AllowUserAgent, Value: "Pingdom.com_bot_version_1.4"},
		{Kind: triage.AllowUserAgent, Value: "evil\nline"},
		{Kind: triage.AllowIP, Value: "203.0.113.1", Expires: time.Now().Add(-time.Hour), Created: time.Now().Add(-2 * time.Hour)},
	} {
		if _, err := s.AddAllowEntry(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	active, err := s.Allowlist(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind    string
		want    string
		skipped int
	}{
		{triage.AllowIP, "192.0.2.10\n198.51.100.0/24\n", 0},
		{triage.AllowUserAgent, "Pingdom.com_bot_version_1.4\n", 1},
		{triage.AllowUser, "", 0},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		_, skipped, err := WriteValueList(&b, active, tt.kind)
		if err != nil || b.String() != tt.want || skipped != tt.skipped {
			t.Errorf("%s: %q skipped %d (%v), want %q skipped %d", tt.kind, b.String(), skipped, err, tt.want, tt.skipped)
		}
	}
}

// Lines of a small Kibana export the hostile-input tests build on.
const (
	listLine = `{"id":"l1","list_id":"web","name":"Web","description":"d","type":"detection","namespace_type":"single","os_types":[],"tags":[],"version":1}`
	itemLine = `{"item_id":"i1","list_id":"web","name":"n","description":"d","type":"simple","namespace_type":"single","entries":[{"field":"source.ip","operator":"included","type":"match","value":"10.0.0.5"}],"comments":[],"os_types":[],"tags":[]}`
)

// withTags returns itemLine with tags.
func withTags(tags ...string) string {
	b, _ := json.Marshal(tags)
	return strings.Replace(itemLine, `"tags":[]`, `"tags":`+string(b), 1)
}

// TestReadExceptionsAccepts covers exports that are valid but used to be
// refused (issue 17): a container whose item_id is null, a byte order mark.
func TestReadExceptionsAccepts(t *testing.T) {
	known := func(id string) bool { return id == "appsensor:ACE3" }
	tests := []struct {
		name         string
		in           string
		lists, items int
		detector     string
	}{
		{"item_id null on the container", strings.Replace(listLine, `"id":"l1",`, `"id":"l1","item_id":null,`, 1) + "\n" + itemLine, 1, 1, "*"},
		{"entries null on the container", strings.Replace(listLine, `"id":"l1",`, `"id":"l1","entries":null,`, 1) + "\n" + itemLine, 1, 1, "*"},
		{"byte order mark", "\ufeff" + listLine + "\n" + itemLine, 1, 1, "*"},
		{"byte order mark before an item", "\ufeff" + itemLine, 0, 1, "*"},
		{"known detector tag", listLine + "\n" + withTags("picket:detector=appsensor:ACE3"), 1, 1, "appsensor:ACE3"},
		{"every detector tag", listLine + "\n" + withTags("picket:detector=*"), 1, 1, "*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xs, lists, st, err := ReadExceptions(strings.NewReader(tt.in), ReadOptions{KnownDetector: known})
			if err != nil {
				t.Fatal(err)
			}
			if len(lists) != tt.lists || st.Lists != tt.lists || len(xs) != tt.items || st.Items != tt.items {
				t.Fatalf("%d lists, %d items (stats %+v); want %d and %d", len(lists), len(xs), st, tt.lists, tt.items)
			}
			if xs[0].Detector != tt.detector {
				t.Errorf("detector %q, want %q", xs[0].Detector, tt.detector)
			}
		})
	}
}

// TestReadExceptionsUnknownDetector: a tag naming a detector Picket does
// not have would be stored and never apply; the import says so instead,
// naming the line and the tag.
func TestReadExceptionsUnknownDetector(t *testing.T) {
	known := func(id string) bool { return id == "appsensor:ACE3" }
	in := listLine + "\n" + withTags("web", "picket:detector=appsensor:NOPE")
	xs, _, _, err := ReadExceptions(strings.NewReader(in), ReadOptions{KnownDetector: known})
	if err == nil || xs != nil {
		t.Fatalf("accepted %d exception(s), err %v", len(xs), err)
	}
	for _, want := range []string{"line 2", `"picket:detector=appsensor:NOPE"`, "does not know"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// Without a validator (a library caller that knows no detectors) the
	// tag is taken as it is.
	if xs, _, _, err := ReadExceptions(strings.NewReader(in), ReadOptions{}); err != nil || xs[0].Detector != "appsensor:NOPE" {
		t.Errorf("without a validator: %v %v", xs, err)
	}
}
