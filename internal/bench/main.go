package main

import (
	"fmt"
	"os"
	"strconv"

	"picket/internal/bench/gen"
)

func main() {
	if len(os.Args) >= 4 && os.Args[1] == "gen" {
		size, err := strconv.ParseInt(os.Args[3], 10, 64)
		mustf(err, "size")
		n, err := gen.Write(os.Args[2], size)
		mustf(err, "generate")
		fmt.Println(n)
	}
}

func mustf(err error, format string, args ...any) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: "+format+": %v\n", append(args, err)...)
		os.Exit(1)
	}
}
