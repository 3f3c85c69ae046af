//go:build unix

package tokencache

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/testhelp"
)

func TestDiskCacheRefusesOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDiskCache(dir); err == nil {
		t.Error("a 0755 directory was accepted")
	}
}

// Many writers and readers of one entry: a reader sees a whole entry or none.
func TestDiskCacheConcurrentWriters(t *testing.T) {
	store, _ := NewDiskCache(filepath.Join(t.TempDir(), "c"))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 50 {
				tok := token(fmt.Sprintf("w%d-%d", i, j), time.Hour, testhelp.Now)
				if err := store.Save(testStoreKey(), tok); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				if tok, ok := store.Load(testStoreKey(), testhelp.Now); ok && tok.AccessToken == "" {
					t.Error("read a partial entry")
				}
			}
		}()
	}
	wg.Wait()
	if _, ok := store.Load(testStoreKey(), testhelp.Now); !ok {
		t.Error("no entry after the writers finished")
	}
}

const testSecret = "s3cr3t-Zq9!/+&= value"

// testStoreKey is a store key for direct DiskCache tests.
func testStoreKey() oauth.StoreKey {
	return oauth.StoreKey{Fingerprint: []byte("fp"), Secret: []byte(testSecret), Salt: []byte("a\x00https://idp.example/token")}
}

func token(value string, life time.Duration, issued time.Time) *oauth.Token {
	secs := int64(life / time.Second)
	return &oauth.Token{AccessToken: value, TokenType: "Bearer", ExpiresIn: &secs, IssuedAt: issued, ExpiresAt: issued.Add(life)}
}

// An entry holds nothing in clear, is readable only with the same secret,
// and one that is corrupt is a miss, replaced by the next save.
func TestDiskCacheEntriesAreSealed(t *testing.T) {
	store, dir := newStore(t)
	k := testStoreKey()
	if err := store.Save(k, token("sealed-token-value", time.Hour, testhelp.Now)); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d entries", len(entries))
	}
	fi, _ := os.Stat(dir)
	ei, _ := entries[0].Info()
	if fi.Mode().Perm() != 0o700 || ei.Mode().Perm() != 0o600 {
		t.Errorf("modes dir %o file %o", fi.Mode().Perm(), ei.Mode().Perm())
	}
	path := filepath.Join(dir, entries[0].Name())
	raw, _ := os.ReadFile(path)
	for _, v := range []string{"sealed-token-value", testSecret, "access_token", "idp.example"} {
		if strings.Contains(string(raw), v) {
			t.Errorf("the entry holds %q in clear", v)
		}
	}
	if got, ok := store.Load(k, testhelp.Now); !ok || got.AccessToken != "sealed-token-value" || *got.ExpiresIn != 3600 || !got.ExpiresAt.Equal(testhelp.Now.Add(time.Hour)) {
		t.Errorf("read back %+v, %v", got, ok)
	}
	other := k
	other.Secret = []byte("another-secret")
	if _, ok := store.Load(other, testhelp.Now); ok {
		t.Error("another secret read the entry")
	}
	if err := os.WriteFile(path, []byte("clientcreds-token-v2\ngarbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := store.Load(k, testhelp.Now); ok {
		t.Error("a corrupt entry was read")
	}
	if err := store.Save(k, token("replacement", time.Hour, testhelp.Now)); err != nil {
		t.Fatal(err)
	}
	if got, ok := store.Load(k, testhelp.Now); !ok || got.AccessToken != "replacement" {
		t.Error("the corrupt entry was not replaced")
	}
}

// Entry names and keys come from Argon2id at OWASP's minimum over the
// secret, salted with the client's identity: a name can be checked against
// a guess only at that cost.
func TestDiskCacheNamesComeFromArgon2id(t *testing.T) {
	store, dir := newStore(t)
	k := oauth.StoreKey{Fingerprint: []byte("fingerprint"), Secret: []byte("Autumn2023!"), Salt: []byte("a\x00https://idp.example/token")}
	if err := store.Save(k, token("t", time.Hour, testhelp.Now)); err != nil {
		t.Fatal(err)
	}
	master := argon2.IDKey([]byte("Autumn2023!"), []byte("clientcreds token cache v2\x00a\x00https://idp.example/token"), 2, 19*1024, 1, 32)
	n, err := hkdf.Key(sha256.New, master, k.Fingerprint, "clientcreds token cache v2 name", 16)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, hex.EncodeToString(n)+".token")); err != nil {
		entries, _ := os.ReadDir(dir)
		t.Errorf("no entry named by Argon2id(t=2, m=19 MiB, p=1); the directory holds %v", entries)
	}
}

