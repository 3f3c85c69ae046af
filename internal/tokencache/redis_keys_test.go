package tokencache

import (
	"errors"
	"strings"
	"testing"
)

// hashTag is the part of key a Redis cluster hashes: the text between the
// first { and the first } after it, when not empty; else the whole key.
func hashTag(key string) string {
	if s := strings.IndexByte(key, '{'); s >= 0 {
		if e := strings.IndexByte(key[s+1:], '}'); e > 0 {
			return key[s+1 : s+1+e]
		}
	}
	return key
}

// An entry and its lock hash to the same slot, whatever braces the key
// prefix holds: they share their first {…}, and it carries the entry's name.
func TestEntryAndLockShareAHashTag(t *testing.T) {
	const name = "0123456789abcdef0123456789abcdef.token"
	for _, prefix := range []string{DefaultKeyPrefix, "", "team-a:", "a{b}c:", "{team", "x}{y:", "}{"} {
		r := &Redis{prefix: prefix}
		for _, n := range []string{name, strings.TrimSuffix(name, ".token")} {
			entry, lock := r.entryKey(n), r.lockKey(n)
			if entry == lock {
				t.Fatalf("prefix %q: entry and lock are one key, %q", prefix, entry)
			}
			if a, b := hashTag(entry), hashTag(lock); a != b {
				t.Errorf("prefix %q: entry %q hashes %q, lock %q hashes %q", prefix, entry, a, lock, b)
			}
			if !strings.Contains(entry, "{"+strings.TrimSuffix(name, ".token")+"}") {
				t.Errorf("prefix %q: entry %q carries no tag of its name", prefix, entry)
			}
		}
	}
}

// A prefix with a brace could leave the first hash tag empty ("{}cc:"),
// and a cluster would then hash the entry and its lock to different slots:
// the store refuses one.
func TestKeyPrefixWithBracesRefused(t *testing.T) {
	for _, prefix := range []string{"{}cc:", "a{b}c:", "x}"} {
		if _, err := NewRedis(RedisOptions{URL: "redis://127.0.0.1:6379", KeyPrefix: prefix}); !errors.Is(err, ErrKeyPrefixBraces) {
			t.Errorf("prefix %q: %v; want ErrKeyPrefixBraces", prefix, err)
		}
	}
}
