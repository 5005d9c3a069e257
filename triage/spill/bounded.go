package spill

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"picket/triage"
)

// Bounded fills a console's Collection without letting it outgrow
// memory. While the run holds at most MaxGroups groups, findings go
// straight to the collection, as they always did. Past that, the
// collection's findings move to a file, and so do the ones that follow,
// counted in their groups on disk (Groups). When the run is over (Finish)
// the queue is ordered on disk, and the collection is given back the top
// of it: the groups from the first row down, campaigns whole, until
// MaxGroups groups or MaxFindings findings, with every finding of each
// (see chooseHeld for the first row). The rest is counted (triage.Held),
// so the console says what it does not hold.
type Bounded struct {
	Coll *triage.Collection
	// MaxGroups is how many groups are held (0: no limit, nothing
	// spills).
	MaxGroups int
	// MaxFindings caps the findings held once the run is over
	// (DefaultMaxHeldFindings when 0). The first row is always held.
	MaxFindings int
	// Fold chooses the held part as the folded queue's rows (campaigns
	// whole, members counted one by one); nil ranks groups alone.
	Fold *triage.FoldOptions
	// Dir is where the files go ("" for the system's temporary
	// directory). They are unlinked at once and gone when closed.
	Dir string
	// OnSpill is called once when the run spills (the console bounds
	// the heap from then on).
	OnSpill func()
	// Warn reports a problem that changes nothing the run finds (the
	// findings file could not be made, so they stay in memory).
	Warn func(string)

	groups *Groups // nil until the run spills
	file   *os.File
	w      *bufio.Writer
	n      int            // findings written
	byDet  map[string]int // findings per detector, written or not
	buf    []byte
	// fileErr is the first failed write of the findings file (the
	// findings after it are lost, and counted); groupErr the first
	// failure to count groups on disk (the queue cannot be ordered).
	fileErr, groupErr error
	lost              int
	noDisk            bool // no file could be made: everything stays in memory
}

// DefaultMaxHeldFindings is how many findings Bounded gives back at most
// (about 100 MB of them).
const DefaultMaxHeldFindings = 150_000

// heldEvery is how often, in findings, the loading count is updated.
const heldEvery = 4096

// Wire makes the engine report into b: events to the collection,
// findings through b.
func (b *Bounded) Wire(e *triage.Engine) {
	e.OnEvent = b.Coll.AddEvent
	e.OnFinding = b.AddFinding
}

// AddFinding takes one finding from the engine.
func (b *Bounded) AddFinding(f triage.Finding) {
	if b.groups == nil {
		b.Coll.AddFinding(f)
		if b.MaxGroups > 0 && !b.noDisk && b.Coll.GroupCount() > b.MaxGroups {
			b.spill()
		}
		return
	}
	b.write(&f)
	if b.n%heldEvery == 0 {
		b.Coll.SetHeld(triage.Held{Loading: true, Findings: b.n})
		b.Coll.SetRunCounts(b.byDet)
	}
}

// spill moves the collection's findings to a file and goes on there.
func (b *Bounded) spill() {
	f, err := os.CreateTemp(b.Dir, "picket-findings-*")
	if err != nil {
		b.noDisk = true
		if b.Warn != nil {
			b.Warn(fmt.Sprintf("more than %d groups, but no file for them (%v): all are kept in memory", b.MaxGroups, err))
		}
		return
	}
	_ = os.Remove(f.Name()) // unlinked: gone when the file is closed
	b.file, b.w = f, bufio.NewWriterSize(f, 256<<10)
	b.groups = &Groups{MaxGroups: b.MaxGroups, Dir: b.Dir, Fold: b.Fold}
	b.byDet = map[string]int{}
	// Loading first, so the header never shows the emptied collection
	// as an empty run.
	b.Coll.SetHeld(triage.Held{Loading: true, Findings: len(b.Coll.FindingsView())})
	fs := b.Coll.TakeFindings()
	for i := range fs {
		b.write(&fs[i])
	}
	b.Coll.SetRunCounts(b.byDet)
	if b.OnSpill != nil {
		b.OnSpill()
	}
}

