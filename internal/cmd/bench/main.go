// Command bench measures what the provider costs an identity provider and
// how long Terraform waits on it: it starts the local authorization server
// with a set latency, generates configurations, runs the real `terraform
// plan` several times each and prints a table of medians. `make bench` runs it.
//
// "Round trips paid" is (wall time at 100 ms latency - wall time at 0 ms) /
// 100 ms: the number of sequential waits on the server, a figure that holds
// on a busy machine where absolute times do not.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testconfig"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

const secret = "bench-secret-value"

type scenario struct {
	name     string
	n        int
	kind     string // "data" or "ephemeral"
	distinct bool
}

type result struct {
	wall              time.Duration
	tokens, discovery float64 // per plan
	rssKiB            int64
}

func main() {
	runs := flag.Int("runs", 5, "terraform plan runs per scenario and latency")
	latency := flag.Duration("latency", 100*time.Millisecond, "added server latency for the second column")
	stepsOnly := flag.Bool("steps-only", false, "print only what a one-token plan pays each provider process, request by request, beside the floor provider, and the binary sizes")
	compare := flag.String("compare", "", "a directory holding another build of terraform-provider-clientcreds (an older version, say) whose plan steps to print beside this one's")
	versusHTTP := flag.String("versus-http", "", "a terraform-provider-http binary (hashicorp/http, built by you): also plan one token with it and with this provider, alternated, and print both costs and their ratio")
	pairs := flag.Int("pairs", 20, "alternated plan pairs for -versus-http")
	untracedEnv := flag.String("untraced-env", "", "space-separated NAME=VALUE settings added to the environment of the untraced plans (to try one, e.g. 'TF_LOG_SDK=off')")
	flag.Parse()

	tf, err := exec.LookPath("terraform")
	if err != nil {
		log.Fatal("bench: terraform is not on PATH")
	}
	work, err := os.MkdirTemp("", "clientcreds-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(work) }()
	b := buildAll(work)
	rc := cliConfig(work, "terraformrc", map[string]string{"clientcreds/clientcreds": b.providerDir})

	if *versusHTTP != "" {
		bin, err := filepath.Abs(*versusHTTP)
		check(err)
		defer printVersusHTTP(tf, work, b.providerDir, bin, *pairs)
	}
	if *stepsOnly {
		printSteps(tf, work, b, *compare, strings.Fields(*untracedEnv), *runs)
		printSizes(work, b)
		return
	}
	scenarios := []scenario{
		{"1 token", 1, "data", false},
		{"50 data sources, same credentials", 50, "data", false},
		{"50 data sources, distinct credentials", 50, "data", true},
		{"50 ephemeral, same credentials", 50, "ephemeral", false},
		{"50 ephemeral, distinct credentials", 50, "ephemeral", true},
	}
	fmt.Printf("terraform plan, median of %d runs; requests and peak RSS per plan; latency added per request\n\n", *runs)
	fmt.Printf("| %-38s | %9s | %10s | %6s | %9s | %12s | %11s |\n", "scenario", "wall 0ms", "wall "+latency.String(), "tokens", "discovery", "peak RSS MiB", "round trips")
	fmt.Printf("|%s|%s|%s|%s|%s|%s|%s|\n", dashes(40), dashes(11), dashes(12), dashes(8), dashes(11), dashes(14), dashes(13))
	for _, sc := range scenarios {
		fast := measure(tf, rc, work, sc, 0, *runs)
		slow := measure(tf, rc, work, sc, *latency, *runs)
		trips := float64(slow.wall-fast.wall) / float64(*latency)
		fmt.Printf("| %-38s | %8.2fs | %9.2fs | %6.1f | %9.1f | %12.1f | %11.2f |\n", sc.name,
			fast.wall.Seconds(), slow.wall.Seconds(), slow.tokens, slow.discovery,
			float64(max(fast.rssKiB, slow.rssKiB))/1024, trips)
	}
	cachedPlanApply(tf, rc, work)
	fleet(tf, rc, work)
	printSteps(tf, work, b, *compare, strings.Fields(*untracedEnv), *runs)
	printSizes(work, b)
}

// measure runs terraform plan runs times against a fresh server.
func measure(tf, rc, work string, sc scenario, latency time.Duration, runs int) result {
	srv, err := authserver.Start(authserver.Options{IssuerPath: "/identity", Clients: sc.clients().Map(), Latency: latency})
	check(err)
	defer srv.Close()
	dir := planDir(work, fmt.Sprintf("%s-%d", strings.ReplaceAll(sc.name, " ", "_"), latency), config(sc, srv.Issuer))

	var walls []time.Duration
	var peak int64
	for range runs {
		start := time.Now()
		rss := runWatched(tf, rc, dir, "plan", "-input=false", "-no-color", "-lock=false", "-refresh=false")
		walls = append(walls, time.Since(start))
		peak = max(peak, rss)
	}
	slices.Sort(walls)
	return result{
		wall:      walls[len(walls)/2],
		tokens:    float64(len(srv.TokenRequests())) / float64(runs),
		discovery: float64(srv.DiscoveryRequests()) / float64(runs),
		rssKiB:    peak,
	}
}

// cachedPlanApply counts token requests for plan then apply with the
// persistent cache on.
func cachedPlanApply(tf, rc, work string) {
	srv, err := authserver.Start(authserver.Options{IssuerPath: "/identity", Clients: map[string]string{"client-0": secret}})
	check(err)
	defer srv.Close()
	dir := planDir(work, "cached", config(scenario{n: 50, kind: "data"}, srv.Issuer))
	check(os.Setenv("CLIENTCREDS_CACHE_DIR", filepath.Join(dir, "cache")))
	defer func() { check(os.Unsetenv("CLIENTCREDS_CACHE_DIR")) }()
	runWatched(tf, rc, dir, "plan", "-input=false", "-no-color", "-out=tfplan")
	runWatched(tf, rc, dir, "apply", "-input=false", "-no-color", "tfplan")
	fmt.Printf("\nwith the persistent cache, plan then apply of 50 data sources: %d token request(s), %d discovery request(s) in all\n",
		len(srv.TokenRequests()), srv.DiscoveryRequests())
}

// clients are a scenario's credential sets: one, or one per block.
func (sc scenario) clients() testconfig.Clients {
	if sc.distinct {
		return testconfig.Clients{N: sc.n, Base: secret}
	}
	return testconfig.Clients{N: 1, Base: secret}
}

func config(sc scenario, issuer string) string {
	return requires("clientcreds", "clientcreds/clientcreds") + testconfig.TokenBlocks(sc.kind, issuer, sc.n, sc.clients())
}

// requires is the terraform block a benchmark configuration opens with: the
// provider local, from source.
func requires(local, source string) string {
	return fmt.Sprintf("terraform {\n  required_providers {\n    %s = { source = %q }\n  }\n}\n", local, source)
}

// planDir makes the directory work/name holding one main.tf, config, and
// returns it.
func planDir(work, name, config string) string {
	dir := filepath.Join(work, name)
	check(os.MkdirAll(dir, 0o700))
	check(os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600))
	return dir
}

// runWatched runs terraform and returns the provider process's peak RSS in
// KiB (VmHWM), sampled from /proc while it runs.
func runWatched(tf, rc, dir string, args ...string) int64 {
	cmd := exec.Command(tf, append([]string{"-chdir=" + dir}, args...)...)
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	check(cmd.Start())
	var peak int64
	stop := testhelp.Sample(5*time.Millisecond, func() {
		if v := providerHWM(); v > 0 {
			peak = max(peak, v)
		}
	})
	err := cmd.Wait()
	stop()
	if err != nil {
		log.Fatalf("bench: terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return peak
}

func providerHWM() int64 {
	procs, _ := filepath.Glob("/proc/[0-9]*/comm")
	var peak int64
	for _, p := range procs {
		comm, err := os.ReadFile(p)
		if err != nil || !strings.HasPrefix(string(comm), "terraform-provi") {
			continue
		}
		status, err := os.ReadFile(filepath.Join(filepath.Dir(p), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				peak = max(peak, n)
			}
		}
	}
	return peak
}

func dashes(n int) string { return strings.Repeat("-", n) }

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
