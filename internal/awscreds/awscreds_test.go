package awscreds

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
)

// Every Retrieve tells its secrets, a refresh's as well as the first; a
// failed one tells nothing blank; the wrapped provider's sources and kind
// still show.
func TestRememberingTellsEveryRetrieve(t *testing.T) {
	var told []string
	remember := func(s string) { told = append(told, s) }
	n := 0
	inner := aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		n++
		if n == 3 {
			return aws.Credentials{}, errors.New("refused")
		}
		// Expired at once, so that the cache refreshes on every call, as it
		// does when an assumed role's or the instance's credentials expire.
		return aws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: []string{"", "first-secret-Qa1", "second-secret-Ws2"}[n],
			SessionToken: []string{"", "first-session-Ed3", ""}[n], CanExpire: true}, nil
	}))
	p := Remembering(inner, remember)
	for range 3 {
		_, _ = p.Retrieve(context.Background())
	}
	if want := []string{"first-secret-Qa1", "first-session-Ed3", "second-secret-Ws2"}; !slices.Equal(told, want) {
		t.Errorf("told %q; want %q", told, want)
	}
	if !aws.IsCredentialsProvider(Remembering(aws.AnonymousCredentials{}, remember), aws.AnonymousCredentials{}) {
		t.Error("wrapped anonymous credentials are no longer seen as anonymous")
	}
	if Remembering(nil, remember) != nil {
		t.Error("a nil provider was wrapped")
	}
}

// The endpoint option tells the variable's token, and the file's each time
// it is read; it sets the HTTP client only when given one.
func TestEndpointOptionsTellToken(t *testing.T) {
	var told []string
	remember := func(s string) { told = append(told, s) }
	apply := func(hc endpointcreds.HTTPClient, o *endpointcreds.Options) {
		var lo config.LoadOptions
		if err := EndpointOptions(remember, hc)(&lo); err != nil {
			t.Fatal(err)
		}
		lo.EndpointCredentialOptions(o)
	}
	sdk := &noClient{}
	o := endpointcreds.Options{AuthorizationToken: "variable-token-Rf4", HTTPClient: sdk}
	apply(nil, &o)
	if o.HTTPClient != sdk {
		t.Error("the SDK's HTTP client was replaced")
	}
	o = endpointcreds.Options{AuthorizationTokenProvider: endpointcreds.TokenProviderFunc(func() (string, error) { return "file-token-Tg5", nil })}
	mine := &noClient{}
	apply(mine, &o)
	if o.HTTPClient != mine {
		t.Error("the given HTTP client was not set")
	}
	if tok, _ := o.AuthorizationTokenProvider.GetToken(); tok != "file-token-Tg5" {
		t.Errorf("the token read is %q", tok)
	}
	if want := []string{"variable-token-Rf4", "file-token-Tg5"}; !slices.Equal(told, want) {
		t.Errorf("told %q; want %q", told, want)
	}
}

type noClient struct{}

func (*noClient) Do(*http.Request) (*http.Response, error) { return nil, errors.New("no client") }
