package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
	"github.com/go-jose/go-jose/v4/jwt"
)

// jwtBearerAssertionType is the client_assertion_type of RFC 7523 §2.2.
const jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is how long a client assertion we sign is valid: long
// enough for clock skew, short enough that a captured one is soon useless.
const assertionLifetime = 2 * time.Minute

// Signing algorithms by key type.
var (
	rsaAlgs    = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	ecAlgs     = map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}
	hmacAlgs   = []string{"HS256", "HS384", "HS512"}
	edDSAAlg   = "EdDSA"
	keyJWTAlgs = append(append(slices.Clone(rsaAlgs), "ES256", "ES384", "ES512"), edDSAAlg)
)

// KeyAlgorithms lists the signing_algorithm values for private_key_jwt;
// SecretAlgorithms those for client_secret_jwt.
func KeyAlgorithms() []string    { return slices.Clone(keyJWTAlgs) }
func SecretAlgorithms() []string { return slices.Clone(hmacAlgs) }

// ParsePrivateKey reads the first private key in PEM data: PKCS#1 RSA,
// PKCS#8 (RSA, ECDSA, Ed25519) or SEC 1 EC. Error messages never quote the
// key.
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM private key found (expected a BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY block)")
		}
		if strings.Contains(block.Type, "ENCRYPTED") || block.Headers["Proc-Type"] != "" {
			return nil, errors.New("the private key is encrypted; provide it unencrypted (and keep it in a secret store)")
		}
		var key any
		var err error
		switch block.Type {
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		default:
			continue // e.g. a certificate bundled before the key
		}
		if err != nil {
			return nil, fmt.Errorf("the %s block could not be parsed", block.Type)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("unsupported private key type %T", key)
		}
		return signer, nil
	}
}

// checkKeyAlgorithm reports whether alg can sign with the key whose public
// half is pub: it looks at the public key only, so a key held by a key
// service is checked like one read from PEM.
func checkKeyAlgorithm(pub crypto.PublicKey, alg string) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if !slices.Contains(rsaAlgs, alg) {
			return argErr(ArgSigningAlgorithm, "The signing_algorithm %s does not fit an RSA key; use one of %s.", alg, strings.Join(rsaAlgs, ", "))
		}
		if k.N.BitLen() < 2048 {
			return argErr(ArgPrivateKeyPEM, "The RSA key has %d bits; at least 2048 are required.", k.N.BitLen())
		}
	case *ecdsa.PublicKey:
		want, ok := ecAlgs[alg]
		if !ok || want != k.Curve {
			return argErr(ArgSigningAlgorithm, "The signing_algorithm %s does not fit an ECDSA key on curve %s; use %s.", alg, k.Curve.Params().Name, ecAlgFor(k.Curve))
		}
	case ed25519.PublicKey:
		if alg != edDSAAlg {
			return argErr(ArgSigningAlgorithm, "The signing_algorithm %s does not fit an Ed25519 key; use EdDSA.", alg)
		}
	default:
		return argErr(ArgPrivateKeyPEM, "The private key's type %T is not supported.", pub)
	}
	return nil
}

func ecAlgFor(c elliptic.Curve) string {
	for alg, curve := range ecAlgs {
		if curve == c {
			return alg
		}
	}
	return "another key type"
}

// certificateThumbprint returns the x5t#S256 of the first certificate in PEM
// data, checking that it belongs to key.
func certificateThumbprint(certPEM []byte, key crypto.Signer) (string, error) {
	cert, err := leafFor(certPEM, key)
	switch {
	case errors.Is(err, errNoCertificate):
		return "", err
	case errors.Is(err, errNotKeysCert):
		return "", errors.New("the certificate does not belong to the private key")
	case err != nil:
		return "", fmt.Errorf("the certificate could not be parsed: %v", err)
	}
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// assertionSpec is everything needed to sign one client assertion.
type assertionSpec struct {
	alg      string
	key      any    // crypto.Signer, or []byte for HMAC
	typ      string // the typ header; JWT when empty
	keyID    string
	x5tS256  string
	clientID string
	audience string
	now      time.Time
	// issuer and subject are the client_id when empty (a client
	// assertion); claims are further claims (a JWT bearer grant's).
	issuer, subject string
	claims          map[string]any
}

// sign builds an RFC 7523 client assertion: iss = sub = client_id, aud the
// token endpoint (or the configured audience), a random jti, iat, nbf and an
// exp assertionLifetime later.
func (a assertionSpec) sign() (string, error) {
	typ := a.typ
	if typ == "" {
		typ = "JWT"
	}
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	if a.keyID != "" {
		opts = opts.WithHeader("kid", a.keyID)
	}
	if a.x5tS256 != "" {
		opts = opts.WithHeader("x5t#S256", a.x5tS256)
	}
	key := a.key
	if s, ok := key.(crypto.Signer); ok {
		// Every private key signs through crypto.Signer, wherever it is held.
		key = cryptosigner.Opaque(s)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(a.alg), Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("cannot sign the client assertion with %s: %v", a.alg, err)
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	iss, sub := a.issuer, a.subject
	if iss == "" {
		iss, sub = a.clientID, a.clientID
	}
	claims := jwt.Claims{
		Issuer:    iss,
		Subject:   sub,
		Audience:  jwt.Audience{a.audience},
		ID:        hex.EncodeToString(jti),
		IssuedAt:  jwt.NewNumericDate(a.now),
		NotBefore: jwt.NewNumericDate(a.now),
		Expiry:    jwt.NewNumericDate(a.now.Add(assertionLifetime)),
	}
	b := jwt.Signed(signer).Claims(claims)
	if len(a.claims) > 0 {
		b = b.Claims(a.claims)
	}
	return b.Serialize()
}
