package kql_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"picket/kql"
)

// event is a minimal kql.Document over a flat map of dotted paths.
type event map[string][]kql.Value

func (e event) Values(path string) []kql.Value { return e[path] }

func (e event) Fields() []string {
	var out []string
	for f := range e {
		out = append(out, f)
	}
	return out
}

func (e event) Objects(string) []kql.Document { return nil }

func Example() {
	q, err := kql.Parse(`http.response.status_code:403 and http.request.method:post`,
		kql.WithNow(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)))
	if err != nil {
		panic(err)
	}
	modern := event{
		"http.response.status_code": {kql.NumberValue(403)},
		"http.request.method":       {kql.StringValue("POST")},
	}
	fmt.Println("matches POST:", q.Match(modern))
	for _, c := range q.Comparisons() {
		fmt.Printf("%s %s %q type=%s exact=%v\n", c.Field, c.Op, c.Value, c.Type, c.Exact)
	}
	dsl, _ := json.Marshal(q.ToDSL(kql.WithoutFieldTypes()))
	fmt.Println(string(dsl))
	// Output:
	// matches POST: false
	// http.response.status_code : "403" type=long exact=false
	// http.request.method : "post" type=keyword exact=true
	// {"bool":{"filter":[{"bool":{"minimum_should_match":1,"should":[{"match":{"http.response.status_code":"403"}}]}},{"bool":{"minimum_should_match":1,"should":[{"match":{"http.request.method":"post"}}]}}]}}
}

func ExampleParse_error() {
	_, err := kql.Parse(`http.request.method:`)
	var pe *kql.ParseError
	if errors.As(err, &pe) {
		fmt.Println(pe.Column, pe.Expected)
	}
	fmt.Println(err)
	// Output:
	// 21 a value after ':'
	// kql: column 21: expected a value after ':', found end of query
}

func ExampleParse_malformedValue() {
	_, err := kql.Parse(`source.ip:10.0.0.0/99`)
	fmt.Println(err)
	// Output:
	// kql: column 11: expected an IP address or CIDR block for source.ip (type ip), found "10.0.0.0/99"
}

func ExampleQuery_ValueLists() {
	q := kql.MustParse(`source.ip:(192.0.2.1 or 198.51.100.0/24 or "2001:db8::1") and not url.path:(/health or /ready)`)
	for _, l := range q.ValueLists() {
		fmt.Printf("%s at column %d: %d values\n", l.Field, l.Column, l.Values)
	}
	fmt.Println(len(q.Warnings()), "warnings")
	// Output:
	// source.ip at column 1: 3 values
	// url.path at column 67: 2 values
	// 0 warnings
}

func ExampleQuery_Prefilter() {
	q := kql.MustParse(`http.response.status_code:403 and http.request.method:POST`)
	keep, ok := q.Prefilter()
	fmt.Println("prefilter:", ok)
	for _, line := range []string{
		`{"http":{"request":{"method":"POST"},"response":{"status_code":403}}}`,
		`{"http":{"request":{"method":"P\u004fST"},"response":{"status_code":4.03e2}}}`,
		`{"http":{"request":{"method":"GET"},"response":{"status_code":403}}}`,
	} {
		fmt.Println(keep([]byte(line)))
	}
	_, ok = kql.MustParse(`not http.request.method:GET`).Prefilter()
	fmt.Println("prefilter for a not:", ok)
	// Output:
	// prefilter: true
	// true
	// true
	// false
	// prefilter for a not: false
}
