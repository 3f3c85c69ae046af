package authserver

import (
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

var assertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.HS256, jose.HS384, jose.HS512}

// Assertion is what the server learned from a verified client assertion.
type Assertion struct {
	Alg, KeyID, X5tS256 string
	Claims              jwt.Claims
}

// authenticate identifies the client by whichever method the request used,
// verifying it fully, and returns the client, the method and, for JWTs, the
// verified assertion. audience is what an assertion's aud must name: the
// endpoint it was sent to.
func (s *Server) authenticate(r *http.Request, params url.Values, audience string) (id, method string, a *Assertion, err error) {
	if u, p, ok := r.BasicAuth(); ok {
		id, err1 := url.QueryUnescape(u)
		secret, err2 := url.QueryUnescape(p)
		if err1 != nil || err2 != nil {
			return "", "client_secret_basic", nil, errors.New("malformed basic credentials")
		}
		return id, "client_secret_basic", nil, s.checkSecret(id, secret)
	}
	if ca := params.Get("client_assertion"); ca != "" {
		if params.Get("client_assertion_type") != jwtBearer {
			return "", "", nil, errors.New("unsupported client_assertion_type")
		}
		if fed, ok := s.opts.Federated[params.Get("client_id")]; ok {
			a, err := fed.verify(ca, s.opts.Now())
			return params.Get("client_id"), "client_assertion", a, err
		}
		return s.verifyAssertion(ca, params.Get("client_id"), audience)
	}
	id = params.Get("client_id")
	if secret := params.Get("client_secret"); secret != "" {
		return id, "client_secret_post", nil, s.checkSecret(id, secret)
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		want, ok := s.opts.ClientCerts[id]
		got := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
		if !ok || want != got {
			return id, "tls_client_auth", nil, errors.New("the client certificate is not registered for this client")
		}
		return id, "tls_client_auth", nil, nil
	}
	return id, "none", nil, errors.New("no client authentication")
}

func (s *Server) checkSecret(id, secret string) error {
	if want, ok := s.opts.Clients[id]; !ok || want != secret {
		return errors.New("client authentication failed")
	}
	return nil
}

// verifyAssertion checks an RFC 7523 client assertion: signature by the
// client's registered key (or HMAC with its secret), iss = sub = client,
// aud the endpoint it was sent to, a jti never seen before, and a short
// validity.
func (s *Server) verifyAssertion(raw, clientID, audience string) (string, string, *Assertion, error) {
	tok, err := jwt.ParseSigned(raw, assertionAlgs)
	if err != nil {
		return clientID, "", nil, fmt.Errorf("unparseable assertion: %v", err)
	}
	h := tok.Headers[0]
	a := &Assertion{Alg: h.Algorithm, KeyID: h.KeyID}
	if v, ok := h.ExtraHeaders["x5t#S256"].(string); ok {
		a.X5tS256 = v
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return clientID, "", nil, err
	}
	if clientID == "" {
		clientID = unverified.Subject
	}
	method, key := "private_key_jwt", any(s.publicKey(s.opts.ClientKeys, clientID))
	if strings.HasPrefix(h.Algorithm, "HS") {
		method, key = "client_secret_jwt", []byte(s.opts.Clients[clientID])
	}
	if secret, isHMAC := key.([]byte); key == nil || (isHMAC && len(secret) == 0) {
		return clientID, method, nil, errors.New("no key registered for this client")
	}
	if err := tok.Claims(key, &a.Claims); err != nil {
		return clientID, method, nil, fmt.Errorf("bad assertion signature: %v", err)
	}
	c := a.Claims
	now := s.opts.Now()
	switch {
	case c.Issuer != clientID || c.Subject != clientID:
		err = fmt.Errorf("iss %q and sub %q must both be the client id", c.Issuer, c.Subject)
	case !slices.Contains([]string(c.Audience), audience):
		err = fmt.Errorf("aud %v does not name %s", c.Audience, audience)
	case c.ID == "":
		err = errors.New("no jti")
	case c.Expiry == nil || c.IssuedAt == nil || c.NotBefore == nil:
		err = errors.New("exp, iat and nbf are required")
	case c.Expiry.Time().Sub(c.IssuedAt.Time()) > 5*time.Minute:
		err = errors.New("the assertion lives longer than 5 minutes")
	}
	if err == nil {
		err = c.ValidateWithLeeway(jwt.Expected{Time: now}, 30*time.Second)
	}
	if err != nil {
		return clientID, method, a, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jtis[c.ID] && !s.opts.AllowAssertionReuse {
		return clientID, method, a, errors.New("jti replayed")
	}
	s.jtis[c.ID] = true
	return clientID, method, a, nil
}

func (s *Server) assertionAudience() string {
	if s.opts.AssertionAudience != "" {
		return s.opts.AssertionAudience
	}
	return s.TokenURL()
}

// TrustKey registers, while the server runs, the public key that verifies
// the assertions of a client (private_key_jwt) and of a JWT bearer grant's
// issuer: for tests that learn the key from the provider under test (its
// clientcreds_signing_key) between two steps.
func (s *Server) TrustKey(id string, pub crypto.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trusted == nil {
		s.trusted = map[string]crypto.PublicKey{}
	}
	s.trusted[id] = pub
}

// publicKey is id's key in the configured keys, or one trusted since.
func (s *Server) publicKey(configured map[string]crypto.PublicKey, id string) crypto.PublicKey {
	if k, ok := configured[id]; ok {
		return k
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trusted[id]
}
