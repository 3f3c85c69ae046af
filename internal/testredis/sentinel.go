package testredis

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SentinelOptions shape a primary with replicas watched by sentinels.
type SentinelOptions struct {
	// Password, when set, is required of every client of the data nodes
	// and used between them (requirepass, masterauth, auth-pass).
	Password string
	// SentinelPassword, when set, is required of every client of the
	// sentinels (their own requirepass).
	SentinelPassword string
	// TLS, when set, serves TLS only, replication and sentinels too.
	TLS *TLS
}

// MasterName is the name the sentinels know the primary by.
const MasterName = "clientcreds-test"

// Sentinel is a primary with two replicas and three sentinels (quorum
// two), on 127.0.0.1.
type Sentinel struct {
	// Data is the primary (first) and the replicas, as started; after a
	// failover another is the primary (see Primary).
	Data      []*Node
	Sentinels []*Node
	// URL names the sentinels: redis:// or rediss://, ?addr= for each
	// sentinel after the first, database 0, without a password.
	URL  string
	opts SentinelOptions
}

// StartSentinel runs the topology until the test ends and waits until the
// sentinels see the primary, both replicas and one another. It skips the
// test, saying why, where redis-server or redis-sentinel is not installed.
func StartSentinel(t testing.TB, opts SentinelOptions) *Sentinel {
	t.Helper()
	return startTopology(t, func(dir string) (*Sentinel, error) { return runSentinel(dir, opts) }, "redis-server", "redis-sentinel")
}

func runSentinel(dir string, opts SentinelOptions) (*Sentinel, error) {
	server, _ := exec.LookPath("redis-server")
	sentinel, _ := exec.LookPath("redis-sentinel")
	ports, err := freePorts(6)
	if err != nil {
		return nil, err
	}
	s := &Sentinel{opts: opts}
	for i := range 3 {
		var args []string
		if i > 0 {
			args = []string{"--replicaof", "127.0.0.1", strconv.Itoa(ports[0])}
		}
		n, err := startDataNode(server, filepath.Join(dir, fmt.Sprintf("data%d", i)), ports[i], opts.TLS, opts.Password, args...)
		if err != nil {
			return s, err
		}
		s.Data = append(s.Data, n)
	}
	var addrs []string
	for i := range 3 {
		ndir := filepath.Join(dir, fmt.Sprintf("sentinel%d", i))
		if err := os.MkdirAll(ndir, 0o700); err != nil {
			return s, err
		}
		port := ports[3+i]
		// Sentinel rewrites its configuration file as it learns: it must be
		// a file of its own, writable.
		var conf strings.Builder
		fmt.Fprintf(&conf, "bind 127.0.0.1\nprotected-mode no\ndir %s\nlogfile %s\n", ndir, filepath.Join(ndir, "sentinel.log"))
		targs, err := tlsArgs(ndir, port, opts.TLS)
		if err != nil {
			return s, err
		}
		for j := 0; j+1 < len(targs); j += 2 {
			fmt.Fprintf(&conf, "%s %s\n", strings.TrimPrefix(targs[j], "--"), targs[j+1])
		}
		fmt.Fprintf(&conf, "sentinel monitor %s 127.0.0.1 %d 2\n", MasterName, ports[0])
		fmt.Fprintf(&conf, "sentinel down-after-milliseconds %s %d\n", MasterName, failoverAfter/time.Millisecond)
		fmt.Fprintf(&conf, "sentinel failover-timeout %s 10000\nsentinel parallel-syncs %s 2\n", MasterName, MasterName)
		if opts.Password != "" {
			fmt.Fprintf(&conf, "sentinel auth-pass %s %s\n", MasterName, opts.Password)
		}
		if opts.SentinelPassword != "" {
			// The sentinels talk to one another with the same password.
			fmt.Fprintf(&conf, "requirepass %s\nsentinel sentinel-pass %s\n", opts.SentinelPassword, opts.SentinelPassword)
		}
		file := filepath.Join(ndir, "sentinel.conf")
		if err := os.WriteFile(file, []byte(conf.String()), 0o600); err != nil {
			return s, err
		}
		n, err := startNode(sentinel, port, file)
		if err != nil {
			return s, err
		}
		s.Sentinels = append(s.Sentinels, n)
		addrs = append(addrs, n.Addr)
	}
	s.URL = schemeOf(opts.TLS) + "://" + addrs[0] + "/0?addr=" + strings.Join(addrs[1:], "&addr=")
	return s, s.WaitHealthy(30 * time.Second)
}

