package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Store is the folder of imported rule files Picket runs besides its
// built-in rules: $XDG_CONFIG_HOME/picket/rules by default. Files are kept
// as imported (detection-rules TOML, Kibana NDJSON), so they can be read,
// diffed and deleted by hand.
type Store struct {
	Dir string
}

// Load reads every rule in the store; a missing folder holds no rules.
func (s Store) Load() ([]*Rule, []error) {
	if _, err := os.Stat(s.Dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return Load(s.Dir)
}

// Import checks and copies rule files into the store: a file, or every
// *.toml and *.ndjson under a folder. A file is copied when at least one
// rule in it loads; its problems are returned either way. A file of the
// same name already in the store is replaced (importing a newer export
// updates the rules). It returns the rules imported.
func (s Store) Import(path string) ([]*Rule, []error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, []error{err}
	}
	files := []string{path}
	if st.IsDir() {
		files = files[:0]
		err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && IsRuleFile(d.Name()) {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			return nil, []error{err}
		}
		if len(files) == 0 {
			return nil, []error{fmt.Errorf("%s: no *.toml or *.ndjson rule files", path)}
		}
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, []error{err}
	}
	var imported []*Rule
	var errs []error
	for _, f := range files {
		rs, es := LoadFile(f)
		errs = append(errs, es...)
		if len(rs) == 0 {
			if len(es) == 0 {
				errs = append(errs, fmt.Errorf("%s: no rules in it", f))
			}
			continue
		}
		data, err := os.ReadFile(f)
		if err == nil {
			name := filepath.Base(f)
			if !IsRuleFile(name) {
				name += map[bool]string{true: ".toml", false: ".ndjson"}[isTOML(f, data)]
			}
			dst := filepath.Join(s.Dir, name)
			err = writeFileAtomic(dst, data)
			for _, r := range rs {
				r.Source = dst
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		imported = append(imported, rs...)
	}
	return imported, errs
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
