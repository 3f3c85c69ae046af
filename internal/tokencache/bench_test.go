package tokencache

import (
	"crypto/rand"
	"testing"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// BenchmarkCacheKeyDerivation is the cost the persistent cache adds per
// distinct credential set: one Argon2id derivation (later reads of the same
// secret reuse it).
func BenchmarkCacheKeyDerivation(b *testing.B) {
	for b.Loop() {
		k := oauth.StoreKey{Fingerprint: []byte("fp"), Secret: []byte(rand.Text()), Salt: []byte("client\x00https://idp.example/token")}
		if _, _, err := derive(k); err != nil {
			b.Fatal(err)
		}
	}
}
