package rules

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"picket/triage"
)

// LoadError is a problem with one rule file, or one line of an NDJSON
// export. Loading goes on past it.
type LoadError struct {
	File string
	Line int // 1-based; 0 when the problem is not on one line
	Err  error
}

func (e *LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

// tomlTypeError is how BurntSushi/toml words a value of the wrong type:
// a plain error, unlike its ParseError.
var tomlTypeError = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// TOMLErrorAt is the one reading of a TOML decoding error, for rule
// files and the config file alike: the line it names (0 when none) and
// the message without the library's prefix, naming the key when it knows
// it. It never quotes the line's text, which may hold a credential.
func TOMLErrorAt(err error) (line int, msg string) {
	var perr toml.ParseError
	if errors.As(err, &perr) {
		msg = perr.Message
		if perr.LastKey != "" {
			msg = "key " + perr.LastKey + ": " + msg
		}
		return perr.Position.Line, msg
	}
	if m := tomlTypeError.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, "key " + m[2] + ": " + m[3]
	}
	return 0, strings.TrimPrefix(err.Error(), "toml: ")
}

// IsRuleFile reports whether a file name is one Load reads: *.toml
// (detection-rules) or *.ndjson (Kibana's rule export).
func IsRuleFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".toml" || ext == ".ndjson"
}

// Load reads rules from files and directories. A directory is walked for
// *.toml and *.ndjson files (in lexical order); a file is read whatever
// its name ends with, by its content's shape: detection-rules TOML when it
// has a [rule] table, NDJSON otherwise. Problems are returned one per bad
// file or line, each naming the file (and line); the good rules still load.
// A path that cannot be read at all is an error too. Files are read up to
// a size cap (see LoadFile); in a folder only regular files are read; an
// NDJSON file names its first 10 bad lines and counts the rest, and one
// whose first lines are all bad is not read further.
func Load(paths ...string) ([]*Rule, []error) {
	var rules []*Rule
	var errs []error
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.IsDir() {
			rs, es := LoadFile(p)
			rules, errs = append(rules, rs...), append(errs, es...)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			if d.IsDir() || !IsRuleFile(d.Name()) {
				return nil
			}
			if err := regular(path); err != nil {
				errs = append(errs, err)
				return nil
			}
			rs, es := LoadFile(path)
			rules, errs = append(rules, rs...), append(errs, es...)
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return rules, errs
}

// LoadFile reads one rule file. See Load. A file larger than a rule file
// can be (MaxTOMLSize, MaxNDJSONSize), or holding binary data, is refused
// with one *LoadError without reading it further.
func LoadFile(path string) ([]*Rule, []error) {
	data, err := readRuleFile(path)
	if err != nil {
		return nil, []error{err}
	}
	return parseFile(path, data)
}

// Size caps on rule files. A detection-rules TOML file is a few kilobytes;
// a Kibana export holds at most 10,000 rules of a few kilobytes each. A
// file beyond the cap is not a rule file (events, a disk image, a device),
// and reading it whole would cost its size in memory.
const (
	MaxTOMLSize   = 16 << 20
	MaxNDJSONSize = 64 << 20
)

// readRuleFile reads a rule file, at most its cap: the NDJSON cap, or the
// TOML cap for *.toml. A regular file is judged by its size before it is
// read; anything else (a device, a pipe) by what it yields, so
// /dev/zero stops at its first chunk (a NUL byte) and an endless stream
// at the cap.
func readRuleFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	limit := int64(MaxNDJSONSize)
	if strings.EqualFold(filepath.Ext(path), ".toml") {
		limit = MaxTOMLSize
	}
	if st.Mode().IsRegular() && st.Size() > limit {
		return nil, tooBig(path, st.Size(), limit)
	}
	var data []byte
	chunk := make([]byte, 64<<10)
	for {
		n, err := f.Read(chunk)
		if i := bytes.IndexByte(chunk[:n], 0); i >= 0 {
			return nil, &LoadError{File: path, Err: fmt.Errorf("binary data (a NUL byte at offset %d): not a rule file", len(data)+i)}
		}
		data = append(data, chunk[:n]...)
		if int64(len(data)) > limit {
			return nil, tooBig(path, -1, limit)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &LoadError{File: path, Err: err}
		}
	}
	// A file named neither .toml nor .ndjson is read as TOML by its shape.
	if isTOML(path, data) && len(data) > MaxTOMLSize {
		return nil, tooBig(path, int64(len(data)), MaxTOMLSize)
	}
	return data, nil
}

