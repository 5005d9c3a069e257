// Package ndjson reads events from newline-delimited JSON: files, gzip
// files (recognised by their magic bytes, whatever their name) and standard
// input ("-"). A line may be a raw ECS document, an Elasticsearch hit or a
// whole _search response page.
//
// Reading streams: memory is bounded by a few batches of lines in flight,
// never by the file size. Lines are decoded in parallel and delivered in
// file order. A bad line is reported as "FILE:LINE: reason" through
// Options.Warn and skipped; the run goes on.
package ndjson

// Why this file is long: it is one pipeline (reading files and gzip,
// splitting lines into batches, decoding them on every core, and handing
// them on in order with their FILE:LINE warnings); its stages share the
// batch type.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"picket/triage"
)

// MaxLine is the longest line accepted: 16 MiB. Longer lines are skipped
// with a warning rather than buffered, so one huge line cannot exhaust memory.
const MaxLine = 16 << 20

const (
	readBufSize = 1 << 20
	batchBytes  = 512 << 10
	batchLines  = 2048
)

// Options tune a Source.
type Options struct {
	// Warn receives each skipped line as "FILE:LINE" and the reason. It is
	// called from the goroutine that delivers events, in file order.
	Warn func(where string, err error)
	// Workers decoding in parallel; 0 means GOMAXPROCS.
	Workers int
	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
	// Progress, when set, is called after each batch of lines is
	// delivered and once at the end, from the goroutine that calls
	// Events.
	Progress func(Progress)
	// Resolve names fields the decoders read from each document they
	// parse, on their own goroutines, for readers that would parse it
	// again (triage.Decoder.Resolve).
	Resolve []string
}

// Progress reports a read under way. Bytes count the files as stored
// (compressed bytes for gzip files), so they compare with Total.
type Progress struct {
	Bytes   int64 // bytes of the files read so far
	Total   int64 // the files' total size; -1 when unknown (standard input, pipes)
	Events  int64 // events delivered so far
	Elapsed time.Duration
	Done    bool // the last report of the read
}

// Stats counts what a Source read.
type Stats struct {
	Files  int
	Lines  int64 // non-blank lines
	Events int64 // events delivered, plus lines skipped by a plan's Keep
	Bad    int64 // lines skipped with a warning
	Bytes  int64 // uncompressed bytes read
	// Skipped counts lines a plan's Keep rejected (see EventsPlanned):
	// counted as one event each, not decoded, not validated.
	Skipped int64
}

// Source reads NDJSON files in order. It implements triage.Source.
type Source struct {
	paths []string
	opts  Options

	lines, events, bad, bytes atomic.Int64
	files, skipped            atomic.Int64

	// plan and skip are set by EventsPlanned for the length of the call.
	plan ReadPlan
	skip func(n int)

	// raw counts the files' stored bytes read, for Progress; total and
	// start are set when Events begins.
	raw   atomic.Int64
	total int64
	start time.Time
}

// New returns a source over paths ("-" is standard input).
func New(paths []string, opts Options) *Source {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	return &Source{paths: paths, opts: opts}
}

// Name lists the files read, for the console's title.
func (s *Source) Name() string {
	switch len(s.paths) {
	case 0:
		return "no files"
	case 1:
		return displayName(s.paths[0])
	}
	return fmt.Sprintf("%s and %d more", displayName(s.paths[0]), len(s.paths)-1)
}

// Stats returns the counts so far; safe to call while Events runs.
func (s *Source) Stats() Stats {
	return Stats{
		Files:   int(s.files.Load()),
		Lines:   s.lines.Load(),
		Events:  s.events.Load(),
		Bad:     s.bad.Load(),
		Bytes:   s.bytes.Load(),
		Skipped: s.skipped.Load(),
	}
}

func displayName(p string) string {
	if p == "-" {
		return "stdin"
	}
	return p
}

// ReadPlan is triage.ReadPlan.
type ReadPlan = triage.ReadPlan

var _ triage.PlannedSource = (*Source)(nil)

