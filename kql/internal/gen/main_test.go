package main

import (
	"strings"
	"testing"
)

func TestReadFields(t *testing.T) {
	cases := []struct {
		name, csv   string
		wantVersion string
		wantTypes   map[string]string
		wantErr     string
	}{
		{
			name: "ECS columns",
			csv: "ECS_Version,Indexed,Field_Set,Field,Type,Level,Normalization\n" +
				"9.3.0,true,http,http.request.method,keyword,extended,\n" +
				"9.3.0,true,threat,threat.enrichments,nested,extended,array\n" +
				"9.3.0,true,user_agent,user_agent.original.text,match_only_text,extended,\n",
			wantVersion: "9.3.0",
			wantTypes: map[string]string{"http.request.method": "keyword", "threat.enrichments": "nested",
				"user_agent.original.text": "match_only_text"},
		},
		{
			name:      "quoted cells",
			csv:       "Field,Type,Example\nmessage,match_only_text,\"Hello, World\"\n",
			wantTypes: map[string]string{"message": "match_only_text"},
		},
		{name: "no type column", csv: "Field,Level\na,core\n", wantErr: "lacks Field and Type"},
		{name: "mixed versions", csv: "ECS_Version,Field,Type\n9.3.0,a,keyword\n8.0.0,b,long\n", wantErr: "differs"},
		{name: "empty", csv: "Field,Type\n", wantErr: "no fields"},
	}
	for _, tc := range cases {
		v, types, err := readFields(strings.NewReader(tc.csv))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if v != tc.wantVersion || len(types) != len(tc.wantTypes) {
			t.Errorf("%s: version %q, %d types; want %q, %d", tc.name, v, len(types), tc.wantVersion, len(tc.wantTypes))
		}
		for f, typ := range tc.wantTypes {
			if types[f] != typ {
				t.Errorf("%s: %s = %q, want %q", tc.name, f, types[f], typ)
			}
		}
	}
}

func TestRender(t *testing.T) {
	src, err := render("kql", "in.csv", "9.3.0", map[string]string{"b": "long", "a": "keyword"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for _, want := range []string{"DO NOT EDIT", `const ECSVersion = "9.3.0"`, `"a": "keyword",`, `"b": "long",`} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Index(s, `"a"`) > strings.Index(s, `"b"`) {
		t.Error("fields are not sorted")
	}
}
