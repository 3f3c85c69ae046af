package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// What one plan pays for the provider process, step by step, read from
// Terraform's trace log: from starting the plugin to the first request it
// serves (process start, Go initialisation, the plugin handshake), and how
// long it takes to serve GetProviderSchema, ValidateDataResourceConfig and
// ReadDataSource. Terraform starts the plugin three times per plan. Trace
// logging slows every step (the framework logs each validator), so the
// figures are for comparing providers or versions on one machine, not
// absolute costs; the Go benchmark BenchmarkProtocol measures the same
// requests in-process without logging.

var (
	logTime    = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) `)
	rpcName    = regexp.MustCompile(`tf_rpc=([A-Za-z]+)`)
	phaseOrder = []string{"start to first RPC", "GetProviderSchema", "ValidateDataResourceConfig", "ReadDataSource"}
)

// providerPhases runs plan runs times on dir (with one data source of the
// provider whose binary name is bin) and returns the median of each phase.
func providerPhases(tf, rc, dir, bin string, runs int) map[string]time.Duration {
	all := map[string][]time.Duration{}
	for i := range runs {
		logPath := filepath.Join(dir, fmt.Sprintf("trace-%d.log", i))
		cmd := exec.Command(tf, "-chdir="+dir, "plan", "-input=false", "-no-color", "-lock=false", "-refresh=false")
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
			"TF_LOG=trace", "TF_LOG_PATH="+logPath)
		if out, err := cmd.CombinedOutput(); err != nil {
			check(fmt.Errorf("terraform plan with trace: %v\n%s", err, out))
		}
		for name, ds := range readPhases(logPath, bin) {
			all[name] = append(all[name], ds...)
		}
	}
	med := map[string]time.Duration{}
	for name, ds := range all {
		slices.Sort(ds)
		med[name] = ds[len(ds)/2]
	}
	return med
}

// readPhases reads one trace log: each start of the plugin named bin to
// its first served request, and each request it served, by RPC.
func readPhases(path, bin string) map[string][]time.Duration {
	f, err := os.Open(path)
	check(err)
	defer func() { _ = f.Close() }()
	out := map[string][]time.Duration{}
	var started time.Time
	received := map[string]time.Time{}
	providerLine := "provider." + bin + ":"
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		m := logTime.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			continue
		}
		switch {
		case strings.Contains(line, "provider: starting plugin:") && strings.Contains(line, "/"+bin+" "):
			started = at
		case strings.Contains(line, providerLine) && strings.Contains(line, "Received request"):
			if !started.IsZero() {
				out["start to first RPC"] = append(out["start to first RPC"], at.Sub(started))
				started = time.Time{}
			}
			if r := rpcName.FindStringSubmatch(line); r != nil {
				received[r[1]] = at
			}
		case strings.Contains(line, providerLine) && strings.Contains(line, "Served request"):
			if r := rpcName.FindStringSubmatch(line); r != nil && !received[r[1]].IsZero() {
				out[r[1]] = append(out[r[1]], at.Sub(received[r[1]]))
				delete(received, r[1])
			}
		}
	}
	check(sc.Err())
	return out
}

func printPhases(rows map[string]map[string]time.Duration, names []string) {
	fmt.Printf("\nwhat one plan pays the provider process (median under TF_LOG=trace; slower than without, for comparison)\n\n")
	fmt.Printf("| %-28s |", "step")
	for _, n := range names {
		fmt.Printf(" %14s |", n)
	}
	fmt.Printf("\n|%s|", dashes(30))
	for range names {
		fmt.Printf("%s|", dashes(16))
	}
	fmt.Println()
	for _, step := range phaseOrder {
		fmt.Printf("| %-28s |", step)
		for _, n := range names {
			if d, ok := rows[n][step]; ok {
				fmt.Printf(" %11.1f ms |", float64(d.Microseconds())/1000)
			} else {
				fmt.Printf(" %14s |", "-")
			}
		}
		fmt.Println()
	}
}
