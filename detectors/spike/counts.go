package spike

import (
	"picket/triage"
	"time"
)

// Counts computed elsewhere. When the events are too many to pull, detect
// asks Elasticsearch for the deny count of every bucket (a date_histogram
// over the datafeed's query) and feeds those counts here instead of
// events. The model scores a bucket from its count alone, so the scores
// are the same as for the events; what counts cannot carry, evidence ids
// and influencer values, the caller fetches afterwards for the few
// anomalous buckets only (Anomalous), and adds to them.

// BucketCount is one bucket's deny count computed outside the detector,
// with what is known about its denies.
type BucketCount struct {
	// Start is any instant within the bucket, normally its start; buckets
	// are aligned to the Unix epoch, as a date_histogram's fixed
	// intervals and Elastic's anomaly detection buckets are.
	Start time.Time
	// Count is how many denies the datafeed's query selects in the
	// bucket; it adds to what the bucket already counts. 0 adds only the
	// ids and influencers below, to a bucket already counted.
	Count int
	// IDs are sample event ids: a finding's evidence. At most
	// Options.EvidencePerBucket are kept per bucket.
	IDs []string
	// Influencers summarise the bucket's denies per influencer field
	// (Field one of InfluencerFields, its most frequent values with their
	// counts, and how many distinct values it had), when the caller could
	// learn them; nil otherwise, and findings then say influencers were
	// not available.
	Influencers []InfluencerField
}

// AddCounts adds buckets counted by someone else, named by countedBy
// ("Elasticsearch") in the findings' reasons. Each counts as Count events
// of Observe would, with the same memory bound: buckets more than
// MaxHistory before the newest one are forgotten and counted in a lint.
// Deny look-alikes (what the datafeed misses) cannot be seen in counts,
// so the lint about them covers only what Observe saw.
func (d *Detector) AddCounts(countedBy string, bs ...BucketCount) {
	if countedBy != "" {
		d.countedBy = countedBy
	}
	span := int64(d.opts.BucketSpan)
	for _, bc := range bs {
		if bc.Count < 0 || bc.Start.IsZero() {
			continue
		}
		idx := floorDiv(bc.Start.UnixNano(), span)
		b := d.buckets[idx]
		if b == nil {
			if bc.Count == 0 {
				// Evidence for a bucket never counted (or forgotten): an
				// empty bucket would only stretch the series.
				continue
			}
			if !d.room(idx) {
				d.pruned += bc.Count
				continue
			}
			b = &bucket{}
			d.buckets[idx] = b
		}
		b.count += bc.Count
		b.fed += bc.Count
		d.events += bc.Count
		for _, id := range bc.IDs {
			if len(b.ids) >= d.opts.EvidencePerBucket {
				break
			}
			if id != "" {
				b.ids = append(b.ids, triage.EventRef{ID: id})
			}
		}
		for _, f := range bc.Influencers {
			i := influencerIndex(f.Field)
			if i < 0 || len(f.Top) == 0 {
				continue
			}
			b.fedInf = true
			t := b.inf[i]
			if t == nil {
				t = &tally{}
				b.inf[i] = t
			}
			t.addSummary(f, d.intern)
		}
	}
}

func influencerIndex(field string) int {
	for i, f := range InfluencerFields {
		if f == field {
			return i
		}
	}
	return -1
}

// Anomalous scores the buckets counted so far exactly as Flush will and
// returns the starts of the buckets its findings will cover, oldest
// first: the anomalous ones and, for a bucket the multi-bucket feature
// made anomalous, the earlier buckets of its window. A caller that fed
// counts without evidence fetches ids (and influencers) for just these
// buckets and adds them with AddCounts (Count 0) before Flush.
func (d *Detector) Anomalous() []time.Time {
	if len(d.buckets) == 0 {
		return nil
	}
	lo, counts, _ := d.series()
	var out []time.Time
	for _, r := range findingRuns(run(d.params, counts), d.opts.Threshold) {
		for i := r.start; i < r.end; i++ {
			out = append(out, time.Unix(0, (lo+int64(i))*int64(d.opts.BucketSpan)).UTC())
		}
	}
	return out
}
