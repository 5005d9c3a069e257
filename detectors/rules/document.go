package rules

import "picket/triage/kqldoc"

// eventDoc is how rules show events to their queries: triage/kqldoc's one
// adapter.
type eventDoc = kqldoc.Doc
