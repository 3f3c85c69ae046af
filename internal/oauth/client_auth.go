package oauth

import (
	"crypto/sha256"
	"slices"
	"strconv"
	"strings"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// credential is an argument, or pair of alternative arguments, that the
// client authentication rules look at.
type credential struct {
	arg, alt string // alt: the other forms, when there are any
	set      func(r *TokenRequest) bool
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
	credSecret = credential{ArgClientSecret, "client_secret_file or client_secret_env", func(r *TokenRequest) bool {
		return r.ClientSecret != "" || r.ClientSecretFile != "" || r.ClientSecretEnv != ""
	}}
	credKey = credential{ArgPrivateKeyPEM, "private_key_file or private_key_env", func(r *TokenRequest) bool {
		return len(r.PrivateKeyPEM) > 0 || r.PrivateKeyFile != "" || r.PrivateKeyEnv != ""
	}}
	credCert      = credential{ArgCertificatePEM, ArgCertificateFile, func(r *TokenRequest) bool { return len(r.CertificatePEM) > 0 }}
	credAlg       = credential{ArgSigningAlgorithm, "", func(r *TokenRequest) bool { return r.SigningAlgorithm != "" }}
	credKeyID     = credential{ArgKeyID, "", func(r *TokenRequest) bool { return r.KeyID != "" }}
	credAudience  = credential{ArgAssertionAudience, "", func(r *TokenRequest) bool { return r.AssertionAudience != "" }}
	credAssertion = credential{ArgClientAssertion, "client_assertion_file, client_assertion_env or workload_identity", func(r *TokenRequest) bool {
		return r.ClientAssertion != "" || r.ClientAssertionFile != "" || r.ClientAssertionEnv != "" || r.WorkloadIdentity != nil
	}}
	allCredentials = []credential{credSecret, credKey, credCert, credAlg, credKeyID, credAudience, credAssertion}
)

// ValidateAuth enforces, for each method, the credentials it needs and
// refuses those it would ignore, so that a configuration means what it says.
// Errors are *ArgError, blaming the argument to change.
func (r *TokenRequest) ValidateAuth() error {
	if err := r.checkOneForm(); err != nil {
		return err
	}
	return r.ValidateAuthArgs(false)
}

// ValidateAuthArgs is ValidateAuth for a configuration whose schema already
// refuses a secret in two forms, and that may leave the mutual-TLS
// certificate and key to the provider (pairFromProvider): then their
// absence is not an error yet.
func (r *TokenRequest) ValidateAuthArgs(pairFromProvider bool) error {
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
		if r.Exchange == nil {
			return argErr(ArgAuthMethod, "Only a token exchange may send no client authentication; set client_id and its credentials.")
		}
	default:
		return argErr(ArgAuthMethod, "The auth_method %q is not supported; use one of %s.", r.AuthMethod, strings.Join(AuthMethods(), ", "))
	}
	for _, c := range allCredentials {
		if c.set(r) && !slices.ContainsFunc(needs, c.is) && !slices.ContainsFunc(allows, c.is) {
			return argErr(c.arg, "The auth_method %q does not use %s; remove it, or choose an auth_method that does.", r.AuthMethod, c.name())
		}
	}
	for _, c := range needs {
		fromProvider := pairFromProvider && (c.is(credKey) || c.is(credCert))
		if !c.set(r) && !fromProvider {
			return argErr(c.arg, "The auth_method %q needs %s.", r.AuthMethod, c.name())
		}
	}
	switch r.AuthMethod {
	case PrivateKeyJWT:
		if len(r.PrivateKeyPEM) == 0 {
			break // in a file or variable not read yet: checked when it is
		}
		key, err := ParsePrivateKey(r.PrivateKeyPEM)
		if err != nil {
			return argErr(ArgPrivateKeyPEM, "The private key cannot be used: %v.", err)
		}
		if err := CheckKeyAlgorithm(key, r.keyAlgorithm()); err != nil {
			return err
		}
		if len(r.CertificatePEM) > 0 {
			if _, err := CertificateThumbprint(r.CertificatePEM, key); err != nil {
				return argErr(ArgCertificatePEM, "The certificate cannot be used: %v.", err)
			}
		}
	case ClientSecretJWT:
		alg := r.keyAlgorithm()
		if !slices.Contains(hmacAlgs, alg) {
			return argErr(ArgSigningAlgorithm, "The signing_algorithm %s does not fit client_secret_jwt; use one of %s.", alg, strings.Join(hmacAlgs, ", "))
		}
		// RFC 7518 §3.2: the key must be at least as long as the hash.
		if need := map[string]int{"HS256": 32, "HS384": 48, "HS512": 64}[alg]; r.ClientSecret != "" && len(r.ClientSecret) < need {
			return argErr(ArgClientSecret, "client_secret_jwt with %s needs a client_secret of at least %d bytes (RFC 7518 §3.2); this one is shorter.", alg, need)
		}
	case TLSClientAuth, SelfSignedTLSClientAuth:
		if len(r.PrivateKeyPEM) > 0 && len(r.CertificatePEM) > 0 {
			if _, err := tlsCertificate(r.CertificatePEM, r.PrivateKeyPEM); err != nil {
				return argErr(ArgCertificatePEM, "%s.", capitalFirst(err.Error()))
			}
		}
	}
	return nil
}

