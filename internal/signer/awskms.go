//go:build !no_awskms

package signer

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/awscreds"
)

// AWS KMS: awskms://[ENDPOINT]/KEY, KEY a key id, a key ARN or
// alias/NAME, ENDPOINT (host:port) an optional endpoint of the KMS API
// (LocalStack, local-kms, a VPC endpoint). Credentials and region come from
// the AWS SDK for Go v2's default chain (environment, shared files, SSO,
// web identity, the instance or task role); a key ARN gives the region
// when the chain gives none. Signs with KMS Sign on a digest; the key needs
// key usage SIGN_VERIFY, and the caller kms:Sign and kms:GetPublicKey.

func init() { register(awsScheme) }

var awsScheme = scheme{name: "awskms", form: "awskms://[ENDPOINT]/KEY",
	check: func(rest string) error { _, _, err := parseAWS(rest); return err },
	open: func(rest string, env Env) (service, error) {
		endpoint, key, _ := parseAWS(rest)
		return &awsKey{endpoint: endpoint, key: key, env: env}, nil
	}}

func parseAWS(rest string) (endpoint, key string, err error) {
	endpoint, key, ok := strings.Cut(rest, "/")
	switch {
	case !ok || key == "":
		return "", "", errors.New("the key (a key id, key ARN or alias/NAME) is missing after the endpoint")
	case strings.HasPrefix(key, "arn:"):
		if _, err := arn.Parse(key); err != nil {
			return "", "", fmt.Errorf("the key ARN is malformed: %v", err)
		}
	case strings.Contains(key, "/") && !strings.HasPrefix(key, "alias/"):
		return "", "", errors.New("the key is neither a key id, a key ARN nor alias/NAME")
	}
	return endpoint, key, nil
}

type awsKey struct {
	endpoint, key string
	env           Env

	once   sync.Mutex
	client *kms.Client
	spec   types.KeySpec
}

// kms loads the SDK's configuration once, registering the credentials it
// finds, and every one it retrieves later, with the sanitiser before any
// call can echo them.
func (a *awsKey) kms(ctx context.Context) (*kms.Client, error) {
	a.once.Lock()
	defer a.once.Unlock()
	if a.client != nil {
		return a.client, nil
	}
	// Env's client and attempts, as every service has them (3, the SDK's
	// own default, unless Env says otherwise). The SDK adds AWS_CA_BUNDLE
	// to a client of its own making only: with one set, the client is the
	// SDK's, with Env's timeout and the same proxy rule.
	var hc aws.HTTPClient = a.env.HTTP
	if os.Getenv("AWS_CA_BUNDLE") != "" {
		hc = awshttp.NewBuildableClient().WithTimeout(a.env.HTTP.Timeout).WithTransportOptions(func(t *http.Transport) { t.Proxy = proxy })
	}
	// The container credentials client keeps the SDK's own HTTP client; its
	// authorization token, and every credential retrieved (the first and
	// each refresh), are registered before a server can echo them.
	remember := func(s string) { a.env.Redact.Remember(s) }
	cfg, err := config.LoadDefaultConfig(ctx, config.WithHTTPClient(hc), config.WithRetryMaxAttempts(a.env.Attempts),
		awscreds.EndpointOptions(remember, nil))
	if err != nil {
		return nil, fmt.Errorf("the AWS configuration could not be loaded: %v", err)
	}
	if cfg.Region == "" {
		if k, err := arn.Parse(a.key); err == nil {
			cfg.Region = k.Region
		}
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set AWS_REGION (or a profile's region), or name the key by its ARN")
	}
	if cfg.Credentials != nil {
		cfg.Credentials = awscreds.Remembering(cfg.Credentials, remember)
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return nil, fmt.Errorf("no AWS credentials: %s", a.env.Redact.Sanitize(err.Error(), 500))
		}
	}
	a.client = kms.NewFromConfig(cfg, func(o *kms.Options) {
		if a.endpoint != "" {
			o.BaseEndpoint = aws.String(baseURL(a.endpoint))
		}
	})
	return a.client, nil
}

func (a *awsKey) publicKey(ctx context.Context) (crypto.PublicKey, string, error) {
	c, err := a.kms(ctx)
	if err != nil {
		return nil, "", err
	}
	out, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(a.key)})
	if err != nil {
		return nil, "", awsError(err)
	}
	if out.KeyUsage != types.KeyUsageTypeSignVerify {
		return nil, "", fmt.Errorf("the key's usage is %s; signing needs a SIGN_VERIFY key", out.KeyUsage)
	}
	pub, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, "", fmt.Errorf("KMS returned a public key that does not parse: %v", err)
	}
	a.once.Lock()
	a.spec = out.KeySpec
	a.once.Unlock()
	return pub, "", nil
}

func (a *awsKey) sign(ctx context.Context, digest []byte, h crypto.Hash, pss bool) ([]byte, error) {
	c, err := a.kms(ctx)
	if err != nil {
		return nil, err
	}
	alg, err := awsAlgorithm(a.spec, h, pss)
	if err != nil {
		return nil, err
	}
	out, err := c.Sign(ctx, &kms.SignInput{KeyId: aws.String(a.key), Message: digest, MessageType: types.MessageTypeDigest, SigningAlgorithm: alg})
	if err != nil {
		return nil, awsError(err)
	}
	return out.Signature, nil
}

// awsAlgorithm is KMS's name of a signature: by key type, padding and hash.
func awsAlgorithm(spec types.KeySpec, h crypto.Hash, pss bool) (types.SigningAlgorithmSpec, error) {
	bits := hashNames[h].bits
	if bits == "" {
		return "", fmt.Errorf("KMS signs no %v digest", h)
	}
	s := string(spec)
	switch {
	case strings.HasPrefix(s, "RSA_") && pss:
		return types.SigningAlgorithmSpec("RSASSA_PSS_SHA_" + bits), nil
	case strings.HasPrefix(s, "RSA_"):
		return types.SigningAlgorithmSpec("RSASSA_PKCS1_V1_5_SHA_" + bits), nil
	case strings.HasPrefix(s, "ECC_NIST_"):
		return types.SigningAlgorithmSpec("ECDSA_SHA_" + bits), nil
	}
	return "", fmt.Errorf("the key spec %s cannot sign JWTs", s)
}

// awsError keeps the service's error code and message, and says so when
// the service could not be reached.
func awsError(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return &serviceError{Code: ae.ErrorCode(), Message: ae.ErrorMessage()}
	}
	return fmt.Errorf("AWS KMS is unreachable or failed: %v", err)
}
