// Package testredis runs a real redis-server for tests: on 127.0.0.1 and a
// free port, with no persistence, stopped with the test. Where
// redis-server is not installed the test is skipped, saying so (Debian's
// redis-server package; .ci/run installs it).
package testredis

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options shape the server.
type Options struct {
	// Password, when set, is required of every client (requirepass).
	Password string
	// TLS, when set, serves TLS only, with this certificate and key (PEM).
	TLSCertPEM, TLSKeyPEM []byte
}

// Server is a running redis-server.
type Server struct {
	Addr string
	// URL is redis:// or, with TLS, rediss:// to the server, without a
	// password.
	URL  string
	opts Options
	node *Node
}

// Start runs redis-server until the test ends; it skips the test, saying
// why, where redis-server is not installed.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	skipWithout(t, "redis-server")
	s, err := Run(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Run starts redis-server with its files in dir and waits until it
// listens; the caller stops it.
func Run(dir string, opts Options) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server is not on PATH (Debian's redis-server package)")
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	port := ports[0]
	args := []string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--protected-mode", "no",
		"--logfile", filepath.Join(dir, "redis.log")}
	scheme := "redis"
	if opts.TLSCertPEM != nil {
		cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		if err := errors.Join(os.WriteFile(cert, opts.TLSCertPEM, 0o600), os.WriteFile(key, opts.TLSKeyPEM, 0o600)); err != nil {
			return nil, err
		}
		args = append(args, "--port", "0", "--tls-port", strconv.Itoa(port), "--tls-cert-file", cert, "--tls-key-file", key,
			"--tls-auth-clients", "no")
		scheme = "rediss"
	} else {
		args = append(args, "--port", strconv.Itoa(port))
	}
	if opts.Password != "" {
		args = append(args, "--requirepass", opts.Password)
	}
	n, err := startNode(bin, port, args...)
	if err != nil {
		return nil, err
	}
	return &Server{Addr: n.Addr, URL: fmt.Sprintf("%s://%s/0", scheme, n.Addr), opts: opts, node: n}, nil
}

// Stop ends the server and waits for it to exit.
func (s *Server) Stop() { s.node.Kill() }

// Client is a client for inspecting what the server holds (plain
// connections only).
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Password: s.opts.Password})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// startWait bounds how long a started server may take to listen.
const startWait = 20 * time.Second
