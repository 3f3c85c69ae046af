package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
)

// redisCacheHCL is a provider block whose cache's redis block holds lines.
func redisCacheHCL(lines ...string) string {
	return "provider \"clientcreds\" {\n  cache {\n    redis {\n      " + strings.Join(lines, "\n      ") + "\n    }\n  }\n}\n"
}

// reverse is s backwards, an encoding of a secret no sanitiser knows.
func reverse(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	return string(b)
}

// Twenty CI jobs on twenty machines (twenty terraform processes with empty
// local state) and one Redis, turned on by the environment alone: one token
// request in all.
func TestAccSharedCacheTwentyRunsOneToken(t *testing.T) {
	t.Parallel()
	rs := testredis.Start(t, testredis.Options{})
	srv := startServer(t, authserver.Options{Latency: 300 * time.Millisecond})
	config := tokenT(srv) + `
output "expires_in" {
  value = data.clientcreds_token.t.expires_in
}
`
	runs := make([]*cli, 20)
	for i := range runs {
		runs[i] = newCLI(t, "1.0.0", config)
	}
	env := []string{"CLIENTCREDS_CACHE_REDIS_URL=" + rs.URL}
	outs := startPlans(t, runs, env)()
	if n := len(srv.TokenRequests()); n != 1 {
		t.Errorf("20 concurrent plans made %d token requests; want 1", n)
	}
	for i, out := range outs {
		if strings.Contains(out, "Shared Token Cache Unavailable") {
			t.Errorf("run %d warned:\n%s", i, out)
		}
	}
}

// A Redis that refuses the password: the plan succeeds, with one warning
// that names the cause and not the password.
func TestAccSharedCacheWrongPasswordWarns(t *testing.T) {
	t.Parallel()
	const password = "redis-pw-Hx8c2Nq5"
	rs := testredis.Start(t, testredis.Options{Password: password})
	srv := startServer(t, authserver.Options{})
	c := newCLI(t, "1.0.0", redisCacheHCL(fmt.Sprintf("url = %q", rs.URL), `password_env = "FLEET_REDIS_PASSWORD"`)+tokenT(srv))
	out := c.run([]string{"FLEET_REDIS_PASSWORD=wrong-" + password}, "plan", "-input=false", "-no-color")
	if !phrase("Shared Token Cache Unavailable", "WRONGPASS", "tokens are requested from the server directly").MatchString(out) {
		t.Errorf("no warning naming the cause:\n%s", out)
	}
	assertAbsent(t, "the plan output", out, map[string]string{"Redis password": password})
	if n := len(srv.TokenRequests()); n != 1 {
		t.Errorf("%d token requests; want 1", n)
	}
}

// A hostile Redis answers AUTH with the password it received (reversed,
// where no sanitiser can know it) after text of its own: the plan succeeds,
// and the warning says, in the provider's words, that authentication
// failed, quoting nothing of the server's answer.
func TestAccSharedCacheHostileAuthAnswerNotQuoted(t *testing.T) {
	t.Parallel()
	const password = "redis-pw-Rv5Kd8Wm2Tq"
	const marker = "HOSTILE-SERVER-TEXT"
	fake := testredis.StartFake(t, "127.0.0.1", func(cmd []string) string {
		switch strings.ToUpper(cmd[0]) {
		case "HELLO", "AUTH":
			return testredis.Error("WRONGPASS " + marker + " you sent " + reverse(cmd[len(cmd)-1]))
		}
		return testredis.Error("NOAUTH " + marker)
	})
	srv := startServer(t, authserver.Options{})
	c := newCLI(t, "1.0.0", redisCacheHCL(fmt.Sprintf("url = %q", fake.URL), `password_env = "FLEET_REDIS_PASSWORD"`)+tokenT(srv))
	out := c.run([]string{"FLEET_REDIS_PASSWORD=" + password}, "plan", "-input=false", "-no-color")
	if !fake.Received(password) {
		t.Fatalf("the fake Redis never received the password; commands %q", fake.Commands())
	}
	if !phrase("Shared Token Cache Unavailable", "authentication failed", "tokens are requested from the server directly").MatchString(out) {
		t.Errorf("no warning that authentication failed:\n%s", out)
	}
	assertAbsent(t, "the plan output", out, map[string]string{"Redis password": password})
	// No encoding covers a reversed string: these are looked for as they are.
	for name, leak := range map[string]string{"server's marker": marker, "reversed password": reverse(password), "server's own words": "you sent"} {
		if strings.Contains(out, leak) {
			t.Errorf("the plan output quotes the server (%s)", name)
		}
	}
	if n := len(srv.TokenRequests()); n != 1 {
		t.Errorf("%d token requests; want 1", n)
	}
}

