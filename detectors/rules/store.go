package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Store is the folder of imported rule files Picket runs besides its
// built-in rules: $XDG_CONFIG_HOME/picket/rules by default. Files are kept
// as imported (detection-rules TOML, Kibana NDJSON), so they can be read,
// diffed and deleted by hand.
type Store struct {
	Dir string
}

// Load reads every rule in the store; a missing folder holds no rules.
// When files hold the same rule_id, one copy runs (see Dedupe) and a
// *DuplicateError names them all.
func (s Store) Load() ([]*Rule, []error) {
	if _, err := os.Stat(s.Dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	rs, errs := Load(s.Dir)
	rs, dups := Dedupe(rs)
	return rs, append(errs, dups...)
}

// Imported says what an import stored.
type Imported struct {
	Rules []*Rule      // the rules read, their Source naming the stored file
	Files []StoredFile // the files written, in import order
}

// StoredFile is one file an import wrote into the store.
type StoredFile struct {
	From     string // the file read
	Name     string // its path in the store, relative to Dir, slash-separated
	Rules    int    // rules read from it
	Replaced bool   // a file of that name was in the store before
}

// Import checks and copies rule files into the store; see ImportPaths.
// It returns the rules imported.
func (s Store) Import(path string) ([]*Rule, []error) {
	imp, errs := s.ImportDetail(path)
	return imp.Rules, errs
}

// ImportDetail imports one path; see ImportPaths.
func (s Store) ImportDetail(path string) (Imported, []error) {
	r := s.ImportPaths(path)[0]
	return r.Imported, r.Errs
}

// ImportResult is what importing one path did, and its problems.
type ImportResult struct {
	Path string
	Imported
	Errs []error
}

// ImportPaths checks and copies rule files into the store: each path is a
// file, or a folder whose *.toml and *.ndjson files are kept at their path
// relative to it (a/rule.toml and b/rule.toml stay two files). A file is
// copied when at least one rule in it loads; its problems are returned
// either way. A file of the same name already in the store is replaced
// (importing a newer export updates the rules), and the rules it held that
// the new file lacks are named. Files of one call whose names would meet
// (x/rule.toml and y/rule.toml given together, or names differing only in
// case, for file systems that do not tell them apart) are kept apart as
// name-2.ext, name-3.ext. When the store then holds a rule_id of a path
// more than once, a *DuplicateError says which copy runs.
func (s Store) ImportPaths(paths ...string) []ImportResult {
	taken := map[string]bool{}
	out := make([]ImportResult, len(paths))
	for i, p := range paths {
		imp, errs := s.importPath(p, taken)
		out[i] = ImportResult{Path: p, Imported: imp, Errs: errs}
	}
	return out
}

func (s Store) importPath(path string, taken map[string]bool) (Imported, []error) {
	st, err := os.Stat(path)
	if err != nil {
		return Imported{}, []error{err}
	}
	type source struct{ path, rel string }
	files := []source{{path, filepath.Base(path)}}
	var skipped []error // special files in the folder
	if st.IsDir() {
		files = files[:0]
		err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && IsRuleFile(d.Name()) {
				if rerr := regular(p); rerr != nil {
					skipped = append(skipped, rerr)
					return nil
				}
				rel, rerr := filepath.Rel(path, p)
				if rerr != nil {
					return rerr
				}
				files = append(files, source{p, rel})
			}
			return err
		})
		if err != nil {
			return Imported{}, []error{err}
		}
		if len(files) == 0 {
			return Imported{}, append(skipped, fmt.Errorf("%s: no *.toml or *.ndjson rule files", path))
		}
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return Imported{}, []error{err}
	}
	var imp Imported
	errs := skipped
	written := map[string]bool{}
	for _, f := range files {
		data, err := readRuleFile(f.path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rs, es := parseFile(f.path, data)
		errs = append(errs, es...)
		if len(rs) == 0 {
			if len(es) == 0 {
				errs = append(errs, fmt.Errorf("%s: no rules in it", f.path))
			}
			continue
		}
		name := f.rel
		if !IsRuleFile(name) {
			name += map[bool]string{true: ".toml", false: ".ndjson"}[isTOML(f.path, data)]
		}
		name = uniqueName(name, taken)
		dst := filepath.Join(s.Dir, name)
		_, statErr := os.Lstat(dst)
		var dropped []*Rule
		if statErr == nil {
			dropped = lostRules(dst, rs)
		}
		err = os.MkdirAll(filepath.Dir(dst), 0o755)
		if err == nil {
			err = writeFileAtomic(dst, data)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range rs {
			// FILE or FILE:LINE, as loading the store will say.
			r.Source = dst + strings.TrimPrefix(r.Source, f.path)
			r.file = dst
		}
		if len(dropped) > 0 {
			errs = append(errs, droppedError(dst, dropped))
		}
		written[dst] = true
		imp.Rules = append(imp.Rules, rs...)
		imp.Files = append(imp.Files, StoredFile{From: f.path, Name: filepath.ToSlash(name), Rules: len(rs), Replaced: statErr == nil})
	}
	if len(written) > 0 {
		stored, _ := Load(s.Dir)
		_, dups := Dedupe(stored)
		for _, d := range dups {
			if slices.ContainsFunc(d.(*DuplicateError).Copies, func(r *Rule) bool { return written[r.file] }) {
				errs = append(errs, d)
			}
		}
	}
	return imp, errs
}

// lostRules returns the rules of the stored file dst whose rule_id the
// file replacing it does not hold.
func lostRules(dst string, next []*Rule) []*Rule {
	old, _ := LoadFile(dst)
	var lost []*Rule
	for _, o := range old {
		if !slices.ContainsFunc(next, func(r *Rule) bool { return r.RuleID == o.RuleID }) {
			lost = append(lost, o)
		}
	}
	return lost
}

// droppedError names the rules a replaced file took with it.
func droppedError(dst string, lost []*Rule) error {
	const show = 10
	var parts []string
	for i, r := range lost {
		if i == show {
			parts = append(parts, fmt.Sprintf("and %d more", len(lost)-show))
			break
		}
		parts = append(parts, r.RuleID+" ("+r.Name+")")
	}
	return fmt.Errorf("%s: replaced; the %s it held that the new file lacks %s no longer imported: %s",
		dst, pick(len(lost) == 1, "rule", "rules"), pick(len(lost) == 1, "is", "are"), strings.Join(parts, ", "))
}

// uniqueName returns name, or name-2.ext, name-3.ext, ... when this import
// already used it, comparing without case.
func uniqueName(name string, taken map[string]bool) string {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 1; ; i++ {
		n := name
		if i > 1 {
			n = stem + "-" + strconv.Itoa(i) + ext
		}
		if key := strings.ToLower(n); !taken[key] {
			taken[key] = true
			return n
		}
	}
}

// writeFileAtomic writes through a temporary file and a rename, so a
// reader never sees half a rule file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".import-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
