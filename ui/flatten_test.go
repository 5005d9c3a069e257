package ui

import (
	"slices"
	"testing"
)

func TestFlatten(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []field
	}{
		{"nested", `{"http":{"request":{"method":"GET"},"response":{"status_code":403}}}`,
			[]field{{"http.request.method", "GET"}, {"http.response.status_code", "403"}}},
		{"dotted keys mix with nesting", `{"http.request.method":"POST","http":{"response":{"status_code":200}},"url.original":"/a"}`,
			[]field{{"http.request.method", "POST"}, {"http.response.status_code", "200"}, {"url.original", "/a"}}},
		{"arrays by index, numerically", `{"tags":["a","b","c","d","e","f","g","h","i","j","k"]}`,
			[]field{{"tags[0]", "a"}, {"tags[1]", "b"}, {"tags[2]", "c"}, {"tags[3]", "d"}, {"tags[4]", "e"},
				{"tags[5]", "f"}, {"tags[6]", "g"}, {"tags[7]", "h"}, {"tags[8]", "i"}, {"tags[9]", "j"}, {"tags[10]", "k"}}},
		{"array of objects", `{"threat":{"indicator":[{"ip":"1.2.3.4"},{"ip":"5.6.7.8","type":"ipv4"}]}}`,
			[]field{{"threat.indicator[0].ip", "1.2.3.4"}, {"threat.indicator[1].ip", "5.6.7.8"}, {"threat.indicator[1].type", "ipv4"}}},
		{"scalars and empties", `{"b":true,"n":null,"f":1.50,"big":12345678901234567890,"o":{},"a":[],"s":""}`,
			[]field{{"a", "[]"}, {"b", "true"}, {"big", "12345678901234567890"}, {"f", "1.50"}, {"n", "null"}, {"o", "{}"}, {"s", ""}}},
		{"nested arrays", `{"m":[[1,2],[3]]}`,
			[]field{{"m[0][0]", "1"}, {"m[0][1]", "2"}, {"m[1][0]", "3"}}},
		{"duplicate path keeps both, stable", `{"a.b":"dotted","a":{"b":"nested"}}`,
			[]field{{"a.b", "nested"}, {"a.b", "dotted"}}},
		{"control characters kept for the caller to escape", `{"ua":"\u001b[31mx\u202e"}`,
			[]field{{"ua", "\x1b[31mx\u202e"}}},
		{"top-level scalar", `"just a string"`, []field{{"", "just a string"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := flatten([]byte(tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	for _, bad := range []string{``, `{`, `{"a":1} {"b":2}`, `{"a":1}x`} {
		if _, err := flatten([]byte(bad)); err == nil {
			t.Errorf("flatten(%q) did not fail", bad)
		}
	}
}

func TestNaturalCompare(t *testing.T) {
	in := []string{"a[10]", "a[2]", "a.b", "a[02]", "a", "b1", "a[1].x"}
	slices.SortStableFunc(in, naturalCompare)
	want := []string{"a", "a.b", "a[1].x", "a[2]", "a[02]", "a[10]", "b1"}
	if !slices.Equal(in, want) {
		t.Errorf("got %q, want %q", in, want)
	}
}
