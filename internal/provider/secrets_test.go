package provider

import (
	"crypto"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

// With TF_LOG=trace, Terraform and the provider log everything they log; the
// client secret and the access token must not be part of it.
func TestAccSecretsNeverLoggedDataSource(t *testing.T) {
	t.Parallel()
	key, keyPEM := testpki.ECKey(t)
	fedKey, _ := testpki.ECKey(t)
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", Now: time.Now,
		AuthMethods: []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
		ClientKeys:  map[string]crypto.PublicKey{"jwt-client": key.Public(), "fed-client": fedKey.Public()}})
	assertion := federatedAssertion(t, fedKey, "fed-client", srv.Issuer+"/token")
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
variable "client_secret" {
  type      = string
  sensitive = true
}
variable "private_key" {
  type      = string
  sensitive = true
}
variable "assertion" {
  type      = string
  sensitive = true
}
data "clientcreds_token" "jwt" {
  issuer            = %[1]q
  client_id         = "jwt-client"
  private_key_pem   = var.private_key
  signing_algorithm = "ES256"
}
data "clientcreds_token" "federated" {
  issuer           = %[1]q
  client_id        = "fed-client"
  client_assertion = var.assertion
}
data "clientcreds_oidc_discovery" "d" {
  issuer = %[1]q
}
data "clientcreds_token" "t" {
  token_url     = data.clientcreds_oidc_discovery.d.token_endpoint
  client_id     = "client-1"
  client_secret = var.client_secret
  scopes        = ["read"]
}
data "clientcreds_token" "by_issuer" {
  issuer        = %[1]q
  client_id     = "client-1"
  client_secret = var.client_secret
}
output "expires_in" {
  value = data.clientcreds_token.t.expires_in
}
`, srv.Issuer))
	trace := newTraceLog(t)
	out := c.run(trace.env("TF_VAR_client_secret="+testSecret,
		"TF_VAR_private_key="+string(keyPEM), "TF_VAR_assertion="+assertion), "plan", "-input=false", "-no-color")
	logText := trace.text()

	tokens := srv.IssuedTokens()
	if len(tokens) != 4 {
		t.Fatalf("server issued %d tokens; want 4", len(tokens))
	}
	if len(logText) < 10000 {
		t.Fatalf("the trace log is only %d bytes; tracing did not happen", len(logText))
	}
	secrets := map[string]string{"client secret": testSecret, "client assertion": assertion,
		"private key": strings.Split(string(keyPEM), "\n")[1]} // one line of the key's base64
	for i, tok := range tokens {
		secrets[fmt.Sprintf("access token %d", i+1)] = tok
	}
	assertAbsent(t, "the trace log", string(logText), secrets)
	assertAbsent(t, "terraform plan output", out, secrets)
	t.Logf("trace log: %d bytes, checked for the secret and %d tokens", len(logText), len(tokens))
}

// The same for every ephemeral resource, with a failing revocation and a
// server error thrown in so that error paths are logged too.
func TestAccSecretsNeverLoggedEphemeral(t *testing.T) {
	t.Parallel()
	srv := startServer(t, authserver.Options{IssuerPath: "/identity"})
	c := newCLI(t, "1.10.0", fmt.Sprintf(`
variable "client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}
ephemeral "clientcreds_oidc_discovery" "d" {
  issuer = %q
}
ephemeral "clientcreds_token" "t" {
  token_url       = ephemeral.clientcreds_oidc_discovery.d.token_endpoint
  client_id       = "client-1"
  client_secret   = var.client_secret
  revoke_on_close = true
  revocation_url  = "%s/identity/no-revocation-here"
}
ephemeral "clientcreds_token" "shared" {
  issuer        = %[1]q
  client_id     = "client-1"
  client_secret = var.client_secret
}
`, srv.Issuer, srv.URL)+execHCL(`test -n "$A" && test -n "$B"`, "", map[string]string{"A": "ephemeral.clientcreds_token.t.access_token",
		"B": "ephemeral.clientcreds_token.shared.access_token"}))
	trace := newTraceLog(t)
	out := c.run(trace.env("TF_VAR_client_secret="+testSecret),
		"apply", "-auto-approve", "-input=false", "-no-color")
	logText := trace.text()
	tokens := srv.IssuedTokens()
	if len(tokens) != 4 {
		t.Fatalf("server issued %d tokens; want 4 (two resources, plan and apply)", len(tokens))
	}
	if !strings.Contains(out, "Token Revocation Failed") {
		t.Fatalf("the failing revocation did not warn:\n%s", out)
	}
	secrets := map[string]string{"client secret": testSecret}
	for i, tok := range tokens {
		secrets[fmt.Sprintf("token %d", i+1)] = tok
	}
	assertAbsent(t, "the trace log", string(logText), secrets)
	assertAbsent(t, "terraform apply output", out, secrets)
	assertAbsent(t, "terraform.tfstate", c.read("terraform.tfstate"), secrets)
	t.Logf("trace log: %d bytes, checked for the secret and %d tokens", len(logText), len(tokens))
}

// federatedAssertion stands for a token another identity provider issued.
func federatedAssertion(t *testing.T, key crypto.Signer, sub, aud string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, nil)
	must(t, err)
	now := time.Now()
	a, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: sub, Subject: sub, Audience: jwt.Audience{aud}, ID: fmt.Sprint(now.UnixNano()),
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}).Serialize()
	must(t, err)
	return a
}

// A client_secret_jwt secret too short for HS256, in a variable read only
// when the token is requested: the error points at client_secret_env, the
// argument the configuration sets, not at client_secret.
func TestAccShortSecretFromVariableBlamesTheVariable(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "1.0.0", `
data "clientcreds_token" "t" {
  token_url         = "https://idp.example/token"
  client_id         = "svc"
  auth_method       = "client_secret_jwt"
  client_secret_env = "SHORT_JWT_SECRET"
}
`)
	out := c.runFail([]string{"SHORT_JWT_SECRET=only-sixteen-ch"}, "plan", "-input=false", "-no-color")
	if !phrase("needs a client_secret of at least 32 bytes").MatchString(out) {
		t.Fatalf("no error about the short secret:\n%s", out)
	}
	if !regexp.MustCompile(`\d+:\s+client_secret_env\s+=\s+"SHORT_JWT_SECRET"`).MatchString(out) {
		t.Errorf("the error does not point at client_secret_env:\n%s", out)
	}
}
