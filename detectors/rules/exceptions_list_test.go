package rules

import (
	"reflect"
	"strings"
	"testing"

	"picket/triage"
)

// TestExceptionsList reads a rule's exceptions_list from Kibana's export
// and from detection-rules TOML.
func TestExceptionsList(t *testing.T) {
	want := []triage.ExceptionListRef{
		{ID: "a1", ListID: "web-rule-exceptions", Namespace: "single", Type: "rule_default"},
		{ListID: "shared-scanners", Namespace: "agnostic", Type: "detection"},
	}
	ndjson := `{"rule_id":"r1","name":"R","severity":"low","risk_score":21,"type":"query","language":"kuery","query":"a:1",` +
		`"exceptions_list":[{"id":"a1","list_id":"web-rule-exceptions","namespace_type":"single","type":"rule_default"},` +
		`{"list_id":"shared-scanners","namespace_type":"agnostic","type":"detection"}]}` + "\n"
	rs, errs := ParseNDJSON("export.ndjson", strings.NewReader(ndjson))
	if len(errs) > 0 || len(rs) != 1 {
		t.Fatalf("ndjson: %v %v", rs, errs)
	}
	if !reflect.DeepEqual(rs[0].ExceptionsList, want) {
		t.Errorf("ndjson: %+v, want %+v", rs[0].ExceptionsList, want)
	}
	toml := `[rule]
rule_id = "r2"
name = "R2"
severity = "low"
risk_score = 21
type = "query"
query = "a:1"

[[rule.exceptions_list]]
id = "a1"
list_id = "web-rule-exceptions"
namespace_type = "single"
type = "rule_default"

[[rule.exceptions_list]]
list_id = "shared-scanners"
namespace_type = "agnostic"
type = "detection"
`
	r, err := ParseTOML("r2.toml", []byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.ExceptionsList, want) {
		t.Errorf("toml: %+v, want %+v", r.ExceptionsList, want)
	}
	empty := "[rule]\nrule_id = \"r3\"\nname = \"R3\"\nseverity = \"low\"\nrisk_score = 21\ntype = \"query\"\nquery = \"a:1\"\nexceptions_list = []\n"
	r, err = ParseTOML("r3.toml", []byte(empty))
	if err != nil || len(r.ExceptionsList) != 0 {
		t.Errorf("empty exceptions_list: %+v, %v", r, err)
	}
}
