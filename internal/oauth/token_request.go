package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// AuthMethod is how the client authenticates at the token endpoint; the
// names are OpenID Connect Core §9's and RFC 8705's, plus client_assertion
// for an assertion the caller supplies.
type AuthMethod string

const (
	ClientSecretBasic       AuthMethod = "client_secret_basic"
	ClientSecretPost        AuthMethod = "client_secret_post"
	ClientSecretJWT         AuthMethod = "client_secret_jwt"
	PrivateKeyJWT           AuthMethod = "private_key_jwt"
	ClientAssertion         AuthMethod = "client_assertion"
	TLSClientAuth           AuthMethod = "tls_client_auth"
	SelfSignedTLSClientAuth AuthMethod = "self_signed_tls_client_auth"
	// None sends no client authentication: a token exchange with a
	// server that takes the subject token alone (Google's STS).
	None AuthMethod = "none"
)

// IsMutualTLS reports whether the method authenticates with a client
// certificate (RFC 8705), whose connection presents it.
func (m AuthMethod) IsMutualTLS() bool { return clientAuths[m].mtls }

// AuthMethods lists every method a configuration may name.
func AuthMethods() []string {
	out := make([]string, len(methodOrder))
	for i, m := range methodOrder {
		out[i] = string(m)
	}
	return out
}

// Body formats of the token request.
const (
	FormatForm = "form" // application/x-www-form-urlencoded, RFC 6749 §4.4.2
	FormatJSON = "json" // a JSON object, as Epicollect5 and others expect
)

// TokenRequest is one token request: a grant, and the client's
// authentication.
type TokenRequest struct {
	TokenURL string
	ClientID string
	// ClientSecret is read when the request is sent.
	ClientSecret Secret
	// AuthMethod is the client authentication; chooseAuthMethod picks one
	// when the user did not.
	AuthMethod AuthMethod
	// Format is FormatForm (default) or FormatJSON; ContentType overrides
	// the Content-Type header that goes with it.
	Format      string
	ContentType string
	Scopes      []string // sent space-joined as "scope"
	Audience    string
	Resources   []string // RFC 8707, one "resource" parameter each
	ExtraParams map[string]string
	Headers     map[string]string

	// PrivateKey, PEM, signs private_key_jwt assertions, and is the mTLS
	// key.
	PrivateKey Secret
	// KeyService, instead of PrivateKey, holds the key in a key service:
	// it signs there, and the key never reaches the provider.
	KeyService KeyService
	// CertificatePEM is the mTLS client certificate; with private_key_jwt
	// it gives the assertion's x5t#S256 header.
	CertificatePEM []byte
	// CertificateFile is the file CertificatePEM was read from, if any: the
	// argument a message about the certificate blames.
	CertificateFile string
	// SigningAlgorithm signs the assertion: RS256 by default for
	// private_key_jwt, HS256 for client_secret_jwt.
	SigningAlgorithm string
	KeyID            string // the assertion's kid header
	// AssertionAudience is the client assertion's aud at the token
	// endpoint, the token endpoint by default; a revocation's assertion
	// names the revocation endpoint. Under rfc7523bis it is the issuer
	// identifier, the aud at every endpoint; Issuer by default.
	AssertionAudience string
	// AssertionProfile shapes the client assertions the provider signs:
	// ProfileRFC7523 (the default) or ProfileRFC7523bis.
	AssertionProfile string
	// Issuer is the authorization server's issuer identifier, when the
	// configuration names it: the aud of an rfc7523bis assertion.
	Issuer string
	// ClientAssertion, or the file or environment variable named, read at
	// request time, is a caller-supplied assertion (a federated identity
	// token); or WorkloadIdentity fetches one from the CI platform for
	// every attempt.
	ClientAssertion  Secret
	WorkloadIdentity IdentitySource

	// Grant is what is asked for: ClientCredentials when nil, or an
	// *Exchange (RFC 8693), a *JWTBearer (RFC 7523 §2.1).
	Grant Grant
	// DPoP, when set, binds the token to this key (RFC 9449): every
	// attempt carries a proof, and a server's nonce is taken once.
	DPoP *DPoPKey

	// NoShare asks for a token of one's own, neither shared with nor kept
	// for other requests: for a token that will be revoked.
	NoShare bool

	// methodChosen records that SetDefaults chose AuthMethod: a missing
	// credential is then blamed on the credential, not on auth_method.
	methodChosen bool
	// defaulted records that SetDefaults ran: with the discovered metadata
	// it must not run again without it.
	defaulted bool
}

