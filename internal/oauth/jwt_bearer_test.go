package oauth

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

const saEmail = "deployer@project-1.iam.gserviceaccount.com"

// googleKey is a service-account key file as Google gives it out.
func googleKey(t *testing.T, tokenURI string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"type": "service_account", "project_id": "project-1", "private_key_id": "kid-0f3a",
		"private_key": string(testKeys(t)[1].pem), "client_email": saEmail, "client_id": "1234567890", "token_uri": tokenURI})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A Google service-account key is four lines of configuration: the issuer,
// key, key id and token endpoint come from it, the scopes go in the
// assertion, and no client authentication is sent.
func TestJWTBearerWithGoogleServiceAccountKey(t *testing.T) {
	srv := startAuth(t, authserver.Options{JWTBearer: &authserver.JWTBearer{Google: true,
		Keys: map[string]crypto.PublicKey{saEmail: testKeys(t)[1].pub}}})
	t.Setenv("GOOGLE_SA_KEY", googleKey(t, srv.TokenURL()))
	store := &memStore{}
	req := TokenRequest{Scopes: []string{"https://www.googleapis.com/auth/cloud-platform"},
		Grant: &JWTBearer{ServiceAccountKey: Secret{Env: "GOOGLE_SA_KEY"}}}
	tok, err := newClient(t, realClock, withStore(store)).Token(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	r := srv.TokenRequests()[0]
	if r.Error != "" || r.Grant == nil || r.Grant.Issuer != saEmail || r.Grant.Kid != "kid-0f3a" ||
		r.Grant.Scope != "https://www.googleapis.com/auth/cloud-platform" || r.Params.Get("scope") != "" {
		t.Fatalf("the server saw %+v (%s)", r.Grant, r.Error)
	}
	if r.AuthMethod != "none" || r.Header.Get("Authorization") != "" {
		t.Errorf("client authentication was sent: %s", r.AuthMethod)
	}
	if *tok.ExpiresIn != 3599 || len(store.saved()) != 1 {
		t.Errorf("expires_in %d, %d stored", *tok.ExpiresIn, len(store.saved()))
	}
	if k := store.saved()[0]; strings.Contains(string(k.Secret), "service_account") || !strings.Contains(string(k.Secret), "PRIVATE KEY") {
		t.Error("the store is keyed by something other than the service account's private key")
	}
}

// Salesforce's JWT bearer flow: the consumer key as issuer, the user as
// subject, an answer without expires_in but with instance_url. Such a token
// is shared in this run only, never stored; two users never share one.
func TestJWTBearerSalesforce(t *testing.T) {
	srv := startAuth(t, authserver.Options{JWTBearer: &authserver.JWTBearer{Salesforce: true,
		Keys: map[string]crypto.PublicKey{"3MVG9consumerKey": testKeys(t)[0].pub}, Subjects: []string{"ci@example.com", "ops@example.com"}}})
	store := &memStore{}
	c := newClient(t, realClock, withStore(store))
	req := func(user string) TokenRequest {
		return TokenRequest{TokenURL: srv.TokenURL(), PrivateKey: keyOf(testKeys(t)[0].pem),
			Grant: &JWTBearer{Issuer: "3MVG9consumerKey", Subject: user}}
	}
	var got []*Token
	for _, user := range []string{"ci@example.com", "ci@example.com", "ops@example.com"} {
		tok, err := c.Token(context.Background(), req(user))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tok)
	}
	if n := len(srv.TokenRequests()); n != 2 || got[0].AccessToken != got[1].AccessToken || got[0].AccessToken == got[2].AccessToken {
		t.Errorf("%d requests for two users; want 2, one token per user", n)
	}
	if got[0].ExpiresIn != nil || got[0].InstanceURL != srv.URL+"/salesforce" || len(store.saved()) != 0 {
		t.Errorf("expires_in %v, instance_url %q, %d stored", got[0].ExpiresIn, got[0].InstanceURL, len(store.saved()))
	}
	if g := srv.TokenRequests()[0].Grant; g == nil || g.Subject != "ci@example.com" || g.Audience[0] != srv.TokenURL() {
		t.Errorf("the assertion was %+v", g)
	}
}

