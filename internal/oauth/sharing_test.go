package oauth

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
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

// tokensAtOnce has c read req n times at once and returns each read's
// access token; a read that fails fails the test.
func tokensAtOnce(t *testing.T, c *Client, req TokenRequest, n int) []string {
	t.Helper()
	return testhelp.AtOnce(t, n, func(int) (string, error) {
		tok, err := c.Token(context.Background(), req)
		if err != nil {
			return "", err
		}
		return tok.AccessToken, nil
	})
}

func TestConcurrentIdenticalRequestsShareOneExchange(t *testing.T) {
	u, n := countingServer(t, 3600, 50*time.Millisecond)
	got := tokensAtOnce(t, newClient(t), TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret), Scopes: []string{"x"}}, 200)
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
		{TokenURL: u, ClientID: "a", ClientSecret: Inline("one")},
		{TokenURL: u, ClientID: "a", ClientSecret: Inline("two")},
		{TokenURL: u, ClientID: "b", ClientSecret: Inline("one")},
		{TokenURL: u, ClientID: "a", ClientSecret: Inline("one"), Scopes: []string{"read"}},
		{TokenURL: u, ClientID: "a", ClientSecret: Inline("one"), AuthMethod: ClientSecretPost},
		{TokenURL: u, ClientID: "a", ClientSecret: Inline("one"), Audience: "x"},
		{TokenURL: u, ClientID: "a", ClientSecret: Inline("one"), NoShare: true},
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
	now := testhelp.Now
	c := newClient(t, func(c *Config) { c.Now = func() time.Time { return now }; c.MinRemaining = 2 * time.Minute })
	req := TokenRequest{TokenURL: u, ClientID: "a", ClientSecret: Inline(testSecret)}
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
			answerWith(401, "application/json", `{"error":"invalid_client"}`)(w, r)
			return
		}
		okToken(w, r)
	})
	c := newClient(t)
	req := TokenRequest{TokenURL: srv.URL, ClientID: "a", ClientSecret: Inline(testSecret)}
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

// A caller that gives up stops waiting at once; the exchange goes on for
// the others, and its token is kept. The server holds its answer until the
// cancelled caller has returned, so returning proves it did not wait.
func TestCancelledCallerStopsWaiting(t *testing.T) {
	release := make(chan struct{})
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok-1","expires_in":3600}`))
	})
	c := newClient(t)
	req := TokenRequest{TokenURL: srv.URL, ClientID: "a", ClientSecret: Inline(testSecret)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for n.Load() == 0 { // cancel once the exchange is under way
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := c.Token(ctx, req)
	mustFail(t, err, "cancelled before an answer arrived")
	close(release)
	tok, err := c.Token(context.Background(), req)
	if err != nil || tok.AccessToken != "tok-1" || n.Load() != 1 {
		t.Errorf("after the cancel: %v, %v, %d requests; want the one exchange's token", tok, err, n.Load())
	}
}
