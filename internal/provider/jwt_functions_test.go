package provider

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
)

// jwt_claims and jwt_header read a token from the data source: a check block
// asserts its lifetime and a claim, outputs expose aud, the scopes as a list,
// numbers as numbers and the header's typ. The result keeps the token's
// sensitivity: an output of it must say sensitive = true.
func TestAccJWTFunctionsOnDataSource(t *testing.T) {
	srv := startServer(t, authserver.Options{JWTAccessTokens: true, ExpiresIn: 7200})
	token := client1HCL(`data "clientcreds_token" "t"`, "token_url", srv.TokenURL(), `scopes = ["read", "write"]`, `audience = "api://orders"`) + `
locals {
  claims = provider::clientcreds::jwt_claims(data.clientcreds_token.t.access_token)
}
`
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: factories(),
		Steps: []resource.TestStep{
			{
				Config: token + `
check "token_lifetime_and_audience" {
  assert {
    condition     = local.claims.exp - local.claims.iat >= 3600 && contains(flatten([local.claims.aud]), "api://orders")
    error_message = "the token lives under an hour or is for another API"
  }
}
output "aud" {
  value = nonsensitive(local.claims.aud)
}
output "scp" {
  value = nonsensitive(local.claims.scp)
}
output "lifetime" {
  value = nonsensitive(local.claims.exp - local.claims.iat)
}
output "sub" {
  value = nonsensitive(local.claims.sub)
}
output "typ" {
  value = nonsensitive(provider::clientcreds::jwt_header(data.clientcreds_token.t.access_token).typ)
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("aud", knownvalue.StringExact("api://orders")), // one audience: a string, as most servers write it
					statecheck.ExpectKnownOutputValue("scp", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("read"), knownvalue.StringExact("write")})),
					statecheck.ExpectKnownOutputValue("lifetime", knownvalue.NumberExact(big.NewFloat(7200))),
					statecheck.ExpectKnownOutputValue("sub", knownvalue.StringExact("client-1")),
					statecheck.ExpectKnownOutputValue("typ", knownvalue.StringExact("at+jwt")),
				},
			},
			{
				Config:      token + "output \"leak\" {\n  value = local.claims.sub\n}\n",
				ExpectError: regexp.MustCompile(`Output refers to sensitive values`),
			},
			{
				// A server-made token nesting arrays 1,600 deep took 27.7 s
				// of plan; it is refused at once.
				Config: fmt.Sprintf(`
output "claims" {
  value = provider::clientcreds::jwt_claims(%q)
}`, deepToken(1600)),
				ExpectError: phrase("The token's payload nests arrays or objects 1601 levels deep; at most 32 are read."),
			},
			{
				Config: `
variable "opaque" {
  type      = string
  sensitive = true
  default   = "opaque-token-Zq7xY2wV9uT4sR1p"
}
output "claims" {
  value     = provider::clientcreds::jwt_claims(var.opaque)
  sensitive = true
}`,
				ExpectError: phrase("The token is not a JWT: a JWT has three base64url segments"),
			},
		},
	})
}

// deepToken is an unsigned JWT whose claim nests arrays n deep.
func deepToken(n int) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"a":`+strings.Repeat("[", n)+strings.Repeat("]", n)+`}`)) + "."
}

// An ephemeral token can be read too, and the claims reach another
// provider's configuration.
func TestAccJWTFunctionsOnEphemeralToken(t *testing.T) {
	srv := startServer(t, authserver.Options{JWTAccessTokens: true})
	ephemeralAccTest(t, []resource.TestStep{{
		Config: client1HCL(`ephemeral "clientcreds_token" "t"`, "token_url", srv.TokenURL()) + `
provider "echo" {
  data = {
    sub = provider::clientcreds::jwt_claims(ephemeral.clientcreds_token.t.access_token).sub
    alg = provider::clientcreds::jwt_header(ephemeral.clientcreds_token.t.access_token).alg
  }
}
resource "echo" "claims" {}
`,
		ConfigStateChecks: []statecheck.StateCheck{
			echoString("echo.claims", "sub", "client-1"),
			echoString("echo.claims", "alg", "HS256"),
		},
	}})
}
