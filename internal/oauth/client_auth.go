package oauth

import (
	"crypto/sha256"
	"fmt"
	"os"
	"slices"
	"strings"
)

// attribute names as the user knows them, for messages.
const (
	attrSecret    = "client_secret"
	attrKey       = "private_key_pem or private_key_file"
	attrCert      = "certificate_pem or certificate_file"
	attrAlg       = "signing_algorithm"
	attrKeyID     = "key_id"
	attrAudience  = "assertion_audience"
	attrAssertion = "client_assertion or client_assertion_file"
)

// ValidateAuth enforces, for each method, the credentials it needs and
// refuses those it would ignore, so that a configuration means what it says.
func (r *TokenRequest) ValidateAuth() error {
	has := map[string]bool{
		attrSecret:    r.ClientSecret != "",
		attrKey:       len(r.PrivateKeyPEM) > 0,
		attrCert:      len(r.CertificatePEM) > 0,
		attrAlg:       r.SigningAlgorithm != "",
		attrKeyID:     r.KeyID != "",
		attrAudience:  r.AssertionAudience != "",
		attrAssertion: r.ClientAssertion != "" || r.ClientAssertionFile != "",
	}
	var needs, allows []string
	switch r.AuthMethod {
	case ClientSecretBasic, ClientSecretPost:
		needs = []string{attrSecret}
	case ClientSecretJWT:
		needs, allows = []string{attrSecret}, []string{attrAlg, attrAudience}
	case PrivateKeyJWT:
		needs, allows = []string{attrKey}, []string{attrCert, attrAlg, attrKeyID, attrAudience}
	case ClientAssertion:
		needs = []string{attrAssertion}
	case TLSClientAuth, SelfSignedTLSClientAuth:
		needs = []string{attrKey, attrCert}
	default:
		return fmt.Errorf("unsupported auth_method %q; use one of %s", r.AuthMethod, strings.Join(AuthMethods(), ", "))
	}
	for _, n := range needs {
		if !has[n] {
			return fmt.Errorf("auth_method %q needs %s", r.AuthMethod, n)
		}
	}
	for _, attr := range []string{attrSecret, attrKey, attrCert, attrAlg, attrKeyID, attrAudience, attrAssertion} {
		if has[attr] && !slices.Contains(needs, attr) && !slices.Contains(allows, attr) {
			return fmt.Errorf("%s is not used by auth_method %q; remove it or choose another auth_method", attr, r.AuthMethod)
		}
	}
	if r.ClientAssertion != "" && r.ClientAssertionFile != "" {
		return fmt.Errorf("set only one of client_assertion and client_assertion_file")
	}
	switch r.AuthMethod {
	case PrivateKeyJWT:
		key, err := ParsePrivateKey(r.PrivateKeyPEM)
		if err != nil {
			return fmt.Errorf("private key: %v", err)
		}
		if err := CheckKeyAlgorithm(key, r.keyAlgorithm()); err != nil {
			return err
		}
		if has[attrCert] {
			if _, err := CertificateThumbprint(r.CertificatePEM, key); err != nil {
				return fmt.Errorf("certificate: %v", err)
			}
		}
	case ClientSecretJWT:
		alg := r.keyAlgorithm()
		if !slices.Contains(hmacAlgs, alg) {
			return fmt.Errorf("signing_algorithm %s does not fit client_secret_jwt; use one of %s", alg, strings.Join(hmacAlgs, ", "))
		}
		// RFC 7518 §3.2: the key must be at least as long as the hash.
		if need := map[string]int{"HS256": 32, "HS384": 48, "HS512": 64}[alg]; len(r.ClientSecret) < need {
			return fmt.Errorf("client_secret_jwt with %s needs a client_secret of at least %d bytes (RFC 7518 §3.2); this one is shorter", alg, need)
		}
	case TLSClientAuth, SelfSignedTLSClientAuth:
		if _, err := tlsCertificate(r.CertificatePEM, r.PrivateKeyPEM); err != nil {
			return err
		}
	}
	return nil
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

// prepareAuth parses the credentials once and returns a function giving the
// client authentication parameters of one attempt.
func (r *TokenRequest) prepareAuth(c *Client) (func() ([][2]string, error), error) {
	static := func(p ...[2]string) func() ([][2]string, error) {
		return func() ([][2]string, error) { return p, nil }
	}
	idParam := [2]string{"client_id", r.ClientID}
	switch r.AuthMethod {
	case ClientSecretBasic:
		return static(), nil
	case ClientSecretPost:
		return static(idParam, [2]string{"client_secret", r.ClientSecret}), nil
	case TLSClientAuth, SelfSignedTLSClientAuth:
		// RFC 8705 §2: the certificate authenticates; client_id identifies.
		return static(idParam), nil
	case ClientAssertion:
		return func() ([][2]string, error) {
			a := r.ClientAssertion
			if r.ClientAssertionFile != "" {
				// Read each time: projected tokens are rotated in place.
				b, err := os.ReadFile(r.ClientAssertionFile)
				if err != nil {
					return nil, fmt.Errorf("client_assertion_file could not be read: %v", err)
				}
				if a = strings.TrimSpace(string(b)); a == "" {
					return nil, fmt.Errorf("client_assertion_file %s is empty", r.ClientAssertionFile)
				}
				rememberSecret(a)
			}
			return [][2]string{idParam, {"client_assertion_type", JWTBearerAssertionType}, {"client_assertion", a}}, nil
		}, nil
	}
	spec := assertionSpec{alg: r.keyAlgorithm(), keyID: r.KeyID, clientID: r.ClientID, audience: r.AssertionAudience}
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
	return func() ([][2]string, error) {
		s := spec
		s.now = c.cfg.Now()
		a, err := s.sign()
		if err != nil {
			return nil, err
		}
		rememberSecret(a)
		return [][2]string{idParam, {"client_assertion_type", JWTBearerAssertionType}, {"client_assertion", a}}, nil
	}, nil
}

// shareSecret is what proves the client's identity in memory: tokens are
// shared only between requests with the same.
func (r *TokenRequest) shareSecret() []byte {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(r.ClientSecret), r.PrivateKeyPEM, r.CertificatePEM, []byte(r.ClientAssertion), []byte(r.ClientAssertionFile)} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return h.Sum(nil)
}

// cacheSecret keys the persistent cache: the client's own secret or private
// key. Caller-supplied assertions rotate and are not secrets we hold, so
// those tokens are not kept on disk (nil: no secret, no entry).
func (r *TokenRequest) cacheSecret() []byte {
	switch r.AuthMethod {
	case ClientAssertion:
		return nil
	case PrivateKeyJWT, TLSClientAuth, SelfSignedTLSClientAuth:
		return r.PrivateKeyPEM
	}
	return []byte(r.ClientSecret)
}
