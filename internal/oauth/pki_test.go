package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/testpki"
)

// testKey is a private key in one PEM encoding, with the algorithm it signs.
type testKey struct {
	name string
	pem  []byte
	pub  crypto.PublicKey
	alg  string
}

var (
	keysOnce sync.Once
	keys     []testKey
	rsaKey   *rsa.PrivateKey
)

// testKeys covers every key type and PEM encoding ParsePrivateKey takes.
func testKeys(t testing.TB) []testKey {
	t.Helper()
	keysOnce.Do(func() {
		rsaKey, _ = rsa.GenerateKey(rand.Reader, 2048)
		p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		_, ed, _ := ed25519.GenerateKey(rand.Reader)
		pkcs8 := func(k any) []byte {
			der, _ := x509.MarshalPKCS8PrivateKey(k)
			return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		}
		sec1 := func(k *ecdsa.PrivateKey) []byte {
			der, _ := x509.MarshalECPrivateKey(k)
			return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
		}
		keys = []testKey{
			{"RSA PKCS#1 RS256", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), &rsaKey.PublicKey, "RS256"},
			{"RSA PKCS#8 RS512", pkcs8(rsaKey), &rsaKey.PublicKey, "RS512"},
			{"RSA PKCS#8 PS256", pkcs8(rsaKey), &rsaKey.PublicKey, "PS256"},
			{"RSA PKCS#8 PS384", pkcs8(rsaKey), &rsaKey.PublicKey, "PS384"},
			{"EC P-256 SEC1 ES256", sec1(p256), &p256.PublicKey, "ES256"},
			{"EC P-384 PKCS#8 ES384", pkcs8(p384), &p384.PublicKey, "ES384"},
			{"EC P-521 SEC1 ES512", sec1(p521), &p521.PublicKey, "ES512"},
			{"Ed25519 PKCS#8 EdDSA", pkcs8(ed), ed.Public(), "EdDSA"},
		}
	})
	return keys
}

func certPEM(der []byte) []byte { return testpki.CertPEM(der) }
