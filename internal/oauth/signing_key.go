package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"strings"
)

// Every signature the provider makes (client assertions, JWT bearer
// assertions, DPoP proofs, the mutual-TLS handshake) is made by a
// crypto.Signer that a KeySource hands out. A PEM key read from its
// argument, file or variable and a key held by a key service are the same
// thing to every signer: nothing that signs asks where the key lives.

// KeySource is where a signing key comes from.
type KeySource interface {
	// Signer is the key for one attempt; its Sign calls belong to ctx (a
	// key service is called with it). Errors never quote key material or
	// the key service's credentials.
	Signer(ctx context.Context) (crypto.Signer, error)
}

// KeyService is a key held by a key service (AWS KMS, Vault Transit,
// Cloud KMS, Key Vault), named by a URI that is no secret: the private key
// never leaves the service.
type KeyService interface {
	KeySource
	// URI names the key in messages and tells keys apart.
	URI() string
}

// ArgPrivateKeyKMS names a key held by a key service.
const ArgPrivateKeyKMS = "private_key_kms"

// pemKey is a PEM private key as read for one attempt (registered with
// the sanitiser by the read).
type pemKey string

func (k pemKey) Signer(context.Context) (crypto.Signer, error) { return ParsePrivateKey([]byte(k)) }

// keySource is the request's key: the key service's, or the PEM as read.
func (r *resolvedRequest) keySource() KeySource {
	if r.KeyService != nil {
		return r.KeyService
	}
	return pemKey(r.privateKey)
}

// keyArg is the argument that gave the key: the one its messages blame.
func (r *TokenRequest) keyArg() string {
	if r.KeyService != nil {
		return ArgPrivateKeyKMS
	}
	return r.PrivateKey.Arg(PrivateKeyArgs)
}

// hasKey reports whether the request has a private key in any form.
func (r *TokenRequest) hasKey() bool { return r.PrivateKey.IsSet() || r.KeyService != nil }

// signingKey is the request's key for one attempt and the algorithm it
// signs with: signing_algorithm when given; for a key service, the one its
// key implies (RS256, ES256, ES384, ES512, EdDSA); RS256 for a PEM key, as
// it always was. The algorithm is checked against the public key.
func (r *resolvedRequest) signingKey(ctx context.Context) (crypto.Signer, string, error) {
	key, err := r.keySource().Signer(ctx)
	if err != nil {
		if r.KeyService == nil {
			return nil, "", argErr(r.keyArg(), "The private key cannot be used: %v.", err)
		}
		return nil, "", err
	}
	configured, name := r.SigningAlgorithm, ""
	if r.KeyService != nil {
		name = r.KeyService.URI()
	}
	if configured == "" && (r.KeyService == nil || DefaultAlgorithm(key) == "") {
		configured = r.keyAlgorithm()
	}
	alg, err := SigningAlgorithm(key, configured, name)
	if err != nil {
		var ae *ArgError
		if errors.As(err, &ae) && ae.Arg == ArgPrivateKeyPEM {
			ae.Arg = r.keyArg()
		}
		return nil, "", err
	}
	return key, alg, nil
}

// SigningAlgorithm is the algorithm key signs with given the configured
// one (signing_algorithm): configured when set, else DefaultAlgorithm. It
// refuses an algorithm other than the one the key fixes (a Cloud KMS key
// version's), naming the key by name, and one that does not fit the public
// key; a message blames signing_algorithm or the key (ArgPrivateKeyPEM).
func SigningAlgorithm(key crypto.Signer, configured, name string) (string, error) {
	alg, fixed := configured, fixedAlgorithm(key)
	if alg == "" {
		alg = DefaultAlgorithm(key)
	}
	if fixed != "" && alg != fixed {
		return "", argErr(ArgSigningAlgorithm, "The key %s signs with %s only; set signing_algorithm to %s, or leave it out.", name, fixed, fixed)
	}
	if err := checkKeyAlgorithm(key.Public(), alg); err != nil {
		return "", err
	}
	return alg, nil
}

// keyID is the kid of what the request's key signs: key_id when set; for a
// key service's key, its RFC 7638 thumbprint; none for a PEM key.
func (r *resolvedRequest) keyID(key crypto.Signer) (string, error) {
	if r.KeyID != "" || r.KeyService == nil {
		return r.KeyID, nil
	}
	return Thumbprint(key.Public())
}

// fixedAlgorithm is the algorithm a key allows alone (a Cloud KMS key
// version fixes padding and hash), "" when the key takes several.
func fixedAlgorithm(key crypto.Signer) string {
	if f, ok := key.(interface{ JWSAlgorithm() string }); ok {
		return f.JWSAlgorithm()
	}
	return ""
}

// DefaultAlgorithm is the algorithm a key signs with when none is
// configured: the one it fixes, or the one its type implies.
func DefaultAlgorithm(key crypto.Signer) string {
	if a := fixedAlgorithm(key); a != "" {
		return a
	}
	return AlgorithmFor(key.Public())
}

// AlgorithmFor is the JWS algorithm a public key signs with by default:
// RS256 for RSA, ES256/ES384/ES512 by curve, EdDSA for Ed25519; "" for a
// key no JWS algorithm fits.
func AlgorithmFor(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RS256"
	case *ecdsa.PublicKey:
		if a := ecAlgFor(k.Curve); a != "another key type" {
			return a
		}
	case ed25519.PublicKey:
		return edDSAAlg
	}
	return ""
}

// keyServiceID tells key-service keys apart where requests are compared
// (the sharing of tokens in memory): the URI, which is no secret.
func (r *resolvedRequest) keyServiceID() []byte {
	if r.KeyService == nil {
		return nil
	}
	return []byte("kms\x00" + strings.TrimSpace(r.KeyService.URI()))
}
