package identity

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/ciserver"
)

// STS GetWebIdentityToken through the SDK's default chain and
// AWS_ENDPOINT_URL_STS, against an STS that checks the SigV4 signature:
// the audience, algorithm and lifetime asked; a request signed with the
// wrong secret refused without showing it; the arguments checked first.
func TestAWS(t *testing.T) {
	ci := startCI(t, ciserver.Options{})
	ciEnvironment(t)
	setEnv(t, ci.STSEnv())
	c := newClient(t)
	for _, tc := range []struct {
		spec   Spec
		flavor string
	}{
		{Spec{Platform: AWS, Audience: "api://AzureADTokenExchange"}, "RS256 60"},
		{Spec{Platform: AWS, Audience: "https://keycloak.example/realms/ci", SigningAlgorithm: AWSES384, Lifetime: 15 * time.Minute}, "ES384 900"},
	} {
		before := len(ci.Requests())
		tok, err := c.IdentityToken(context.Background(), New(tc.spec))
		if err != nil {
			t.Fatalf("%+v: %v", tc.spec, err)
		}
		reqs := ci.Requests()[before:]
		want := ciserver.Request{Platform: "aws", Method: "POST", Path: "/sts/", Audience: tc.spec.Audience, Flavor: tc.flavor,
			ContentType: "application/x-www-form-urlencoded"}
		if len(reqs) != 1 || reqs[0] != want {
			t.Errorf("STS saw %+v\nwant %+v", reqs, want)
		}
		if issued := ci.Issued(); tok != issued[len(issued)-1] {
			t.Error("the token returned is not the one STS issued")
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

	t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x")
	if src, err := (auto{base{Platform: Auto, Audience: "a"}}).detect(); err != nil || src.Name() != AWS {
		t.Errorf("auto found %v (%v) in an ECS task", src, err)
	}
}
