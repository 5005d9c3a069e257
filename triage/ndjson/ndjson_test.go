package ndjson

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"picket/triage"
)

type warning struct{ where, msg string }

func run(t *testing.T, paths []string, stdin string) ([]string, []warning, Stats, error) {
	t.Helper()
	var warns []warning
	src := New(paths, Options{
		Warn:  func(w string, err error) { warns = append(warns, warning{w, err.Error()}) },
		Stdin: strings.NewReader(stdin),
	})
	var ids []string
	err := src.Events(context.Background(), func(ev *triage.Event) error {
		ids = append(ids, ev.ID)
		return nil
	})
	return ids, warns, src.Stats(), err
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestReader(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	good := "{\"event\":{\"id\":\"a\"}}\n{\"event\":{\"id\":\"b\"}}\n"
	tests := []struct {
		name      string
		file      string // file name; "-" for stdin
		data      []byte
		wantIDs   []string
		wantWarns []string // "LINE: substring"
	}{
		{"plain", "x.ndjson", []byte(good), []string{"a", "b"}, nil},
		{"no final newline", "x.ndjson", []byte(strings.TrimSuffix(good, "\n")), []string{"a", "b"}, nil},
		{"crlf and blank lines", "x.ndjson", []byte("{\"event\":{\"id\":\"a\"}}\r\n\r\n   \n{\"event\":{\"id\":\"b\"}}\r\n"), []string{"a", "b"}, nil},
		{"gzip by magic not name", "x.json", gz([]byte(good)), []string{"a", "b"}, nil},
		{"gzip named gz", "x.ndjson.gz", gz([]byte(good)), []string{"a", "b"}, nil},
		// A byte-order mark before the first document (issue 17): the
		// first event is kept, in plain and gzip files and on stdin; a
		// BOM inside a later line is that line's problem.
		{"utf-8 byte-order mark", "x.ndjson", []byte(bom + good), []string{"a", "b"}, nil},
		{"byte-order mark in gzip", "x.ndjson.gz", gz([]byte(bom + good)), []string{"a", "b"}, nil},
		{"byte-order mark on stdin", "-", []byte(bom + good), []string{"a", "b"}, nil},
		{"byte-order mark later is a bad line", "x.ndjson", []byte(good + bom + "{}\n"), []string{"a", "b"}, []string{"3: invalid JSON"}},
		{"stdin", "-", []byte(good), []string{"a", "b"}, nil},
		{"origin ids", "x.ndjson", []byte("{}\n\n{}\n"), []string{"x.ndjson:1", "x.ndjson:3"}, nil},
		{"bad lines skipped", "x.ndjson", []byte("{\"event\":{\"id\":\"a\"}}\nnot json\n[1]\n{\"a\":\"\x00\"}\n{\"event\":{\"id\":\"b\"}}\n"),
			[]string{"a", "b"}, []string{"2: invalid JSON", "3: not a JSON object", "4: NUL byte"}},
		{"hits and pages", "x.ndjson", []byte(`{"_id":"h1","_source":{}}` + "\n" + `{"hits":{"hits":[{"_id":"p1","_source":{}},{"_id":"p2","_source":{}}]}}` + "\n"),
			[]string{"h1", "p1", "p2"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, stdin := tt.file, ""
			if tt.file == "-" {
				stdin = string(tt.data)
			} else {
				path = write(t, tt.file, tt.data)
			}
			ids, warns, st, err := run(t, []string{path}, stdin)
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "origin ids" {
				for i := range ids {
					ids[i] = filepath.Base(ids[i])
				}
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) {
				t.Errorf("ids = %q, want %q", ids, tt.wantIDs)
			}
			if len(warns) != len(tt.wantWarns) {
				t.Fatalf("warnings = %v, want %v", warns, tt.wantWarns)
			}
			for i, w := range tt.wantWarns {
				line, sub, _ := strings.Cut(w, ": ")
				if !strings.HasSuffix(warns[i].where, ":"+line) || !strings.Contains(warns[i].msg, sub) {
					t.Errorf("warning %d = %v, want line %s with %q", i, warns[i], line, sub)
				}
			}
			if st.Bad != int64(len(tt.wantWarns)) {
				t.Errorf("Stats.Bad = %d", st.Bad)
			}
		})
	}
}

func TestOversizeLineSkippedWithoutBuffering(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("{\"event\":{\"id\":\"a\"}}\n")
	b.WriteString(`{"x":"`)
	b.Write(bytes.Repeat([]byte("A"), MaxLine+10))
	b.WriteString("\"}\n")
	b.WriteString("{\"event\":{\"id\":\"b\"}}\n")
	// A line just under the limit is accepted.
	b.WriteString(`{"event":{"id":"c"},"x":"`)
	b.Write(bytes.Repeat([]byte("B"), MaxLine-100))
	b.WriteString("\"}\n")
	p := write(t, "big.ndjson", b.Bytes())
	ids, warns, _, err := run(t, []string{p}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids, []string{"a", "b", "c"}) {
		t.Errorf("ids = %q", ids)
	}
	if len(warns) != 1 || !strings.HasSuffix(warns[0].where, ":2") || !strings.Contains(warns[0].msg, "16 MiB") {
		t.Errorf("warnings = %v", warns)
	}
}

func TestManyLinesKeepOrderAcrossBatches(t *testing.T) {
	var b bytes.Buffer
	const n = 20000
	for i := range n {
		if i%997 == 0 {
			b.WriteString("garbage\n")
		}
		fmt.Fprintf(&b, "{\"event\":{\"id\":\"%d\"}}\n", i)
	}
	p := write(t, "many.ndjson", b.Bytes())
	ids, warns, st, err := run(t, []string{p}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != n {
		t.Fatalf("%d events", len(ids))
	}
	for i, id := range ids {
		if id != fmt.Sprint(i) {
			t.Fatalf("event %d has id %s: out of order", i, id)
		}
	}
	if len(warns) != n/997+1 || st.Bad != int64(len(warns)) || st.Events != n {
		t.Errorf("%d warnings, stats %+v", len(warns), st)
	}
	// Warnings arrive in line order.
	for i := 1; i < len(warns); i++ {
		if warns[i].where <= warns[i-1].where && len(warns[i].where) <= len(warns[i-1].where) {
			t.Errorf("warnings out of order: %v then %v", warns[i-1], warns[i])
		}
	}
}

func TestMissingFileAndCorruptGzip(t *testing.T) {
	_, _, _, err := run(t, []string{filepath.Join(t.TempDir(), "nope.ndjson")}, "")
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.ndjson") {
		t.Errorf("missing file: %v", err)
	}
	data := gz([]byte("{\"event\":{\"id\":\"a\"}}\n"))
	data[len(data)-5] ^= 0xff // break the checksum/size trailer
	p := write(t, "bad.gz", data)
	_, _, _, err = run(t, []string{p}, "")
	if err == nil || !strings.Contains(err.Error(), "bad.gz") {
		t.Errorf("corrupt gzip: %v", err)
	}
}

func TestStopWhenCallbackFails(t *testing.T) {
	var b bytes.Buffer
	for i := range 50000 {
		fmt.Fprintf(&b, "{\"event\":{\"id\":\"%d\"}}\n", i)
	}
	p := write(t, "x.ndjson", b.Bytes())
	stop := errors.New("stop")
	n := 0
	err := New([]string{p}, Options{}).Events(context.Background(), func(*triage.Event) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Errorf("err %v after %d", err, n)
	}
}

func TestCancel(t *testing.T) {
	var b bytes.Buffer
	for i := range 50000 {
		fmt.Fprintf(&b, "{\"event\":{\"id\":\"%d\"}}\n", i)
	}
	p := write(t, "x.ndjson", b.Bytes())
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := New([]string{p}, Options{}).Events(ctx, func(*triage.Event) error {
		n++
		if n == 5 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if n >= 50000 {
		t.Errorf("read everything after cancel")
	}
}

// TestUnreadableFileDoesNotHideTheRest: a path that cannot be read is
// named in the error, but the files after it are still read.
func TestUnreadableFileDoesNotHideTheRest(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ndjson")
	if err := os.WriteFile(good, []byte(`{"event":{"id":"a"}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.ndjson")
	var ids []string
	err := New([]string{missing, good, dir}, Options{}).Events(context.Background(), func(ev *triage.Event) error {
		ids = append(ids, ev.ID)
		return nil
	})
	if len(ids) != 1 || ids[0] != "a" {
		t.Errorf("events %v, want [a] from the readable file", ids)
	}
	if err == nil || !strings.Contains(err.Error(), "missing.ndjson") || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("error %v, want both bad paths named", err)
	}
	// An error from the consumer still stops at once.
	stop := errors.New("stop")
	n := 0
	err = New([]string{good, good}, Options{}).Events(context.Background(), func(*triage.Event) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("consumer error: %v after %d events", err, n)
	}
}

// TestLongLinesInARow: lines of many megabytes one after another are read
// whole (the part of a line read so far once moved to a buffer too small
// for it, silently dropping its middle), and each line over MaxLine is
// refused with its own line number.
func TestLongLinesInARow(t *testing.T) {
	line := func(id string, n int) string {
		return `{"event":{"id":"` + id + `"},"user_agent":{"original":"` + strings.Repeat("u", n) + `"}}` + "\n"
	}
	const mb = 1 << 20
	tests := []struct {
		name  string
		lines []string
		want  map[string]int // id → user agent length
		bad   []string       // where the too-long lines are
	}{
		{"three of 10 MB", []string{line("a", 10*mb), line("b", 10*mb), line("c", 10*mb)},
			map[string]int{"a": 10 * mb, "b": 10 * mb, "c": 10 * mb}, nil},
		{"short between long", []string{line("a", 3*mb), line("s", 10), line("b", 5*mb), line("c", 9*mb)},
			map[string]int{"a": 3 * mb, "s": 10, "b": 5 * mb, "c": 9 * mb}, nil},
		{"three over the limit, then one under", []string{line("x", 20*mb), line("y", 20*mb), line("z", MaxLine+1), line("d", 12*mb)},
			map[string]int{"d": 12 * mb}, []string{":1", ":2", ":3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, "long.ndjson", []byte(strings.Join(tc.lines, "")))
			var warns []string
			got := map[string]int{}
			src := New([]string{p}, Options{Warn: func(w string, err error) { warns = append(warns, w) }})
			err := src.Events(context.Background(), func(ev *triage.Event) error {
				got[ev.ID] = len(ev.UserAgent)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("user agent lengths %v, want %v", got, tc.want)
			}
			if len(warns) != len(tc.bad) {
				t.Fatalf("warnings %q, want lines %q", warns, tc.bad)
			}
			for i, w := range warns {
				if !strings.HasSuffix(w, tc.bad[i]) {
					t.Errorf("warning %d at %s, want %s", i, w, tc.bad[i])
				}
			}
		})
	}
}

// TestCutShortGzipKeepsItsWholeLines: a gzip file cut short yields every
// line it holds whole, then an error naming the file and the line it
// stopped in (the lines read since the last batch went were lost).
func TestCutShortGzipKeepsItsWholeLines(t *testing.T) {
	var b bytes.Buffer
	for i := range 5000 {
		fmt.Fprintf(&b, "{\"event\":{\"id\":\"%d\"}}\n", i)
	}
	full := gz(b.Bytes())
	for _, cut := range []int{4000, 9000, len(full) - 40} {
		data := full[:cut]
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr) // what zcat gets before the error
		whole := bytes.Count(plain, []byte("\n"))
		ids, _, _, err := run(t, []string{write(t, "cut.ndjson.gz", data)}, "")
		if len(ids) != whole {
			t.Errorf("cut at %d: %d events, the file holds %d whole lines", cut, len(ids), whole)
		}
		if want := fmt.Sprintf("cut.ndjson.gz:%d: the file ends early", whole+1); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("cut at %d: error %v, want %q", cut, err, want)
		}
	}
}

// endless reads zeros for ever, as /dev/zero does: one line that never
// ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestCancelInsideAnEndlessLine: a cancelled read stops even when no line
// ever ends, so no batch is ever sent.
func TestCancelInsideAnEndlessLine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- New([]string{"-"}, Options{Stdin: endless{}}).Events(ctx, func(*triage.Event) error { return nil })
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the read did not stop when its context was cancelled")
	}
}

// Lines from a stream that pauses (a pipe whose writer waits, tail -f)
// are decoded and delivered when read, not when a batch would be full
// or the stream ends: an interrupt later loses none of them, and a bad
// line among them is reported then too.
func TestStreamLinesGoWhenRead(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	got := make(chan string, 8)
	warned := make(chan string, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	src := New([]string{"-"}, Options{Stdin: pr, Warn: func(where string, _ error) { warned <- where }})
	go func() {
		done <- src.Events(ctx, func(ev *triage.Event) error {
			got <- ev.ID
			return nil
		})
	}()
	io.WriteString(pw, "{\"event\":{\"id\":\"a\"}}\n{\"event\":{\"id\":\"b\"}}\nnot json\n")
	for _, want := range []string{"a", "b"} {
		select {
		case id := <-got:
			if id != want {
				t.Fatalf("event %q, want %q", id, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("event %q not delivered while the stream waits", want)
		}
	}
	select {
	case where := <-warned:
		if where != "stdin:3" {
			t.Errorf("bad line reported at %q, want stdin:3", where)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the bad line is not reported while the stream waits")
	}
	cancel() // Ctrl-C while the writer is still there
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("interrupted read: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the read did not stop when interrupted")
	}
}

// A line with invalid UTF-8 (a raw byte in a header the client wrote) is
// decoded with U+FFFD in place of the bad bytes and kept, with a warning
// naming the line: it is not a bad line, and the request it records still
// reaches the detectors.
func TestInvalidUTF8IsKept(t *testing.T) {
	path := write(t, "x.ndjson", []byte("{\"event\":{\"id\":\"a\"}}\n{\"event\":{\"id\":\"u\"},\"user_agent\":{\"original\":\"x\xff\xfey\"}}\n"))
	var uas []string
	var warns []string
	src := New([]string{path}, Options{Warn: func(where string, err error) { warns = append(warns, where+": "+err.Error()) }})
	err := src.Events(context.Background(), func(ev *triage.Event) error {
		uas = append(uas, ev.ID+"="+ev.UserAgent)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(uas, []string{"a=", "u=x\uFFFDy"}) {
		t.Errorf("events %q, want the second kept with U+FFFD", uas)
	}
	if len(warns) != 1 || !strings.HasSuffix(strings.SplitN(warns[0], ": ", 2)[0], "x.ndjson:2") || !strings.Contains(warns[0], "invalid UTF-8 replaced with U+FFFD") {
		t.Errorf("warnings %q", warns)
	}
	if st := src.Stats(); st.Bad != 0 || st.Events != 2 {
		t.Errorf("stats %+v: want 2 events, no bad line", st)
	}
}

// An interrupted read of a stream returns while its workers may still
// decode what the pipe sends next; they must go on with the plan they
// started with, not read the next run's (a data race under -race).
func TestInterruptedStreamKeepsItsPlan(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	src := New([]string{"-"}, Options{Stdin: pr})
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan struct{}, 1)
	done := make(chan error, 1)
	plan := ReadPlan{Fields: triage.AllFields(), Keep: func([]byte) bool { return true }}
	go func() {
		done <- src.EventsPlanned(ctx, plan, func(*triage.Event) error {
			select {
			case got <- struct{}{}:
			default:
			}
			return nil
		}, func(int) {})
	}()
	io.WriteString(pw, "{\"a\":1}\n")
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no event from the stream")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted read: %v", err)
	}
	// The pipe still sends after the call returned (and reset its plan):
	// the reader and the workers left behind decode it, when the reader
	// has not stopped yet. Written aside: once the reader has stopped,
	// nothing reads the pipe and a write would wait forever; closing the
	// read end lets it go.
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		io.WriteString(pw, strings.Repeat("{\"a\":2}\n", 200))
	}()
	time.Sleep(100 * time.Millisecond)
	pr.Close()
	<-wrote
}
