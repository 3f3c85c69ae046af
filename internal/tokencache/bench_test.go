package tokencache

import (
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
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

// BenchmarkCacheHit is what a hit costs in each store, its key already
// derived: the Redis round trip over loopback against reading a file.
func BenchmarkCacheHit(b *testing.B) {
	k := oauth.StoreKey{Fingerprint: []byte("fp"), Secret: []byte("bench-secret"), Salt: []byte("client\x00https://idp.example/token")}
	life := int64(3600)
	now := time.Now()
	tok := &oauth.Token{AccessToken: "bench-token", ExpiresIn: &life, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	disk, err := NewDiskCache(filepath.Join(b.TempDir(), "c"))
	if err != nil {
		b.Fatal(err)
	}
	rs := testredis.Start(b, testredis.Options{})
	shared, err := NewRedis(RedisOptions{URL: rs.URL})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = shared.Close() })
	for name, s := range map[string]oauth.TokenStore{"disk": disk, "redis": shared} {
		if err := s.Save(k, tok); err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, ok := s.Load(k, now); !ok {
					b.Fatal("miss")
				}
			}
		})
	}
}
