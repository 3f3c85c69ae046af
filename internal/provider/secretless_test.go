package provider

import (
	"crypto"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

func startCI(t *testing.T) *ciserver.Server { return ciserver.StartT(t, ciserver.Options{}) }

// A GitHub Actions job with id-token: write and no secret at all: the data
// source fetches the job's identity token and a token endpoint that checks
// it against GitHub's published keys (issuer, subject, audience, signature)
// issues the access token. Neither the identity token nor the job's request
// token appears in the state, the saved plan or a trace log.
func TestAccWorkloadIdentityGitHubActions(t *testing.T) {
	t.Parallel()
	ci := startCI(t)
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", AuthMethods: []string{"client_assertion"}, Now: time.Now,
		Federated: map[string]authserver.Federation{"app-1": {Issuer: ciserver.GitHubIssuer, Subject: ciserver.GitHubSubject,
			Audience: "api://AzureADTokenExchange", JWKSURL: ci.JWKSURL()}}})
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
data "clientcreds_token" "api" {
  issuer                     = %q
  client_id                  = "app-1"
  workload_identity          = "github_actions"
  workload_identity_audience = "api://AzureADTokenExchange"
}
resource "terraform_data" "uses" {
  input = sha256(data.clientcreds_token.api.access_token)
}
output "auth_method" {
  value = data.clientcreds_token.api.auth_method
}
`, srv.Issuer))
	trace := newTraceLog(t)
	env := trace.env(ci.GitHubEnv()...)
	out := c.run(env, "plan", "-input=false", "-no-color", "-out=tfplan")
	planJSON := c.run(nil, "show", "-json", "tfplan")
	out += c.run(env, "apply", "-input=false", "-no-color", "tfplan")
	for _, r := range srv.TokenRequests() {
		if r.Error != "" || r.AuthMethod != "client_assertion" || r.Assertion == nil || r.Assertion.Claims.Subject != ciserver.GitHubSubject {
			t.Fatalf("the token endpoint saw %s (%s); want a verified federated assertion", r.AuthMethod, r.Error)
		}
	}
	if !strings.Contains(out, `auth_method = "client_assertion"`) {
		t.Errorf("auth_method not reported:\n%s", out)
	}
	if n := len(ci.Requests()); n != 1 {
		t.Errorf("%d identity token requests for one plan and apply; want 1 (the data source is read once, at plan)", n)
	}
	logText := trace.text()
	secrets := map[string]string{"request token": ciserver.RequestToken}
	for i, tok := range ci.Issued() {
		secrets[fmt.Sprintf("identity token %d", i+1)] = tok
	}
	assertAbsent(t, "terraform.tfstate", c.read("terraform.tfstate"), secrets)
	assertAbsent(t, "terraform show -json of the saved plan", planJSON, secrets)
	assertAbsent(t, "the saved plan file", c.read("tfplan"), secrets)
	assertAbsent(t, "the trace log", string(logText), secrets)
	assertAbsent(t, "terraform output", out, secrets)
	t.Logf("trace log: %d bytes, checked for the request token and %d identity tokens", len(logText), len(ci.Issued()))
}

// The data source with every secret in its _env or _file form: the state,
// the saved plan and the trace log hold the variables' and files' names,
// never the secrets.
func TestAccSecretFormsStayOutOfStateAndPlan(t *testing.T) {
	t.Parallel()
	key, keyPEM := testpki.ECKey(t)
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", Now: time.Now, // the provider binary's clock is the real one
		AuthMethods: []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
		Clients:     map[string]string{"client-1": testSecret, "client-2": testSecret + "-2"},
		ClientKeys:  map[string]crypto.PublicKey{"jwt-client": key.Public()}})
	secretFile := filepath.Join(t.TempDir(), "client-2-secret")
	must(t, os.WriteFile(secretFile, []byte(testSecret+"-2\n"), 0o600))
	c := newCLI(t, "1.0.0", fmt.Sprintf(`
