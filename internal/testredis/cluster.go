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

// ClusterOptions shape a test cluster.
type ClusterOptions struct {
	// Password, when set, is required of every client and used between
	// the nodes (requirepass, masterauth).
	Password string
	// TLS, when set, serves TLS only, the cluster bus and replication too.
	TLS *TLS
}

// Cluster is a Redis Cluster of three primaries, each with one replica, on
// 127.0.0.1: what redis-cli --cluster create makes of six nodes.
type Cluster struct {
	Nodes []*Node
	// URL names every node: redis:// or rediss://, ?addr= for each node
	// after the first, without a password.
	URL  string
	opts ClusterOptions
}

// StartCluster runs a cluster until the test ends and waits until every
// slot is served and every replica is in sync. It skips the test, saying
// why, where redis-server or redis-cli is not installed.
func StartCluster(t testing.TB, opts ClusterOptions) *Cluster {
	t.Helper()
	return startTopology(t, func(dir string) (*Cluster, error) { return runCluster(dir, opts) }, "redis-server", "redis-cli")
}

func runCluster(dir string, opts ClusterOptions) (*Cluster, error) {
	bin, _ := exec.LookPath("redis-server")
	// Each node has a client port and a cluster bus port.
	ports, err := freePorts(12)
	if err != nil {
		return nil, err
	}
	c := &Cluster{opts: opts}
	var addrs []string
	for i := range 6 {
		ndir := filepath.Join(dir, fmt.Sprintf("node%d", i))
		args := []string{"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(ndir, "nodes.conf"),
			"--cluster-port", strconv.Itoa(ports[2*i+1]), "--cluster-node-timeout", strconv.Itoa(int(failoverAfter / time.Millisecond)),
			"--cluster-replica-validity-factor", "0"}
		if opts.TLS != nil {
			args = append(args, "--tls-cluster", "yes")
		}
		n, err := startDataNode(bin, ndir, ports[2*i], opts.TLS, opts.Password, args...)
		if err != nil {
			return c, err
		}
		c.Nodes = append(c.Nodes, n)
		addrs = append(addrs, n.Addr)
	}
	c.URL = schemeOf(opts.TLS) + "://" + addrs[0] + "?addr=" + strings.Join(addrs[1:], "&addr=")

	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	args = append(args, cliTLSArgs(dir, opts.TLS)...)
	cmd := exec.Command("redis-cli", args...)
	if opts.Password != "" {
		cmd.Env = append(os.Environ(), "REDISCLI_AUTH="+opts.Password)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return c, fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}
	return c, c.WaitHealthy(30 * time.Second)
}

// cliTLSArgs are redis-cli's arguments for t, its files written to dir.
func cliTLSArgs(dir string, t *TLS) []string {
	if t == nil {
		return nil
	}
	cert, key, ca := filepath.Join(dir, "cli-cert.pem"), filepath.Join(dir, "cli-key.pem"), filepath.Join(dir, "cli-ca.pem")
	_ = os.WriteFile(cert, t.CertPEM, 0o600)
	_ = os.WriteFile(key, t.KeyPEM, 0o600)
	_ = os.WriteFile(ca, t.CAPEM, 0o600)
	return []string{"--tls", "--cacert", ca, "--cert", cert, "--key", key}
}

// WaitHealthy waits until every live node says the cluster is ok and
// every live replica is in sync with its primary.
func (c *Cluster) WaitHealthy(d time.Duration) error {
	return waitFor(d, "the cluster to be healthy", func(ctx context.Context) bool {
		for _, n := range c.Nodes {
			if !n.Alive() {
				continue
			}
			a := admin(n.Addr, c.opts.Password, c.opts.TLS)
			info, err := a.ClusterInfo(ctx).Result()
			repl, rerr := a.Info(ctx, "replication").Result()
			_ = a.Close()
			if err != nil || rerr != nil || !strings.Contains(info, "cluster_state:ok") {
				return false
			}
			if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
				return false
			}
		}
		return true
	})
}

// PrimaryFor returns the live node that serves key as a primary now.
func (c *Cluster) PrimaryFor(ctx context.Context, key string) (*Node, error) {
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		a := admin(n.Addr, c.opts.Password, c.opts.TLS)
		slot, err := a.ClusterKeySlot(ctx, key).Result()
		if err != nil {
			_ = a.Close()
			continue
		}
		shards, err := a.ClusterShards(ctx).Result()
		_ = a.Close()
		if err != nil {
			continue
		}
		for _, sh := range shards {
			serves := false
			for _, r := range sh.Slots {
				serves = serves || r.Start <= slot && slot <= r.End
			}
			if !serves {
				continue
			}
			for _, sn := range sh.Nodes {
				port := sn.TLSPort
				if port == 0 {
					port = sn.Port
				}
				if sn.Role != "master" || sn.Health != "online" {
					continue
				}
				for _, m := range c.Nodes {
					if m.Port == int(port) && m.Alive() {
						return m, nil
					}
				}
			}
		}
	}
	return nil, fmt.Errorf("no live node serves %q", key)
}

// Keys returns the keys matching pattern on every live primary.
func (c *Cluster) Keys(ctx context.Context, pattern string) []string {
	var out []string
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		a := admin(n.Addr, c.opts.Password, c.opts.TLS)
		repl, _ := a.Info(ctx, "replication").Result()
		if strings.Contains(repl, "role:master") {
			ks, _ := a.Keys(ctx, pattern).Result()
			out = append(out, ks...)
		}
		_ = a.Close()
	}
	return out
}

// Stop ends every node.
func (c *Cluster) Stop() {
	for _, n := range c.Nodes {
		n.Kill()
	}
}

// CommandCalls is how many times the live nodes ran the command name, in
// all.
func (c *Cluster) CommandCalls(ctx context.Context, name string) int {
	return commandCalls(ctx, c.Nodes, c.opts.Password, c.opts.TLS, name)
}
