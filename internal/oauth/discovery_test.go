package oauth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestDiscoveryURL(t *testing.T) {
	for _, tc := range []struct{ issuer, wellKnown, want string }{
		{"https://example.outsystems.app/identity", "", "https://example.outsystems.app/identity/.well-known/openid-configuration"},
		{"https://example.outsystems.app/identity/", "", "https://example.outsystems.app/identity/.well-known/openid-configuration"},
		{"https://idp.example", WellKnownOpenID, "https://idp.example/.well-known/openid-configuration"},
		{"https://idp.example/identity", WellKnownOAuth, "https://idp.example/.well-known/oauth-authorization-server/identity"},
		{"https://idp.example", WellKnownOAuth, "https://idp.example/.well-known/oauth-authorization-server"},
		{"https://idp.example/t/tenant1/", WellKnownOAuth, "https://idp.example/.well-known/oauth-authorization-server/t/tenant1"},
	} {
		got, err := DiscoveryURL(tc.issuer, tc.wellKnown)
		if err != nil || got != tc.want {
			t.Errorf("DiscoveryURL(%q, %q) = %q, %v; want %q", tc.issuer, tc.wellKnown, got, err, tc.want)
		}
	}
	if _, err := DiscoveryURL("https://idp.example/?tenant=1", ""); err == nil {
		t.Error("an issuer with a query was accepted")
	}
}

// odcLike serves a discovery document at /identity the way OutSystems ODC does.
func odcLike(t *testing.T, mutate func(doc map[string]any, base string)) (string, *int) {
	t.Helper()
	hits := new(int)
	var base string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/identity/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		*hits++
		doc := map[string]any{
			"issuer":                                base + "/identity",
			"token_endpoint":                        base + "/identity/connect/token",
			"jwks_uri":                              base + "/identity/.well-known/jwks",
			"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
			"grant_types_supported":                 []string{"client_credentials"},
			"mtls_endpoint_aliases":                 map[string]string{"token_endpoint": "https://mtls.example/token"},
		}
		if mutate != nil {
			mutate(doc, base)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, mustJSON(doc))
	})
	base = srv.URL
	return base, hits
}

func TestDiscoverPathPrefixedIssuer(t *testing.T) {
	base, hits := odcLike(t, nil)
	md, err := newClient(t).Discover(context.Background(), DiscoveryRequest{Issuer: base + "/identity"})
	if err != nil {
		t.Fatal(err)
	}
	if md.TokenEndpoint != base+"/identity/connect/token" || md.Issuer != base+"/identity" {
		t.Errorf("unexpected metadata %+v", md)
	}
	if got := md.MTLSEndpointAliases["token_endpoint"]; got != "https://mtls.example/token" {
		t.Errorf("mtls_endpoint_aliases not parsed: %q", got)
	}
	if !strings.Contains(md.Raw, `"grant_types_supported"`) || *hits != 1 {
		t.Errorf("raw document %q, %d fetches", md.Raw, *hits)
	}
	if (&TokenRequest{Format: FormatForm}).chooseAuthMethod(md) != ClientSecretPost {
		t.Error("a server listing only client_secret_post should get client_secret_post by default")
	}
}

