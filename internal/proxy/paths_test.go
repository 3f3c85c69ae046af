package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// raw sends one request line as written (no client library cleans or
// re-encodes it) and returns the answer's status.
func raw(t *testing.T, base, method, target string) int {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n", method, target)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// capPath is the path of the proxy's URL: "/" + the capability.
func capPath(p *Proxy) (base, prefix string) {
	i := strings.LastIndex(p.URL, "/")
	return p.URL[:i], p.URL[i:]
}

// The path after the capability reaches the upstream joined to its base
// path exactly as written: an empty segment is not an authority, %2F stays
// escaped (in either case), nothing is decoded or cleaned. Dot segments, in
// any spelling that decodes to one, are refused before the upstream.
func TestPathIsJoinedAsWritten(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	p, _ := start(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.RequestURI)
		mu.Unlock()
	}), &tokens{})
	base, prefix := capPath(p)
	for target, want := range map[string]string{
		"":                       "/api/v1",
		"/":                      "/api/v1/",
		"/objects/1":             "/api/v1/objects/1",
		"//objects/1":            "/api/v1//objects/1",
		"///x":                   "/api/v1///x",
		"/a%2Fb/c":               "/api/v1/a%2Fb/c",
		"/a%2fb":                 "/api/v1/a%2fb",
		"/a%252Fb":               "/api/v1/a%252Fb",
		"/x;y=1/z?q=%2F&r=a+b":   "/api/v1/x;y=1/z?q=%2F&r=a+b",
		"/..foo/bar.../.hidden/": "/api/v1/..foo/bar.../.hidden/",
	} {
		seen = nil
		if code := raw(t, base, http.MethodGet, prefix+target); code != http.StatusOK {
			t.Errorf("GET {url}%s: %d", target, code)
			continue
		}
		if len(seen) != 1 || seen[0] != want {
			t.Errorf("GET {url}%s reached %q; want %q", target, seen, want)
		}
	}
	for _, target := range []string{"/..", "/../x", "/a/../../x", "/./x", "/a/.", "/%2e%2e/x", "/%2E%2E", "/.%2e/x",
		"/%2e/x", "/a%2F..%2Fx", "/a%2f..", "/..%5Cx", "/a\\..\\x"} {
		seen = nil
		if code := raw(t, base, http.MethodDelete, prefix+target); code != http.StatusBadRequest || len(seen) != 0 {
			t.Errorf("DELETE {url}%s: %d, reached %q; want 400 and nothing upstream", target, code, seen)
		}
	}
}

// A redirect is rewritten only when it points inside the upstream's base
// path, on a segment boundary, keeping its escaping.
func TestLocationRewriteOnSegmentBoundary(t *testing.T) {
	var loc string
	var upURL string
	p, up := start(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", upURL+loc)
		w.WriteHeader(http.StatusFound)
	}), &tokens{})
	upURL = up.URL
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for l, want := range map[string]string{
		"/api/v1":           p.URL,
		"/api/v1/":          p.URL + "/",
		"/api/v1/moved?x=1": p.URL + "/moved?x=1",
		"/api/v1/a%2Fb":     p.URL + "/a%2Fb",
		"/api/v10/moved":    up.URL + "/api/v10/moved",
		"/api/v1x":          up.URL + "/api/v1x",
		"/api/v2":           up.URL + "/api/v2",
		"/other":            up.URL + "/other",
	} {
		loc = l
		resp, err := client.Get(p.URL + "/old")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("upstream Location %s came back as %q; want %q", l, got, want)
		}
	}
}

// A DPoP proof's htu is the URL the upstream is asked for, %2F and all.
func TestDPoPHtuIsTheRequestedURL(t *testing.T) {
	key, err := oauth.NewDPoPKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	var htu, requested string
	up := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		claims := proofClaims(r)
		htu, _ = claims["htu"].(string)
		requested = "http://" + r.Host + r.URL.EscapedPath()
	}))
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL + "/api")
	src := &tokens{}
	p := startWith(t, Options{Upstream: u, Transport: &http.Transport{}, Fetch: src.fetch, Usable: src.usable, DPoP: key})
	base, prefix := capPath(p)
	if code := raw(t, base, http.MethodGet, prefix+"/objects/a%2Fb?page=2"); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if want := up.URL + "/api/objects/a%2Fb"; requested != want || htu != want {
		t.Errorf("requested %s with htu %s; want both %s", requested, htu, want)
	}
}
