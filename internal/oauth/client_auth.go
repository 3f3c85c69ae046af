package oauth

import (
	"crypto/sha256"
	"errors"
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
	credKey = credential{ArgPrivateKeyPEM, "private_key_file or private_key_env", func(r *TokenRequest) bool { return r.PrivateKey.IsSet() },
		func(r *TokenRequest) string { return r.PrivateKey.Arg(PrivateKeyArgs) }}
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

// ValidateConfig checks what can be known of a configuration before any
// request: the workload identity, the exchange's tokens, that the
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
	if r.Exchange != nil {
		if err := r.Exchange.checkArgs(); err != nil {
			return withSummary(err, "Invalid Token Exchange")
		}
	}
	if err := r.checkClientID(); err != nil {
		return withSummary(err, "Missing Argument")
	}
	if err := r.checkGrant(); err != nil {
		return withSummary(err, "Invalid JWT Bearer Grant")
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
	var needs, allows []credential
	switch r.AuthMethod {
	case ClientSecretBasic, ClientSecretPost:
		needs = []credential{credSecret}
	case ClientSecretJWT:
		needs, allows = []credential{credSecret}, []credential{credAlg, credAudience}
	case PrivateKeyJWT:
		needs, allows = []credential{credKey}, []credential{credCert, credAlg, credKeyID, credAudience}
	case ClientAssertion:
		needs = []credential{credAssertion}
	case TLSClientAuth, SelfSignedTLSClientAuth:
		needs = []credential{credKey, credCert}
	case None:
		if r.Exchange == nil && r.JWTBearer == nil {
			return argErr(ArgAuthMethod, "Only a token exchange or a jwt_bearer grant may send no client authentication; set client_id and its credentials.")
		}
	default:
		return argErr(ArgAuthMethod, "The auth_method %q is not supported; use one of %s.", r.AuthMethod, strings.Join(AuthMethods(), ", "))
	}
	if r.JWTBearer != nil { // the grant signs with the key, its id, algorithm and audience
		allows = append(allows, credKey, credKeyID, credAlg, credAudience)
	}
	for _, c := range allCredentials {
		if c.set(r) && !slices.ContainsFunc(needs, c.is) && !slices.ContainsFunc(allows, c.is) {
			return argErr(c.blame(r), "The auth_method %q does not use %s; remove it, or choose an auth_method that does.", r.AuthMethod, c.name())
		}
	}
	for _, c := range needs {
		fromProvider := pairFromProvider && (c.is(credKey) || c.is(credCert))
		if !c.set(r) && !fromProvider {
			blame := ArgAuthMethod
			if r.methodChosen {
				blame = c.arg
			}
			return argErr(blame, "The auth_method %q needs %s.", r.AuthMethod, c.name())
		}
	}
	if r.AuthMethod == ClientSecretJWT {
		if alg := r.keyAlgorithm(); !slices.Contains(hmacAlgs, alg) {
			return argErr(ArgSigningAlgorithm, "The signing_algorithm %s does not fit client_secret_jwt; use one of %s.", alg, strings.Join(hmacAlgs, ", "))
		}
	}
	return nil
}

// checkValues checks the secrets' values, where they are known, against the
// method: a key that parses and fits the algorithm, a certificate that fits
// the key, a client_secret_jwt secret long enough. Each error blames the
// form of the secret that was configured.
func (r *resolvedRequest) checkValues() error {
	switch r.AuthMethod {
	case PrivateKeyJWT:
		if r.privateKey == "" {
			break // in a file or variable not read yet: checked when it is
		}
		key, err := ParsePrivateKey([]byte(r.privateKey))
		if err != nil {
			return argErr(r.PrivateKey.Arg(PrivateKeyArgs), "The private key cannot be used: %v.", err)
		}
		if err := checkKeyAlgorithm(key, r.keyAlgorithm()); err != nil {
			var ae *ArgError
			if errors.As(err, &ae) && ae.Arg == ArgPrivateKeyPEM {
				ae.Arg = r.PrivateKey.Arg(PrivateKeyArgs) // the form that gave the key
			}
			return err
		}
		if len(r.CertificatePEM) > 0 {
			if _, err := certificateThumbprint(r.CertificatePEM, key); err != nil {
				return argErr(r.certificateArg(), "The certificate cannot be used: %v.", err)
			}
		}
	case ClientSecretJWT:
		// RFC 7518 §3.2: the key must be at least as long as the hash.
		alg := r.keyAlgorithm()
		if need := map[string]int{"HS256": 32, "HS384": 48, "HS512": 64}[alg]; r.clientSecret != "" && len(r.clientSecret) < need {
			arg := r.ClientSecret.Arg(ClientSecretArgs)
			return argErr(arg, "client_secret_jwt with %s needs a client_secret of at least %d bytes (RFC 7518 §3.2); the one %s gives is shorter.", alg, need, arg)
		}
	case TLSClientAuth, SelfSignedTLSClientAuth:
		if r.privateKey != "" && len(r.CertificatePEM) > 0 {
			if _, err := tlsCertificate(r.CertificatePEM, []byte(r.privateKey)); err != nil {
				return argErr(r.certificateArg(), "The certificate cannot be used for mutual TLS: %v.", err)
			}
		}
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

// keyAlgorithm is the signing algorithm, defaulted by method.
func (r *TokenRequest) keyAlgorithm() string {
	switch {
	case r.SigningAlgorithm != "":
		return r.SigningAlgorithm
	case r.AuthMethod == ClientSecretJWT:
		return "HS256"
	default:
		return "RS256"
	}
}

// authParams are the client authentication parameters of one attempt, its
// secrets as read: a signed assertion is made anew.
func (r *resolvedRequest) authParams(c *Client) ([][2]string, error) {
	idParam := [2]string{"client_id", r.ClientID}
	assertion := func(a string) [][2]string {
		return [][2]string{idParam, {"client_assertion_type", jwtBearerAssertionType}, {"client_assertion", a}}
	}
	switch r.AuthMethod {
	case ClientSecretBasic:
		return nil, nil
	case ClientSecretPost:
		return [][2]string{idParam, {"client_secret", r.clientSecret}}, nil
	case TLSClientAuth, SelfSignedTLSClientAuth:
		// RFC 8705 §2: the certificate authenticates; client_id identifies.
		return [][2]string{idParam}, nil
	case ClientAssertion:
		return assertion(r.clientAssertion), nil
	case None:
		return nil, nil
	}
	spec := assertionSpec{alg: r.keyAlgorithm(), keyID: r.KeyID, clientID: r.ClientID, audience: r.AssertionAudience, now: c.cfg.Now()}
	if spec.audience == "" {
		spec.audience = r.TokenURL
	}
	if r.AuthMethod == ClientSecretJWT {
		spec.key = []byte(r.clientSecret)
	} else {
		key, err := ParsePrivateKey([]byte(r.privateKey))
		if err != nil {
			return nil, err
		}
		spec.key = key
		if len(r.CertificatePEM) > 0 {
			if spec.x5tS256, err = certificateThumbprint(r.CertificatePEM, key); err != nil {
				return nil, err
			}
		}
	}
	a, err := spec.sign()
	if err != nil {
		return nil, err
	}
	c.cfg.Redact.Remember(a)
	return assertion(a), nil
}

// shareSecret is what proves the client's identity in memory: tokens are
// shared only between requests with the same.
func (r *resolvedRequest) shareSecret() []byte {
	h := sha256.New()
	var identity []byte
	if w := r.WorkloadIdentity; w != nil {
		identity = []byte(string(w.Platform) + "\x00" + w.Audience + "\x00" + w.ServiceConnectionID)
	}
	for _, part := range [][]byte{[]byte(r.clientSecret), []byte(r.privateKey), r.CertificatePEM, []byte(r.clientAssertion), identity, []byte(r.exchangeIdentity())} {
		h.Write(strconv.AppendInt(nil, int64(len(part)), 10))
		h.Write([]byte{':'})
		h.Write(part)
	}
	return h.Sum(nil)
}

// cacheSecret keys the persistent cache: the client's own secret or private
// key. Caller-supplied assertions rotate and are not secrets we hold, so
// those tokens are not kept on disk (nil: no secret, no entry).
func (r *resolvedRequest) cacheSecret() []byte {
	switch {
	case r.JWTBearer != nil: // the grant's key is the client's own
		return []byte(r.privateKey)
	case r.AuthMethod == ClientAssertion, r.AuthMethod == None:
		return nil
	case r.AuthMethod == PrivateKeyJWT, r.AuthMethod.IsMutualTLS():
		return []byte(r.privateKey)
	}
	return []byte(r.clientSecret)
}
