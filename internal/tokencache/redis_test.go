package tokencache_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

const (
	redisClientID = "fleet-client-7f3a"
	redisSecret   = "fleet-secret-Zq7+4Yu/3Hj"
)

// tokenServer issues tok-1, tok-2, ... after delay; with revokeOnIssue each
// new token revokes the earlier ones, as Epicollect5 does, and valid tells
// whether a token is still good.
type tokenServer struct {
	url   string
	n     atomic.Int32
	mu    sync.Mutex
	valid map[string]bool
}

func startTokenServer(t *testing.T, delay time.Duration, revokeOnIssue bool) *tokenServer {
	t.Helper()
	ts := &tokenServer{valid: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(delay)
		tok := fmt.Sprintf("tok-%d-%s", ts.n.Add(1), strings.Repeat("x", 24))
		ts.mu.Lock()
		if revokeOnIssue {
			clear(ts.valid)
		}
		ts.valid[tok] = true
		ts.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, tok)
	}))
	t.Cleanup(srv.Close)
	ts.url = srv.URL + "/token"
	return ts
}

func (ts *tokenServer) isValid(tok string) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.valid[tok]
}

// machine is one runner: its own provider process and its own connection
// to the shared store.
func machine(t *testing.T, o tokencache.RedisOptions) (*oauth.Client, *tokencache.Redis) {
	t.Helper()
	store, err := tokencache.NewRedis(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	c, err := oauth.NewClient(oauth.Config{RequestTimeout: 10 * time.Second, Now: time.Now, Store: store, UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return c, store
}

func fleetRequest(url string) oauth.TokenRequest {
	return oauth.TokenRequest{TokenURL: url, ClientID: redisClientID, ClientSecret: oauth.Inline(redisSecret)}
}

// fleetToken is one run of c: the fleet's token from ts, which it must get.
func fleetToken(t *testing.T, c *oauth.Client, ts *tokenServer) *oauth.Token {
	t.Helper()
	tok, err := c.Token(context.Background(), fleetRequest(ts.url))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// storedRun is one machine's run against a Redis and a token server of its
// own: its token is now in Redis.
func storedRun(t *testing.T) (*testredis.Server, *tokenServer, *oauth.Token) {
	t.Helper()
	rs := testredis.Start(t, testredis.Options{})
	ts := startTokenServer(t, 0, false)
	c, _ := machine(t, tokencache.RedisOptions{URL: rs.URL})
	return rs, ts, fleetToken(t, c, ts)
}

// What Redis holds after a run tells whoever reads it neither the token,
// nor the client, nor the secret; each entry expires with its token.
func TestRedisHoldsNothingReadable(t *testing.T) {
	rs, ts, tok := storedRun(t)
	rc := rs.Client(t)
	ctx := context.Background()
	keys, err := rc.Keys(ctx, "*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v, %v; want one entry", keys, err)
	}
	val, err := rc.Get(ctx, keys[0]).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{tok.AccessToken, redisClientID, redisSecret, ts.url, "127.0.0.1", "access_token"} {
		for _, where := range []string{keys[0], string(val), hex.EncodeToString(val)} {
			if strings.Contains(where, s) {
				t.Errorf("Redis holds %q in clear", s)
			}
		}
	}
	if !strings.HasPrefix(keys[0], tokencache.DefaultKeyPrefix) {
		t.Errorf("key %q lacks the prefix", keys[0])
	}
	if ttl := rc.TTL(ctx, keys[0]).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("the entry expires in %v; want within the token's hour", ttl)
	}
	// Another machine reads it: no second request.
	other, _ := machine(t, tokencache.RedisOptions{URL: rs.URL})
	again, err := other.Token(ctx, fleetRequest(ts.url))
	if err != nil || again.AccessToken != tok.AccessToken || ts.n.Load() != 1 {
		t.Errorf("the second machine got %v after %d requests (%v)", again, ts.n.Load(), err)
	}
}

// Twenty runners starting at once with empty caches make one token
// request; the others wait for its token.
func TestRedisOneRequestForManyMachines(t *testing.T) {
	rs := testredis.Start(t, testredis.Options{})
	ts := startTokenServer(t, 300*time.Millisecond, true)
	got := runFleet(t, 20, ts, tokencache.RedisOptions{URL: rs.URL})
	if n := ts.n.Load(); n != 1 {
		t.Errorf("20 machines made %d token requests; want 1", n)
	}
	for i, tok := range got {
		if !ts.isValid(tok) {
			t.Errorf("machine %d holds a revoked token", i)
		}
	}
}

// Epicollect5 revokes a client's earlier tokens with each new one: five
// concurrent runs all end up with the one valid token.
func TestRedisRevokeOnIssueServerWithConcurrentRuns(t *testing.T) {
	rs := testredis.Start(t, testredis.Options{})
	ts := startTokenServer(t, 100*time.Millisecond, true)
	for i, tok := range runFleet(t, 5, ts, tokencache.RedisOptions{URL: rs.URL}) {
		if !ts.isValid(tok) {
			t.Errorf("run %d holds a token a later one revoked (%d issued)", i, ts.n.Load())
		}
	}
}

func runFleet(t *testing.T, n int, ts *tokenServer, o tokencache.RedisOptions) []string {
	t.Helper()
	clients := make([]*oauth.Client, n)
	for i := range clients {
		clients[i], _ = machine(t, o)
	}
	return testhelp.AtOnce(t, n, func(i int) (string, error) {
		tok, err := clients[i].Token(context.Background(), fleetRequest(ts.url))
		if err != nil {
			return "", err
		}
		return tok.AccessToken, nil
	})
}

// A tampered entry is a miss: the run fetches its own token, and no error.
func TestRedisTamperedEntryIsAMiss(t *testing.T) {
	rs, ts, first := storedRun(t)
	rc := rs.Client(t)
	ctx := context.Background()
	key := rc.Keys(ctx, "*").Val()[0]
	val, _ := rc.Get(ctx, key).Bytes()
	val[len(val)-1] ^= 1
	rc.Set(ctx, key, val, time.Hour)
	other, store := machine(t, tokencache.RedisOptions{URL: rs.URL})
	tok, err := other.Token(ctx, fleetRequest(ts.url))
	if err != nil || tok.AccessToken == first.AccessToken || ts.n.Load() != 2 {
		t.Errorf("a tampered entry was used, or failed the run: %v (%d requests)", err, ts.n.Load())
	}
	if w := store.Warning(); w != "" {
		t.Errorf("a tampered entry is a miss, not a warning: %s", w)
	}
}

// Redis not running, or refusing the password: each run
// gets its token from the server, with one warning that names the cause and
// never the password.
func TestRedisFailuresAreWarningsNeverErrors(t *testing.T) {
	const password = "redis-pw-Qm4v9Lk2"
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) tokencache.RedisOptions
		want  string
	}{
		{"not running", func(t *testing.T) tokencache.RedisOptions {
			rs := testredis.Start(t, testredis.Options{})
			rs.Stop()
			return tokencache.RedisOptions{URL: rs.URL}
		}, "connection refused"},
		{"wrong password", func(t *testing.T) tokencache.RedisOptions {
			rs := testredis.Start(t, testredis.Options{Password: password})
			return tokencache.RedisOptions{URL: rs.URL, Password: "not-" + password}
		}, "WRONGPASS"},
		{"no password", func(t *testing.T) tokencache.RedisOptions {
			rs := testredis.Start(t, testredis.Options{Password: password})
			return tokencache.RedisOptions{URL: rs.URL}
		}, "NOAUTH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.setup(t)
			ts := startTokenServer(t, 0, false)
			c, store := machine(t, o)
			for range 2 {
				if _, err := c.Token(context.Background(), oauth.TokenRequest{TokenURL: ts.url, ClientID: redisClientID,
					ClientSecret: oauth.Inline(redisSecret), NoShare: false}); err != nil {
					t.Fatalf("the run failed: %v", err)
				}
			}
			w := store.Warning()
			if !strings.Contains(w, tc.want) || !strings.Contains(w, "tokens are requested from the server directly") {
				t.Errorf("warning %q; want it to name %q", w, tc.want)
			}
			if strings.Contains(w, password) || strings.Contains(w, redisSecret) {
				t.Errorf("the warning shows a secret: %s", w)
			}
			if again := store.Warning(); again != "" {
				t.Errorf("a second warning: %s", again)
			}
		})
	}
}

