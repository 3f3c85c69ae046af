package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/cmd/bench/rpctime"
)

// What one plan of one token pays each provider process, request by
// request, for this provider and for the floor (cmd/bench/floor: a
// terraform-plugin-framework provider with one data source that makes one
// GET to the same local server). Terraform starts the plugin three times
// per plan. Two measures:
//
//   - trace: read from Terraform's TF_LOG=trace log (millisecond stamps),
//     from starting the plugin to the first request it serves (process
//     start, Go initialisation, the plugin handshake) and from each request
//     received to served. Trace logging slows every request (the framework
//     logs each validator), so these are for comparing, not absolute.
//   - untraced: no TF_LOG; each request timed inside the process by
//     rpctime (the timed build of this provider, cmd/bench/timed, and the
//     floor itself), from the server receiving the request to its answer.
//
// The target, printed beside the figures, is each request within 2 ms of
// the floor's.

var (
	logTime = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) `)
	rpcName = regexp.MustCompile(`tf_rpc=([A-Za-z]+)`)
	// The steps in the order a plan takes them.
	stepOrder = []string{"start to first RPC", "GetProviderSchema", "ValidateProviderConfig", "ConfigureProvider",
		"ValidateDataResourceConfig", "ReadDataSource"}
)

const rpcTarget = 2 * time.Millisecond

// steps are one column of the table: each step's median and how many
// times a plan takes it.
type steps struct {
	median  map[string]time.Duration
	perPlan map[string]float64
}

func summarise(all map[string][]time.Duration, runs int) steps {
	s := steps{median: map[string]time.Duration{}, perPlan: map[string]float64{}}
	for name, ds := range all {
		slices.Sort(ds)
		s.median[name] = ds[len(ds)/2]
		s.perPlan[name] = float64(len(ds)) / float64(runs)
	}
	return s
}

// planner runs one configuration's plans, traced or timed.
type planner struct {
	tf, dir, bin string   // bin: the plugin's binary name, to find its lines in the trace
	traceRC      string   // CLI configuration with the release-like builds
	timedRC      string   // CLI configuration with the builds that time themselves
	timedEnv     []string // more environment for the timed plans
	traced       map[string][]time.Duration
	timed        map[string][]time.Duration
}

func (p *planner) runTraced(i int) {
	logPath := filepath.Join(p.dir, fmt.Sprintf("trace-%d.log", i))
	plan(p.tf, p.traceRC, p.dir, "TF_LOG=trace", "TF_LOG_PATH="+logPath)
	for name, ds := range readPhases(logPath, p.bin) {
		p.traced[name] = append(p.traced[name], ds...)
	}
}

func (p *planner) runTimed(i int) {
	logPath := filepath.Join(p.dir, fmt.Sprintf("rpc-%d.log", i))
	plan(p.tf, p.timedRC, p.dir, append([]string{rpctime.EnvVar + "=" + logPath}, p.timedEnv...)...)
	for name, ds := range readRPCLog(logPath) {
		p.timed[name] = append(p.timed[name], ds...)
	}
}

// printSteps plans one token with this provider and one GET with the floor,
// runs times each, alternating, and prints the table; with compare (a
// directory holding another build of terraform-provider-clientcreds), that
// build's traced steps too. untracedEnv is added to the environment of the
// untraced plans (to try a setting, such as TF_LOG_SDK=off).
func printSteps(tf, work string, b builds, compare string, untracedEnv []string, runs int) {
	srv, err := authserver.Start(authserver.Options{IssuerPath: "/identity", Clients: map[string]string{"client-0": secret}})
	check(err)
	defer srv.Close()
	traceRC := cliConfig(work, "steps-trace.tfrc", map[string]string{"clientcreds/clientcreds": b.providerDir, "clientcreds/floor": b.floorDir})
	timedRC := cliConfig(work, "steps-timed.tfrc", map[string]string{"clientcreds/clientcreds": b.timedDir, "clientcreds/floor": b.floorDir})
	newPlanner := func(name, bin, config string) *planner {
		return &planner{tf: tf, dir: planDir(work, name, config), bin: bin, traceRC: traceRC, timedRC: timedRC, timedEnv: untracedEnv,
			traced: map[string][]time.Duration{}, timed: map[string][]time.Duration{}}
	}
	token := requires("clientcreds", "clientcreds/clientcreds") + fmt.Sprintf(
		"data \"clientcreds_token\" \"t\" {\n  token_url     = %q\n  client_id     = \"client-0\"\n  client_secret = %q\n}\n", srv.TokenURL(), secret)
	get := requires("floor", "clientcreds/floor") + fmt.Sprintf(
		"data \"floor_get\" \"t\" {\n  url = %q\n}\n", srv.Issuer+"/.well-known/openid-configuration")
	this := newPlanner("steps-clientcreds", "terraform-provider-clientcreds", token)
	floor := newPlanner("steps-floor", "terraform-provider-floor", get)
	var other *planner
	if compare != "" {
		other = newPlanner("steps-compared", "terraform-provider-clientcreds", token)
		other.traceRC = cliConfig(work, "steps-compared.tfrc", map[string]string{"clientcreds/clientcreds": compare})
	}
	for i := range runs {
		this.runTraced(i)
		floor.runTraced(i)
		this.runTimed(i)
		floor.runTimed(i)
		if other != nil {
			other.runTraced(i)
		}
	}
	cols := []column{
		{"clientcreds trace", summarise(this.traced, runs)}, {"floor trace", summarise(floor.traced, runs)},
		{"clientcreds", summarise(this.timed, runs)}, {"floor", summarise(floor.timed, runs)},
	}
	if other != nil {
		cols = append(cols, column{"compared trace", summarise(other.traced, runs)})
	}
	fmt.Printf("\nwhat a one-token plan pays each provider process, per request (median of %d plans; ×N: requests per plan)\n", runs)
	fmt.Printf("trace: from TF_LOG=trace stamps (ms resolution, logging included); untraced: timed in the process, no logging\n")
	fmt.Printf("floor: cmd/bench/floor, one framework data source making one GET to the same server; target: each request within %v of the floor's\n\n", rpcTarget)
	if len(untracedEnv) > 0 {
		fmt.Printf("untraced plans with %s\n\n", strings.Join(untracedEnv, " "))
	}
	printStepTable(cols)
}

type column struct {
	name string
	s    steps
}

func printStepTable(cols []column) {
	fmt.Printf("| %-32s |", "step")
	for _, c := range cols {
		fmt.Printf(" %17s |", c.name)
	}
	fmt.Printf(" %-42s |\n|%s|", "target: within 2 ms of the floor", dashes(34))
	for range cols {
		fmt.Printf("%s|", dashes(19))
	}
	fmt.Printf("%s|\n", dashes(44))
	for _, step := range stepOrder {
		label := step
		if n := cols[0].s.perPlan[step]; n > 1 {
			label = fmt.Sprintf("%s ×%g", step, n)
		}
		fmt.Printf("| %-32s |", label)
		for _, c := range cols {
			if d, ok := c.s.median[step]; ok {
				fmt.Printf(" %14.2f ms |", float64(d.Microseconds())/1000)
			} else {
				fmt.Printf(" %17s |", "-")
			}
		}
		fmt.Printf(" %-42s |\n", verdict(step, cols))
	}
}

// verdict compares this provider with the floor, traced and untraced.
func verdict(step string, cols []column) string {
	if step == "start to first RPC" {
		return "(not a request)"
	}
	var parts []string
	for _, pair := range [][2]int{{0, 1}, {2, 3}} {
		a, okA := cols[pair[0]].s.median[step]
		b, okB := cols[pair[1]].s.median[step]
		if !okA || !okB {
			continue
		}
		word := "met"
		if a-b > rpcTarget {
			word = "MISSED"
		}
		kind := "trace"
		if pair[0] == 2 {
			kind = "untraced"
		}
		parts = append(parts, fmt.Sprintf("%s %+.1f %s", kind, float64((a-b).Microseconds())/1000, word))
	}
	return strings.Join(parts, ", ")
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

// readRPCLog reads the lines rpctime appended: "NAME NANOSECONDS".
func readRPCLog(path string) map[string][]time.Duration {
	data, err := os.ReadFile(path)
	check(err)
	out := map[string][]time.Duration{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		name, ns, ok := strings.Cut(line, " ")
		n, err := strconv.ParseInt(ns, 10, 64)
		if !ok || err != nil {
			check(fmt.Errorf("%s: unreadable line %q", path, line))
		}
		out[name] = append(out[name], time.Duration(n))
	}
	return out
}