data "clientcreds_token" "from_env" {
  issuer            = %[1]q
  client_id         = "client-1"
  client_secret_env = "CLIENT_1_SECRET"
}
data "clientcreds_token" "from_file" {
  issuer             = %[1]q
  client_id          = "client-2"
  client_secret_file = %[2]q
}
data "clientcreds_token" "key_from_env" {
  issuer            = %[1]q
  client_id         = "jwt-client"
  private_key_env   = "JWT_CLIENT_KEY"
  signing_algorithm = "ES256"
}
resource "terraform_data" "uses" {
  input = [for t in [data.clientcreds_token.from_env, data.clientcreds_token.from_file, data.clientcreds_token.key_from_env] : sha256(t.access_token)]
}
`, srv.Issuer, secretFile))
	trace := newTraceLog(t)
	env := trace.env("CLIENT_1_SECRET="+testSecret, "JWT_CLIENT_KEY="+string(keyPEM))
	c.run(env, "plan", "-input=false", "-no-color", "-out=tfplan")
	planJSON := c.run(nil, "show", "-json", "tfplan")
	c.run(env, "apply", "-input=false", "-no-color", "tfplan")
	for _, r := range srv.TokenRequests() {
		if r.Error != "" {
			t.Fatalf("%s was refused: %s", r.ClientID, r.Error)
		}
	}
	state := c.read("terraform.tfstate")
	if !strings.Contains(state, `"client_secret_env": "CLIENT_1_SECRET"`) || !strings.Contains(state, "client-2-secret") {
		t.Fatalf("the state does not name the variable and the file:\n%s", state)
	}
	logText := trace.text()
	secrets := map[string]string{"client-1 secret": testSecret, "client-2 secret": testSecret + "-2",
		"private key": strings.Split(string(keyPEM), "\n")[1]}
	assertAbsent(t, "terraform.tfstate", state, secrets)
	assertAbsent(t, "terraform show -json of the saved plan", planJSON, secrets)
	assertAbsent(t, "the saved plan file", c.read("tfplan"), secrets)
	assertAbsent(t, "the trace log", string(logText), secrets)
}

// The ephemeral identity token: handed to a provisioner as a tool would
// take it, with subject and issuer read from it, and never stored.
func TestAccWorkloadIdentityTokenEphemeral(t *testing.T) {
	t.Parallel()
	ci := startCI(t)
	seen := filepath.Join(t.TempDir(), "seen")
	c := newCLI(t, "1.10.0", fmt.Sprintf(`
ephemeral "clientcreds_workload_identity_token" "ci" {
  workload_identity = "azure_pipelines"
}
resource "terraform_data" "use" {
  provisioner "local-exec" {
    command     = "printf '%%s %%s %%s' \"$TOKEN\" \"$SUB\" \"$ISS\" > \"$OUT\""
    environment = {
      OUT   = %q
      TOKEN = ephemeral.clientcreds_workload_identity_token.ci.token
      SUB   = ephemeral.clientcreds_workload_identity_token.ci.subject
      ISS   = ephemeral.clientcreds_workload_identity_token.ci.issuer
    }
  }
}
`, seen))
	c.run(ci.AzureEnv("sc-prod"), "apply", "-auto-approve", "-input=false", "-no-color")
	issued := ci.Issued()
	if len(issued) != 2 {
		t.Fatalf("%d identity tokens for plan and apply; want 2", len(issued))
	}
	b, err := os.ReadFile(seen)
	must(t, err)
	got := strings.Fields(string(b))
	want := []string{issued[1], ciserver.AzureSubject("sc-prod"), ciserver.AzureIssuer}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("the provisioner saw %d fields; want the apply-time token, subject %s and issuer %s", len(got), want[1], want[2])
	}
	assertAbsent(t, "terraform.tfstate", c.read("terraform.tfstate"), map[string]string{"plan's identity token": issued[0],
		"apply's identity token": issued[1], "system access token": ciserver.SystemToken})
}
