package oauth

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
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DiskCache is a TokenStore in a directory shared by Terraform runs. Each
// entry is encrypted with AES-256-GCM under a key derived by HKDF from the
// client's own secret, and named by another value derived from it, so the
// directory tells nothing, and yields nothing, to whoever lacks the secret.
// Entries are written to a temporary file and renamed into place: a reader,
// in this process or another, sees a whole entry or none. A corrupt, foreign
// or expired entry reads as a miss and is replaced by the next save.
type DiskCache struct {
	dir string
}

var entryMagic = []byte("clientcreds-token-v1\n")

// NewDiskCache opens, or creates with mode 0700, the cache directory. It
// refuses a directory that others can read or write.
func NewDiskCache(dir string) (*DiskCache, error) {
	if dir == "" {
		return nil, errors.New("the cache directory is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the cache directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the cache directory %s has mode %04o; it must be accessible to its owner only (chmod 700)", dir, fi.Mode().Perm())
	}
	return &DiskCache{dir: dir}, nil
}

// derive returns the entry's file name and encryption key.
func derive(fingerprint, secret []byte) (name string, key []byte, err error) {
	if len(secret) == 0 {
		return "", nil, errors.New("no secret to key the entry with")
	}
	n, err := hkdf.Key(sha256.New, secret, fingerprint, "clientcreds token cache v1 name", 16)
	if err != nil {
		return "", nil, err
	}
	key, err = hkdf.Key(sha256.New, secret, fingerprint, "clientcreds token cache v1 key", 32)
	return hex.EncodeToString(n) + ".token", key, err
}

type diskEntry struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type,omitempty"`
	ExpiresIn   int64     `json:"expires_in"`
	ExpiresAt   time.Time `json:"expires_at"`
	IssuedAt    time.Time `json:"issued_at"`
	Scope       string    `json:"scope,omitempty"`
}

// Load returns the entry for this request and secret, if there is a readable one.
func (d *DiskCache) Load(fingerprint, secret []byte) (*Token, bool) {
	name, key, err := derive(fingerprint, secret)
	if err != nil {
		return nil, false
	}
	raw, err := os.ReadFile(filepath.Join(d.dir, name))
	if err != nil || !bytes.HasPrefix(raw, entryMagic) {
		return nil, false
	}
	raw = raw[len(entryMagic):]
	aead, err := newAEAD(key)
	if err != nil || len(raw) < aead.NonceSize() {
		return nil, false
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(name))
	if err != nil {
		return nil, false
	}
	var e diskEntry
	if json.Unmarshal(plain, &e) != nil || e.AccessToken == "" {
		return nil, false
	}
	exp := e.ExpiresIn
	return &Token{AccessToken: e.AccessToken, TokenType: e.TokenType, ExpiresIn: &exp, ExpiresAt: e.ExpiresAt, IssuedAt: e.IssuedAt, Scope: e.Scope}, true
}

// Save writes the entry atomically with mode 0600.
func (d *DiskCache) Save(fingerprint, secret []byte, t *Token) error {
	if t.ExpiresIn == nil {
		return errors.New("a token without a lifetime is not kept")
	}
	name, key, err := derive(fingerprint, secret)
	if err != nil {
		return err
	}
	plain, err := json.Marshal(diskEntry{t.AccessToken, t.TokenType, *t.ExpiresIn, t.ExpiresAt, t.IssuedAt, t.Scope})
	if err != nil {
		return err
	}
	aead, err := newAEAD(key)
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	out := append(append(append([]byte{}, entryMagic...), nonce...), aead.Seal(nil, nonce, plain, []byte(name))...)

	tmp, err := os.CreateTemp(d.dir, ".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(d.dir, name))
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
