package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
)

// field is one leaf of a flattened document.
type field struct {
	Path  string // dotted path; array elements as path[i]
	Value string // a string as is, a number's literal, true/false/null, {} or []
}

// flatten parses a JSON document and returns its leaves as dotted paths,
// sorted by path. Nested objects and dotted keys give the same paths
// ({"a":{"b":1}} and {"a.b":1} both give a.b), array elements get an index
// (tags[0]) and indexes sort numerically. Values are not escaped: the
// caller escapes what it prints.
func flatten(raw []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the document")
	}
	var out []field
	out = flattenInto(out, "", doc)
	slices.SortStableFunc(out, func(a, b field) int { return naturalCompare(a.Path, b.Path) })
	return out, nil
}

func flattenInto(out []field, path string, v any) []field {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			return append(out, field{path, "{}"})
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys) // duplicate paths keep a stable order
		for _, k := range keys {
			child := v[k]
			p := k
			if path != "" {
				p = path + "." + k
			}
			out = flattenInto(out, p, child)
		}
	case []any:
		if len(v) == 0 {
			return append(out, field{path, "[]"})
		}
		for i, child := range v {
			out = flattenInto(out, path+"["+strconv.Itoa(i)+"]", child)
		}
	case string:
		out = append(out, field{path, v})
	case json.Number:
		out = append(out, field{path, v.String()})
	case bool:
		out = append(out, field{path, strconv.FormatBool(v)})
	case nil:
		out = append(out, field{path, "null"})
	}
	return out
}

// naturalCompare orders strings bytewise except that runs of digits compare
// by numeric value, so tags[2] sorts before tags[10].
func naturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na, nb := trimZeros(a[si:i]), trimZeros(b[sj:j])
			if len(na) != len(nb) {
				return cmpInt(len(na), len(nb))
			}
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
			continue
		}
		if ca != cb {
			return cmpInt(int(ca), int(cb))
		}
		i++
		j++
	}
	return cmpInt(len(a)-i, len(b)-j)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
