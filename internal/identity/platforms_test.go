package identity

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

// ciEnvironment clears every variable auto and the platforms read, so that
// a test sees only what it sets (the machine running the tests may be a CI
// job itself), and puts an empty directory for fake tools first on PATH.
func ciEnvironment(t *testing.T) string {
	t.Helper()
	for _, k := range ciserver.PlatformVariables {
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
			if !slices.Contains(ci.Issued(), tok) {
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

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ oauth.IdentitySource = auto{}

// STS GetWebIdentityToken through the SDK's default chain and
// AWS_ENDPOINT_URL_STS, against an STS that checks the SigV4 signature:
// the audience, algorithm and lifetime asked; a request signed with the
// wrong secret refused without showing it; the arguments checked first.
func TestAWS(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	ciEnvironment(t)
	testhelp.SetEnv(t, ci.STSEnv())
	c := newClient(t)
	for _, tc := range []struct {
		spec   Spec
		flavor string
	}{
		{Spec{Platform: AWS, Audience: "api://AzureADTokenExchange"}, "RS256 60"},
		{Spec{Platform: AWS, Audience: "https://keycloak.example/realms/ci", SigningAlgorithm: AWSES384, Lifetime: 15 * time.Minute}, "ES384 900"},
	} {
		got := fetchOne(t, ci, c, New(tc.spec))
		want := ciserver.Request{Platform: "aws", Method: "POST", Path: "/sts/", Audience: tc.spec.Audience, Flavor: tc.flavor,
			ContentType: "application/x-www-form-urlencoded"}
		if got != want {
			t.Errorf("STS saw %+v\nwant %+v", got, want)
		}
	}

	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-right-secret-key-Qw3")
	_, err := c.IdentityToken(context.Background(), New(Spec{Platform: AWS, Audience: "a"}))
	msg := failure(t, err, "HTTP status: 403", "STS did not issue a web identity token", "SignatureDoesNotMatch", "sts:GetWebIdentityToken").Error()
	if strings.Contains(msg, "not-the-right-secret-key-Qw3") {
		t.Errorf("the error shows the secret key:\n%s", msg)
	}
	t.Setenv("AWS_CA_BUNDLE", "/etc/ssl/corporate.pem")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: AWS, Audience: "a"}))
	mustFail(t, err, "AWS_CA_BUNDLE is set", "ca_cert_file")
	t.Setenv("AWS_CA_BUNDLE", "")
	t.Setenv("AWS_REGION", "")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: AWS, Audience: "a"}))
	mustFail(t, err, "no AWS region", "regional STS endpoints only")

	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: AWS}))
	mustFail(t, err, "needs workload_identity_audience")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: AWS, Audience: "a", SigningAlgorithm: "HS256"}))
	mustFail(t, err, "not one STS offers: use RS256 or ES384")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: GitHubActions, SigningAlgorithm: "RS256"}))
	mustFail(t, err, "workload_identity_signing_algorithm is used only by aws")

	// Container credentials (ECS, EKS Pod Identity) come through the
	// client's transport, and their authorization token, from the
	// variable or the file, never shows.
	testhelp.SetEnv(t, ci.STSEnv())
	testhelp.SetEnv(t, ci.ContainerEnv())
	before := len(ci.Requests())
	if _, err := c.IdentityToken(context.Background(), New(Spec{Platform: AWS, Audience: "from-a-container"})); err != nil {
		t.Fatal(err)
	}
	if reqs := ci.Requests()[before:]; len(reqs) != 2 || reqs[0].Platform != "aws_container" || reqs[0].Auth != ciserver.ContainerToken {
		t.Errorf("the endpoints saw %+v; want the container credentials asked with the container's token, then STS", reqs)
	}
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-container-token-Vb8")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: AWS, Audience: "a"}))
	msg = failure(t, err, "HTTP status: 401", "the AWS credential provider refused", "is not this container's").Error()
	if strings.Contains(msg, "wrong-container-token-Vb8") {
		t.Errorf("the error shows the container's authorization token:\n%s", msg)
	}
	file := filepath.Join(t.TempDir(), "token")
	must(t, os.WriteFile(file, []byte("wrong-file-token-Nm3"), 0o600))
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file)
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: AWS, Audience: "a"}))
	msg = failure(t, err, "HTTP status: 401", "is not this container's").Error()
	if strings.Contains(msg, "wrong-file-token-Nm3") {
		t.Errorf("the error shows the container's authorization token file's contents:\n%s", msg)
	}
	testhelp.SetEnv(t, []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=", "AWS_CONTAINER_AUTHORIZATION_TOKEN=", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="})

	t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x")
	if src, err := (auto{base{Platform: Auto, Audience: "a"}}).detect(); err != nil || src.Name() != AWS {
		t.Errorf("auto found %v (%v) in an ECS task", src, err)
	}
}

// recordHTTP is a PlatformHTTP that records whether each request was
// marked a metadata server's.
type recordHTTP struct{ metadata map[string]bool }

func (r *recordHTTP) Do(_ context.Context, req oauth.PlatformRequest) (*oauth.PlatformAnswer, error) {
	r.metadata[req.URL] = req.Metadata
	return &oauth.PlatformAnswer{Status: http.StatusOK}, nil
}

