package testredis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// TLS is how the servers of a topology speak TLS: a certificate for
// 127.0.0.1 that also serves as their client certificate to one another
// (replication, the cluster bus, sentinels to the data nodes), and the CA
// they trust.
type TLS struct {
	CertPEM, KeyPEM, CAPEM []byte
	// AuthClients makes every server ask clients for a certificate the CA
	// signed (tls-auth-clients yes).
	AuthClients bool
}

// Node is one redis-server (or redis-sentinel) process of a topology.
type Node struct {
	Addr string
	Port int
	cmd  *exec.Cmd
	done chan struct{}
}

// PID is the node's process id.
func (n *Node) PID() int { return n.cmd.Process.Pid }

// Kill ends the node at once (SIGKILL on Unix), as a crash would, and
// waits for it to exit.
func (n *Node) Kill() {
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.cmd.Process.Kill()
	<-n.done
}

// Pause stops the node's process (SIGSTOP), as a node that hangs would:
// its connections stay open and nothing is answered. Resume continues it.
func (n *Node) Pause() { pause(n.cmd.Process) }

// Resume continues a paused node (SIGCONT).
func (n *Node) Resume() { resume(n.cmd.Process) }

// Alive reports whether the process still runs.
func (n *Node) Alive() bool {
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// failoverAfter is how long a primary may be silent before it is failed
// over: the cluster's cluster-node-timeout, the sentinels'
// down-after-milliseconds. Short, so that a failover test takes seconds.
const failoverAfter = 1000 * time.Millisecond

// startTopology runs the topology run starts in a temporary directory until
// the test ends; the nodes it started are stopped even when it fails. It
// skips the test under -short or where one of bins is not installed.
func startTopology[T any, P interface {
	*T
	Stop()
}](t testing.TB, run func(dir string) (P, error), bins ...string) P {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Redis topology of several servers (seconds each): -short (make unit) leaves it to make test")
	}
	skipWithout(t, bins...)
	p, err := run(t.TempDir())
	if p != nil {
		t.Cleanup(p.Stop)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startDataNode starts bin as a data node (dataNodeArgs) with its files in
// dir, which it makes, and the extra arguments.
func startDataNode(bin, dir string, port int, t *TLS, password string, extra ...string) (*Node, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	args, err := dataNodeArgs(dir, port, t, password)
	if err != nil {
		return nil, err
	}
	return startNode(bin, port, append(args, extra...)...)
}

// dataNodeArgs are the arguments of a cluster or Sentinel data node with
// its files in dir: its port (tlsArgs), loopback only, nothing persisted,
// replication without disk, and password for clients and its primary.
func dataNodeArgs(dir string, port int, t *TLS, password string) ([]string, error) {
	args, err := tlsArgs(dir, port, t)
	if err != nil {
		return nil, err
	}
	args = append(args, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--protected-mode", "no",
		"--logfile", filepath.Join(dir, "redis.log"), "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0")
	if password != "" {
		args = append(args, "--requirepass", password, "--masterauth", password)
	}
	return args, nil
}

// schemeOf is the URL scheme of nodes with t: rediss:// with TLS.
func schemeOf(t *TLS) string {
	if t != nil {
		return "rediss"
	}
	return "redis"
}

// tlsArgs are the server arguments that serve TLS on port (and no plain
// port), with the certificate files written to dir.
func tlsArgs(dir string, port int, t *TLS) ([]string, error) {
	if t == nil {
		return []string{"--port", strconv.Itoa(port)}, nil
	}
	cert, key, ca := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "ca.pem")
	if err := errors.Join(os.WriteFile(cert, t.CertPEM, 0o600), os.WriteFile(key, t.KeyPEM, 0o600), os.WriteFile(ca, t.CAPEM, 0o600)); err != nil {
		return nil, err
	}
	auth := "no"
	if t.AuthClients {
		auth = "yes"
	}
	return []string{"--port", "0", "--tls-port", strconv.Itoa(port), "--tls-cert-file", cert, "--tls-key-file", key,
		"--tls-ca-cert-file", ca, "--tls-auth-clients", auth, "--tls-replication", "yes"}, nil
}

// startNode runs bin with args (which must make it listen on 127.0.0.1:port)
// and waits until it listens.
func startNode(bin string, port int, args ...string) (*Node, error) {
	n := &Node{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, done: make(chan struct{})}
	n.cmd = exec.Command(bin, args...)
	n.cmd.SysProcAttr = childAttr()       // on Linux, killed with the test binary
	n.cmd.Stdout, n.cmd.Stderr = nil, nil // their logs go to files in their directories
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = n.cmd.Wait(); close(n.done) }()
	if !testhelp.Listening(n.Addr, startWait, n.Alive) {
		n.Kill()
		return nil, fmt.Errorf("%s did not start listening on %s", filepath.Base(bin), n.Addr)
	}
	return n, nil
}

// clientTLS is a TLS configuration that trusts t's CA and presents its
// certificate.
func clientTLS(t *TLS) *tls.Config {
	if t == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(t.CAPEM)
	c := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if cert, err := tls.X509KeyPair(t.CertPEM, t.KeyPEM); err == nil {
		c.Certificates = []tls.Certificate{cert}
	}
	return c
}

// admin is a plain go-redis client to one node, for setting up and
// inspecting a topology.
func admin(addr, password string, t *TLS) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, Password: password, TLSConfig: clientTLS(t), DisableIdentity: true,
		DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, MaxRetries: -1})
}

// waitFor polls cond every 50 ms until it holds or d has passed.
func waitFor(d time.Duration, what string, cond func(ctx context.Context) bool) error {
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		ok := cond(ctx)
		cancel()
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePorts returns n distinct free ports on 127.0.0.1, each held until all
// are chosen.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port) //nolint:forcetypeassert // a TCP listener's address
	}
	return ports, nil
}

func skipWithout(t testing.TB, bins ...string) {
	t.Helper()
	if why := Missing(bins...); why != "" {
		t.Skip("SKIP: " + why)
	}
}

// Missing says which of the programs is not on PATH and which Debian
// package has it, or "" when all are there.
func Missing(bins ...string) string {
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			pkg := b
			if b == "redis-cli" {
				pkg = "redis-tools"
			}
			return fmt.Sprintf("needs %s on PATH (Debian's %s package; .ci/run installs it with apt-get)", b, pkg)
		}
	}
	return ""
}

// commandCalls is how many times the live nodes ran the command name, in
// all (INFO commandstats).
func commandCalls(ctx context.Context, nodes []*Node, password string, t *TLS, name string) int {
	total := 0
	for _, n := range nodes {
		if n.Alive() {
			total += nodeCommandCalls(ctx, n.Addr, password, t, name)
		}
	}
	return total
}

func nodeCommandCalls(ctx context.Context, addr, password string, t *TLS, name string) int {
	a := admin(addr, password, t)
	defer func() { _ = a.Close() }()
	info, err := a.Info(ctx, "commandstats").Result()
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(info, "cmdstat_"+strings.ToLower(name)+":calls=")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(strings.SplitN(rest, ",", 2)[0])
	return n
}
