package spike

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// Influencers are the fields Elastic's job names as likely causes of an
// anomalous bucket. Here, as there, they only explain a bucket; they never
// split the count (the job has no by, over or partition field).
const (
	infSourceIP = iota
	infDestPort
	infDestCountry
	infDestOrg
	infSourceCountry
	numInfluencers
)

// InfluencerFields are the job's influencers, in the order Bucket and the
// finding's reason list them. source.geo.country_name is the one newer
// versions of the job added.
var InfluencerFields = [numInfluencers]string{
	"source.ip",
	"destination.port",
	"destination.geo.country_name",
	"destination.as.organization.name",
	"source.geo.country_name",
}

// topSize is how many values a bucket tallies per influencer: the
// heaviest values are kept exactly as long as fewer than topSize values
// compete, and approximately (space-saving) beyond.
const topSize = 8

// tally is one influencer's summary in one bucket: its most frequent
// values and how many distinct values it had.
type tally struct {
	vals   [topSize]string
	counts [topSize]int32
	// errs is how much of each count a value may not have earned: what it
	// inherited when it took a slot over (space-saving). counts-errs is a
	// guaranteed lower bound, and only that is reported.
	errs [topSize]int32
	n    uint8
	dist distinct
	// A distinct count reported with summaries (addSummary): the largest
	// one, how many summaries there were and whether all were exact.
	ext      int
	extN     int
	extExact bool
}

// addSummary merges a summary computed elsewhere (by Elasticsearch's
// terms and cardinality aggregations) into the tally: its top values'
// counts add to those kept, and its distinct count is kept beside the
// hashes, since counts of distinct values cannot be added up.
func (t *tally) addSummary(f InfluencerField, intern map[string]string) {
	for _, v := range f.Top {
		if v.Count <= 0 || v.Value == "" {
			continue
		}
		s, ok := intern[v.Value]
		if !ok {
			if len(intern) >= 1<<16 {
				clear(intern)
			}
			s = v.Value
			intern[s] = s
		}
		c := int32(min(v.Count, 1<<30))
		found := false
		for i := range int(t.n) {
			if t.vals[i] == s {
				t.counts[i] += c
				found = true
				break
			}
		}
		if found {
			continue
		}
		if int(t.n) < topSize {
			t.vals[t.n], t.counts[t.n] = s, c
			t.n++
			continue
		}
		low := 0
		for i := 1; i < topSize; i++ {
			if t.counts[i] < t.counts[low] {
				low = i
			}
		}
		if c > t.counts[low] {
			t.vals[low], t.counts[low], t.errs[low] = s, c, 0
		}
	}
	if t.extN == 0 {
		t.extExact = true
	}
	t.extN++
	t.ext = max(t.ext, f.Distinct)
	t.extExact = t.extExact && f.Exact
}

// add counts one value. s must be stable (interned): it is kept.
func (t *tally) add(s string, h uint64) {
	t.dist.add(h)
	for i := range int(t.n) {
		if t.vals[i] == s {
			t.counts[i]++
			return
		}
	}
	if int(t.n) < topSize {
		t.vals[t.n], t.counts[t.n] = s, 1
		t.n++
		return
	}
	// Space-saving: the new value replaces the least counted one and
	// inherits its count, an upper bound of what it may have had.
	low := 0
	for i := 1; i < topSize; i++ {
		if t.counts[i] < t.counts[low] {
			low = i
		}
	}
	t.vals[low] = s
	t.errs[low] = t.counts[low]
	t.counts[low]++
}

// InfluencerValue is one value of an influencer and how many of a
// bucket's (or a finding's) denies carried it.
type InfluencerValue struct {
	Value string
	Count int
	// Share is Count over all denies in the bucket(s), 0-1. Past the
	// tally's capacity (more than 8 competing values) Count is a lower
	// bound: the part of the count the value is known to have earned.
	Share float64
}

