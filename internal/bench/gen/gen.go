// Package gen writes large NDJSON files from the demo generator, for
// benchmarks and the tests that compare reading paths on a large input.
package gen

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"time"

	"picket/triage/demo"
)

// Write writes size bytes of demo NDJSON (whole lines; the last line may
// pass size) to path: the demo's fortnight again and again, each
// repetition drawn from the next seed and moved demo.Span later in time,
// so detectors see one continuous stream rather than the same two weeks
// replayed. It returns the bytes written.
func Write(path string, size int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var written int64
	for k := 0; written < size; k++ {
		// Stream each fortnight through a pipe: memory stays at a few
		// buffers, not a fortnight of documents.
		pr, pw := io.Pipe()
		go func(seed int64) {
			pw.CloseWithError(demo.New(seed).WriteNDJSON(pw))
		}(demo.DefaultSeed + int64(k))
		n, err := copyShifted(bw, pr, time.Duration(k)*demo.Span, size-written)
		pr.Close()
		written += n
		if err != nil {
			f.Close()
			return written, err
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return written, err
	}
	return written, f.Close()
}

// copyShifted copies whole lines from r to w until limit bytes are
// written (or r ends), moving every RFC 3339 UTC instant the generator
// writes ("2026-11-14T23:59:59.999Z") shift later. Only complete
// timestamps of exactly that form are rewritten.
func copyShifted(w *bufio.Writer, r io.Reader, shift time.Duration, limit int64) (int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	var n int64
	var out []byte
	for sc.Scan() && n < limit {
		line := sc.Bytes()
		if shift != 0 {
			out = shiftTimes(out[:0], line, shift)
			line = out
		}
		if _, err := w.Write(line); err != nil {
			return n, err
		}
		if err := w.WriteByte('\n'); err != nil {
			return n, err
		}
		n += int64(len(line)) + 1
	}
	return n, sc.Err()
}

const stampLayout = "2006-01-02T15:04:05.000Z"

// shiftTimes appends line to dst with each quoted timestamp moved.
func shiftTimes(dst, line []byte, shift time.Duration) []byte {
	const n = len(stampLayout)
	for {
		i := bytes.Index(line, []byte(`"20`))
		if i < 0 || i+1+n+1 > len(line) {
			return append(dst, line...)
		}
		cand := line[i+1 : i+1+n]
		if line[i+1+n] == '"' && cand[4] == '-' && cand[10] == 'T' && cand[n-1] == 'Z' {
			if t, err := time.Parse(stampLayout, string(cand)); err == nil {
				dst = append(dst, line[:i+1]...)
				dst = t.Add(shift).AppendFormat(dst, stampLayout)
				line = line[i+1+n:]
				continue
			}
		}
		dst = append(dst, line[:i+1]...)
		line = line[i+1:]
	}
}