// tooBig words the refusal of a file over the cap; size is -1 when the
// file does not say (a device or a pipe).
func tooBig(path string, size, limit int64) error {
	what := "it holds more than a rule file may hold"
	if size >= 0 {
		what = fmt.Sprintf("%.1f MiB is more than a rule file may hold", float64(size)/(1<<20))
	}
	return &LoadError{File: path, Err: fmt.Errorf("%s (%d MiB): not read; is it events rather than rules?", what, limit>>20)}
}

// regular returns a *LoadError unless path is a regular file (following
// symbolic links): a named pipe or a device found in a folder could block
// or never end.
func regular(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return &LoadError{File: path, Err: fmt.Errorf("not a regular file (%s): skipped", st.Mode().Type())}
	}
	return nil
}

// parseFile reads the rules of one file's content, by its shape.
func parseFile(path string, data []byte) ([]*Rule, []error) {
	if isTOML(path, data) {
		r, err := ParseTOML(path, data)
		if err != nil {
			return nil, []error{err}
		}
		return []*Rule{r}, nil
	}
	return ParseNDJSON(path, bytes.NewReader(data))
}

func isTOML(path string, data []byte) bool {
	if strings.EqualFold(filepath.Ext(path), ".toml") {
		return true
	}
	if strings.EqualFold(filepath.Ext(path), ".ndjson") {
		return false
	}
	trimmed := bytes.TrimSpace(data)
	return len(trimmed) > 0 && trimmed[0] != '{'
}

// tomlFile is the part of a detection-rules TOML file Picket reads.
type tomlFile struct {
	Metadata struct {
		Maturity    string `toml:"maturity"`
		UpdatedDate string `toml:"updated_date"` // "2026/07/19"
	} `toml:"metadata"`
	Rule *ruleFields `toml:"rule"`
}

// ruleFields holds a rule's settings under the names both detection-rules
// TOML and Kibana's export use.
type ruleFields struct {
	RuleID            string                    `toml:"rule_id" json:"rule_id"`
	Name              string                    `toml:"name" json:"name"`
	Version           int                       `toml:"version" json:"version"`
	Description       string                    `toml:"description" json:"description"`
	Severity          string                    `toml:"severity" json:"severity"`
	RiskScore         float64                   `toml:"risk_score" json:"risk_score"`
	Type              string                    `toml:"type" json:"type"`
	Language          string                    `toml:"language" json:"language"`
	Query             string                    `toml:"query" json:"query"`
	Index             []string                  `toml:"index" json:"index"`
	MLJobID           any                       `toml:"machine_learning_job_id" json:"machine_learning_job_id"`
	AnomalyThreshold  float64                   `toml:"anomaly_threshold" json:"anomaly_threshold"`
	Interval          string                    `toml:"interval" json:"interval"`
	From              string                    `toml:"from" json:"from"`
	MaxSignals        int                       `toml:"max_signals" json:"max_signals"`
	TimestampOverride string                    `toml:"timestamp_override" json:"timestamp_override"`
	FallbackDisabled  *bool                     `toml:"timestamp_override_fallback_disabled" json:"timestamp_override_fallback_disabled"`
	Note              string                    `toml:"note" json:"note"`
	Tags              []string                  `toml:"tags" json:"tags"`
	Enabled           *bool                     `toml:"enabled" json:"enabled"`
	UpdatedAt         string                    `toml:"-" json:"updated_at"` // Kibana's export only
	ExceptionsList    []triage.ExceptionListRef `toml:"exceptions_list" json:"exceptions_list"`
	Threat            []struct {
		Tactic struct {
			Name string `toml:"name" json:"name"`
		} `toml:"tactic" json:"tactic"`
	} `toml:"threat" json:"threat"`
}