func (c credential) is(o credential) bool { return c.arg == o.arg }

func capitalFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
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

// authParams are the client authentication parameters of one attempt, for
// a resolved request (its secrets read): a signed assertion is made anew.
func (r *TokenRequest) authParams(c *Client) ([][2]string, error) {
	idParam := [2]string{"client_id", r.ClientID}
	assertion := func(a string) [][2]string {
		return [][2]string{idParam, {"client_assertion_type", JWTBearerAssertionType}, {"client_assertion", a}}
	}
	switch r.AuthMethod {
	case ClientSecretBasic:
		return nil, nil
	case ClientSecretPost:
		return [][2]string{idParam, {"client_secret", r.ClientSecret}}, nil
	case TLSClientAuth, SelfSignedTLSClientAuth:
		// RFC 8705 §2: the certificate authenticates; client_id identifies.
		return [][2]string{idParam}, nil
	case ClientAssertion:
		return assertion(r.ClientAssertion), nil
	case None:
		return nil, nil
	}
	spec := assertionSpec{alg: r.keyAlgorithm(), keyID: r.KeyID, clientID: r.ClientID, audience: r.AssertionAudience, now: c.cfg.Now()}
	if spec.audience == "" {
		spec.audience = r.TokenURL
	}
	if r.AuthMethod == ClientSecretJWT {
		spec.key = []byte(r.ClientSecret)
	} else {
		key, err := ParsePrivateKey(r.PrivateKeyPEM)
		if err != nil {
			return nil, err
		}
		spec.key = key
		if len(r.CertificatePEM) > 0 {
			if spec.x5tS256, err = CertificateThumbprint(r.CertificatePEM, key); err != nil {
				return nil, err
			}
		}
	}
	a, err := spec.sign()
	if err != nil {
		return nil, err
	}
	redact.Remember(a)
	return assertion(a), nil
}

// shareSecret is what proves the client's identity in memory: tokens are
// shared only between requests with the same.
func (r *TokenRequest) shareSecret() []byte {
	h := sha256.New()
	var identity []byte
	if w := r.WorkloadIdentity; w != nil {
		identity = []byte(string(w.Platform) + "\x00" + w.Audience + "\x00" + w.ServiceConnectionID)
	}
	for _, part := range [][]byte{[]byte(r.ClientSecret), r.PrivateKeyPEM, r.CertificatePEM, []byte(r.ClientAssertion), identity, []byte(r.Exchange.identity())} {
		h.Write(strconv.AppendInt(nil, int64(len(part)), 10))
		h.Write([]byte{':'})
		h.Write(part)
	}
	return h.Sum(nil)
}

// cacheSecret keys the persistent cache: the client's own secret or private
// key. Caller-supplied assertions rotate and are not secrets we hold, so
// those tokens are not kept on disk (nil: no secret, no entry).
func (r *TokenRequest) cacheSecret() []byte {
	switch r.AuthMethod {
	case ClientAssertion, None:
		return nil
	case PrivateKeyJWT, TLSClientAuth, SelfSignedTLSClientAuth:
		return r.PrivateKeyPEM
	}
	return []byte(r.ClientSecret)
}
