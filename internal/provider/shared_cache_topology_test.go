package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
)

const topoRedisPassword = "acc-topo-pw-Hd3Lq9"

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
// all, and a plan that warns says what was not stored.
func TestAccSharedCacheFailoverTwentyPlans(t *testing.T) {
	t.Parallel()
	for _, topo := range []string{"sentinel", "cluster"} {
		// One after the other: twenty terraform processes at a time are
		// load enough.
		t.Run(topo, func(t *testing.T) {
			srvTLS, caFile, certFile, keyFile, _ := topoFiles(t)
			var url, sentinelBlock string
			var keys func(context.Context, string) []string
			var primaryFor func(context.Context, string) (*testredis.Node, error)
			if topo == "sentinel" {
				s := testredis.StartSentinel(t, testredis.SentinelOptions{Password: topoRedisPassword, SentinelPassword: "s-" + topoRedisPassword, TLS: srvTLS})
				url, keys = s.URL, s.Keys
				primaryFor = func(ctx context.Context, _ string) (*testredis.Node, error) { return s.Primary(ctx) }
				sentinelBlock = fmt.Sprintf(`
      sentinel {
        master_name  = %q
        password_env = "TOPO_SENTINEL_PASSWORD"
      }`, testredis.MasterName)
			} else {
				cl := testredis.StartCluster(t, testredis.ClusterOptions{Password: topoRedisPassword, TLS: srvTLS})
				url, keys, primaryFor = cl.URL, cl.Keys, cl.PrimaryFor
			}
			srv := startServer(t, authserver.Options{Latency: 2 * time.Second})
			config := fmt.Sprintf(`
provider "clientcreds" {
  cache {
    redis {
      url              = %q
      password_env     = "TOPO_REDIS_PASSWORD"
      ca_cert_file     = %q
      client_cert_file = %q
      client_key_file  = %q
      key_prefix       = "acc:"%s
    }
  }
}
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
`, url, caFile, certFile, keyFile, sentinelBlock, srv.TokenURL(), testSecret)
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
		return fmt.Sprintf(`
provider "clientcreds" {
  cache {
    redis {
      url              = %q
      password_env     = "TOPO_REDIS_PASSWORD"
      ca_cert_file     = %q
      client_cert_file = %q
      client_key_env   = "TOPO_CLIENT_KEY"
    }
  }
}
data "clientcreds_token" "t" {
  token_url     = %q
  client_id     = "client-1"
  client_secret = %q
}
`, cl.URL, caFile, cert, srv.TokenURL(), testSecret)
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
	c := newCLI(t, "1.0.0", `
provider "clientcreds" {
  cache {
    redis {
      url = "rediss://127.0.0.1:26379/0"
      sentinel {
        password = "s3ntinel-pw"
      }
    }
  }
}
data "clientcreds_token" "t" {
  token_url     = "https://127.0.0.1:1/token"
  client_id     = "client-1"
  client_secret = "x"
}
`)
	out := c.runFail(nil, "plan", "-input=false", "-no-color")
	if !phrase("Missing Sentinel Master Name", "master_name").MatchString(out) {
		t.Errorf("no error naming master_name:\n%s", out)
	}
	assertAbsent(t, "the plan output", out, map[string]string{"sentinels' password": "s3ntinel-pw"})
}
