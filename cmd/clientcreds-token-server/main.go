// Command clientcreds-token-server is a local OAuth 2.0 authorization server
// for tests and CI: a real token endpoint without a real identity provider.
//
//	go run github.com/clientcreds/terraform-provider-clientcreds/cmd/clientcreds-token-server@latest \
//	  -client ci=s3cret -issuer-path /identity -env-file server.env &
//
// It serves OpenID Connect and RFC 8414 discovery, client credentials in a
// form or JSON body, client_secret_basic, client_secret_post,
// client_secret_jwt and private_key_jwt, token exchange of its own tokens,
// the JWT bearer grant for issuers it is given keys of, revocation, a
// protected API at /api/whoami, faults on demand (429 with Retry-After, 5xx,
// slow answers, a per-client rate limit, each new token revoking the older
// ones), GET /stats and GET or PUT /faults. Once it listens it prints its
// issuer, and writes it and a shell-sourceable env file where asked. SIGTERM
// or SIGINT stops it cleanly and removes those files.
//
// It binds 127.0.0.1 unless -addr says otherwise, and warns loudly when it
// does. Bad input (an unknown flag, an unreadable config file, a client
// without a secret or key, a port in use) is one line on standard error
// naming the flag or field, and exit status 2, with nothing started.
//
// The server is package oauthtest's, which Go tests can start in-process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/oauthtest"
)

const name = "clientcreds-token-server"

// version is set by the release build.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is bad input: exit status 2.
type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	srv, s, err := start(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", name, oneLine(err.Error()))
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	if warn := exposure(s.addr); warn != "" {
		fmt.Fprint(stderr, warn)
	}
	fmt.Fprintf(stderr, "%s %s: issuer %s, token endpoint %s, %d client(s); stats at %s; stop with SIGTERM or Ctrl-C\n",
		name, version, srv.Issuer, srv.TokenURL(), len(s.opts.Clients)+boolInt(len(s.opts.Clients) == 0), srv.StatsURL())
	fmt.Fprintln(stdout, srv.Issuer)

	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	removeFiles(s)
	st := srv.Stats()
	fmt.Fprintf(stderr, "%s: stopped after %d token requests (%d tokens issued, %d refused, %d faults), %d discovery requests\n",
		name, st.TokenRequests, st.TokensIssued, st.Refused, st.Faulted, st.DiscoveryRequests)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// start parses the command line, starts the server and writes its files;
// on any error nothing is left running or written.
func start(args []string, stdout io.Writer) (*oauthtest.Server, settings, error) {
	f := newFlags()
	f.fs.SetOutput(io.Discard)
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(f.fs, stdout)
			return nil, settings{}, err
		}
		return nil, settings{}, usageError{fmt.Errorf("%v (see -help)", err)}
	}
	if f.fs.NArg() > 0 {
		// After a -client (-client ci s3cret), or holding an "="
		// (ci=s3cret), the argument may be a secret: it is not echoed.
		if arg := f.fs.Arg(0); len(f.clients) == 0 && isWord(arg) {
			return nil, settings{}, usageError{fmt.Errorf("unexpected argument %q: everything is a flag (see -help)", arg)}
		}
		return nil, settings{}, usageError{errors.New("unexpected argument (not shown: it may be a secret); did you mean -client ID=SECRET? Everything is a flag (see -help)")}
	}
	s, err := f.settings()
	if err != nil {
		return nil, s, usageError{err}
	}
	if _, _, err := net.SplitHostPort(s.addr); err != nil {
		return nil, s, usageError{fmt.Errorf("-addr %q: want host:port, e.g. 127.0.0.1:8080", s.addr)}
	}
	srv, err := oauthtest.Listen(s.addr, s.opts)
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) {
			err = oe.Err
		}
		return nil, s, usageError{fmt.Errorf("-addr %s: %v", s.addr, err)}
	}
	if err := writeFiles(srv, &s); err != nil {
		srv.Close()
		removeFiles(s)
		return nil, s, usageError{err}
	}
	return srv, s, nil
}

