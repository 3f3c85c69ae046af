package proxy

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// tokens is a token source that counts its fetches; a token is usable
// until expire is called.
type tokens struct {
	n       atomic.Int32
	delay   time.Duration
	expired atomic.Bool
}

func (s *tokens) fetch(context.Context) (*oauth.Token, error) {
	time.Sleep(s.delay)
	s.expired.Store(false)
	return &oauth.Token{AccessToken: fmt.Sprintf("tok-%d", s.n.Add(1))}, nil
}

func (s *tokens) usable(*oauth.Token) bool { return !s.expired.Load() }

// startWith starts a proxy with o, closed when the test ends.
func startWith(t testing.TB, o Options) *Proxy {
	t.Helper()
	p, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

// proofClaims are the claims of the request's DPoP proof, read without
// verifying it; none without a proof.
func proofClaims(r *http.Request) map[string]any {
	claims := map[string]any{}
	if parts := strings.Split(r.Header.Get("DPoP"), "."); len(parts) == 3 {
		b, _ := base64.RawURLEncoding.DecodeString(parts[1])
		_ = json.Unmarshal(b, &claims)
	}
	return claims
}

// source is a test token source: tokens (short, counted) or longTokens
// (as long as real ones, so that scrub has something to look for).
type source interface {
	fetch(context.Context) (*oauth.Token, error)
	usable(*oauth.Token) bool
}

func start(t *testing.T, upstream http.Handler, src source) (*Proxy, *httptest.Server) {
	t.Helper()
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL + "/api/v1")
	p := startWith(t, Options{Upstream: u, Transport: &http.Transport{}, Fetch: src.fetch, Usable: src.usable})
	return p, up
}

// A request to url + path reaches upstream + path with its method, query,
// headers and body; the proxy sets Authorization (dropping the client's),
// the upstream's Host, and removes hop-by-hop headers.
func TestForwarding(t *testing.T) {
	var got *http.Request
	var body string
	p, up := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		w.Header().Set("X-Upstream", "yes")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, "created")
	}), &tokens{})
	req, _ := http.NewRequest(http.MethodPut, p.URL+"/items/42?expand=a&x=%2F", strings.NewReader(`{"n":1}`))
	req.Header.Set("Authorization", "Bearer client-supplied")
	req.Header.Set("X-Custom", "kept")
	req.Header.Set("Connection", "X-Hop")
	req.Header.Set("X-Hop", "dropped")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || string(b) != "created" || resp.Header.Get("X-Upstream") != "yes" {
		t.Errorf("answer %d %q", resp.StatusCode, b)
	}
	upHost := strings.TrimPrefix(up.URL, "http://")
	switch {
	case got.Method != http.MethodPut || got.URL.Path != "/api/v1/items/42" || got.URL.RawQuery != "expand=a&x=%2F":
		t.Errorf("forwarded %s %s?%s", got.Method, got.URL.Path, got.URL.RawQuery)
	case got.Header.Get("Authorization") != "Bearer tok-1" || got.Host != upHost:
		t.Errorf("Authorization %q, Host %q", got.Header.Get("Authorization"), got.Host)
	case got.Header.Get("X-Custom") != "kept" || got.Header.Get("X-Hop") != "" || body != `{"n":1}`:
		t.Errorf("headers %v, body %q", got.Header, body)
	}
}

// Without the capability nothing reaches the upstream and no token is
// fetched; absolute-form targets and CONNECT are refused.
func TestOnlyTheHolderOfTheURLGetsIn(t *testing.T) {
	var calls atomic.Int32
	src := &tokens{}
	p, _ := start(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }), src)
	base := p.URL[:strings.LastIndex(p.URL, "/")]
	for _, path := range []string{"/", "/items", "/" + strings.Repeat("A", 32) + "/items", p.URL[len(base):] + "x/items"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d; want 404", path, resp.StatusCode)
		}
	}
	for _, line := range []string{"GET http://example.com/ HTTP/1.1", "CONNECT example.com:443 HTTP/1.1"} {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "%s\r\nHost: example.com\r\n\r\n", line)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		_ = resp.Body.Close()
		_ = c.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d; want 405", line, resp.StatusCode)
		}
	}
	if calls.Load() != 0 || src.n.Load() != 0 {
		t.Errorf("%d upstream calls and %d token fetches without the capability", calls.Load(), src.n.Load())
	}
}

