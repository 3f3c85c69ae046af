// Package tokencache keeps tokens across provider processes, behind the
// small oauth.TokenStore interface that the protocol package defines: the
// disk store (disk.go), the Redis store shared by runner fleets (redis.go,
// also an oauth.StoreLocker), the two tiered (tiered.go), the sealed entry
// format (entry.go), and the key derivation (kdf.go) that names and
// encrypts each entry with the client's own secret, so that whoever can
// read or write the store learns neither the token nor which client it is
// for.
package tokencache

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
)

// DiskCache is an oauth.TokenStore in a directory shared by Terraform runs. Each
// entry is encrypted with AES-256-GCM under a key derived from the client's
// own secret, and named by another value derived from it, so the directory
// tells nothing, and yields nothing, to whoever lacks the secret. Both are
// derived through Argon2id (see cacheKDF), so that guessing a password-like
// secret from a copied directory costs what it costs against a password
// store. Entries are written to a temporary file and renamed into place: a
// reader, in this process or another, sees a whole entry or none. A corrupt,
// foreign, oversized or expired entry reads as a miss.
type DiskCache struct {
	dir string
	// seen is the rollback floor of each entry (rollback.go).
	seen floors
}

// maxEntrySize caps an entry read from disk; a real one is well under 1 KiB.
const maxEntrySize = 64 << 10

// NewDiskCache opens, or creates with mode 0700, the cache directory. It
// refuses a directory that is a symbolic link, that another user owns, or
// that others may read or write.
func NewDiskCache(dir string) (*DiskCache, error) {
	if dir == "" {
		return nil, errors.New("the cache directory is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the cache directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return nil, fmt.Errorf("the cache directory %s is a symbolic link; name the real directory", dir)
	case !fi.IsDir():
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	if err := checkOwner(dir, fi); err != nil {
		return nil, err
	}
	if err := checkAncestors(dir); err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the cache directory %s has mode %04o; it must be accessible to its owner only (chmod 700)", dir, fi.Mode().Perm())
	}
	return &DiskCache{dir: dir}, nil
}

// Load returns the entry for this key if there is a readable one that may
// still be kept at now; one past its time is removed.
func (d *DiskCache) Load(k oauth.StoreKey, now time.Time) (*oauth.Token, bool) {
	name, key, err := derive(k)
	if err != nil {
		return nil, false
	}
	path := filepath.Join(d.dir, name)
	raw, err := readEntry(path)
	if err != nil {
		return nil, false
	}
	t, state := unsealEntry(name, key, raw, now)
	if state == entryExpired {
		_ = os.Remove(path)
	}
	if state != entryValid || !d.seen.accept(name, t.IssuedAt) {
		return nil, false // an entry older than one this process saw: rolled back
	}
	return t, true
}

// Forget removes k's entry while it still holds accessToken (any token when
// accessToken is ""), for a token the API refused; in this process that
// token's entry is never accepted again.
func (d *DiskCache) Forget(k oauth.StoreKey, accessToken string) error {
	name, key, err := derive(k)
	if err != nil {
		return err
	}
	path := filepath.Join(d.dir, name)
	raw, err := readEntry(path)
	if err != nil {
		return nil //nolint:nilerr // no entry, nothing to forget
	}
	t, state := unsealEntry(name, key, raw, time.Time{}) // expired or not
	if state != entryValid || accessToken != "" && t.AccessToken != accessToken {
		return nil
	}
	d.seen.forgot(name, t.IssuedAt)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// readEntry reads a regular file of at most maxEntrySize bytes, without
// following a symbolic link or blocking on a FIFO or device.
func readEntry(path string) ([]byte, error) {
	f, err := openEntry(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxEntrySize {
		return nil, errors.New("not a cache entry")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxEntrySize+1))
	if err != nil || len(b) > maxEntrySize {
		return nil, errors.New("not a cache entry")
	}
	return b, nil
}

// Save writes the entry atomically with mode 0600.
func (d *DiskCache) Save(k oauth.StoreKey, t *oauth.Token) error {
	e, err := sealEntry(k, t)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(d.dir, ".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // no-op once renamed
	if _, err := tmp.Write(e.out); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(d.dir, e.name)); err != nil {
		return err
	}
	d.seen.saw(e.name, t.IssuedAt)
	return nil
}
