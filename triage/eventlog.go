package triage

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"net/netip"
	"os"
	"slices"
	"time"
)

// eventLog keeps the events a Collection holds outside the Go heap: each
// event is appended to an unlinked temporary file as its raw JSON plus
// what decoding cannot recover (id, origin, index), and memory holds about
// 20 bytes per event (where its record is, and an entry in the by-source
// index). Events are decoded again when asked for, with a small cache for
// the ones on screen. A million events cost tens of megabytes, not
// gigabytes. When no temporary file can be made, records go to a byte
// slice instead: still compact, but in memory.
//
// It is not safe for concurrent use; Collection locks around it.
type eventLog struct {
	f       *os.File      // nil: records live in mem
	w       *bufio.Writer // buffers appends to f
	mem     []byte
	size    int64 // bytes appended (written or buffered)
	flushed int64 // bytes readable from f
	locs    []uint64
	err     error // the first write failure: later events are not kept

	// bySource pairs a hash of each event's source address with its
	// index, sorted on demand, so one source's events are found without
	// a scan.
	bySource    []sourceEntry
	sortedUntil int

	// blockTimes holds the earliest and latest @timestamp (Unix
	// nanoseconds) of each run of eachBatch events, so a scan over a time
	// window skips the runs outside it without decoding them.
	blockTimes [][2]int64

	cache map[uint32]*Event // recently decoded, by index
}

type sourceEntry struct {
	h   uint64
	idx uint32
}

// A location packs a record's offset (high bits) and length (low
// lenBits): records are at most maxRecord bytes (the NDJSON reader caps
// lines at 16 MiB).
const (
	lenBits   = 26
	maxRecord = 1<<lenBits - 1
	cacheSize = 2048
)

var addrSeed = maphash.MakeSeed()

func addrHash(a netip.Addr) uint64 {
	b, _ := a.Unmap().MarshalBinary()
	return maphash.Bytes(addrSeed, b)
}

func newEventLog() *eventLog {
	l := &eventLog{cache: make(map[uint32]*Event)}
	if f, err := os.CreateTemp("", "picket-events-*"); err == nil {
		// Unlinked at once: the file vanishes when Picket exits, crash or
		// not, and no other user can open it by name.
		_ = os.Remove(f.Name())
		l.f, l.w = f, bufio.NewWriterSize(f, 256<<10)
	}
	return l
}

func (l *eventLog) write(p []byte) {
	if l.f == nil {
		l.mem = append(l.mem, p...)
		return
	}
	if _, err := l.w.Write(p); err != nil && l.err == nil {
		l.err = err
	}
}

// add appends ev and returns its index; false when it cannot be kept.
func (l *eventLog) add(ev *Event) (uint32, bool) {
	if l.err != nil {
		return 0, false
	}
	var hdr [3 * binary.MaxVarintLen64]byte
	n := binary.PutUvarint(hdr[:], uint64(len(ev.ID)))
	n += binary.PutUvarint(hdr[n:], uint64(len(ev.Origin)))
	n += binary.PutUvarint(hdr[n:], uint64(len(ev.Index)))
	rec := n + len(ev.ID) + len(ev.Origin) + len(ev.Index) + len(ev.Raw)
	if rec > maxRecord {
		return 0, false
	}
	l.write(hdr[:n])
	l.write([]byte(ev.ID))
	l.write([]byte(ev.Origin))
	l.write([]byte(ev.Index))
	l.write(ev.Raw)
	if l.err != nil {
		return 0, false
	}
	idx := uint32(len(l.locs))
	l.noteTime(int(idx), ev.Timestamp)
	l.locs = append(l.locs, uint64(l.size)<<lenBits|uint64(rec))
	l.size += int64(rec)
	if ev.SourceIP.IsValid() {
		l.bySource = append(l.bySource, sourceEntry{addrHash(ev.SourceIP), idx})
	}
	return idx, true
}

func (l *eventLog) len() int { return len(l.locs) }

