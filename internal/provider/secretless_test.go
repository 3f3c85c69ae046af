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

// federatedHCL is the data source api for clientID at issuer, args its
// further arguments: its token is used by a resource, its auth_method an
// output.
func federatedHCL(issuer, clientID string, args ...string) string {
	return fmt.Sprintf(`
data "clientcreds_token" "api" {
  issuer    = %q
  client_id = %q
  %s
}
resource "terraform_data" "uses" {
  input = sha256(data.clientcreds_token.api.access_token)
}
output "auth_method" {
  value = data.clientcreds_token.api.auth_method
}
`, issuer, clientID, strings.Join(args, "\n  "))
}

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
	c := newCLI(t, "1.0.0", federatedHCL(srv.Issuer, "app-1", `workload_identity = "github_actions"`, `workload_identity_audience = "api://AzureADTokenExchange"`))
	trace := newTraceLog(t)
	env := trace.env(ci.GitHubEnv()...)
	planOut, planJSON, applyOut := c.planApply(env)
	out := planOut + applyOut
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
	_, planJSON, _ := c.planApply(env)
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
	seen := seenFile(t)
	c := newCLI(t, "1.10.0", `
ephemeral "clientcreds_workload_identity_token" "ci" {
  workload_identity = "azure_pipelines"
}
`+execHCL(`printf '%s %s %s' "$TOKEN" "$SUB" "$ISS" > "$OUT"`, seen, map[string]string{
		"TOKEN": "ephemeral.clientcreds_workload_identity_token.ci.token", "SUB": "ephemeral.clientcreds_workload_identity_token.ci.subject",
		"ISS": "ephemeral.clientcreds_workload_identity_token.ci.issuer"}))
	c.run(ci.AzureEnv("sc-prod"), "apply", "-auto-approve", "-input=false", "-no-color")
	issued := ci.Issued()
	if len(issued) != 2 {
		t.Fatalf("%d identity tokens for plan and apply; want 2", len(issued))
	}
	got := strings.Fields(readSeen(t, seen))
	want := []string{issued[1], ciserver.AzureSubject("sc-prod"), ciserver.AzureIssuer}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("the provisioner saw %d fields; want the apply-time token, subject %s and issuer %s", len(got), want[1], want[2])
	}
	assertAbsent(t, "terraform.tfstate", c.read("terraform.tfstate"), map[string]string{"plan's identity token": issued[0],
		"apply's identity token": issued[1], "system access token": ciserver.SystemToken})
}

// clearCIEnv blanks what workload_identity = "auto" and the platforms read,
// so that a test that runs inside a CI job sees only the platform it plays.
var clearCIEnv = func() []string {
	out := make([]string, len(ciserver.PlatformVariables))
	for i, k := range ciserver.PlatformVariables {
		out[i] = k + "="
	}
	return out
}()

