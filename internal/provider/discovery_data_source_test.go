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
				statecheck.ExpectKnownValue("data.clientcreds_oidc_discovery.oidc", tfjsonpath.New("token_endpoint"), knownvalue.StringExact(srv.TokenURL())),
				statecheck.ExpectKnownValue("data.clientcreds_oidc_discovery.oidc", tfjsonpath.New("token_endpoint_auth_methods_supported"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("client_secret_basic"), knownvalue.StringExact("client_secret_post")})),
				statecheck.ExpectKnownValue("data.clientcreds_oidc_discovery.oidc", tfjsonpath.New("raw_json"), knownvalue.StringRegexp(phrase(`"grant_types_supported":["client_credentials"]`))),
				statecheck.ExpectKnownValue("data.clientcreds_oidc_discovery.rfc8414", tfjsonpath.New("token_endpoint"), knownvalue.StringExact(srv.TokenURL())),
				statecheck.ExpectKnownValue("data.clientcreds_oidc_discovery.explicit", tfjsonpath.New("issuer"), knownvalue.StringExact(srv.Issuer)),
				statecheck.ExpectKnownValue("data.clientcreds_oidc_discovery.multi_tenant", tfjsonpath.New("token_endpoint"), knownvalue.StringExact(other.TokenURL())),
			},
		},
	})
}