// noteTime widens the time range of event i's block. An event without a
// time makes its block's range unbounded: it is never skipped.
func (l *eventLog) noteTime(i int, t time.Time) {
	b := i / eachBatch
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !t.IsZero() {
		lo, hi = t.UnixNano(), t.UnixNano()
	}
	if b == len(l.blockTimes) {
		l.blockTimes = append(l.blockTimes, [2]int64{lo, hi})
		return
	}
	r := &l.blockTimes[b]
	r[0], r[1] = min(r[0], lo), max(r[1], hi)
}

// blockOverlaps reports whether the block holding event i may hold events
// in [from, to] (zero bounds are open).
func (l *eventLog) blockOverlaps(i int, from, to time.Time) bool {
	r := l.blockTimes[i/eachBatch]
	if !from.IsZero() && r[1] < from.UnixNano() {
		return false
	}
	return to.IsZero() || r[0] <= to.UnixNano()
}

// sync makes every appended record readable.
func (l *eventLog) sync() error {
	if l.f == nil || l.flushed == l.size {
		return nil
	}
	if err := l.w.Flush(); err != nil {
		return err
	}
	l.flushed = l.size
	return nil
}

// span returns where records [from, to) are: their byte range.
func (l *eventLog) span(from, to int) (off, end int64) {
	first, last := l.locs[from], l.locs[to-1]
	return int64(first >> lenBits), int64(last>>lenBits) + int64(last&maxRecord)
}

// readAt reads appended bytes (after sync). Reads from the file may run
// while the log is appended to: they touch only bytes already written.
func (l *eventLog) readAt(p []byte, off int64) error {
	if l.f == nil {
		copy(p, l.mem[off:])
		return nil
	}
	_, err := l.f.ReadAt(p, off)
	return err
}

// cached returns a recently decoded event.
func (l *eventLog) cached(i uint32) (*Event, bool) {
	ev, ok := l.cache[i]
	return ev, ok
}

func (l *eventLog) remember(i uint32, ev *Event) {
	if len(l.cache) >= cacheSize {
		clear(l.cache)
	}
	l.cache[i] = ev
}

// decodeRecord decodes one record (exactly its bytes), the event at
// stream position seq.
func decodeRecord(rec []byte, seq uint64) (*Event, error) {
	var lens [3]uint64
	p := 0
	for k := range lens {
		v, n := binary.Uvarint(rec[p:])
		if n <= 0 || v > maxRecord {
			return nil, errors.New("kept event: damaged record")
		}
		lens[k], p = v, p+n
	}
	if uint64(len(rec)-p) < lens[0]+lens[1]+lens[2] {
		return nil, errors.New("kept event: damaged record")
	}
	take := func(n uint64) string {
		s := string(rec[p : p+int(n)])
		p += int(n)
		return s
	}
	id, origin, index := take(lens[0]), take(lens[1]), take(lens[2])
	ev, err := ParseEvent(rec[p:], origin)
	if err != nil {
		return nil, fmt.Errorf("kept event %s: %w", Escape(origin), err)
	}
	ev.ID, ev.Index, ev.Seq = id, index, seq
	return ev, nil
}

// recordLen is the length of record i.
func (l *eventLog) recordLen(i int) int { return int(l.locs[i] & maxRecord) }

// fromSource returns the indexes of events whose source address hashes
// like a's, in arrival order (callers check the address itself).
func (l *eventLog) fromSource(a netip.Addr) []uint32 {
	if l.sortedUntil < len(l.bySource) {
		slices.SortStableFunc(l.bySource, func(x, y sourceEntry) int {
			switch {
			case x.h < y.h:
				return -1
			case x.h > y.h:
				return 1
			}
			return int(x.idx) - int(y.idx)
		})
		l.sortedUntil = len(l.bySource)
	}
	h := addrHash(a)
	i, _ := slices.BinarySearchFunc(l.bySource, h, func(e sourceEntry, h uint64) int {
		switch {
		case e.h < h:
			return -1
		case e.h > h:
			return 1
		}
		return 0
	})
	var out []uint32
	for ; i < len(l.bySource) && l.bySource[i].h == h; i++ {
		out = append(out, l.bySource[i].idx)
	}
	return out
}

func (l *eventLog) close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}
