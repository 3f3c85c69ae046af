package oauth

import (
	"context"
)

// Grant is what a token request asks for (RFC 6749 §4.4 client
// credentials, RFC 8693 token exchange, RFC 7523 §2.1 JWT bearer, and the
// grants to come). Each grant is one type in a file of its own; nothing
// outside that file asks which grant a request is: the request asks the
// grant.
type Grant interface {
	// prepare completes the request from the grant's own material before
	// anything is checked (a key file that names the endpoint, say).
	prepare(r *TokenRequest, c *Client) error
	// check refuses what the grant cannot send as configured, blaming the
	// argument to change (*ArgError), before any request.
	check(r *TokenRequest) error
	// checkForms refuses grant material given in two forms, which a
	// Terraform schema refuses before; a request built in code is
	// checked here.
	checkForms() error
	// secrets are the grant's own secrets, read for every attempt.
	secrets() []grantSecret
	// chooseAuth is the client authentication the grant implies when none
	// was configured; ok false leaves the choice to the credentials.
	chooseAuth(r *TokenRequest, md *Metadata) (m AuthMethod, ok bool)
	// clientOptional reports whether the grant may go without client_id
	// and client authentication (the subject token or the assertion
	// stands alone).
	clientOptional(r *TokenRequest) bool
	// signsWithKey reports whether the grant signs with the request's
	// private key (and its key_id, signing_algorithm and
	// assertion_audience), so that a key is no client authentication.
	signsWithKey() bool
	// params are the grant's parameters for one attempt, grant_type
	// first, from its secrets as read; the scope parameter is sent by the
	// request unless the grant says it carries the scopes.
	params(ctx context.Context, c *Client, a *resolvedRequest) ([][2]string, error)
	carriesScope() bool
	// identity is what tells two requests of this grant apart beyond the
	// client, as read: the sharing and the store key on it.
	identity(a *resolvedRequest) string
	// storable reports whether its tokens may be kept across runs: not
	// when whom the token is for is decided at request time.
	storable() bool
	// summary titles a failure ("Token Request Failed"); action names the
	// request in it.
	summary() string
	action() string
	// issues reports whether a token type other than Bearer is a normal
	// answer to this grant.
	issues(tokenType string) bool
}

// grantSecret is one of a grant's secrets and the arguments that name it.
type grantSecret struct {
	Secret
	args SecretArgs
}

// ClientCredentials is the grant of RFC 6749 §4.4, the default: the
// client's own credentials, nothing else.
type ClientCredentials struct{}

func (ClientCredentials) prepare(*TokenRequest, *Client) error                   { return nil }
func (ClientCredentials) check(*TokenRequest) error                              { return nil }
func (ClientCredentials) checkForms() error                                      { return nil }
func (ClientCredentials) secrets() []grantSecret                                 { return nil }
func (ClientCredentials) chooseAuth(*TokenRequest, *Metadata) (AuthMethod, bool) { return "", false }
func (ClientCredentials) clientOptional(*TokenRequest) bool                      { return false }
func (ClientCredentials) signsWithKey() bool                                     { return false }
func (ClientCredentials) carriesScope() bool                                     { return false }
func (ClientCredentials) identity(*resolvedRequest) string                       { return "" }
func (ClientCredentials) storable() bool                                         { return true }
func (ClientCredentials) summary() string                                        { return tokenFailed }
func (ClientCredentials) action() string                                         { return "" }
func (ClientCredentials) issues(string) bool                                     { return false }

func (ClientCredentials) params(context.Context, *Client, *resolvedRequest) ([][2]string, error) {
	return [][2]string{{"grant_type", "client_credentials"}}, nil
}

// grant is the request's grant, client credentials when none is set.
func (r *TokenRequest) grant() Grant {
	if r.Grant == nil {
		return ClientCredentials{}
	}
	return r.Grant
}
