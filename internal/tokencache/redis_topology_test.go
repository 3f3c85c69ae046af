package tokencache_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

// topoPKI is a CA, the servers' certificate for 127.0.0.1 and a client
// certificate for the store, every server asking clients for one.
type topoPKI struct {
	tls                      *testredis.TLS
	ca                       []byte
	clientCert, clientKeyPEM []byte
}

func newTopoPKI(t testing.TB) topoPKI {
	t.Helper()
	ca := testpki.NewCA(t)
	skey, skeyPEM := testpki.ECKey(t)
	ckey, ckeyPEM := testpki.ECKey(t)
	return topoPKI{
		tls: &testredis.TLS{CertPEM: testpki.CertPEM(ca.Issue(t, "127.0.0.1", time.Hour, skey.Public())), KeyPEM: skeyPEM,
			CAPEM: ca.PEM, AuthClients: true},
		ca:         ca.PEM,
		clientCert: testpki.CertPEM(ca.Issue(t, "", time.Hour, ckey.Public())), clientKeyPEM: ckeyPEM,
	}
}

func (p topoPKI) options(url, password string) tokencache.RedisOptions {
	return tokencache.RedisOptions{URL: url, Password: password, CACertPEM: p.ca, ClientCertPEM: p.clientCert, ClientKeyPEM: p.clientKeyPEM,
		KeyPrefix: "topo:"}
}

const topoPassword = "topo-pw-R8v2Kq"

// A cluster of three primaries with replicas, TLS with client
// certificates: an entry and its lock share a hash slot, a second machine
// reads the first one's token through whichever node holds it, and a
// machine without a client certificate is told so and fetches its own.
func TestRedisClusterOverTLS(t *testing.T) {
	started := time.Now()
	p := newTopoPKI(t)
	cl := testredis.StartCluster(t, testredis.ClusterOptions{Password: topoPassword, TLS: p.tls})
	t.Logf("cluster up in %v", time.Since(started).Round(time.Millisecond))
	checkTopology(t, p.options(cl.URL, topoPassword), func(ctx context.Context, pattern string) []string { return cl.Keys(ctx, pattern) },
		func(ctx context.Context, key string) string {
			n, err := cl.PrimaryFor(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			return n.Addr
		})
}

// A primary with two replicas and three sentinels, TLS with client
// certificates, the sentinels with a password of their own.
func TestRedisSentinelOverTLS(t *testing.T) {
	started := time.Now()
	p := newTopoPKI(t)
	s := testredis.StartSentinel(t, testredis.SentinelOptions{Password: topoPassword, SentinelPassword: "sentinel-" + topoPassword, TLS: p.tls})
	t.Logf("sentinels up in %v", time.Since(started).Round(time.Millisecond))
	o := p.options(s.URL, topoPassword)
	o.Sentinel = &tokencache.SentinelOptions{MasterName: testredis.MasterName, Password: "sentinel-" + topoPassword}
	checkTopology(t, o, nil, nil)

	// The wrong sentinel password: a warning, and the run goes on.
	o.Sentinel = &tokencache.SentinelOptions{MasterName: testredis.MasterName, Password: "not-it"}
	ts := startTokenServer(t, 0, false)
	c, store := machine(t, o)
	if _, err := c.Token(context.Background(), fleetRequest(ts.url)); err != nil {
		t.Fatal(err)
	}
	if w := store.Warning(); !strings.Contains(w, "no sentinel named the primary: authentication failed") || strings.Contains(w, "not-it") {
		t.Errorf("warning %q; want the sentinels' refusal named, without the password", w)
	}
}

func checkTopology(t *testing.T, o tokencache.RedisOptions, keys func(context.Context, string) []string, slotOwner func(context.Context, string) string) {
	t.Helper()
	ctx := context.Background()
	ts := startTokenServer(t, 0, false)
	for i := range 2 {
		c, store := machine(t, o)
		if _, err := c.Token(ctx, fleetRequest(ts.url)); err != nil {
			t.Fatal(err)
		}
		if w := store.Warning(); w != "" {
			t.Fatalf("machine %d: %s", i, w)
		}
	}
	if n := ts.n.Load(); n != 1 {
		t.Errorf("two machines made %d token requests; want 1", n)
	}
	if keys != nil {
		ks := keys(ctx, "topo:*")
		if len(ks) != 1 || !strings.HasSuffix(ks[0], "}.token") || !strings.HasPrefix(ks[0], "topo:{") {
			t.Fatalf("keys %q; want one entry with a hash tag", ks)
		}
		lock := strings.TrimSuffix(ks[0], ".token") + ".lock"
		if a, b := slotOwner(ctx, ks[0]), slotOwner(ctx, lock); a != b {
			t.Errorf("the entry is on %s, its lock on %s", a, b)
		}
	}
	// Without the client certificate the servers end the handshake.
	bare := o
	bare.ClientCertPEM, bare.ClientKeyPEM = nil, nil
	other := fleetRequest(ts.url)
	other.ClientSecret = oauth.Inline(redisSecret + "-no-client-cert")
	c, store := machine(t, bare)
	if _, err := c.Token(ctx, other); err != nil {
		t.Fatal(err)
	}
	if w := store.Warning(); !strings.Contains(w, "TLS") && !strings.Contains(w, "closed the connection") {
		t.Errorf("warning %q; want a TLS failure named", w)
	}
}

var _ = sync.Mutex{}