func (r *recordHTTP) Secret(string) {}

// An SDK's request to a metadata server, IPv4 or IPv6 (AWS's instance
// and container endpoints), or to loopback is reached directly; any other
// host is not.
func TestSDKHTTPMetadata(t *testing.T) {
	rec := &recordHTTP{metadata: map[string]bool{}}
	hc := &sdkHTTP{h: rec}
	for url, want := range map[string]bool{"http://169.254.170.2/v2/credentials": true, "http://[fd00:ec2::23]/v1/credentials": true,
		"http://[fd00:ec2::254]/latest/api/token": true, "http://127.0.0.1:8080/creds": true, "https://sts.eu-west-1.amazonaws.com/": false} {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		must(t, err)
		resp, err := hc.Do(req)
		must(t, err)
		_ = resp.Body.Close()
		if rec.metadata[url] != want {
			t.Errorf("%s: metadata %v, want %v", url, rec.metadata[url], want)
		}
	}
}

// An App Service-style managed identity endpoint that demands its header:
// refused without the right one (which never shows), then tokens for the
// system-assigned identity (resource api://AzureADTokenExchange unless
// workload_identity_audience says otherwise) and a user-assigned one. MSAL
// keeps tokens in process memory, so each case asks for another identity
// or resource than the ones before.
func TestAzureManagedIdentityAppService(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	ciEnvironment(t)
	testhelp.SetEnv(t, ci.AppServiceEnv())
	c := newClient(t)

	t.Setenv("IDENTITY_HEADER", "wrong-identity-header-Zx9")
	_, err := c.IdentityToken(context.Background(), New(Spec{Platform: AzureManagedIdentity, Audience: "api://refused"}))
	msg := failure(t, err, "HTTP status: 401", "managed identity endpoint did not issue a token", "has a managed identity").Error()
	if strings.Contains(msg, "wrong-identity-header-Zx9") {
		t.Errorf("the error shows the identity header:\n%s", msg)
	}
	t.Setenv("IDENTITY_HEADER", ciserver.IdentityHeader)

	for _, tc := range []struct {
		spec Spec
		want ciserver.Request
	}{
		{Spec{Platform: AzureManagedIdentity}, ciserver.Request{Audience: "api://AzureADTokenExchange"}},
		{Spec{Platform: AzureManagedIdentity, Audience: "api://other-exchange"}, ciserver.Request{Audience: "api://other-exchange"}},
		{Spec{Platform: AzureManagedIdentity, ClientID: "8c2f0000-0000-4000-8000-0000000000u1"},
			ciserver.Request{Audience: "api://AzureADTokenExchange", ClientID: "8c2f0000-0000-4000-8000-0000000000u1"}},
	} {
		got := fetchOne(t, ci, c, New(tc.spec))
		tc.want.Platform, tc.want.Method, tc.want.Path, tc.want.Auth = "azure_managed_identity", "GET", "/msi/token", ciserver.IdentityHeader
		if got != tc.want {
			t.Errorf("the endpoint saw %+v\nwant %+v", got, tc.want)
		}
	}
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: GitHubActions, ClientID: "x"}))
	mustFail(t, err, "workload_identity_client_id is used only by azure_managed_identity")

	src, err := auto{base{Platform: Auto, ClientID: "u1"}}.detect()
	if err != nil || src.Name() != AzureManagedIdentity {
		t.Errorf("auto found %v (%v) in App Service", src, err)
	}
}

// A JWT-SVID from a Workload API on a Unix socket that demands the
// workload.spiffe.io metadata; the errors for no audience, no socket
// variable and a socket nobody serves.
func TestSPIFFE(t *testing.T) {
	ci := ciserver.StartT(t, ciserver.Options{})
	api, err := ci.StartWorkloadAPI()
	must(t, err)
	t.Cleanup(api.Close)
	ciEnvironment(t)
	c := newClient(t)

	t.Setenv("SPIFFE_ENDPOINT_SOCKET", api.Addr)
	got := fetchOne(t, ci, c, New(Spec{Platform: SPIFFE, Audience: "api://AzureADTokenExchange"}))
	want := ciserver.Request{Platform: "spiffe", Method: "FetchJWTSVID", Audience: "api://AzureADTokenExchange", Flavor: "true"}
	if got != want {
		t.Errorf("the Workload API saw %+v; want %+v", got, want)
	}
	src, err := auto{base{Platform: Auto, Audience: "x"}}.detect()
	if err != nil || src.Name() != SPIFFE {
		t.Errorf("auto found %v (%v) with SPIFFE_ENDPOINT_SOCKET set", src, err)
	}

	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: SPIFFE}))
	mustFail(t, err, "needs workload_identity_audience")
	t.Setenv("SPIFFE_ENDPOINT_SOCKET", "unix:///nonexistent/agent.sock")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: SPIFFE, Audience: "a"}))
	mustFail(t, err, "the Workload API at unix:///nonexistent/agent.sock issued no JWT-SVID", "registration entry")
	t.Setenv("SPIFFE_ENDPOINT_SOCKET", "")
	_, err = c.IdentityToken(context.Background(), New(Spec{Platform: SPIFFE, Audience: "a"}))
	mustFail(t, err, "SPIFFE_ENDPOINT_SOCKET is not set")
}
