package oauth

import (
	"cmp"
	"crypto"
	"encoding/base64"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
)

// Assertion profiles: how a client assertion the provider signs is shaped.
// The default is RFC 7523 as servers have long accepted it (aud the token
// endpoint, typ JWT). draft-ietf-oauth-rfc7523bis, which FAPI 2.0 follows,
// closes an audience-confusion hole: aud is the authorization server's
// issuer identifier as a single string, and the header's typ says what the
// JWT is for.
const (
	ProfileRFC7523    = "rfc7523"
	ProfileRFC7523bis = "rfc7523bis"

	ArgAssertionProfile = "assertion_profile"
	// clientAuthJWTType is rfc7523bis's typ of a client assertion.
	clientAuthJWTType = "client-authentication+jwt"
)

// AssertionProfiles lists the assertion_profile values.
func AssertionProfiles() []string { return []string{ProfileRFC7523, ProfileRFC7523bis} }

// applyProfile shapes a client assertion by the request's profile. With
// rfc7523bis, aud is assertion_audience when given (the issuer identifier
// of a server whose discovery the provider did not run), else the issuer
// discovered; checkProfile refuses a request that has neither.
func (r *resolvedRequest) applyProfile(spec *assertionSpec) error {
	if r.AssertionProfile != ProfileRFC7523bis {
		return nil
	}
	if err := r.checkProfile(); err != nil {
		return err
	}
	spec.typ = clientAuthJWTType
	spec.audience = cmp.Or(r.AssertionAudience, r.Issuer)
	return nil
}

// checkProfile refuses a profile the provider does not know, and one that
// only client assertions the provider signs can follow.
func (r *TokenRequest) checkProfile() error {
	if r.AssertionProfile == "" || r.AssertionProfile == ProfileRFC7523 {
		return nil
	}
	if !slices.Contains(AssertionProfiles(), r.AssertionProfile) {
		return argErr(ArgAssertionProfile, "The assertion_profile %q is not supported; use %s or %s.", r.AssertionProfile, ProfileRFC7523, ProfileRFC7523bis)
	}
	if a, _ := r.auth(); !a.assertion {
		return argErr(ArgAssertionProfile, "The assertion_profile shapes the client assertions the provider signs (private_key_jwt, client_secret_jwt); the auth_method %q signs none.", r.AuthMethod)
	}
	if r.AssertionAudience == "" && r.Issuer == "" {
		return argErr(ArgAssertionProfile, "The assertion_profile %q sets the assertion's aud to the authorization server's issuer identifier: set issuer (discovery), or assertion_audience to the issuer identifier.", ProfileRFC7523bis)
	}
	return nil
}

// Thumbprint is the RFC 7638 JWK thumbprint (SHA-256, base64url) of a
// public key: the default kid of a key service's key.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}
