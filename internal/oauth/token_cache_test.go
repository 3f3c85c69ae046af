package oauth

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer issues numbered tokens of the given lifetime after delay.
func countingServer(t *testing.T, lifetime int, delay time.Duration) (string, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		i := n.Add(1)
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":%d}`, i, lifetime)
	})
	return srv.URL + "/token", &n
}

func TestConcurrentIdenticalRequestsShareOneExchange(t *testing.T) {
	u, n := countingServer(t, 3600, 50*time.Millisecond)
	c := newClient(t)
	var wg sync.WaitGroup
	got := make([]string, 200)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.Token(context.Background(), TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: testSecret, Scopes: []string{"x"}})
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = tok.AccessToken
		}()
	}
	wg.Wait()
	if n.Load() != 1 {
		t.Errorf("200 identical reads made %d token requests; want 1", n.Load())
	}
	for i, g := range got {
		if g != "tok-1" {
			t.Fatalf("read %d got %q", i, g)
		}
	}
}

func TestDifferentCredentialsNeverShare(t *testing.T) {
	u, n := countingServer(t, 3600, 0)
	c := newClient(t)
	seen := map[string]bool{}
	for _, r := range []TokenRequest{
		{TokenURL: u, ClientID: "a", ClientSecret: "one"},
		{TokenURL: u, ClientID: "a", ClientSecret: "two"},
		{TokenURL: u, ClientID: "b", ClientSecret: "one"},
		{TokenURL: u, ClientID: "a", ClientSecret: "one", Scopes: []string{"read"}},
		{TokenURL: u, ClientID: "a", ClientSecret: "one", AuthMethod: ClientSecretPost},
		{TokenURL: u, ClientID: "a", ClientSecret: "one", Audience: "x"},
		{TokenURL: u, ClientID: "a", ClientSecret: "one", NoShare: true},
	} {
		tok, err := c.Token(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok.AccessToken] {
			t.Errorf("request %+v got a token issued for another", r.ClientID)
		}
		seen[tok.AccessToken] = true
	}
	if n.Load() != 7 {
		t.Errorf("%d requests; want 7", n.Load())
	}
}

func TestKeptTokenReusedOnlyWhileFresh(t *testing.T) {
	u, n := countingServer(t, 600, 0)
	now := fixedNow
	c := newClient(t, func(c *Config) { c.Now = func() time.Time { return now }; c.MinRemaining = 2 * time.Minute })
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: testSecret}
	get := func() string {
		tok, err := c.Token(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	a := get()
	now = now.Add(7 * time.Minute) // 3 minutes left: still fresh
	if b := get(); b != a {
		t.Errorf("token with 3m left not reused")
	}
	now = now.Add(90 * time.Second) // 90 s left: below the 2 minute margin
	if b := get(); b == a || n.Load() != 2 {
		t.Errorf("token with 90s left reused (%d requests)", n.Load())
	}
}

func TestFailuresAreNotKept(t *testing.T) {
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			jsonAnswer(401, `{"error":"invalid_client"}`)(w, r)
			return
		}
		okToken(w, r)
	})
	c := newClient(t)
	req := TokenRequest{TokenURL: srv.URL, ClientID: "a", ClientSecret: testSecret}
	if _, err := c.Token(context.Background(), req); err == nil {
		t.Fatal("first request should fail")
	}
	if _, err := c.Token(context.Background(), req); err != nil {
		t.Fatalf("a failure was kept: %v", err)
	}
}