// Plain redis:// to a host that is not loopback is refused, in the block or
// in the environment, naming what to change; the password never leaves.
func TestAccSharedCachePlaintextToRemoteHostRefused(t *testing.T) {
	t.Parallel()
	srv := startServer(t, authserver.Options{})
	data := tokenT(srv)
	block := newCLI(t, "1.0.0", redisCacheHCL(`url = "redis://10.255.255.1:6379/0"`, `password = "redis-pw-Plain4Xq9"`)+data)
	out := block.runFail(nil, "plan", "-input=false", "-no-color")
	if !phrase("Unencrypted Redis Connection Refused", "10.255.255.1", "unencrypted", "rediss://", "allow_plaintext = true", "cache.redis block").MatchString(out) {
		t.Errorf("no error naming what to change:\n%s", out)
	}
	assertAbsent(t, "the plan output", out, map[string]string{"Redis password": "redis-pw-Plain4Xq9"})
	env := newCLI(t, "1.0.0", data)
	out = env.runFail([]string{"CLIENTCREDS_CACHE_REDIS_URL=redis://cache.internal.example:6379"}, "plan", "-input=false", "-no-color")
	if !phrase("Unencrypted Redis Connection Refused", "cache.internal.example", "allow_plaintext = true").MatchString(out) {
		t.Errorf("no error for the environment's URL:\n%s", out)
	}
	if n := len(srv.TokenRequests()); n != 0 {
		t.Errorf("%d token requests; the configuration is refused before any", n)
	}
}

// rediss:// with ?skip_verify=true is refused unless insecure_skip_verify is
// set; with it the cache is used and the run warns once.
func TestAccSharedCacheSkipVerifyIsAWarnedOptIn(t *testing.T) {
	t.Parallel()
	ca := testpki.NewCA(t)
	key, keyPEM := testpki.ECKey(t)
	rs := testredis.Start(t, testredis.Options{TLSCertPEM: testpki.CertPEM(ca.Issue(t, "127.0.0.1", time.Hour, key.Public())), TLSKeyPEM: keyPEM})
	srv := startServer(t, authserver.Options{Clients: map[string]string{"client-1": testSecret, "client-2": testSecret}})
	config := func(optIn string) string {
		return redisCacheHCL(fmt.Sprintf("url = %q", rs.URL+"?skip_verify=true"), optIn) +
			client1HCL(`data "clientcreds_token" "a"`, "token_url", srv.TokenURL()) +
			clientHCL(`data "clientcreds_token" "b"`, "token_url", srv.TokenURL(), "client-2", testSecret)
	}
	refused := newCLI(t, "1.0.0", config(""))
	out := refused.runFail(nil, "plan", "-input=false", "-no-color")
	if !phrase("Redis Certificate Checks Off", "skip_verify", "ca_cert_file", "insecure_skip_verify = true").MatchString(out) {
		t.Errorf("no error naming insecure_skip_verify:\n%s", out)
	}
	allowed := newCLI(t, "1.0.0", config("insecure_skip_verify = true"))
	out = allowed.run(nil, "plan", "-input=false", "-no-color")
	if n := strings.Count(out, "Warning: Redis Certificate Checks Off"); n != 1 {
		t.Errorf("%d certificate warnings; want exactly one:\n%s", n, out)
	}
	if strings.Contains(out, "Shared Token Cache Unavailable") {
		t.Errorf("the cache was not used:\n%s", out)
	}
	// A second run finds both tokens in the cache.
	before := len(srv.TokenRequests())
	out = allowed.run(nil, "plan", "-input=false", "-no-color")
	if n := len(srv.TokenRequests()); before != 2 || n != before {
		t.Errorf("%d token requests, then %d after a second run; want 2 and no more", before, n)
	}
	if n := strings.Count(out, "Warning: Redis Certificate Checks Off"); n != 1 {
		t.Errorf("%d certificate warnings in the second run; want exactly one:\n%s", n, out)
	}
}