// SetDefaults fills in what the configuration left out: the form body, and
// the authentication method (chooseAuthMethod, with the server's metadata
// when discovery ran). It is the one place the default method is chosen,
// and runs once per request.
func (r *TokenRequest) SetDefaults(md *Metadata) {
	if r.defaulted {
		return
	}
	r.defaulted = true
	if r.Format == "" {
		r.Format = FormatForm
	}
	if r.AuthMethod == "" {
		r.AuthMethod, r.methodChosen = r.chooseAuthMethod(md), true
	}
}

// chooseAuthMethod returns the method to use when none was configured: the
// one the given credentials imply (a private key: private_key_jwt; an
// assertion: client_assertion); otherwise client_secret_post for a JSON body
// (everything travels in the body), client_secret_post when the server's
// metadata lists it but not client_secret_basic, and client_secret_basic,
// the RFC 6749 §2.3.1 method every server must support, in any other case.
func (r *TokenRequest) chooseAuthMethod(md *Metadata) AuthMethod {
	if m, ok := r.grant().chooseAuth(r, md); ok {
		return m
	}
	switch {
	case credAssertion.set(r):
		return ClientAssertion
	case credKey.set(r) && !credSecret.set(r):
		return PrivateKeyJWT
	}
	return chooseSecretMethod(r.Format, md)
}

// chooseSecretMethod is the choice between the two shared-secret methods.
func chooseSecretMethod(format string, md *Metadata) AuthMethod {
	if format == FormatJSON {
		return ClientSecretPost
	}
	if md != nil {
		s := md.TokenEndpointAuthMethodsSupported
		if len(s) > 0 && !slices.Contains(s, string(ClientSecretBasic)) && slices.Contains(s, string(ClientSecretPost)) {
			return ClientSecretPost
		}
	}
	return ClientSecretBasic
}

// params are the request's parameters in a stable order, lead first (the
// grant type of a token request, the token of a revocation), then the
// client authentication parameters auth.
func (r *TokenRequest) params(lead, auth [][2]string) [][2]string {
	p := append(slices.Clone(lead), auth...)
	if len(r.Scopes) > 0 && !r.grant().carriesScope() {
		p = append(p, [2]string{"scope", strings.Join(r.Scopes, " ")})
	}
	if r.Audience != "" {
		p = append(p, [2]string{"audience", r.Audience})
	}
	for _, res := range r.Resources {
		p = append(p, [2]string{"resource", res})
	}
	keys := make([]string, 0, len(r.ExtraParams))
	for k := range r.ExtraParams {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p = append(p, [2]string{k, r.ExtraParams[k]})
	}
	return p
}

// reserved parameters cannot be set through ExtraParams, so that a typo
// cannot silently replace the grant or the credentials; reservedHeaders
// likewise follow from the method and format.
var (
	reserved = []string{"grant_type", "client_id", "client_secret", "scope", "audience", "resource",
		"client_assertion", "client_assertion_type", "subject_token", "subject_token_type", "actor_token", "actor_token_type",
		"requested_token_type"}
	reservedHeaders = []string{"Authorization", "Content-Type", "Content-Length", "Host"}
)

// ReservedParams are the parameter names ExtraParams may not set.
func ReservedParams() []string { return slices.Clone(reserved) }

// ReservedHeaders are the header names Headers may not set.
func ReservedHeaders() []string { return slices.Clone(reservedHeaders) }

// validate checks what the server cannot be asked to sort out. Errors are
// *ArgError, blaming the argument to change.
func (r *TokenRequest) validate() error {
	if err := r.checkOneForm(); err != nil {
		return err
	}
	if err := r.checkClientID(); err != nil {
		return err
	}
	if err := r.grant().check(r); err != nil {
		return err
	}
	switch r.Format {
	case FormatForm, FormatJSON, "":
	default:
		return argErr(ArgRequestFormat, "The request_format %q is not supported; use %q or %q.", r.Format, FormatForm, FormatJSON)
	}
	for k := range r.ExtraParams {
		if slices.Contains(reserved, k) {
			return argErr(ArgExtraParams, "The extra_params may not set %q; use the argument of that name.", k)
		}
	}
	for k := range r.Headers {
		if slices.Contains(reservedHeaders, http.CanonicalHeaderKey(k)) {
			return argErr(ArgHeaders, "The headers may not set %q; it follows from auth_method, request_format and content_type.", k)
		}
	}
	return r.checkAuth(false)
}