func TestDiscoveryOncePerIssuer(t *testing.T) {
	base, hits := odcLike(t, nil)
	c := newClient(t)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Discover(context.Background(), DiscoveryRequest{Issuer: base + "/identity"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if *hits != 1 {
		t.Errorf("50 discoveries of one issuer fetched the document %d times", *hits)
	}
}

func TestDiskCacheAcrossClients(t *testing.T) {
	u, n := countingServer(t, 3600, 0)
	dir := filepath.Join(t.TempDir(), "cache")
	store, err := NewDiskCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: testSecret}
	first, err := newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	// A new client is a new provider process: it reads the entry.
	second, err := newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if first.AccessToken != second.AccessToken || n.Load() != 1 {
		t.Errorf("second process got %q after %d requests", second.AccessToken, n.Load())
	}
	if !second.ExpiresAt.Equal(first.ExpiresAt) || *second.ExpiresIn != 3600 {
		t.Errorf("expiry not kept: %v %v", second.ExpiresAt, first.ExpiresAt)
	}

	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d entries", len(entries))
	}
	fi, _ := os.Stat(dir)
	ei, _ := entries[0].Info()
	if fi.Mode().Perm() != 0o700 || ei.Mode().Perm() != 0o600 {
		t.Errorf("modes dir %o file %o", fi.Mode().Perm(), ei.Mode().Perm())
	}
	raw, _ := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	for _, s := range []string{first.AccessToken, testSecret, "access_token"} {
		if contains(raw, s) {
			t.Errorf("the entry holds %q in clear", s)
		}
	}

	// Another secret cannot read it and gets its own token.
	other := req
	other.ClientSecret = "another-secret"
	tok, err := newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), other)
	if err != nil || tok.AccessToken == first.AccessToken {
		t.Errorf("a client with another secret got %v, %v", tok, err)
	}

	// A corrupt entry is a miss, and is replaced.
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, entries[0].Name()), []byte("clientcreds-token-v1\ngarbage"), 0o600))
	tok, err = newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req)
	must(err)
	if tok.AccessToken == first.AccessToken {
		t.Error("corrupt entry was read")
	}
	again, err := newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req)
	must(err)
	if again.AccessToken != tok.AccessToken {
		t.Error("the corrupt entry was not replaced")
	}
}

func TestDiskCacheSkipsNearlyExpired(t *testing.T) {
	u, n := countingServer(t, 600, 0)
	store, _ := NewDiskCache(filepath.Join(t.TempDir(), "c"))
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: testSecret}
	_, _ = newClient(t, func(c *Config) { c.Store = store }).Token(context.Background(), req)
	later := fixedNow.Add(9 * time.Minute)
	_, err := newClient(t, func(c *Config) { c.Store = store; c.Now = func() time.Time { return later } }).Token(context.Background(), req)
	if err != nil || n.Load() != 2 {
		t.Errorf("a token with 1m of 10m left was reused from disk (%d requests, %v)", n.Load(), err)
	}
}

func TestDiskCacheRefusesOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDiskCache(dir); err == nil {
		t.Error("a 0755 directory was accepted")
	}
}

// Many writers and readers of one entry: a reader sees a whole entry or none.
func TestDiskCacheConcurrentWriters(t *testing.T) {
	store, _ := NewDiskCache(filepath.Join(t.TempDir(), "c"))
	fp := []byte("fingerprint")
	exp := int64(3600)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 50 {
				tok := &Token{AccessToken: fmt.Sprintf("w%d-%d", i, j), ExpiresIn: &exp, ExpiresAt: fixedNow.Add(time.Hour)}
				if err := store.Save(fp, []byte(testSecret), tok); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				if tok, ok := store.Load(fp, []byte(testSecret)); ok && tok.AccessToken == "" {
					t.Error("read a partial entry")
				}
			}
		}()
	}
	wg.Wait()
	if _, ok := store.Load(fp, []byte(testSecret)); !ok {
		t.Error("no entry after the writers finished")
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// A caller that gives up stops waiting at once; the exchange goes on for
// the others, and its token is kept.
func TestCancelledCallerStopsWaiting(t *testing.T) {
	u, n := countingServer(t, 3600, 300*time.Millisecond)
	c := newClient(t)
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: testSecret}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Token(ctx, req)
	mustFail(t, err, "cancelled before an answer arrived")
	if el := time.Since(start); el > 200*time.Millisecond {
		t.Errorf("the cancelled caller waited %v", el)
	}
	tok, err := c.Token(context.Background(), req)
	if err != nil || tok.AccessToken != "tok-1" || n.Load() != 1 {
		t.Errorf("after the cancel: %v, %v, %d requests; want the one exchange's token", tok, err, n.Load())
	}
}
