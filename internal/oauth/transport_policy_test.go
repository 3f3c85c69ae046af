package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// Loopback means localhost, 127.0.0.0/8 and ::1. A name under .localhost is
// resolved by the network's DNS and sent through HTTP_PROXY, so plain http
// to it is refused like any other host.
func TestDotLocalhostIsNotLoopback(t *testing.T) {
	c := newClient(t)
	for _, h := range []string{"http://keycloak.localhost:8080/realms/x/token", "http://localhost.example/t", "http://127.0.0.1.nip.io/t"} {
		if _, err := c.checkURL("token_url", h); err == nil || !strings.Contains(err.Error(), "not loopback") {
			t.Errorf("%s allowed over plain http: %v", h, err)
		}
	}
}

// proxyRecorder stands in for the environment's proxy: it counts what it is
// asked to carry and answers every request as a token endpoint would.
func proxyRecorder(t *testing.T) *atomic.Int32 {
	t.Helper()
	var n atomic.Int32
	proxy := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"from-the-proxy","expires_in":60}`))
	})
	pu, _ := url.Parse(proxy.URL)
	old := proxyFromEnvironment
	proxyFromEnvironment = http.ProxyURL(pu)
	t.Cleanup(func() { proxyFromEnvironment = old })
	return &n
}

// The POST to an http:// .localhost name never reaches a proxy: it is
// refused before anything is sent.
func TestDotLocalhostNeverReachesTheProxy(t *testing.T) {
	proxied := proxyRecorder(t)
	_, err := newClient(t).Token(context.Background(), TokenRequest{TokenURL: "http://keycloak.localhost:8080/token", ClientID: "a", ClientSecret: Inline(testSecret)})
	mustFail(t, err, "not loopback")
	if proxied.Load() != 0 {
		t.Errorf("the proxy received %d requests carrying the credentials", proxied.Load())
	}
}

// A request allowed because it goes to loopback stays on the machine, even
// with a proxy set.
func TestLoopbackBypassesTheProxy(t *testing.T) {
	proxied := proxyRecorder(t)
	srv := serve(t, answerWith(200, "application/json", `{"access_token":"direct-token","expires_in":60}`))
	tok, err := newClient(t).Token(context.Background(), TokenRequest{TokenURL: srv.URL + "/token", ClientID: "a", ClientSecret: Inline(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "direct-token" || proxied.Load() != 0 {
		t.Errorf("got %q with %d proxied requests; want the direct answer", tok.AccessToken, proxied.Load())
	}
	// Other hosts still use the environment's proxy.
	opt := newClient(t, func(c *Config) { c.AllowInsecureHTTP = true })
	if _, err := opt.Token(context.Background(), TokenRequest{TokenURL: "http://idp.invalid/token", ClientID: "a", ClientSecret: Inline(testSecret)}); err != nil {
		t.Fatal(err)
	}
	if proxied.Load() != 1 {
		t.Errorf("a non-loopback request went through the proxy %d times; want 1", proxied.Load())
	}
}

// Discovery's redirect decides which document names the token endpoint:
// it may not leave the first request's origin.
func TestDiscoveryRedirectToAnotherOriginIsRefused(t *testing.T) {
	var foreignHits atomic.Int32
	foreign := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		foreignHits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"x","token_endpoint":"https://attacker.example/collect"}`))
	})
	origin := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, foreign.URL+"/doc", http.StatusFound)
	})
	_, err := newClient(t).Discover(context.Background(), DiscoveryRequest{DiscoveryURL: origin.URL + "/.well-known/openid-configuration", SkipIssuerCheck: true})
	mustFail(t, err, origin.URL+"/.well-known/openid-configuration", foreign.URL+"/doc", "another origin", "set discovery_url")
	if foreignHits.Load() != 0 {
		t.Errorf("the other origin was fetched %d times", foreignHits.Load())
	}
}

// A loopback http issuer may not be redirected to plain http elsewhere,
// even with allow_insecure_http unset and the same path.
func TestDiscoveryRedirectFromLoopbackHTTPIsRefused(t *testing.T) {
	origin := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://idp.invalid"+r.URL.Path, http.StatusMovedPermanently)
	})
	_, err := newClient(t).Discover(context.Background(), DiscoveryRequest{Issuer: origin.URL})
	mustFail(t, err, "http://idp.invalid/.well-known/openid-configuration", "another origin")
}

// A redirect within the origin is followed, and the document's recorded
// URL is the final one.
func TestDiscoveryRedirectWithinOriginRecordsFinalURL(t *testing.T) {
	var srvURL string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/doc" {
			http.Redirect(w, r, "/v2/doc", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"` + srvURL + `","token_endpoint":"` + srvURL + `/token"}`))
	})
	srvURL = srv.URL
	md, err := newClient(t).Discover(context.Background(), DiscoveryRequest{Issuer: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if md.DiscoveryURL != srv.URL+"/v2/doc" {
		t.Errorf("discovery URL %q; want the final %q", md.DiscoveryURL, srv.URL+"/v2/doc")
	}
}

// A URL that cannot be parsed is described, never quoted: not in the
// message, nor in the cause an *Error unwraps to, where userinfo and query
// values would show.
func TestUnparsableURLCauseQuotesNoURL(t *testing.T) {
	const bad = "https://user:pw-Zq81x@idp.example/%zz?sig=sig-Pk42w"
	c := newClient(t)
	o := c.op("Token Request Failed", "POST the token endpoint")
	_, sendErr := c.send(context.Background(), c.credentialed, http.MethodPost, bad, nil, nil, o)
	_, doErr := (&platformHTTP{c: c, o: &o}).Do(context.Background(), PlatformRequest{Method: http.MethodGet, URL: bad})
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"send":            {sendErr, "the request could not be built: "},
		"platformHTTP.Do": {doErr, "the platform's token request URL is not an absolute URL"},
	} {
		e := failure(t, tc.err, tc.want)
		for err := error(e); err != nil; err = errors.Unwrap(err) {
			if s := err.Error(); strings.Contains(s, "pw-Zq81x") || strings.Contains(s, "sig-Pk42w") || strings.Contains(s, "idp.example") {
				t.Errorf("%s: %T quotes the URL: %s", name, err, s)
			}
		}
	}
}