// At expiry, 64 concurrent requests cause one token request.
func TestOneFetchForConcurrentRequestsAtExpiry(t *testing.T) {
	src := &tokens{delay: 100 * time.Millisecond}
	p, _ := start(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), src)
	get(t, p.URL+"/warm")
	src.expired.Store(true)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() { defer wg.Done(); get(t, p.URL+"/x") }()
	}
	wg.Wait()
	if n := src.n.Load(); n != 2 {
		t.Errorf("%d token fetches; want 2 (the first, and one at expiry)", n)
	}
}

// A 401 invalid_token is answered by one new token and one replay, with the
// same body; a body past MaxReplayBody is streamed and its 401 returned.
func TestInvalidTokenReplaysOnce(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	p, _ := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %d", r.Header.Get("Authorization"), len(b)))
		mu.Unlock()
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="revoked"`)
			w.WriteHeader(http.StatusUnauthorized)
		}
	}), &tokens{})
	resp, err := http.Post(p.URL+"/small", "text/plain", strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Join(seen, ",") != "Bearer tok-1 7,Bearer tok-2 7" {
		t.Errorf("status %d after %v; want a replay with tok-2 and the same body", resp.StatusCode, seen)
	}
	// tok-2 is now current: make the upstream refuse it, with a large body.
	seen = nil
	p2, _ := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
	}), &tokens{})
	resp, err = http.Post(p2.URL+"/large", "application/octet-stream", io.LimitReader(zeros{}, MaxReplayBody+1))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a large body's 401 came back as %d", resp.StatusCode)
	}
}

// A redirect on the upstream's origin points back at the proxy; the proxy
// never follows it.
func TestRedirectsComeBackThroughTheProxy(t *testing.T) {
	var calls atomic.Int32
	var upURL string
	p, up := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Redirect(w, r, upURL+"/api/v1/moved?page=2", http.StatusFound)
	}), &tokens{})
	upURL = up.URL
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(p.URL + "/old")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != p.URL+"/moved?page=2" || calls.Load() != 1 {
		t.Errorf("Location %q after %d upstream calls", loc, calls.Load())
	}
}

// 50 MiB up and 50 MiB down pass through without being held whole: the
// process allocates a small fraction of that.
func TestLargeBodiesAreStreamed(t *testing.T) {
	const size = 50 << 20
	p, _ := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Received", fmt.Sprint(n))
		_, _ = io.Copy(w, io.LimitReader(zeros{}, size))
	}), &longTokens{}) // long enough that scrub streams the bodies rather than returning early
	get(t, p.URL+"/warm")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	req, _ := http.NewRequest(http.MethodPut, p.URL+"/blob", io.LimitReader(zeros{}, size))
	req.ContentLength = size
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	runtime.ReadMemStats(&after)
	if resp.Header.Get("X-Received") != fmt.Sprint(size) || n != size {
		t.Fatalf("sent %s, received %d", resp.Header.Get("X-Received"), n)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("moving 100 MiB allocated %d MiB: a body was held whole", alloc>>20)
	}
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

func get(t *testing.T, u string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

// With DPoP each request carries Authorization: DPoP and a proof for its
// method and URL, bound to the token; a resource server's nonce is taken
// and the request sent once more.
func TestDPoPProofsAndResourceServerNonce(t *testing.T) {
	key, err := oauth.NewDPoPKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []map[string]any
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims := proofClaims(r)
		claims["authorization"] = r.Header.Get("Authorization")
		mu.Lock()
		seen = append(seen, claims)
		mu.Unlock()
		if claims["nonce"] != "rs-nonce-1" {
			w.Header().Set("DPoP-Nonce", "rs-nonce-1")
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL + "/api")
	src := &tokens{}
	p := startWith(t, Options{Upstream: u, Transport: &http.Transport{}, Fetch: src.fetch, Usable: src.usable, DPoP: key})
	resp, err := http.Post(p.URL+"/items?page=2", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(seen) != 2 {
		t.Fatalf("status %d after %d upstream requests; want 200 after the nonce", resp.StatusCode, len(seen))
	}
	sum := sha256.Sum256([]byte("tok-1"))
	for _, c := range seen {
		if c["authorization"] != "DPoP tok-1" || c["htm"] != "POST" || c["htu"] != up.URL+"/api/items" ||
			c["ath"] != base64.RawURLEncoding.EncodeToString(sum[:]) {
			t.Errorf("proof %v", c)
		}
	}
	if seen[0]["jti"] == seen[1]["jti"] {
		t.Error("the replay reused the proof's jti")
	}
}