func (f *ruleFields) rule(source string) (*Rule, error) {
	r := &Rule{
		RuleID:                            strings.TrimSpace(f.RuleID),
		Name:                              strings.TrimSpace(f.Name),
		Version:                           f.Version,
		Description:                       f.Description,
		RiskScore:                         int(f.RiskScore),
		Type:                              Type(strings.ToLower(strings.TrimSpace(f.Type))),
		Language:                          strings.ToLower(strings.TrimSpace(f.Language)),
		Query:                             strings.TrimSpace(f.Query),
		Index:                             f.Index,
		AnomalyThreshold:                  int(f.AnomalyThreshold),
		Interval:                          f.Interval,
		From:                              f.From,
		MaxSignals:                        f.MaxSignals,
		TimestampOverride:                 strings.TrimSpace(f.TimestampOverride),
		TimestampOverrideFallbackDisabled: f.FallbackDisabled != nil && *f.FallbackDisabled,
		Note:                              f.Note,
		Tags:                              f.Tags,
		Enabled:                           f.Enabled == nil || *f.Enabled,
		Updated:                           triage.ParseTimestamp(f.UpdatedAt),
		ExceptionsList:                    f.ExceptionsList,
		Source:                            source,
	}
	if f.RiskScore != float64(int(f.RiskScore)) {
		return nil, fmt.Errorf("rule %s: risk_score %v is not a whole number", r.RuleID, f.RiskScore)
	}
	switch v := f.MLJobID.(type) {
	case nil:
	case string:
		r.MLJobIDs = []string{v}
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("rule %s: machine_learning_job_id must hold strings", r.RuleID)
			}
			r.MLJobIDs = append(r.MLJobIDs, s)
		}
	default:
		return nil, fmt.Errorf("rule %s: machine_learning_job_id must be a string or a list of strings", r.RuleID)
	}
	for _, t := range f.Threat {
		if n := t.Tactic.Name; n != "" && !slices.Contains(r.Tactics, n) {
			r.Tactics = append(r.Tactics, n)
		}
	}
	if f.Severity == "" {
		return nil, fmt.Errorf("rule %s has no severity", r.RuleID)
	}
	sev, err := triage.ParseSeverity(f.Severity)
	if err != nil {
		return nil, fmt.Errorf("rule %s: %w", r.RuleID, err)
	}
	r.Severity = sev
	if err := r.check(); err != nil {
		return nil, err
	}
	return r, nil
}

// ParseTOML reads a detection-rules TOML file: [metadata], [rule] (with
// [[rule.threat]] and the type-specific tables, which Picket keeps only
// as far as it uses them). Errors are *LoadError naming the file, and the
// line when the TOML itself is malformed.
func ParseTOML(name string, data []byte) (*Rule, error) {
	if line, deep := tooDeep(data, maxTOMLDepth); deep {
		return nil, &LoadError{File: name, Line: line, Err: fmt.Errorf("arrays or inline tables nested deeper than %d levels: not a rule file", maxTOMLDepth)}
	}
	var f tomlFile
	if _, err := toml.Decode(string(data), &f); err != nil {
		line, msg := TOMLErrorAt(err)
		return nil, &LoadError{File: name, Line: line, Err: errors.New(msg)}
	}
	if f.Rule == nil {
		return nil, &LoadError{File: name, Err: errors.New("no [rule] table: not a detection-rules rule file")}
	}
	r, err := f.Rule.rule(name)
	if err != nil {
		return nil, &LoadError{File: name, Err: err}
	}
	if strings.EqualFold(f.Metadata.Maturity, "deprecated") {
		r.Enabled = false
	}
	if t, err := time.Parse("2006/01/02", strings.TrimSpace(f.Metadata.UpdatedDate)); err == nil {
		r.Updated = t
	}
	r.file = name
	return r, nil
}

// ParseNDJSON reads Kibana's rule export (Stack Management, or
// POST /api/detection_engine/rules/_export): one rule per line, possibly
// followed by exception lists, their items and action connectors (skipped:
// they are not rules), and a final summary line with exported_count. Each
// bad line is a *LoadError naming name and the line; the other lines
// still load. When the summary line counts more rules than were read, that
// is an error too.
func ParseNDJSON(name string, rd io.Reader) ([]*Rule, []error) {
	var rules []*Rule
	var errs []error
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	line := 0
	want := -1
	nbad, more := 0, 0  // bad lines, and those not named one by one
	recognised := false // a rule, a summary or an exception list was read
	eventLike := false  // the first bad line looks like an event
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var probe map[string]json.RawMessage
		bad := func(format string, a ...any) {
			nbad++
			if nbad == 1 {
				eventLike = probe["@timestamp"] != nil
			}
			if len(errs) < maxLineErrors {
				errs = append(errs, &LoadError{File: name, Line: line, Err: fmt.Errorf(format, a...)})
			} else {
				more++
			}
		}
		if err := json.Unmarshal(b, &probe); err != nil {
			bad("invalid JSON: %v", err)
		}
		if !recognised && nbad >= notRuleFileAfter {
			// Say it once and stop: a file of events would otherwise be
			// read to its end for nothing.
			return nil, []error{notRuleFile(errs[0].(*LoadError), nbad, eventLike)}
		}
		if probe == nil {
			continue
		}
		switch {
		case probe["exported_count"] != nil || probe["exported_rules_count"] != nil:
			var sum struct {
				Rules *int `json:"exported_rules_count"`
				Count *int `json:"exported_count"`
			}
			if err := json.Unmarshal(b, &sum); err != nil {
				bad("summary line: %v", err)
			} else if sum.Rules != nil {
				want = *sum.Rules
			}
			recognised = true
			continue
		case probe["rule_id"] == nil && (probe["list_id"] != nil || probe["item_id"] != nil || probe["attributes"] != nil):
			recognised = true
			continue // an exception list, list item or action connector
		case probe["rule_id"] == nil:
			bad("not a rule: no rule_id")
			if !recognised && nbad >= notRuleFileAfter {
				return nil, []error{notRuleFile(errs[0].(*LoadError), nbad, eventLike)}
			}
			continue
		}
		recognised = true
		var f ruleFields
		if err := json.Unmarshal(b, &f); err != nil {
			bad("%v", err)
			continue
		}
		r, err := f.rule(fmt.Sprintf("%s:%d", name, line))
		if err != nil {
			bad("%v", err)
			continue
		}
		r.file = name
		rules = append(rules, r)
	}
	if more > 0 {
		errs = append(errs, &LoadError{File: name, Err: &MoreLinesError{N: more}})
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, &LoadError{File: name, Line: line + 1, Err: err})
	}
	if want > len(rules)+nbad {
		errs = append(errs, &LoadError{File: name, Err: fmt.Errorf("the export's summary counts %d rules but the file holds %d: is it truncated?", want, len(rules))})
	}
	return rules, errs
}

