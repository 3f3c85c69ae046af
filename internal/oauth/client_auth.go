package oauth

import (
	"context"
	"crypto/sha256"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// credential is an argument, or pair of alternative arguments, that the
// client authentication rules look at.
type credential struct {
	arg, alt string // alt: the other forms, when there are any
	set      func(r *TokenRequest) bool
	// given is the argument the configuration used, when it is not arg.
	given func(r *TokenRequest) string
}

// blame is the argument a message about this credential points at: the
// form the configuration used.
func (c credential) blame(r *TokenRequest) string {
	if c.given != nil && c.set(r) {
		return c.given(r)
	}
	return c.arg
}

func (c credential) name() string {
	switch {
	case strings.Contains(c.alt, " or "):
		return c.arg + ", " + c.alt
	case c.alt != "":
		return c.arg + " or " + c.alt
	}
	return c.arg
}

var (
	credSecret = credential{ArgClientSecret, "client_secret_file or client_secret_env", func(r *TokenRequest) bool { return r.ClientSecret.IsSet() },
		func(r *TokenRequest) string { return r.ClientSecret.Arg(ClientSecretArgs) }}
	credKey  = credential{ArgPrivateKeyPEM, "private_key_file or private_key_env", (*TokenRequest).hasKey, (*TokenRequest).keyArg}
	credCert = credential{ArgCertificatePEM, ArgCertificateFile, func(r *TokenRequest) bool { return len(r.CertificatePEM) > 0 },
		(*TokenRequest).certificateArg}
	credAlg       = credential{ArgSigningAlgorithm, "", func(r *TokenRequest) bool { return r.SigningAlgorithm != "" }, nil}
	credKeyID     = credential{ArgKeyID, "", func(r *TokenRequest) bool { return r.KeyID != "" }, nil}
	credAudience  = credential{ArgAssertionAudience, "", func(r *TokenRequest) bool { return r.AssertionAudience != "" }, nil}
	credAssertion = credential{ArgClientAssertion, "client_assertion_file, client_assertion_env or workload_identity", func(r *TokenRequest) bool {
		return r.ClientAssertion.IsSet() || r.WorkloadIdentity != nil
	}, func(r *TokenRequest) string {
		if r.WorkloadIdentity != nil {
			return ArgWorkloadIdentity
		}
		return r.ClientAssertion.Arg(ClientAssertionArgs)
	}}
	allCredentials = []credential{credSecret, credKey, credCert, credAlg, credKeyID, credAudience, credAssertion}
)

// clientAuth is one client authentication method: the credentials it
// needs and those it may take beside them, how it decorates an attempt,
// how it checks its credentials' values, what keys a stored token, and the
// hint for a server that refuses it. The table below is the one place a
// method is described; nothing else switches on the method.
type clientAuth struct {
	needs, allows []credential
	// mtls: the connection presents the client certificate (RFC 8705).
	mtls bool
	// decorate gives an attempt's authentication parameters and headers,
	// its secrets as read: a signed assertion is made anew.
	decorate func(ctx context.Context, r *resolvedRequest, c *Client) ([][2]string, http.Header, error)
	// values checks the credentials' values where they are known.
	values func(r *resolvedRequest) error
	// storeSecret is the client's own secret that keys the persistent
	// store; nil: tokens of this method are not kept across runs.
	storeSecret func(r *resolvedRequest) []byte
	// assertion: the method signs an assertion. Its aud is the endpoint it
	// is sent to (the token endpoint, or the revocation endpoint), but under
	// rfc7523bis the issuer identifier, wherever it is sent.
	assertion bool
	// algs are the signing algorithms the method takes, the default first;
	// nil: the key decides (private_key_jwt).
	algs []string
	hint string
}

// methodOrder is the order methods are listed in messages and docs.
var methodOrder = []AuthMethod{ClientSecretBasic, ClientSecretPost, ClientSecretJWT, PrivateKeyJWT, ClientAssertion, TLSClientAuth, SelfSignedTLSClientAuth}

// clientAuths is filled in by init: its methods' functions read it back
// (an algorithm's default), which a plain initializer would make a cycle.
var clientAuths map[AuthMethod]clientAuth

func init() { clientAuths = methods() }

func methods() map[AuthMethod]clientAuth {
	return map[AuthMethod]clientAuth{
		ClientSecretBasic: {needs: []credential{credSecret}, storeSecret: secretKey,
			decorate: func(_ context.Context, r *resolvedRequest, _ *Client) ([][2]string, http.Header, error) {
				// RFC 6749 §2.3.1: each part is form-urlencoded before the Basic encoding.
				return nil, http.Header{"Authorization": {"Basic " + basicCredentials(r.ClientID, r.clientSecret)}}, nil
			}},
		ClientSecretPost: {needs: []credential{credSecret}, storeSecret: secretKey,
			decorate: func(_ context.Context, r *resolvedRequest, _ *Client) ([][2]string, http.Header, error) {
				return [][2]string{{"client_id", r.ClientID}, {"client_secret", r.clientSecret}}, nil, nil
			}},
		ClientSecretJWT: {needs: []credential{credSecret}, allows: []credential{credAlg, credAudience}, storeSecret: secretKey,
			decorate: secretAssertion, values: checkSecretLength, assertion: true, algs: hmacAlgs,
			hint: "The server rejected the client assertion signed with the client secret. Check client_id and client_secret, " +
				"that the server accepts client_secret_jwt with this signing_algorithm, and the assertion audience (assertion_audience; the token endpoint by default (the issuer under rfc7523bis))."},
		PrivateKeyJWT: {needs: []credential{credKey}, allows: []credential{credCert, credAlg, credKeyID, credAudience}, storeSecret: keyKey,
			decorate: keyAssertion, values: checkSigningKey, assertion: true,
			hint: "The server rejected the client assertion signed with the private key. Check client_id, that the server has this " +
				"key's public key registered for the client (and key_id names it), the signing_algorithm, and the assertion audience " +
				"(assertion_audience; the token endpoint by default (the issuer under rfc7523bis))."},
		ClientAssertion: {needs: []credential{credAssertion},
			decorate: func(_ context.Context, r *resolvedRequest, _ *Client) ([][2]string, http.Header, error) {
				return assertionParams(r.ClientID, r.clientAssertion), nil, nil
			},
			hint: "The server rejected the client assertion. Check that it is current (not expired), issued for this client_id and " +
				"for this server as audience, and that the server trusts its issuer (a federated credential, for Entra ID)."},
		TLSClientAuth:           mutualTLS,
		SelfSignedTLSClientAuth: mutualTLS,
		None: {decorate: func(context.Context, *resolvedRequest, *Client) ([][2]string, http.Header, error) {
			return nil, nil, nil
		}},
	}
}

// mutualTLS is RFC 8705 §2: the certificate authenticates, client_id
// identifies.
var mutualTLS = clientAuth{needs: []credential{credKey, credCert}, mtls: true, storeSecret: keyKey, values: checkPair,
	decorate: func(_ context.Context, r *resolvedRequest, _ *Client) ([][2]string, http.Header, error) {
		return [][2]string{{"client_id", r.ClientID}}, nil, nil
	},
	hint: "The server rejected the client certificate. Check that it is the one registered for this client_id, and that the " +
		"request went to the server's mutual-TLS endpoint (discovery's mtls_endpoint_aliases)."}

func secretKey(r *resolvedRequest) []byte { return []byte(r.clientSecret) }

// keyKey is the PEM key; a key service's key is no secret the provider
// holds, so its tokens are not kept across runs.
func keyKey(r *resolvedRequest) []byte {
	if r.KeyService != nil {
		return nil
	}
	return []byte(r.privateKey)
}

func assertionParams(clientID, assertion string) [][2]string {
	return [][2]string{{"client_id", clientID}, {"client_assertion_type", jwtBearerAssertionType}, {"client_assertion", assertion}}
}

// secretAssertion is an RFC 7523 client assertion signed for this attempt
// with the client secret (client_secret_jwt).
func secretAssertion(_ context.Context, r *resolvedRequest, c *Client) ([][2]string, http.Header, error) {
	spec := r.assertionSpec(c)
	spec.key = []byte(r.clientSecret)
	return r.signAssertion(spec, c)
}

// keyAssertion is an RFC 7523 client assertion signed for this attempt
// with the private key, wherever it is held (private_key_jwt).
func keyAssertion(ctx context.Context, r *resolvedRequest, c *Client) ([][2]string, http.Header, error) {
	spec := r.assertionSpec(c)
	key, alg, err := r.signingKey(ctx)
	if err != nil {
		return nil, nil, err
	}
	spec.key, spec.alg = key, alg
	if spec.keyID, err = r.keyID(key); err != nil {
		return nil, nil, err
	}
	if len(r.CertificatePEM) > 0 {
		if spec.x5tS256, err = certificateThumbprint(r.CertificatePEM, key); err != nil {
			return nil, nil, err
		}
	}
	return r.signAssertion(spec, c)
}

// assertionSpec is what every client assertion of this request names.
func (r *resolvedRequest) assertionSpec(c *Client) assertionSpec {
	spec := assertionSpec{alg: r.keyAlgorithm(), keyID: r.KeyID, clientID: r.ClientID, audience: r.AssertionAudience, now: c.cfg.Now()}
	if spec.audience == "" {
		spec.audience = r.TokenURL
	}
	return spec
}

// signAssertion signs spec under the request's assertion profile and
// registers the assertion before it is sent.
func (r *resolvedRequest) signAssertion(spec assertionSpec, c *Client) ([][2]string, http.Header, error) {
	if err := r.applyProfile(&spec); err != nil {
		return nil, nil, err
	}
	a, err := spec.sign()
	if err != nil {
		return nil, nil, err
	}
	c.cfg.Redact.Remember(a)
	return assertionParams(r.ClientID, a), nil, nil
}

// checkSigningKey: a key that parses and fits the algorithm, a
// certificate that fits the key. A key service's key is checked when it
// is first used.
func checkSigningKey(r *resolvedRequest) error {
	if r.privateKey == "" || r.KeyService != nil {
		return nil // in a file or variable not read yet: checked when it is
	}
	key, _, err := r.signingKey(context.Background()) // a PEM key: nothing is called
	if err != nil {
		return err
	}
	if len(r.CertificatePEM) > 0 {
		if _, err := certificateThumbprint(r.CertificatePEM, key); err != nil {
			return argErr(r.certificateArg(), "The certificate cannot be used: %v.", err)
		}
	}
	return nil
}

// checkSecretLength: RFC 7518 §3.2, the key must be at least as long as
// the hash.
func checkSecretLength(r *resolvedRequest) error {
	alg := r.keyAlgorithm()
	if need := map[string]int{"HS256": 32, "HS384": 48, "HS512": 64}[alg]; r.clientSecret != "" && len(r.clientSecret) < need {
		arg := r.ClientSecret.Arg(ClientSecretArgs)
		return argErr(arg, "client_secret_jwt with %s needs a client_secret of at least %d bytes (RFC 7518 §3.2); the one %s gives is shorter.", alg, need, arg)
	}
	return nil
}

// checkPair: a certificate and key that form a pair.
func checkPair(r *resolvedRequest) error {
	if r.privateKey != "" && r.KeyService == nil && len(r.CertificatePEM) > 0 {
		key, err := ParsePrivateKey([]byte(r.privateKey))
		if err == nil {
			_, err = tlsCertificate(r.CertificatePEM, key)
		}
		if err != nil {
			return argErr(r.certificateArg(), "The certificate cannot be used for mutual TLS: %v.", err)
		}
	}
	return nil
}

// auth is the request's method from the table; ok false for a method the
// provider does not know.
func (r *TokenRequest) auth() (clientAuth, bool) {
	a, ok := clientAuths[r.AuthMethod]
	return a, ok
}

// ValidateConfig checks what can be known of a configuration before any
// request: the workload identity, the grant's arguments, that the
// credentials fit the authentication method, and the secrets' values where
// they can be read now (inline, or in a file that exists). With
// pairFromProvider, the mutual-TLS certificate and key may come from the
// provider, so their absence is not an error yet. Errors are *ArgError.
func (r *TokenRequest) ValidateConfig(pairFromProvider bool) error {
	if r.WorkloadIdentity != nil {
		if err := r.WorkloadIdentity.Check(); err != nil {
			return withSummary(err, "Invalid Workload Identity")
		}
	}
	if err := r.grant().check(r); err != nil {
		return err
	}
	if err := r.checkClientID(); err != nil {
		return withSummary(err, "Missing Argument")
	}
	if err := r.checkAuth(pairFromProvider); err != nil {
		return withSummary(err, authSummary)
	}
	now := &resolvedRequest{TokenRequest: r}
	for _, s := range r.secrets(now) {
		*s.dst = s.readNow(s.args)
	}
	return withSummary(now.checkValues(), authSummary)
}

const authSummary = "Invalid Client Authentication"

// checkAuth enforces, for each method, the credentials it needs and refuses
// those it would ignore, so that a configuration means what it says. A
// missing credential is blamed on auth_method when it was configured (it is
// what demands the credential), on the credential when it was chosen.
func (r *TokenRequest) checkAuth(pairFromProvider bool) error {
	a, ok := r.auth()
	if !ok {
		return argErr(ArgAuthMethod, "The auth_method %q is not supported; use one of %s.", r.AuthMethod, strings.Join(AuthMethods(), ", "))
	}
	if r.AuthMethod == None && !r.grant().clientOptional(r) {
		return argErr(ArgAuthMethod, "Only a token exchange or a jwt_bearer grant may send no client authentication; set client_id and its credentials.")
	}
	allows := a.allows
	if r.grant().signsWithKey() { // the grant signs with the key, its id, algorithm and audience
		allows = append(slices.Clone(allows), credKey, credKeyID, credAlg, credAudience)
	}
	for _, c := range allCredentials {
		if c.set(r) && !slices.ContainsFunc(a.needs, c.is) && !slices.ContainsFunc(allows, c.is) {
			return argErr(c.blame(r), "The auth_method %q does not use %s; remove it, or choose an auth_method that does.", r.AuthMethod, c.name())
		}
	}
	for _, c := range a.needs {
		fromProvider := pairFromProvider && (c.is(credKey) || c.is(credCert))
		if !c.set(r) && !fromProvider {
			blame := ArgAuthMethod
			if r.methodChosen {
				blame = c.arg
			}
			return argErr(blame, "The auth_method %q needs %s.", r.AuthMethod, c.name())
		}
	}
	if alg := r.keyAlgorithm(); a.algs != nil && !slices.Contains(a.algs, alg) {
		return argErr(ArgSigningAlgorithm, "The signing_algorithm %s does not fit %s; use one of %s.", alg, r.AuthMethod, strings.Join(a.algs, ", "))
	}
	return r.checkProfile()
}

// checkValues checks the secrets' values, where they are known, against the
// method. Each error blames the form of the secret that was configured.
func (r *resolvedRequest) checkValues() error {
	if a, ok := r.auth(); ok && a.values != nil {
		return a.values(r)
	}
	return nil
}

func (c credential) is(o credential) bool { return c.arg == o.arg }

// certificateArg is the argument that gave the certificate.
func (r *TokenRequest) certificateArg() string {
	if r.CertificateFile != "" {
		return ArgCertificateFile
	}
	return ArgCertificatePEM
}

// keyAlgorithm is the signing algorithm: the configured one, else the
// method's first (HS256 for client_secret_jwt), else RS256.
func (r *TokenRequest) keyAlgorithm() string {
	if r.SigningAlgorithm != "" {
		return r.SigningAlgorithm
	}
	if a, ok := r.auth(); ok && len(a.algs) > 0 {
		return a.algs[0]
	}
	return "RS256"
}

// authParams are the client authentication parameters and headers of one
// attempt, its secrets as read.
func (r *resolvedRequest) authParams(ctx context.Context, c *Client) ([][2]string, http.Header, error) {
	a, ok := r.auth()
	if !ok {
		return nil, nil, argErr(ArgAuthMethod, "The auth_method %q is not supported.", r.AuthMethod)
	}
	return a.decorate(ctx, r, c)
}

// shareSecret is what proves the client's identity in memory: tokens are
// shared only between requests with the same.
func (r *resolvedRequest) shareSecret() []byte {
	h := sha256.New()
	var identity []byte
	if w := r.WorkloadIdentity; w != nil {
		identity = []byte(w.Key())
	}
	for _, part := range [][]byte{[]byte(r.clientSecret), []byte(r.privateKey), r.CertificatePEM, []byte(r.clientAssertion), identity, []byte(r.grant().identity(r)), r.keyServiceID()} {
		h.Write(strconv.AppendInt(nil, int64(len(part)), 10))
		h.Write([]byte{':'})
		h.Write(part)
	}
	return h.Sum(nil)
}

// cacheSecret keys the persistent cache: the client's own secret or
// private key (the grant's key, when the grant signs with one).
// Caller-supplied assertions rotate and are not secrets we hold, so those
// tokens are not kept on disk (nil: no secret, no entry).
func (r *resolvedRequest) cacheSecret() []byte {
	if r.grant().signsWithKey() {
		return keyKey(r)
	}
	if a, ok := r.auth(); ok && a.storeSecret != nil {
		return a.storeSecret(r)
	}
	return nil
}
