package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

func numCPU() int { return runtime.NumCPU() }

// duckJobs returns the DuckDB rows: with the duckdb CLI when it is on
// PATH, else with Node and @duckdb/node-api (installed with npm into the
// user cache on first use). Two rows each: read_ndjson told the columns
// the filter reads (DuckDB's fastest way), and read_ndjson detecting the
// schema (what one types first). Both count the matches. When neither
// can be had, why says so.
func duckJobs(file string) (jobs []*job, why string) {
	lit := "'" + strings.ReplaceAll(file, "'", "''") + "'"
	typed := fmt.Sprintf(`SELECT count(*) FROM read_ndjson(%s, columns={http: 'STRUCT(request STRUCT(method VARCHAR), response STRUCT(status_code BIGINT))'}) WHERE %s`, lit, seedSQL)
	auto := fmt.Sprintf(`SELECT count(*) FROM read_ndjson(%s) WHERE %s`, lit, seedSQL)
	last := func(out []byte) string {
		f := strings.Fields(string(out))
		if len(f) == 0 {
			return "?"
		}
		return f[len(f)-1]
	}
	if duck, err := exec.LookPath("duckdb"); err == nil {
		return []*job{
			{name: "duckdb CLI (columns given)", argv: []string{duck, "-noheader", "-list", "-c", typed}, count: last},
			{name: "duckdb CLI (schema detected)", argv: []string{duck, "-noheader", "-list", "-c", auto}, count: last},
		}, ""
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, "neither the duckdb CLI nor node is on PATH"
	}
	dir, err := nodeDuck()
	if err != nil {
		return nil, err.Error()
	}
	script := filepath.Join(dir, "count.mjs")
	return []*job{
		{name: "duckdb node-api (columns given)", argv: []string{node, script, typed}, count: last},
		{name: "duckdb node-api (schema detected)", argv: []string{node, script, auto}, count: last},
	}, ""
}

const countScript = `import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const r = await con.runAndReadAll(process.argv[2]);
process.stdout.write(String(r.getRows()[0][0]) + "\n");
`

// nodeDuck returns a folder where node finds @duckdb/node-api, installing
// it with npm when it is not there yet.
func nodeDuck() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "picket-bench", "duckdb-node")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			return "", fmt.Errorf("node is here but npm is not, so @duckdb/node-api cannot be installed")
		}
		fmt.Printf("installing @duckdb/node-api with npm into %s...\n", dir)
		cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--prefix", dir, "@duckdb/node-api")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("npm install @duckdb/node-api failed (%v): %s", err, lastLine(out))
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "count.mjs"), []byte(countScript), 0o644); err != nil {
		return "", err
	}
	return dir, nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
