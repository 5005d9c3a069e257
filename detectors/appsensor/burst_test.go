package appsensor

import "testing"

func TestNounPlural(t *testing.T) {
	for noun, want := range map[string]string{"request": "requests", "query": "queries", "day": "days", "key": "keys"} {
		if got := nounPlural(noun); got != want {
			t.Errorf("nounPlural(%q) = %q, want %q", noun, got, want)
		}
	}
}
