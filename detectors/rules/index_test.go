package rules

import "testing"

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"traces-apm*", "traces-apm-default", true},
		{"traces-apm*", "traces-apm.rum-default", true},
		{"traces-apm*", "logs-apm.error-default", false},
		{"apm-*-transaction*", "apm-7.17.0-transaction-000001", true},
		{"apm-*-transaction*", "apm-7.17.0-span-000001", false},
		{"apm-*-transaction*", "apm--transaction", true},
		{"*", "", true},
		{"", "", true},
		{"", "x", false},
		{"logs-*", "logs-", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"exact", "exact", true},
		{"exact", "Exact", false},
		{"*-transaction", "apm-transaction-x", false},
	}
	for _, tt := range tests {
		if got := Glob(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestIndexPatterns(t *testing.T) {
	seed := CompileIndex([]string{"apm-*-transaction*", "traces-apm*"})
	excl := CompileIndex([]string{"logs-*,-logs-test*", " "})
	tests := []struct {
		name string
		ip   IndexPatterns
		idx  string
		want bool
	}{
		{"data stream", seed, "traces-apm-production", true},
		{"legacy index", seed, "apm-8.0.0-transaction-000002", true},
		{"backing index", seed, ".ds-traces-apm-default-2026.11.03-000001", true},
		{"remote backing index", CompileIndex([]string{"remote:traces-apm*"}), "remote:.ds-traces-apm-default-2026.11.03-000001", true},
		{"firewall", seed, "logs-pfsense.log-default", false},
		{"firewall backing", seed, ".ds-logs-pfsense.log-default-2026.11.03-000001", false},
		{"exclusion", excl, "logs-test-default", false},
		{"inclusion with exclusion", excl, "logs-web-default", true},
		{"not a backing index", seed, ".ds-x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ip.MatchIndex(tt.idx); got != tt.want {
				t.Errorf("MatchIndex(%q) = %v, want %v", tt.idx, got, tt.want)
			}
		})
	}
	if !CompileIndex(nil).Empty() || seed.Empty() || !CompileIndex([]string{"-x"}).Empty() {
		t.Error("Empty wrong")
	}
}
