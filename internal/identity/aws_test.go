package identity

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

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
