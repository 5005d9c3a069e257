// Package kibana speaks Kibana's own formats and APIs: the exception-list
// NDJSON of its import and export, the one-value-per-line text of its value
// lists, and the Cases API.
//
// It imports triage for the exception and allowlist types and casefile for
// the case report a push sends and the records a push leaves; casefile
// never imports kibana, so the case file stays SQLite only.
package kibana

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"picket/casefile"
	"picket/triage"
)

// detectorTag carries an exception's Picket detector through Kibana: Kibana
// attaches exception lists to rules, so the item itself has no rule field.
const detectorTag = "picket:detector="

// ExceptionList describes the Kibana exception list container an export
// writes or an import read.
type ExceptionList struct {
	ListID      string   // list_id
	ID          string   // Kibana's saved-object id; defaults to ListID
	Name        string   // name
	Description string   // description
	Type        string   // "detection" (default), "rule_default", "endpoint", ...
	Namespace   string   // namespace_type: "single" (default) or "agnostic"
	Tags        []string // tags
}

// kibanaList and kibanaItem are the NDJSON shapes of Kibana's exception
// list import/export API (POST /api/exception_lists/_export and _import).
type kibanaList struct {
	ID            string   `json:"id,omitempty"`
	ListID        string   `json:"list_id"`
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	Type          string   `json:"type"`
	NamespaceType string   `json:"namespace_type"`
	Immutable     bool     `json:"immutable"`
	OSTypes       []string `json:"os_types"`
	Tags          []string `json:"tags"`
	Version       int      `json:"version"`
}