// EventsPlanned is Events decoding only plan.Fields, and skipping the
// lines plan.Keep rejects that would decode to exactly one event: a line
// that looks like a JSON object (it starts with '{' and ends with '}') and
// names no "hits" key (as an Elasticsearch _search page does; a single
// hit is one event). A skipped line is counted as an event
// (Stats.Events and Stats.Skipped) and reported through skipped, in order
// with the events, but it is not otherwise validated: a malformed line
// that Keep rejects is not warned about.
func (s *Source) EventsPlanned(ctx context.Context, plan ReadPlan, fn func(*triage.Event) error, skipped func(n int)) error {
	s.plan, s.skip = plan, skipped
	defer func() { s.plan, s.skip = ReadPlan{}, nil }()
	return s.Events(ctx, fn)
}

// Events reads every file in turn. A file that cannot be opened or read
// to its end is named in the error Events returns, after the other files
// have been read: one bad path does not hide the rest, and the caller
// still learns the run was incomplete. An error from fn, or ctx ending,
// stops at once.
func (s *Source) Events(ctx context.Context, fn func(*triage.Event) error) error {
	if s.skip == nil {
		s.plan = ReadPlan{Fields: triage.AllFields()}
	}
	if s.opts.Progress != nil {
		s.raw.Store(0)
		s.total, s.start = s.size(), time.Now()
		defer s.report(true)
	}
	deliver := func(ev *triage.Event) error {
		if err := fn(ev); err != nil {
			return consumerError{err}
		}
		return nil
	}
	var failed []error
	for _, p := range s.paths {
		err := s.readFile(ctx, p, deliver)
		if err == nil {
			continue
		}
		var ce consumerError
		if errors.As(err, &ce) {
			return errors.Join(append(failed, ce.err)...)
		}
		if ctx.Err() != nil {
			return errors.Join(append(failed, err)...)
		}
		failed = append(failed, err)
	}
	return errors.Join(failed...)
}

// readError is a failed read of a file, at the line it stopped in: the
// lines before it were read.
type readError struct {
	line int64
	err  error
}

func (e readError) Error() string {
	if errors.Is(e.err, io.ErrUnexpectedEOF) {
		return "the file ends early, in the middle of this line (a cut-short gzip file?); the lines before it were read: " + e.err.Error()
	}
	return "read stopped at this line, the lines before it were read: " + e.err.Error()
}

func (e readError) Unwrap() error { return e.err }

// consumerError marks an error returned by the caller's fn, which ends the
// whole read, from one about a file, which ends only that file.
type consumerError struct{ err error }

func (e consumerError) Error() string { return e.err.Error() }

func (s *Source) readFile(ctx context.Context, path string, fn func(*triage.Event) error) error {
	var r io.Reader
	name := displayName(path)
	// A stream (standard input, a named pipe) may pause with lines read:
	// they are decoded then, not when a batch would be full.
	stream := true
	if path == "-" {
		r = s.opts.Stdin
		if f, ok := r.(*os.File); ok {
			stream = !regularFile(f)
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return err // *PathError names the file
		}
		defer f.Close()
		r, stream = f, !regularFile(f)
	}
	if s.opts.Progress != nil {
		r = &countingReader{r: r, n: &s.raw}
	}
	s.files.Add(1)
	br := bufio.NewReaderSize(r, readBufSize)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: gzip: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, readBufSize)
	}
	// A UTF-8 byte-order mark (editors on Windows write one) is not part
	// of the first document: without this, line 1 is lost as invalid JSON.
	if bom, _ := br.Peek(3); len(bom) == 3 && bom[0] == 0xef && bom[1] == 0xbb && bom[2] == 0xbf {
		br.Discard(3)
	}
	return s.pipeline(ctx, name, br, stream, fn)
}

