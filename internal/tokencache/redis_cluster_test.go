package tokencache_test

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

// fakeClusterNode answers as a cluster node that holds no slot of its own:
// AUTH succeeds, CLUSTER SLOTS maps every slot to slotsTo, and every key
// command is redirected (MOVED, or ASK) to redirectTo.
func fakeClusterNode(t *testing.T, host string, slotsTo, redirectTo func() string, ask bool) *testredis.Fake {
	return testredis.StartFake(t, host, func(cmd []string) string {
		switch strings.ToUpper(cmd[0]) {
		case "HELLO":
			return testredis.Error("ERR unknown command 'HELLO'")
		case "AUTH", "ASKING", "READONLY", "SELECT":
			return testredis.Simple("OK")
		case "PING":
			return testredis.Simple("PONG")
		case "CLUSTER":
			return testredis.ClusterSlots(slotsTo())
		case "GET", "SET", "EXISTS", "WATCH", "MULTI", "EVALSHA", "EVAL", "DEL":
			kind := "MOVED"
			if ask {
				kind = "ASK"
			}
			return testredis.Error(kind + " 1234 " + redirectTo())
		}
		return ""
	})
}

// A cluster node redirects (MOVED, ASK) or maps its slots to an address
// outside the nodes named in the URL: the client connects there only when
// the user said so, and the warning names the refused address.
func TestRedisClusterRedirectOutsideConfiguredNodes(t *testing.T) {
	const password = "cluster-pw-Mv3Qx8Ln"
	for _, tc := range []struct {
		name          string
		mapsToOutside bool
		ask           bool
	}{
		{"MOVED", false, false},
		{"ASK", false, true},
		{"CLUSTER SLOTS", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// outside is another loopback address: not a host named in the URL.
			outside := testredis.StartFake(t, "127.0.0.2", testredis.EmptyNode)
			var self string
			seed := fakeClusterNode(t, "127.0.0.1", func() string {
				if tc.mapsToOutside {
					return outside.Addr
				}
				return self
			}, func() string { return outside.Addr }, tc.ask)
			self = seed.Addr
			_, port, _ := net.SplitHostPort(seed.Addr)
			url := "redis://127.0.0.1:" + port + "?addr=127.0.0.1:" + port
			store, err := tokencache.NewRedis(tokencache.RedisOptions{URL: url, Password: password, Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = store.Close() })
			k := oauth.StoreKey{Fingerprint: []byte("fp"), Secret: []byte(redisSecret), Salt: []byte("cluster")}
			store.Load(k, time.Now())
			if outside.Received(password) {
				t.Errorf("the client sent the password to %s, outside the configured nodes; commands there: %q", outside.Addr, outside.Names())
			}
			if len(outside.Commands()) > 0 {
				t.Errorf("the client talked to %s: %q", outside.Addr, outside.Names())
			}
			w := store.Warning()
			if !strings.Contains(w, outside.Addr) || !strings.Contains(w, "outside the configured nodes") {
				t.Errorf("warning %q; want it to name the refused address %s", w, outside.Addr)
			}
		})
	}
}

// The user says so, by naming the node in the URL or its network in
// ClusterNetworks: the client follows the redirection there.
func TestRedisClusterRedirectAllowedWhenNamed(t *testing.T) {
	const password = "cluster-pw-Mv3Qx8Ln"
	for _, tc := range []struct {
		name     string
		networks []netip.Prefix
		addOther bool
	}{
		{"in the URL", nil, true},
		{"in cluster_networks", []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := testredis.StartFake(t, "127.0.0.2", testredis.EmptyNode)
			var self string
			seed := fakeClusterNode(t, "127.0.0.1", func() string { return self }, func() string { return other.Addr }, false)
			self = seed.Addr
			url := "redis://" + seed.Addr
			if tc.addOther {
				url += "?addr=" + other.Addr
			} else {
				url += "?addr=" + seed.Addr
			}
			store, err := tokencache.NewRedis(tokencache.RedisOptions{URL: url, Password: password, ClusterNetworks: tc.networks})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = store.Close() })
			k := oauth.StoreKey{Fingerprint: []byte("fp"), Secret: []byte(redisSecret), Salt: []byte("cluster")}
			store.Load(k, time.Now())
			if w := store.Warning(); w != "" {
				t.Errorf("a warning: %s", w)
			}
			if !other.Received("get") {
				t.Errorf("the client did not follow the redirection; commands there: %q", other.Names())
			}
		})
	}
}