// writeFiles writes the issuer and env files, each whole or not at all (a
// temporary file renamed), so a reader polling for them never sees half. It
// records what it wrote in s.written, which is what removeFiles removes.
func writeFiles(srv *oauthtest.Server, s *settings) error {
	if s.issuerFile != "" {
		if err := writeAtomic(s.issuerFile, srv.Issuer+"\n"); err != nil {
			return fmt.Errorf("-issuer-file: %v", unwrapPath(err))
		}
		s.written = append(s.written, s.issuerFile)
	}
	if s.envFile != "" {
		var b strings.Builder
		b.WriteString("# " + name + ": source this file (. FILE) for the server's coordinates; it is removed when the server stops\n")
		for _, kv := range srv.Env() {
			fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
		}
		if err := writeAtomic(s.envFile, b.String()); err != nil {
			return fmt.Errorf("-env-file: %v", unwrapPath(err))
		}
		s.written = append(s.written, s.envFile)
	}
	return nil
}

func writeAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, werr := tmp.WriteString(content)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
	}
	return werr
}

func removeFiles(s settings) {
	for _, p := range s.written {
		_ = os.Remove(p)
	}
}

// shellQuote single-quotes a value for sh.
func shellQuote(v string) string {
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// exposure is the warning for an address beyond loopback, or "".
func exposure(addr string) string {
	host, _, _ := net.SplitHostPort(addr)
	if oauth.IsLoopback(host) {
		return ""
	}
	if host == "" {
		host = "every interface"
	}
	bar := strings.Repeat("!", 78)
	return fmt.Sprintf("%s\n!! WARNING: %s listens on %s (%s), not loopback.\n"+
		"!! Anyone who can reach it can read its discovery document, and anyone who\n"+
		"!! knows a client's secret gets tokens. It is a test server with no TLS,\n"+
		"!! no persistence and no hardening: never expose it to a network you do not own.\n%s\n",
		bar, name, addr, host, bar)
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, `Usage: %s [flags]

A local OAuth 2.0 authorization server for tests and CI (a test double, not
an identity provider). It serves, below its issuer:
  /.well-known/openid-configuration   discovery (also /.well-known/oauth-authorization-server/PATH)
  /token                              client_credentials (form or JSON body), token exchange,
                                      JWT bearer; client_secret_basic, client_secret_post,
                                      client_secret_jwt, private_key_jwt
  /revoke                             RFC 7009 revocation
and at its root:
  /api/whoami                         a protected API: 200 for a valid token, 401 otherwise
  /stats                              token request counts, per client too (JSON)
  /faults                             GET the faults in force, PUT new ones (JSON, as in -config)

Once listening it prints its issuer on standard output. SIGTERM or SIGINT
stops it and removes -issuer-file and -env-file. Bad input exits 2.

Flags:
`, name)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, `
Configuration file (-config FILE, JSON; every field optional, paths relative
to the file, flags given on the command line win):
  {
    "addr": "127.0.0.1:8080", "issuer_path": "/identity", "token_lifetime": "2h",
    "body": "json", "auth_methods": ["client_secret_post"], "scopes_supported": ["read"],
    "jwt_access_tokens": false, "issuer_file": "issuer.txt", "env_file": "server.env",
    "clients": [
      {"id": "ci", "secret_env": "CI_SECRET", "scopes": ["read"], "audiences": ["api://x"]},
      {"id": "signer", "public_key_file": "signer.pub.pem"}
    ],
    "jwt_bearer_issuers": [{"issuer": "sa@example.com", "public_key_file": "sa.pub.pem"}],
    "faults": {"too_many_requests": 1, "retry_after": "2s", "server_errors": 1,
               "server_error_status": 503, "latency": "100ms", "rate_limit": 10,
               "rate_window": "1h", "revoke_older": true}
  }

With no client given, one "test-client" with a random secret is registered;
the env file carries its id and secret.

Examples:
  %[1]s -client ci=env:CI_SECRET -env-file server.env &
  %[1]s -client 1234=s3cret -body json -token-lifetime 2h -rate-limit 10 -revoke-older   # Epicollect5-like
  %[1]s -client app=s3cret -issuer-path /identity                                      # OutSystems ODC-like
`, name)
}

// isWord reports whether s is a short lowercase word, such as a
// subcommand typed by habit ("serve"), which is safe to echo.
func isWord(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '-' {
			return false
		}
	}
	return true
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
