package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
)

// Twenty CI jobs on twenty machines (twenty terraform processes with empty
// local state) and one Redis, turned on by the environment alone: one token
// request in all.
func TestAccSharedCacheTwentyRunsOneToken(t *testing.T) {
	t.Parallel()
	rs := testredis.Start(t, testredis.Options{})
	srv := startServer(t, authserver.Options{Latency: 300 * time.Millisecond})
	config := fmt.Sprintf(`
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
output "expires_in" {
  value = data.clientcreds_token.t.expires_in
}
`, srv.TokenURL(), testSecret)
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
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
provider "clientcreds" {
  cache {
    redis {
      url          = %q
      password_env = "FLEET_REDIS_PASSWORD"
    }
  }
}
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
`, rs.URL, srv.TokenURL(), testSecret))
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
	reversed := []byte(password)
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	fake := testredis.StartFake(t, "127.0.0.1", func(cmd []string) string {
		switch strings.ToUpper(cmd[0]) {
		case "HELLO", "AUTH":
			pw := []byte(cmd[len(cmd)-1])
			for i, j := 0, len(pw)-1; i < j; i, j = i+1, j-1 {
				pw[i], pw[j] = pw[j], pw[i]
			}
			return testredis.Error("WRONGPASS " + marker + " you sent " + string(pw))
		}
		return testredis.Error("NOAUTH " + marker)
	})
	srv := startServer(t, authserver.Options{})
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
provider "clientcreds" {
  cache {
    redis {
      url          = %q
      password_env = "FLEET_REDIS_PASSWORD"
    }
  }
}
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
`, fake.URL, srv.TokenURL(), testSecret))
	out := c.run([]string{"FLEET_REDIS_PASSWORD=" + password}, "plan", "-input=false", "-no-color")
	if !fake.Received(password) {
		t.Fatalf("the fake Redis never received the password; commands %q", fake.Commands())
	}
	if !phrase("Shared Token Cache Unavailable", "authentication failed", "tokens are requested from the server directly").MatchString(out) {
		t.Errorf("no warning that authentication failed:\n%s", out)
	}
	assertAbsent(t, "the plan output", out, map[string]string{"Redis password": password})
	// No encoding covers a reversed string: these are looked for as they are.
	for name, leak := range map[string]string{"server's marker": marker, "reversed password": string(reversed), "server's own words": "you sent"} {
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
	data := fmt.Sprintf(`
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
`, srv.TokenURL(), testSecret)
	block := newCLI(t, "1.0.0", `
provider "clientcreds" {
  cache {
    redis {
      url      = "redis://10.255.255.1:6379/0"
      password = "redis-pw-Plain4Xq9"
    }
  }
}
`+data)
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
		return fmt.Sprintf(`
provider "clientcreds" {
  cache {
    redis {
      url = %q
      %s
    }
  }
}
data "clientcreds_token" "a" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
data "clientcreds_token" "b" {
  token_url     = %q
  client_id     = "client-2"
  client_secret = %q
}
`, rs.URL+"?skip_verify=true", optIn, srv.TokenURL(), testSecret, srv.TokenURL(), testSecret)
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
		return fmt.Sprintf(`
provider "clientcreds" {
  cache {
    redis {
      url      = %q
      password = %q
      %s
    }
  }
}
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
`, "redis://"+seed.Addr+"?addr="+seed.Addr, password, extra, srv.TokenURL(), testSecret)
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
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
provider "clientcreds" {
  cache {
    redis {
      url = %q
    }
  }
}
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
`, "redis://"+seed.Addr+"?addr="+seed.Addr, srv.TokenURL(), testSecret))
	out := c.run([]string{"TF_LOG=TRACE"}, "plan", "-input=false", "-no-color")
	if !seed.Received("get") {
		t.Fatalf("the run never used the cache: %q", seed.Commands())
	}
	if strings.Contains(out, marker) {
		t.Error("the server's text reached the log")
	}
}
