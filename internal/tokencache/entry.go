package tokencache

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// The entry format every store shares: a name and a key derived from the
// client's own secret (Argon2id once per secret, then HKDF per entry, see
// kdf.go), and the token sealed with AES-256-GCM under that key, the name as
// additional data, so that an entry moved to another name does not open.

// MaxAge caps how long an entry is kept, whatever lifetime the server gave
// the token.
const MaxAge = 24 * time.Hour

var entryMagic = []byte("clientcreds-token-v2\n")

// derive returns the entry's name and encryption key.
func derive(k oauth.StoreKey) (name string, key []byte, err error) {
	if len(k.Secret) == 0 {
		return "", nil, errors.New("no secret to key the entry with")
	}
	master := cacheKDF.master(k.Secret, k.Salt)
	n, err := hkdf.Key(sha256.New, master, k.Fingerprint, "clientcreds token cache v2 name", 16)
	if err != nil {
		return "", nil, err
	}
	key, err = hkdf.Key(sha256.New, master, k.Fingerprint, "clientcreds token cache v2 key", 32)
	return hex.EncodeToString(n) + ".token", key, err
}

type sealedToken struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type,omitempty"`
	ExpiresIn   int64     `json:"expires_in"`
	ExpiresAt   time.Time `json:"expires_at"`
	IssuedAt    time.Time `json:"issued_at"`
	Scope       string    `json:"scope,omitempty"`
	// KeepUntil is when the entry stops being read: the token's expiry or
	// MaxAge after it was issued, whichever comes first.
	KeepUntil time.Time `json:"keep_until"`
}

// sealed is a token sealed for its entry, as a store saves it.
type sealed struct {
	name string // the entry's name
	key  []byte // its key, to open what the store holds there now
	out  []byte // the entry's bytes
	keep time.Time
}

// sealEntry seals t for k's entry; keep is when it stops being read.
func sealEntry(k oauth.StoreKey, t *oauth.Token) (e sealed, err error) {
	if t.ExpiresIn == nil {
		return e, errors.New("a token without a lifetime is not kept")
	}
	if e.name, e.key, err = derive(k); err != nil {
		return e, err
	}
	e.keep = t.IssuedAt.Add(MaxAge)
	if t.ExpiresAt.Before(e.keep) {
		e.keep = t.ExpiresAt
	}
	plain, err := json.Marshal(sealedToken{t.AccessToken, t.TokenType, *t.ExpiresIn, t.ExpiresAt, t.IssuedAt, t.Scope, e.keep})
	if err != nil {
		return e, err
	}
	aead, err := newAEAD(e.key)
	if err != nil {
		return e, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return e, err
	}
	e.out = append(append(append([]byte{}, entryMagic...), nonce...), aead.Seal(nil, nonce, plain, []byte(e.name))...)
	return e, nil
}

type entryState int

const (
	entryInvalid entryState = iota // corrupt, foreign or tampered: a miss
	entryExpired                   // past its keep time: a miss, to be removed
	entryValid
)

// unsealEntry opens a sealed entry as it may be used at now.
func unsealEntry(name string, key, raw []byte, now time.Time) (*oauth.Token, entryState) {
	if !bytes.HasPrefix(raw, entryMagic) {
		return nil, entryInvalid
	}
	raw = raw[len(entryMagic):]
	aead, err := newAEAD(key)
	if err != nil || len(raw) < aead.NonceSize() {
		return nil, entryInvalid
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(name))
	if err != nil {
		return nil, entryInvalid
	}
	var e sealedToken
	if json.Unmarshal(plain, &e) != nil || e.AccessToken == "" {
		return nil, entryInvalid
	}
	if !now.Before(e.KeepUntil) {
		return nil, entryExpired
	}
	exp := e.ExpiresIn
	return &oauth.Token{AccessToken: e.AccessToken, TokenType: e.TokenType, ExpiresIn: &exp, ExpiresAt: e.ExpiresAt, IssuedAt: e.IssuedAt, Scope: e.Scope}, entryValid
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
