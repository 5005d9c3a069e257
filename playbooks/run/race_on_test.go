//go:build race

package run_test

// raceEnabled: the race detector slows the demo run tenfold or more.
const raceEnabled = true
