package rules

import (
	"strings"
)

// IndexPatterns is a rule's list of Elasticsearch index patterns
// ("traces-apm*", "logs-*,-logs-test*", "remote:logs-*"). Only * is a
// wildcard; a pattern starting with - excludes what it matches, as in
// Elasticsearch's multi-target syntax.
type IndexPatterns struct {
	include, exclude []string
}

// CompileIndex splits comma-separated entries and sorts inclusions from
// exclusions.
func CompileIndex(patterns []string) IndexPatterns {
	var ip IndexPatterns
	for _, p := range patterns {
		for _, part := range strings.Split(p, ",") {
			part = strings.TrimSpace(part)
			switch {
			case part == "":
			case strings.HasPrefix(part, "-") && len(part) > 1:
				ip.exclude = append(ip.exclude, part[1:])
			default:
				ip.include = append(ip.include, part)
			}
		}
	}
	return ip
}

// Empty reports whether there is no pattern at all (the rule then runs on
// every event).
func (ip IndexPatterns) Empty() bool { return len(ip.include) == 0 }

// Match reports whether the index or data stream name is selected.
func (ip IndexPatterns) Match(name string) bool {
	hit := false
	for _, p := range ip.include {
		if Glob(p, name) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	for _, p := range ip.exclude {
		if Glob(p, name) {
			return false
		}
	}
	return true
}

// MatchIndex reports whether an event read from Elasticsearch index name
// is selected. A data stream's backing index (.ds-traces-apm-default-
// 2026.11.03-000001) is selected when its data stream is, as Elasticsearch
// resolves patterns to data streams, not to their hidden backing indices.
func (ip IndexPatterns) MatchIndex(name string) bool {
	if ip.Match(name) {
		return true
	}
	if ds, ok := BackingDataStream(name); ok {
		return ip.Match(ds)
	}
	return false
}

// BackingDataStream returns the data stream a backing index belongs to:
// ".ds-<stream>-<yyyy.MM.dd>-<generation>" gives <stream>.
func BackingDataStream(index string) (string, bool) {
	cluster := ""
	if i := strings.IndexByte(index, ':'); i >= 0 {
		cluster, index = index[:i+1], index[i+1:]
	}
	rest, ok := strings.CutPrefix(index, ".ds-")
	if !ok {
		return "", false
	}
	// Strip "-<generation>" and "-<date>".
	for range 2 {
		i := strings.LastIndexByte(rest, '-')
		if i <= 0 {
			return "", false
		}
		rest = rest[:i]
	}
	return cluster + rest, true
}

// Glob matches name against pattern, where * matches any run of
// characters (including none) and everything else matches itself.
func Glob(pattern, name string) bool {
	// Iterative matching with one backtrack point: linear in practice,
	// and never exponential.
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && pattern[p] == name[n]:
			p++
			n++
		case star >= 0:
			p = star + 1
			mark++
			n = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
