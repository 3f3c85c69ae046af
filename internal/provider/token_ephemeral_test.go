package provider

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// The ephemeral token configures another provider.
func TestAccEphemeralTokenConfiguresProvider(t *testing.T) {
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", ExpiresIn: 7200})
	ephemeralAccTest(t, []resource.TestStep{{
		Config: fmt.Sprintf(`
ephemeral "clientcreds_oidc_discovery" "d" {
  issuer = %q
}
ephemeral "clientcreds_token" "t" {
  token_url     = ephemeral.clientcreds_oidc_discovery.d.token_endpoint
  client_id     = "client-1"
  client_secret = %q
  scopes        = ["read", "write"]
}
provider "echo" {
  data = {
    header     = "Bearer ${ephemeral.clientcreds_token.t.access_token}"
    expires_in = ephemeral.clientcreds_token.t.expires_in
    expires_at = ephemeral.clientcreds_token.t.expires_at
    scope      = ephemeral.clientcreds_token.t.scope
    method     = ephemeral.clientcreds_token.t.auth_method
  }
}
resource "echo" "api" {}
`, srv.Issuer, testSecret),
		ConfigStateChecks: []statecheck.StateCheck{
			echoIs("echo.api", "header", bearerOf(srv)),
			echoIs("echo.api", "expires_in", knownvalue.Int64Exact(7200)),
			echoString("echo.api", "expires_at", "2026-11-22T14:00:00Z"),
			echoString("echo.api", "scope", "read write"),
			echoString("echo.api", "method", "client_secret_basic"),
		},
	}})
}

// A saved plan applied later gets a fresh token; the token reaches a
// provisioner's environment; neither the state, nor the saved plan, nor the
// output holds the token or the secret; each token is revoked on close.
func TestAccEphemeralTokenNeverStored(t *testing.T) {
	t.Parallel()
	srv := startServer(t, authserver.Options{IssuerPath: "/identity"})
	tokenFile := seenFile(t)
	c := newCLI(t, "1.10.0", fmt.Sprintf(`
variable "client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}
ephemeral "clientcreds_token" "t" {
  issuer          = %q
  client_id       = "client-1"
  client_secret   = var.client_secret
  revoke_on_close = true
}
`, srv.Issuer)+execHCL(`printf %s "$TOKEN" > "$OUT"`, tokenFile, map[string]string{"TOKEN": "ephemeral.clientcreds_token.t.access_token"}))
	env := []string{"TF_VAR_client_secret=" + testSecret}
	out := c.run(env, "plan", "-input=false", "-no-color", "-out=tfplan")
	planJSON := c.run(nil, "show", "-json", "tfplan")
	planTokens := srv.IssuedTokens()
	if len(planTokens) != 1 {
		t.Fatalf("plan minted %d tokens; want 1", len(planTokens))
	}
	out += c.run(env, "apply", "-input=false", "-no-color", "tfplan")
	state := c.read("terraform.tfstate")

	tokens := srv.IssuedTokens()
	if len(tokens) != 2 {
		t.Fatalf("plan and apply minted %d tokens; want 2 (one each)", len(tokens))
	}
	seen := readSeen(t, tokenFile)
	if seen != tokens[1] {
		t.Errorf("the provisioner saw %d characters that are not the token minted at apply", len(seen))
	}
	if tokens[0] == tokens[1] {
		t.Error("apply reused the plan's token")
	}
	if !strings.Contains(state, `"terraform_data"`) || !strings.Contains(planJSON, `"planned_values"`) {
		t.Fatalf("state or plan JSON not what was expected:\n%s\n%s", state, planJSON)
	}
	secrets := map[string]string{"client secret": testSecret, "plan-time token": tokens[0], "apply-time token": tokens[1]}
	assertAbsent(t, "terraform.tfstate", state, secrets)
	assertAbsent(t, "terraform show -json of the saved plan", planJSON, secrets)
	assertAbsent(t, "the saved plan file", c.read("tfplan"), secrets)
	assertAbsent(t, "terraform output", out, secrets)

	revoked := srv.Revoked()
	for i, tok := range tokens {
		if !slices.Contains(revoked, tok) {
			t.Errorf("token %d was not revoked on close", i+1)
		}
	}
}

// A failed revocation is a warning: the run still succeeds.
func TestAccEphemeralRevocationFailureWarns(t *testing.T) {
	t.Parallel()
	srv := startServer(t, authserver.Options{})
	c := newCLI(t, "1.10.0", client1HCL(`ephemeral "clientcreds_token" "t"`, "token_url", srv.TokenURL(), "revoke_on_close = true",
		fmt.Sprintf("revocation_url = %q", srv.URL+"/no-such-endpoint"))+
		execHCL("true", "", map[string]string{"T": "ephemeral.clientcreds_token.t.access_token"}))
	out := c.run(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if !phrase("Warning: Token Revocation Failed", "HTTP status: 404", "stays valid until it expires").MatchString(out) {
		t.Errorf("no revocation warning in:\n%s", out)
	}
}
