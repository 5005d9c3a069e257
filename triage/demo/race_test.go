//go:build race

package demo

// raceEnabled lets slow whole-data checks sample under the race detector,
// which makes byte-level scanning some ten times slower.
const raceEnabled = true
