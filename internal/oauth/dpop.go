package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DPoP (RFC 9449): a key pair made in memory for one proxy's life, whose
// proofs bind its tokens to it. A proof is a JWT signed with the key, the
// public key in its header, naming the request (htm, htu), when (iat),
// itself (a unique jti) and, at a resource server, the token (ath); a
// server that wants one also sends a nonce to put in it.

// DPoPKey signs proofs; it remembers the nonce each server last sent.
type DPoPKey struct {
	signer jose.Signer
	now    func() time.Time

	mu     sync.Mutex
	nonces map[string]string // by origin
}

// NewDPoPKey makes an ES256 key pair in memory.
func NewDPoPKey(now func() time.Time) (*DPoPKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return NewDPoPKeyFrom(k, now)
}

// NewDPoPKeyFrom signs proofs with key, through crypto.Signer like every
// other signature, with the algorithm the key implies.
func NewDPoPKeyFrom(key crypto.Signer, now func() time.Time) (*DPoPKey, error) {
	alg := AlgorithmFor(key.Public())
	if alg == "" {
		return nil, fmt.Errorf("a DPoP key of type %T cannot sign proofs", key.Public())
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: cryptosigner.Opaque(key)},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &DPoPKey{signer: s, now: now, nonces: map[string]string{}}, nil
}

// Proof is a proof for one request: method and URL (its query and fragment
// are left out), and the access token it carries, if any.
func (k *DPoPKey) Proof(method, target, accessToken string) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", err
	}
	htu := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String() // escaping kept: %2F is not /
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", err
	}
	claims := map[string]any{"jti": hex.EncodeToString(jti[:]), "htm": method, "htu": htu, "iat": jwt.NewNumericDate(k.now())}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if n := k.Nonce(target); n != "" {
		claims["nonce"] = n
	}
	p, err := jwt.Signed(k.signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("cannot sign the DPoP proof: %v", err)
	}
	return p, nil
}

// SetNonce keeps the nonce a server sent (DPoP-Nonce) for its origin.
func (k *DPoPKey) SetNonce(target, nonce string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.nonces[origin(target)] = nonce
}

// Nonce is the nonce last sent by target's origin.
func (k *DPoPKey) Nonce(target string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.nonces[origin(target)]
}

func origin(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	return u.Scheme + "://" + u.Host
}
