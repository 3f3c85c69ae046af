package oauth

import (
	"crypto"
	"crypto/elliptic"
	"crypto/rsa"
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
		rsaKey = testpki.RSA(t, 2048)
		p256, p384, p521 := testpki.EC(t, elliptic.P256()), testpki.EC(t, elliptic.P384()), testpki.EC(t, elliptic.P521())
		ed := testpki.Ed25519(t)
		pkcs8, sec1 := testpki.PKCS8PEM, testpki.SEC1PEM
		keys = []testKey{
			{"RSA PKCS#1 RS256", testpki.PKCS1PEM(rsaKey), &rsaKey.PublicKey, "RS256"},
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
