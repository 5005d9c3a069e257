package ui

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestSparkline(t *testing.T) {
	tests := []struct {
		in   []int
		want string
	}{
		{nil, ""},
		{[]int{0, 0}, "▁▁"},
		{[]int{5}, "█"},
		{[]int{0, 1, 2, 3, 4, 5, 6, 7}, "▁▂▃▄▅▆▇█"},
		{[]int{1, 100}, "▂█"}, // one finding still shows above the baseline
		{[]int{0, 50, 100}, "▁▅█"},
	}
	for _, tc := range tests {
		if got := sparkline(tc.in); got != tc.want {
			t.Errorf("sparkline(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestShortDetector(t *testing.T) {
	tests := []struct{ in, want string }{
		{"appsensor:RE2", "RE2"},
		{"elastic:9a7c3f10-1111-2222", "elastic:9a7c3f10"},
		{"elastic:short", "elastic:short"},
		{"query", "query"},
		{"appsensor:\x1b[31m", `\x1b[31m`},
	}
	for _, tc := range tests {
		if got := shortDetector(tc.in); got != tc.want {
			t.Errorf("shortDetector(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := shortDetectors([]string{"appsensor:CIE3", "appsensor:RE2"}); got != "CIE3,RE2" {
		t.Errorf("shortDetectors = %q", got)
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		s    string
		w    int
		want string
	}{
		{"abc", 5, "abc  "},
		{"abcdef", 5, "abcd…"},
		{"abc", 0, ""},
		{"日本語テキスト", 7, "日本語…"},
		{"日本語テキスト", 6, "日本… "}, // a wide rune never straddles the edge
	}
	for _, tc := range tests {
		got := fit(tc.s, tc.w)
		if got != tc.want {
			t.Errorf("fit(%q, %d) = %q, want %q", tc.s, tc.w, got, tc.want)
		}
		if w := ansi.StringWidth(got); w != tc.w {
			t.Errorf("fit(%q, %d) is %d cells wide", tc.s, tc.w, w)
		}
	}
	if got := fitRight("12", 5); got != "   12" {
		t.Errorf("fitRight = %q", got)
	}
}