// A cluster node answers MOVED with an address outside the hosts of the
// URL: the client does not connect there (the password stays), and the
// warning names the address; with the address's network in
// cluster_networks, the client follows.
func TestAccSharedCacheClusterRedirectOutsideConfiguredNodes(t *testing.T) {
	t.Parallel()
	const password = "cluster-pw-Tz6Wn1Bk"
	outside := testredis.StartFake(t, "127.0.0.2", testredis.EmptyNode)
	var seedAddr string
	seed := testredis.StartFake(t, "127.0.0.1", func(cmd []string) string {
		switch strings.ToUpper(cmd[0]) {
		case "HELLO":
			return testredis.Error("ERR unknown command 'HELLO'")
		case "CLUSTER":
			return testredis.ClusterSlots(seedAddr)
		case "GET", "SET", "EXISTS", "WATCH", "EVALSHA", "EVAL", "DEL":
			return testredis.Error("MOVED 1234 " + outside.Addr)
		}
		return testredis.Simple("OK")
	})
	seedAddr = seed.Addr
	srv := startServer(t, authserver.Options{})
	config := func(extra string) string {
		return redisCacheHCL(fmt.Sprintf("url = %q", "redis://"+seed.Addr+"?addr="+seed.Addr), fmt.Sprintf("password = %q", password), extra) + tokenT(srv)
	}
	out := newCLI(t, "1.0.0", config("")).run(nil, "plan", "-input=false", "-no-color")
	if outside.Received(password) || len(outside.Commands()) > 0 {
		t.Errorf("the client connected to %s, outside the configured nodes: %q", outside.Addr, outside.Names())
	}
	if !phrase("Shared Token Cache Unavailable", "the cluster sent the client to "+outside.Addr, "outside the configured nodes", "cluster_networks").MatchString(out) {
		t.Errorf("no warning naming the refused address:\n%s", out)
	}
	out = newCLI(t, "1.0.0", config(`cluster_networks = ["127.0.0.2/32"]`)).run(nil, "plan", "-input=false", "-no-color")
	// (The fake answers too little for a whole run without a warning; what
	// counts is that the client went there.)
	if !outside.Received("get") || strings.Contains(out, "outside the configured nodes") {
		t.Errorf("with cluster_networks the client did not follow the redirection (%q):\n%s", outside.Names(), out)
	}
}

// The Go client for Redis logs some failures itself, server text included
// (a cluster's answer to COMMAND, for one), and the provider's standard
// error is Terraform's log: that logging is off, so a hostile node's text
// does not reach TF_LOG either.
func TestAccSharedCacheRedisClientLogsNothing(t *testing.T) {
	t.Parallel()
	const marker = "HOSTILE-LOGGED-TEXT"
	var seedAddr string
	seed := testredis.StartFake(t, "127.0.0.1", func(cmd []string) string {
		switch strings.ToUpper(cmd[0]) {
		case "HELLO", "COMMAND":
			return testredis.Error("ERR " + marker)
		case "CLUSTER":
			return testredis.ClusterSlots(seedAddr)
		case "GET":
			return testredis.Nil()
		}
		return testredis.Error("ERR " + marker)
	})
	seedAddr = seed.Addr
	srv := startServer(t, authserver.Options{})
	c := newCLI(t, "1.0.0", redisCacheHCL(fmt.Sprintf("url = %q", "redis://"+seed.Addr+"?addr="+seed.Addr))+tokenT(srv))
	out := c.run([]string{"TF_LOG=TRACE"}, "plan", "-input=false", "-no-color")
	if !seed.Received("get") {
		t.Fatalf("the run never used the cache: %q", seed.Commands())
	}
	if strings.Contains(out, marker) {
		t.Error("the server's text reached the log")
	}
}

