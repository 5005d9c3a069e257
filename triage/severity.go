package triage

import (
	"fmt"
	"strings"
)

// Severity ranks how urgently a finding needs an analyst. The zero value is
// Low so an unset severity never outranks a real one.
type Severity int

// Severities, in increasing order of urgency; they match Elastic's rule
// severities so imported rules keep their meaning.
const (
	Low Severity = iota
	Medium
	High
	Critical
)

var severityNames = [...]string{"low", "medium", "high", "critical"}

// String returns the lower-case name used in output and configuration.
func (s Severity) String() string {
	if s < Low || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity accepts a severity name in any case.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i), nil
		}
	}
	return Low, fmt.Errorf("unknown severity %q (want low, medium, high or critical)", name)
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
