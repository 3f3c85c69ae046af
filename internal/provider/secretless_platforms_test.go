package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/authserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
)

// clearCIEnv blanks what workload_identity = "auto" looks for, so that a
// test that runs inside a CI job sees only the platform it plays.
var clearCIEnv = []string{"GITHUB_ACTIONS=", "ACTIONS_ID_TOKEN_REQUEST_URL=", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=", "TF_BUILD=",
	"TFC_WORKLOAD_IDENTITY_TOKEN=", "CIRCLECI=", "CIRCLE_OIDC_TOKEN_V2=", "BUILDKITE=", "GCE_METADATA_HOST=",
	"IDENTITY_ENDPOINT=", "IDENTITY_HEADER=", "MSI_ENDPOINT=", "MSI_SECRET=", "IMDS_ENDPOINT=", "SPIFFE_ENDPOINT_SOCKET=",
	"AWS_WEB_IDENTITY_TOKEN_FILE=", "AWS_CONTAINER_CREDENTIALS_FULL_URI=", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=", "AWS_LAMBDA_FUNCTION_NAME=",
	"CODEBUILD_BUILD_ID="}

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
			c := newCLI(t, "1.0.0", fmt.Sprintf(`
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
`, srv.Issuer, tc.client, tc.args))
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
	seen := filepath.Join(t.TempDir(), "seen")
	c := newCLI(t, "1.10.0", fmt.Sprintf(`
ephemeral "clientcreds_workload_identity_token" "aws" {
  workload_identity = "aws"
  audience          = "https://keycloak.example.com/realms/ci"
  signing_algorithm = "ES384"
}
resource "terraform_data" "use" {
  provisioner "local-exec" {
    command     = "printf '%%s %%s' \"$TOKEN\" \"$SUB\" > \"$OUT\""
    environment = {
      OUT   = %q
      TOKEN = ephemeral.clientcreds_workload_identity_token.aws.token
      SUB   = ephemeral.clientcreds_workload_identity_token.aws.subject
    }
  }
}
`, seen))
	c.run(append(append([]string(nil), clearCIEnv...), ci.STSEnv()...), "apply", "-auto-approve", "-input=false", "-no-color")
	reqs := ci.Requests()
	if len(reqs) != 2 || reqs[1].Flavor != "ES384 900" || reqs[1].Audience != "https://keycloak.example.com/realms/ci" {
		t.Fatalf("STS saw %+v; want two requests (plan, apply) for ES384, 900 s and the audience", reqs)
	}
	b, err := os.ReadFile(seen)
	must(t, err)
	issued := ci.Issued()
	if got := strings.Fields(string(b)); len(got) != 2 || got[0] != issued[1] || got[1] != ciserver.AWSSubject {
		t.Errorf("the provisioner did not get the apply-time token and subject %s", ciserver.AWSSubject)
	}
	assertAbsent(t, "terraform.tfstate", c.read("terraform.tfstate"), map[string]string{"plan's token": issued[0], "apply's token": issued[1],
		"AWS secret key": ciserver.AWSSecretKey})
}
