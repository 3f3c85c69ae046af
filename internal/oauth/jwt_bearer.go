package oauth

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
)

// The JWT bearer grant (RFC 7523 §2.1): the client signs a short JWT that
// names who it is (iss) and, where the service allows it, whom it acts for
// (sub), and posts it as the grant. It is how a Google service-account key,
// Salesforce's connected apps, DocuSign and Box get tokens. The key signs
// with the same code as private_key_jwt client assertions; client
// authentication is optional beside it.

// JWTBearerGrantType is the grant_type of RFC 7523 §2.1.
const JWTBearerGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// JWTBearer is what a JWT bearer grant request carries beyond client
// authentication. The assertion is signed with the request's PrivateKey,
// KeyID and SigningAlgorithm.
type JWTBearer struct {
	// Issuer is the assertion's iss: the client_id when empty.
	Issuer string
	// Subject is the assertion's sub, when the service takes one (the
	// Salesforce user, the Google user to impersonate).
	Subject string
	// Audience is the assertion's aud: the token endpoint when empty.
	Audience string
	// Claims are further claims, as strings.
	Claims map[string]string
	// ScopeInAssertion puts the scopes in the assertion's scope claim, as
	// Google wants, instead of the scope parameter (RFC 7523's default).
	ScopeInAssertion bool
	// ServiceAccountKey is a Google service-account key (JSON): it gives
	// the issuer, key, key id and token endpoint, and puts the scopes in
	// the assertion.
	ServiceAccountKey Secret
}

// Argument names of the grant's settings.
const (
	ArgGrantType             = "grant_type"
	ArgAssertionIssuer       = "assertion_issuer"
	ArgAssertionSubject      = "assertion_subject"
	ArgAssertionClaims       = "assertion_claims"
	ArgServiceAccountKey     = "service_account_key"
	ArgServiceAccountKeyFile = "service_account_key_file"
	ArgServiceAccountKeyEnv  = "service_account_key_env"
)

// ServiceAccountKeyArgs are the arguments of a service-account key.
var ServiceAccountKeyArgs = SecretArgs{ArgServiceAccountKey, ArgServiceAccountKeyFile, ArgServiceAccountKeyEnv}

// reservedClaims are set by the provider; assertion_claims may not.
var reservedClaims = []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti"}

// ReservedClaims are the claim names assertion_claims may not set.
func ReservedClaims() []string { return slices.Clone(reservedClaims) }

// serviceAccountKey is the part of Google's key file the grant uses.
type serviceAccountKey struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	TokenURI     string `json:"token_uri"`
}

// prepare reads the service-account key, when there is one, into the
// request: the key (in memory only, never logged: it is registered with
// the sanitiser as it is read), its id, the issuer and the token endpoint
// where the configuration gives none, and the scopes in the assertion.
// Errors blame the argument that named the key and never quote it.
func (g *JWTBearer) prepare(r *TokenRequest, c *Client) error {
	if !g.ServiceAccountKey.IsSet() {
		return nil
	}
	raw, err := g.ServiceAccountKey.Read(ServiceAccountKeyArgs, c.cfg.Redact)
	if err != nil {
		return err
	}
	arg := g.ServiceAccountKey.Arg(ServiceAccountKeyArgs)
	var k serviceAccountKey
	if err := json.Unmarshal([]byte(raw), &k); err != nil {
		return argErr(arg, "The service-account key given by %s is not JSON (Google's key file is a JSON object).", arg)
	}
	if k.Type != "service_account" || k.ClientEmail == "" || !strings.Contains(k.PrivateKey, "PRIVATE KEY") {
		return argErr(arg, "The key given by %s is not a service-account key: it needs type \"service_account\", client_email and private_key.", arg)
	}
	c.cfg.Redact.Remember(k.PrivateKey) // its PEM body lines, unescaped
	cp := *g
	if cp.Issuer == "" {
		cp.Issuer = k.ClientEmail
	}
	cp.ScopeInAssertion = true
	cp.ServiceAccountKey = Secret{} // read: its key is the request's now
	r.Grant = &cp
	r.PrivateKey = Inline(k.PrivateKey)
	if r.KeyID == "" {
		r.KeyID = k.PrivateKeyID
	}
	if r.TokenURL == "" {
		r.TokenURL = k.TokenURI
	}
	return nil
}

