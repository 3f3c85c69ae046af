// Package oauth is the protocol: server metadata discovery (OpenID Connect
// Discovery, RFC 8414), the token request and its answers, revocation
// (RFC 7009), DPoP proofs (RFC 9449), and the transport every request takes
// (the URL policy, one attempt loop, size caps). It knows nothing of
// Terraform.
//
// A request is a Grant (grant.go: client credentials; token_exchange.go:
// RFC 8693; jwt_bearer.go: RFC 7523 §2.1), each one type in its own file,
// and a client authentication method, each one row of the table in
// client_auth.go. Secrets are read by the one Secret type, which registers
// each value with the Client's redact.Registry as it reads it; every
// failure is one *Error, sanitised with that registry when it is shown.
// The package defines the small interfaces others implement: TokenStore
// (internal/tokencache) and IdentitySource (internal/identity: where a
// workload's identity token comes from, fetched through the PlatformHTTP
// the client lends it).
package oauth
