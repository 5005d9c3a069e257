package rules

import (
	"errors"
	"io/fs"
	"testing"
)

func TestSummarize(t *testing.T) {
	line := func(file string, n int) error {
		return &LoadError{File: file, Line: n, Err: errors.New("invalid JSON")}
	}
	dup := &DuplicateError{RuleID: "x", Copies: []*Rule{{file: "a.toml"}, {file: "b.toml"}}}
	tests := []struct {
		name string
		errs []error
		want string
	}{
		{"nothing", nil, ""},
		{"one bad line", []error{line("e.ndjson", 4)}, "1 bad line in e.ndjson"},
		{"lines of one file", []error{line("e.ndjson", 4), line("e.ndjson", 5)}, "2 bad lines in e.ndjson"},
		{"lines beyond the named ones", []error{line("e.ndjson", 4), &LoadError{File: "e.ndjson", Err: &MoreLinesError{N: 40}}}, "41 bad lines in e.ndjson"},
		{"a file that does not load", []error{&LoadError{File: "r.toml", Err: errors.New("no severity")}}, "1 other problem in r.toml"},
		{"a duplicate", []error{dup}, "1 duplicate rule_id in 2 files"},
		{"everything", []error{line("e.ndjson", 4), dup, &LoadError{File: "r.toml", Err: errors.New("no severity")}, &fs.PathError{Op: "open", Path: "c.toml", Err: fs.ErrPermission}},
			"1 bad line, 1 duplicate rule_id and 2 other problems in 5 files"},
		{"an error naming no file", []error{errors.New("walk failed")}, "1 other problem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.errs); got != tt.want {
				t.Errorf("Summarize = %q, want %q", got, tt.want)
			}
		})
	}
}