// InfluencerField summarises one influencer over a bucket or a run of
// buckets.
type InfluencerField struct {
	Field string
	// Distinct is how many different values the field had: exact up to
	// 64, estimated (standard error about 5%) beyond, when Exact is false.
	// AtLeast marks a lower bound: the largest of several distinct counts
	// reported by summaries (AddCounts), which cannot be added up.
	Distinct int
	Exact    bool
	AtLeast  bool
	// Top lists the most frequent values, most frequent first.
	Top []InfluencerValue
}

// summarise merges the tallies of one field over buckets that held
// events denies in all, keeping the top most frequent values.
func summarise(field string, ts []*tally, events, top int) (InfluencerField, bool) {
	f := InfluencerField{Field: field, Exact: true}
	counts := map[string]int{}
	var d distinct
	seen := false
	ext, extN, extExact := 0, 0, true
	for _, t := range ts {
		if t == nil || t.n == 0 {
			continue
		}
		seen = true
		for i := range int(t.n) {
			if sure := int(t.counts[i] - t.errs[i]); sure > 0 {
				counts[t.vals[i]] += sure
			}
		}
		d.merge(&t.dist)
		if t.extN > 0 {
			ext, extN, extExact = max(ext, t.ext), extN+t.extN, extExact && t.extExact
		}
	}
	if !seen {
		return f, false
	}
	f.Distinct, f.Exact = d.estimate()
	if extN > 0 {
		if extN == 1 && f.Distinct == 0 {
			f.Distinct, f.Exact = ext, extExact
		} else {
			f.Distinct, f.Exact, f.AtLeast = max(f.Distinct, ext), false, true
		}
	}
	for v, c := range counts {
		f.Top = append(f.Top, InfluencerValue{Value: v, Count: c, Share: math.Min(1, float64(c)/float64(max(events, 1)))})
	}
	slices.SortFunc(f.Top, func(a, b InfluencerValue) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	if len(f.Top) > top {
		f.Top = f.Top[:top]
	}
	return f, true
}

// distinct counts distinct values by their 64-bit hashes: exactly while
// there are at most smallMax of them, then with a HyperLogLog of 2^hllBits
// one-byte registers (a standard error of about 1.04/sqrt(512) = 4.6%).
type distinct struct {
	small []uint64
	hll   *[1 << hllBits]uint8
}

const (
	smallMax = 64
	hllBits  = 9
)

func (d *distinct) add(h uint64) {
	if d.hll != nil {
		d.hllAdd(h)
		return
	}
	if slices.Contains(d.small, h) {
		return
	}
	if len(d.small) < smallMax {
		d.small = append(d.small, h)
		return
	}
	d.hll = new([1 << hllBits]uint8)
	for _, s := range d.small {
		d.hllAdd(s)
	}
	d.small = nil
	d.hllAdd(h)
}

func (d *distinct) hllAdd(h uint64) {
	i := h >> (64 - hllBits)
	rank := uint8(bits.LeadingZeros64(h<<hllBits|1<<(hllBits-1)) + 1)
	if rank > d.hll[i] {
		d.hll[i] = rank
	}
}

func (d *distinct) merge(o *distinct) {
	if o.hll != nil {
		if d.hll == nil {
			d.hll = new([1 << hllBits]uint8)
			for _, s := range d.small {
				d.hllAdd(s)
			}
			d.small = nil
		}
		for i, r := range o.hll {
			d.hll[i] = max(d.hll[i], r)
		}
		return
	}
	for _, s := range o.small {
		d.add(s)
	}
}

// estimate returns the count and whether it is exact.
func (d *distinct) estimate() (int, bool) {
	if d.hll == nil {
		return len(d.small), true
	}
	const m = float64(1 << hllBits)
	var sum float64
	zeros := 0
	for _, r := range d.hll {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	alpha := 0.7213 / (1 + 1.079/m)
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros)) // linear counting
	}
	return int(math.Round(e)), false
}

// hashBytes is FNV-1a followed by a 64-bit finaliser, so that the
// register index (top bits) is well mixed; it is deterministic, so the
// estimates do not change from run to run.
func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
