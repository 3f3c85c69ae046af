package tokencache_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testredis"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

func rollbackKey() oauth.StoreKey {
	return oauth.StoreKey{Fingerprint: []byte("fp-rollback"), Secret: []byte(redisSecret), Salt: []byte(redisClientID + "\x00https://idp.example/token")}
}

func issuedToken(value string, issued time.Time) *oauth.Token {
	secs := int64(3600)
	return &oauth.Token{AccessToken: value, TokenType: "Bearer", ExpiresIn: &secs, IssuedAt: issued, ExpiresAt: issued.Add(time.Hour)}
}

// store is what the rollback tests need of a store and of its backing: a
// way to read and to write an entry's raw bytes, as whoever can write to
// the store can.
type rawStore interface {
	oauth.TokenStore
	oauth.StoreForgetter
}

type backing struct {
	open     func(t *testing.T) rawStore // a new provider process's store
	read     func(t *testing.T) []byte   // the one entry's sealed bytes
	write    func(t *testing.T, b []byte)
	hasEntry func(t *testing.T) bool
}

func redisBacking(t *testing.T) backing {
	rs := testredis.Start(t, testredis.Options{})
	rc := rs.Client(t)
	ctx := context.Background()
	key := func(t *testing.T) string {
		keys := rc.Keys(ctx, "*").Val()
		if len(keys) != 1 {
			t.Fatalf("Redis holds %v; want one entry", keys)
		}
		return keys[0]
	}
	return backing{
		open: func(t *testing.T) rawStore {
			s, err := tokencache.NewRedis(tokencache.RedisOptions{URL: rs.URL})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		read: func(t *testing.T) []byte {
			b, err := rc.Get(ctx, key(t)).Bytes()
			return mustEntry(t, b, err)
		},
		write: func(t *testing.T, b []byte) {
			if err := rc.Set(ctx, key(t), b, time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
		},
		hasEntry: func(t *testing.T) bool { return len(rc.Keys(ctx, "*").Val()) == 1 },
	}
}

func diskBacking(t *testing.T) backing {
	dir := filepath.Join(t.TempDir(), "cache")
	entry := func(t *testing.T) string {
		m, _ := filepath.Glob(filepath.Join(dir, "*.token"))
		if len(m) != 1 {
			t.Fatalf("the directory holds %v; want one entry", m)
		}
		return m[0]
	}
	return backing{
		open: func(t *testing.T) rawStore {
			s, err := tokencache.NewDiskCache(dir)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		read: func(t *testing.T) []byte {
			b, err := os.ReadFile(entry(t))
			return mustEntry(t, b, err)
		},
		write: func(t *testing.T, b []byte) {
			if err := os.WriteFile(entry(t), b, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		hasEntry: func(t *testing.T) bool {
			m, _ := filepath.Glob(filepath.Join(dir, "*.token"))
			return len(m) == 1
		},
	}
}

func eachBacking(t *testing.T, test func(t *testing.T, b backing)) {
	t.Run("redis", func(t *testing.T) { test(t, redisBacking(t)) })
	t.Run("disk", func(t *testing.T) { test(t, diskBacking(t)) })
}

// Whoever can write to the store saves entry A's sealed bytes, then puts
// them back after B replaced it: a process that stored or read B never
// takes A again.
func TestStoreRollbackToOlderEntryIsAMiss(t *testing.T) {
	eachBacking(t, func(t *testing.T, b backing) {
		now := time.Now()
		k := rollbackKey()
		a, bTok := issuedToken("token-A-older", now.Add(-10*time.Minute)), issuedToken("token-B-newer", now.Add(-time.Minute))
		writer := b.open(t)
		if err := writer.Save(k, a); err != nil {
			t.Fatal(err)
		}
		rawA := b.read(t)
		reader := b.open(t) // another process, which reads B
		if err := writer.Save(k, bTok); err != nil {
			t.Fatal(err)
		}
		if got, ok := reader.Load(k, now); !ok || got.AccessToken != bTok.AccessToken {
			t.Fatalf("the reader got %v, %v; want B", got, ok)
		}
		b.write(t, rawA) // the rollback
		for name, s := range map[string]rawStore{"the writer of B": writer, "a reader of B": reader} {
			if got, ok := s.Load(k, now); ok {
				t.Errorf("%s accepted the rolled-back entry %q", name, got.AccessToken)
			}
		}
		// B written back is accepted again.
		if err := writer.Save(k, bTok); err != nil {
			t.Fatal(err)
		}
		if got, ok := reader.Load(k, now); !ok || got.AccessToken != bTok.AccessToken {
			t.Errorf("B, saved again, reads as %v, %v", got, ok)
		}
	})
}

// A token the API refused is dropped from the store, only while the entry
// still holds it; its sealed bytes written back are a miss in that process.
func TestStoreForgetDropsARefusedToken(t *testing.T) {
	eachBacking(t, func(t *testing.T, b backing) {
		now := time.Now()
		k := rollbackKey()
		s := b.open(t)
		a := issuedToken("token-A-refused", now.Add(-5*time.Minute))
		if err := s.Save(k, a); err != nil {
			t.Fatal(err)
		}
		rawA := b.read(t)
		if err := s.Forget(k, "some-other-token"); err != nil || !b.hasEntry(t) {
			t.Fatalf("Forget of another token removed the entry (%v)", err)
		}
		if err := s.Forget(k, a.AccessToken); err != nil || b.hasEntry(t) {
			t.Fatalf("the refused token's entry is still there (%v)", err)
		}
		if err := s.Save(k, a); err != nil { // recreate the key to write the raw bytes under
			t.Fatal(err)
		}
		b.write(t, rawA)
		if got, ok := s.Load(k, now); ok {
			t.Errorf("the forgotten token came back: %q", got.AccessToken)
		}
		// Another run replaced it before this one forgot it: the new entry stays.
		newer := issuedToken("token-B-fresh", now)
		other := b.open(t)
		if err := other.Save(k, newer); err != nil {
			t.Fatal(err)
		}
		if err := s.Forget(k, a.AccessToken); err != nil || !b.hasEntry(t) {
			t.Errorf("Forget removed another run's newer entry (%v)", err)
		}
		if got, ok := s.Load(k, now); !ok || got.AccessToken != newer.AccessToken {
			t.Errorf("the newer entry reads as %v, %v", got, ok)
		}
	})
}

// Tiered forgets in every store.
func TestTieredForget(t *testing.T) {
	d, r := diskBacking(t), redisBacking(t)
	store := tokencache.Tiered{d.open(t), r.open(t)}
	k := rollbackKey()
	tok := issuedToken("token-tiered", time.Now())
	if err := store.Save(k, tok); err != nil {
		t.Fatal(err)
	}
	if err := store.Forget(k, tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	if d.hasEntry(t) || r.hasEntry(t) {
		t.Errorf("an entry is left: disk %v, Redis %v", d.hasEntry(t), r.hasEntry(t))
	}
}

// A run that fetched earlier but saves later leaves the newer entry in
// Redis: the next process reads the newer token.
func TestRedisSaveNeverReplacesANewerEntry(t *testing.T) {
	b := redisBacking(t)
	now := time.Now()
	k := rollbackKey()
	late, early := b.open(t), b.open(t)
	newer, older := issuedToken("token-fetched-later", now), issuedToken("token-fetched-earlier", now.Add(-2*time.Second))
	if err := late.Save(k, newer); err != nil {
		t.Fatal(err)
	}
	if err := early.Save(k, older); err != nil {
		t.Fatal(err)
	}
	if got, ok := b.open(t).Load(k, now); !ok || got.AccessToken != newer.AccessToken {
		t.Errorf("the next process reads %v, %v; want the newer token", got, ok)
	}
	// The early saver itself does not go back to its own older token.
	if got, ok := early.Load(k, now); !ok || got.AccessToken != newer.AccessToken {
		t.Errorf("the early saver reads %v, %v; want the newer token", got, ok)
	}
}

// mustEntry is an entry read back for a rollback: an error or nothing
// would make the "rollback" write an empty entry, and the test check only
// that a corrupt one is a miss.
func mustEntry(t *testing.T, b []byte, err error) []byte {
	t.Helper()
	if err != nil || len(b) == 0 {
		t.Fatalf("reading the entry back: %d bytes, %v", len(b), err)
	}
	return b
}
