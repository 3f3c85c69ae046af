package provider

import (
	"crypto"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

func rsaKeyPEM(t *testing.T) (crypto.PublicKey, string) {
	t.Helper()
	k := testpki.RSA(t, 2048)
	return &k.PublicKey, string(testpki.PKCS8PEM(k))
}

// A Google service-account key in an environment variable: four lines of
// configuration, a token whose scopes the assertion carried, and neither
// the key file nor its private key in the state, the saved plan or the
// output.
func TestAccJWTBearerGoogleServiceAccountKey(t *testing.T) {
	t.Parallel()
	pub, keyPEM := rsaKeyPEM(t)
	const email = "deployer@project-1.iam.gserviceaccount.com"
	srv := startServer(t, authserver.Options{Now: time.Now, JWTBearer: &authserver.JWTBearer{Google: true, Keys: map[string]crypto.PublicKey{email: pub}}})
	saKey, err := json.Marshal(map[string]string{"type": "service_account", "client_email": email, "private_key_id": "kid-1",
		"private_key": keyPEM, "token_uri": srv.TokenURL()})
	must(t, err)
	c := newCLI(t, "1.0.0", `
data "clientcreds_token" "google" {
  grant_type              = "jwt_bearer"
  service_account_key_env = "GOOGLE_SA_KEY"
  scopes                  = ["https://www.googleapis.com/auth/cloud-platform"]
}
output "granted" {
  value = [data.clientcreds_token.google.expires_in, data.clientcreds_token.google.auth_method]
}
`)
	env := []string{"GOOGLE_SA_KEY=" + string(saKey)}
	planOut, planJSON, applyOut := c.planApply(env)
	out := planOut + applyOut
	if !strings.Contains(out, `3599`) || !strings.Contains(out, `"none"`) {
		t.Errorf("the token or its method is not reported:\n%s", out)
	}
	r := srv.TokenRequests()[0]
	if r.Error != "" || r.Grant == nil || r.Grant.Scope != "https://www.googleapis.com/auth/cloud-platform" || r.Grant.Kid != "kid-1" {
		t.Errorf("the server saw %+v (%s)", r.Grant, r.Error)
	}
	secrets := map[string]string{"service-account key": string(saKey), "private key": keyPEM,
		"private key's second line": strings.Split(keyPEM, "\n")[1]}
	assertAbsent(t, "terraform.tfstate", c.read("terraform.tfstate"), secrets)
	assertAbsent(t, "terraform show -json of the saved plan", planJSON, secrets)
	assertAbsent(t, "terraform output", out, secrets)
}

// Salesforce's JWT bearer flow as an ephemeral resource: the consumer key
// as issuer, the user as subject, an answer without expires_in whose
// instance_url reaches another provider's configuration.
func TestAccJWTBearerSalesforceEphemeral(t *testing.T) {
	pub, keyPEM := rsaKeyPEM(t)
	srv := startServer(t, authserver.Options{JWTBearer: &authserver.JWTBearer{Salesforce: true,
		Keys: map[string]crypto.PublicKey{"3MVG9consumer": pub}, Subjects: []string{"ci@example.com"}}})
	ephemeralAccTest(t, []resource.TestStep{{
		Config: fmt.Sprintf(`
ephemeral "clientcreds_token" "sf" {
  token_url          = %q
  grant_type         = "jwt_bearer"
  assertion_issuer   = "3MVG9consumer"
  assertion_subject  = "ci@example.com"
  assertion_audience = %q
  private_key_pem    = %q
}
provider "echo" {
  data = {
    instance_url = ephemeral.clientcreds_token.sf.instance_url
    expires_in   = ephemeral.clientcreds_token.sf.expires_in
  }
}
resource "echo" "api" {}
`, srv.TokenURL(), srv.TokenURL(), keyPEM),
		ConfigStateChecks: []statecheck.StateCheck{
			echoString("echo.api", "instance_url", srv.URL+"/salesforce"),
			echoIs("echo.api", "expires_in", knownvalue.Null()),
		},
	}})
	for _, r := range srv.TokenRequests() {
		if r.Error != "" || r.Grant == nil || r.Grant.Subject != "ci@example.com" {
			t.Errorf("the server refused or misread the grant: %+v (%s)", r.Grant, r.Error)
		}
	}
}

// What the grant needs is checked at terraform validate, on the argument
// to change.
func TestValidateJWTBearerGrant(t *testing.T) {
	_, keyPEM := rsaKeyPEM(t)
	base := map[string]tftypes.Value{"token_url": str("https://idp.example/token"), "grant_type": str("jwt_bearer")}
	runValidateCases(t, "clientcreds_token", base, []validateCase{
		{"Salesforce-style", map[string]tftypes.Value{"assertion_issuer": str("3MVG9"), "private_key_pem": str(keyPEM)}, "", "", ""},
		{"no key", map[string]tftypes.Value{"assertion_issuer": str("3MVG9")},
			"grant_type", "Invalid JWT Bearer Grant", "The jwt_bearer grant needs a key to sign with"},
		{"no issuer", map[string]tftypes.Value{"private_key_pem": str(keyPEM)},
			"assertion_issuer", "Invalid JWT Bearer Grant", "needs assertion_issuer"},
		{"reserved claim", map[string]tftypes.Value{"assertion_issuer": str("i"), "private_key_pem": str(keyPEM),
			"assertion_claims": strMap(map[string]string{"aud": "x"})}, "assertion_claims", "Reserved Key", `may not set "aud"`},
		{"key file and service-account key", map[string]tftypes.Value{"private_key_pem": str(keyPEM), "service_account_key_env": str("SA")},
			"service_account_key", "Invalid JWT Bearer Grant", "Set either a service-account key or private_key_pem"},
		{"a subject without the grant", map[string]tftypes.Value{"grant_type": tftypes.NewValue(tftypes.String, nil), "client_id": str("c"),
			"client_secret": str("s"), "assertion_subject": str("ci@example.com")},
			"assertion_subject", "Argument Not Used", "used only by the jwt_bearer grant"},
		{"client_credentials without client_id", map[string]tftypes.Value{"grant_type": str("client_credentials"), "client_secret": str("s")},
			"client_id", "Missing Argument", "The client_id is required"},
	})
}
