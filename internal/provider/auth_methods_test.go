package provider

import (
	"crypto"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

var jwtMethods = []string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth"}

// Keycloak-style signed JWT: private_key_jwt with a key file, a kid, and a
// certificate whose thumbprint goes in x5t#S256; then client_secret_jwt.
func TestAccTokenSignedAssertions(t *testing.T) {
	key, keyPEM := testpki.ECKey(t)
	certDER := testpki.NewCA(t).Issue(t, "", time.Hour, key.Public())
	hmacSecret := strings.Repeat("s", 48)
	srv := startServer(t, authserver.Options{IssuerPath: "/realms/platform", AuthMethods: jwtMethods,
		Clients: map[string]string{"hmac-client": hmacSecret}, ClientKeys: map[string]crypto.PublicKey{"terraform": key.Public()}})
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "client.key")
	must(t, os.WriteFile(keyFile, keyPEM, 0o600))

	accTest(t, []resource.TestStep{{
		Config: fmt.Sprintf(`
data "clientcreds_token" "keycloak" {
  issuer            = %q
  client_id         = "terraform"
  auth_method       = "private_key_jwt"
  private_key_file  = %q
  signing_algorithm = "ES256"
  key_id            = "tf-2026"
  certificate_pem   = %q
}
data "clientcreds_token" "hmac" {
  token_url         = %q
  client_id         = "hmac-client"
  client_secret     = %q
  auth_method       = "client_secret_jwt"
  signing_algorithm = "HS384"
}`, srv.Issuer, keyFile, testpki.CertPEM(certDER), srv.TokenURL(), hmacSecret),
		ConfigStateChecks: []statecheck.StateCheck{
			stateIs("data.clientcreds_token.keycloak", "access_token", issuedBy(srv)),
			stateString("data.clientcreds_token.keycloak", "auth_method", "private_key_jwt"),
			stateIs("data.clientcreds_token.hmac", "access_token", issuedBy(srv)),
		},
		Check: func(*terraform.State) error {
			for _, r := range srv.TokenRequests() {
				a := r.Assertion
				switch {
				case r.Error != "" || a == nil:
					return fmt.Errorf("request %s refused: %s", r.AuthMethod, r.Error)
				case r.ClientID == "terraform" && (a.Alg != "ES256" || a.KeyID != "tf-2026" || a.X5tS256 == ""):
					return fmt.Errorf("private_key_jwt header %+v", a)
				case r.ClientID == "hmac-client" && (r.AuthMethod != "client_secret_jwt" || a.Alg != "HS384"):
					return fmt.Errorf("client_secret_jwt as %s %s", r.AuthMethod, a.Alg)
				}
			}
			return nil
		},
	}})
}

// Entra ID workload identity federation: a token from another identity
// provider, in a file that is rotated in place, is the client assertion.
func TestAccTokenFederatedAssertionFile(t *testing.T) {
	fedKey, _ := testpki.ECKey(t)
	srv := startServer(t, authserver.Options{AuthMethods: jwtMethods, ClientKeys: map[string]crypto.PublicKey{"app-1": fedKey.Public()},
		AllowAssertionReuse: true, Now: time.Now})
	file := filepath.Join(t.TempDir(), "azure-identity-token")
	writeAssertion := func() {
		must(t, os.WriteFile(file, []byte(federatedAssertion(t, fedKey, "app-1", srv.TokenURL())), 0o600))
	}
	cfg := fmt.Sprintf(`
data "clientcreds_token" "entra" {
  token_url             = %q
  client_id             = "app-1"
  client_assertion_file = %q
  scopes                = ["api://backend/.default"]
}`, srv.TokenURL(), file)
	accTest(t, []resource.TestStep{
		{
			// Written when the step starts, not before the parallel test
			// waits for its turn: the assertion lives a minute.
			PreConfig: writeAssertion,
			Config:    cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				stateIs("data.clientcreds_token.entra", "access_token", issuedBy(srv)),
				stateString("data.clientcreds_token.entra", "auth_method", "client_assertion"),
			},
		},
		{
			// The file is read anew for each request, so rotation is picked up.
			PreConfig: writeAssertion,
			Config:    cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				stateIs("data.clientcreds_token.entra", "access_token", issuedBy(srv)),
			},
			Check: func(*terraform.State) error {
				jtis := map[string]bool{}
				for _, r := range srv.TokenRequests() {
					if r.Assertion == nil || r.Error != "" {
						return fmt.Errorf("a request was refused: %s", r.Error)
					}
					jtis[r.Assertion.Claims.ID] = true
				}
				if len(jtis) != 2 {
					return fmt.Errorf("the server saw %d distinct assertions; want 2, before and after rotation", len(jtis))
				}
				return nil
			},
		},
	})
}

