package cli

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
)

// Hidden switches of picket detect, for measuring and for tests; neither
// is documented in --help.
const (
	// envCPUProfile names a file to write a CPU profile of the run to.
	envCPUProfile = "PICKET_CPUPROFILE"
	// envMemProfile names a file to write an allocation profile to.
	envMemProfile = "PICKET_MEMPROFILE"
	// envFullRead set to 1 turns off projection, prefilters and parallel
	// decoding: every field of every line is decoded on one goroutine, as
	// before they existed. Tests compare the two paths' findings.
	envFullRead = "PICKET_FULL_READ"
	// envGCStats set to 1 prints, at the end of the run, the share of
	// the process's CPU time the garbage collector took.
	envGCStats = "PICKET_GCSTATS"
)

// gcShare reads the runtime's CPU accounting: GC time (mark assists,
// background marking, pauses) over all CPU time the process used.
func gcShare() string {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/user:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"},
		{Name: "/cpu/classes/idle:cpu-seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	gc, user := s[0].Value.Float64(), s[1].Value.Float64()
	busy := gc + user
	if busy == 0 {
		return "gc: no CPU time measured"
	}
	return fmt.Sprintf("gc: %.1f%% of CPU (%.2f s of %.2f s busy), %d cycles", 100*gc/busy, gc, busy, s[4].Value.Uint64())
}

// startProfile starts a CPU profile when PICKET_CPUPROFILE names a file;
// the returned function stops it.
func startProfile(getenv func(string) string) (stop func(), err error) {
	path := getenv(envCPUProfile)
	if mem := getenv(envMemProfile); mem != "" {
		runtime.MemProfileRate = 64 << 10
		defer func() {
			if err != nil {
				return
			}
			cpuStop := stop
			stop = func() {
				cpuStop()
				if f, err := os.Create(mem); err == nil {
					_ = pprof.Lookup("allocs").WriteTo(f, 0)
					f.Close()
				}
			}
		}()
	}
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
