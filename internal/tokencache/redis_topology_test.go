package tokencache_test

import (
	"context"
	"strings"
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

// cluster starts a cluster with topoPassword and p's TLS, and returns it
// with the store's options for it.
func (p topoPKI) cluster(t testing.TB) (*testredis.Cluster, tokencache.RedisOptions) {
	t.Helper()
	cl := testredis.StartCluster(t, testredis.ClusterOptions{Password: topoPassword, TLS: p.tls})
	return cl, p.options(cl.URL, topoPassword)
}

// sentinel is cluster for a Sentinel topology.
func (p topoPKI) sentinel(t testing.TB) (*testredis.Sentinel, tokencache.RedisOptions) {
	t.Helper()
	s := testredis.StartSentinel(t, testredis.SentinelOptions{Password: topoPassword, TLS: p.tls})
	o := p.options(s.URL, topoPassword)
	o.Sentinel = &tokencache.SentinelOptions{MasterName: testredis.MasterName}
	return s, o
}

// A cluster of three primaries with replicas, TLS with client
// certificates: an entry and its lock share a hash slot, a second machine
// reads the first one's token through whichever node holds it, and a
// machine without a client certificate is told so and fetches its own.
func TestRedisClusterOverTLS(t *testing.T) {
	started := time.Now()
	p := newTopoPKI(t)
	cl, o := p.cluster(t)
	t.Logf("cluster up in %v", time.Since(started).Round(time.Millisecond))
	checkTopology(t, o, cl.CommandCalls, func(ctx context.Context, pattern string) []string { return cl.Keys(ctx, pattern) },
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
	checkTopology(t, o, s.CommandCalls, nil, nil)

	// The wrong sentinel password: a warning, and the run goes on.
	o.Sentinel = &tokencache.SentinelOptions{MasterName: testredis.MasterName, Password: "not-it"}
	ts := startTokenServer(t, 0, false)
	c, store := machine(t, o)
	fleetToken(t, c, ts)
	if w := store.Warning(); !strings.Contains(w, "no sentinel named the primary: authentication failed") || strings.Contains(w, "not-it") {
		t.Errorf("warning %q; want the sentinels' refusal named, without the password", w)
	}
}

func checkTopology(t *testing.T, o tokencache.RedisOptions, calls func(context.Context, string) int, keys func(context.Context, string) []string, slotOwner func(context.Context, string) string) {
	t.Helper()
	ctx := context.Background()
	ts := startTokenServer(t, 0, false)
	for i := range 2 {
		c, store := machine(t, o)
		fleetToken(t, c, ts)
		if w := store.Warning(); w != "" {
			t.Fatalf("machine %d: %s", i, w)
		}
	}
	if n := ts.n.Load(); n != 1 {
		t.Errorf("two machines made %d token requests; want 1", n)
	}
	// The machine that stored the entry waited for a replica to have it.
	if n := calls(ctx, "wait"); n != 1 {
		t.Errorf("the primaries ran WAIT %d times; want once, after the one entry was stored", n)
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

// A sentinel names a primary outside the hosts of the URL: the client does
// not connect there (the password stays), and the warning names the
// address; the sentinels' own password reaches only the sentinel.
func TestRedisSentinelPrimaryOutsideConfiguredNodes(t *testing.T) {
	const password = "data-pw-Vb5Nq2Lx"
	const sentinelPassword = "sentinel-pw-Hc8Rz4Kd" // holds nothing of password: Received matches substrings
	outside := testredis.StartFake(t, "127.0.0.2", testredis.EmptyNode)
	host, port, _ := strings.Cut(outside.Addr, ":")
	sentinel := testredis.StartFake(t, "127.0.0.1", func(cmd []string) string {
		switch strings.ToUpper(cmd[0]) {
		case "HELLO":
			return testredis.Error("ERR unknown command 'HELLO'")
		case "AUTH", "PING":
			return testredis.Simple("OK")
		case "SENTINEL":
			if len(cmd) > 1 && strings.EqualFold(cmd[1], "get-master-addr-by-name") {
				return testredis.Array(testredis.Bulk(host), testredis.Bulk(port))
			}
			return testredis.Array()
		}
		return ""
	})
	store, err := tokencache.NewRedis(tokencache.RedisOptions{URL: "redis://" + sentinel.Addr + "/0", Password: password,
		Sentinel: &tokencache.SentinelOptions{MasterName: "m", Password: sentinelPassword}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	k := oauth.StoreKey{Fingerprint: []byte("fp"), Secret: []byte(redisSecret), Salt: []byte("sentinel")}
	store.Load(k, time.Now())
	if len(outside.Commands()) > 0 {
		t.Errorf("the client talked to %s, outside the configured nodes: %q", outside.Addr, outside.Names())
	}
	if sentinel.Received(password) {
		t.Errorf("the data nodes' password went to the sentinel")
	}
	if !sentinel.Received(sentinelPassword) {
		t.Errorf("the sentinel never received its own password; commands %q", sentinel.Names())
	}
	if w := store.Warning(); !strings.Contains(w, outside.Addr) || !strings.Contains(w, "outside the configured nodes") {
		t.Errorf("warning %q; want it to name the refused address %s", w, outside.Addr)
	}
}

// The Sentinel URL's own rules, and a client certificate without TLS or
// without its key, are refused before any connection.
func TestRedisTopologyOptionsRefused(t *testing.T) {
	p := newTopoPKI(t)
	for _, tc := range []struct {
		name string
		o    tokencache.RedisOptions
		want string
	}{
		{"sentinel without master name", tokencache.RedisOptions{URL: "rediss://127.0.0.1:26379", Sentinel: &tokencache.SentinelOptions{}}, "master_name"},
		{"sentinel URL with another parameter", tokencache.RedisOptions{URL: "rediss://127.0.0.1:26379?dial_timeout=3", Sentinel: &tokencache.SentinelOptions{MasterName: "m"}}, "dial_timeout"},
		{"sentinel URL with a named database", tokencache.RedisOptions{URL: "rediss://127.0.0.1:26379/zero", Sentinel: &tokencache.SentinelOptions{MasterName: "m"}}, "number"},
		{"plaintext sentinel off the machine", tokencache.RedisOptions{URL: "redis://10.0.0.1:26379?addr=127.0.0.1:26379", Sentinel: &tokencache.SentinelOptions{MasterName: "m"}}, "not loopback"},
		{"client certificate without TLS", tokencache.RedisOptions{URL: "redis://127.0.0.1:6379", ClientCertPEM: p.clientCert, ClientKeyPEM: p.clientKeyPEM}, "needs rediss://"},
		{"client certificate without its key", tokencache.RedisOptions{URL: "rediss://127.0.0.1:6379", ClientCertPEM: p.clientCert}, "needs its key"},
		{"client key that is not the certificate's", tokencache.RedisOptions{URL: "rediss://127.0.0.1:6379", ClientCertPEM: p.tls.CertPEM, ClientKeyPEM: p.clientKeyPEM}, "do not form a pair"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tokencache.NewRedis(tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v; want one naming %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
}