// regularFile says whether f is a plain file (not a pipe or a device).
func regularFile(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// batch is a run of lines read into one buffer. Events decoded from it
// keep references into buf, so a batch buffer is reused only when no
// event was decoded from it (see decodeBatch).
type batch struct {
	seq    int
	buf    []byte
	starts []int   // start offset of each line in buf
	ends   []int   // end offset of each line in buf (without CR LF)
	nums   []int64 // line number of each line
	bad    []badLine
	evs    []*triage.Event
	warns  []badLine
	// skips[i] counts the lines skipped (by the plan's Keep) before
	// evs[i]; tail counts those after the last event. nil when none were.
	skips []int32
	tail  int
	// rb is the read buffer buf belongs to; recycle says no event of
	// this batch refers to it.
	rb      *readBuf
	recycle bool
}

// bufSize is the size of the buffers files are read into: reads of at
// least readBufSize go straight from the file into them, and several
// batches share one buffer.
const bufSize = readBufSize + 2*batchBytes

// readBuf is one buffer lines are read into, shared by the batches whose
// lines it holds. It returns to bufPool when the reader has moved on and
// no event of any of its batches refers to it.
type readBuf struct {
	b    []byte
	refs atomic.Int32 // the reader's, and one per batch sent
	kept atomic.Bool  // some event refers to b
}

var bufPool = sync.Pool{New: func() any { return &readBuf{b: make([]byte, bufSize)} }}

func getReadBuf() *readBuf {
	rb := bufPool.Get().(*readBuf)
	rb.kept.Store(false)
	rb.refs.Store(1)
	return rb
}

// release drops one reference; the last one returns the buffer to the
// pool unless an event keeps it.
func (rb *readBuf) release() {
	if rb.refs.Add(-1) == 0 && !rb.kept.Load() && len(rb.b) == bufSize {
		bufPool.Put(rb)
	}
}

type badLine struct {
	num int64
	err error
}

// pipeline: one reader splits lines into batches, Workers decode them, and
// the calling goroutine delivers results in sequence order.
func (s *Source) pipeline(ctx context.Context, name string, br *bufio.Reader, stream bool, fn func(*triage.Event) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	work := make(chan *batch, s.opts.Workers)
	done := make(chan *batch, s.opts.Workers*2)
	var readErr error
	go func() {
		defer close(work)
		readErr = s.split(ctx, br, stream, work)
	}()
	// The workers read the plan as it is now: after an interrupt they may
	// outlive this call (see below), and the next run sets another.
	fields, keep := s.plan.Fields, s.plan.Keep
	resolve := append(slices.Clone(s.opts.Resolve), s.plan.Resolve...)
	var wg sync.WaitGroup
	for range s.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := triage.NewDecoder()
			d.Project(fields)
			d.Resolve(resolve...)
			for b := range work {
				decodeBatch(d, name, b, keep)
				if b.rb != nil {
					if !b.recycle {
						b.rb.kept.Store(true)
					}
					b.rb.release()
					b.rb, b.buf = nil, nil
				}
				select {
				case done <- b:
				case <-ctx.Done():
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	pending := map[int]*batch{}
	next := 0
	var fnErr error
	for {
		var b *batch
		select {
		case b = <-done:
		case <-ctx.Done():
			if fnErr == nil && stream {
				// Interrupted while reading a stream: return now, even
				// while the reader waits in a read of a pipe that is still
				// open (it stops at its next read, and the workers drop
				// what they hold). A file's reads do not wait: drain.
				return ctx.Err()
			}
			if fnErr == nil {
				fnErr = ctx.Err()
			}
			b = <-done
		}
		if b == nil {
			break // done is closed: everything was read and decoded
		}
		if fnErr == nil && ctx.Err() != nil {
			fnErr = ctx.Err() // nothing is delivered once interrupted
		}
		if fnErr != nil {
			continue // drain so the workers can exit
		}
		pending[b.seq] = b
		for {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := s.deliver(name, b, fn); err != nil {
				fnErr = err
				cancel()
				break
			}
		}
	}
	if fnErr != nil {
		return fnErr
	}
	if re := (readError{}); errors.As(readErr, &re) {
		return fmt.Errorf("%s:%d: %w", name, re.line, re)
	}
	if readErr != nil {
		return fmt.Errorf("%s: %w", name, readErr)
	}
	return ctx.Err()
}

func (s *Source) deliver(name string, b *batch, fn func(*triage.Event) error) error {
	// Warnings and events interleave in line order only loosely (per
	// batch); warnings come first so a summary never precedes its cause.
	for _, w := range b.warns {
		if !errors.Is(w.err, triage.ErrUTF8Replaced) { // its event is kept
			s.bad.Add(1)
		}
		if s.opts.Warn != nil {
			s.opts.Warn(name+":"+strconv.FormatInt(w.num, 10), w.err)
		}
	}
	for i, ev := range b.evs {
		if b.skips != nil && b.skips[i] > 0 {
			s.skipLines(int(b.skips[i]))
		}
		s.events.Add(1)
		if err := fn(ev); err != nil {
			return err
		}
	}
	if b.tail > 0 {
		s.skipLines(b.tail)
	}
	s.report(false)
	return nil
}

func (s *Source) skipLines(n int) {
	s.events.Add(int64(n))
	s.skipped.Add(int64(n))
	if s.skip != nil {
		s.skip(n)
	}
}

// size adds up the files' sizes: -1 when one is standard input or not a
// regular file (a pipe, a FIFO), whose size cannot be known.
func (s *Source) size() int64 {
	var total int64
	for _, p := range s.paths {
		if p == "-" {
			return -1
		}
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		total += st.Size()
	}
	return total
}

func (s *Source) report(done bool) {
	if s.opts.Progress == nil {
		return
	}
	s.opts.Progress(Progress{Bytes: s.raw.Load(), Total: s.total, Events: s.events.Load(),
		Elapsed: time.Since(s.start), Done: done})
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func decodeBatch(d *triage.Decoder, name string, b *batch, keep func([]byte) bool) {
	b.warns = b.bad
	b.evs = make([]*triage.Event, 0, len(b.ends))
	origin := make([]byte, 0, len(name)+24)
	buf, starts, ends := b.buf, b.starts, b.ends
	var kept []bool // nil: every line is decoded
	if keep != nil {
		kept = make([]bool, len(ends))
		size, all := 0, 0
		for i := range ends {
			line := buf[starts[i]:ends[i]]
			all += len(line)
			kept[i] = !skippable(line) || keep(line)
			if kept[i] {
				size += len(line)
			}
		}
		// When few lines are kept, copy them out: events then refer to
		// the copy, and the read buffer can be reused.
		if size <= all/4 {
			compact := make([]byte, 0, size)
			cs, ce := make([]int, len(ends)), make([]int, len(ends))
			for i := range ends {
				if kept[i] {
					cs[i] = len(compact)
					compact = append(compact, buf[starts[i]:ends[i]]...)
					ce[i] = len(compact)
				}
			}
			buf, starts, ends = compact, cs, ce
			b.recycle = true
		}
	}
	skipped := 0
	for i := range ends {
		if kept != nil && !kept[i] {
			skipped++
			continue
		}
		line := buf[starts[i]:ends[i]]
		n := len(b.evs)
		var err error
		// One string per line: an origin is the id of events without
		// event.id, which detectors keep as evidence, so origins must not
		// share (and keep alive) one block.
		origin = strconv.AppendInt(append(append(origin[:0], name...), ':'), b.nums[i], 10)
		b.evs, err = d.DecodeTo(b.evs, line, string(origin))
		if skipped > 0 && len(b.evs) > n {
			if b.skips == nil {
				b.skips = make([]int32, n, cap(b.evs))
			}
			b.skips = append(b.skips, int32(skipped))
			skipped = 0
		}
		for b.skips != nil && len(b.skips) < len(b.evs) {
			b.skips = append(b.skips, 0)
		}
		if err != nil {
			b.warns = append(b.warns, badLine{b.nums[i], err})
		}
	}
	b.tail = skipped
	// Over-long lines were found while splitting; keep warnings in order.
	if len(b.bad) > 0 {
		sortBad(b.warns)
	}
}

// skippable reports whether a line Keep rejects may be skipped: it
// would decode to exactly one event, so counting it as one keeps every
// later event's number. A plain document or an Elasticsearch hit is one
// event; a line that might be a _search page (a "hits" key, or escapes
// that could spell one), or that is plainly not a JSON object, is decoded
// instead.
func skippable(line []byte) bool {
	if len(line) < 2 || line[0] != '{' || line[len(line)-1] != '}' {
		return false
	}
	// Any "hits" key holds these bytes; 'h' is rarer in JSON than '"',
	// which makes the search faster.
	if bytes.Contains(line, []byte(`hits"`)) {
		return false
	}
	if bytes.IndexByte(line, '\\') < 0 {
		return true
	}
	for rest := line; ; {
		i := bytes.Index(rest, []byte(`\u00`))
		if i < 0 || i+6 > len(rest) {
			return true
		}
		switch strings.ToLower(string(rest[i+4 : i+6])) {
		case "68", "69", "74", "73": // h i t s
			return false
		}
		rest = rest[i+2:]
	}
}

func sortBad(ws []badLine) {
	for i := 1; i < len(ws); i++ {
		for j := i; j > 0 && ws[j].num < ws[j-1].num; j-- {
			ws[j], ws[j-1] = ws[j-1], ws[j]
		}
	}
}

var errTooLong = fmt.Errorf("line longer than %d MiB, skipped", MaxLine>>20)

// split reads lines and sends them in batches. Blank lines are skipped;
// trailing CRs (CRLF files) are dropped. Lines are read straight into a
// buffer that consecutive batches share, and decoded in place: only the
// start of a line cut by the end of a buffer is copied, into the next.
// From a stream, the lines of a read that did not fill the room asked for
// (the writer has no more for now) go at once.
func (s *Source) split(ctx context.Context, r io.Reader, stream bool, work chan<- *batch) error {
	seq := 0
	var num int64
	rb := getReadBuf()
	buf := rb.b
	cur := &batch{seq: seq}
	filled, start := 0, 0 // buf[:filled] is read; the line under way begins at start
	curStart := 0         // where cur's lines begin
	tooLong := false      // the line under way passed MaxLine: skip to its end
	defer func() { rb.release() }()

	// flush sends cur, when it holds anything, and starts the next batch
	// on the same buffer.
	flush := func() bool {
		if len(cur.ends) == 0 && len(cur.bad) == 0 {
			return true
		}
		cur.buf, cur.rb = buf, rb
		rb.refs.Add(1)
		select {
		case work <- cur:
		case <-ctx.Done():
			rb.release()
			return false
		}
		seq++
		cur = &batch{seq: seq}
		curStart = start
		return true
	}
	// move copies the line under way to the start of a new buffer, at
	// least twice its length.
	move := func(size int) {
		nrb := getReadBuf()
		if size > len(nrb.b) {
			nrb.refs.Store(0)
			bufPool.Put(nrb)
			nrb = &readBuf{b: make([]byte, size)}
			nrb.refs.Store(1)
		}
		filled = copy(nrb.b, buf[start:filled])
		rb.release()
		rb, buf = nrb, nrb.b
		start, curStart = 0, 0
	}
	line := func(end int) {
		num++
		if tooLong {
			tooLong = false
			s.lines.Add(1)
			cur.bad = append(cur.bad, badLine{num, errTooLong})
			return
		}
		l := bytes.TrimRight(buf[start:end], "\r")
		if len(bytes.TrimSpace(l)) == 0 {
			return
		}
		s.lines.Add(1)
		if len(l) > MaxLine {
			cur.bad = append(cur.bad, badLine{num, errTooLong})
			return
		}
		cur.starts = append(cur.starts, start)
		cur.ends = append(cur.ends, start+len(l))
		cur.nums = append(cur.nums, num)
	}
	for {
		if ctx.Err() != nil {
			return nil // the read stops as asked, even inside an endless line (/dev/zero)
		}
		if filled == len(buf) {
			switch {
			case start > 0:
				// The buffer is full: its lines go, the line under way
				// moves to a new buffer with room for all of it (after a
				// long line the buffer is larger than bufSize, and so may
				// be the next line's part read so far).
				if !flush() {
					return nil
				}
				move(max(bufSize, min(2*(filled-start), MaxLine+2)))
			case tooLong || filled > MaxLine+1:
				// One line fills the buffer and is too long: forget
				// what was read of it (no batch refers to this buffer).
				tooLong, filled = true, 0
			default:
				move(min(2*len(buf), MaxLine+2))
			}
		}
		want := len(buf) - filled
		n, err := r.Read(buf[filled:])
		s.bytes.Add(int64(n))
		scan := filled
		filled += n
		for {
			i := bytes.IndexByte(buf[scan:filled], '\n')
			if i < 0 {
				break
			}
			end := scan + i
			line(end)
			start, scan = end+1, end+1
			if start-curStart >= batchBytes || len(cur.ends) >= batchLines {
				if !flush() {
					return nil
				}
			}
		}
		if stream && err == nil && n < want && !flush() {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			// The complete lines read so far still go (a gzip file
			// cut short yields its whole lines, then this error).
			flush()
			return readError{line: num + 1, err: err}
		}
		if err != nil { // EOF: the last line may lack its newline
			if filled > start || tooLong {
				line(filled)
				start = filled
			}
			flush()
			return nil
		}
	}
}
