//go:build race

package cli

// raceEnabled lets tests that read the whole demo data cut it short under
// the race detector, which makes decoding some ten times slower.
const raceEnabled = true
