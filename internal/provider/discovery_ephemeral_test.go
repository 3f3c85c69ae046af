package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

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
				statecheck.ExpectKnownValue("echo.md", tfjsonpath.New("data").AtMapKey("token_endpoint"), knownvalue.StringExact(srv.TokenURL())),
				statecheck.ExpectKnownValue("echo.md", tfjsonpath.New("data").AtMapKey("revocation_endpoint"), knownvalue.StringExact(srv.Issuer+"/revoke")),
				statecheck.ExpectKnownValue("echo.md", tfjsonpath.New("data").AtMapKey("issuer"), knownvalue.StringExact(srv.Issuer)),
				statecheck.ExpectKnownValue("echo.md", tfjsonpath.New("data").AtMapKey("grant_types"),
					knownvalue.ListPartial(map[int]knownvalue.Check{0: knownvalue.StringExact("client_credentials")})),
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
