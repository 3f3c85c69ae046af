package oauth

import (
	"fmt"
	"strings"
)

// Error is a failed discovery or token exchange, carrying everything a user
// needs to act on it and nothing secret. Summary is short and title-cased;
// Error() is the full sentence detail.
type Error struct {
	Summary string // e.g. "Token Request Failed"
	Action  string // what was attempted, e.g. "POST https://idp/token"

	Status      int    // HTTP status, 0 when no answer was received
	Code        string // OAuth "error"
	Description string // OAuth "error_description"
	URI         string // OAuth "error_uri"
	Excerpt     string // short redacted excerpt of a non-OAuth body

	Reason string // what went wrong, as a sentence fragment
	Hint   string // what to try next, when one helps
	Err    error  // underlying cause, for errors.Is/As
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s.", e.Action, e.Reason)
	if e.Status != 0 {
		fmt.Fprintf(&b, "\nHTTP status: %d.", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, "\nOAuth error: %s.", e.Code)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, "\nError description: %s", e.Description)
	}
	if e.URI != "" {
		fmt.Fprintf(&b, "\nError URI: %s", e.URI)
	}
	if e.Excerpt != "" {
		fmt.Fprintf(&b, "\nResponse body (excerpt): %s", e.Excerpt)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "\n\n%s", e.Hint)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// hintFor suggests the next step for the standard RFC 6749 §5.2 error codes.
func hintFor(code string, method AuthMethod) string {
	switch code {
	case "invalid_client", "unauthorized_client":
		if h := methodHint(method); h != "" {
			return h
		}
		alt := ClientSecretPost
		if method == ClientSecretPost {
			alt = ClientSecretBasic
		}
		return fmt.Sprintf("The server rejected the client credentials sent with auth_method %q. "+
			"Check client_id and client_secret; if they are right, the server may expect auth_method %q. "+
			"The provider does not retry with another method on its own, so that failed attempts do not "+
			"count twice against rate limits and lockouts.", method, alt)
	case "invalid_scope":
		return "Check the scopes requested against those the client is allowed (the discovery document's scopes_supported lists the server's)."
	case "invalid_target":
		return "Check audience and resource: the server does not accept the requested target."
	case "unsupported_grant_type":
		return "The client is not allowed the client_credentials grant; enable it for this client on the authorization server."
	case "invalid_request":
		return "The server found the request malformed; check request_format, content_type and extra_params."
	}
	return ""
}

// methodHint is the invalid_client hint for methods other than the two
// shared-secret ones.
func methodHint(method AuthMethod) string {
	switch method {
	case ClientSecretJWT:
		return "The server rejected the client assertion signed with the client secret. Check client_id and client_secret, " +
			"that the server accepts client_secret_jwt with this signing_algorithm, and the assertion audience (assertion_audience; the token endpoint by default)."
	case PrivateKeyJWT:
		return "The server rejected the client assertion signed with the private key. Check client_id, that the server has this " +
			"key's public key registered for the client (and key_id names it), the signing_algorithm, and the assertion audience " +
			"(assertion_audience; the token endpoint by default)."
	case ClientAssertion:
		return "The server rejected the client assertion. Check that it is current (not expired), issued for this client_id and " +
			"for this server as audience, and that the server trusts its issuer (a federated credential, for Entra ID)."
	case TLSClientAuth, SelfSignedTLSClientAuth:
		return "The server rejected the client certificate. Check that it is the one registered for this client_id, and that the " +
			"request went to the server's mutual-TLS endpoint (discovery's mtls_endpoint_aliases)."
	}
	return ""
}
