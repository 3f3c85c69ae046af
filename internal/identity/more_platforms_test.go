package identity

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// ciEnvironment clears every variable auto and the platforms read, so that
// a test sees only what it sets (the machine running the tests may be a CI
// job itself), and puts an empty directory for fake tools first on PATH.
func ciEnvironment(t *testing.T) string {
	t.Helper()
	for _, k := range []string{"GITHUB_ACTIONS", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "TF_BUILD",
		"SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN", "TFC_WORKLOAD_IDENTITY_TOKEN", "TFC_WORKLOAD_IDENTITY_TOKEN_AZURE", "CIRCLECI",
		"CIRCLE_OIDC_TOKEN_V2", "BUILDKITE", "BUILDKITE_AGENT_ACCESS_TOKEN", "GCE_METADATA_HOST", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
		"MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT", "IDENTITY_SERVER_THUMBPRINT", "SPIFFE_ENDPOINT_SOCKET", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_LAMBDA_FUNCTION_NAME", "CODEBUILD_BUILD_ID"} {
		t.Setenv(k, "")
	}
	bin := t.TempDir()
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
	old := dmiDir
	dmiDir = filepath.Join(bin, "no-dmi")
	t.Cleanup(func() { dmiDir = old })
	return bin
}

func sign(t *testing.T, ci *ciserver.Server, iss, sub, aud string) string {
	t.Helper()
	tok, err := ci.Sign(iss, sub, aud)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// HCP Terraform's variables: the default one, a tagged one, and a token
// that does not carry the audience configured.
func TestHCPTerraform(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	ciEnvironment(t)
	plain := sign(t, ci, ciserver.HCPIssuer, ciserver.HCPSubject, "hcp.workload.identity")
	tagged := sign(t, ci, ciserver.HCPIssuer, ciserver.HCPSubject, "api://AzureADTokenExchange")
	t.Setenv("TFC_WORKLOAD_IDENTITY_TOKEN", plain)
	t.Setenv("TFC_WORKLOAD_IDENTITY_TOKEN_AZURE", tagged)
	c := newClient(t)
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{Platform: HCPTerraform}, plain},
		{Spec{Platform: HCPTerraform, Audience: "hcp.workload.identity"}, plain},
		{Spec{Platform: HCPTerraform, Tag: "AZURE", Audience: "api://AzureADTokenExchange"}, tagged},
	} {
		if tok, err := c.IdentityToken(context.Background(), New(tc.spec)); err != nil || tok != tc.want {
			t.Errorf("%+v: got another token (%v)", tc.spec, err)
		}
	}
	_, err := c.IdentityToken(context.Background(), New(Spec{Platform: HCPTerraform, Audience: "api://AzureADTokenExchange"}))
	mustFail(t, err, "TFC_WORKLOAD_IDENTITY_TOKEN is not for the audience", "TFC_WORKLOAD_IDENTITY_AUDIENCE", "workload_identity_tag")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: HCPTerraform, Tag: "GCP"}))
	mustFail(t, err, "TFC_WORKLOAD_IDENTITY_TOKEN_GCP is not set", "TFC_WORKLOAD_IDENTITY_AUDIENCE_GCP")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: HCPTerraform, Tag: "bad-tag"}))
	mustFail(t, err, "letters, digits and underscores")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: GitHubActions, Tag: "AZURE"}))
	mustFail(t, err, "workload_identity_tag is used only by hcp_terraform")
}

// CircleCI: the job's variable for its own audience, the CLI for another;
// a CLI that is missing or fails says which command ran and what the job
// needs, never what it printed.
func TestCircleCI(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	bin := ciEnvironment(t)
	own := sign(t, ci, ciserver.CircleIssuer, ciserver.CircleSubject, "6f1c2d3e-0000-4000-8000-00000000c1c1")
	t.Setenv("CIRCLE_OIDC_TOKEN_V2", own)
	c := newClient(t)
	if tok, err := c.IdentityToken(context.Background(), New(Spec{Platform: CircleCI})); err != nil || tok != own {
		t.Fatalf("the job's own token was not taken (%v)", err)
	}
	_, err := c.IdentityToken(context.Background(), New(Spec{Platform: CircleCI, Audience: "api://AzureADTokenExchange"}))
	mustFail(t, err, `the command `+"`"+`circleci run oidc get --claims '{"aud":"api://AzureADTokenExchange"}'`+"`"+` could not run`, "not on the PATH", "context")

	other := sign(t, ci, ciserver.CircleIssuer, ciserver.CircleSubject, "api://AzureADTokenExchange")
	must(t, ciserver.FakeCLI(bin, "circleci", other+"\n", "", 0))
	tok, err := c.IdentityToken(context.Background(), New(Spec{Platform: CircleCI, Audience: "api://AzureADTokenExchange"}))
	if err != nil || tok != other {
		t.Fatalf("the CLI's token was not taken (%v)", err)
	}
	if got := ciserver.FakeCLIArgs(bin, "circleci"); strings.Join(got, " ") != `run oidc get --claims {"aud":"api://AzureADTokenExchange"}` {
		t.Errorf("circleci ran with %q", got)
	}

	must(t, ciserver.FakeCLI(bin, "circleci", other, "Error: this job is not allowed OIDC tokens\n", 1))
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: CircleCI, Audience: "x"}))
	msg := failure(t, err, "circleci run oidc get", "exit status 1", "not allowed OIDC tokens", "at least one context").Error()
	if strings.Contains(msg, other) {
		t.Errorf("the error shows the token the CLI printed:\n%s", msg)
	}
}

