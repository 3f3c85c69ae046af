package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

func TestAccDiscoveryForms(t *testing.T) {
	srv := startServer(t, authserver.Options{IssuerPath: "/identity"})
	other := startServer(t, authserver.Options{IssuerPath: "/tenant", IssuerOverride: "https://login.example.com/{tenantid}/v2.0"})
	accTest(t, []resource.TestStep{
		{
			Config: fmt.Sprintf(`data "clientcreds_oidc_discovery" "d" {
  issuer = %q
}`, other.Issuer),
			ExpectError: phrase("Discovery Failed", "does not match the requested issuer", "skip_issuer_check = true"),
		},
		{
			Config: `data "clientcreds_oidc_discovery" "d" {
  issuer = "http://login.example.com/identity"
}`,
			ExpectError: phrase("Discovery Failed", "plain http://"),
		},
		{
			Config:      `data "clientcreds_oidc_discovery" "d" {}`,
			ExpectError: phrase("At least one attribute out of", "issuer", "discovery_url"),
		},
		{
			Config: fmt.Sprintf(`
data "clientcreds_oidc_discovery" "oidc" {
  issuer = %q
}
data "clientcreds_oidc_discovery" "rfc8414" {
  issuer     = %[1]q
  well_known = "oauth-authorization-server"
}
data "clientcreds_oidc_discovery" "explicit" {
  discovery_url = "%[1]s/.well-known/openid-configuration"
}
data "clientcreds_oidc_discovery" "multi_tenant" {
  issuer            = %q
  skip_issuer_check = true
}`, srv.Issuer, other.Issuer),
			ConfigStateChecks: []statecheck.StateCheck{
				stateString("data.clientcreds_oidc_discovery.oidc", "token_endpoint", srv.TokenURL()),
				stateIs("data.clientcreds_oidc_discovery.oidc", "token_endpoint_auth_methods_supported", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("client_secret_basic"), knownvalue.StringExact("client_secret_post")})),
				stateIs("data.clientcreds_oidc_discovery.oidc", "raw_json", knownvalue.StringRegexp(phrase(`"grant_types_supported":["client_credentials"]`))),
				stateString("data.clientcreds_oidc_discovery.rfc8414", "token_endpoint", srv.TokenURL()),
				stateString("data.clientcreds_oidc_discovery.explicit", "issuer", srv.Issuer),
				stateString("data.clientcreds_oidc_discovery.multi_tenant", "token_endpoint", other.TokenURL()),
			},
		},
	})
}

// The ephemeral discovery resource exposes the same fields as the data
// source, here handed to another provider, and refuses an impostor's
// document the same way.
func TestAccEphemeralDiscovery(t *testing.T) {
	srv := startServer(t, authserver.Options{IssuerPath: "/identity"})
	ephemeralAccTest(t, []resource.TestStep{
		{
			Config: fmt.Sprintf(`
ephemeral "clientcreds_oidc_discovery" "d" {
  issuer = %q
}
provider "echo" {
  data = {
    token_endpoint      = ephemeral.clientcreds_oidc_discovery.d.token_endpoint
    revocation_endpoint = ephemeral.clientcreds_oidc_discovery.d.revocation_endpoint
    issuer              = ephemeral.clientcreds_oidc_discovery.d.issuer
    grant_types         = ephemeral.clientcreds_oidc_discovery.d.grant_types_supported
  }
}
resource "echo" "md" {}
`, srv.Issuer),
			ConfigStateChecks: []statecheck.StateCheck{
				echoString("echo.md", "token_endpoint", srv.TokenURL()),
				echoString("echo.md", "revocation_endpoint", srv.Issuer+"/revoke"),
				echoString("echo.md", "issuer", srv.Issuer),
				echoIs("echo.md", "grant_types", knownvalue.ListPartial(map[int]knownvalue.Check{0: knownvalue.StringExact("client_credentials")})),
			},
		},
		{
			Config: fmt.Sprintf(`
ephemeral "clientcreds_oidc_discovery" "d" {
  issuer        = "%s/other"
  discovery_url = "%s/.well-known/openid-configuration"
}`, srv.Issuer, srv.Issuer),
			ExpectError: phrase("Discovery Failed", "does not match the requested issuer"),
		},
	})
}

