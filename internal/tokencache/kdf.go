package tokencache

import (
	"crypto/sha256"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of the cache's key derivation: OWASP's first
// recommended configuration (19 MiB, 2 passes, 1 lane), the minimum it
// gives for password storage. Changing them renames every entry.
const (
	kdfTime    = 2
	kdfMemory  = 19 * 1024 // KiB
	kdfThreads = 1
	kdfKeyLen  = 32
	kdfLabel   = "clientcreds token cache v2\x00"
)

// cacheKDF derives each client's master key once per process: a slow,
// memory-hard step paid once per distinct secret, however many entries
// and reads use it. At most two derivations run at once, so fifty distinct
// clients cost time, not fifty times the memory.
var cacheKDF = &kdf{sem: make(chan struct{}, 2)}

type kdf struct {
	mu   sync.Mutex
	done map[[32]byte]*kdfResult
	sem  chan struct{}
}

type kdfResult struct {
	once sync.Once
	key  []byte
}

func (k *kdf) master(secret, salt []byte) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte{0})
	h.Write(secret)
	var id [32]byte
	copy(id[:], h.Sum(nil))

	k.mu.Lock()
	if k.done == nil {
		k.done = map[[32]byte]*kdfResult{}
	}
	r, ok := k.done[id]
	if !ok {
		r = &kdfResult{}
		k.done[id] = r
	}
	k.mu.Unlock()

	r.once.Do(func() {
		k.sem <- struct{}{}
		defer func() { <-k.sem }()
		r.key = argon2.IDKey(secret, kdfSalt(salt), kdfTime, kdfMemory, kdfThreads, kdfKeyLen)
	})
	return r.key
}

// kdfSalt is the Argon2 salt: a fixed label and the client's identity.
func kdfSalt(identity []byte) []byte {
	return append([]byte(kdfLabel), identity...)
}