func TestDiscoverFailures(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(doc map[string]any, base string)
		req    func(base string) DiscoveryRequest
		want   []string
	}{
		{"trailing slash mismatch", nil,
			func(b string) DiscoveryRequest { return DiscoveryRequest{Issuer: b + "/identity/"} },
			[]string{"only by a trailing slash", "set issuer = "}},
		{"other issuer", func(d map[string]any, _ string) { d["issuer"] = "https://evil.example/identity" },
			func(b string) DiscoveryRequest { return DiscoveryRequest{Issuer: b + "/identity"} },
			[]string{`"https://evil.example/identity" does not match`, "skip_issuer_check"}},
		{"missing token_endpoint", func(d map[string]any, _ string) { delete(d, "token_endpoint") },
			func(b string) DiscoveryRequest { return DiscoveryRequest{Issuer: b + "/identity"} },
			[]string{"has no token_endpoint"}},
		{"relative token_endpoint", func(d map[string]any, _ string) { d["token_endpoint"] = "/connect/token" },
			func(b string) DiscoveryRequest { return DiscoveryRequest{Issuer: b + "/identity"} },
			[]string{"token_endpoint", "not an absolute URL"}},
		{"plain http token_endpoint elsewhere", func(d map[string]any, _ string) { d["token_endpoint"] = "http://idp.example/token" },
			func(b string) DiscoveryRequest { return DiscoveryRequest{Issuer: b + "/identity"} },
			[]string{"plain http://", "allow_insecure_http"}},
		{"token_endpoint a number", func(d map[string]any, _ string) { d["token_endpoint"] = 42 },
			func(b string) DiscoveryRequest { return DiscoveryRequest{Issuer: b + "/identity"} },
			[]string{`"token_endpoint" holds a JSON number`}},
		{"not found", nil,
			func(b string) DiscoveryRequest { return DiscoveryRequest{Issuer: b + "/other"} },
			[]string{"HTTP status: 404", "oauth-authorization-server"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base, _ := odcLike(t, tc.mutate)
			_, err := newClient(t).Discover(context.Background(), tc.req(base))
			e := failure(t, err, tc.want...)
			if e.Summary != "Discovery Failed" {
				t.Errorf("summary %q", e.Summary)
			}
		})
	}
}

func TestDiscoverSkipIssuerCheck(t *testing.T) {
	base, _ := odcLike(t, func(d map[string]any, _ string) { d["issuer"] = "https://login.example/{tenantid}/v2.0" })
	md, err := newClient(t).Discover(context.Background(), DiscoveryRequest{Issuer: base + "/identity", SkipIssuerCheck: true})
	if err != nil || md.Issuer != "https://login.example/{tenantid}/v2.0" {
		t.Fatalf("got %v, %v", md, err)
	}
}

func TestDiscoverBodies(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
		want string
	}{
		{"html", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Login</body></html>")
		}, "not a JSON object"},
		{"array", answerWith(200, "application/json", `[1,2]`), "not a JSON object"},
		{"empty", answerWith(200, "application/json", ``), "is empty"},
		{"truncated", answerWith(200, "application/json", `{"issuer": "x`), "not valid JSON"},
		{"oversized", answerWith(200, "application/json", `{"issuer":"`+strings.Repeat("a", 2<<20)+`"}`), "larger than the 1 MiB limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, tc.h)
			_, err := newClient(t).Discover(context.Background(), DiscoveryRequest{DiscoveryURL: srv.URL + "/doc"})
			mustFail(t, err, tc.want)
		})
	}
}

func TestPlainHTTPRefusedUnlessLoopbackOrOptIn(t *testing.T) {
	c := newClient(t)
	_, err := c.Discover(context.Background(), DiscoveryRequest{Issuer: "http://idp.example/identity"})
	mustFail(t, err, "plain http://", "allow_insecure_http")
	_, err = c.Token(context.Background(), TokenRequest{TokenURL: "http://idp.example/token", ClientID: "a", ClientSecret: Inline(testSecret)})
	mustFail(t, err, "plain http://")

	opt := newClient(t, func(c *Config) { c.AllowInsecureHTTP = true })
	if _, err := opt.checkURL("token_url", "http://idp.example/token"); err != nil {
		t.Errorf("allow_insecure_http did not allow http: %v", err)
	}
	for _, h := range []string{"http://127.0.0.1:8080/t", "http://localhost/t", "http://[::1]/t", "http://127.9.9.9/t"} {
		if _, err := c.checkURL("token_url", h); err != nil {
			t.Errorf("loopback %s refused: %v", h, err)
		}
	}
	if _, err := c.checkURL("token_url", "ftp://idp.example/t"); err == nil {
		t.Error("ftp:// accepted")
	}
}
