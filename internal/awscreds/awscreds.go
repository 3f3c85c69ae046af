// Package awscreds owns what the provider tells its sanitiser about the AWS
// SDK's credentials: the container credentials endpoint's authorization
// token (ECS, EKS Pod Identity; the variable's or the file's) before it is
// sent, and the secret access key and session token of every credential the
// SDK retrieves, at first load and at every refresh (assume-role, instance
// metadata, container credentials), before a server can echo them. The
// identity source and the KMS signer both load the SDK's configuration
// through it.
package awscreds

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
)

// Remember is told each secret, never a blank one: the caller's sanitiser
// (a registry's Remember, a PlatformHTTP's Secret).
type Remember func(secret string)

func (r Remember) all(secrets ...string) {
	for _, s := range secrets {
		if s != "" {
			r(s)
		}
	}
}

// EndpointOptions is the configuration option of the container credentials
// client: its authorization token, the variable's at once and the file's
// each time it is read, is told to remember before any request carries it.
// A non-nil hc becomes the client's HTTP client; with nil the SDK's stays.
func EndpointOptions(remember Remember, hc endpointcreds.HTTPClient) config.LoadOptionsFunc {
	return config.WithEndpointCredentialOptions(func(o *endpointcreds.Options) {
		if hc != nil {
			o.HTTPClient = hc
		}
		remember.all(o.AuthorizationToken)
		if tp := o.AuthorizationTokenProvider; tp != nil {
			o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
				tok, err := tp.GetToken()
				remember.all(tok)
				return tok, err
			})
		}
	})
}

// Remembering wraps a credentials provider (the configuration's, usually
// the SDK's cache) so that every Retrieve tells remember the secret access
// key and session token it returns, refreshed ones included; nil stays nil.
func Remembering(p aws.CredentialsProvider, remember Remember) aws.CredentialsProvider {
	if p == nil {
		return nil
	}
	return &remembering{p: p, remember: remember}
}

type remembering struct {
	p        aws.CredentialsProvider
	remember Remember
}

func (r *remembering) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := r.p.Retrieve(ctx)
	r.remember.all(creds.SecretAccessKey, creds.SessionToken)
	return creds, err
}

// ProviderSources keeps the wrapped chain's sources, which the SDK reports
// in its user agent.
func (r *remembering) ProviderSources() []aws.CredentialSource {
	if s, ok := r.p.(aws.CredentialProviderSource); ok {
		return s.ProviderSources()
	}
	return nil
}

// IsCredentialsProvider answers aws.IsCredentialsProvider for the wrapped
// provider (anonymous credentials, a cache), as if unwrapped.
func (r *remembering) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	return aws.IsCredentialsProvider(r.p, target)
}