const topoRedisPassword = "acc-topo-pw-Hd3Lq9"

// topoTLS are the redis block's lines for url with the password in
// TOPO_REDIS_PASSWORD, the CA and the client certificate, and more.
func topoTLS(url, caFile, certFile string, more ...string) []string {
	return append([]string{fmt.Sprintf("url = %q", url), `password_env = "TOPO_REDIS_PASSWORD"`,
		fmt.Sprintf("ca_cert_file = %q", caFile), fmt.Sprintf("client_cert_file = %q", certFile)}, more...)
}

// topoFiles writes a CA, the servers' certificate and a client
// certificate with its key, and returns the servers' TLS and the paths a
// configuration names.
func topoFiles(t *testing.T) (srvTLS *testredis.TLS, caFile, certFile, keyFile string, keyPEM []byte) {
	t.Helper()
	ca := testpki.NewCA(t)
	skey, skeyPEM := testpki.ECKey(t)
	ckey, ckeyPEM := testpki.ECKey(t)
	dir := t.TempDir()
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	for f, b := range map[string][]byte{caFile: ca.PEM, certFile: testpki.CertPEM(ca.Issue(t, "", time.Hour, ckey.Public())), keyFile: ckeyPEM} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return &testredis.TLS{CertPEM: testpki.CertPEM(ca.Issue(t, "127.0.0.1", time.Hour, skey.Public())), KeyPEM: skeyPEM, CAPEM: ca.PEM,
		AuthClients: true}, caFile, certFile, keyFile, ckeyPEM
}

// Twenty plans with one credential set, behind Sentinel (TLS, client
// certificates, a password for the sentinels) or on a cluster (TLS, client
// certificates), configured in the provider block; the primary holding the
// credential set is killed by its PID while the first plan's token request
// is under way. Every plan succeeds, with at most two token requests in
// all, and a plan that warns says what was not stored. The guide promises
// that for a failover completing within lock_wait: 30 s here, since on a
// loaded machine the election alone has outlasted the default 5 s (then
// each waiting plan fetches its own token, as the guide says too).
func TestAccSharedCacheFailoverTwentyPlans(t *testing.T) {
	t.Parallel()
	for _, topo := range []string{"sentinel", "cluster"} {
		// One after the other: twenty terraform processes at a time are
		// load enough.
		t.Run(topo, func(t *testing.T) {
			srvTLS, caFile, certFile, keyFile, _ := topoFiles(t)
			var url string
			var sentinelBlock []string
			var keys func(context.Context, string) []string
			var primaryFor func(context.Context, string) (*testredis.Node, error)
			if topo == "sentinel" {
				s := testredis.StartSentinel(t, testredis.SentinelOptions{Password: topoRedisPassword, SentinelPassword: "s-" + topoRedisPassword, TLS: srvTLS})
				url, keys = s.URL, s.Keys
				primaryFor = func(ctx context.Context, _ string) (*testredis.Node, error) { return s.Primary(ctx) }
				sentinelBlock = []string{"sentinel {", fmt.Sprintf("  master_name = %q", testredis.MasterName), `  password_env = "TOPO_SENTINEL_PASSWORD"`, "}"}
			} else {
				cl := testredis.StartCluster(t, testredis.ClusterOptions{Password: topoRedisPassword, TLS: srvTLS})
				url, keys, primaryFor = cl.URL, cl.Keys, cl.PrimaryFor
			}
			srv := startServer(t, authserver.Options{Latency: 2 * time.Second})
			config := redisCacheHCL(append(topoTLS(url, caFile, certFile, fmt.Sprintf("client_key_file = %q", keyFile), `key_prefix = "acc:"`, `lock_wait = "30s"`), sentinelBlock...)...) + tokenT(srv)
			env := []string{"TOPO_REDIS_PASSWORD=" + topoRedisPassword, "TOPO_SENTINEL_PASSWORD=s-" + topoRedisPassword}
			runs := make([]*cli, 20)
			for i := range runs {
				runs[i] = newCLI(t, "1.0.0", config)
			}
			start := time.Now()
			wait := startPlans(t, runs, env)
			// Kill the primary once a plan holds the lock; no t.Fatal until
			// the plans are waited for.
			ctx := context.Background()
			killed := false
			var primaryErr error
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && !killed && primaryErr == nil; time.Sleep(20 * time.Millisecond) {
				if ks := keys(ctx, "acc:*.lock"); len(ks) > 0 {
					var p *testredis.Node
					if p, primaryErr = primaryFor(ctx, ks[0]); primaryErr == nil {
						t.Logf("killing the primary %s (PID %d) %v after the plans started", p.Addr, p.PID(), time.Since(start).Round(time.Millisecond))
						p.Kill()
						killed = true
					}
				}
			}
			outs := wait()
			if primaryErr != nil {
				t.Fatal(primaryErr)
			}
			if !killed {
				t.Fatal("no plan took the lock")
			}
			n := len(srv.TokenRequests())
			t.Logf("20 plans through a %s failover: %d token requests, %v in all", topo, n, time.Since(start).Round(time.Millisecond))
			if n > 2 {
				t.Errorf("20 plans made %d token requests through the failover; the guide promises at most 2", n)
			}
			for i, out := range outs {
				if strings.Contains(out, "Shared Token Cache Unavailable") && !strings.Contains(out, "not stored") &&
					!strings.Contains(out, "none is stored") && !strings.Contains(out, "no replica had confirmed") {
					t.Errorf("run %d warned without saying what was not stored:\n%s", i, out)
				}
			}
		})
	}
}

