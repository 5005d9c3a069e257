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
