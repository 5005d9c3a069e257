// Package spill sorts more records than memory should hold: records are
// kept in memory up to a budget, then sorted and written to temporary
// files ("runs"), and read back merged in order. Picket uses it where an
// output must be ordered but its size grows with the input (a table of a
// million findings sorted by time).
package spill

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// Record is one item to sort: Key orders it (bytewise), Data is carried
// along. Records with equal keys keep the order they were added in.
type Record struct {
	Key  []byte
	Data []byte
	seq  uint64
}

// Int64Key encodes v so that bytewise order is numeric order.
func Int64Key(v int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(v)^(1<<63))
}

// Sorter accumulates records and yields them in key order. The zero
// value is not usable; call New.
type Sorter struct {
	budget int // bytes of records held before a run is written
	held   int
	recs   []Record
	runs   []*os.File
	seq    uint64
	dir    string
}

// New returns a Sorter that holds about budget bytes of records in memory
// and writes runs in dir ("" for the system's temporary directory).
func New(budget int, dir string) *Sorter {
	return &Sorter{budget: max(budget, 1<<16), dir: dir}
}

// recordOverhead approximates the memory a Record costs besides its data.
const recordOverhead = 48

// Add takes a copy of key and data.
func (s *Sorter) Add(key, data []byte) error {
	s.recs = append(s.recs, Record{Key: slices.Clone(key), Data: slices.Clone(data), seq: s.seq})
	s.seq++
	s.held += len(key) + len(data) + recordOverhead
	if s.held >= s.budget {
		return s.spill()
	}
	return nil
}

// Runs is how many runs went to disk (0: everything fitted in memory).
func (s *Sorter) Runs() int { return len(s.runs) }

func compareRecords(a, b Record) int {
	if c := bytes.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// spill sorts what is held and writes it as one run.
func (s *Sorter) spill() error {
	slices.SortFunc(s.recs, compareRecords)
	f, err := os.CreateTemp(s.dir, "picket-sort-*")
	if err != nil {
		return fmt.Errorf("sorting output: %w", err)
	}
	_ = os.Remove(f.Name()) // unlinked: gone when the file is closed
	w := bufio.NewWriterSize(f, 256<<10)
	var hdr [3 * binary.MaxVarintLen64]byte
	for _, r := range s.recs {
		n := binary.PutUvarint(hdr[:], uint64(len(r.Key)))
		n += binary.PutUvarint(hdr[n:], r.seq)
		n += binary.PutUvarint(hdr[n:], uint64(len(r.Data)))
		w.Write(hdr[:n])
		w.Write(r.Key)
		w.Write(r.Data)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("sorting output: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	s.runs = append(s.runs, f)
	clear(s.recs)
	s.recs, s.held = s.recs[:0], 0
	return nil
}

// Each calls fn with every record in key order, then releases the runs.
// The Key and Data slices are valid only during the call.
func (s *Sorter) Each(fn func(Record) error) error {
	defer s.close()
	if len(s.runs) == 0 {
		slices.SortFunc(s.recs, compareRecords)
		for _, r := range s.recs {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	if len(s.recs) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	h := &mergeHeap{}
	for _, f := range s.runs {
		rr := &runReader{r: bufio.NewReaderSize(f, 64<<10)}
		ok, err := rr.next()
		if err != nil {
			return err
		}
		if ok {
			h.items = append(h.items, rr)
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		rr := h.items[0]
		if err := fn(rr.cur); err != nil {
			return err
		}
		ok, err := rr.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	return nil
}

func (s *Sorter) close() {
	for _, f := range s.runs {
		f.Close()
	}
	s.runs, s.recs = nil, nil
}

// runReader reads one run back.
type runReader struct {
	r   *bufio.Reader
	cur Record
	buf []byte
}

const maxField = 1 << 30

var errDamaged = errors.New("sorting output: a temporary run file is damaged")

func (rr *runReader) next() (bool, error) {
	kn, err := binary.ReadUvarint(rr.r)
	if err == io.EOF {
		return false, nil
	}
	if err != nil || kn > maxField {
		return false, errDamaged
	}
	seq, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return false, errDamaged
	}
	n, err := binary.ReadUvarint(rr.r)
	if err != nil || n > maxField {
		return false, errDamaged
	}
	rr.buf = slices.Grow(rr.buf[:0], int(kn+n))[:kn+n]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return false, errDamaged
	}
	rr.cur = Record{Key: rr.buf[:kn], Data: rr.buf[kn:], seq: seq}
	return true, nil
}

type mergeHeap struct{ items []*runReader }

func (h *mergeHeap) Len() int           { return len(h.items) }
func (h *mergeHeap) Less(i, j int) bool { return compareRecords(h.items[i].cur, h.items[j].cur) < 0 }
func (h *mergeHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap) Push(x any)         { h.items = append(h.items, x.(*runReader)) }
func (h *mergeHeap) Pop() any {
	it := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return it
}