// rediss:// to a server whose certificate a test CA signed, given as
// ca_cert_file would give it.
func TestRedisOverTLS(t *testing.T) {
	ca := testpki.NewCA(t)
	key, keyPEM := testpki.ECKey(t)
	rs := testredis.Start(t, testredis.Options{TLSCertPEM: testpki.CertPEM(ca.Issue(t, "127.0.0.1", time.Hour, key.Public())), TLSKeyPEM: keyPEM})
	ts := startTokenServer(t, 0, false)
	for i := range 2 {
		c, store := machine(t, tokencache.RedisOptions{URL: rs.URL, CACertPEM: ca.PEM})
		fleetToken(t, c, ts)
		if w := store.Warning(); w != "" {
			t.Fatalf("machine %d: %s", i, w)
		}
	}
	if ts.n.Load() != 1 {
		t.Errorf("%d token requests over the TLS cache; want 1", ts.n.Load())
	}
	// Without the CA, the server is not trusted: a warning, and the token
	// comes from the server.
	c, store := machine(t, tokencache.RedisOptions{URL: rs.URL})
	fleetToken(t, c, ts)
	if w := store.Warning(); !strings.Contains(w, "certificate") {
		t.Errorf("warning %q; want the certificate named", w)
	}
}

// Redis stops while a run is under way: the run's later reads get their
// tokens from the server, with one warning.
func TestRedisStoppedMidRun(t *testing.T) {
	rs := testredis.Start(t, testredis.Options{})
	ts := startTokenServer(t, 0, false)
	c, store := machine(t, tokencache.RedisOptions{URL: rs.URL})
	fleetToken(t, c, ts)
	if w := store.Warning(); w != "" {
		t.Fatalf("a warning before Redis stopped: %s", w)
	}
	rs.Stop()
	other := fleetRequest(ts.url)
	other.ClientSecret = oauth.Inline(redisSecret + "-second-credential-set")
	if _, err := c.Token(context.Background(), other); err != nil {
		t.Fatalf("the run failed once Redis stopped: %v", err)
	}
	if w := store.Warning(); !strings.Contains(w, "could not be used") || ts.n.Load() != 2 {
		t.Errorf("warning %q after %d requests; want one warning and 2 requests", w, ts.n.Load())
	}
}
