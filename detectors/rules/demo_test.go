package rules

import "picket/triage/demo"

func demoSource() *demo.Source { return demo.New(demo.DefaultSeed) }