type kibanaComment struct {
	Comment   string `json:"comment"`
	CreatedAt string `json:"created_at,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
}

type kibanaItem struct {
	ItemID        string                  `json:"item_id"`
	ListID        string                  `json:"list_id"`
	Name          string                  `json:"name"`
	Description   string                  `json:"description"`
	Type          string                  `json:"type"`
	NamespaceType string                  `json:"namespace_type"`
	Entries       []triage.ExceptionEntry `json:"entries"`
	Comments      []kibanaComment         `json:"comments"`
	OSTypes       []string                `json:"os_types"`
	Tags          []string                `json:"tags"`
	ExpireTime    string                  `json:"expire_time,omitempty"`
	CreatedAt     string                  `json:"created_at,omitempty"`
	CreatedBy     string                  `json:"created_by,omitempty"`
}

// kibanaSummary is the trailing line of an exception list export.
type kibanaSummary struct {
	ExportedListCount int   `json:"exported_exception_list_count"`
	ExportedItemCount int   `json:"exported_exception_list_item_count"`
	MissingItemCount  int   `json:"missing_exception_list_item_count"`
	MissingItems      []any `json:"missing_exception_list_items"`
	MissingLists      []any `json:"missing_exception_lists"`
	MissingListsCount int   `json:"missing_exception_lists_count"`
}

// WriteExceptions writes xs as one Kibana exception list in the
// import/export NDJSON: the list container, one line per item (all moved
// into list's list_id), and the summary line Kibana ends its exports with.
// A Picket detector scope travels as the item tag "picket:detector=ID".
func WriteExceptions(w io.Writer, list ExceptionList, xs []triage.Exception) error {
	if list.ListID == "" {
		list.ListID = casefile.DefaultListID
	}
	if list.ID == "" {
		list.ID = list.ListID
	}
	if list.Name == "" {
		list.Name = "Picket exceptions"
	}
	if list.Description == "" {
		list.Description = "Exceptions exported from a Picket case file"
	}
	if list.Type == "" {
		list.Type = "detection"
	}
	if list.Namespace == "" {
		list.Namespace = "single"
	}
	bw := bufio.NewWriter(w)
	var buf bytes.Buffer
	enc := lineEncoder{bw: bw, buf: &buf, enc: json.NewEncoder(&buf)}
	enc.enc.SetEscapeHTML(false)
	if err := enc.Encode(kibanaList{ID: list.ID, ListID: list.ListID, Name: list.Name, Description: list.Description,
		Type: list.Type, NamespaceType: list.Namespace, OSTypes: []string{}, Tags: nonNil(list.Tags), Version: 1}); err != nil {
		return err
	}
	for _, x := range xs {
		it := kibanaItem{
			ItemID:        x.ItemID,
			ListID:        list.ListID,
			Name:          x.Name,
			Description:   x.Reason,
			Type:          "simple",
			NamespaceType: list.Namespace,
			Entries:       x.Entries,
			Comments:      []kibanaComment{},
			OSTypes:       []string{},
			Tags:          []string{},
			CreatedBy:     x.Author,
		}
		if it.ItemID == "" {
			it.ItemID = fmt.Sprintf("picket-%d", x.ID)
		}
		if it.Name == "" {
			it.Name = fmt.Sprintf("Picket exception %d", x.ID)
		}
		if it.Description == "" {
			it.Description = "Added in Picket"
		}
		if !x.Created.IsZero() {
			it.CreatedAt = x.Created.UTC().Format(time.RFC3339Nano)
		}
		if !x.Expires.IsZero() {
			it.ExpireTime = x.Expires.UTC().Format(time.RFC3339Nano)
		}
		for _, t := range x.Tags {
			if !strings.HasPrefix(t, detectorTag) {
				it.Tags = append(it.Tags, t)
			}
		}
		if x.Detector != "" && x.Detector != triage.AllDetectors {
			it.Tags = append(it.Tags, detectorTag+x.Detector)
		}
		for _, c := range x.Comments {
			it.Comments = append(it.Comments, kibanaComment{Comment: c})
		}
		if err := enc.Encode(it); err != nil {
			return err
		}
	}
	if err := enc.Encode(kibanaSummary{ExportedListCount: 1, ExportedItemCount: len(xs),
		MissingItems: []any{}, MissingLists: []any{}}); err != nil {
		return err
	}
	return bw.Flush()
}

// ImportStats says what ReadExceptions read and skipped.
type ImportStats struct {
	Lists   int      // list containers read
	Items   int      // exception items read
	Skipped int      // other lines (rules, connectors)
	Notes   []string // things the analyst should know (os_types ignored)
	// ValueLists names the value lists the items' list entries use, once
	// each, in order of appearance: they apply once imported (picket
	// lists import).
	ValueLists []triage.ListRef
}

// ReadOptions tune ReadExceptions.
type ReadOptions struct {
	// DefaultDetector is the detector of items without a
	// "picket:detector=ID" tag; "" means every detector ("*").
	DefaultDetector string
	// KnownDetector, when not nil, says whether a detector id exists. An
	// item whose tag names a detector it rejects fails the import: the
	// exception would be stored and never apply.
	KnownDetector func(id string) bool
}

// ReadExceptions reads a Kibana exception list export (or a rules export
// that carries exception lists) and returns its items as exceptions.
// Items take their detector from a "picket:detector=ID" tag, else
// o.DefaultDetector. Rules, connectors and the summary line are skipped.
// A malformed or invalid item is an error naming its line; nothing is
// returned then, so an import is all or nothing.
func ReadExceptions(r io.Reader, o ReadOptions) ([]triage.Exception, []ExceptionList, ImportStats, error) {
	defaultDetector := o.DefaultDetector
	if defaultDetector == "" {
		defaultDetector = triage.AllDetectors
	}
	var (
		xs    []triage.Exception
		lists []ExceptionList
		st    ImportStats
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Bytes()
		if lineNo == 1 {
			// Windows editors save UTF-8 with a byte order mark.
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(line, &keys); err != nil {
			return nil, nil, st, &LineError{Line: lineNo, Err: err}
		}
		// A key set to null is as good as absent: Kibana writes
		// "item_id": null on some list containers.
		has := func(k string) bool {
			v, ok := keys[k]
			return ok && !bytes.Equal(v, []byte("null"))
		}
		switch {
		case has("exported_exception_list_count") || has("rule_id"):
			st.Skipped++
		case has("item_id") || has("entries"):
			var it kibanaItem
			if err := json.Unmarshal(line, &it); err != nil {
				return nil, nil, st, &LineError{Line: lineNo, Err: fmt.Errorf("exception item: %w", err)}
			}
			x, err := itemToException(it, defaultDetector, o.KnownDetector)
			if err != nil {
				return nil, nil, st, &LineError{Line: lineNo, Err: fmt.Errorf("exception item %q: %w", it.ItemID, err)}
			}
			if len(it.OSTypes) > 0 {
				st.Notes = append(st.Notes, fmt.Sprintf("item %s: os_types %v ignored (web events carry no host OS)", it.ItemID, it.OSTypes))
			}
			for _, en := range x.Entries {
				if en.Type == triage.EntryList && en.List != nil && !slices.ContainsFunc(st.ValueLists, func(l triage.ListRef) bool { return l.ID == en.List.ID }) {
					st.ValueLists = append(st.ValueLists, *en.List)
				}
			}
			xs = append(xs, x)
			st.Items++
		case has("list_id"):
			var l kibanaList
			if err := json.Unmarshal(line, &l); err != nil {
				return nil, nil, st, &LineError{Line: lineNo, Err: fmt.Errorf("exception list: %w", err)}
			}
			lists = append(lists, ExceptionList{ListID: l.ListID, ID: l.ID, Name: l.Name, Description: l.Description,
				Type: l.Type, Namespace: l.NamespaceType, Tags: l.Tags})
			st.Lists++
		default:
			st.Skipped++
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, st, &LineError{Line: lineNo + 1, Err: errors.New("longer than 16 MiB: not an exception list export")}
		}
		return nil, nil, st, &LineError{Line: lineNo + 1, Err: err}
	}
	if st.Items == 0 && st.Lists == 0 {
		return nil, nil, st, errors.New("no exception list or items found (is this a Kibana exception list export?)")
	}
	return xs, lists, st, nil
}

var utf8BOM = []byte("\xef\xbb\xbf")

func itemToException(it kibanaItem, defaultDetector string, known func(string) bool) (triage.Exception, error) {
	if it.Type != "" && it.Type != "simple" {
		return triage.Exception{}, fmt.Errorf("type %q is not supported (want simple)", it.Type)
	}
	x := triage.Exception{
		ItemID:    it.ItemID,
		ListID:    it.ListID,
		Namespace: it.NamespaceType,
		Name:      it.Name,
		Entries:   it.Entries,
		Reason:    it.Description,
		Author:    it.CreatedBy,
		Detector:  defaultDetector,
	}
	for _, t := range it.Tags {
		if d, ok := strings.CutPrefix(t, detectorTag); ok && d != "" {
			if known != nil && d != triage.AllDetectors && !known(d) {
				return x, fmt.Errorf("tag %q names a detector Picket does not know (picket rules lists them)", t)
			}
			x.Detector = d
			continue
		}
		x.Tags = append(x.Tags, t)
	}
	for _, c := range it.Comments {
		x.Comments = append(x.Comments, c.Comment)
	}
	var err error
	if it.CreatedAt != "" {
		if x.Created, err = time.Parse(time.RFC3339Nano, it.CreatedAt); err != nil {
			return x, fmt.Errorf("created_at: %w", err)
		}
	}
	if it.ExpireTime != "" {
		if x.Expires, err = time.Parse(time.RFC3339Nano, it.ExpireTime); err != nil {
			return x, fmt.Errorf("expire_time: %w", err)
		}
	}
	return x, x.Validate()
}

// WriteValueList writes allowlist entries as an Elastic value list import
// file: one value per line. kind "ip" writes addresses and networks (for an
// ip or ip_range list), any other kind writes that kind's values (for a
// keyword list). Values containing a line break or another control
// character cannot be represented and are skipped; the count of skipped
// values is returned.
func WriteValueList(w io.Writer, entries []triage.AllowEntry, kind string) (written, skipped int, err error) {
	var vals []string
	seen := map[string]bool{}
	for _, a := range entries {
		match := a.Kind == kind
		if kind == triage.AllowIP {
			match = a.Kind == triage.AllowIP || a.Kind == triage.AllowCIDR
		}
		if !match || seen[a.Value] {
			continue
		}
		seen[a.Value] = true
		if strings.IndexFunc(a.Value, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			skipped++
			continue
		}
		vals = append(vals, a.Value)
	}
	sort.Strings(vals)
	bw := bufio.NewWriter(w)
	for _, v := range vals {
		bw.WriteString(v)
		bw.WriteByte('\n')
	}
	return len(vals), skipped, bw.Flush()
}

// lineEncoder writes one JSON value per line, made terminal-safe.
type lineEncoder struct {
	bw  *bufio.Writer
	buf *bytes.Buffer
	enc *json.Encoder
}

func (l lineEncoder) Encode(v any) error {
	l.buf.Reset()
	if err := l.enc.Encode(v); err != nil {
		return err
	}
	_, err := l.bw.Write(triage.SafeJSON(l.buf.Bytes()))
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// LineError is a problem with one line of an exception list export; the
// caller names the file ("FILE:LINE: ...").
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }
