// Command bench compares Picket with jq and DuckDB on one large NDJSON
// file made by the demo generator:
//
//	go run ./internal/bench compare [-size 1GiB] [-runs 3] [-dir DIR] [-keep]
//
// It builds picket, writes the file (-size bytes of demo data, each
// fortnight shifted in time after the last), then runs on that file, in
// turn and -runs times each: picket detect (every detector), picket detect
// with the seed query alone, jq with the same filter, and DuckDB with the
// same filter (the duckdb CLI, or Node's @duckdb/node-api installed with
// npm into the user cache; the rows are skipped with a message when
// neither can be had). It prints each job's median time, throughput, peak
// RSS (the process's own, from wait4) and the ratios the targets
// ask about. The machine's load average is printed before and after:
// timings on a busy machine say little on their own, ratios within one run
// more.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"picket/internal/bench/gen"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "compare":
		fs := flag.NewFlagSet("compare", flag.ExitOnError)
		c := compareOpts{}
		size := fs.String("size", "1GiB", "bytes of NDJSON to generate (suffixes KiB, MiB, GiB, KB, MB, GB)")
		fs.IntVar(&c.runs, "runs", 3, "runs of each job; the median is reported")
		fs.StringVar(&c.dir, "dir", "", "folder for the binary and the file (default: a temporary folder, removed unless -keep)")
		fs.BoolVar(&c.keep, "keep", false, "keep the generated file (and reuse it when -dir names the same folder)")
		fs.BoolVar(&c.noDuck, "no-duckdb", false, "skip DuckDB")
		fs.BoolVar(&c.noJQ, "no-jq", false, "skip jq")
		fs.StringVar(&c.picket, "picket", "", "run this picket binary instead of building one (e.g. an older build, for before/after)")
		_ = fs.Parse(os.Args[2:])
		n, err := parseSize(*size)
		mustf(err, "-size")
		c.size = n
		mustf(compare(c), "compare")
	case "gen":
		fs := flag.NewFlagSet("gen", flag.ExitOnError)
		size := fs.String("size", "1GiB", "bytes of NDJSON to generate")
		_ = fs.Parse(os.Args[2:])
		if fs.NArg() != 1 {
			usage()
		}
		n, err := parseSize(*size)
		mustf(err, "-size")
		w, err := gen.Write(fs.Arg(0), n)
		mustf(err, "generate")
		fmt.Printf("%s: %d bytes\n", fs.Arg(0), w)
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run ./internal/bench compare [-size 1GiB] [-runs 3] [-dir DIR] [-keep] [-no-duckdb] [-no-jq]\n       go run ./internal/bench gen [-size 1GiB] FILE")
	os.Exit(2)
}

// parseSize reads "1GiB", "500MB", "1073741824".
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		n      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = v, u.n
			break
		}
	}
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil || f <= 0 {
		return 0, fmt.Errorf("not a size: %q", s)
	}
	return int64(f * float64(mult)), nil
}

func mustf(err error, format string, args ...any) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: "+format+": %v\n", append(args, err)...)
		os.Exit(1)
	}
}
