package kibana

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"picket/triage"
)

// MaxValueListFile is the largest value list file Kibana imports
// (POST /api/lists/items/_import: "The maximum file size is 9 million
// bytes"); a larger file is refused here too, so what imports in Picket
// imports in Kibana.
const MaxValueListFile = 9_000_000

// ValueListStats says what ReadValueList read.
type ValueListStats struct {
	Lines      int // lines read
	Blank      int // blank lines skipped
	Duplicates int // values given more than once (stored once)
}

// maxBadLines is how many bad lines a failed read names one by one.
const maxBadLines = 10

// ReadValueList reads a value list file as Kibana's import does (Rules >
// Manage value lists, or POST /api/lists/items/_import): one value per
// line, .txt or .csv alike (a line is one value even if it holds commas),
// each value trimmed, blank lines skipped, duplicates stored once. Kibana
// has no comments: a line starting with # is a value (a keyword list keeps
// it; an ip list refuses it). An ip list takes addresses; an ip_range list
// CIDR blocks, "first-last" ranges or single addresses; a keyword list any
// text. A UTF-8 byte order mark and CRLF line ends are accepted.
//
// name is the file's name for messages. A value that does not fit typ
// fails the whole read with errors naming name:LINE (the first ten, then a
// count), so a list is imported whole or not at all.
func ReadValueList(r io.Reader, name, typ string) ([]string, ValueListStats, error) {
	var st ValueListStats
	if !validListType(typ) {
		return nil, st, fmt.Errorf("unknown list type %q (want %s)", typ, strings.Join(triage.ValueListTypes, ", "))
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxValueListFile+1))
	if err != nil {
		return nil, st, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > MaxValueListFile {
		return nil, st, fmt.Errorf("%s: larger than %d bytes, the most Kibana's value list import takes: split it into several lists", name, MaxValueListFile)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	var (
		vals []string
		seen = map[string]bool{}
		bad  []string
		nbad int
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), MaxValueListFile+1)
	for sc.Scan() {
		st.Lines++
		v := strings.TrimSpace(sc.Text())
		if v == "" {
			st.Blank++
			continue
		}
		if err := triage.ParseListValue(typ, v); err != nil {
			nbad++
			if len(bad) < maxBadLines {
				msg := err.Error()
				if strings.HasPrefix(v, "#") {
					msg += " (Kibana's value lists have no comments: remove the line)"
				}
				bad = append(bad, fmt.Sprintf("%s:%d: %s", name, st.Lines, msg))
			}
			continue
		}
		if seen[v] {
			st.Duplicates++
			continue
		}
		seen[v] = true
		vals = append(vals, v)
	}
	if err := sc.Err(); err != nil {
		return nil, st, fmt.Errorf("%s:%d: %w", name, st.Lines+1, err)
	}
	if nbad > 0 {
		if nbad > len(bad) {
			bad = append(bad, fmt.Sprintf("%s: %d more bad line(s)", name, nbad-len(bad)))
		}
		return nil, st, errors.New(strings.Join(bad, "\n"))
	}
	if len(vals) == 0 {
		return nil, st, fmt.Errorf("%s: no values (one value per line)", name)
	}
	return vals, st, nil
}

func validListType(t string) bool {
	for _, v := range triage.ValueListTypes {
		if v == t {
			return true
		}
	}
	return false
}
