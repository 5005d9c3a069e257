package kibana

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadExceptions feeds arbitrary bytes to the exception-list import.
// It must never panic, and whatever it accepts it must be able to write
// back: the export of an import reads again, to the same export.
func FuzzReadExceptions(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "kibana-exceptions.ndjson"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(listLine + "\n" + itemLine + "\n"))
	f.Add([]byte("\ufeff" + withTags("picket:detector=appsensor:ACE3", "web")))
	f.Add([]byte(`{"list_id":"l","item_id":null}` + "\n" + `{"entries":[{"field":"a","type":"exists","operator":"excluded"}],"expire_time":"2027-01-31T00:00:00.000Z"}`))
	f.Add([]byte(`{"rule_id":"r"}` + "\n" + `{"exported_exception_list_count":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		xs, lists, _, err := ReadExceptions(bytes.NewReader(data), ReadOptions{})
		if err != nil {
			return
		}
		var list ExceptionList
		if len(lists) > 0 {
			list = lists[0]
		}
		var out bytes.Buffer
		if err := WriteExceptions(&out, list, xs); err != nil {
			t.Fatalf("accepted input does not write back: %v", err)
		}
		again, lists2, _, err := ReadExceptions(bytes.NewReader(out.Bytes()), ReadOptions{})
		if err != nil {
			t.Fatalf("our own export does not import: %v\n%s", err, out.Bytes())
		}
		if len(again) != len(xs) || len(lists2) != 1 {
			t.Fatalf("export of %d items read back as %d items in %d lists", len(xs), len(again), len(lists2))
		}
		var out2 bytes.Buffer
		if err := WriteExceptions(&out2, lists2[0], again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), out2.Bytes()) {
			t.Fatalf("export changes on a second round trip:\n%s\n%s", out.Bytes(), out2.Bytes())
		}
	})
}