// HCP Terraform, CircleCI and Buildkite jobs, an App Service app's managed
// identity, a SPIFFE workload, an AWS role (STS checking SigV4), and auto in
// one of them, each
// with no secret: the provider takes the platform's token (a variable, or a
// fake of the platform's command line tool on the PATH) to a token endpoint
// that verifies it against the platform's keys (issuer, subject, audience,
// signature). No token, nor the Buildkite agent's access token or the
// managed identity header, reaches the saved plan, the output or a trace log.
func TestAccWorkloadIdentityMorePlatforms(t *testing.T) {
	t.Parallel()
	ci := startCI(t)
	const aud = "api://AzureADTokenExchange"
	fed := func(iss, sub string) authserver.Federation {
		return authserver.Federation{Issuer: iss, Subject: sub, Audience: aud, JWKSURL: ci.JWKSURL()}
	}
	mintFor := func(iss, sub, aud string) string {
		tok, err := ci.Sign(iss, sub, aud)
		must(t, err)
		return tok
	}
	mint := func(iss, sub string) string { return mintFor(iss, sub, aud) }
	api, err := ci.StartWorkloadAPI()
	must(t, err)
	t.Cleanup(api.Close)
	srv := startServer(t, authserver.Options{IssuerPath: "/identity", AuthMethods: []string{"client_assertion"}, Now: time.Now,
		Federated: map[string]authserver.Federation{
			"hcp-app":       fed(ciserver.HCPIssuer, ciserver.HCPSubject),
			"circle-app":    fed(ciserver.CircleIssuer, ciserver.CircleSubject),
			"buildkite-app": fed(ciserver.BuildkiteIssuer, ciserver.BuildkiteSubject),
			"mi-app":        fed(ciserver.ManagedIdentityIssuer, ciserver.ManagedIdentitySubject),
			"spiffe-app":    fed(ciserver.SPIFFEIssuer, ciserver.SPIFFEID),
			"aws-app":       fed(ciserver.AWSIssuer, ciserver.AWSSubject),
		}})
	for _, tc := range []struct {
		name, client, args string
		env                func(bin string) []string
		tool               string // the fake command line tool's name, and the arguments it must see
		toolArgs           string
	}{
		{"hcp_terraform", "hcp-app", "workload_identity = \"hcp_terraform\"\n  workload_identity_tag = \"AZURE\"",
			func(string) []string {
				return []string{"TFC_WORKLOAD_IDENTITY_TOKEN=" + mintFor(ciserver.HCPIssuer, ciserver.HCPSubject, "hcp.workload.identity"),
					"TFC_WORKLOAD_IDENTITY_TOKEN_AZURE=" + mint(ciserver.HCPIssuer, ciserver.HCPSubject)}
			}, "", ""},
		{"circleci", "circle-app", "workload_identity = \"circleci\"\n  workload_identity_audience = \"" + aud + "\"",
			func(bin string) []string {
				must(t, ciserver.FakeCLI(bin, "circleci", mint(ciserver.CircleIssuer, ciserver.CircleSubject)+"\n", "", 0))
				return []string{"CIRCLECI=true", "CIRCLE_OIDC_TOKEN_V2=" + mintFor(ciserver.CircleIssuer, ciserver.CircleSubject, "6f1c2d3e-0000-4000-8000-00000000c1c1")}
			}, "circleci", `run oidc get --claims {"aud":"` + aud + `"}`},
		{"buildkite", "buildkite-app", "workload_identity = \"buildkite\"\n  workload_identity_audience = \"" + aud + "\"",
			func(bin string) []string {
				must(t, ciserver.FakeCLI(bin, "buildkite-agent", mint(ciserver.BuildkiteIssuer, ciserver.BuildkiteSubject), "", 0))
				return []string{"BUILDKITE=true", "BUILDKITE_AGENT_ACCESS_TOKEN=" + ciserver.AgentToken}
			}, "buildkite-agent", "oidc request-token --audience " + aud},
		{"azure_managed_identity", "mi-app", "workload_identity = \"azure_managed_identity\"\n  workload_identity_client_id = \"8c2f0000-0000-4000-8000-0000000000u1\"",
			func(string) []string { return ci.AppServiceEnv() }, "", ""},
		{"spiffe", "spiffe-app", "workload_identity = \"spiffe\"\n  workload_identity_audience = \"" + aud + "\"",
			func(string) []string { return []string{"SPIFFE_ENDPOINT_SOCKET=" + api.Addr} }, "", ""},
		{"aws", "aws-app", "workload_identity = \"aws\"\n  workload_identity_audience = \"" + aud + "\"\n  workload_identity_signing_algorithm = \"RS256\"",
			func(string) []string { return ci.STSEnv() }, "", ""},
		{"auto, in a Buildkite job", "buildkite-app", "workload_identity = \"auto\"\n  workload_identity_audience = \"" + aud + "\"",
			func(bin string) []string {
				must(t, ciserver.FakeCLI(bin, "buildkite-agent", mint(ciserver.BuildkiteIssuer, ciserver.BuildkiteSubject), "", 0))
				return []string{"BUILDKITE=true", "BUILDKITE_AGENT_ACCESS_TOKEN=" + ciserver.AgentToken}
			}, "buildkite-agent", "oidc request-token --audience " + aud},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			c := newCLI(t, "1.0.0", federatedHCL(srv.Issuer, tc.client, tc.args))
			trace := newTraceLog(t)
			env := trace.env(append(append(append([]string(nil), clearCIEnv...), tc.env(bin)...), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))...)
			before := len(srv.TokenRequests())
			out := c.run(env, "plan", "-input=false", "-no-color", "-out=tfplan")
			planJSON := c.run(nil, "show", "-json", "tfplan")
			reqs := srv.TokenRequests()[before:]
			if len(reqs) != 1 {
				t.Fatalf("%d token requests; want 1", len(reqs))
			}
			if r := reqs[0]; r.Error != "" || r.AuthMethod != "client_assertion" || r.ClientID != tc.client {
				t.Fatalf("the token endpoint saw %s for %s (%s); want a verified federated assertion", r.AuthMethod, r.ClientID, r.Error)
			}
			if !strings.Contains(out, `auth_method = "client_assertion"`) {
				t.Errorf("auth_method not reported:\n%s", out)
			}
			if tc.tool != "" {
				if got := strings.Join(ciserver.FakeCLIArgs(bin, tc.tool), " "); got != tc.toolArgs {
					t.Errorf("%s ran with %q; want %q", tc.tool, got, tc.toolArgs)
				}
			}
			logText := trace.text()
			secrets := map[string]string{"Buildkite agent token": ciserver.AgentToken, "managed identity header": ciserver.IdentityHeader,
				"AWS secret key": ciserver.AWSSecretKey}
			for i, tok := range ci.Issued() {
				secrets[fmt.Sprintf("identity token %d", i+1)] = tok
			}
			assertAbsent(t, "terraform show -json of the saved plan", planJSON, secrets)
			assertAbsent(t, "the saved plan file", c.read("tfplan"), secrets)
			assertAbsent(t, "the trace log", string(logText), secrets)
			assertAbsent(t, "terraform output", out, secrets)
		})
	}
}

