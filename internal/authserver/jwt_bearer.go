package authserver

import (
	"crypto"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// The JWT bearer grant (RFC 7523 §2.1), as Google and Salesforce serve it:
// the assertion is verified against the key registered for its issuer, its
// aud must name the token endpoint, it may live at most an hour, and a jti
// is never accepted twice.

const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// JWTBearer configures the grant.
type JWTBearer struct {
	// Keys maps assertion issuers to the public keys that verify them.
	Keys map[string]crypto.PublicKey
	// Subjects, when set, are the only sub values accepted.
	Subjects []string
	// Google wants the scopes in the assertion's scope claim, and refuses
	// a scope parameter; it answers expires_in 3599.
	Google bool
	// Salesforce answers without expires_in, with issued_at (milliseconds)
	// and instance_url.
	Salesforce bool
}

// GrantClaims is what the server verified of a grant's assertion.
type GrantClaims struct {
	jwt.Claims
	Scope string `json:"scope,omitempty"`
	Kid   string `json:"-"`
}

// verifyGrant checks the assertion of a JWT bearer grant and returns its
// claims, or why it was refused.
func (s *Server) verifyGrant(params url.Values) (*GrantClaims, error) {
	g := s.opts.JWTBearer
	if g == nil {
		return nil, errors.New("the jwt-bearer grant is not enabled")
	}
	tok, err := jwt.ParseSigned(params.Get("assertion"), assertionAlgs)
	if err != nil {
		return nil, fmt.Errorf("unparseable assertion: %v", err)
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, err
	}
	key := s.publicKey(g.Keys, unverified.Issuer)
	if key == nil {
		return nil, fmt.Errorf("no key registered for issuer %q", unverified.Issuer)
	}
	c := &GrantClaims{Kid: tok.Headers[0].KeyID}
	if err := tok.Claims(key, c); err != nil {
		return nil, fmt.Errorf("bad assertion signature: %v", err)
	}
	now := s.opts.Now()
	switch {
	case !slices.Contains([]string(c.Audience), s.assertionAudience()):
		return c, fmt.Errorf("aud %v does not name %s", c.Audience, s.assertionAudience())
	case c.ID == "":
		return c, errors.New("no jti")
	case c.Expiry == nil || c.IssuedAt == nil:
		return c, errors.New("exp and iat are required")
	case c.Expiry.Time().Sub(c.IssuedAt.Time()) > time.Hour:
		return c, errors.New("the assertion lives longer than an hour")
	case len(g.Subjects) > 0 && !slices.Contains(g.Subjects, c.Subject):
		return c, fmt.Errorf("sub %q is not a user this client may act for", c.Subject)
	case g.Google && c.Scope == "":
		return c, errors.New("the scope claim is required")
	case g.Google && params.Get("scope") != "":
		return c, errors.New("scopes belong in the assertion")
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Time: now}, 30*time.Second); err != nil {
		return c, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jtis[c.ID] {
		return c, errors.New("jti replayed")
	}
	s.jtis[c.ID] = true
	return c, nil
}

// grantAnswer shapes a token answer as the configured service does.
func (s *Server) grantAnswer(resp map[string]any, c *GrantClaims) {
	g := s.opts.JWTBearer
	switch {
	case g.Salesforce:
		delete(resp, "expires_in")
		resp["issued_at"] = fmt.Sprint(s.opts.Now().UnixMilli())
		resp["instance_url"] = s.URL + "/salesforce"
		resp["id"] = s.URL + "/id/" + c.Subject
	case g.Google:
		resp["expires_in"] = 3599
		resp["scope"] = c.Scope
	}
}
