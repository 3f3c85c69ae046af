package oauthtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{}, ""},
		{Options{Clients: []Client{{ID: "a"}}}, `Clients[0] ("a"): needs a Secret or a PublicKey`},
		{Options{Clients: []Client{{Secret: "x"}}}, `Clients[0]: no ID`},
		{Options{Clients: []Client{{ID: "a", Secret: "x"}, {ID: "a", Secret: "y"}}}, `Clients[1]: client "a" registered twice`},
		{Options{Body: "xml"}, `Body "xml"`},
		{Options{IssuerPath: "identity"}, `IssuerPath "identity"`},
		{Options{TokenLifetime: -1}, `TokenLifetime`},
	} {
		err := c.opts.Validate()
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: %v; want %q", c.opts, err, c.want)
		}
	}
}

func TestDefaultsAndEnv(t *testing.T) {
	s := Start(t, Options{IssuerPath: "/identity/", Admin: true})
	if s.ClientID != "test-client" || len(s.ClientSecret) < 20 || !strings.HasSuffix(s.Issuer, "/identity") {
		t.Errorf("defaults: %q %d-character secret, issuer %s", s.ClientID, len(s.ClientSecret), s.Issuer)
	}
	var names []string
	for _, kv := range s.Env() {
		names = append(names, kv[0])
	}
	if got := strings.Join(names, " "); got != "CLIENTCREDS_ISSUER CLIENTCREDS_TOKEN_URL CLIENTCREDS_DISCOVERY_URL CLIENTCREDS_API_URL CLIENTCREDS_CLIENT_ID CLIENTCREDS_CLIENT_SECRET CLIENTCREDS_STATS_URL" {
		t.Errorf("Env names: %s", got)
	}
}

// The default client gets a token with the default 12-hour lifetime, and the
// server knows it issued it.
func TestStartIssuesForTheDefaultClient(t *testing.T) {
	srv := Start(t, Options{IssuerPath: "/identity"})

	resp, err := http.PostForm(srv.TokenURL(), url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {srv.ClientID},
		"client_secret": {srv.ClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	if !srv.Issued(tok.AccessToken) || tok.ExpiresIn != 43200 || srv.Stats().TokensIssued != 1 {
		t.Errorf("token answer %d: issued %v, expires_in %d, stats %+v", resp.StatusCode, srv.Issued(tok.AccessToken), tok.ExpiresIn, srv.Stats())
	}
}

// A client registered with a public key authenticates with private_key_jwt.
func TestPrivateKeyJWT(t *testing.T) {
	key, _ := testpki.ECKey(t)
	s := Start(t, Options{
		Clients:     []Client{{ID: "signer", PublicKey: key.Public()}},
		AuthMethods: []string{"private_key_jwt"},
	})
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	assertion, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: "signer", Subject: "signer", Audience: jwt.Audience{s.TokenURL()},
		ID: "jti-1", IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(s.TokenURL(), url.Values{
		"grant_type":            {"client_credentials"},
		"client_id":             {"signer"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || s.Stats().ByClient["signer"].TokensIssued != 1 {
		t.Errorf("private_key_jwt: %d, stats %+v", resp.StatusCode, s.Stats())
	}
	if s.ClientSecret != "" {
		t.Errorf("a key-only client has a secret")
	}
}
