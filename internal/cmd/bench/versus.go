package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// planCost is one terraform plan's cost: wall time, and the CPU time of
// terraform and every plugin process it started and waited for.
type planCost struct{ wall, user, sys time.Duration }

// printVersusHTTP plans one token with this provider and the same token
// request with hashicorp/http (the binary at httpBin), in alternation so
// that a drift in the machine's speed falls on both, and prints each
// figure's median and the median of the pairwise ratios. It is what the
// plan of a user who moves from the http provider to this one costs more
// or less.
func printVersusHTTP(tf, work, providerDir, httpBin string, pairs int) {
	srv, err := authserver.Start(authserver.Options{IssuerPath: "/identity", Clients: map[string]string{"client-0": secret}})
	check(err)
	defer srv.Close()
	rc := cliConfig(work, "versus.tfrc", map[string]string{"clientcreds/clientcreds": providerDir})
	httpRC := cliConfig(work, "versus-http.tfrc", map[string]string{"hashicorp/http": filepath.Dir(httpBin)})
	ours := planDir(work, "versus-clientcreds", requires("clientcreds", "clientcreds/clientcreds")+fmt.Sprintf(`
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-0"
  client_secret = %q
}
`, srv.TokenURL(), secret))
	theirs := planDir(work, "versus-http", requires("http", "hashicorp/http")+fmt.Sprintf(`
data "http" "t" {
  url    = %q
  method = "POST"
  request_headers = {
    Authorization = "Basic %s"
    Content-Type  = "application/x-www-form-urlencoded"
  }
  request_body = "grant_type=client_credentials"
}
`, srv.TokenURL(), base64.StdEncoding.EncodeToString([]byte("client-0:"+secret))))
	plan(tf, rc, ours) // warm the page cache for both
	plan(tf, httpRC, theirs)
	var a, b []planCost
	for range pairs {
		a = append(a, plan(tf, rc, ours))
		b = append(b, plan(tf, httpRC, theirs))
	}
	fmt.Printf("\none token, terraform plan beside hashicorp/http making the same request (%d alternated pairs, medians)\n\n", pairs)
	fmt.Printf("| %-8s | %12s | %15s | %6s |\n|%s|%s|%s|%s|\n", "", "clientcreds", "hashicorp/http", "ratio", dashes(10), dashes(14), dashes(17), dashes(8))
	for _, f := range []struct {
		name string
		of   func(planCost) time.Duration
	}{
		{"wall", func(c planCost) time.Duration { return c.wall }},
		{"user", func(c planCost) time.Duration { return c.user }},
		{"system", func(c planCost) time.Duration { return c.sys }},
		{"cpu", func(c planCost) time.Duration { return c.user + c.sys }},
	} {
		var av, bv []time.Duration
		var ratios []float64
		for i := range a {
			av, bv = append(av, f.of(a[i])), append(bv, f.of(b[i]))
			ratios = append(ratios, float64(f.of(a[i]))/float64(f.of(b[i])))
		}
		slices.Sort(av)
		slices.Sort(bv)
		slices.Sort(ratios)
		fmt.Printf("| %-8s | %9.1f ms | %12.1f ms | %6.3f |\n", f.name, ms(av[len(av)/2]), ms(bv[len(bv)/2]), ratios[len(ratios)/2])
	}
	fmt.Println("\ntarget: a ratio of at most 1.000 (the plan costs no more than the http provider's)")
}

// plan runs one terraform plan in dir, with the CLI configuration rc and
// env added to the environment, and returns what it cost.
func plan(tf, rc, dir string, env ...string) planCost {
	cmd := exec.Command(tf, "-chdir="+dir, "plan", "-input=false", "-no-color", "-lock=false", "-refresh=false")
	cmd.Env = append(append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1"), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		check(fmt.Errorf("terraform plan in %s: %v\n%s", dir, err, out))
	}
	// wait4's accounting: terraform and the plugins it waited for.
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru == nil {
		return planCost{wall: wall}
	}
	return planCost{wall: wall, user: time.Duration(ru.Utime.Nano()), sys: time.Duration(ru.Stime.Nano())}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