// A discovery server that learned the client secret (which the same provider
// instance read from client_secret_env for an earlier token request) echoes
// it in a standard URL field, a list, an alias and an extra member: the
// state, the saved plan and raw_json hold it nowhere, the clean fields are
// kept, and one warning names the fields that changed.
func TestAccDiscoveryEchoingALearnedSecretNeverReachesState(t *testing.T) {
	t.Parallel()
	const secret = "Disc-Env-Zq7+4Yu/3Hj-Pa9Sd5"
	tokens := startServer(t, authserver.Options{Clients: map[string]string{"client-1": secret}})
	var disc *httptest.Server
	disc = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                disc.URL,
			"token_endpoint":                        disc.URL + "/token",
			"jwks_uri":                              disc.URL + "/jwks?seen=" + url.QueryEscape(secret),
			"scopes_supported":                      []string{"openid", "echo:" + secret},
			"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
			"mtls_endpoint_aliases":                 map[string]string{"token_endpoint": "https://mtls.example/" + url.PathEscape(secret)},
			"x_last_client_secret":                  secret,
			"x_debug":                               map[string]any{"body": "client_secret=" + url.QueryEscape(secret)},
		})
	}))
	t.Cleanup(disc.Close)
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
data "clientcreds_token" "t" {
  token_url         = %q
  client_id         = "client-1"
  client_secret_env = "DISC_ECHO_SECRET"
  auth_method       = "client_secret_post"
}
data "clientcreds_oidc_discovery" "d" {
  discovery_url = "%s/.well-known/openid-configuration"
  depends_on    = [data.clientcreds_token.t]
}
output "raw_json" {
  value = data.clientcreds_oidc_discovery.d.raw_json
}
output "token_endpoint" {
  value = data.clientcreds_oidc_discovery.d.token_endpoint
}
output "jwks_uri" {
  value = data.clientcreds_oidc_discovery.d.jwks_uri
}
`, tokens.TokenURL(), disc.URL))
	env := []string{"DISC_ECHO_SECRET=" + secret}
	planOut, planJSON, applyOut := c.planApply(env)
	out := planOut + applyOut
	state := c.read("terraform.tfstate")
	secrets := map[string]string{"client secret": secret}
	assertAbsent(t, "terraform.tfstate", state, secrets)
	assertAbsent(t, "terraform show -json of the saved plan", planJSON, secrets)
	assertAbsent(t, "the screen", out, secrets)

	if !phrase("Discovery Document Sanitised").MatchString(out) {
		t.Errorf("no warning says the document was sanitised:\n%s", out)
	}
	for _, f := range []string{"jwks_uri", "scopes_supported", "mtls_endpoint_aliases", "x_last_client_secret", "x_debug"} {
		if !phrase("in:", f).MatchString(out) {
			t.Errorf("the warning does not name %s:\n%s", f, out)
		}
	}
	var outputs map[string]struct{ Value any }
	must(t, json.Unmarshal([]byte(c.run(nil, "output", "-json")), &outputs))
	if got := outputs["token_endpoint"].Value; got != disc.URL+"/token" {
		t.Errorf("token_endpoint = %v, want the clean URL kept", got)
	}
	if got := outputs["jwks_uri"].Value; got != nil {
		t.Errorf("jwks_uri = %v, want null: it held the secret", got)
	}
	raw, _ := outputs["raw_json"].Value.(string)
	var doc map[string]any
	must(t, json.Unmarshal([]byte(raw), &doc))
	if doc["x_last_client_secret"] != "[redacted]" || doc["token_endpoint"] != disc.URL+"/token" {
		t.Errorf("raw_json is not the sanitised document: %s", raw)
	}
}