// attemptFunc builds one attempt of a request: its body, and the headers
// that carry credentials. It is called for every attempt, so that each
// reads the secrets as they are then and carries a fresh assertion.
type attemptFunc func() ([]byte, http.Header, error)

// checkClientID requires a client_id but for the grants that may send no
// client authentication.
func (r *TokenRequest) checkClientID() error {
	if r.ClientID == "" && !r.grant().clientOptional(r) {
		return argErr(ArgClientID, "The client_id is required (only a token exchange or a jwt_bearer grant may go without one).")
	}
	return nil
}

// encode builds the token request's attempts and fixed headers.
func (r *TokenRequest) encode(ctx context.Context, c *Client) (attemptFunc, http.Header) {
	g := r.grant()
	return r.encodeBody(ctx, c, func(res *resolvedRequest) ([][2]string, error) { return g.params(ctx, c, res) })
}

// leadFunc gives an attempt's first parameters, from its secrets as read.
type leadFunc func(res *resolvedRequest) ([][2]string, error)

func fixed(p ...[2]string) leadFunc {
	return func(*resolvedRequest) ([][2]string, error) { return p, nil }
}

// encodeWith builds another request authenticated as this client, such as
// a revocation, with lead as its first parameters.
func (r *TokenRequest) encodeWith(ctx context.Context, c *Client, lead map[string]string) (attemptFunc, http.Header) {
	var p [][2]string
	for k, v := range lead {
		p = append(p, [2]string{k, v})
	}
	return r.encodeBody(ctx, c, fixed(p...))
}

func (r *TokenRequest) encodeBody(ctx context.Context, c *Client, lead leadFunc) (attemptFunc, http.Header) {
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	h.Set("Accept", "application/json")
	contentType := r.ContentType
	if contentType == "" {
		contentType = "application/x-www-form-urlencoded"
		if r.Format == FormatJSON {
			contentType = "application/json"
		}
	}
	h.Set("Content-Type", contentType)
	return func() ([]byte, http.Header, error) {
		res, err := r.resolve(c.cfg.Redact)
		if err != nil {
			return nil, nil, err
		}
		if res.WorkloadIdentity != nil {
			if res.clientAssertion, err = c.IdentityToken(ctx, res.WorkloadIdentity); err != nil {
				return nil, nil, err
			}
		}
		ap, auth, err := res.authParams(ctx, c)
		if err != nil {
			return nil, nil, err
		}
		if auth == nil {
			auth = http.Header{}
		}
		if r.DPoP != nil {
			proof, err := r.DPoP.Proof(http.MethodPost, r.TokenURL, "")
			if err != nil {
				return nil, nil, err
			}
			auth.Set("DPoP", proof)
		}
		lp, err := lead(res)
		if err != nil {
			return nil, nil, err
		}
		params := r.params(lp, ap)
		if r.Format == FormatJSON {
			b, err := jsonBody(params)
			return b, auth, err
		}
		v := url.Values{}
		for _, kv := range params {
			v.Add(kv[0], kv[1])
		}
		return []byte(v.Encode()), auth, nil
	}, h
}

// jsonBody puts every parameter in one JSON object; a repeated parameter
// (resource) becomes an array.
func jsonBody(params [][2]string) ([]byte, error) {
	obj := map[string]any{}
	for _, kv := range params {
		switch prev := obj[kv[0]].(type) {
		case nil:
			obj[kv[0]] = kv[1]
		case string:
			obj[kv[0]] = []string{prev, kv[1]}
		case []string:
			obj[kv[0]] = append(prev, kv[1])
		}
	}
	return json.Marshal(obj)
}

func basicCredentials(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}

// Expects reports whether a token of type tt is what this request asks
// for: a Bearer token, a DPoP-bound one when the request carries a proof,
// or what the grant itself may issue (RFC 8693's N_A, say).
func (r TokenRequest) Expects(tt string) bool {
	switch {
	case strings.EqualFold(tt, "bearer"):
		return true
	case strings.EqualFold(tt, "dpop"):
		return r.DPoP != nil
	}
	return r.grant().issues(tt)
}