// check enforces what the grant needs: an issuer and a key, claims that do
// not replace the ones the provider sets.
func (g *JWTBearer) check(r *TokenRequest) error {
	return withSummary(g.checkArgs(r), "Invalid JWT Bearer Grant")
}

func (g *JWTBearer) checkForms() error {
	return g.ServiceAccountKey.checkOneForm(ServiceAccountKeyArgs)
}

func (g *JWTBearer) checkArgs(r *TokenRequest) error {
	// validate ran checkOneForm, and with it checkForms, before; ValidateConfig
	// did not, and refuses a key in two forms only here.
	if err := g.checkForms(); err != nil {
		return err
	}
	if g.ServiceAccountKey.IsSet() {
		if r.hasKey() {
			return argErr(ArgServiceAccountKey, "Set either a service-account key or private_key_pem: the key file holds the key.")
		}
		return nil
	}
	if g.Issuer == "" && r.ClientID == "" {
		return argErr(ArgAssertionIssuer, "The jwt_bearer grant needs assertion_issuer (or client_id, its default), or a service-account key.")
	}
	if !r.hasKey() {
		return argErr(ArgGrantType, "The jwt_bearer grant needs a key to sign with: private_key_pem, private_key_file, private_key_env or private_key_kms, or a service-account key.")
	}
	for k := range g.Claims {
		if slices.Contains(reservedClaims, k) {
			return argErr(ArgAssertionClaims, "The assertion_claims may not set %q; the provider sets it (use assertion_issuer, assertion_subject or assertion_audience).", k)
		}
	}
	return nil
}

func (g *JWTBearer) secrets() []grantSecret { return nil } // the key is the request's

// chooseAuth: the key signs the grant; the client authenticates only with
// credentials of its own, when it has any.
func (g *JWTBearer) chooseAuth(r *TokenRequest, md *Metadata) (AuthMethod, bool) {
	switch {
	case credAssertion.set(r):
		return ClientAssertion, true
	case credSecret.set(r):
		return chooseSecretMethod(r.Format, md), true
	}
	return None, true
}

func (g *JWTBearer) clientOptional(*TokenRequest) bool { return true }
func (g *JWTBearer) signsWithKey() bool                { return true }
func (g *JWTBearer) carriesScope() bool                { return g.ScopeInAssertion }
func (g *JWTBearer) storable() bool                    { return true }
func (g *JWTBearer) summary() string                   { return tokenFailed }
func (g *JWTBearer) action() string                    { return "" }
func (g *JWTBearer) issues(string) bool                { return false }

// params are the grant's parameters for one attempt: an assertion freshly
// signed with the request's key, wherever it is held.
func (g *JWTBearer) params(ctx context.Context, c *Client, res *resolvedRequest) ([][2]string, error) {
	key, alg, err := res.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	kid, err := res.keyID(key)
	if err != nil {
		return nil, err
	}
	spec := assertionSpec{alg: alg, key: key, keyID: kid, issuer: g.Issuer, subject: g.Subject,
		audience: g.Audience, now: c.cfg.Now(), claims: map[string]any{}}
	if spec.issuer == "" {
		spec.issuer = res.ClientID
	}
	if spec.audience == "" {
		spec.audience = res.TokenURL
	}
	for k, v := range g.Claims {
		spec.claims[k] = v
	}
	if g.ScopeInAssertion && len(res.Scopes) > 0 {
		spec.claims["scope"] = strings.Join(res.Scopes, " ")
	}
	a, err := spec.sign()
	if err != nil {
		return nil, err
	}
	c.cfg.Redact.Remember(a)
	return [][2]string{{"grant_type", JWTBearerGrantType}, {"assertion", a}}, nil
}

// identity is what tells two grants apart in the sharing and the store:
// who the token is for and what the assertion claims.
func (g *JWTBearer) identity(*resolvedRequest) string {
	b, _ := json.Marshal(struct {
		Iss, Sub, Aud string
		Claims        map[string]string
		ScopeIn       bool
	}{g.Issuer, g.Subject, g.Audience, g.Claims, g.ScopeInAssertion})
	return string(b)
}
