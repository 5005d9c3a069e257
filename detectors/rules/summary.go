package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Summarize words load problems in one line, for commands that should not
// repeat every problem of the imported rules each time they run (picket
// rules import names them once): "2 bad lines in FILE", "1 bad line,
// 1 duplicate rule_id and 2 other problems in 4 files". It returns ""
// when there is nothing to say.
func Summarize(errs []error) string {
	if len(errs) == 0 {
		return ""
	}
	lines, dups, other := 0, 0, 0
	var files []string
	seen := map[string]bool{}
	file := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	for _, err := range errs {
		var le *LoadError
		var dup *DuplicateError
		var more *MoreLinesError
		switch {
		case errors.As(err, &dup):
			dups++
			for _, c := range dup.Copies {
				file(c.file)
			}
		case errors.As(err, &more):
			lines += more.N
			if errors.As(err, &le) {
				file(le.File)
			}
		case errors.As(err, &le):
			if le.Line > 0 {
				lines++
			} else {
				other++
			}
			file(le.File)
		default:
			other++
			var pe *fs.PathError
			if errors.As(err, &pe) {
				file(pe.Path)
			}
		}
	}
	var parts []string
	if lines > 0 {
		parts = append(parts, plural(lines, "bad line", "bad lines"))
	}
	if dups > 0 {
		parts = append(parts, plural(dups, "duplicate rule_id", "duplicate rule_ids"))
	}
	if other > 0 {
		parts = append(parts, plural(other, "other problem", "other problems"))
	}
	what := parts[0]
	if len(parts) > 1 {
		what = strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	switch len(files) {
	case 0:
		return what
	case 1:
		return what + " in " + files[0]
	}
	return what + " in " + plural(len(files), "file", "files")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