// WaitHealthy waits until every live sentinel sees a primary that is up,
// every live replica in sync with it, and the other live sentinels.
func (s *Sentinel) WaitHealthy(d time.Duration) error {
	live := 0
	for _, n := range s.Sentinels {
		if n.Alive() {
			live++
		}
	}
	replicas := -1
	for _, n := range s.Data {
		if n.Alive() {
			replicas++
		}
	}
	return waitFor(d, "the sentinels to see the primary, its replicas and one another", func(ctx context.Context) bool {
		for _, n := range s.Sentinels {
			if !n.Alive() {
				continue
			}
			a := admin(n.Addr, s.opts.SentinelPassword, s.opts.TLS)
			m, err := a.Do(ctx, "SENTINEL", "MASTER", MasterName).Result()
			reps, rerr := a.Do(ctx, "SENTINEL", "REPLICAS", MasterName).Result()
			_ = a.Close()
			if err != nil || rerr != nil {
				return false
			}
			f := fields(m)
			if f["flags"] != "master" || f["num-other-sentinels"] != strconv.Itoa(live-1) {
				return false
			}
			up := 0
			for _, r := range reps.([]any) { //nolint:forcetypeassert // SENTINEL REPLICAS is an array
				if rf := fields(r); rf["flags"] == "slave" && rf["master-link-status"] == "ok" {
					up++
				}
			}
			if up != replicas {
				return false
			}
		}
		return true
	})
}

// fields reads one of Sentinel's flat name-value arrays (or, over RESP3, maps).
func fields(v any) map[string]string {
	out := map[string]string{}
	switch v := v.(type) {
	case []any:
		for i := 0; i+1 < len(v); i += 2 {
			out[fmt.Sprint(v[i])] = fmt.Sprint(v[i+1])
		}
	case map[any]any:
		for k, x := range v {
			out[fmt.Sprint(k)] = fmt.Sprint(x)
		}
	}
	return out
}

// Primary returns the data node the sentinels name as the primary now.
func (s *Sentinel) Primary(ctx context.Context) (*Node, error) {
	for _, n := range s.Sentinels {
		if !n.Alive() {
			continue
		}
		a := admin(n.Addr, s.opts.SentinelPassword, s.opts.TLS)
		addr, err := a.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MasterName).StringSlice()
		_ = a.Close()
		if err != nil || len(addr) != 2 {
			continue
		}
		for _, d := range s.Data {
			if d.Addr == addr[0]+":"+addr[1] {
				return d, nil
			}
		}
	}
	return nil, fmt.Errorf("no sentinel names a primary for %s", MasterName)
}

// Stop ends every process.
func (s *Sentinel) Stop() {
	for _, n := range append(append([]*Node{}, s.Sentinels...), s.Data...) {
		n.Kill()
	}
}

// Keys returns the keys matching pattern on the primary the sentinels
// name now.
func (s *Sentinel) Keys(ctx context.Context, pattern string) []string {
	p, err := s.Primary(ctx)
	if err != nil || !p.Alive() {
		return nil
	}
	a := admin(p.Addr, s.opts.Password, s.opts.TLS)
	defer func() { _ = a.Close() }()
	ks, _ := a.Keys(ctx, pattern).Result()
	return ks
}

// CommandCalls is how many times the live data nodes ran the command
// name, in all.
func (s *Sentinel) CommandCalls(ctx context.Context, name string) int {
	return commandCalls(ctx, s.Data, s.opts.Password, s.opts.TLS, name)
}