// The errors a job sees through Terraform: a tool that is not there names
// the command and what the job must enable; auto with no platform lists
// what it looked for.
func TestAccWorkloadIdentityPlatformErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, args string
		env        []string
		want       []string
	}{
		{"buildkite without its agent", `workload_identity = "buildkite"`, []string{"BUILDKITE=true"},
			[]string{"buildkite-agent oidc request-token", "could not run", "Buildkite job"}},
		{"auto with no platform", `workload_identity = "auto"`, nil,
			[]string{`"auto" found no platform`, "GITHUB_ACTIONS=true", "BUILDKITE=true", "TFC_WORKLOAD_IDENTITY_TOKEN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t, "1.0.0", fmt.Sprintf(`
data "clientcreds_token" "api" {
  token_url = "https://idp.example/token"
  client_id = "app"
  %s
}
`, tc.args))
			env := append(append(append([]string(nil), clearCIEnv...), tc.env...), "PATH="+t.TempDir())
			out := strings.Join(strings.Fields(c.runFail(env, "plan", "-input=false", "-no-color")), " ")
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the plan's error does not say %q:\n%s", w, out)
				}
			}
		})
	}
}

// The identity-token resource with a platform whose lifetime the caller
// chooses: STS is asked for 15 minutes and the algorithm given, and the
// token reaches the provisioner, not the state.
func TestAccWorkloadIdentityTokenEphemeralAWS(t *testing.T) {
	t.Parallel()
	ci := startCI(t)
	seen := seenFile(t)
	c := newCLI(t, "1.10.0", `
ephemeral "clientcreds_workload_identity_token" "aws" {
  workload_identity = "aws"
  audience          = "https://keycloak.example.com/realms/ci"
  signing_algorithm = "ES384"
}
`+execHCL(`printf '%s %s' "$TOKEN" "$SUB" > "$OUT"`, seen, map[string]string{
		"TOKEN": "ephemeral.clientcreds_workload_identity_token.aws.token", "SUB": "ephemeral.clientcreds_workload_identity_token.aws.subject"}))
	c.run(append(append([]string(nil), clearCIEnv...), ci.STSEnv()...), "apply", "-auto-approve", "-input=false", "-no-color")
	reqs := ci.Requests()
	if len(reqs) != 2 || reqs[1].Flavor != "ES384 900" || reqs[1].Audience != "https://keycloak.example.com/realms/ci" {
		t.Fatalf("STS saw %+v; want two requests (plan, apply) for ES384, 900 s and the audience", reqs)
	}
	issued := ci.Issued()
	if got := strings.Fields(readSeen(t, seen)); len(got) != 2 || got[0] != issued[1] || got[1] != ciserver.AWSSubject {
		t.Errorf("the provisioner did not get the apply-time token and subject %s", ciserver.AWSSubject)
	}
	assertAbsent(t, "terraform.tfstate", c.read("terraform.tfstate"), map[string]string{"plan's token": issued[0], "apply's token": issued[1],
		"AWS secret key": ciserver.AWSSecretKey})
}