// Buildkite: the agent's command, with and without an audience; the
// agent's access token never shows in an error.
func TestBuildkite(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	bin := ciEnvironment(t)
	t.Setenv("BUILDKITE_AGENT_ACCESS_TOKEN", ciserver.AgentToken)
	c := newClient(t)
	_, err := c.IdentityToken(context.Background(), New(Spec{Platform: Buildkite, Audience: "aud"}))
	mustFail(t, err, "`buildkite-agent oidc request-token --audience aud` could not run", "Buildkite job")

	tok := sign(t, ci, ciserver.BuildkiteIssuer, ciserver.BuildkiteSubject, "api://AzureADTokenExchange")
	must(t, ciserver.FakeCLI(bin, "buildkite-agent", tok, "", 0))
	for _, tc := range []struct {
		aud  string
		args string
	}{{"api://AzureADTokenExchange", "oidc request-token --audience api://AzureADTokenExchange"}, {"", "oidc request-token"}} {
		got, err := c.IdentityToken(context.Background(), New(Spec{Platform: Buildkite, Audience: tc.aud}))
		if err != nil || got != tok {
			t.Fatalf("the agent's token was not taken (%v)", err)
		}
		if args := strings.Join(ciserver.FakeCLIArgs(bin, "buildkite-agent"), " "); args != tc.args {
			t.Errorf("buildkite-agent ran with %q; want %q", args, tc.args)
		}
	}
	must(t, ciserver.FakeCLI(bin, "buildkite-agent", "", "fatal: failed to get OIDC token: POST https://agent.buildkite.com/v3/jobs/x/oidc/tokens: 403 token "+ciserver.AgentToken+" not allowed\n", 1))
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: Buildkite}))
	msg := failure(t, err, "buildkite-agent oidc request-token", "403").Error()
	if strings.Contains(msg, ciserver.AgentToken) {
		t.Errorf("the error shows the agent's access token:\n%s", msg)
	}
	// Something that is not a token on stdout is refused without quoting it.
	must(t, ciserver.FakeCLI(bin, "buildkite-agent", "not a token at all", "", 0))
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: Buildkite}))
	if msg := failure(t, err, "is not a JWT").Error(); strings.Contains(msg, "not a token at all") {
		t.Errorf("the error quotes the command's output:\n%s", msg)
	}
}

// auto finds each platform by what it sets, in the documented order, and
// with none found lists what it looked for.
func TestAutoDetection(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"github", append(ci.GitHubEnv(), "GITHUB_ACTIONS=true"), "github_actions"},
		{"azure", append(ci.AzureEnv("sc-1"), "TF_BUILD=True"), "azure_pipelines"},
		{"hcp", []string{"TFC_WORKLOAD_IDENTITY_TOKEN=" + sign(t, ci, ciserver.HCPIssuer, ciserver.HCPSubject, "api://AzureADTokenExchange")}, "hcp_terraform"},
		{"circleci", []string{"CIRCLECI=true", "CIRCLE_OIDC_TOKEN_V2=" + sign(t, ci, ciserver.CircleIssuer, ciserver.CircleSubject, "api://AzureADTokenExchange")}, "circleci"},
		{"buildkite", []string{"BUILDKITE=true"}, "buildkite"},
		{"gcp", ci.GCPEnv(), "gcp_metadata"},
		{"github before a cloud VM", append(ci.GitHubEnv(), "GITHUB_ACTIONS=true", ci.GCPEnv()[0]), "github_actions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := ciEnvironment(t)
			testhelp.SetEnv(t, tc.env)
			must(t, ciserver.FakeCLI(bin, "buildkite-agent", sign(t, ci, ciserver.BuildkiteIssuer, ciserver.BuildkiteSubject, "api://AzureADTokenExchange"), "", 0))
			src, err := auto{base{Platform: Auto, Audience: "api://AzureADTokenExchange"}}.detect()
			if err != nil || src.Name() != tc.want {
				t.Fatalf("auto found %v (%v); want %s", src, err, tc.want)
			}
			tok, err := newClient(t).IdentityToken(context.Background(), New(Spec{Platform: Auto, Audience: "api://AzureADTokenExchange"}))
			if err != nil {
				t.Fatal(err)
			}
			if !contains(ci.Issued(), tok) {
				t.Error("auto did not return the platform's token")
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		ciEnvironment(t)
		_, err := newClient(t).IdentityToken(context.Background(), New(Spec{Platform: Auto}))
		mustFail(t, err, `workload_identity "auto" found no platform`, "GITHUB_ACTIONS=true", "TF_BUILD=True", "TFC_WORKLOAD_IDENTITY_TOKEN",
			"CIRCLECI=true", "BUILDKITE=true", "GCE_METADATA_HOST")
	})
	t.Run("found, but the job lacks what it needs", func(t *testing.T) {
		ciEnvironment(t)
		t.Setenv("GITHUB_ACTIONS", "true")
		_, err := newClient(t).IdentityToken(context.Background(), New(Spec{Platform: Auto}))
		mustFail(t, err, `"auto" found github_actions`, "ACTIONS_ID_TOKEN_REQUEST_URL is not set", "id-token: write")
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ oauth.IdentitySource = auto{}
