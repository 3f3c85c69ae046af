package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
)

// fleet runs N terraform plans at once, each in a directory of its own (N
// runners with empty local state), against a server answering in 100 ms,
// with and without the shared Redis cache, and prints the token requests
// and the median wall time of one plan.
func fleet(tf, rc, work string) {
	fmt.Printf("\nN concurrent plans of one data source (N runners, empty local state), 100 ms per token request\n\n")
	fmt.Printf("| %3s | %-14s | %14s | %16s |\n", "N", "shared cache", "token requests", "median wall")
	fmt.Printf("|%s|%s|%s|%s|\n", dashes(5), dashes(16), dashes(16), dashes(18))
	check(os.MkdirAll(filepath.Join(work, "redis"), 0o700))
	rs, err := testredis.Run(filepath.Join(work, "redis"), testredis.Options{})
	if err != nil {
		fmt.Printf("(skipped: %v)\n", err)
		return
	}
	defer rs.Stop()
	for _, n := range []int{1, 5, 20} {
		for _, shared := range []bool{false, true} {
			srv, err := authserver.Start(authserver.Options{IssuerPath: "/identity", Clients: map[string]string{"client-0": secret},
				Latency: 100 * time.Millisecond})
			check(err)
			var env []string
			if shared {
				env = []string{"CLIENTCREDS_CACHE_REDIS_URL=" + rs.URL}
			}
			walls := concurrentPlans(tf, rc, work, fmt.Sprintf("fleet-%d-%v", n, shared), srv.Issuer, n, env)
			slices.Sort(walls)
			fmt.Printf("| %3d | %-14v | %14d | %15.2fs |\n", n, shared, len(srv.TokenRequests()), walls[len(walls)/2].Seconds())
			srv.Close()
			if shared { // each scenario starts cold
				check(redis.NewClient(&redis.Options{Addr: rs.Addr}).FlushAll(context.Background()).Err())
			}
		}
	}
}

func concurrentPlans(tf, rc, work, name, issuer string, n int, env []string) []time.Duration {
	walls := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		dir := planDir(work, filepath.Join(name, fmt.Sprint(i)), config(scenario{n: 1, kind: "data"}, issuer))
		wg.Add(1)
		go func() {
			defer wg.Done()
			walls[i] = plan(tf, rc, dir, env...).wall
		}()
	}
	wg.Wait()
	return walls
}