// write appends f to the file and counts it in its group on disk.
func (b *Bounded) write(f *triage.Finding) {
	b.n++
	b.byDet[f.Detector]++
	if b.fileErr != nil {
		b.lost++
		return
	}
	var err error
	if b.buf, err = f.AppendBinary(b.buf[:0]); err == nil {
		var hdr [binary.MaxVarintLen64]byte
		b.w.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(b.buf)))])
		_, err = b.w.Write(b.buf)
	}
	if err != nil {
		b.fileErr = fmt.Errorf("findings file: %w", err)
		b.lost++
		return
	}
	if b.groupErr == nil {
		if err := b.groups.Add(f); err != nil {
			b.groupErr = fmt.Errorf("groups on disk: %w", err)
		}
	}
}

// Spilled reports whether the run outgrew MaxGroups.
func (b *Bounded) Spilled() bool { return b.groups != nil }

// Finish gives the collection the top of the queue once the run is over
// and records what it holds. Call it before Collection.Seal. A run that
// never spilled is left as it is. If the files failed, every finding that
// can be read back is held, as a run that fits would be, and the error
// says how many were lost.
func (b *Bounded) Finish() error {
	if b.groups == nil {
		return nil
	}
	defer b.file.Close()
	cause := errors.Join(b.fileErr, b.groupErr)
	if cause == nil {
		cause = b.w.Flush()
	}
	if cause == nil {
		held, h, err := b.chooseHeld()
		if err == nil {
			n, err := b.readBack(held)
			h.HeldGroups, h.HeldFindings = b.Coll.GroupCount(), n
			b.Coll.SetHeld(h)
			b.Coll.SetRunCounts(b.byDet)
			if err != nil {
				return fmt.Errorf("large run: %w (%d findings held)", err, n)
			}
			return nil
		}
		cause = fmt.Errorf("ordering the queue on disk: %w", err)
	}
	_ = b.w.Flush()
	n, err := b.readBack(nil)
	b.Coll.SetHeld(triage.Held{})
	b.Coll.SetRunCounts(nil)
	return fmt.Errorf("large run: %w; %d of %d findings held in memory, %d lost", errors.Join(cause, err), n, b.n, b.n-n)
}

// chooseHeld orders the queue on disk and picks the rows held: from the
// top down, campaigns whole, until MaxGroups groups or MaxFindings
// findings. The first row is always held, and a campaign too big for the
// whole budget gives its first MaxGroups members. It counts the run (the
// held part is counted as it is read back).
func (b *Bounded) chooseHeld() (map[triage.GroupKey]bool, triage.Held, error) {
	maxF := b.MaxFindings
	if maxF <= 0 {
		maxF = DefaultMaxHeldFindings
	}
	var h triage.Held
	held := map[triage.GroupKey]bool{}
	heldFindings, full := 0, false
	err := b.groups.Each(func(g *triage.Group) error {
		members := []triage.GroupKey{g.Key}
		if g.Campaign != nil {
			members = g.Campaign.Members
		}
		h.Groups += len(members)
		h.Findings += g.Findings
		if full || len(held) > 0 && (len(held)+len(members) > b.MaxGroups || heldFindings+g.Findings > maxF) {
			full = true
			return nil
		}
		if len(members) > b.MaxGroups {
			members = members[:b.MaxGroups]
		}
		for _, k := range members {
			held[k] = true
		}
		heldFindings += g.Findings
		return nil
	})
	h.Findings += b.lost
	return held, h, err
}

// readBack reads the findings file from the start and gives the
// collection the findings of the held groups (all of them when held is
// nil); n is how many it gave.
func (b *Bounded) readBack(held map[triage.GroupKey]bool) (n int, err error) {
	if _, err := b.file.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("findings file: %w", err)
	}
	r := bufio.NewReaderSize(b.file, 256<<10)
	var in triage.Interner
	for {
		size, err := binary.ReadUvarint(r)
		if err == io.EOF {
			return n, nil
		}
		if err == nil && size > maxRecord {
			err = errors.New("record too long")
		}
		if err == nil {
			if uint64(cap(b.buf)) < size {
				b.buf = make([]byte, size)
			}
			b.buf = b.buf[:size]
			_, err = io.ReadFull(r, b.buf)
		}
		var f triage.Finding
		if err == nil {
			err = f.DecodeBinary(b.buf, &in)
		}
		if err != nil {
			return n, fmt.Errorf("findings file: %w", err)
		}
		if held == nil || held[triage.KeyFor(&f, nil, nil)] {
			b.Coll.AddFinding(f)
			n++
		}
	}
}

// maxRecord bounds one finding's record when read back (a finding cites
// at most triage.MaxEvidence events by id, with its fields capped).
const maxRecord = 64 << 20