// However long the server says a token lives, it is kept on disk for at
// most a day, and removed once past that.
func TestDiskCacheKeepsEntriesAtMostADay(t *testing.T) {
	store, dir := newStore(t)
	k := testStoreKey()
	if err := store.Save(k, token("long-lived", 285*365*24*time.Hour, testhelp.Now)); err != nil {
		t.Fatal(err)
	}
	if _, ok := store.Load(k, testhelp.Now.Add(23*time.Hour)); !ok {
		t.Fatal("an entry was not read within a day")
	}
	entries, _ := os.ReadDir(dir)
	if _, ok := store.Load(k, testhelp.Now.Add(25*time.Hour)); ok {
		t.Error("an entry was read 25 hours after its token was issued")
	}
	if _, err := os.Stat(filepath.Join(dir, entries[0].Name())); !os.IsNotExist(err) {
		t.Errorf("the entry past its time is still on disk: %v", err)
	}
}

func newStore(t *testing.T) (*DiskCache, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "c")
	store, err := NewDiskCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	return store, dir
}

// The directory must be the effective user's own: one another user made in
// advance with mode 0700 is refused.
func TestDiskCacheRefusesForeignOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user; CI runs as root")
	}
	dir := filepath.Join(t.TempDir(), "planted")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err := NewDiskCache(dir)
	if err == nil || !strings.Contains(err.Error(), "owned by user 65534") {
		t.Errorf("a directory owned by another user: %v", err)
	}
}

func TestDiskCacheRefusesSymlinkedDirectory(t *testing.T) {
	target := filepath.Join(t.TempDir(), "real")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	_, err := NewDiskCache(link)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a symlinked directory: %v", err)
	}
}

// A symbolic link above the cache directory is fine where only the user can
// change it, and refused where others can write beside it; so is an
// ancestor that others can write.
func TestDiskCacheRefusesAncestorsOthersCanChange(t *testing.T) {
	base := t.TempDir()
	realDir := filepath.Join(base, "realDir")
	for _, d := range []string{realDir, filepath.Join(realDir, "cache"), filepath.Join(base, "private"), filepath.Join(base, "shared")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"private", "shared"} {
		if err := os.Symlink(realDir, filepath.Join(base, d, "link")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := NewDiskCache(filepath.Join(base, "private", "link", "cache")); err != nil {
		t.Errorf("a link in a private directory: %v", err)
	}
	if err := os.Chmod(filepath.Join(base, "shared"), 0o777); err != nil {
		t.Fatal(err)
	}
	_, err := NewDiskCache(filepath.Join(base, "shared", "link", "cache"))
	if err == nil || !strings.Contains(err.Error(), "the directory holding the symbolic link") || !strings.Contains(err.Error(), "may be written by other users") {
		t.Errorf("a link in a directory others can write: %v", err)
	}
	if err := os.Chmod(realDir, 0o777); err != nil {
		t.Fatal(err)
	}
	_, err = NewDiskCache(filepath.Join(realDir, "cache"))
	if err == nil || !strings.Contains(err.Error(), "may be written by other users (mode 0777)") {
		t.Errorf("a parent others can write: %v", err)
	}
}

// An entry that is a FIFO, a link to /dev/zero, a link to a valid entry
// elsewhere, or a file past the size cap is a miss, at once.
func TestDiskCacheEntriesMustBeSmallRegularFiles(t *testing.T) {
	tok := token("kept-token", time.Hour, testhelp.Now)
	elsewhere, _ := newStore(t)
	if err := elsewhere.Save(testStoreKey(), tok); err != nil {
		t.Fatal(err)
	}
	name, _, _ := derive(testStoreKey())
	for _, tc := range []struct {
		name  string
		plant func(path string) error
	}{
		{"FIFO", func(p string) error { return syscall.Mkfifo(p, 0o600) }},
		{"link to /dev/zero", func(p string) error { return os.Symlink("/dev/zero", p) }},
		{"link to a valid entry", func(p string) error { return os.Symlink(filepath.Join(elsewhere.dir, name), p) }},
		{"oversized", func(p string) error {
			return os.WriteFile(p, append(append([]byte{}, entryMagic...), make([]byte, 2<<20)...), 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, dir := newStore(t)
			if err := tc.plant(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
			// A hang here is the bug; the generous bound only turns it
			// into a failure instead of the suite's timeout.
			done := make(chan bool, 1)
			go func() {
				_, ok := store.Load(testStoreKey(), testhelp.Now)
				done <- ok
			}()
			select {
			case ok := <-done:
				if ok {
					t.Error("the planted entry was read")
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Load blocked on the planted entry")
			}
		})
	}
}
