package cli

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// Hidden switches of picket detect, for measuring and for tests; neither
// is documented in --help.
const (
	// envCPUProfile names a file to write a CPU profile of the run to.
	envCPUProfile = "PICKET_CPUPROFILE"
	// envFullRead set to 1 turns off projection, prefilters and parallel
	// decoding: every field of every line is decoded on one goroutine, as
	// before they existed. Tests compare the two paths' findings.
	envFullRead = "PICKET_FULL_READ"
)

// startProfile starts a CPU profile when PICKET_CPUPROFILE names a file;
// the returned function stops it.
func startProfile(getenv func(string) string) (stop func(), err error) {
	path := getenv(envCPUProfile)
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envCPUProfile, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", envCPUProfile, err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