// mTLS with the client certificate set on the provider; discovery's
// mtls_endpoint_aliases sends the request to the mTLS endpoint. A second
// client brings its own self-signed certificate.
func TestAccTokenMutualTLS(t *testing.T) {
	ca := testpki.NewCA(t)
	key, keyPEM := testpki.ECKey(t)
	der := ca.Issue(t, "", time.Hour, key.Public())
	selfKey, selfKeyPEM := testpki.ECKey(t)
	selfDER := testpki.NewCA(t).Issue(t, "", time.Hour, selfKey.Public()) // a CA nobody trusts: self-signed in effect
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", AuthMethods: append(jwtMethods, "self_signed_tls_client_auth"), MTLSAliases: true,
		TLS: ca.ServerTLS(t, "127.0.0.1", time.Hour), ClientCerts: map[string][32]byte{"svc": testpki.CertSum(der), "self": testpki.CertSum(selfDER)}})
	accTest(t, []resource.TestStep{{
		Config: fmt.Sprintf(`
provider "clientcreds" {
  ca_cert_pem            = %q
  client_certificate_pem = %q
  client_private_key_pem = %q
}
data "clientcreds_token" "mtls" {
  issuer      = %q
  client_id   = "svc"
  auth_method = "tls_client_auth"
}
data "clientcreds_token" "self_signed" {
  issuer          = %[4]q
  client_id       = "self"
  auth_method     = "self_signed_tls_client_auth"
  certificate_pem = %q
  private_key_pem = %q
}`, ca.PEM, testpki.CertPEM(der), keyPEM, srv.Issuer, testpki.CertPEM(selfDER), selfKeyPEM),
		ConfigStateChecks: []statecheck.StateCheck{
			stateIs("data.clientcreds_token.mtls", "access_token", issuedBy(srv)),
			stateIs("data.clientcreds_token.self_signed", "access_token", issuedBy(srv)),
		},
		Check: func(*terraform.State) error {
			for _, r := range srv.TokenRequests() {
				if r.Error != "" || r.AuthMethod != "tls_client_auth" || r.Path != "/identity/mtls/token" {
					return fmt.Errorf("server saw %s from %s at %s (%s); want mTLS at the alias", r.AuthMethod, r.ClientID, r.Path, r.Error)
				}
			}
			return nil
		},
	}})
}

// Plan-time validation: each method's needs, what it ignores, key fit.
func TestAccTokenAuthValidation(t *testing.T) {
	_, ecPEM := testpki.ECKey(t)
	cfg := func(body string) string {
		return "data \"clientcreds_token\" \"t\" {\n  token_url = \"https://idp.example.com/token\"\n  client_id = \"svc\"\n" + body + "}\n"
	}
	accTest(t, []resource.TestStep{
		{Config: cfg(fmt.Sprintf("private_key_pem = %q\nsigning_algorithm = \"RS256\"\n", ecPEM)),
			ExpectError: phrase("Invalid Client Authentication", "RS256 does not fit an ECDSA key on curve P-256; use ES256")},
		{Config: cfg(fmt.Sprintf("private_key_pem = %q\nclient_secret = \"x\"\nauth_method = \"private_key_jwt\"\n", ecPEM)),
			ExpectError: phrase(`The auth_method "private_key_jwt" does not use client_secret`)},
		{Config: cfg("auth_method = \"private_key_jwt\"\n"),
			ExpectError: phrase(`The auth_method "private_key_jwt" needs private_key_pem, private_key_file or private_key_env.`)},
		{Config: cfg("client_secret = \"short\"\nauth_method = \"client_secret_jwt\"\n"),
			ExpectError: phrase(`at least 32 bytes`)},
		{Config: cfg("client_assertion = \"a.b.c\"\nkey_id = \"k\"\n"),
			ExpectError: phrase(`The auth_method "client_assertion" does not use key_id`)},
		{Config: cfg("private_key_file = \"/nonexistent/key.pem\"\n"),
			ExpectError: phrase(`Token Request Failed`, `The file /nonexistent/key.pem named by private_key_file could not be read: no such file or directory.`)},
	})
}
