package oauth

import (
	"context"
	"crypto"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// Revocation authenticates the client the way its token was requested,
// always with a form body, and a signed assertion names the revocation
// endpoint as its audience: the server checks all of it.
func TestRevokeEveryClientAuthentication(t *testing.T) {
	keys := testKeys(t)
	hmacSecret := strings.Repeat("h", 48)
	srv := startAuth(t, authserver.Options{
		Clients:    map[string]string{"basic": testSecret, "post": testSecret, "hmac": hmacSecret},
		ClientKeys: map[string]crypto.PublicKey{"jwt": keys[0].pub},
	})
	for _, req := range []TokenRequest{
		{ClientID: "basic", ClientSecret: Inline(testSecret), AuthMethod: ClientSecretBasic},
		{ClientID: "post", ClientSecret: Inline(testSecret), AuthMethod: ClientSecretPost, Format: FormatJSON},
		{ClientID: "hmac", ClientSecret: Inline(hmacSecret), AuthMethod: ClientSecretJWT, SigningAlgorithm: "HS384"},
		{ClientID: "jwt", PrivateKey: Inline(string(keys[0].pem)), SigningAlgorithm: keys[0].alg, AuthMethod: PrivateKeyJWT, KeyID: "k1"},
	} {
		t.Run(string(req.AuthMethod), func(t *testing.T) {
			c := newClient(t, realClock)
			req.TokenURL, req.NoShare = srv.TokenURL(), true
			tok, err := c.Token(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Revoke(context.Background(), RevokeRequest{URL: srv.Issuer + "/revoke", Token: tok.AccessToken, Client: req}); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(srv.Revoked(), tok.AccessToken) || srv.Issued(tok.AccessToken) {
				t.Error("the token was not revoked")
			}
		})
	}
}

// A server that refuses the revocation is reported with its OAuth error;
// one that answers with a page, with an excerpt; a bad URL before sending.
func TestRevokeFailures(t *testing.T) {
	srv := startAuth(t, authserver.Options{Clients: map[string]string{"a": testSecret}})
	c := newClient(t)
	client := TokenRequest{TokenURL: srv.TokenURL(), ClientID: "a", ClientSecret: Inline("wrong-secret-value"), AuthMethod: ClientSecretBasic}
	err := c.Revoke(context.Background(), RevokeRequest{URL: srv.Issuer + "/revoke", Token: "some-token-value", Client: client})
	mustFail(t, err, "POST "+srv.Issuer+"/revoke", "HTTP status: 401", "OAuth error: invalid_client")

	page := serve(t, answerWith(500, "text/html", "<html><body><h1>Down for maintenance</h1></body></html>"))
	client.ClientSecret = Inline(testSecret)
	err = newClient(t, func(c *Config) { c.NoRetries = true }).Revoke(context.Background(), RevokeRequest{URL: page.URL, Token: "t", Client: client})
	mustFail(t, err, "did not confirm the revocation", "HTTP status: 500", "excerpt): Down for maintenance")

	err = c.Revoke(context.Background(), RevokeRequest{URL: "http://idp.example/revoke", Token: "t", Client: client})
	mustFail(t, err, "revocation URL", "not loopback")
}

// Under rfc7523bis an assertion's aud is the issuer identifier at every
// endpoint: revocation keeps the assertion_audience rather than naming the
// revocation endpoint, for either assertion-signing method.
func TestRevokeRFC7523bisKeepsTheIssuerAudience(t *testing.T) {
	const issuer = "https://issuer.example"
	k := testKeys(t)[0]
	for _, req := range []TokenRequest{
		{ClientID: "jwt", PrivateKey: Inline(string(k.pem)), SigningAlgorithm: k.alg, AuthMethod: PrivateKeyJWT},
		{ClientID: "hmac", ClientSecret: Inline(strings.Repeat("h", 48)), AuthMethod: ClientSecretJWT, SigningAlgorithm: "HS384"},
	} {
		t.Run(string(req.AuthMethod), func(t *testing.T) {
			var (
				mu        sync.Mutex
				assertion string
			)
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				mu.Lock()
				assertion = r.PostForm.Get("client_assertion")
				mu.Unlock()
				w.WriteHeader(http.StatusOK)
			})
			req.TokenURL, req.AssertionProfile, req.AssertionAudience = srv.URL+"/token", ProfileRFC7523bis, issuer
			if err := newClient(t).Revoke(context.Background(), RevokeRequest{URL: srv.URL + "/revoke", Token: "some-token-value", Client: req}); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			tok, err := jwt.ParseSigned(assertion, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(k.alg), jose.HS384})
			if err != nil {
				t.Fatalf("the revocation's client assertion: %v", err)
			}
			var claims jwt.Claims
			if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
				t.Fatal(err)
			}
			if len(claims.Audience) != 1 || claims.Audience[0] != issuer {
				t.Errorf("aud %v; want %q", claims.Audience, issuer)
			}
			if typ := tok.Headers[0].ExtraHeaders["typ"]; typ != clientAuthJWTType {
				t.Errorf("typ %v; want %q", typ, clientAuthJWTType)
			}
		})
	}
}