// A cluster with TLS and client certificates, configured in the provider
// block with the key in an environment variable: a second plan reads the
// first one's token; a wrong pair is an error on client_cert_file.
func TestAccSharedCacheClusterTLSClientCert(t *testing.T) {
	t.Parallel()
	srvTLS, caFile, certFile, _, keyPEM := topoFiles(t)
	cl := testredis.StartCluster(t, testredis.ClusterOptions{Password: topoRedisPassword, TLS: srvTLS})
	srv := startServer(t, authserver.Options{})
	config := func(cert string) string {
		return redisCacheHCL(topoTLS(cl.URL, caFile, cert, `client_key_env = "TOPO_CLIENT_KEY"`)...) + tokenT(srv)
	}
	env := []string{"TOPO_REDIS_PASSWORD=" + topoRedisPassword, "TOPO_CLIENT_KEY=" + string(keyPEM)}
	for i := range 2 {
		out := newCLI(t, "1.0.0", config(certFile)).run(env, "plan", "-input=false", "-no-color")
		if strings.Contains(out, "Shared Token Cache Unavailable") {
			t.Errorf("plan %d warned:\n%s", i, out)
		}
	}
	if n := len(srv.TokenRequests()); n != 1 {
		t.Errorf("two plans made %d token requests; want 1", n)
	}
	// The CA's certificate is no client certificate for this key.
	out := newCLI(t, "1.0.0", config(caFile)).runFail(env, "plan", "-input=false", "-no-color")
	if !phrase("Unusable Redis Client Certificate", "do not form a pair").MatchString(out) {
		t.Errorf("no error on client_cert_file:\n%s", out)
	}
	if strings.Contains(out, "PRIVATE KEY") {
		t.Error("the key shows in the output")
	}
}

// A sentinel block without master_name is an error on it, before any
// connection.
func TestAccSharedCacheSentinelNeedsMasterName(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "1.0.0", redisCacheHCL(`url = "rediss://127.0.0.1:26379/0"`, "sentinel {", `  password = "s3ntinel-pw"`, "}")+
		clientHCL(`data "clientcreds_token" "t"`, "token_url", "https://127.0.0.1:1/token", "client-1", "x"))
	out := c.runFail(nil, "plan", "-input=false", "-no-color")
	if !phrase("Missing Sentinel Master Name", "master_name").MatchString(out) {
		t.Errorf("no error naming master_name:\n%s", out)
	}
	assertAbsent(t, "the plan output", out, map[string]string{"sentinels' password": "s3ntinel-pw"})
}
