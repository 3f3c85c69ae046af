package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// With TF_LOG=trace, Terraform and the provider log everything they log; the
// client secret and the access token must not be part of it.
func TestAccSecretsNeverLoggedDataSource(t *testing.T) {
	srv := startServer(t, authserver.Options{IssuerPath: "/identity"})
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
variable "client_secret" {
  type      = string
  sensitive = true
}
data "clientcreds_oidc_discovery" "d" {
  issuer = %q
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
	logPath := filepath.Join(t.TempDir(), "trace.log")
	out := c.run([]string{"TF_LOG=trace", "TF_LOG_PROVIDER=trace", "TF_LOG_PATH=" + logPath, "TF_VAR_client_secret=" + testSecret},
		"plan", "-input=false", "-no-color")
	logText, err := os.ReadFile(logPath)
	must(t, err)

	tokens := srv.IssuedTokens()
	if len(tokens) != 2 {
		t.Fatalf("server issued %d tokens; want 2", len(tokens))
	}
	if len(logText) < 10000 {
		t.Fatalf("the trace log is only %d bytes; tracing did not happen", len(logText))
	}
	secrets := map[string]string{"client secret": testSecret, "first access token": tokens[0], "second access token": tokens[1]}
	assertAbsent(t, "the trace log", string(logText), secrets)
	assertAbsent(t, "terraform plan output", out, secrets)
	t.Logf("trace log: %d bytes, checked for the secret and %d tokens", len(logText), len(tokens))
}

// The same for every ephemeral resource, with a failing revocation and a
// server error thrown in so that error paths are logged too.
func TestAccSecretsNeverLoggedEphemeral(t *testing.T) {
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
resource "terraform_data" "use" {
  provisioner "local-exec" {
    command     = "test -n \"$A\" && test -n \"$B\""
    environment = {
      A = ephemeral.clientcreds_token.t.access_token
      B = ephemeral.clientcreds_token.shared.access_token
    }
  }
}
`, srv.Issuer, srv.URL))
	logPath := filepath.Join(t.TempDir(), "trace.log")
	out := c.run([]string{"TF_LOG=trace", "TF_LOG_PROVIDER=trace", "TF_LOG_PATH=" + logPath, "TF_VAR_client_secret=" + testSecret},
		"apply", "-auto-approve", "-input=false", "-no-color")
	logText, err := os.ReadFile(logPath)
	must(t, err)
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
