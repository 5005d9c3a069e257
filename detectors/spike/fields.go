package spike

import "picket/triage"

var _ triage.FieldReader = (*Detector)(nil)

// Fields implements triage.FieldReader: the datafeed's fields and the
// deny lookalikes' (decoded), and the influencers (read from the raw
// document).
func (d *Detector) Fields() []string {
	out := []string{"@timestamp", "event.category", "event.outcome", "event.type", "event.action",
		"data_stream.dataset", "event.dataset"}
	return append(out, InfluencerFields[:]...)
}