// Bounds on what one NDJSON file may say: the bad lines named one by one,
// and the bad lines that, before anything a Kibana export holds, show the
// file is not one.
const (
	maxLineErrors    = 10
	notRuleFileAfter = 10
)

// MoreLinesError counts the bad lines of a file beyond the ones named.
type MoreLinesError struct{ N int }

func (e *MoreLinesError) Error() string {
	return fmt.Sprintf("and %d more %s that %s not rules", e.N, pick(e.N == 1, "line", "lines"), pick(e.N == 1, "is", "are"))
}

// notRuleFile is the one message for a file whose first lines are all bad.
func notRuleFile(first *LoadError, n int, eventLike bool) error {
	looks := ""
	if eventLike {
		looks = ", and they look like events"
	}
	return &LoadError{File: first.File, Line: first.Line,
		Err: fmt.Errorf("not a rule file: its first %d non-empty lines are not rules (%v)%s; stopped reading", n, first.Err, looks)}
}

// Merge returns base with over laid on top: a rule in over replaces the
// rule in base with the same rule_id (an imported newer version of a
// built-in rule replaces it); other rules are appended in order. Later
// duplicates within over replace earlier ones.
func Merge(base, over []*Rule) []*Rule {
	out := slices.Clone(base)
	pos := make(map[string]int, len(out))
	for i, r := range out {
		pos[r.RuleID] = i
	}
	for _, r := range over {
		if i, ok := pos[r.RuleID]; ok {
			out[i] = r
			continue
		}
		pos[r.RuleID] = len(out)
		out = append(out, r)
	}
	return out
}

// maxTOMLDepth bounds the nesting of arrays and inline tables in a rule
// file. Real rules nest three or four levels; the TOML decoder's time grows
// much faster than linearly with depth, so a hostile file could hang it.
const maxTOMLDepth = 64

// tooDeep reports whether data nests '[' or '{' deeper than limit outside
// strings and comments, and the line where it does. Table headers
// ("[rule]", "[[rule.threat]]") open and close on one line and count too,
// harmlessly. One pass, so it stays linear on any input.
func tooDeep(data []byte, limit int) (int, bool) {
	depth, line := 0, 1
	var quote byte // '"' or '\'' inside a string, 0 outside
	triple := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			line++
			if quote != 0 && !triple {
				quote = 0 // single-line strings end at the line's end
			}
			continue
		}
		switch {
		case quote != 0:
			switch {
			case c == '\\' && quote == '"':
				i++
			case c == quote && !triple:
				quote = 0
			case c == quote && bytes.HasPrefix(data[i:], []byte{c, c, c}):
				quote, triple = 0, false
				i += 2
			}
		case c == '"' || c == '\'':
			quote = c
			if bytes.HasPrefix(data[i:], []byte{c, c, c}) {
				triple = true
				i += 2
			}
		case c == '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case c == '[' || c == '{':
			if depth++; depth > limit {
				return line, true
			}
		case c == ']' || c == '}':
			depth = max(depth-1, 0)
		}
	}
	return 0, false
}
