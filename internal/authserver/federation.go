package authserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Federation is a federated credential: tokens from Issuer about Subject
// for Audience, signed by a key the issuer publishes at JWKSURL.
type Federation struct {
	Issuer, Subject, Audience, JWKSURL string
}

// verify checks a federated assertion as Entra ID does: the signature
// against the issuer's published keys (fetched now), then issuer, subject,
// audience and lifetime.
func (f Federation) verify(raw string, now time.Time) (*Assertion, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("unparseable federated assertion: %v", err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, f.JWKSURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the issuer's keys could not be fetched: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var keys jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&keys); err != nil {
		return nil, fmt.Errorf("the issuer's keys could not be read: %v", err)
	}
	a := &Assertion{Alg: tok.Headers[0].Algorithm, KeyID: tok.Headers[0].KeyID}
	if err := tok.Claims(&keys, &a.Claims); err != nil {
		return a, fmt.Errorf("bad federated assertion signature: %v", err)
	}
	c := a.Claims
	switch {
	case c.Issuer != f.Issuer:
		return a, fmt.Errorf("issuer %q is not the federated credential's %q", c.Issuer, f.Issuer)
	case c.Subject != f.Subject:
		return a, fmt.Errorf("subject %q is not the federated credential's %q", c.Subject, f.Subject)
	case !slices.Contains([]string(c.Audience), f.Audience):
		return a, fmt.Errorf("audience %v does not include the federated credential's %q", c.Audience, f.Audience)
	case c.Expiry == nil:
		return a, errors.New("the federated assertion has no exp")
	}
	return a, c.ValidateWithLeeway(jwt.Expected{Time: now}, 30*time.Second)
}
