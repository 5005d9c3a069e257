package rules

import (
	"strings"
	"testing"
)

func TestTooDeep(t *testing.T) {
	deep := "[rule]\na = " + strings.Repeat("{b=", 100000) + "1" + strings.Repeat("}", 100000) + "\n"
	tests := []struct {
		name string
		data string
		line int
		want bool
	}{
		{"ordinary rule", "[rule]\nname = \"x\"\nindex = [\"a\", \"b\"]\n[[rule.threat]]\nframework = \"MITRE\"\n", 0, false},
		{"brackets inside strings", "[rule]\nquery = \"" + strings.Repeat("[{", 100) + "\"\nnote = '''\n" + strings.Repeat("{[", 100) + "\n'''\n", 0, false},
		{"brackets in a multi-line basic string", "[rule]\nnote = \"\"\"\nline \" quote\n" + strings.Repeat("[", 100) + "\n\"\"\"\n", 0, false},
		{"brackets in comments", "# " + strings.Repeat("[", 100) + "\n[rule]\n", 0, false},
		{"deep inline tables", deep, 2, true},
		{"deep arrays", "[rule]\n\nx = " + strings.Repeat("[", 65) + strings.Repeat("]", 65), 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, got := tooDeep([]byte(tt.data), maxTOMLDepth)
			if got != tt.want || line != tt.line {
				t.Errorf("tooDeep = line %d, %v; want line %d, %v", line, got, tt.line, tt.want)
			}
		})
	}
	if _, err := ParseTOML("deep.toml", []byte(deep)); err == nil || !strings.Contains(err.Error(), "deep.toml:2") {
		t.Errorf("deep file: %v", err)
	}
}
