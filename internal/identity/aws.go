package identity

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/awscreds"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// AWS: a JWT for the calling AWS identity from STS GetWebIdentityToken
// (outbound identity federation), signed by AWS and verifiable at the
// account's issuer. Credentials, region and the regional STS endpoint come
// from the AWS SDK for Go v2's default chain (environment, shared config and
// profiles, web identity, ECS and EKS container credentials, EC2 instance
// metadata; AWS_ENDPOINT_URL_STS as users expect), and every request goes
// through the client's own transport.
const AWS = "aws"

// Signing algorithms STS offers; RS256 is the default because every
// federating identity provider takes it (Entra ID takes only RS256).
const (
	AWSRS256 = "RS256"
	AWSES384 = "ES384"
)

// awsLifetime is the token's lifetime by default: a client assertion or a
// subject token is sent the moment it is fetched (every attempt fetches its
// own), so STS's shortest.
const awsLifetime = 60 * time.Second

type awsSTS struct{ base }

func (p awsSTS) Check() error {
	if p.Audience == "" {
		return argErr(oauth.ArgWorkloadAudience, "The aws identity token needs workload_identity_audience: STS issues a web identity token for the audience asked.")
	}
	switch p.SigningAlgorithm {
	case "", AWSRS256, AWSES384:
	default:
		return argErr(ArgSigningAlgorithm, "The workload_identity_signing_algorithm %q is not one STS offers: use RS256 or ES384.", p.SigningAlgorithm)
	}
	if p.Lifetime != 0 && (p.Lifetime < time.Minute || p.Lifetime > time.Hour) {
		return fmt.Errorf("the aws identity token's lifetime %s is outside STS's 60 to 3600 seconds", p.Lifetime)
	}
	return p.onlyFor()
}

const awsHint = "Check that the account has outbound identity federation enabled (IAM, account settings) and that the " +
	"caller's policy allows sts:GetWebIdentityToken."

func (p awsSTS) Token(ctx context.Context, h oauth.PlatformHTTP) (string, error) {
	if os.Getenv("AWS_CA_BUNDLE") != "" {
		return "", errors.New("AWS_CA_BUNDLE is set, but AWS requests go through the provider's own transport, which trusts the " +
			"system's roots and the provider's ca_cert_pem or ca_cert_file: name the bundle there, and clear AWS_CA_BUNDLE for Terraform")
	}
	hc := &sdkHTTP{h: h}
	// The client's transport retries; the SDK's own retries would multiply it.
	// The container credentials client (ECS, EKS Pod Identity) takes no
	// WithHTTPClient: it is given the transport itself, and its
	// authorization token (the variable's or the file's) is a secret.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithHTTPClient(hc), config.WithRetryMaxAttempts(1),
		awscreds.EndpointOptions(h.Secret, hc))
	if err != nil {
		return "", fmt.Errorf("the AWS configuration could not be loaded: %v", err)
	}
	if cfg.Region == "" {
		return "", errors.New("no AWS region: set AWS_REGION (or a profile's region); GetWebIdentityToken is served by regional STS endpoints only")
	}
	// Every credential retrieved, this one and any refresh, is a secret.
	cfg.Credentials = awscreds.Remembering(cfg.Credentials, h.Secret)
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return "", hc.failed(err, "the AWS credential provider refused", "",
			"no AWS credentials from the default chain (environment, shared config, web identity, container or instance metadata)")
	}
	alg, life := p.SigningAlgorithm, p.Lifetime
	if alg == "" {
		alg = AWSRS256
	}
	if life == 0 {
		life = awsLifetime
	}
	out, err := sts.NewFromConfig(cfg).GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{
		Audience: []string{p.Audience}, SigningAlgorithm: aws.String(alg), DurationSeconds: aws.Int32(int32(life / time.Second))})
	if err != nil {
		return "", hc.failed(err, "STS did not issue a web identity token", awsHint, "STS's answer could not be read")
	}
	return aws.ToString(out.WebIdentityToken), nil
}

// awsEnvironment is whether the machine offers AWS credentials of a
// workload: a web identity token file (EKS IRSA), container credentials
// (ECS, EKS Pod Identity), Lambda, CodeBuild, or an EC2 instance.
func awsEnvironment() bool {
	for _, v := range []string{"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_LAMBDA_FUNCTION_NAME", "CODEBUILD_BUILD_ID"} {
		if os.Getenv(v) != "" {
			return true
		}
	}
	return dmi("sys_vendor") == "Amazon EC2"
}
