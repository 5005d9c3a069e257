package kibana

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"picket/triage"
)

func TestReadValueList(t *testing.T) {
	tests := []struct {
		name, typ, in string
		want          []string
		stats         ValueListStats
		err           []string // in the error, when the read fails
	}{
		{"ip, blank lines, CRLF, BOM, spaces, duplicates", triage.ListIP,
			"\ufeff192.0.2.1\r\n\r\n  192.0.2.2  \n192.0.2.1\n\n",
			[]string{"192.0.2.1", "192.0.2.2"}, ValueListStats{Lines: 5, Blank: 2, Duplicates: 1}, nil},
		{"ip_range, all three forms", triage.ListIPRange,
			"10.0.0.0/8\n192.0.2.1-192.0.2.9\n198.51.100.7\n2001:db8::/32",
			[]string{"10.0.0.0/8", "192.0.2.1-192.0.2.9", "198.51.100.7", "2001:db8::/32"}, ValueListStats{Lines: 4}, nil},
		{"keyword keeps # lines and commas, as Kibana does", triage.ListKeyword,
			"# not a comment\nsvc,backup\nAdmin\nadmin\n",
			[]string{"# not a comment", "svc,backup", "Admin", "admin"}, ValueListStats{Lines: 4}, nil},
		{"bad lines are named FILE:LINE, and nothing is imported", triage.ListIP,
			"192.0.2.1\n# office\n10.0.0.0/8\nexample.com\n",
			nil, ValueListStats{}, []string{"ips.txt:2:", "no comments", "ips.txt:3:", "ip_range", "ips.txt:4:"}},
		{"bad range", triage.ListIPRange, "10.0.0.9-10.0.0.1\n", nil, ValueListStats{}, []string{"ips.txt:1:", "ends before"}},
		{"empty file", triage.ListKeyword, "\n \n", nil, ValueListStats{}, []string{"no values"}},
		{"unknown type", "text", "x\n", nil, ValueListStats{}, []string{`unknown list type "text"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, st, err := ReadValueList(strings.NewReader(tt.in), "ips.txt", tt.typ)
			if tt.err != nil {
				if err == nil {
					t.Fatalf("read %v, want an error", got)
				}
				for _, w := range tt.err {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) || st != tt.stats {
				t.Errorf("got %q %+v, want %q %+v", got, st, tt.want, tt.stats)
			}
		})
	}
}

func TestReadValueListLimits(t *testing.T) {
	big := bytes.Repeat([]byte("192.0.2.1\n"), MaxValueListFile/10+1)
	if _, _, err := ReadValueList(bytes.NewReader(big), "big.txt", triage.ListIP); err == nil || !strings.Contains(err.Error(), "9000000 bytes") {
		t.Errorf("a file over Kibana's limit: %v", err)
	}
	var many strings.Builder
	for i := range 25 {
		many.WriteString("bad")
		many.WriteByte(byte('a' + i))
		many.WriteByte('\n')
	}
	_, _, err := ReadValueList(strings.NewReader(many.String()), "f", triage.ListIP)
	if err == nil || strings.Count(err.Error(), "\n") != maxBadLines || !strings.Contains(err.Error(), "15 more bad line(s)") {
		t.Errorf("many bad lines: %v", err)
	}
}

// TestValueListExportImports: what picket allowlist export writes,
// ReadValueList (and so Kibana) reads back.
func TestValueListExportImports(t *testing.T) {
	entries := []triage.AllowEntry{{Kind: triage.AllowIP, Value: "192.0.2.1"}, {Kind: triage.AllowCIDR, Value: "10.0.0.0/8"},
		{Kind: triage.AllowUserAgent, Value: "Pingdom.com_bot_version_1.4"}, {Kind: triage.AllowUserAgent, Value: "bad\nua"}}
	for _, c := range []struct{ kind, typ string }{{triage.AllowIP, triage.ListIPRange}, {triage.AllowUserAgent, triage.ListKeyword}} {
		var buf bytes.Buffer
		n, _, err := WriteValueList(&buf, entries, c.kind)
		if err != nil {
			t.Fatal(err)
		}
		vals, _, err := ReadValueList(&buf, "export.txt", c.typ)
		if err != nil || len(vals) != n {
			t.Errorf("%s: wrote %d, read %v, %v", c.kind, n, vals, err)
		}
	}
}

func FuzzReadValueList(f *testing.F) {
	f.Add([]byte("192.0.2.1\n10.0.0.0/8\n"), uint8(0))
	f.Add([]byte("\ufeff10.0.0.1-10.0.0.9\r\n\r\n"), uint8(1))
	f.Add([]byte("# x\nadmin\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		typ := triage.ValueListTypes[int(which)%len(triage.ValueListTypes)]
		vals, _, err := ReadValueList(bytes.NewReader(data), "f", typ)
		if err != nil {
			return
		}
		if _, err := triage.NewValueList("f", typ, vals); err != nil {
			t.Fatalf("accepted values do not compile: %v", err)
		}
	})
}