// Every attempt carries a new assertion (a retried one would be a replay),
// and a client secret, when given, authenticates the client beside it.
func TestJWTBearerFreshAssertionPerAttemptWithClientAuth(t *testing.T) {
	srv := startAuth(t, authserver.Options{FailFirst: 1, Clients: map[string]string{"hydra-client": testSecret},
		JWTBearer: &authserver.JWTBearer{Keys: map[string]crypto.PublicKey{"svc-issuer": testKeys(t)[0].pub}}})
	_, err := newClient(t, realClock).Token(context.Background(), TokenRequest{TokenURL: srv.TokenURL(), ClientID: "hydra-client",
		ClientSecret: Inline(testSecret), PrivateKey: keyOf(testKeys(t)[0].pem), Scopes: []string{"read"},
		Grant: &JWTBearer{Issuer: "svc-issuer", Claims: map[string]string{"tenant": "t-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.TokenRequests()
	if len(reqs) != 2 || reqs[0].Params.Get("assertion") == reqs[1].Params.Get("assertion") {
		t.Fatalf("%d attempts; want 2 with different assertions", len(reqs))
	}
	if r := reqs[1]; r.AuthMethod != "client_secret_basic" || r.Error != "" || r.Params.Get("scope") != "read" {
		t.Errorf("the grant authenticated as %s (%s), scope %q", r.AuthMethod, r.Error, r.Params.Get("scope"))
	}
}

// An assertion the server refuses (expired by its clock, or from an issuer
// it does not know) is a clear error that quotes no credential.
func TestJWTBearerRefusedAssertion(t *testing.T) {
	srv := startAuth(t, authserver.Options{JWTBearer: &authserver.JWTBearer{Keys: map[string]crypto.PublicKey{"known": testKeys(t)[0].pub}}})
	for _, tc := range []struct {
		name   string
		mod    func(*Config)
		issuer string
		want   string
	}{
		{"unknown issuer", realClock, "stranger", "no key registered for issuer"},
		{"expired", func(c *Config) { c.Now = func() time.Time { return time.Now().Add(-time.Hour) } }, "known", "token is expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newClient(t, tc.mod, func(c *Config) { c.NoRetries = true }).Token(context.Background(), TokenRequest{
				TokenURL: srv.TokenURL(), PrivateKey: keyOf(testKeys(t)[0].pem), Grant: &JWTBearer{Issuer: tc.issuer}, NoShare: true})
			msg := failure(t, err, "invalid_grant", tc.want).Error()
			if strings.Contains(msg, "eyJ") || strings.Contains(msg, "PRIVATE KEY") {
				t.Errorf("the error quotes a credential: %s", msg)
			}
		})
	}
}

// What the grant needs is checked before anything is sent, each error on
// the argument to change.
func TestJWTBearerValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  TokenRequest
		arg  string
	}{
		{"no issuer", TokenRequest{PrivateKey: Inline("k"), Grant: &JWTBearer{}}, ArgAssertionIssuer},
		{"no key", TokenRequest{Grant: &JWTBearer{Issuer: "i"}}, ArgGrantType},
		{"reserved claim", TokenRequest{PrivateKey: Inline("k"), Grant: &JWTBearer{Issuer: "i", Claims: map[string]string{"sub": "x"}}}, ArgAssertionClaims},
		{"key twice", TokenRequest{PrivateKey: Inline("k"), Grant: &JWTBearer{ServiceAccountKey: Inline("{}")}}, ArgServiceAccountKey},
		{"client_credentials without client_id", TokenRequest{ClientSecret: Inline("s")}, ArgClientID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req
			r.TokenURL = "https://idp.example/token"
			err := validate(&r)
			var ae *ArgError
			if !errors.As(err, &ae) || ae.Arg != tc.arg {
				t.Errorf("got %v; want an error on %s", err, tc.arg)
			}
		})
	}
	bad := TokenRequest{Grant: &JWTBearer{ServiceAccountKey: Inline(`{"type":"authorized_user"}`)}}
	_, err := newClient(t).Token(context.Background(), bad)
	if e := failure(t, err, "is not a service-account key"); strings.Contains(e.Error(), "authorized_user") {
		t.Errorf("the error quotes the key: %v", e)
	}
}

// ValidateConfig refuses a service-account key given in two forms: it
// reaches the grant's check without the request's checkOneForm, so the
// grant's own form check is the one that sees it.
func TestJWTBearerValidateConfigRefusesTwoKeyForms(t *testing.T) {
	r := TokenRequest{TokenURL: "https://idp.example/token", AuthMethod: None,
		Grant: &JWTBearer{ServiceAccountKey: Secret{Value: "{}", Env: "GOOGLE_SA_KEY"}}}
	r.SetDefaults(nil)
	var ae *ArgError
	if err := r.ValidateConfig(false); !errors.As(err, &ae) || ae.Arg != ServiceAccountKeyArgs.File || !strings.Contains(err.Error(), "Set only one of") {
		t.Errorf("ValidateConfig: %v; want a refusal of two forms on %s", err, ServiceAccountKeyArgs.File)
	}
}
