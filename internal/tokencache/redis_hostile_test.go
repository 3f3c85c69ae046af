package tokencache_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

// echoingRedis is a hostile Redis: it answers HELLO and AUTH with an error
// that carries what it was sent, the password among it, whole and in part,
// after a marker of its own that no warning may show.
const hostileMarker = "HOSTILE-SERVER-TEXT"

// With plain, it echoes the password only reversed, a form no sanitiser
// can know.
func echoingRedis(t *testing.T, code string, plain bool) *testredis.Fake {
	return testredis.StartFake(t, "127.0.0.1", func(cmd []string) string {
		switch strings.ToUpper(cmd[0]) {
		case "HELLO", "AUTH":
			pw := cmd[len(cmd)-1]
			if plain {
				return testredis.Error(code + " " + hostileMarker + " reversed " + reverse(pw))
			}
			return testredis.Error(code + " " + hostileMarker + " you sent " + strings.Join(cmd, " ") +
				" first half " + pw[:len(pw)/2] + " spaced " + strings.Join(strings.Split(pw, ""), " ") + " reversed " + reverse(pw))
		}
		return testredis.Error("NOAUTH " + hostileMarker + " authenticate first")
	})
}

// A Redis that answers AUTH with the password it received: the warning says
// that authentication failed, in the provider's words, and shows nothing of
// the server's answer.
func TestRedisAuthErrorTextIsNeverQuoted(t *testing.T) {
	const password = "redis-pw-Echo7Tq3Lw9"
	for _, tc := range []struct {
		code  string
		plain bool
	}{{"WRONGPASS", false}, {"ERR", false}, {"WRONGPASS", true}, {"ERR", true}} {
		t.Run(fmt.Sprintf("%s/reversed-only=%v", tc.code, tc.plain), func(t *testing.T) {
			fake := echoingRedis(t, tc.code, tc.plain)
			ts := startTokenServer(t, 0, false)
			c, store := machine(t, tokencache.RedisOptions{URL: fake.URL, Password: password})
			if _, err := c.Token(context.Background(), oauth.TokenRequest{TokenURL: ts.url, ClientID: redisClientID,
				ClientSecret: oauth.Inline(redisSecret)}); err != nil {
				t.Fatalf("the run failed: %v", err)
			}
			if !fake.Received(password) {
				t.Fatalf("the fake never got the password; commands %q", fake.Commands())
			}
			w := store.Warning()
			if !strings.Contains(w, "authentication failed") || !strings.Contains(w, "tokens are requested from the server directly") {
				t.Errorf("warning %q; want it to say authentication failed", w)
			}
			for _, leak := range []struct{ label, text string }{
				{"the server's marker", hostileMarker}, {"the password", password}, {"the password's first half", password[:len(password)/2]},
				{"the server's words", "you sent"}, {"the password spaced out", "E c h o"}, {"the password reversed", reverse(password)},
			} {
				if strings.Contains(w, leak.text) {
					t.Errorf("the warning quotes the server: it holds %s", leak.label) // not the warning: it holds the leak
				}
			}
		})
	}
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// A server that never answers, or answers what is not Redis: the warning
// says so in the provider's words.
func TestRedisWarningClassifiesSilenceAndGarbage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string
		want   string
	}{
		{"silent", "", "timed out"},
		{"garbage", "HTTP/1.1 400 Bad Request " + hostileMarker + "\r\n\r\n", "not the Redis protocol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = l.Close() })
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					go func() {
						defer c.Close()
						buf := make([]byte, 4096)
						for {
							if _, err := c.Read(buf); err != nil {
								return
							}
							if tc.answer != "" {
								_, _ = c.Write([]byte(tc.answer))
							}
						}
					}()
				}
			}()
			store, err := tokencache.NewRedis(tokencache.RedisOptions{URL: "redis://" + l.Addr().String(), Timeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = store.Close() })
			store.Load(oauth.StoreKey{Fingerprint: []byte("fp"), Secret: []byte(redisSecret), Salt: []byte("s")}, time.Now())
			w := store.Warning()
			if !strings.Contains(w, tc.want) || strings.Contains(w, hostileMarker) {
				t.Errorf("warning %q; want it to say %q and quote nothing", w, tc.want)
			}
		})
	}
}

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
