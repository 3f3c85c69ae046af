package tokencache_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

// BenchmarkSharedCache is what the store costs a run, on each topology
// over TLS on loopback (one server, a three-primary cluster, a primary
// behind three sentinels) beside the disk cache, the key already derived:
//
//   - hit: reading a stored entry (GET, and opening it);
//   - locked-miss: what a run does before its token request when nothing is
//     stored: read (a miss), take the lock, read again, and, after the
//     request, release the lock (SET NX PX, EXISTS-free since it is had,
//     GET twice, the unlock script). The disk cache has no lock: its miss
//     is the two reads.
//
// Each reports the median and 99th percentile of one operation (p50-ns,
// p99-ns) beside Go's mean (ns/op).
func BenchmarkSharedCache(b *testing.B) {
	p := newTopoPKI(b)
	single := testredis.Start(b, testredis.Options{TLSCertPEM: p.tls.CertPEM, TLSKeyPEM: p.tls.KeyPEM})
	disk, err := tokencache.NewDiskCache(filepath.Join(b.TempDir(), "c"))
	if err != nil {
		b.Fatal(err)
	}
	singleOpts := p.options(single.URL, "")
	singleOpts.ClientCertPEM, singleOpts.ClientKeyPEM = nil, nil // this server does not ask for one
	topologies := []struct {
		name string
		o    tokencache.RedisOptions
	}{{"redis-single", singleOpts}}
	// A topology whose programs are missing is left out, saying so; the
	// others still run.
	add := func(name, bin string, start func() tokencache.RedisOptions) {
		if why := testredis.Missing(bin); why != "" {
			fmt.Println("BenchmarkSharedCache: " + name + " left out: " + why) // b.Log shows only with -v
			return
		}
		topologies = append(topologies, struct {
			name string
			o    tokencache.RedisOptions
		}{name, start()})
	}
	add("redis-cluster", "redis-cli", func() tokencache.RedisOptions { _, o := p.cluster(b); return o })
	add("redis-sentinel", "redis-sentinel", func() tokencache.RedisOptions { _, o := p.sentinel(b); return o })
	stores := []struct {
		name  string
		store oauth.TokenStore
	}{{"disk", disk}}
	for _, s := range topologies {
		r, err := tokencache.NewRedis(s.o)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = r.Close() })
		stores = append(stores, struct {
			name  string
			store oauth.TokenStore
		}{s.name, r})
	}

	life := int64(3600)
	now := time.Now()
	tok := &oauth.Token{AccessToken: "bench-token", ExpiresIn: &life, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	hitKey := oauth.StoreKey{Fingerprint: []byte("hit"), Secret: []byte("bench-secret"), Salt: []byte("client\x00https://idp.example/token")}
	missKey := oauth.StoreKey{Fingerprint: []byte("miss"), Secret: []byte("bench-secret"), Salt: []byte("client\x00https://idp.example/token")}
	for _, s := range stores {
		if err := s.store.Save(hitKey, tok); err != nil {
			b.Fatal(err)
		}
		b.Run(s.name+"/hit", func(b *testing.B) {
			timed(b, func() {
				if _, ok := s.store.Load(hitKey, now); !ok {
					b.Fatal("miss")
				}
			})
		})
		b.Run(s.name+"/locked-miss", func(b *testing.B) {
			timed(b, func() {
				if _, ok := s.store.Load(missKey, now); ok {
					b.Fatal("hit")
				}
				if l, ok := s.store.(oauth.StoreLocker); ok {
					unlock, held := l.Lock(context.Background(), missKey)
					if !held {
						b.Fatal("lock not had")
					}
					defer unlock()
				}
				if _, ok := s.store.Load(missKey, now); ok {
					b.Fatal("hit")
				}
			})
		})
		if r, ok := s.store.(*tokencache.Redis); ok {
			if w := r.Warning(); w != "" {
				b.Fatalf("%s: %s", s.name, w)
			}
		}
	}
}

// timed runs op b.N times and reports its median and 99th percentile.
func timed(b *testing.B, op func()) {
	b.Helper()
	lat := make([]time.Duration, 0, 1024)
	for b.Loop() {
		start := time.Now()
		op()
		lat = append(lat, time.Since(start))
	}
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*50/100]), "p50-ns")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ns")
}
